/*-------------------------------------------------------------------------
 *
 * scriptrun.c
 *	  Running a preview script: the server side of what script.c writes.
 *	  schemaver.run_script_begin(), run_script_step() and run_script_end()
 *	  apply a reviewed script with the very code of the online call.
 *
 * A script is one transaction:
 *
 *	run_script_begin(kind, target, fingerprint)
 *		takes schemaver's lock (as every call that changes the version),
 *		plans kind ('upgrade', 'downgrade') to target from the state it
 *		finds, and refuses, changing nothing, unless that plan has the
 *		fingerprint the script was written with: the same start, the same
 *		steps, the same content of every revision.  The plan is kept for
 *		the rest of the transaction.
 *	run_script_step(fingerprint, n, revision, operation, checksum, sql)
 *		runs step n of that plan, in order, after checking that it is
 *		that step and that sql is the revision's registered SQL (the
 *		script cannot be edited into running something else under the
 *		revision's name), through run.c's run_plan: the revision guard,
 *		the settings that end with the revision, the error context naming
 *		the revision and statement, the NOTICE, the version, applied set
 *		and log rows, and a result row, as schemaver_upgrade() gives.
 *	run_script_end(fingerprint)
 *		checks that every step ran and that the database is where the
 *		plan ends.
 *
 * A transaction in which run_script_begin ran cannot commit before
 * run_script_end: a script cut short, or edited to leave out steps, fails
 * at COMMIT and changes nothing.
 *
 * A plan with non-transactional steps ("-- schemaver: transaction=off")
 * makes a script of several transactions, as the stepwise procedures run
 * it: run_script_begin then also takes schemaver's lock at session level,
 * and keeps the script in session memory; the script commits before each
 * non-transactional step and runs it, outside any transaction block, with
 *
 *	CALL schemaver.run_script_step_nontx(fingerprint, n, revision,
 *										 operation, checksum, sql)
 *
 * which runs it as CALL schemaver_upgrade_stepwise() would (a background
 * worker, nontx.c) and commits it; then a new transaction takes the next
 * steps, up to run_script_end, which releases the session lock at the end
 * of its transaction.  A commit is allowed only just before or just after
 * a non-transactional step; an error anywhere ends the script (the steps
 * committed before it stay, as with a stepwise walk) and releases the lock.
 *
 * src/scriptrun.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "schemaver.h"

PG_FUNCTION_INFO_V1(schemaver_run_script_begin);
PG_FUNCTION_INFO_V1(schemaver_run_script_step);
PG_FUNCTION_INFO_V1(schemaver_run_script_end);
PG_FUNCTION_INFO_V1(schemaver_run_script_step_nontx);

/*
 * The script running in this transaction, in TopTransactionContext; or,
 * when its plan has non-transactional steps, in this session, in
 * TopMemoryContext, with schemaver's lock held at session level.
 */
typedef struct ScriptRun
{
	char	   *fingerprint;
	SvDirection direction;
	int			nsteps;
	int			done;			/* steps run so far */
	char	  **revisions;		/* of each step */
	SvOperation *ops;
	char	  **checksums;
	int			nend;			/* the heads the plan ends at, sorted */
	char	  **end_heads;
	bool	   *nontx;			/* of each step: non-transactional */
	bool		session;		/* any step is: several transactions */
	LOCKTAG		lock;			/* schemaver's lock, held at session level */
} ScriptRun;

static ScriptRun *script_run = NULL;

static void scriptrun_xact_callback(XactEvent event, void *arg);
static SvDirection script_direction(const char *kind);
static ScriptRun *current_script(const char *fingerprint);
static char *strip_framing(const char *sql, int step);
static void forget_script(bool release_lock);
static bool may_commit(ScriptRun *run);
static void check_step(ScriptRun *run, int n, const char *revision,
					   const char *operation, const char *checksum);
static SvStep *registered_step(ScriptRun *run, SvGraph *graph, int n,
							   const char *revision, const char *operation,
							   const char *checksum, const char *sql);

/*
 * scriptrun_init
 *		Register the end-of-transaction check (once, from _PG_init).
 */
void
scriptrun_init(void)
{
	RegisterXactCallback(scriptrun_xact_callback, NULL);
}

/*
 * Forget the running script; release schemaver's session-level lock if it
 * took one and release_lock.  (The memory of a script in a transaction goes
 * with TopTransactionContext.)
 */
static void
forget_script(bool release_lock)
{
	ScriptRun  *run = script_run;

	script_run = NULL;
	if (run == NULL || !run->session)
		return;
	if (release_lock)
		(void) LockRelease(&run->lock, ExclusiveLock, true);
	for (int i = 0; i < run->nsteps; i++)
	{
		pfree(run->revisions[i]);
		pfree(run->checksums[i]);
	}
	for (int i = 0; i < run->nend; i++)
		pfree(run->end_heads[i]);
	pfree(run->revisions);
	pfree(run->checksums);
	pfree(run->ops);
	pfree(run->end_heads);
	pfree(run->nontx);
	pfree(run->fingerprint);
	pfree(run);
}

/*
 * Whether a transaction of the script may commit now: only a script of
 * several transactions, just before or just after a non-transactional step.
 */
static bool
may_commit(ScriptRun *run)
{
	if (!run->session)
		return false;
	return (run->done < run->nsteps && run->nontx[run->done]) ||
		(run->done > 0 && run->nontx[run->done - 1]);
}

/*
 * Before a commit, refuse one in which a script began and did not end
 * (except at the pauses of a script of several transactions); at the end
 * of the transaction, forget a script of one transaction, and after an
 * error a script of several, whose session lock goes too.
 */
static void
scriptrun_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (script_run != NULL &&
				(event == XACT_EVENT_PRE_PREPARE || !may_commit(script_run)))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("schemaver script ended after step %d of %d",
								script_run->done, script_run->nsteps),
						 errdetail("A transaction that began a schemaver script with schemaver.run_script_begin() commits only after schemaver.run_script_end(); this one is rolled back, and nothing of the script remains."),
						 errhint("Run the whole script as it was generated.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PREPARE:
			if (script_run != NULL && !script_run->session)
				script_run = NULL;
			break;
		case XACT_EVENT_ABORT:
			forget_script(true);
			break;
		default:
			break;
	}
}

/* 'upgrade' or 'downgrade', the kinds of call a script stands for */
static SvDirection
script_direction(const char *kind)
{
	if (strcmp(kind, "upgrade") == 0)
		return SV_DIR_UPGRADE;
	if (strcmp(kind, "downgrade") == 0)
		return SV_DIR_DOWNGRADE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid kind of schemaver script \"%s\"", sv_shorten(sv_printable(kind))),
			 errdetail("A script is an \"upgrade\" or a \"downgrade\".")));
	pg_unreachable();
}

/* The script this transaction runs, which must be the one named */
static ScriptRun *
current_script(const char *fingerprint)
{
	if (script_run == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no schemaver script is running in this transaction"),
				 errhint("A script's steps run after its schemaver.run_script_begin(), in the same transaction.")));
	if (strcmp(script_run->fingerprint, fingerprint) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the schemaver script running in this transaction has another fingerprint"),
				 errdetail("It began with plan %s, not %s.", script_run->fingerprint,
						   fingerprint)));
	return script_run;
}

/*
 * The script writes the SQL between two line feeds of its own, so that the
 * closing tag starts a line: remove them (and refuse text without them).
 */
static char *
strip_framing(const char *sql, int step)
{
	size_t		len = strlen(sql);

	if (len < 2 || sql[0] != '\n' || sql[len - 1] != '\n')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the SQL of step %d of the schemaver script is not as the script was written", step),
				 errdetail("The script passes each revision's SQL between two line feeds of its own."),
				 errhint("Do not edit a generated script: register changes as revisions and generate the script again.")));
	return pnstrdup(sql + 1, len - 2);
}

/*
 * Refuse step n of the script unless it is the next step of the plan, with
 * that revision, operation and checksum.
 */
static void
check_step(ScriptRun *run, int n, const char *revision, const char *operation,
		   const char *checksum)
{
	if (n != run->done + 1 || n > run->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("step %d of the schemaver script is out of order", n),
				 errdetail("The script's plan has %d steps, and %d of them have run.",
						   run->nsteps, run->done),
				 errhint("Run the whole script as it was generated.")));
	if (strcmp(revision, run->revisions[n - 1]) != 0 ||
		strcmp(operation, plan_operation_name(run->ops[n - 1])) != 0 ||
		strcmp(checksum, run->checksums[n - 1]) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("step %d of the schemaver script is not step %d of its plan", n, n),
				 errdetail("The plan's step %d is the %s of revision %s (checksum %s).",
						   n, plan_operation_name(run->ops[n - 1]),
						   run->revisions[n - 1], run->checksums[n - 1]),
				 errhint("Do not edit a generated script: register changes as revisions and generate the script again.")));
}

/*
 * Step n of the script as the catalog has it now, checked: still
 * registered, still possible from the current state, and with exactly the
 * SQL (already stripped of the script's framing) and checksum the script
 * passes.
 */
static SvStep *
registered_step(ScriptRun *run, SvGraph *graph, int n, const char *revision,
				const char *operation, const char *checksum, const char *sql)
{
	SvStep	   *step = palloc(sizeof(SvStep));
	SvPlan		plan;
	SvStepText *text;

	step->rev = graph_find(graph, revision);
	step->op = run->ops[n - 1];
	if (step->rev < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is no longer registered", revision)));
	plan.nsteps = 1;
	plan.steps = step;
	plan_check_step(graph, step);

	/* the SQL must be the revision's, as registered */
	text = catalog_fetch_steps(graph, &plan, 0, 1);
	if (strcmp(text->checksum, checksum) != 0 || strcmp(text->sql, sql) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the SQL of step %d of the schemaver script is not the registered %s SQL of revision \"%s\"",
						n, operation, revision),
				 errdetail("A script runs only the SQL it was generated with. Nothing was changed."),
				 errhint("Do not edit a generated script: register changes as revisions and generate the script again.")));
	return step;
}

/*
 * schemaver.run_script_begin(kind text, target text, fingerprint text)
 */
Datum
schemaver_run_script_begin(PG_FUNCTION_ARGS)
{
	char	   *kind = sv_text_arg(fcinfo, 0, "kind", true);
	char	   *target = sv_text_arg(fcinfo, 1, "target", true);
	char	   *fingerprint = sv_fingerprint_arg(fcinfo, 2, "fingerprint");
	SvDirection direction = script_direction(kind);
	SvGraph    *graph;
	SvDestination *dest;
	SvPlan	   *plan;
	SvStepText *texts = NULL;
	char	   *actual;
	char	   *from;
	ScriptRun  *run;
	MemoryContext old;
	int		   *removed;
	int		   *added;
	int			nremoved,
				nadded;
	bool	   *nontx;
	bool		session = false;

	guard_check_not_nested("schemaver.run_script_begin()");
	if (script_run != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a schemaver script is already running in this transaction")));

	SPI_connect();
	run_lock();
	graph = catalog_load_graph();
	from = graph->ncurrent == 0 ? pstrdup("base") :
		graph_describe_revs(graph, graph->current, graph->ncurrent);
	dest = target_resolve(graph, target);
	plan = plan_make(graph, dest, direction);
	actual = plan_fingerprint(graph, plan, direction);
	if (strcmp(actual, fingerprint) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the database is not at the state this schemaver script was generated from"),
				 errdetail("From the current state (%s), schemaver_%s('%s') has %d step%s with fingerprint %s, not the script's %s. Nothing was changed.",
						   from, kind, target, plan->nsteps,
						   plan->nsteps == 1 ? "" : "s", actual, fingerprint),
				 errhint("Generate the script again from the current state, and review it again.")));

	/* keep the plan, and where it ends, for the steps and the end */
	if (plan->nsteps > 0)
		texts = catalog_fetch_steps(graph, plan, 0, plan->nsteps);
	nontx = palloc0(sizeof(bool) * Max(plan->nsteps, 1));
	for (int i = 0; i < plan->nsteps; i++)
	{
		SvDirectives d;

		directives_parse(texts[i].sql, graph->revs[plan->steps[i].rev].id,
						 plan_operation_name(plan->steps[i].op), &d);
		nontx[i] = !d.transactional;
		session |= nontx[i];
	}
	old = MemoryContextSwitchTo(session ? TopMemoryContext : TopTransactionContext);
	run = palloc0(sizeof(ScriptRun));
	run->session = session;
	run->nontx = palloc(sizeof(bool) * Max(plan->nsteps, 1));
	memcpy(run->nontx, nontx, sizeof(bool) * Max(plan->nsteps, 1));
	run->fingerprint = pstrdup(fingerprint);
	run->direction = direction;
	run->nsteps = plan->nsteps;
	run->revisions = palloc(sizeof(char *) * Max(plan->nsteps, 1));
	run->ops = palloc(sizeof(SvOperation) * Max(plan->nsteps, 1));
	run->checksums = palloc(sizeof(char *) * Max(plan->nsteps, 1));
	for (int i = 0; i < plan->nsteps; i++)
	{
		run->revisions[i] = pstrdup(graph->revs[plan->steps[i].rev].id);
		run->ops[i] = plan->steps[i].op;
		run->checksums[i] = pstrdup(texts[i].checksum);
	}
	MemoryContextSwitchTo(old);

	removed = palloc(sizeof(int) * Max(graph->nrevs, 1));
	added = palloc(sizeof(int) * Max(graph->nrevs, 1));
	for (int i = 0; i < plan->nsteps; i++)
		apply_step_to_state(graph, &plan->steps[i], removed, &nremoved,
							added, &nadded);
	old = MemoryContextSwitchTo(session ? TopMemoryContext : TopTransactionContext);
	run->nend = graph->ncurrent;
	run->end_heads = palloc(sizeof(char *) * Max(graph->ncurrent, 1));
	for (int i = 0; i < graph->ncurrent; i++)
		run->end_heads[i] = pstrdup(graph->revs[graph->current[i]].id);
	MemoryContextSwitchTo(old);

	/*
	 * A script of several transactions holds schemaver's lock across them:
	 * at session level too (granted at once, this transaction holds it).
	 */
	if (session)
	{
		run_lock_session();
		SET_LOCKTAG_OBJECT(run->lock, MyDatabaseId, ExtensionRelationId,
						   lock_extension_oid(), 0);
	}
	SPI_finish();
	script_run = run;
	PG_RETURN_VOID();
}

/*
 * schemaver.run_script_step(fingerprint text, step integer, revision text,
 *							 operation text, checksum text, sql text)
 *		RETURNS TABLE (revision text, operation text, message text,
 *					   elapsed interval)
 */
Datum
schemaver_run_script_step(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *fingerprint = sv_fingerprint_arg(fcinfo, 0, "fingerprint");
	int			n;
	char	   *revision = sv_text_arg(fcinfo, 2, "revision", true);
	char	   *operation = sv_text_arg(fcinfo, 3, "operation", true);
	char	   *checksum = sv_text_arg(fcinfo, 4, "checksum", true);
	char	   *sql = sv_text_arg(fcinfo, 5, "sql", true);
	ScriptRun  *run;
	SvGraph    *graph;
	SvPlan		plan;

	guard_check_not_nested("schemaver.run_script_step()");
	n = sv_int_arg(fcinfo, 1, "step");
	run = current_script(fingerprint);
	check_step(run, n, revision, operation, checksum);
	if (run->nontx[n - 1])
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("step %d of the schemaver script is non-transactional", n),
				 errdetail("The script runs it outside any transaction, with CALL schemaver.run_script_step_nontx()."),
				 errhint("Run the whole script as it was generated.")));
	sql = strip_framing(sql, n);

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	lock_check_held();
	graph = catalog_load_graph();
	plan.nsteps = 1;
	plan.steps = registered_step(run, graph, n, revision, operation, checksum,
								 sql);

	run_plan(graph, &plan, run->direction, false, rsinfo->setResult,
			 rsinfo->setDesc);
	SPI_finish();
	run->done++;
	return (Datum) 0;
}

/*
 * schemaver.run_script_end(fingerprint text)
 */
Datum
schemaver_run_script_end(PG_FUNCTION_ARGS)
{
	char	   *fingerprint = sv_fingerprint_arg(fcinfo, 0, "fingerprint");
	ScriptRun  *run;
	char	  **heads;
	int			nheads;
	bool		same;

	guard_check_not_nested("schemaver.run_script_end()");
	run = current_script(fingerprint);
	if (run->done != run->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schemaver script ended after step %d of %d",
						run->done, run->nsteps),
				 errhint("Run the whole script as it was generated.")));

	SPI_connect();
	lock_check_held();
	heads = catalog_read_version(&nheads, true);
	qsort(heads, nheads, sizeof(char *), pg_qsort_strcmp);
	same = (nheads == run->nend);
	for (int i = 0; same && i < nheads; i++)
		same = strcmp(heads[i], run->end_heads[i]) == 0;
	SPI_finish();
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the database is not where the schemaver script's plan ends"),
				 errhint("Run the whole script as it was generated, without savepoints.")));

	/*
	 * A script of several transactions: from here to the end of this
	 * transaction, which holds its last steps, hold the lock at transaction
	 * level, then release the session-level one.
	 */
	if (run->session)
	{
		SPI_connect();
		run_lock();
		SPI_finish();
	}
	forget_script(true);
	PG_RETURN_VOID();
}

/*
 * CALL schemaver.run_script_step_nontx(fingerprint text, step integer,
 *		revision text, operation text, checksum text, sql text)
 *		A non-transactional step of a script of several transactions,
 *		called at top level between the script's transactions: runs it as
 *		the stepwise procedures do (nontx.c) and commits it.
 */
Datum
schemaver_run_script_step_nontx(PG_FUNCTION_ARGS)
{
	CallContext *call = (CallContext *) fcinfo->context;
	char	   *fingerprint = sv_text_arg(fcinfo, 0, "fingerprint", true);
	char	   *revision = sv_text_arg(fcinfo, 2, "revision", true);
	char	   *operation = sv_text_arg(fcinfo, 3, "operation", true);
	char	   *checksum = sv_text_arg(fcinfo, 4, "checksum", true);
	char	   *sql = sv_text_arg(fcinfo, 5, "sql", true);
	ScriptRun  *run;
	SvGraph    *graph;
	SvPlan		plan;
	int			n;

	guard_check_not_nested("schemaver.run_script_step_nontx()");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("step must not be NULL")));
	n = PG_GETARG_INT32(1);
	if (call == NULL || !IsA(call, CallContext) || call->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("schemaver.run_script_step_nontx() cannot run inside a transaction block"),
				 errdetail("A non-transactional step runs outside any transaction."),
				 errhint("Run the whole script as it was generated: it commits before this step.")));
	run = current_script(fingerprint);
	check_step(run, n, revision, operation, checksum);
	if (!run->nontx[n - 1])
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("step %d of the schemaver script is not non-transactional", n),
				 errdetail("The script runs it in a transaction, with SELECT schemaver.run_script_step()."),
				 errhint("Run the whole script as it was generated.")));
	sql = strip_framing(sql, n);

	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");
	lock_check_held();
	graph = catalog_load_graph();
	plan.nsteps = 1;
	plan.steps = registered_step(run, graph, n, revision, operation, checksum,
								 sql);
	run_plan(graph, &plan, run->direction, true, NULL, NULL);
	run->done++;
	SPI_finish();
	PG_RETURN_VOID();
}
