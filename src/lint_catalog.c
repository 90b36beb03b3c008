/*-------------------------------------------------------------------------
 *
 * lint_catalog.c
 *	  What the lint rules ask the live catalog: which relation a name in a
 *	  revision means, how big a table is, what uses a column or a table,
 *	  whether a DEFAULT is volatile, whether a type change rewrites the
 *	  table, whether a check constraint already proves a column NOT NULL.
 *
 * Nothing here runs revision SQL.  Names are resolved the way the revision
 * will resolve them when it runs: with the caller's search_path (as changed
 * by the revision's own SET search_path statements, which lint.c applies
 * for the length of the revision), and over an "overlay" of what the
 * revision's earlier statements created, dropped or renamed.  A name that
 * is not there (yet) is LREL_MISSING and gets no finding: linting never
 * fails because a revision refers to something an earlier revision or
 * statement creates.
 *
 * Catalog rows are read through the syscache or with SPI queries whose
 * names are all schema-qualified and whose values are all $n parameters.
 * Sizes come from pg_total_relation_size() under a lock taken only if it
 * is free at once (ConditionalLockRelationOid) and released right after:
 * linting never waits for, and never holds up, a session that holds or
 * waits for a lock on the table; when the lock is not free the size is
 * estimated from pg_class.relpages instead, and the finding says so.
 *
 * Two questions are answered with the server's own machinery, exactly as
 * ALTER TABLE answers them: a type change rewrites the table unless the
 * planned coercion of the old column value is (a relabeling of) the value
 * itself (coerce_to_target_type + expression_planner, whose support
 * functions know that varchar(10) -> varchar(20) or numeric(10,2) ->
 * numeric(12,2) need no rewrite, then the same test as tablecmds.c's
 * ATColumnChangeRequiresRewrite); SET NOT NULL scans the table unless the
 * validated check constraints imply the column IS NOT NULL
 * (predicate_implied_by, as NotNullImpliedByRelConstraints).  Both run in
 * a subtransaction: if the analysis fails (a type that exists only later,
 * a malformed typmod), the answer is the pessimistic one.
 *
 * src/lint_catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "parser/parse_collate.h"
#include "parser/parse_node.h"
#include "parser/parse_type.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/formatting.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "schemaver.h"
#include "lint_defs.h"

/*
 * What an earlier statement of the revision did to a name: created it
 * (LREL_NEW), dropped it (LREL_MISSING), or moved an existing relation to
 * it (LREL_EXISTING, by a rename or SET SCHEMA).  nspid InvalidOid stands
 * for the session's temporary schema, which may not exist yet.
 */
typedef struct LintOverlay
{
	Oid			nspid;
	char	   *relname;
	LintRelState state;
	Oid			relid;
	char		relkind;
} LintOverlay;

/* Key of the facts cache */
typedef struct FactsKey
{
	Oid			relid;
	bool		recurse;
} FactsKey;

typedef struct FactsEntry
{
	FactsKey	key;
	LintFacts	facts;
} FactsEntry;

/* The SPI statements of this file, prepared on first use */
typedef enum LintQuery
{
	LQ_DEPENDENTS,
	LQ_TEXT_FUNCTIONS,
	LQ_CHECKS,
	LQ_COUNT
} LintQuery;

static const struct
{
	const char *sql;
	int			nargs;
	Oid			argtypes[3];
}			lint_query_defs[LQ_COUNT] = {
	/*
	 * What depends, in pg_depend, on a table ($2 = 0) or on one of its
	 * columns: the objects that block a DROP without CASCADE and that a
	 * DROP ... CASCADE drops with it.  A view's dependency is recorded for
	 * its rewrite rule: name the view instead.  The table's own rules and
	 * constraints go with it and are left out; constraints of other tables
	 * too unless $3 (a type change rebuilds them, a drop cannot).
	 */
	[LQ_DEPENDENTS] = {
		"SELECT DISTINCT pg_catalog.pg_describe_object(o.classid, o.objid, o.objsubid)"
		" FROM (SELECT CASE WHEN r.oid IS NULL THEN d.classid"
		"  ELSE CAST('pg_catalog.pg_class' AS pg_catalog.regclass) END AS classid,"
		"  COALESCE(r.ev_class, d.objid) AS objid,"
		"  CASE WHEN r.oid IS NULL THEN d.objsubid ELSE 0 END AS objsubid"
		"  FROM ONLY pg_catalog.pg_depend d"
		"  LEFT JOIN ONLY pg_catalog.pg_rewrite r"
		"   ON d.classid OPERATOR(pg_catalog.=) CAST('pg_catalog.pg_rewrite' AS pg_catalog.regclass)"
		"   AND r.oid OPERATOR(pg_catalog.=) d.objid"
		"  LEFT JOIN ONLY pg_catalog.pg_constraint c"
		"   ON d.classid OPERATOR(pg_catalog.=) CAST('pg_catalog.pg_constraint' AS pg_catalog.regclass)"
		"   AND c.oid OPERATOR(pg_catalog.=) d.objid"
		"  WHERE d.refclassid OPERATOR(pg_catalog.=) CAST('pg_catalog.pg_class' AS pg_catalog.regclass)"
		"   AND d.refobjid OPERATOR(pg_catalog.=) $1"
		"   AND ($2 OPERATOR(pg_catalog.=) 0 OR d.refobjsubid OPERATOR(pg_catalog.=) $2)"
		"   AND d.deptype OPERATOR(pg_catalog.=) 'n'"
		"   AND (r.ev_class IS NULL OR r.ev_class OPERATOR(pg_catalog.<>) $1)"
		"   AND (c.conrelid IS NULL OR c.conrelid OPERATOR(pg_catalog.<>) $1)"
		"   AND ($3 OR c.oid IS NULL)) o"
		" ORDER BY 1",
		3, {OIDOID, INT4OID, BOOLOID}
	},

	/*
	 * The functions whose body is text: every language but C and internal,
	 * no SQL-standard body (pg_depend tracks those), outside the system's
	 * and the sessions' temporary schemas; with the body lower-cased and
	 * the tables each is a trigger function of.  Read once per call.
	 */
	[LQ_TEXT_FUNCTIONS] = {
		"SELECT p.oid, CAST(CAST(p.oid AS pg_catalog.regprocedure) AS pg_catalog.text),"
		"  pg_catalog.lower(p.prosrc),"
		"  ARRAY(SELECT DISTINCT t.tgrelid FROM ONLY pg_catalog.pg_trigger t"
		"   WHERE t.tgfoid OPERATOR(pg_catalog.=) p.oid)"
		" FROM ONLY pg_catalog.pg_proc p"
		" JOIN ONLY pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang"
		" JOIN ONLY pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace"
		" WHERE l.lanname OPERATOR(pg_catalog.<>) ALL (ARRAY['c', 'internal'])"
		"  AND n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema'])"
		"  AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast_)?temp_'"
		"  AND p.prosqlbody IS NULL"
		" ORDER BY 2",
		0, {InvalidOid}
	},

	/* The check constraints of a table, for SET NOT NULL */
	[LQ_CHECKS] = {
		"SELECT c.conname, CAST(c.conbin AS pg_catalog.text), c.convalidated"
		" FROM ONLY pg_catalog.pg_constraint c"
		" WHERE c.conrelid OPERATOR(pg_catalog.=) $1"
		"  AND c.contype OPERATOR(pg_catalog.=) 'c'"
		"  AND c.conbin IS NOT NULL",
		1, {OIDOID}
	},
};

static SPIPlanPtr lint_plans[LQ_COUNT];

/* What is known of the volatility of a function or operator name */
typedef enum Volatility
{
	VOL_NOT_VOLATILE,
	VOL_VOLATILE,
	VOL_UNKNOWN					/* no such function (yet) */
} Volatility;

/* For the guarded analyses */
typedef bool (*LintProbe) (void *arg);

typedef struct TypeChangeProbe
{
	AttrNumber	attnum;
	Oid			atttypid;
	int32		atttypmod;
	Oid			attcollation;
	TypeName   *typeName;
	char	   *why;			/* out: why it rewrites */
} TypeChangeProbe;

typedef struct NotNullProbe
{
	AttrNumber	attnum;
	Oid			atttypid;
	int32		atttypmod;
	Oid			attcollation;
	List	   *checks;			/* nodeToString texts of usable checks */
} NotNullProbe;

static SPIPlanPtr lint_plan(LintQuery which);
static bool lookup_in(LintRevision *rev, Oid nspid, const char *relname,
					  LintRel *out);
static Oid	creation_namespace(RangeVar *rv);
static int64 relation_bytes(Oid relid, int32 relpages, bool *estimated);
static bool split_name(List *names, char **schema, char **name);
static Volatility function_volatility(List *names);
static Volatility operator_volatility(List *names);
static char *volatile_text(const char *what, Volatility v);
static bool volatile_walker(Node *node, char **culprit);
static bool run_guarded(LintProbe probe, void *arg, bool on_error);
static bool type_change_probe(void *arg);
static bool not_null_probe(void *arg);
static bool requires_rewrite(Node *expr, AttrNumber attnum);
static bool mentions_word(const char *text, const char *word);
static char *join_rows(SPITupleTable *tuptable, uint64 n, int col, int max);

/* Prepare (once per backend) and return one of this file's statements */
static SPIPlanPtr
lint_plan(LintQuery which)
{
	if (lint_plans[which] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(lint_query_defs[which].sql,
									   lint_query_defs[which].nargs,
									   (Oid *) lint_query_defs[which].argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 lint_query_defs[which].sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		lint_plans[which] = plan;
	}
	return lint_plans[which];
}

/*
 * lint_qualified_relname
 *		"schema.name" of a relation, quoted where needed, for messages.
 */
char *
lint_qualified_relname(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname;

	if (relname == NULL)
		return psprintf("relation %u", relid);
	nspname = get_namespace_name(get_rel_namespace(relid));
	return quote_qualified_identifier(nspname, relname);
}

/*
 * What relname means in one schema: the overlay first (newest entry wins),
 * then the catalog.  False when the name is not there.
 */
static bool
lookup_in(LintRevision *rev, Oid nspid, const char *relname, LintRel *out)
{
	Oid			relid;

	/* the overlay, newest first */
	for (int i = list_length(rev->overlay) - 1; i >= 0; i--)
	{
		LintOverlay *o = list_nth(rev->overlay, i);

		if (o->nspid == nspid && strcmp(o->relname, relname) == 0)
		{
			if (o->state == LREL_MISSING)
				return false;
			out->state = o->state;
			out->relid = o->relid;
			out->nspid = nspid;
			out->relkind = o->relkind;
			return true;
		}
	}

	/* revision SQL may not touch the catalog: guard.c refuses it */
	if (!OidIsValid(nspid) || nspid == catalog_schema_oid(true))
		return false;
	relid = get_relname_relid(relname, nspid);
	if (!OidIsValid(relid))
		return false;
	out->state = LREL_EXISTING;
	out->relid = relid;
	out->nspid = nspid;
	out->relkind = get_rel_relkind(relid);
	return true;
}

/*
 * lint_resolve
 *		The relation a RangeVar of the revision means at this statement.
 *		An unqualified name is looked up along the search_path as the
 *		server would: the temporary schema first, then the path.
 */
LintRel
lint_resolve(LintRevision *rev, RangeVar *rv)
{
	LintRel		rel = {LREL_MISSING, InvalidOid, InvalidOid, 0};
	List	   *path;
	ListCell   *lc;

	if (rv == NULL || rv->relname == NULL)
		return rel;
	if (rv->catalogname != NULL &&
		strcmp(rv->catalogname, get_database_name(MyDatabaseId)) != 0)
		return rel;				/* the statement will fail on its own */

	if (rv->schemaname != NULL)
	{
		if (strcmp(rv->schemaname, "pg_temp") == 0 &&
			lookup_in(rev, InvalidOid, rv->relname, &rel))
			return rel;
		(void) lookup_in(rev, LookupNamespaceNoError(rv->schemaname),
						 rv->relname, &rel);
		return rel;
	}

	/* temporary tables this revision created come first */
	if (lookup_in(rev, InvalidOid, rv->relname, &rel))
		return rel;
	path = fetch_search_path(true);
	foreach(lc, path)
	{
		if (lookup_in(rev, lfirst_oid(lc), rv->relname, &rel))
			break;
	}
	list_free(path);
	return rel;
}

/*
 * lint_resolve_index
 *		The index a RangeVar names, and the table it belongs to (*table,
 *		InvalidOid when it is new or missing).
 */
LintRel
lint_resolve_index(LintRevision *rev, RangeVar *rv, Oid *table)
{
	LintRel		rel = lint_resolve(rev, rv);

	*table = InvalidOid;
	if (rel.state == LREL_EXISTING &&
		(rel.relkind == RELKIND_INDEX ||
		 rel.relkind == RELKIND_PARTITIONED_INDEX))
		*table = IndexGetRelation(rel.relid, true);
	return rel;
}

/*
 * The schema a CREATE of this RangeVar creates into, as the server picks
 * it; InvalidOid for the temporary schema (or when there is none: the
 * statement will fail on its own).
 */
static Oid
creation_namespace(RangeVar *rv)
{
	List	   *path;
	Oid			nspid = InvalidOid;

	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return InvalidOid;
	if (rv->schemaname != NULL)
	{
		if (strcmp(rv->schemaname, "pg_temp") == 0)
			return InvalidOid;
		return LookupNamespaceNoError(rv->schemaname);
	}
	/* without the implicit schemas, the path starts at the creation one */
	path = fetch_search_path(false);
	if (path != NIL)
		nspid = linitial_oid(path);
	list_free(path);
	return nspid;
}

/*
 * lint_note_created
 *		A statement creates the relation rv: later statements see it as new.
 */
void
lint_note_created(LintRevision *rev, RangeVar *rv)
{
	LintOverlay *o;

	if (rv == NULL || rv->relname == NULL)
		return;
	o = palloc0(sizeof(LintOverlay));
	o->nspid = creation_namespace(rv);
	o->relname = pstrdup(rv->relname);
	o->state = LREL_NEW;
	o->relkind = RELKIND_RELATION;
	rev->overlay = lappend(rev->overlay, o);
}

/*
 * lint_note_gone
 *		A statement drops the relation that name (in rel's schema) means.
 */
void
lint_note_gone(LintRevision *rev, LintRel *rel, const char *name)
{
	LintOverlay *o = palloc0(sizeof(LintOverlay));

	o->nspid = rel->nspid;
	o->relname = pstrdup(name);
	o->state = LREL_MISSING;
	rev->overlay = lappend(rev->overlay, o);
}

/*
 * lint_note_renamed
 *		A statement renames (or moves to another schema) the relation rel
 *		known as oldname: the old name is gone, the new one means it.
 */
void
lint_note_renamed(LintRevision *rev, LintRel *rel, const char *oldname,
				  Oid newnsp, const char *newname)
{
	LintOverlay *o;

	lint_note_gone(rev, rel, oldname);
	o = palloc0(sizeof(LintOverlay));
	o->nspid = newnsp;
	o->relname = pstrdup(newname);
	o->state = rel->state;
	o->relid = rel->relid;
	o->relkind = rel->relkind;
	rev->overlay = lappend(rev->overlay, o);
}

/*
 * The size of one relation with its indexes and TOAST table.  The lock
 * pg_total_relation_size() takes is tried first without waiting: if
 * another session holds or waits for a conflicting lock, the size is
 * estimated from relpages (*estimated).
 */
static int64
relation_bytes(Oid relid, int32 relpages, bool *estimated)
{
	int64		bytes = (int64) Max(relpages, 0) * BLCKSZ;

	if (ConditionalLockRelationOid(relid, AccessShareLock))
	{
		/* it may have been dropped before the lock came */
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		{
			LOCAL_FCINFO(fcinfo, 1);
			Datum		result;

			InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
			fcinfo->args[0].value = ObjectIdGetDatum(relid);
			fcinfo->args[0].isnull = false;
			result = pg_total_relation_size(fcinfo);
			if (!fcinfo->isnull)
				bytes = DatumGetInt64(result);
		}
		UnlockRelationOid(relid, AccessShareLock);
	}
	else
		*estimated = true;
	return bytes;
}

/*
 * lint_facts
 *		The live facts about a table (with its partitions or inheritance
 *		children when recurse), computed once per call.
 */
LintFacts *
lint_facts(LintContext *ctx, Oid relid, bool recurse)
{
	FactsKey	key;
	FactsEntry *entry;
	LintFacts	f;
	MemoryContext old;
	List	   *rels;
	ListCell   *lc;

	if (ctx->facts == NULL)
	{
		HASHCTL		hctl;

		memset(&hctl, 0, sizeof(hctl));
		hctl.keysize = sizeof(FactsKey);
		hctl.entrysize = sizeof(FactsEntry);
		hctl.hcxt = ctx->cxt;
		ctx->facts = hash_create("schemaver lint facts", 64, &hctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	key.relid = relid;
	key.recurse = recurse;
	entry = hash_search(ctx->facts, &key, HASH_FIND, NULL);
	if (entry != NULL)
		return &entry->facts;

	/* computed first, entered after: an error leaves no half entry */
	old = MemoryContextSwitchTo(ctx->cxt);
	memset(&f, 0, sizeof(LintFacts));
	f.relid = relid;
	f.recurse = recurse;
	f.relkind = get_rel_relkind(relid);
	f.name = sv_printable(lint_qualified_relname(relid));

	rels = list_make1_oid(relid);
	foreach(lc, rels)
	{
		Oid			oid = lfirst_oid(lc);
		HeapTuple	tup;
		Form_pg_class form;

		CHECK_FOR_INTERRUPTS();
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(oid));
		if (!HeapTupleIsValid(tup))
			continue;
		form = (Form_pg_class) GETSTRUCT(tup);
		if (RELKIND_HAS_STORAGE(form->relkind))
		{
			if (form->reltuples >= 0)
			{
				f.rows += form->reltuples;
				f.rows_known = true;
			}
			f.bytes += relation_bytes(oid, form->relpages,
									  &f.bytes_estimated);
		}
		if (recurse && form->relhassubclass)
			rels = list_concat(rels, find_inheritance_children(oid, NoLock));
		ReleaseSysCache(tup);
	}
	list_free(rels);

	f.big = (ctx->threshold_rows >= 0 && f.rows_known &&
			 f.rows >= ctx->threshold_rows) ||
		(ctx->threshold_bytes >= 0 && f.bytes >= ctx->threshold_bytes);
	MemoryContextSwitchTo(old);

	entry = hash_search(ctx->facts, &key, HASH_ENTER, NULL);
	entry->facts = f;
	return &entry->facts;
}

/*
 * A qualified name as (schema, name), without raising the errors
 * DeconstructQualifiedName would for a malformed one (false).
 */
static bool
split_name(List *names, char **schema, char **name)
{
	ListCell   *lc;
	int			n = list_length(names);

	foreach(lc, names)
		if (!IsA(lfirst(lc), String))
			return false;
	*schema = NULL;
	switch (n)
	{
		case 1:
			*name = strVal(linitial(names));
			return true;
		case 2:
			*schema = strVal(linitial(names));
			*name = strVal(lsecond(names));
			return true;
		case 3:
			if (strcmp(strVal(linitial(names)),
					   get_database_name(MyDatabaseId)) != 0)
				return false;
			*schema = strVal(lsecond(names));
			*name = strVal(lthird(names));
			return true;
		default:
			return false;
	}
}

/*
 * Whether a function name may call a volatile function: some function of
 * that name visible from the search_path (or in the named schema) is
 * VOLATILE (VOL_VOLATILE), or there is none yet (VOL_UNKNOWN: it may be
 * created earlier in the revision, and nothing can be said about it).
 */
static Volatility
function_volatility(List *names)
{
	char	   *schema;
	char	   *name;
	FuncCandidateList cand;

	if (!split_name(names, &schema, &name))
		return VOL_UNKNOWN;
	cand = FuncnameGetCandidates(names, -1, NIL, false, false, false, true);
	if (cand == NULL)
		return VOL_UNKNOWN;
	for (; cand != NULL; cand = cand->next)
		if (func_volatile(cand->oid) == PROVOLATILE_VOLATILE)
			return VOL_VOLATILE;
	return VOL_NOT_VOLATILE;
}

/* The same for an operator name: the function behind any of them */
static Volatility
operator_volatility(List *names)
{
	char	   *schema;
	char	   *name;
	FuncCandidateList cand;

	if (!split_name(names, &schema, &name))
		return VOL_UNKNOWN;
	cand = OpernameGetCandidates(names, '\0', true);
	if (cand == NULL)
		return VOL_UNKNOWN;
	for (; cand != NULL; cand = cand->next)
	{
		RegProcedure code = get_opcode(cand->oid);

		if (!RegProcedureIsValid(code) ||
			func_volatile(code) == PROVOLATILE_VOLATILE)
			return VOL_VOLATILE;
	}
	return VOL_NOT_VOLATILE;
}

/* The text a finding shows for what makes an expression volatile */
static char *
volatile_text(const char *what, Volatility v)
{
	if (v == VOL_UNKNOWN)
		return psprintf("it calls %s, which does not exist yet and may be volatile",
						what);
	return psprintf("it calls %s", what);
}

/*
 * Walk a raw expression for a call of a function or operator that may be
 * volatile; *culprit names the first one.
 */
static bool
volatile_walker(Node *node, char **culprit)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		Volatility	v = function_volatility(fc->funcname);

		if (v != VOL_NOT_VOLATILE)
		{
			*culprit = volatile_text(psprintf("%s()",
											  NameListToString(fc->funcname)),
									 v);
			return true;
		}
	}
	else if (IsA(node, A_Expr))
	{
		A_Expr	   *a = (A_Expr *) node;

		/* the kinds whose name is an operator's (BETWEEN's is a keyword) */
		switch (a->kind)
		{
			case AEXPR_OP:
			case AEXPR_OP_ANY:
			case AEXPR_OP_ALL:
			case AEXPR_DISTINCT:
			case AEXPR_NOT_DISTINCT:
			case AEXPR_NULLIF:
			case AEXPR_IN:
			case AEXPR_LIKE:
			case AEXPR_ILIKE:
			case AEXPR_SIMILAR:
				{
					Volatility	v = operator_volatility(a->name);

					if (v != VOL_NOT_VOLATILE)
					{
						*culprit = volatile_text(psprintf("operator %s",
														  NameListToString(a->name)),
												 v);
						return true;
					}
					break;
				}
			default:
				break;
		}
	}
	return raw_expression_tree_walker(node, volatile_walker, (void *) culprit);
}

/*
 * lint_volatile_culprit
 *		NULL when a raw DEFAULT expression calls nothing volatile, else
 *		what makes it so ("it calls random()").  As ALTER TABLE ADD COLUMN does, a volatile
 *		default forces a rewrite; a stable one (now(), CURRENT_TIMESTAMP) or
 *		a constant does not.  Conservative: a function or operator counts as
 *		volatile when any of its overloads is, or when it does not exist yet.
 */
char *
lint_volatile_culprit(Node *raw_expr)
{
	char	   *culprit = NULL;

	(void) volatile_walker(raw_expr, &culprit);
	return culprit;
}

/*
 * lint_type_is
 *		Whether a type name of the revision means this type (no typmod is
 *		computed, and a malformed name is no type, so nothing fails).
 */
bool
lint_type_is(TypeName *tn, Oid typid)
{
	Type		tup;
	bool		result;
	char	   *schema;
	char	   *name;

	/* a malformed name would make LookupTypeName raise an error */
	if (tn == NULL || tn->arrayBounds != NIL || tn->pct_type ||
		!split_name(tn->names, &schema, &name))
		return false;
	tup = LookupTypeName(NULL, tn, NULL, true);
	if (tup == NULL)
		return false;
	result = (typeTypeId(tup) == typid);
	ReleaseSysCache(tup);
	return result;
}

/*
 * Run an analysis in a subtransaction and return its answer, or on_error
 * if it raised an error (which is then forgotten).  A cancel, a shutdown
 * or a lack of resources is not an answer: it is raised again.
 */
static bool
run_guarded(LintProbe probe, void *arg, bool on_error)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool result = on_error;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		result = probe(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			class;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		class = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			class == ERRCODE_OPERATOR_INTERVENTION ||
			class == ERRCODE_INSUFFICIENT_RESOURCES ||
			class == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
			class == ERRCODE_SYSTEM_ERROR)
			ReThrowError(edata);
		FreeErrorData(edata);
		result = on_error;
	}
	PG_END_TRY();
	return result;
}

/*
 * Whether the planned expression that computes a column's new value from
 * its old one (Var attnum) needs a rewrite: the same test as tablecmds.c's
 * ATColumnChangeRequiresRewrite.  Relabelings and domains without
 * constraints keep the stored value; timestamp <-> timestamptz does when
 * the session's TimeZone is UTC; anything else computes a new value.
 */
static bool
requires_rewrite(Node *expr, AttrNumber attnum)
{
	for (;;)
	{
		if (expr == NULL)
			return true;
		if (IsA(expr, Var) && ((Var *) expr)->varattno == attnum)
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
		{
			CoerceToDomain *d = (CoerceToDomain *) expr;

			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		}
		else if (IsA(expr, FuncExpr))
		{
			FuncExpr   *f = (FuncExpr *) expr;

			if ((f->funcid == F_TIMESTAMPTZ_TIMESTAMP ||
				 f->funcid == F_TIMESTAMP_TIMESTAMPTZ) &&
				!TimestampTimestampTzRequiresRewrite())
				expr = linitial(f->args);
			else
				return true;
		}
		else
			return true;
	}
}

/* The type change analysis proper (in a subtransaction) */
static bool
type_change_probe(void *arg)
{
	TypeChangeProbe *p = (TypeChangeProbe *) arg;
	ParseState *pstate = make_parsestate(NULL);
	Type		tup;
	Oid			typid;
	int32		typmod;
	Node	   *expr;

	tup = LookupTypeName(pstate, p->typeName, &typmod, true);
	if (tup == NULL)
	{
		p->why = pstrdup("the new type does not exist yet");
		return true;
	}
	typid = typeTypeId(tup);
	ReleaseSysCache(tup);

	expr = (Node *) makeVar(1, p->attnum, p->atttypid, p->atttypmod,
							p->attcollation, 0);
	expr = coerce_to_target_type(pstate, expr, p->atttypid, typid, typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
	{
		p->why = psprintf("there is no assignment cast from %s to %s",
						  format_type_with_typemod(p->atttypid, p->atttypmod),
						  format_type_with_typemod(typid, typmod));
		return true;
	}
	assign_expr_collations(pstate, expr);
	expr = (Node *) expression_planner((Expr *) expr);
	if (!requires_rewrite(expr, p->attnum))
		return false;
	p->why = psprintf("%s to %s is not binary-coercible",
					  format_type_with_typemod(p->atttypid, p->atttypmod),
					  format_type_with_typemod(typid, typmod));
	return true;
}

/*
 * lint_type_change_rewrites
 *		Whether ALTER COLUMN colname TYPE (def) rewrites the table relid,
 *		and why (*why).  A USING expression other than the column itself
 *		computes new values: a rewrite.  A column that does not exist yet
 *		(added earlier in the revision) is assumed to need one too.
 */
bool
lint_type_change_rewrites(Oid relid, const char *colname, ColumnDef *def,
						  char **why)
{
	HeapTuple	tup;
	Form_pg_attribute att;
	TypeChangeProbe probe;

	*why = NULL;
	if (def == NULL || !IsA(def, ColumnDef) || def->typeName == NULL ||
		colname == NULL)
		return false;
	tup = SearchSysCacheAttName(relid, colname);
	if (!HeapTupleIsValid(tup))
	{
		*why = pstrdup("the column is added earlier in the revision");
		return true;
	}
	att = (Form_pg_attribute) GETSTRUCT(tup);
	memset(&probe, 0, sizeof(probe));
	probe.attnum = att->attnum;
	probe.atttypid = att->atttypid;
	probe.atttypmod = att->atttypmod;
	probe.attcollation = att->attcollation;
	probe.typeName = def->typeName;
	ReleaseSysCache(tup);

	if (def->raw_default != NULL)
	{
		ColumnRef  *cref = (ColumnRef *) def->raw_default;

		if (!IsA(cref, ColumnRef) || list_length(cref->fields) != 1 ||
			!IsA(linitial(cref->fields), String) ||
			strcmp(strVal(linitial(cref->fields)), colname) != 0)
		{
			*why = pstrdup("a USING expression computes every value again");
			return true;
		}
	}

	if (run_guarded(type_change_probe, &probe, true))
	{
		*why = probe.why ? probe.why
			: pstrdup("the change could not be analyzed");
		return true;
	}
	return false;
}

/* The NOT NULL proof proper (in a subtransaction) */
static bool
not_null_probe(void *arg)
{
	NotNullProbe *p = (NotNullProbe *) arg;
	NullTest   *test = makeNode(NullTest);
	List	   *known = NIL;
	ListCell   *lc;

	test->arg = (Expr *) makeVar(1, p->attnum, p->atttypid, p->atttypmod,
								 p->attcollation, 0);
	test->nulltesttype = IS_NOT_NULL;
	test->argisrow = false;
	test->location = -1;

	foreach(lc, p->checks)
	{
		Node	   *cexpr = stringToNode((char *) lfirst(lc));

		cexpr = eval_const_expressions(NULL, cexpr);
		cexpr = (Node *) canonicalize_qual((Expr *) cexpr, true);
		known = list_concat(known, make_ands_implicit((Expr *) cexpr));
	}
	return predicate_implied_by(list_make1(test), known, false);
}

/*
 * lint_not_null_proven
 *		Whether SET NOT NULL on colname can skip its full-table scan: the
 *		column is NOT NULL already, or a valid check constraint implies
 *		it is not null (one validated in the catalog, one the revision
 *		validated or added without NOT VALID earlier), as
 *		NotNullImpliedByRelConstraints decides.
 */
bool
lint_not_null_proven(LintRevision *rev, Oid relid, const char *colname)
{
	HeapTuple	tup;
	Form_pg_attribute att;
	NotNullProbe probe;
	ListCell   *lc;
	Datum		arg = ObjectIdGetDatum(relid);
	int			rc;

	tup = SearchSysCacheAttName(relid, colname);
	if (!HeapTupleIsValid(tup))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	if (att->attnotnull)
	{
		ReleaseSysCache(tup);
		return true;
	}
	memset(&probe, 0, sizeof(probe));
	probe.attnum = att->attnum;
	probe.atttypid = att->atttypid;
	probe.atttypmod = att->atttypmod;
	probe.attcollation = att->attcollation;
	ReleaseSysCache(tup);

	/* a CHECK (col IS NOT NULL) the revision added and validated */
	foreach(lc, rev->constraints)
	{
		LintConstraint *c = lfirst(lc);

		if (c->relid == relid && c->validated && c->notnull_column != NULL &&
			strcmp(c->notnull_column, colname) == 0)
			return true;
	}

	rc = SPI_execute_plan(lint_plan(LQ_CHECKS), &arg, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *name = SPI_getvalue(row, desc, 1);
		bool		valid = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));

		if (!valid)
		{
			/* validated by an earlier statement of the revision? */
			foreach(lc, rev->constraints)
			{
				LintConstraint *c = lfirst(lc);

				if (c->relid == relid && c->validated && c->name != NULL &&
					name != NULL && strcmp(c->name, name) == 0)
					valid = true;
			}
		}
		if (valid)
			probe.checks = lappend(probe.checks,
								   SPI_getvalue(row, desc, 2));
	}
	SPI_freetuptable(SPI_tuptable);
	if (probe.checks == NIL)
		return false;
	return run_guarded(not_null_probe, &probe, false);
}

/*
 * The values of one column of an SPI result as "a, b, c", at most max of
 * them and then "and N more".
 */
static char *
join_rows(SPITupleTable *tuptable, uint64 n, int col, int max)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (uint64 i = 0; i < n; i++)
	{
		char	   *v;

		if ((int) i == max)
		{
			appendStringInfo(&buf, " and " UINT64_FORMAT " more", n - i);
			break;
		}
		v = SPI_getvalue(tuptable->vals[i], tuptable->tupdesc, col);
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", v ? v : "?");
	}
	return buf.data;
}

/*
 * lint_dependents
 *		What depends on a table (attnum 0) or one of its columns in
 *		pg_depend, described ("view public.v, function f(integer)"), or NULL
 *		when nothing does.  Without constraints: leaving out other tables'
 *		constraints (foreign keys), which an ALTER COLUMN TYPE rebuilds.
 */
char *
lint_dependents(Oid relid, AttrNumber attnum, bool constraints)
{
	Datum		args[3];
	int			rc;
	char	   *result = NULL;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int32GetDatum((int32) attnum);
	args[2] = BoolGetDatum(constraints);
	rc = SPI_execute_plan(lint_plan(LQ_DEPENDENTS), args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	if (SPI_processed > 0)
		result = join_rows(SPI_tuptable, SPI_processed, 1, 5);
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * Whether word occurs in text as a whole identifier: not preceded or
 * followed by a character that can continue an identifier.
 */
static bool
mentions_word(const char *text, const char *word)
{
	size_t		len = strlen(word);
	const char *p = text;

	if (len == 0)
		return false;
	while ((p = strstr(p, word)) != NULL)
	{
		unsigned char before = (p == text) ? ' ' : (unsigned char) p[-1];
		unsigned char after = (unsigned char) p[len];

		if (!(isalnum(before) || before == '_' || before == '$' ||
			  IS_HIGHBIT_SET(before)) &&
			!(isalnum(after) || after == '_' || after == '$' ||
			  IS_HIGHBIT_SET(after)))
			return true;
		p++;
	}
	return false;
}

/*
 * Read the functions whose body is text into the call's cache (once).
 */
static void
read_text_functions(LintContext *ctx)
{
	MemoryContext old;
	int			rc;

	if (ctx->functions_read)
		return;
	rc = SPI_execute_plan(lint_plan(LQ_TEXT_FUNCTIONS), NULL, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	old = MemoryContextSwitchTo(ctx->cxt);
	ctx->functions = palloc0(sizeof(LintFunction) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		LintFunction *f = &ctx->functions[ctx->nfunctions];
		bool		isnull;
		Datum		rels;
		Datum	   *elems;
		int			nelems;

		f->oid = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		f->name = SPI_getvalue(row, desc, 2);
		f->body = SPI_getvalue(row, desc, 3);
		rels = SPI_getbinval(row, desc, 4, &isnull);
		if (f->name == NULL || f->body == NULL)
			continue;
		if (!isnull)
		{
			deconstruct_array(DatumGetArrayTypeP(rels), OIDOID, sizeof(Oid),
							  true, TYPALIGN_INT, &elems, NULL, &nelems);
			f->trigger_rels = palloc(sizeof(Oid) * Max(nelems, 1));
			for (int j = 0; j < nelems; j++)
				f->trigger_rels[j] = DatumGetObjectId(elems[j]);
			f->ntriggers = nelems;
		}
		ctx->nfunctions++;
	}
	ctx->functions_read = true;
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * lint_text_users
 *		Functions whose body is text and names the table (column NULL), or
 *		the column and either the table or, for a trigger function of the
 *		table, nothing more: they do not follow a rename and break when the
 *		table or column goes.  A conservative textual check, case-insensitive
 *		(lower(), as SQL's) on whole words: it misses names built at run
 *		time (format('%I'), concatenation) and may list a function that uses
 *		the same word for something else (another table's column, a
 *		comment).  Functions the revision drops before the statement are
 *		left out.  NULL when none.
 */
char *
lint_text_users(LintRevision *rev, Oid relid, const char *table,
				const char *column)
{
	LintContext *ctx = rev->ctx;
	const char *first = column ? column : table;
	char	   *w1;
	char	   *w2 = NULL;
	StringInfoData buf;
	int			found = 0;

	read_text_functions(ctx);
	if (ctx->nfunctions == 0)
		return NULL;
	w1 = str_tolower(first, strlen(first), DEFAULT_COLLATION_OID);
	if (column)
		w2 = str_tolower(table, strlen(table), DEFAULT_COLLATION_OID);

	initStringInfo(&buf);
	for (int i = 0; i < ctx->nfunctions; i++)
	{
		LintFunction *f = &ctx->functions[i];
		bool		is_trigger = false;

		CHECK_FOR_INTERRUPTS();
		/* dropped earlier in the revision: it breaks nothing */
		if (list_member_oid(rev->dropped_functions, f->oid))
			continue;
		if (!mentions_word(f->body, w1))
			continue;
		for (int j = 0; j < f->ntriggers; j++)
			is_trigger = is_trigger || f->trigger_rels[j] == relid;
		if (w2 != NULL && !is_trigger && !mentions_word(f->body, w2))
			continue;
		if (found == 5)
		{
			appendStringInfoString(&buf, " and more");
			break;
		}
		appendStringInfo(&buf, "%s%s", found > 0 ? ", " : "", f->name);
		found++;
	}
	return found > 0 ? buf.data : NULL;
}

/* Look up the function a DROP FUNCTION names (in a subtransaction) */
typedef struct FunctionProbe
{
	ObjectType	objtype;
	ObjectWithArgs *func;
	Oid			oid;
} FunctionProbe;

static bool
function_probe(void *arg)
{
	FunctionProbe *p = (FunctionProbe *) arg;

	p->oid = LookupFuncWithArgs(p->objtype, p->func, true);
	return OidIsValid(p->oid);
}

/*
 * lint_note_dropped_function
 *		A statement drops a function: later statements may rename or drop
 *		what its text uses.  A name that is ambiguous or unknown is left
 *		alone (the statement fails on its own).
 */
void
lint_note_dropped_function(LintRevision *rev, ObjectType objtype,
						   ObjectWithArgs *func)
{
	FunctionProbe probe;

	if (func == NULL || !IsA(func, ObjectWithArgs))
		return;
	probe.objtype = objtype;
	probe.func = func;
	probe.oid = InvalidOid;
	if (run_guarded(function_probe, &probe, false))
		rev->dropped_functions = lappend_oid(rev->dropped_functions,
											 probe.oid);
}
