/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing the schemaver tables (schemaver.revision,
 *	  schemaver.version, schemaver.log).
 *
 * Every query the extension runs on its own behalf is here.  Each is written
 * with schema-qualified names, built-in functions and operators included, so
 * that nothing a user creates earlier on the search_path can hijack it, and
 * takes every value as a $n parameter.  The statements are prepared once per
 * backend and kept (SPI_keepplan); the plan cache re-plans them by itself if
 * the extension is dropped and created again.
 *
 * All functions here expect the caller to be connected to SPI; what they
 * return is allocated in the memory context current at the call.
 *
 * src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "schemaver.h"

/* The statements of this file, prepared on first use */
typedef enum SvQuery
{
	Q_LOAD_REVISIONS,
	Q_LOAD_VERSION,
	Q_FETCH_SQL,
	Q_RECORD_STEP,
	Q_INSERT_REVISION,
	Q_GET_CHECKSUM,
	Q_UPDATE_REVISION,
	Q_LAST_APPLIED,
	Q_ALL_CONTENT,
	Q_FINGERPRINT,
	Q_COUNT
} SvQuery;

typedef struct SvQueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[9];
} SvQueryDef;

static const SvQueryDef query_defs[Q_COUNT] = {
	[Q_LOAD_REVISIONS] = {
		"SELECT r.revision, r.down_revision, r.depends_on, r.branch_labels,"
		" r.message, r.checksum, (r.downgrade_sql IS NOT NULL)"
		" FROM schemaver.revision r",
		0, {InvalidOid}
	},
	[Q_LOAD_VERSION] = {
		"SELECT v.revision FROM schemaver.version v",
		0, {InvalidOid}
	},
	[Q_FETCH_SQL] = {
		"SELECT r.revision, r.upgrade_sql, r.downgrade_sql"
		" FROM schemaver.revision r"
		" WHERE r.revision OPERATOR(pg_catalog.=) ANY ($1)",
		1, {TEXTARRAYOID}
	},
	[Q_RECORD_STEP] = {
		"WITH gone AS (DELETE FROM schemaver.version v"
		"  WHERE v.revision OPERATOR(pg_catalog.=) ANY ($1)),"
		" added AS (INSERT INTO schemaver.version (revision)"
		"  SELECT pg_catalog.unnest($2))"
		" INSERT INTO schemaver.log (revision, operation, heads_before,"
		"  heads_after, started_at, elapsed, performed_by, checksum)"
		" VALUES ($3, $4, $5, $6, $7, $8, CURRENT_USER, $9)",
		9, {TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTARRAYOID,
		TEXTARRAYOID, TIMESTAMPTZOID, INTERVALOID, TEXTOID}
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
		"SELECT r.checksum FROM schemaver.revision r"
		" WHERE r.revision OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[Q_UPDATE_REVISION] = {
		"UPDATE schemaver.revision SET down_revision = $2, depends_on = $3,"
		" branch_labels = $4, message = $5, upgrade_sql = $6,"
		" downgrade_sql = $7, checksum = $8,"
		" registered_at = pg_catalog.now(), registered_by = CURRENT_USER"
		" WHERE revision OPERATOR(pg_catalog.=) $1",
		8, {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID}
	},
	[Q_LAST_APPLIED] = {
		"SELECT DISTINCT ON (l.revision) l.revision, l.started_at,"
		" l.performed_by FROM schemaver.log l"
		" ORDER BY l.revision, l.id DESC",
		0, {InvalidOid}
	},
	[Q_ALL_CONTENT] = {
		"SELECT r.revision, r.down_revision, r.depends_on, r.branch_labels,"
		" r.message, r.upgrade_sql, r.downgrade_sql, r.checksum"
		" FROM schemaver.revision r"
		" ORDER BY r.revision COLLATE \"C\"",
		0, {InvalidOid}
	},
	[Q_FINGERPRINT] = {
		"SELECT pg_catalog.concat_ws('/',"
		" (SELECT pg_catalog.max(l.id) FROM schemaver.log l),"
		" (SELECT pg_catalog.count(*) FROM schemaver.revision r),"
		" (SELECT pg_catalog.max(r.registered_at) FROM schemaver.revision r),"
		" (SELECT pg_catalog.string_agg(v.revision, ',' ORDER BY v.revision)"
		"   FROM schemaver.version v))",
		0, {InvalidOid}
	},
};

static SPIPlanPtr saved_plans[Q_COUNT];

static SPIPlanPtr get_plan(SvQuery which);
static int	execute(SvQuery which, Datum *values, const char *nulls,
					bool read_only, long count);
static char **text_array_to_cstrings(Datum d, int *n);
static char *get_text(HeapTuple tuple, TupleDesc desc, int col);

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

/* Run one of our statements; "cannot happen" failures are elog'd */
static int
execute(SvQuery which, Datum *values, const char *nulls, bool read_only,
		long count)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc;

	/* SPI returns in its own procedure context: come back to the caller's */
	rc = SPI_execute_plan(get_plan(which), values, nulls, read_only, count);
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s",
			 query_defs[which].sql, SPI_result_code_string(rc));
	return rc;
}

/*
 * A text[] datum as a palloc'd array of C strings (NULL elements, which the
 * table's callers never store, become NULL pointers).
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
		result[i] = isnull[i] ? NULL : TextDatumGetCString(elems[i]);
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
	SvRevision *revs;
	uint64		nrevs;
	char	  **current;
	uint64		ncurrent;
	SPITupleTable *tt;

	execute(Q_LOAD_REVISIONS, NULL, NULL, !fresh, 0);
	nrevs = SPI_processed;
	tt = SPI_tuptable;
	revs = palloc0(sizeof(SvRevision) * Max(nrevs, 1));
	for (uint64 i = 0; i < nrevs; i++)
	{
		HeapTuple	tup = tt->vals[i];
		TupleDesc	desc = tt->tupdesc;
		SvRevision *r = &revs[i];
		bool		isnull;

		r->id = get_text(tup, desc, 1);
		r->parent_ids = text_array_to_cstrings(SPI_getbinval(tup, desc, 2, &isnull),
											   &r->nparents);
		r->depends_ids = text_array_to_cstrings(SPI_getbinval(tup, desc, 3, &isnull),
												&r->ndepends);
		r->labels = text_array_to_cstrings(SPI_getbinval(tup, desc, 4, &isnull),
										   &r->nlabels);
		r->message = get_text(tup, desc, 5);
		r->checksum = get_text(tup, desc, 6);
		r->reversible = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
	}
	SPI_freetuptable(tt);

	execute(Q_LOAD_VERSION, NULL, NULL, !fresh, 0);
	ncurrent = SPI_processed;
	tt = SPI_tuptable;
	current = palloc(sizeof(char *) * Max(ncurrent, 1));
	for (uint64 i = 0; i < ncurrent; i++)
		current[i] = get_text(tt->vals[i], tt->tupdesc, 1);
	SPI_freetuptable(tt);

	return graph_build(revs, (int) nrevs, current, (int) ncurrent, problems);
}

/*
 * catalog_load_graph
 *		Load the graph for a function that moves along it, after taking the
 *		lock: any problem of the graph is an error.
 */
SvGraph *
catalog_load_graph(void)
{
	List	   *problems = NIL;
	SvGraph    *graph = catalog_load_graph_problems(&problems, true);

	graph_check_usable(problems);
	return graph;
}

/*
 * catalog_fetch_sql
 *		The SQL text each step of a plan runs (upgrade or downgrade SQL), in
 *		one query for the whole plan.  Stamp steps get NULL.
 */
char **
catalog_fetch_sql(SvGraph *graph, SvPlan *plan)
{
	char	  **result = palloc0(sizeof(char *) * Max(plan->nsteps, 1));
	char	  **upgrade_sql = palloc0(sizeof(char *) * Max(graph->nrevs, 1));
	char	  **downgrade_sql = palloc0(sizeof(char *) * Max(graph->nrevs, 1));
	Datum	   *ids;
	int			nids = 0;
	Datum		values[1];
	SPITupleTable *tt;

	ids = palloc(sizeof(Datum) * Max(plan->nsteps, 1));
	for (int i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].op == SV_OP_UPGRADE ||
			plan->steps[i].op == SV_OP_DOWNGRADE)
			ids[nids++] = CStringGetTextDatum(graph->revs[plan->steps[i].rev].id);
	if (nids == 0)
		return result;

	values[0] = PointerGetDatum(construct_array(ids, nids, TEXTOID, -1, false,
												TYPALIGN_INT));
	execute(Q_FETCH_SQL, values, NULL, false, 0);
	tt = SPI_tuptable;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *id = get_text(tt->vals[i], tt->tupdesc, 1);
		int			idx = graph_find(graph, id);

		if (idx < 0)
			continue;
		upgrade_sql[idx] = get_text(tt->vals[i], tt->tupdesc, 2);
		downgrade_sql[idx] = get_text(tt->vals[i], tt->tupdesc, 3);
	}
	SPI_freetuptable(tt);

	for (int i = 0; i < plan->nsteps; i++)
	{
		SvStep	   *s = &plan->steps[i];

		if (s->op == SV_OP_UPGRADE)
			result[i] = upgrade_sql[s->rev];
		else if (s->op == SV_OP_DOWNGRADE)
			result[i] = downgrade_sql[s->rev];
		if ((s->op == SV_OP_UPGRADE || s->op == SV_OP_DOWNGRADE) &&
			result[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" has no %s SQL",
							graph->revs[s->rev].id,
							s->op == SV_OP_UPGRADE ? "upgrade" : "downgrade")));
	}
	pfree(upgrade_sql);
	pfree(downgrade_sql);
	return result;
}

/*
 * catalog_record_step
 *		Record one step: replace the heads it changes in schemaver.version and
 *		append its row to schemaver.log, in one statement.
 */
void
catalog_record_step(const char *revision, const char *operation,
					ArrayType *heads_before, ArrayType *heads_after,
					ArrayType *removed_heads, ArrayType *added_heads,
					TimestampTz started_at, Interval *elapsed,
					const char *checksum)
{
	Datum		values[9];
	char		nulls[9];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = PointerGetDatum(removed_heads);
	values[1] = PointerGetDatum(added_heads);
	values[2] = CStringGetTextDatum(revision);
	values[3] = CStringGetTextDatum(operation);
	values[4] = PointerGetDatum(heads_before);
	values[5] = PointerGetDatum(heads_after);
	values[6] = TimestampTzGetDatum(started_at);
	values[7] = IntervalPGetDatum(elapsed);
	if (checksum)
		values[8] = CStringGetTextDatum(checksum);
	else
		nulls[8] = 'n';
	execute(Q_RECORD_STEP, values, nulls, false, 0);
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
 *		For each revision of the graph, when and by whom the newest log entry
 *		about it was made.  For an applied revision that entry is the upgrade
 *		or stamp that applied it.  Arrays are indexed like graph->revs.
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
		applied_by[idx] = SPI_getvalue(tt->vals[i], tt->tupdesc, 3);
		found[idx] = true;
	}
	SPI_freetuptable(tt);
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
