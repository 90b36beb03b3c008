/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing the schemaver tables (schemaver.revision,
 *	  schemaver.version, schemaver.applied, schemaver.log and the cache
 *	  schemaver.graph_heads), and the graph cache of each backend.
 *
 * Every query the extension runs on its own behalf is here.  Each is written
 * with schema-qualified names, built-in functions and operators included, so
 * that nothing a user creates earlier on the search_path can hijack it, and
 * takes every value as a $n parameter.  The statements are prepared once per
 * backend and kept (SPI_keepplan); the plan cache re-plans them by itself if
 * the extension is dropped and created again.
 *
 * The readers that see every revision (the graph loader, history) take the
 * rows from the executor through a DestReceiver as they are produced,
 * rather than from an SPI result that would copy them all first.
 *
 * All functions here expect the caller to be connected to SPI; what they
 * return is allocated in the memory context current at the call.
 *
 * src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupmacs.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "schemaver.h"

/* The statements of this file, prepared on first use */
typedef enum SvQuery
{
	Q_LOAD_REVISIONS,
	Q_LOAD_VERSION,
	Q_FETCH_STEPS,
	Q_RECORD_STEPS,
	Q_INSERT_REVISION,
	Q_GET_CHECKSUM,
	Q_UPDATE_REVISION,
	Q_LAST_APPLIED,
	Q_HISTORY_ROWS,
	Q_ALL_CONTENT,
	Q_FINGERPRINT,
	Q_READ_HEADS,
	Q_STORE_HEADS,
	Q_FORGET_HEADS,
	Q_COUNT
} SvQuery;

typedef struct SvQueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[12];
} SvQueryDef;

static const SvQueryDef query_defs[Q_COUNT] = {
	[Q_LOAD_REVISIONS] = {
		"SELECT r.revision, r.down_revision, r.depends_on, r.branch_labels,"
		" (r.downgrade_sql IS NOT NULL)"
		" FROM ONLY schemaver.revision r",
		0, {InvalidOid}
	},
	[Q_LOAD_VERSION] = {
		"SELECT v.revision FROM ONLY schemaver.version v",
		0, {InvalidOid}
	},
	[Q_FETCH_STEPS] = {
		"SELECT u.n, r.upgrade_sql, r.downgrade_sql, r.message, r.checksum"
		" FROM pg_catalog.unnest($1) WITH ORDINALITY AS u(revision, n)"
		" JOIN ONLY schemaver.revision r"
		"  ON r.revision OPERATOR(pg_catalog.=) u.revision",
		1, {TEXTARRAYOID}
	},
	[Q_RECORD_STEPS] = {
		"WITH gone AS (DELETE FROM ONLY schemaver.version v"
		"  WHERE v.revision OPERATOR(pg_catalog.=) ANY ($1)),"
		" added AS (INSERT INTO schemaver.version (revision)"
		"  SELECT pg_catalog.unnest($2)),"
		" unapplied AS (DELETE FROM ONLY schemaver.applied a"
		"  USING pg_catalog.unnest($10) AS u(revision)"
		"  WHERE a.revision OPERATOR(pg_catalog.=) u.revision),"
		" applied AS (INSERT INTO schemaver.applied (revision, applied_at, applied_by)"
		"  SELECT p.revision, p.applied_at, CURRENT_USER"
		"  FROM ROWS FROM (pg_catalog.unnest($11), pg_catalog.unnest($12))"
		"   AS p(revision, applied_at))"
		" INSERT INTO schemaver.log (id, revision, operation, heads_before,"
		"  heads_after, started_at, elapsed, performed_by, checksum)"
		" SELECT GREATEST(pg_catalog.nextval(CAST('schemaver.log_id_seq' AS pg_catalog.regclass)),"
		"   m.id OPERATOR(pg_catalog.+) s.n),"
		"  s.revision, s.operation,"
		"  CAST(s.heads_before AS pg_catalog.text[]),"
		"  CAST(s.heads_after AS pg_catalog.text[]),"
		"  s.started_at, s.elapsed, CURRENT_USER, s.checksum"
		" FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4),"
		"  pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
		"  pg_catalog.unnest($8), pg_catalog.unnest($9)) WITH ORDINALITY"
		"  AS s(revision, operation, heads_before, heads_after, started_at,"
		"       elapsed, checksum, n),"
		"  (SELECT COALESCE(pg_catalog.max(l.id), 0) AS id FROM ONLY schemaver.log l) m"
		" ORDER BY s.n",
		12, {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
			TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, INTERVALARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID}
	},
	[Q_INSERT_REVISION] = {
		"INSERT INTO schemaver.revision (revision, down_revision, depends_on,"
		" branch_labels, message, upgrade_sql, downgrade_sql, checksum)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
		" ON CONFLICT (revision) DO NOTHING",
		8, {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID}
	},
	[Q_GET_CHECKSUM] = {
		"SELECT r.checksum FROM ONLY schemaver.revision r"
		" WHERE r.revision OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[Q_UPDATE_REVISION] = {
		"UPDATE ONLY schemaver.revision SET down_revision = $2, depends_on = $3,"
		" branch_labels = $4, message = $5, upgrade_sql = $6,"
		" downgrade_sql = $7, checksum = $8,"
		" registered_at = pg_catalog.now(), registered_by = CURRENT_USER"
		" WHERE revision OPERATOR(pg_catalog.=) $1",
		8, {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID}
	},
	[Q_LAST_APPLIED] = {
		"SELECT a.revision, a.applied_at, a.applied_by FROM ONLY schemaver.applied a",
		0, {InvalidOid}
	},
	[Q_HISTORY_ROWS] = {
		"SELECT r.revision, r.down_revision, r.message, r.branch_labels,"
		" r.depends_on FROM ONLY schemaver.revision r",
		0, {InvalidOid}
	},
	[Q_ALL_CONTENT] = {
		"SELECT r.revision, r.down_revision, r.depends_on, r.branch_labels,"
		" r.message, r.upgrade_sql, r.downgrade_sql, r.checksum"
		" FROM ONLY schemaver.revision r"
		" ORDER BY r.revision COLLATE pg_catalog.\"C\"",
		0, {InvalidOid}
	},
	[Q_FINGERPRINT] = {
		"SELECT pg_catalog.concat_ws('/',"
		" (SELECT pg_catalog.max(l.id) FROM ONLY schemaver.log l),"
		" (SELECT pg_catalog.md5(pg_catalog.string_agg(r.revision"
		"   OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.checksum, ','"
		"   ORDER BY r.revision COLLATE pg_catalog.\"C\")) FROM ONLY schemaver.revision r),"
		" (SELECT pg_catalog.string_agg(v.revision, ',' ORDER BY v.revision)"
		"   FROM ONLY schemaver.version v))",
		0, {InvalidOid}
	},
	[Q_READ_HEADS] = {
		"SELECT g.heads FROM ONLY schemaver.graph_heads g",
		0, {InvalidOid}
	},
	[Q_STORE_HEADS] = {
		"INSERT INTO schemaver.graph_heads AS g (heads) VALUES ($1)"
		" ON CONFLICT (singleton) DO UPDATE SET heads = EXCLUDED.heads"
		" WHERE g.heads OPERATOR(pg_catalog.<>) EXCLUDED.heads",
		1, {TEXTARRAYOID}
	},
	[Q_FORGET_HEADS] = {
		"DELETE FROM ONLY schemaver.graph_heads",
		0, {InvalidOid}
	},
};

static SPIPlanPtr saved_plans[Q_COUNT];

/*
 * The graph the moving functions use, kept between calls (see
 * catalog_load_graph).
 */
static MemoryContext graph_cache_cxt = NULL;
static SvGraph *graph_cache = NULL;
static List *graph_cache_problems = NIL;
static Oid	graph_cache_relid = InvalidOid;
static bool graph_cache_valid = false;
static uint64 graph_cache_generation = 0;	/* counts the rebuilds */

/*
 * A call that is walking a graph pins it (catalog_pin_graph) for as long as
 * revision SQL may run: if the cache must be rebuilt meanwhile, the pinned
 * graph's memory is kept, in retired_graph_cxts, until the last pin goes.
 * (Revision SQL cannot call schemaver's functions, which would rebuild it,
 * but nothing the walk holds may ever be freed under it.)
 */
static int	graph_cache_pins = 0;
static List *retired_graph_cxts = NIL;

static SPIPlanPtr get_plan(SvQuery which);
static int	execute(SvQuery which, Datum *values, const char *nulls,
					bool read_only, long count);
static char **text_array_to_cstrings(Datum d, int *n);
static char *get_text(HeapTuple tuple, TupleDesc desc, int col);
static int	catalog_revision_estimate(void);
static Oid	catalog_relid(const char *relname);
static void execute_to(SvQuery which, DestReceiver *dest, bool read_only);

/*
 * Prepare (once per backend) and return the plan of one of our statements.
 */
static SPIPlanPtr
get_plan(SvQuery which)
{
	if (saved_plans[which] == NULL)
	{
		const SvQueryDef *def = &query_defs[which];
		SPIPlanPtr	plan;
		MemoryContext cxt = CurrentMemoryContext;

		plan = SPI_prepare(def->sql, def->nargs, (Oid *) def->argtypes);
		MemoryContextSwitchTo(cxt);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 def->sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		saved_plans[which] = plan;
	}
	return saved_plans[which];
}

/*
 * Run one of our statements; "cannot happen" failures are elog'd.  It runs
 * as one of schemaver's own statements (guard_begin_internal): the only
 * kind that may write the catalog in a transaction that ran revision SQL.
 */
static int
execute(SvQuery which, Datum *values, const char *nulls, bool read_only,
		long count)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = 0;

	guard_begin_internal();
	PG_TRY();
	{
		rc = SPI_execute_plan(get_plan(which), values, nulls, read_only,
							  count);
	}
	PG_FINALLY();
	{
		guard_end_internal();
	}
	PG_END_TRY();
	/* SPI returns in its own procedure context: come back to the caller's */
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s",
			 query_defs[which].sql, SPI_result_code_string(rc));
	return rc;
}

/*
 * A text[] datum as a palloc'd array of C strings.  A NULL element (which
 * the table's checks refuse, but a damaged catalog might hold) becomes an
 * empty string: no revision has that id, so the graph reports it as a
 * problem instead of tripping over it.
 */
static char **
text_array_to_cstrings(Datum d, int *n)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *isnull;
	char	  **result;

	if (ARR_NDIM(arr) == 0)
	{
		*n = 0;
		return NULL;
	}
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &isnull, n);
	result = palloc(sizeof(char *) * *n);
	for (int i = 0; i < *n; i++)
		result[i] = isnull[i] ? pstrdup("") : TextDatumGetCString(elems[i]);
	pfree(elems);
	pfree(isnull);
	return result;
}

/* Column col (1-based) of a result tuple as a C string, or NULL */
static char *
get_text(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * catalog_schema_oid
 *		OID of the schemaver schema (InvalidOid if missing and missing_ok).
 */
Oid
catalog_schema_oid(bool missing_ok)
{
	return get_namespace_oid(SV_SCHEMA, missing_ok);
}

/* OID of one of the catalog's tables, InvalidOid if it does not exist */
static Oid
catalog_relid(const char *relname)
{
	return get_relname_relid(relname, catalog_schema_oid(false));
}

/*
 * Copy a text[] datum of ids or labels into the graph's arena; NULL when it
 * has no element.  A NULL element (which the table's checks refuse, but a
 * damaged catalog might hold) becomes an empty string: no revision has that
 * id, so the graph reports it as a problem instead of tripping over it.
 *
 * The elements are walked in place, as deconstruct_array would, without
 * its allocations; a short array (the usual one, stored inline with a
 * one-byte header) is first copied to an aligned buffer on the stack rather
 * than detoasted into a palloc'd one.  Everything else (a compressed array,
 * or one stored out of line, whose datum is a one-byte-header TOAST
 * pointer) is detoasted.
 */
static const char **
graph_ids(SvGraph *graph, Datum d, int *n)
{
	union
	{
		ArrayType	hdr;
		char		data[1024];
	}			buf;
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	ArrayType  *arr;
	const char **result;
	char	   *p;
	bits8	   *bitmap;

	if (VARATT_IS_SHORT(v) && !VARATT_IS_EXTERNAL(v) &&
		VARSIZE_SHORT(v) - VARHDRSZ_SHORT + VARHDRSZ <= sizeof(buf))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(&buf.hdr, len + VARHDRSZ);
		memcpy(buf.data + VARHDRSZ, VARDATA_SHORT(v), len);
		arr = &buf.hdr;
	}
	else
		arr = DatumGetArrayTypeP(d);

	*n = ARR_NDIM(arr) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (*n == 0)
		return NULL;
	result = arena_alloc(&graph->arena, sizeof(char *) * *n);
	p = ARR_DATA_PTR(arr);
	bitmap = ARR_NULLBITMAP(arr);
	for (int i = 0; i < *n; i++)
	{
		int			len = 0;
		char	   *copy;

		if (bitmap == NULL || (bitmap[i / 8] & (1 << (i % 8))))
		{
			len = VARSIZE_ANY_EXHDR(p);
			copy = arena_alloc(&graph->arena, len + 1);
			memcpy(copy, VARDATA_ANY(p), len);
			p = att_addlength_pointer(p, -1, p);
			p = (char *) att_align_nominal(p, TYPALIGN_INT);
		}
		else
			copy = arena_alloc(&graph->arena, 1);
		copy[len] = '\0';
		result[i] = copy;
	}
	return result;
}

/*
 * The receiver of the revisions' rows: each one becomes a revision of the
 * graph as it arrives, without being copied into an SPI result first.
 */
typedef struct GraphReceiver
{
	DestReceiver pub;
	SvGraph    *graph;
} GraphReceiver;

/* DestReceiver callback: add one row of Q_LOAD_REVISIONS to the graph */
static bool
graph_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SvGraph    *graph = ((GraphReceiver *) self)->graph;
	SvRevision *r;
	char		buf[SV_MAX_ID_LEN + 1];
	char	   *id = buf;

	slot_getallattrs(slot);
	buf[0] = '\0';
	if (!slot->tts_isnull[0])
	{
		text	   *t = DatumGetTextPP(slot->tts_values[0]);
		int			len = VARSIZE_ANY_EXHDR(t);

		/* longer than any valid id only in a damaged catalog */
		if (len > SV_MAX_ID_LEN)
			id = text_to_cstring(t);
		else
		{
			memcpy(buf, VARDATA_ANY(t), len);
			buf[len] = '\0';
		}
	}
	r = graph_add_revision(graph, id);
	if (!slot->tts_isnull[1])
		r->parent_ids = graph_ids(graph, slot->tts_values[1], &r->nparents);
	if (!slot->tts_isnull[2])
		r->depends_ids = graph_ids(graph, slot->tts_values[2], &r->ndepends);
	if (!slot->tts_isnull[3])
		r->labels = graph_ids(graph, slot->tts_values[3], &r->nlabels);
	r->reversible = !slot->tts_isnull[4] && DatumGetBool(slot->tts_values[4]);
	return true;
}

/* DestReceiver callbacks with nothing to do */
static void
receiver_startup(DestReceiver *self pg_attribute_unused(),
				 int operation pg_attribute_unused(),
				 TupleDesc typeinfo pg_attribute_unused())
{
}

static void
receiver_noop(DestReceiver *self pg_attribute_unused())
{
}

/*
 * catalog_receiver_init
 *		Set up a DestReceiver for one of our queries whose only work is to
 *		take each row (receive), for the readers that consume rows as the
 *		executor produces them instead of copying them into an SPI result.
 */
void
catalog_receiver_init(DestReceiver *dest,
					  bool (*receive) (TupleTableSlot *slot, DestReceiver *self))
{
	memset(dest, 0, sizeof(DestReceiver));
	dest->receiveSlot = receive;
	dest->rStartup = receiver_startup;
	dest->rShutdown = receiver_noop;
	dest->rDestroy = receiver_noop;
	dest->mydest = DestNone;
}

/* Run one of our statements, sending its rows to dest */
static void
execute_to(SvQuery which, DestReceiver *dest, bool read_only)
{
	SPIExecuteOptions options;
	MemoryContext cxt = CurrentMemoryContext;
	int			rc;

	memset(&options, 0, sizeof(options));
	options.read_only = read_only;
	options.dest = dest;
	rc = SPI_execute_plan_extended(get_plan(which), &options);
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan_extended failed for \"%s\": %s",
			 query_defs[which].sql, SPI_result_code_string(rc));
}

/*
 * Read every revision's shape (not its SQL, message or checksum) and build
 * the graph, in the current memory context.  Problems of its shape go to
 * *problems.  fresh: read with a new snapshot, else the statement's.
 *
 * The rows go from the executor straight into the graph: the rows of
 * 100,000 revisions never sit in memory beside the graph built from them.
 */
static SvGraph *
load_revisions(List **problems, bool fresh)
{
	SvGraph    *graph = graph_create();
	GraphReceiver recv;

	graph_reserve(graph, catalog_revision_estimate());
	catalog_receiver_init(&recv.pub, graph_receive);
	recv.graph = graph;
	execute_to(Q_LOAD_REVISIONS, &recv.pub, !fresh);
	graph_build(graph, problems);
	return graph;
}

/*
 * How many revisions the catalog holds, as the planner's statistics say
 * (pg_class.reltuples): room to reserve before loading them.  0 (grow as
 * the rows come) when unknown, or so large that a stale estimate could
 * reserve far more than is used.
 */
static int
catalog_revision_estimate(void)
{
	Oid			relid = catalog_relid("revision");
	HeapTuple	tup;
	float4		reltuples = -1;

	if (!OidIsValid(relid))
		return 0;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tup))
	{
		reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	if (reltuples <= 0 || reltuples > 1000000)
		return 0;
	return (int) (reltuples * 1.05) + 16;
}

/*
 * catalog_read_version
 *		The rows of schemaver.version, in no particular order; fresh: read
 *		with a new snapshot (see catalog_load_graph_problems).
 */
char	  **
catalog_read_version(int *n, bool fresh)
{
	char	  **current;
	SPITupleTable *tt;

	execute(Q_LOAD_VERSION, NULL, NULL, !fresh, 0);
	*n = (int) SPI_processed;
	tt = SPI_tuptable;
	current = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		current[i] = get_text(tt->vals[i], tt->tupdesc, 1);
	SPI_freetuptable(tt);
	return current;
}

/* Read the rows of schemaver.version and place the database on the graph */
static void
load_version(SvGraph *graph, List **problems, bool fresh)
{
	char	  **current;
	int			ncurrent;

	current = catalog_read_version(&ncurrent, fresh);
	graph_set_current(graph, current, ncurrent, problems);
}

/*
 * catalog_load_graph_problems
 *		Read every revision (without its SQL text) and the version rows, and
 *		build the graph.  Problems are not raised here: the caller decides
 *		(graph_check_usable, or schemaver_verify which lists them).
 *
 * fresh: read with a new snapshot, as a caller that has just taken the lock
 * must (the snapshot of its own statement may predate the lock wait, and
 * would not show what the previous lock holder committed).  The read-only
 * functions read with their statement's snapshot, as STABLE functions do.
 */
SvGraph *
catalog_load_graph_problems(List **problems, bool fresh)
{
	SvGraph    *graph = load_revisions(problems, fresh);

	load_version(graph, problems, fresh);
	return graph;
}

/*
 * Invalidation callback: any change to schemaver.revision (the trigger of
 * catalog_invalidate sends a relcache invalidation for it, at commit to
 * other backends and at once to this one) makes the cached graph stale.
 */
static void
graph_cache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	if (relid == InvalidOid || relid == graph_cache_relid)
		graph_cache_valid = false;
}

/*
 * catalog_init
 *		Register the invalidation callback of the graph cache (once, from
 *		_PG_init).
 */
void
catalog_init(void)
{
	CacheRegisterRelcacheCallback(graph_cache_callback, (Datum) 0);
}

/*
 * catalog_invalidate
 *		Body of the statement trigger on schemaver.revision: the cached graph
 *		of this backend is stale at once, every other backend's will be when
 *		the change commits, and the heads kept in schemaver.graph_heads are
 *		forgotten.
 *
 * One relcache invalidation and one forgetting per (sub)transaction are
 * enough: other backends see the invalidation at commit, and nobody can
 * store heads again before this transaction ends, since storing them takes
 * schemaver's lock, which the trigger takes first.  (A subtransaction that
 * rolls back takes both with it, so they are redone in the next one.)
 * Doing them at every statement would make this backend rebuild the
 * relcache entry and re-plan its INSERT at every schemaver_add_revision of
 * a long registration script.
 */
void
catalog_invalidate(Relation rel)
{
	static LocalTransactionId done_in_xact = InvalidLocalTransactionId;
	static SubTransactionId done_in_subxact = InvalidSubTransactionId;

	graph_cache_valid = false;
	if (done_in_xact == SV_MY_LXID &&
		done_in_subxact == GetCurrentSubTransactionId())
		return;

	CacheInvalidateRelcache(rel);
	lock_acquire(false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_forget_heads();
	SPI_finish();
	done_in_xact = SV_MY_LXID;
	done_in_subxact = GetCurrentSubTransactionId();
}

/*
 * catalog_graph
 *		The graph, placed on the database's current state, from the cache.
 *		Problems are appended to *problems, not raised.
 *
 * The shape of the graph is cached for the life of the backend and rebuilt
 * only when schemaver.revision has changed since, so that a call with
 * nothing to do does not read and rebuild thousands of revisions.  It is
 * always built from a fresh snapshot, after accepting invalidations, so it
 * is never older than what this backend knows to be committed.  The version
 * rows are read at every call, with a fresh snapshot when fresh (a caller
 * that has just taken the lock) or the statement's.
 */
SvGraph *
catalog_graph(bool fresh, List **problems)
{
	Oid			relid;

	AcceptInvalidationMessages();
	relid = catalog_relid("revision");

	/*
	 * The cache may have been filled by another role of this backend: the
	 * caller must be allowed to read the revisions it would otherwise read.
	 */
	catalog_check_read_access();

	if (!graph_cache_valid || relid != graph_cache_relid)
	{
		MemoryContext old;

		/* a graph someone is walking is set aside, not freed */
		if (graph_cache_pins > 0 && graph_cache_cxt != NULL)
		{
			old = MemoryContextSwitchTo(CacheMemoryContext);
			retired_graph_cxts = lappend(retired_graph_cxts, graph_cache_cxt);
			MemoryContextSwitchTo(old);
			graph_cache_cxt = NULL;
		}
		if (graph_cache_cxt == NULL)
			graph_cache_cxt = AllocSetContextCreate(CacheMemoryContext,
													"schemaver graph cache",
													ALLOCSET_DEFAULT_SIZES);
		MemoryContextReset(graph_cache_cxt);
		graph_cache = NULL;
		graph_cache_problems = NIL;
		old = MemoryContextSwitchTo(graph_cache_cxt);
		graph_cache_relid = relid;
		graph_cache = load_revisions(&graph_cache_problems, true);
		MemoryContextSwitchTo(old);
		graph_cache_valid = true;
		graph_cache_generation++;
	}
	*problems = list_concat(*problems, graph_cache_problems);
	load_version(graph_cache, problems, fresh);
	return graph_cache;
}

/*
 * catalog_pin_graph
 *		Keep the graph(s) handed out so far alive until catalog_unpin_graph,
 *		even if the cache is rebuilt meanwhile.
 */
void
catalog_pin_graph(void)
{
	graph_cache_pins++;
}

/*
 * catalog_unpin_graph
 *		Release a pin; with the last one, free the graphs that were replaced
 *		while pinned.  Called on every way out of a walk (PG_FINALLY).
 */
void
catalog_unpin_graph(void)
{
	ListCell   *lc;

	if (graph_cache_pins > 0)
		graph_cache_pins--;
	if (graph_cache_pins > 0)
		return;
	foreach(lc, retired_graph_cxts)
		MemoryContextDelete((MemoryContext) lfirst(lc));
	list_free(retired_graph_cxts);
	retired_graph_cxts = NIL;
}

/*
 * catalog_graph_is_cached
 *		Whether this backend holds an up-to-date graph, so that catalog_graph
 *		will not read the revisions; if so, *generation tells that graph from
 *		the ones built before it.
 */
bool
catalog_graph_is_cached(uint64 *generation)
{
	AcceptInvalidationMessages();
	*generation = graph_cache_generation;
	return graph_cache_valid &&
		graph_cache_relid == catalog_relid("revision");
}

/*
 * catalog_check_read_access
 *		The caller must be allowed to read schemaver.revision: what reading
 *		the revisions would check, for the paths that do not read them.
 */
void
catalog_check_read_access(void)
{
	Oid			relid = catalog_relid("revision");

	if (OidIsValid(relid) &&
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
}

/*
 * catalog_load_graph
 *		The graph for a function that moves along it, after taking the lock:
 *		any problem of the graph is an error.
 */
SvGraph *
catalog_load_graph(void)
{
	List	   *problems = NIL;
	SvGraph    *graph = catalog_graph(true, &problems);

	graph_check_usable(problems);
	return graph;
}

/*
 * catalog_fetch_steps
 *		What steps first .. first + count - 1 of a plan run and record: the
 *		SQL (upgrade or downgrade SQL; NULL for a stamp), the message and
 *		the checksum of each, in one query.  run.c calls it for each batch of
 *		steps, so that a plan of 100,000 steps never holds all their texts.
 */
SvStepText *
catalog_fetch_steps(SvGraph *graph, SvPlan *plan, int first, int count)
{
	SvStepText *result = palloc0(sizeof(SvStepText) * Max(count, 1));
	Datum	   *ids = palloc(sizeof(Datum) * Max(count, 1));
	Datum		values[1];
	SPITupleTable *tt;

	for (int i = 0; i < count; i++)
		ids[i] = CStringGetTextDatum(graph->revs[plan->steps[first + i].rev].id);
	values[0] = PointerGetDatum(construct_array(ids, count, TEXTOID, -1, false,
												TYPALIGN_INT));
	execute(Q_FETCH_STEPS, values, NULL, false, 0);
	tt = SPI_tuptable;
	for (uint64 j = 0; j < SPI_processed; j++)
	{
		HeapTuple	tup = tt->vals[j];
		bool		isnull;
		int			i = DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 1,
													&isnull)) - 1;
		SvStep	   *s;

		if (i < 0 || i >= count)
			continue;
		s = &plan->steps[first + i];
		if (s->op == SV_OP_UPGRADE)
			result[i].sql = get_text(tup, tt->tupdesc, 2);
		else if (s->op == SV_OP_DOWNGRADE)
			result[i].sql = get_text(tup, tt->tupdesc, 3);
		result[i].message = get_text(tup, tt->tupdesc, 4);
		result[i].checksum = get_text(tup, tt->tupdesc, 5);
	}
	SPI_freetuptable(tt);

	for (int i = 0; i < count; i++)
	{
		SvStep	   *s = &plan->steps[first + i];

		if (result[i].checksum == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is no longer registered",
							graph->revs[s->rev].id)));
		if ((s->op == SV_OP_UPGRADE || s->op == SV_OP_DOWNGRADE) &&
			result[i].sql == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" has no %s SQL",
							graph->revs[s->rev].id,
							s->op == SV_OP_UPGRADE ? "upgrade" : "downgrade")));
	}
	pfree(ids);
	return result;
}

/*
 * catalog_record_steps
 *		Record a batch of steps in one statement: replace the heads they
 *		changed in schemaver.version, add or remove the revisions they
 *		applied or unapplied in schemaver.applied, and append their rows to
 *		schemaver.log, in order.  The arrays hold one element per step;
 *		heads_before and heads_after are text[] literals, up says whether the
 *		step applied its revision.
 *
 * Log ids come from the log's sequence, but never below the rows already
 * there: sequence changes are not transactional and revision SQL can reach
 * setval(), and this way a sequence set back costs nothing but a gap,
 * without needing more than USAGE on it.
 */
void
catalog_record_steps(int n, Datum *revision, Datum *operation,
					 Datum *heads_before, Datum *heads_after,
					 Datum *started_at, Datum *elapsed, Datum *checksum,
					 bool *checksum_null, bool *up, ArrayType *removed_heads,
					 ArrayType *added_heads)
{
	Datum		values[12];
	int			dims[1] = {n};
	int			lbs[1] = {1};
	Datum	   *unapplied = palloc(sizeof(Datum) * n);
	Datum	   *applied = palloc(sizeof(Datum) * n);
	Datum	   *applied_at = palloc(sizeof(Datum) * n);
	int			nunapplied = 0,
				napplied = 0;

	for (int i = 0; i < n; i++)
	{
		if (up[i])
		{
			applied[napplied] = revision[i];
			applied_at[napplied++] = started_at[i];
		}
		else
			unapplied[nunapplied++] = revision[i];
	}

	values[0] = PointerGetDatum(removed_heads);
	values[1] = PointerGetDatum(added_heads);
	values[2] = PointerGetDatum(construct_array(revision, n, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[3] = PointerGetDatum(construct_array(operation, n, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[4] = PointerGetDatum(construct_array(heads_before, n, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[5] = PointerGetDatum(construct_array(heads_after, n, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[6] = PointerGetDatum(construct_array(started_at, n, TIMESTAMPTZOID,
												sizeof(TimestampTz),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[7] = PointerGetDatum(construct_array(elapsed, n, INTERVALOID,
												sizeof(Interval), false,
												TYPALIGN_DOUBLE));
	values[8] = PointerGetDatum(construct_md_array(checksum, checksum_null, 1,
												   dims, lbs, TEXTOID, -1,
												   false, TYPALIGN_INT));
	values[9] = PointerGetDatum(construct_array(unapplied, nunapplied, TEXTOID,
												-1, false, TYPALIGN_INT));
	values[10] = PointerGetDatum(construct_array(applied, napplied, TEXTOID,
												 -1, false, TYPALIGN_INT));
	values[11] = PointerGetDatum(construct_array(applied_at, napplied,
												 TIMESTAMPTZOID,
												 sizeof(TimestampTz),
												 FLOAT8PASSBYVAL,
												 TYPALIGN_DOUBLE));
	execute(Q_RECORD_STEPS, values, NULL, false, 0);
}

/*
 * Values of a revision row, in the order of Q_INSERT_REVISION's parameters:
 * revision, down_revision, depends_on, branch_labels, message, upgrade_sql,
 * downgrade_sql, checksum.
 */

/*
 * catalog_insert_revision
 *		Insert a revision unless one with that id exists.  Returns whether a
 *		row was inserted.
 */
bool
catalog_insert_revision(Datum *values, bool *isnull)
{
	char		nulls[8];

	for (int i = 0; i < 8; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';
	execute(Q_INSERT_REVISION, values, nulls, false, 0);
	return SPI_processed == 1;
}

/*
 * catalog_update_revision
 *		Overwrite a registered revision with new content.
 */
void
catalog_update_revision(Datum *values, bool *isnull)
{
	char		nulls[8];

	for (int i = 0; i < 8; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';
	execute(Q_UPDATE_REVISION, values, nulls, false, 0);
}

/*
 * catalog_get_checksum
 *		The stored checksum of a revision; false if it is not registered.
 */
bool
catalog_get_checksum(const char *revision, char **checksum)
{
	Datum		values[1];

	values[0] = CStringGetTextDatum(revision);
	execute(Q_GET_CHECKSUM, values, NULL, false, 1);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return false;
	}
	*checksum = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

/*
 * catalog_last_applied
 *		For each applied revision of the graph, when and by whom it was
 *		applied (schemaver.applied, kept with the log).  Arrays are indexed
 *		like graph->revs.
 */
void
catalog_last_applied(SvGraph *graph, TimestampTz *applied_at,
					 char **applied_by, bool *found)
{
	SPITupleTable *tt;

	memset(found, 0, sizeof(bool) * graph->nrevs);
	execute(Q_LAST_APPLIED, NULL, NULL, true, 0);
	tt = SPI_tuptable;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *id = get_text(tt->vals[i], tt->tupdesc, 1);
		int			idx = graph_find(graph, id);
		bool		isnull;

		if (idx < 0)
			continue;
		applied_at[idx] = DatumGetTimestampTz(SPI_getbinval(tt->vals[i],
															tt->tupdesc, 2,
															&isnull));
		/* a whole NameData, so that it can be returned as a name datum */
		applied_by[idx] = palloc(sizeof(NameData));
		memcpy(applied_by[idx],
			   DatumGetName(SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull)),
			   sizeof(NameData));
		found[idx] = true;
	}
	SPI_freetuptable(tt);
}

/*
 * catalog_history_rows
 *		Send the columns of every revision that schemaver_history shows, as
 *		they are stored, to revisions: revision, down_revision, message,
 *		branch_labels, depends_on; then the rows of schemaver.applied to
 *		applied: revision, applied_at, applied_by.  Read with the statement's
 *		snapshot.  (Two scans cost less than a join, which hashes one
 *		table.)
 */
void
catalog_history_rows(DestReceiver *revisions, DestReceiver *applied)
{
	execute_to(Q_HISTORY_ROWS, revisions, true);
	execute_to(Q_LAST_APPLIED, applied, true);
}

/*
 * catalog_check_checksums
 *		Recompute the checksum of every registered revision and report the
 *		ones whose stored checksum does not match their content (a row edited
 *		by hand).
 */
void
catalog_check_checksums(List **problems)
{
	SPITupleTable *tt;

	execute(Q_ALL_CONTENT, NULL, NULL, true, 0);
	tt = SPI_tuptable;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = tt->vals[i];
		TupleDesc	desc = tt->tupdesc;
		bool		isnull;
		char	   *id = get_text(tup, desc, 1);
		char	   *stored = get_text(tup, desc, 8);
		char	   *actual;

		actual = sv_checksum(id,
							 DatumGetArrayTypeP(SPI_getbinval(tup, desc, 2, &isnull)),
							 DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3, &isnull)),
							 DatumGetArrayTypeP(SPI_getbinval(tup, desc, 4, &isnull)),
							 get_text(tup, desc, 5),
							 get_text(tup, desc, 6),
							 get_text(tup, desc, 7));
		if (strcmp(actual, stored) != 0)
		{
			SvProblem  *p = palloc(sizeof(SvProblem));

			p->revision = id;
			p->problem = pstrdup("stored checksum does not match the content: the row was changed outside schemaver_add_revision");
			*problems = lappend(*problems, p);
		}
	}
	SPI_freetuptable(tt);
}

/* The catalog's fingerprint as seen by one snapshot */
static char *
fingerprint(Snapshot snapshot)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc;
	char	   *result;

	rc = SPI_execute_snapshot(get_plan(Q_FINGERPRINT), NULL, NULL, snapshot,
							  InvalidSnapshot, true, false, 1);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the schemaver catalog: %s",
			 SPI_result_code_string(rc));
	result = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	return result ? result : pstrdup("");
}

/*
 * catalog_snapshot_is_current
 *		Whether the transaction's snapshot still shows the catalog as the
 *		latest committed state does.  A REPEATABLE READ or SERIALIZABLE
 *		transaction took its snapshot before it got our lock; if another
 *		migration committed in between, planning from that snapshot would
 *		apply revisions a second time.
 */
bool
catalog_snapshot_is_current(void)
{
	char	   *mine = fingerprint(GetTransactionSnapshot());
	char	   *latest = fingerprint(GetLatestSnapshot());

	return strcmp(mine, latest) == 0;
}

/*
 * catalog_check_applied
 *		Report where schemaver.applied disagrees with the applied set that
 *		schemaver.version defines (a table edited by hand).
 */
void
catalog_check_applied(SvGraph *graph, List **problems)
{
	TimestampTz *at = palloc(sizeof(TimestampTz) * Max(graph->nrevs, 1));
	char	  **by = palloc0(sizeof(char *) * Max(graph->nrevs, 1));
	bool	   *found = palloc(sizeof(bool) * Max(graph->nrevs, 1));

	catalog_last_applied(graph, at, by, found);
	for (int i = 0; i < graph->nrevs; i++)
	{
		SvProblem  *p;

		if (found[i] == graph->revs[i].applied)
			continue;
		p = palloc(sizeof(SvProblem));
		p->revision = pstrdup(graph->revs[i].id);
		p->problem = pstrdup(graph->revs[i].applied ?
							 "revision is applied but missing from schemaver.applied" :
							 "schemaver.applied lists this revision but it is not applied");
		*problems = lappend(*problems, p);
	}
}

/*
 * Run one of the statements on schemaver.graph_heads as the table's owner,
 * as the server's foreign-key triggers run theirs as the owner of the table
 * they check: the table is the extension's private cache, and the roles
 * that register or upgrade need no grant on it.  Nothing the caller passes
 * reaches these statements but the heads array.  snapshot: the one to run
 * with, or InvalidSnapshot for SPI's usual one (a new one unless
 * read_only).  Returns false, doing nothing, when the table does not exist.
 */
static bool
execute_as_owner(SvQuery which, Datum *values, Snapshot snapshot,
				 bool read_only)
{
	Oid			relid = catalog_relid("graph_heads");
	HeapTuple	tup;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = 0;

	if (!OidIsValid(relid))
		return false;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	/* an error on the way restores the user at (sub)transaction abort */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	guard_begin_internal();
	PG_TRY();
	{
		rc = SPI_execute_snapshot(get_plan(which), values, NULL, snapshot,
								  InvalidSnapshot, read_only, false, 0);
	}
	PG_FINALLY();
	{
		guard_end_internal();
	}
	PG_END_TRY();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute_snapshot failed for \"%s\": %s",
			 query_defs[which].sql, SPI_result_code_string(rc));
	return true;
}

/*
 * catalog_read_heads
 *		The heads stored in schemaver.graph_heads; false when none are
 *		stored.  fresh: read with a new snapshot, else the statement's.
 */
bool
catalog_read_heads(char ***heads, int *n, bool fresh)
{
	bool		found = false;

	if (!execute_as_owner(Q_READ_HEADS, NULL, InvalidSnapshot, !fresh))
		return false;
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			*heads = text_array_to_cstrings(d, n);
			found = true;
		}
	}
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/*
 * catalog_store_heads
 *		Store the heads of a graph that has just been loaded and found sound,
 *		for the next sessions' fast path (src/fastpath.c).  The caller holds
 *		schemaver's lock, and the graph was read after taking it.
 *
 * Nothing is stored by a transaction that cannot write, or that reads from
 * one snapshot for its life: a row another session stored after that
 * snapshot would make the upsert fail with a serialization error, for the
 * sake of a cache.
 */
void
catalog_store_heads(SvGraph *graph)
{
	int		   *heads;
	int			n = graph_heads(graph, &heads);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	Datum		values[1];

	if (XactReadOnly || IsolationUsesXactSnapshot())
		return;
	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(graph->revs[heads[i]].id);
	values[0] = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
												TYPALIGN_INT));
	(void) execute_as_owner(Q_STORE_HEADS, values, InvalidSnapshot, false);
}

/*
 * catalog_forget_heads
 *		Empty schemaver.graph_heads.  It reads with the latest snapshot, so
 *		that even a transaction whose snapshot is older removes a row stored
 *		and committed since.
 */
void
catalog_forget_heads(void)
{
	(void) execute_as_owner(Q_FORGET_HEADS, NULL, GetLatestSnapshot(), false);
}
