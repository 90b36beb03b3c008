/*-------------------------------------------------------------------------
 *
 * entry.c
 *	  The SQL-callable functions of schemaver, and module initialization.
 *
 * Each function here checks its arguments (NULL is an error, not a silent
 * empty result), connects to SPI, and reads top-down: lock (for the ones
 * that change something), load the graph, resolve the target, plan, run;
 * the moving functions first ask fastpath.c, which can tell an upgrade to
 * head that there is nothing to do without loading the graph.
 * The work itself lives in the other files; see schemaver.h for the map.
 *
 * src/entry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "schemaver.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(schemaver_add_revision);
PG_FUNCTION_INFO_V1(schemaver_add_revision_multi);
PG_FUNCTION_INFO_V1(schemaver_upgrade);
PG_FUNCTION_INFO_V1(schemaver_downgrade);
PG_FUNCTION_INFO_V1(schemaver_downgrade_steps);
PG_FUNCTION_INFO_V1(schemaver_stamp);
PG_FUNCTION_INFO_V1(schemaver_current);
PG_FUNCTION_INFO_V1(schemaver_heads);
PG_FUNCTION_INFO_V1(schemaver_history);
PG_FUNCTION_INFO_V1(schemaver_verify);
PG_FUNCTION_INFO_V1(schemaver_upgrade_stepwise);
PG_FUNCTION_INFO_V1(schemaver_downgrade_stepwise);
PG_FUNCTION_INFO_V1(schemaver_invalidate_graph);
PG_FUNCTION_INFO_V1(schemaver_upgrade_plan);
PG_FUNCTION_INFO_V1(schemaver_downgrade_plan);
PG_FUNCTION_INFO_V1(schemaver_downgrade_steps_plan);
PG_FUNCTION_INFO_V1(schemaver_upgrade_stepwise_plan);
PG_FUNCTION_INFO_V1(schemaver_downgrade_stepwise_plan);

void		_PG_init(void);

static ArrayType *array_arg(FunctionCallInfo fcinfo, int argno);
static Datum add_revision(FunctionCallInfo fcinfo, ArrayType *parents);
static SvGraph *inspect_graph(List **problems);
static Datum move(FunctionCallInfo fcinfo, const char *target,
				  SvDirection direction, const char *funcname,
				  const char *expected_plan);
static void move_stepwise(FunctionCallInfo fcinfo, const char *target,
						  SvDirection direction, const char *procname,
						  const char *atomic_name, const char *expected_plan);

/*
 * Module load: install the hooks that guard revision SQL.
 */
void
_PG_init(void)
{
	guard_install();
	catalog_init();
	lock_init();
	scriptrun_init();
	lint_init();
	locktimeout_init();
	MarkGUCPrefixReserved("schemaver");
}

/* An array argument, or NULL */
static ArrayType *
array_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : PG_GETARG_ARRAYTYPE_P(argno);
}

/*
 * The body shared by both forms of schemaver_add_revision: arguments are
 * (revision, down_revision, upgrade, downgrade, message, depends_on,
 * branch_labels).
 */
static Datum
add_revision(FunctionCallInfo fcinfo, ArrayType *parents)
{
	char	   *revision = sv_text_arg(fcinfo, 0, "revision", true);
	char	   *upgrade = sv_text_arg(fcinfo, 2, "upgrade", false);
	char	   *downgrade = sv_text_arg(fcinfo, 3, "downgrade", false);
	char	   *message = sv_text_arg(fcinfo, 4, "message", false);
	char	   *result;
	text	   *ret;

	guard_check_not_nested("schemaver_add_revision()");
	if (upgrade == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("upgrade must not be NULL"),
				 errhint("Use '' for a revision that runs nothing, such as a merge.")));
	sv_check_identifier(revision, "revision id");
	directives_check(revision, upgrade, downgrade);

	SPI_connect();
	result = register_revision(revision, parents, upgrade, downgrade, message,
							   array_arg(fcinfo, 5), array_arg(fcinfo, 6));
	/* the result must outlive SPI's memory */
	ret = (text *) SPI_palloc(strlen(result) + VARHDRSZ);
	SET_VARSIZE(ret, strlen(result) + VARHDRSZ);
	memcpy(VARDATA(ret), result, strlen(result));
	SPI_finish();
	PG_RETURN_TEXT_P(ret);
}

/*
 * schemaver_add_revision(revision, down_revision text, upgrade, ...)
 *		One parent, or NULL for a base revision.
 */
Datum
schemaver_add_revision(PG_FUNCTION_ARGS)
{
	ArrayType  *parents = NULL;

	if (!PG_ARGISNULL(1))
	{
		Datum		elem = PointerGetDatum(PG_GETARG_TEXT_PP(1));

		parents = construct_array(&elem, 1, TEXTOID, -1, false, TYPALIGN_INT);
	}
	return add_revision(fcinfo, parents);
}

/*
 * schemaver_add_revision(revision, down_revision text[], upgrade, ...)
 *		Any number of parents: none (a base), one, or several (a merge).
 */
Datum
schemaver_add_revision_multi(PG_FUNCTION_ARGS)
{
	return add_revision(fcinfo, array_arg(fcinfo, 1));
}

/*
 * The body of upgrade, downgrade and stamp: lock, load, resolve, plan, run,
 * returning one row per step.  expected_plan: run only a plan with this
 * fingerprint (NULL: any).
 */
static Datum
move(FunctionCallInfo fcinfo, const char *target, SvDirection direction,
	 const char *funcname, const char *expected_plan)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SvGraph    *graph;
	SvDestination *dest;
	SvPlan	   *plan;
	bool		store_heads = false;

	guard_check_not_nested(funcname);
	InitMaterializedSRF(fcinfo, 0);

	SPI_connect();
	run_lock();
	if (expected_plan == NULL &&
		fastpath_nothing_to_do(target, direction, &store_heads))
	{
		SPI_finish();
		return (Datum) 0;
	}
	graph = catalog_load_graph();
	if (store_heads)
		catalog_store_heads(graph);
	dest = target_resolve(graph, target);
	plan = plan_make(graph, dest, direction);
	plan_check_fingerprint(graph, plan, direction, expected_plan, funcname);
	if (direction == SV_DIR_UPGRADE)
		lint_check_plan(graph, plan);
	nontx_check_plan(graph, plan, direction, false, funcname);
	run_plan(graph, plan, direction, false, rsinfo->setResult, rsinfo->setDesc);
	SPI_finish();
	return (Datum) 0;
}

/*
 * schemaver_upgrade(target text DEFAULT 'head')
 */
Datum
schemaver_upgrade(PG_FUNCTION_ARGS)
{
	return move(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_UPGRADE,
				"schemaver_upgrade()", NULL);
}

/*
 * schemaver_downgrade(target text)
 */
Datum
schemaver_downgrade(PG_FUNCTION_ARGS)
{
	return move(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_DOWNGRADE,
				"schemaver_downgrade()", NULL);
}

/*
 * schemaver_downgrade(steps integer): the same as the target '-steps'.
 */
Datum
schemaver_downgrade_steps(PG_FUNCTION_ARGS)
{
	return move(fcinfo, target_relative_steps(sv_int_arg(fcinfo, 0, "steps")),
				SV_DIR_DOWNGRADE, "schemaver_downgrade()", NULL);
}

/*
 * schemaver_stamp(target text)
 */
Datum
schemaver_stamp(PG_FUNCTION_ARGS)
{
	return move(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_STAMP,
				"schemaver_stamp()", NULL);
}

/*
 * The graph for a read-only function.  In READ COMMITTED the cached graph
 * serves (it is never older than the statement's snapshot); a transaction
 * that reads from one snapshot for its whole life gets a graph read from
 * that snapshot, so that what it shows is consistent.
 */
static SvGraph *
inspect_graph(List **problems)
{
	if (IsolationUsesXactSnapshot())
		return catalog_load_graph_problems(problems, false);
	return catalog_graph(false, problems);
}

/*
 * Shared body of the read-only set-returning functions.
 */
typedef void (*InspectFn) (SvGraph *graph, Tuplestorestate *tupstore,
						   TupleDesc tupdesc);

static Datum
inspect(FunctionCallInfo fcinfo, InspectFn fn, bits32 srf_flags,
		const char *funcname)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *problems = NIL;
	SvGraph    *graph;

	guard_check_not_nested(funcname);
	InitMaterializedSRF(fcinfo, srf_flags);
	SPI_connect();
	graph = inspect_graph(&problems);
	fn(graph, rsinfo->setResult, rsinfo->setDesc);
	SPI_finish();
	return (Datum) 0;
}

/* schemaver_current(): the current heads; no rows at base */
Datum
schemaver_current(PG_FUNCTION_ARGS)
{
	return inspect(fcinfo, inspect_current, MAT_SRF_USE_EXPECTED_DESC,
				   "schemaver_current()");
}

/* schemaver_heads(): the heads of the registered graph */
Datum
schemaver_heads(PG_FUNCTION_ARGS)
{
	return inspect(fcinfo, inspect_heads, MAT_SRF_USE_EXPECTED_DESC,
				   "schemaver_heads()");
}

/* schemaver_history(): every revision, newest first */
Datum
schemaver_history(PG_FUNCTION_ARGS)
{
	return inspect(fcinfo, inspect_history, 0, "schemaver_history()");
}

/* schemaver_verify(): the problems of the catalog and graph */
Datum
schemaver_verify(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *problems = NIL;
	SvGraph    *graph;

	guard_check_not_nested("schemaver_verify()");
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();

	/*
	 * Every check reads from the statement's snapshot, the graph too: the
	 * cached graph may have been built from a newer one, and comparing it
	 * with heads or applied rows read from the statement's would report a
	 * registration that committed meanwhile as a problem.
	 */
	graph = catalog_load_graph_problems(&problems, false);
	inspect_verify(graph, problems, rsinfo->setResult, rsinfo->setDesc);
	SPI_finish();
	return (Datum) 0;
}

/*
 * The body of the stepwise procedures: the same walk as move(), committing
 * after each revision.  The lock is taken at session level, so that it holds
 * across those commits, and released on every way out.
 */
static void
move_stepwise(FunctionCallInfo fcinfo, const char *target,
			  SvDirection direction, const char *procname,
			  const char *atomic_name, const char *expected_plan)
{
	CallContext *call = (CallContext *) fcinfo->context;

	if (call == NULL || !IsA(call, CallContext) || call->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", procname),
				 errdetail("It commits after each revision."),
				 errhint("CALL it on its own, outside BEGIN ... COMMIT and outside functions, or use %s to apply everything in one transaction.",
						 atomic_name)));
	guard_check_not_nested(procname);

	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");
	run_lock_session();
	PG_TRY();
	{
		bool		store_heads = false;

		if (expected_plan != NULL ||
			!fastpath_nothing_to_do(target, direction, &store_heads))
		{
			SvGraph    *graph = catalog_load_graph();
			SvDestination *dest;
			SvPlan	   *plan;

			if (store_heads)
				catalog_store_heads(graph);
			dest = target_resolve(graph, target);
			plan = plan_make(graph, dest, direction);
			plan_check_fingerprint(graph, plan, direction, expected_plan,
								   procname);
			if (direction == SV_DIR_UPGRADE)
				lint_check_plan(graph, plan);
			nontx_check_plan(graph, plan, direction, true, procname);
			run_plan(graph, plan, direction, true, NULL, NULL);
		}
	}
	PG_FINALLY();
	{
		run_unlock_session();
	}
	PG_END_TRY();
	SPI_finish();
}

/*
 * CALL schemaver_upgrade_stepwise(target text DEFAULT 'head')
 */
Datum
schemaver_upgrade_stepwise(PG_FUNCTION_ARGS)
{
	move_stepwise(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_UPGRADE,
				  "schemaver_upgrade_stepwise()", "schemaver_upgrade()", NULL);
	PG_RETURN_VOID();
}

/*
 * CALL schemaver_downgrade_stepwise(target text)
 */
Datum
schemaver_downgrade_stepwise(PG_FUNCTION_ARGS)
{
	move_stepwise(fcinfo, sv_text_arg(fcinfo, 0, "target", true),
				  SV_DIR_DOWNGRADE, "schemaver_downgrade_stepwise()",
				  "schemaver_downgrade()", NULL);
	PG_RETURN_VOID();
}

/*
 * schemaver.invalidate_graph(): statement trigger on schemaver.revision that
 * makes every backend's cached graph stale when the revisions change.
 */
Datum
schemaver_invalidate_graph(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("schemaver.invalidate_graph() must be called as a trigger")));
	catalog_invalidate(((TriggerData *) fcinfo->context)->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * schemaver_upgrade(target text, plan text): only the reviewed plan.
 */
Datum
schemaver_upgrade_plan(PG_FUNCTION_ARGS)
{
	return move(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_UPGRADE,
				"schemaver_upgrade()", sv_fingerprint_arg(fcinfo, 1, "plan"));
}

/*
 * schemaver_downgrade(target text, plan text): only the reviewed plan.
 */
Datum
schemaver_downgrade_plan(PG_FUNCTION_ARGS)
{
	return move(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_DOWNGRADE,
				"schemaver_downgrade()", sv_fingerprint_arg(fcinfo, 1, "plan"));
}

/*
 * schemaver_downgrade(steps integer, plan text): only the reviewed plan.
 */
Datum
schemaver_downgrade_steps_plan(PG_FUNCTION_ARGS)
{
	return move(fcinfo, target_relative_steps(sv_int_arg(fcinfo, 0, "steps")),
				SV_DIR_DOWNGRADE, "schemaver_downgrade()", sv_fingerprint_arg(fcinfo, 1, "plan"));
}

/*
 * CALL schemaver_upgrade_stepwise(target text, plan text)
 */
Datum
schemaver_upgrade_stepwise_plan(PG_FUNCTION_ARGS)
{
	move_stepwise(fcinfo, sv_text_arg(fcinfo, 0, "target", true), SV_DIR_UPGRADE,
				  "schemaver_upgrade_stepwise()", "schemaver_upgrade()",
				  sv_fingerprint_arg(fcinfo, 1, "plan"));
	PG_RETURN_VOID();
}

/*
 * CALL schemaver_downgrade_stepwise(target text, plan text)
 */
Datum
schemaver_downgrade_stepwise_plan(PG_FUNCTION_ARGS)
{
	move_stepwise(fcinfo, sv_text_arg(fcinfo, 0, "target", true),
				  SV_DIR_DOWNGRADE, "schemaver_downgrade_stepwise()",
				  "schemaver_downgrade()", sv_fingerprint_arg(fcinfo, 1, "plan"));
	PG_RETURN_VOID();
}
