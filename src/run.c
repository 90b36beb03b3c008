/*-------------------------------------------------------------------------
 *
 * run.c
 *	  Running a plan: taking the lock (lock.c) for it, each revision's SQL
 *	  through SPI, and the bookkeeping (version rows, log rows, result rows,
 *	  NOTICEs) per step.
 *
 * Revision SQL is the one text schemaver runs as written.  It is split into
 * statements with the server's own parser so that an error can say which
 * statement of which revision failed; each statement then runs through SPI
 * as the calling role, with the caller's search_path.  While it runs, guard.c
 * keeps it away from the extension itself, and a GUC nest level makes every
 * setting it changes (SET, set_config) end with the revision.
 *
 * Errors are not caught: the revision's own SQLSTATE and message reach the
 * caller, with an error context line that names the revision and the
 * statement, and the caller's transaction rolls everything back.  (A
 * revision's "-- schemaver:" directives may change that: with lock retries
 * it runs in a subtransaction that a lock timeout rolls back and
 * locktimeout.c runs again; a non-transactional one runs in a background
 * worker, nontx.c.)
 *
 * src/run.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "schemaver.h"

/* What the plan-level error context callback needs */
typedef struct PlanErrorContext
{
	SvDirection direction;
	bool		stepwise;
	int			nsteps;
	int			step;			/* 0-based index of the running step */
	const char *revision;
} PlanErrorContext;


static void check_snapshot_after_lock(void);
static void plan_error_callback(void *arg);
static void run_revision_sql(const char *revision, const char *operation,
							 const char *sql, bool stepwise);
static void run_statements(void *arg);
static void report_spi_failure(int rc);
static ArrayType *ids_array(SvGraph *graph, const int *revs, int n);
static Datum heads_literal(SvGraph *graph);

/*
 * After the lock is ours: a transaction that reads from one snapshot for its
 * whole life (REPEATABLE READ, SERIALIZABLE) took that snapshot before it
 * waited for the lock, so it may not see what the previous holder
 * committed.  Planning from it could apply a revision twice: refuse, as
 * PostgreSQL refuses an update of a row changed since the snapshot.
 */
static void
check_snapshot_after_lock(void)
{
	if (IsolationUsesXactSnapshot() && !catalog_snapshot_is_current())
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent schema migration"),
				 errdetail("Another transaction changed the schemaver catalog after this transaction's snapshot was taken."),
				 errhint("Retry the transaction, or call schemaver's functions in a READ COMMITTED transaction.")));
}

/*
 * run_lock
 *		Take schemaver's lock (lock.c) for the rest of the transaction.
 *
 * Every call that changes the catalog or the version takes it before it
 * reads anything, so that concurrent callers queue and the later one plans
 * from what the earlier one left; then a caller whose snapshot predates the
 * wait is refused.
 */
void
run_lock(void)
{
	lock_acquire(false);
	check_snapshot_after_lock();
}

/*
 * run_lock_session
 *		Take the same lock at session level, for the stepwise procedures,
 *		whose walk spans several transactions.  The caller must release it
 *		on every exit path (run_unlock_session in PG_FINALLY): an error does
 *		not release a session lock.
 */
void
run_lock_session(void)
{
	lock_acquire(true);
	check_snapshot_after_lock();
}

/*
 * run_unlock_session
 *		Release the session-level lock of run_lock_session.
 */
void
run_unlock_session(void)
{
	lock_release_session();
}

/*
 * run_step_arrow
 *		"parent -> revision" for a step up, "revision -> parent" for a step
 *		down; "<base>" stands for no parent and a merge shows "(a, b)" (its
 *		first ten parents, then how many more).
 */
char *
run_step_arrow(SvGraph *graph, SvStep *step)
{
	SvRevision *r = &graph->revs[step->rev];
	StringInfoData parents;

	initStringInfo(&parents);
	if (r->nparents == 0)
		appendStringInfoString(&parents, "<base>");
	else
	{
		if (r->nparents > 1)
			appendStringInfoChar(&parents, '(');
		for (int i = 0; i < r->nparents && i < 10; i++)
			appendStringInfo(&parents, "%s%s", i ? ", " : "", r->parent_ids[i]);
		if (r->nparents > 10)
			appendStringInfo(&parents, " and %d more", r->nparents - 10);
		if (r->nparents > 1)
			appendStringInfoChar(&parents, ')');
	}
	if (step->op == SV_OP_UPGRADE || step->op == SV_OP_STAMP_UP)
		return psprintf("%s -> %s", parents.data, r->id);
	return psprintf("%s -> %s", r->id, parents.data);
}

/*
 * run_revision_error_callback
 *		Error context: which revision, and which statement of it, was running
 *		(script.c uses it too, while it checks a revision for a script).  A
 * syntax error found while splitting the SQL gets its position moved into
 * the revision's text (as SPI does for its own queries), so that psql shows
 * the right line.
 */
void
run_revision_error_callback(void *arg)
{
	SvRevisionErrorContext *ctx = (SvRevisionErrorContext *) arg;

	if (ctx->statement == 0)
	{
		int			pos = geterrposition();

		/*
		 * Show the revision's SQL as the query of the error, unless it holds
		 * control characters, which psql would print raw.
		 */
		if (pos > 0)
		{
			errposition(0);
			if (!sv_has_invisible(ctx->sql))
			{
				internalerrposition(pos);
				internalerrquery(ctx->sql);
			}
		}
		errcontext("%s SQL of revision \"%s\"", ctx->operation, ctx->revision);
	}
	else
		errcontext("%s of revision \"%s\", statement %d",
				   ctx->operation, ctx->revision, ctx->statement);
}

/*
 * run_push_revision_context
 *		Push the error context of one revision's SQL (popped by the caller,
 *		or by the error machinery).
 */
void
run_push_revision_context(SvRevisionErrorContext *ctx,
						  ErrorContextCallback *errcb, const char *revision,
						  const char *operation, const char *sql)
{
	ctx->revision = revision;
	ctx->operation = operation;
	ctx->sql = sql;
	ctx->statement = 0;
	errcb->callback = run_revision_error_callback;
	errcb->arg = ctx;
	errcb->previous = error_context_stack;
	error_context_stack = errcb;
}

/*
 * Error context for a whole plan.  A stepwise walk says where it stopped and
 * what stays committed.  In one transaction, running out of lock table
 * space (many tables created or dropped at once) gets a hint that names the
 * stepwise procedure, which commits, and so frees the locks, after each
 * revision.
 */
static void
plan_error_callback(void *arg)
{
	PlanErrorContext *ctx = (PlanErrorContext *) arg;
	const char *procname = ctx->direction == SV_DIR_DOWNGRADE ?
		"schemaver_downgrade_stepwise" : "schemaver_upgrade_stepwise";

	if (ctx->stepwise && ctx->step == 0)
		errcontext("stepwise walk stopped at revision \"%s\" (step 1 of %d); no revision before it was committed",
				   ctx->revision, ctx->nsteps);
	else if (ctx->stepwise && ctx->step == 1)
		errcontext("stepwise walk stopped at revision \"%s\" (step 2 of %d); the revision before it is committed",
				   ctx->revision, ctx->nsteps);
	else if (ctx->stepwise)
		errcontext("stepwise walk stopped at revision \"%s\" (step %d of %d); the %d revisions before it are committed",
				   ctx->revision, ctx->step + 1, ctx->nsteps, ctx->step);
	else if (geterrcode() == ERRCODE_OUT_OF_MEMORY &&
			 ctx->direction != SV_DIR_STAMP)
		errhint("One transaction holds a lock on every object it creates or drops until it ends: apply the revisions with CALL %s(), which commits after each revision, or increase max_locks_per_transaction.",
				procname);
}

/*
 * Turn an SPI failure code into the error a user should see.  Only a few can
 * come from revision SQL; the rest cannot happen.
 */
static void
report_spi_failure(int rc)
{
	switch (rc)
	{
		case SPI_ERROR_TRANSACTION:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("revision SQL cannot start or end transactions or use savepoints"),
					 errdetail("schemaver runs the revisions of a call inside the caller's transaction."),
					 errhint("Remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT from the revision. To commit after each revision, use CALL schemaver_upgrade_stepwise().")));
			break;
		case SPI_ERROR_COPY:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("revision SQL cannot use COPY to or from the client"),
					 errhint("Load data with INSERT statements, or with COPY from a file on the server.")));
			break;
		default:
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	}
}

/*
 * One revision's SQL being run: what run_statements needs, and the number
 * of the statement running (for the messages of locktimeout.c).
 */
typedef struct RevisionRun
{
	const char *revision;
	const char *operation;
	const char *sql;
	SvLockPolicy policy;
	int			statement;
} RevisionRun;

/*
 * Run one revision's SQL, statement by statement, as its directives say
 * (directive.c): a non-transactional revision in a background worker
 * (nontx.c), one that may retry after a lock timeout in a subtransaction
 * it can be rolled back to (locktimeout.c), any other directly.
 */
static void
run_revision_sql(const char *revision, const char *operation, const char *sql,
				 bool stepwise)
{
	SvDirectives d;
	RevisionRun rr;

	directives_parse(sql, revision, operation, &d);
	if (!d.transactional)
	{
		nontx_run(revision, operation, sql, &d, stepwise);
		return;
	}
	rr.revision = revision;
	rr.operation = operation;
	rr.sql = sql;
	rr.statement = 0;
	locktimeout_policy(&d, &rr.policy);
	if (rr.policy.retries > 0)
		locktimeout_run_retrying(revision, operation, &rr.policy, stepwise,
								 run_statements, &rr, &rr.statement);
	else
		run_statements(&rr);
}

/*
 * Run the statements of one revision (a RevisionRun), with its lock
 * timeout, the revision guard, and a GUC nest level that ends every setting
 * it changes with it.
 */
static void
run_statements(void *arg)
{
	RevisionRun *rr = (RevisionRun *) arg;
	const char *sql = rr->sql;
	SvRevisionErrorContext ctx;
	ErrorContextCallback errcb;
	List	   *stmts;
	ListCell   *lc;
	int			nestlevel;
	MemoryContext cxt = CurrentMemoryContext;

	run_push_revision_context(&ctx, &errcb, rr->revision, rr->operation, sql);

	stmts = pg_parse_query(sql);

	nestlevel = NewGUCNestLevel();
	locktimeout_apply(&rr->policy, false);
	guard_enter_revision();
	PG_TRY();
	{
		foreach(lc, stmts)
		{
			RawStmt    *raw = lfirst_node(RawStmt, lc);
			const char *start = sql + raw->stmt_location;
			int			len = raw->stmt_len > 0 ? raw->stmt_len
				: (int) strlen(start);
			char	   *text;
			int			rc;

			/* the text starts after the previous ';': skip the blanks */
			while (len > 0 && scanner_isspace(*start))
			{
				start++;
				len--;
			}
			text = pnstrdup(start, len);

			ctx.statement++;
			rr->statement = ctx.statement;
			locktimeout_next_statement();
			rc = SPI_execute(text, false, 0);
			MemoryContextSwitchTo(cxt);
			if (rc < 0)
				report_spi_failure(rc);
			SPI_freetuptable(SPI_tuptable);
			pfree(text);
		}
	}
	PG_CATCH();
	{
		guard_leave_revision();
		locktimeout_disarm();
		/* without retries, say which lock a lock timeout was about */
		if (rr->policy.retries == 0)
			locktimeout_rethrow(cxt, rr->statement);
		PG_RE_THROW();
	}
	PG_END_TRY();
	guard_leave_revision();
	locktimeout_disarm();

	/* settings the revision changed end with it */
	AtEOXact_GUC(false, nestlevel);
	error_context_stack = errcb.previous;
}

/* A text[] of the ids of some revisions */
static ArrayType *
ids_array(SvGraph *graph, const int *revs, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(graph->revs[revs[i]].id);
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * Update the in-memory applied set and current heads for one step, and say
 * which heads it removed and added (for schemaver.version).
 *
 * The heads are the applied revisions no applied child: applying r makes
 * it a head and its parents stop being heads; undoing r (always a head,
 * since children are undone first) makes each parent a head again unless
 * another of its children is still applied.
 *
 * script.c uses it too, so that a preview script records the same heads.
 */
void
apply_step_to_state(SvGraph *graph, SvStep *step, int *removed, int *nremoved,
					int *added, int *nadded)
{
	SvRevision *r = &graph->revs[step->rev];
	bool		up = (step->op == SV_OP_UPGRADE || step->op == SV_OP_STAMP_UP);
	int			n = 0;

	*nremoved = 0;
	*nadded = 0;
	if (up)
	{
		r->applied = true;
		r->current = true;
		added[(*nadded)++] = step->rev;
		for (int i = 0; i < r->nparents; i++)
		{
			SvRevision *p = &graph->revs[r->parents[i]];

			if (p->current)
			{
				p->current = false;
				removed[(*nremoved)++] = r->parents[i];
			}
		}
	}
	else
	{
		r->applied = false;
		r->current = false;
		removed[(*nremoved)++] = step->rev;
		for (int i = 0; i < r->nparents; i++)
		{
			SvRevision *p = &graph->revs[r->parents[i]];
			bool		has_applied_child = false;

			for (int j = 0; j < p->nchildren && !has_applied_child; j++)
				has_applied_child = graph->revs[p->children[j]].applied;
			if (!has_applied_child && !p->current)
			{
				p->current = true;
				added[(*nadded)++] = r->parents[i];
			}
		}
	}

	/* rebuild the sorted list of current heads from the flags it changed */
	for (int i = 0; i < graph->ncurrent; i++)
		if (graph->revs[graph->current[i]].current)
			graph->current[n++] = graph->current[i];
	for (int i = 0; i < *nadded; i++)
	{
		int			pos = n;

		/* insertion keeps the list sorted; it holds a handful of heads */
		while (pos > 0 && graph->current[pos - 1] > added[i])
		{
			graph->current[pos] = graph->current[pos - 1];
			pos--;
		}
		graph->current[pos] = added[i];
		n++;
	}
	graph->ncurrent = n;
}

/*
 * In one transaction the bookkeeping is written every FLUSH_BATCH steps, so
 * that the memory a long call holds for it stays bounded.
 */
#define FLUSH_BATCH 1000

/*
 * The log rows of the steps run since the last flush, and the heads at that
 * flush.  In one transaction the bookkeeping is written at the end of the
 * plan, or every FLUSH_BATCH steps (one statement per batch); a stepwise
 * walk writes it after each step, before it commits.
 */
typedef struct PendingLog
{
	int			n;
	Datum	   *revision;
	Datum	   *operation;
	Datum	   *heads_before;	/* text[] literals */
	Datum	   *heads_after;
	Datum	   *started_at;
	Datum	   *elapsed;
	Datum	   *checksum;
	bool	   *checksum_null;
	bool	   *up;				/* the step applied its revision */
	int		   *flushed_heads;	/* graph->current at the last flush */
	int			nflushed_heads;
	MemoryContext cxt;			/* holds the rows; reset at each flush */
} PendingLog;

/*
 * The heads as a text[] literal.  Ids are [A-Za-z0-9_] only, so they need
 * no quoting.
 */
static Datum
heads_literal(SvGraph *graph)
{
	size_t		len = 2;
	text	   *result;
	char	   *p;

	for (int i = 0; i < graph->ncurrent; i++)
		len += strlen(graph->revs[graph->current[i]].id) + 1;
	result = (text *) palloc(len + VARHDRSZ);
	p = VARDATA(result);
	*p++ = '{';
	for (int i = 0; i < graph->ncurrent; i++)
	{
		const char *id = graph->revs[graph->current[i]].id;
		size_t		idlen = strlen(id);

		if (i > 0)
			*p++ = ',';
		memcpy(p, id, idlen);
		p += idlen;
	}
	*p++ = '}';
	SET_VARSIZE(result, (p - VARDATA(result)) + VARHDRSZ);
	return PointerGetDatum(result);
}

/*
 * Write the pending log rows and the change of heads since the last flush
 * (one statement), then start a new batch.
 */
static void
flush_pending(SvGraph *graph, PendingLog *pending)
{
	bool	   *was = palloc0(sizeof(bool) * Max(graph->nrevs, 1));
	bool	   *is = palloc0(sizeof(bool) * Max(graph->nrevs, 1));
	int		   *removed = palloc(sizeof(int) * Max(graph->nrevs, 1));
	int		   *added = palloc(sizeof(int) * Max(graph->nrevs, 1));
	int			nremoved = 0,
				nadded = 0;

	if (pending->n == 0)
		return;
	for (int i = 0; i < pending->nflushed_heads; i++)
		was[pending->flushed_heads[i]] = true;
	for (int i = 0; i < graph->ncurrent; i++)
	{
		is[graph->current[i]] = true;
		if (!was[graph->current[i]])
			added[nadded++] = graph->current[i];
	}
	for (int i = 0; i < pending->nflushed_heads; i++)
		if (!is[pending->flushed_heads[i]])
			removed[nremoved++] = pending->flushed_heads[i];

	catalog_record_steps(pending->n, pending->revision, pending->operation,
						 pending->heads_before, pending->heads_after,
						 pending->started_at, pending->elapsed,
						 pending->checksum, pending->checksum_null,
						 pending->up, ids_array(graph, removed, nremoved),
						 ids_array(graph, added, nadded));

	memcpy(pending->flushed_heads, graph->current,
		   sizeof(int) * graph->ncurrent);
	pending->nflushed_heads = graph->ncurrent;
	pending->n = 0;
	pfree(was);
	pfree(is);
	pfree(removed);
	pfree(added);
	MemoryContextReset(pending->cxt);
}

static void run_steps(SvGraph *graph, SvPlan *plan, bool stepwise,
					  Tuplestorestate *tupstore, TupleDesc tupdesc,
					  PlanErrorContext *ctx, PendingLog *pending, int batch,
					  MemoryContext textcxt, MemoryContext stepcxt,
					  int *removed, int *added);

/*
 * run_plan
 *		Execute a plan step by step, recording each step and putting its
 *		result row into tupstore (when there is one).
 *
 * stepwise: commit after each step (the caller is a procedure with a
 * non-atomic SPI connection, holding the session-level lock).  The graph,
 * the plan and the texts of the current batch of steps live in SPI's
 * procedure context, which survives the commits.
 */
void
run_plan(SvGraph *graph, SvPlan *plan, SvDirection direction, bool stepwise,
		 Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	MemoryContext textcxt;
	MemoryContext stepcxt;
	int			batch = Min(plan->nsteps, FLUSH_BATCH);
	int		   *removed;
	int		   *added;
	PlanErrorContext ctx;
	ErrorContextCallback errcb;
	PendingLog	pending;
	int			size = Max(graph->nrevs, 1);

	if (plan->nsteps == 0)
		return;

	ctx.direction = direction;
	ctx.stepwise = stepwise;
	ctx.nsteps = plan->nsteps;
	ctx.step = 0;
	ctx.revision = NULL;
	errcb.callback = plan_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	guard_prepare();
	removed = palloc(sizeof(int) * size);
	added = palloc(sizeof(int) * size);

	/* at most one batch of steps is pending between two flushes */
	memset(&pending, 0, sizeof(pending));
	pending.revision = palloc(sizeof(Datum) * batch);
	pending.operation = palloc(sizeof(Datum) * batch);
	pending.heads_before = palloc(sizeof(Datum) * batch);
	pending.heads_after = palloc(sizeof(Datum) * batch);
	pending.started_at = palloc(sizeof(Datum) * batch);
	pending.elapsed = palloc(sizeof(Datum) * batch);
	pending.checksum = palloc(sizeof(Datum) * batch);
	pending.checksum_null = palloc(sizeof(bool) * batch);
	pending.up = palloc(sizeof(bool) * batch);
	pending.flushed_heads = palloc(sizeof(int) * size);
	memcpy(pending.flushed_heads, graph->current,
		   sizeof(int) * graph->ncurrent);
	pending.nflushed_heads = graph->ncurrent;
	pending.cxt = AllocSetContextCreate(CurrentMemoryContext,
										"schemaver pending log",
										ALLOCSET_DEFAULT_SIZES);
	stepcxt = AllocSetContextCreate(CurrentMemoryContext, "schemaver step",
									ALLOCSET_DEFAULT_SIZES);
	textcxt = AllocSetContextCreate(CurrentMemoryContext,
									"schemaver step texts",
									ALLOCSET_DEFAULT_SIZES);

	/* nothing may free the graph while revision SQL runs */
	catalog_pin_graph();
	PG_TRY();
	{
		run_steps(graph, plan, stepwise, tupstore, tupdesc, &ctx, &pending,
				  batch, textcxt, stepcxt, removed, added);
	}
	PG_FINALLY();
	{
		catalog_unpin_graph();
	}
	PG_END_TRY();
	flush_pending(graph, &pending);
	MemoryContextDelete(textcxt);
	MemoryContextDelete(stepcxt);
	MemoryContextDelete(pending.cxt);
	error_context_stack = errcb.previous;
}

/*
 * The loop of run_plan: run each step, record it, and put its result row
 * into tupstore.
 */
static void
run_steps(SvGraph *graph, SvPlan *plan, bool stepwise,
		  Tuplestorestate *tupstore, TupleDesc tupdesc, PlanErrorContext *ctx,
		  PendingLog *pending, int batch, MemoryContext textcxt,
		  MemoryContext stepcxt, int *removed, int *added)
{
	SvStepText *texts = NULL;
	MemoryContext oldcxt;

	for (int i = 0; i < plan->nsteps; i++)
	{
		SvStep	   *step = &plan->steps[i];
		SvRevision *r = &graph->revs[step->rev];
		const char *opname = plan_operation_name(step->op);
		SvStepText *text;
		TimestampTz started;
		int			nremoved,
					nadded;
		Interval   *elapsed;
		int			k = pending->n;

		CHECK_FOR_INTERRUPTS();
		ctx->step = i;
		ctx->revision = r->id;

		/* the texts of the next batch of steps */
		if (i % batch == 0)
		{
			MemoryContextReset(textcxt);
			oldcxt = MemoryContextSwitchTo(textcxt);
			texts = catalog_fetch_steps(graph, plan, i,
										Min(batch, plan->nsteps - i));
			MemoryContextSwitchTo(oldcxt);
		}
		text = &texts[i % batch];
		oldcxt = MemoryContextSwitchTo(stepcxt);

		if (text->message)
			ereport(NOTICE,
					(errmsg("%s %s: %s", opname, run_step_arrow(graph, step),
							sv_printable_text(text->message))));
		else
			ereport(NOTICE,
					(errmsg("%s %s", opname, run_step_arrow(graph, step))));

		started = GetCurrentTimestamp();
		if (text->sql != NULL)
		{
			run_revision_sql(r->id, opname, text->sql, stepwise);
			lock_check_held();
		}

		/* the log row, kept until the flush */
		MemoryContextSwitchTo(pending->cxt);
		pending->heads_before[k] = heads_literal(graph);
		apply_step_to_state(graph, step, removed, &nremoved, added, &nadded);
		pending->heads_after[k] = heads_literal(graph);
		elapsed = palloc0(sizeof(Interval));
		elapsed->time = GetCurrentTimestamp() - started;
		pending->revision[k] = CStringGetTextDatum(r->id);
		pending->operation[k] = CStringGetTextDatum(opname);
		pending->started_at[k] = TimestampTzGetDatum(started);
		pending->elapsed[k] = IntervalPGetDatum(elapsed);
		pending->checksum_null[k] = (step->op == SV_OP_STAMP_DOWN);
		pending->up[k] = (step->op == SV_OP_UPGRADE ||
						 step->op == SV_OP_STAMP_UP);
		pending->checksum[k] = pending->checksum_null[k] ? (Datum) 0
			: CStringGetTextDatum(text->checksum);
		pending->n++;
		MemoryContextSwitchTo(stepcxt);

		if (tupstore)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			values[0] = pending->revision[k];
			values[1] = pending->operation[k];
			if (text->message)
				values[2] = CStringGetTextDatum(text->message);
			else
				nulls[2] = true;
			values[3] = pending->elapsed[k];
			tuplestore_putvalues(tupstore, tupdesc, values, nulls);
		}

		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(stepcxt);
		if (stepwise)
		{
			flush_pending(graph, pending);
			SPI_commit();
		}
		else if (pending->n >= FLUSH_BATCH)
			flush_pending(graph, pending);
	}
}
