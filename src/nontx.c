/*-------------------------------------------------------------------------
 *
 * nontx.c
 *	  Non-transactional revisions, the caller's side: a revision whose SQL
 *	  begins with "-- schemaver: transaction=off" runs each of its
 *	  statements at top level, outside any transaction block, in a
 *	  background worker (nontxworker.c), while the stepwise procedure that
 *	  applies it waits.
 *
 * Some statements cannot run in a transaction block (CREATE INDEX
 * CONCURRENTLY, REINDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, VACUUM,
 * ALTER SYSTEM, ...), nor from inside a function or procedure, where
 * schemaver runs revision SQL.  A background worker connected to the same
 * database, as the caller's role and with the caller's settings, runs them
 * as a client's top-level simple queries would.  So they run only from the
 * stepwise procedures, which commit between revisions: a one-call
 * schemaver_upgrade() or schemaver_downgrade() whose plan holds such a
 * revision is refused before anything runs (nontx_check_plan).
 *
 * The caller:
 *	- checks the statements first (a syntax error anywhere, transaction
 *	  control or COPY from the client fails before anything runs);
 *	- commits its current transaction, so that while it waits it holds no
 *	  snapshot and no lock but schemaver's own (session-level) lock: CREATE
 *	  INDEX CONCURRENTLY waits for every transaction with an older snapshot
 *	  and for every holder of a conflicting lock on its table, and the
 *	  caller must be neither, or they would wait for each other forever;
 *	- starts the worker and relays what it sends: NOTICEs as they come, the
 *	  number of the statement it starts, and its error, which the caller
 *	  raises with its SQLSTATE, message, detail and context (plus a hint
 *	  about INVALID indexes);
 *	- if the caller is cancelled, fails or ends, it stops the worker
 *	  (PG_CATCH, and the end of its transaction for a FATAL exit); a crash
 *	  of either takes the other down with the server's restart;
 *	- records the revision, like any step, only after the worker ran its
 *	  last statement and exited.
 *
 * A background worker needs a free slot of max_worker_processes: when none
 * is free, a clean error says so.
 *
 * src/nontx.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "nontx.h"

/* What the error context of a running non-transactional revision shows */
typedef struct NontxContext
{
	const char *revision;
	const char *operation;
	int			nstatements;
	int			statement;		/* the one the worker started last; 0: none */
	bool		builds_index;	/* has CREATE/REINDEX ... CONCURRENTLY */
} NontxContext;

/* The worker running now, if any, for the end-of-transaction cleanup */
static BackgroundWorkerHandle *running_worker = NULL;
static bool xact_callback_registered = false;

static int	check_statements(const char *revision, const char *operation,
							 const char *sql, bool *builds_index);
static void parse_error_callback(void *arg);
static void nontx_error_callback(void *arg);
static void stop_worker(void);
static void nontx_xact_callback(XactEvent event, void *arg);
static BackgroundWorkerHandle *start_worker(dsm_segment *seg,
											const char *revision);
static void wait_for_worker(shm_mq_handle *mqh, NontxContext *ctx);
static char *valid_text(char *s);
static void make_valid(ErrorData *edata);

/* The hint of a failed non-transactional revision that builds an index */
#define INVALID_INDEX_HINT \
	"A CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that fails leaves an INVALID index behind (SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid). Drop it with DROP INDEX CONCURRENTLY IF EXISTS before running the revision again; a revision that begins with that statement can simply be run again."

/*
 * Error context while the statements are checked (a syntax error): which
 * revision.
 */
static void
parse_error_callback(void *arg)
{
	NontxContext *ctx = (NontxContext *) arg;

	errcontext("%s SQL of non-transactional revision \"%s\"",
			   ctx->operation, ctx->revision);
}

/*
 * Error context while the worker runs: which statements are committed.  A
 * cancel of a revision that builds an index concurrently gets a hint about
 * the INVALID index it may leave (the worker's own errors get it in
 * wait_for_worker, unless they have a hint of their own).
 */
static void
nontx_error_callback(void *arg)
{
	NontxContext *ctx = (NontxContext *) arg;

	const char *count = psprintf(ngettext("%d statement", "%d statements",
										  ctx->nstatements), ctx->nstatements);

	if (ctx->statement == 0)
		errcontext("non-transactional %s of revision \"%s\" (%s, each committed on its own): it stopped before its first statement",
				   ctx->operation, ctx->revision, count);
	else if (ctx->statement == 1)
		errcontext("non-transactional %s of revision \"%s\" (%s, each committed on its own): it stopped at statement 1; nothing of it is committed",
				   ctx->operation, ctx->revision, count);
	else if (ctx->statement == 2)
		errcontext("non-transactional %s of revision \"%s\" (%s, each committed on its own): it stopped at statement 2; statement 1 is committed",
				   ctx->operation, ctx->revision, count);
	else
		errcontext("non-transactional %s of revision \"%s\" (%s, each committed on its own): it stopped at statement %d; statements 1 to %d are committed",
				   ctx->operation, ctx->revision, count, ctx->statement,
				   ctx->statement - 1);
	if (ctx->builds_index && geterrcode() == ERRCODE_QUERY_CANCELED)
		errhint(INVALID_INDEX_HINT);
}

/*
 * Check the statements of a non-transactional revision before any runs,
 * with the server's parser: a syntax error, transaction control (each
 * statement runs in a transaction of its own) and COPY from or to the
 * client (the worker has none) fail here.  Returns how many statements
 * there are; *builds_index says whether one builds an index concurrently.
 */
static int
check_statements(const char *revision, const char *operation, const char *sql,
				 bool *builds_index)
{
	NontxContext ctx = {revision, operation, 0, 0, false};
	ErrorContextCallback errcb;
	List	   *stmts;
	ListCell   *lc;
	int			n = 0;

	errcb.callback = parse_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	stmts = pg_parse_query(sql);
	*builds_index = false;
	foreach(lc, stmts)
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;

		n++;
		if (IsA(stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("revision SQL cannot start or end transactions or use savepoints"),
					 errdetail("Statement %d of non-transactional revision \"%s\" is transaction control: each of its statements runs and commits on its own.",
							   n, revision)));
		if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->filename == NULL &&
			!((CopyStmt *) stmt)->is_program)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("revision SQL cannot use COPY to or from the client"),
					 errdetail("Statement %d of non-transactional revision \"%s\" is COPY to or from the client.",
							   n, revision),
					 errhint("Load data with INSERT statements, or with COPY from a file on the server.")));
		if ((IsA(stmt, IndexStmt) && ((IndexStmt *) stmt)->concurrent) ||
			IsA(stmt, ReindexStmt))
			*builds_index = true;
	}
	error_context_stack = errcb.previous;
	return n;
}

/*
 * Stop the running worker, if any, and wait until it has exited (its
 * transaction rolled back, its locks released).  Called while an error is
 * being handled: interrupts are held, so that a second cancel cannot break
 * the wait; the worker, told to terminate, exits at its next interrupt
 * check.
 */
static void
stop_worker(void)
{
	BackgroundWorkerHandle *handle = running_worker;

	if (handle == NULL)
		return;
	running_worker = NULL;
	HOLD_INTERRUPTS();
	TerminateBackgroundWorker(handle);
	(void) WaitForBackgroundWorkerShutdown(handle);
	RESUME_INTERRUPTS();
	pfree(handle);
}

/*
 * End of the caller's transaction without having seen the worker end (the
 * caller exits on a FATAL error, or its transaction is aborted by something
 * PG_CATCH did not see): tell the worker to terminate.  No waiting here.
 */
static void
nontx_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if ((event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT) &&
		running_worker != NULL)
	{
		TerminateBackgroundWorker(running_worker);
		running_worker = NULL;
	}
}

/*
 * Register the worker that runs the segment's revision, and wait until it
 * has started.  A clean error when no worker slot is free.
 */
static BackgroundWorkerHandle *
start_worker(dsm_segment *seg, const char *revision)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	MemoryContext old;
	pid_t		pid;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "schemaver");
	snprintf(worker.bgw_function_name, BGW_MAXLEN,
			 "schemaver_nontx_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN,
			 "schemaver revision %s for PID %d", revision, MyProcPid);
	snprintf(worker.bgw_type, BGW_MAXLEN,
			 "schemaver non-transactional revision");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	/* the handle must outlive the caller's memory contexts until it ends */
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start a background worker for non-transactional revision \"%s\"",
						revision),
				 errdetail("Every slot of max_worker_processes (%d) is in use. Nothing of the revision ran.",
						   max_worker_processes),
				 errhint("A non-transactional revision runs in a background worker of its own: increase max_worker_processes (a restart is needed), or run the migration when fewer workers are busy.")));
	MemoryContextSwitchTo(old);
	running_worker = handle;

	switch (WaitForBackgroundWorkerStartup(handle, &pid))
	{
		case BGWH_STARTED:
		case BGWH_STOPPED:
			/* a worker that stopped already has left its error in the queue */
			break;
		case BGWH_POSTMASTER_DIED:
			ereport(ERROR,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("the server is shutting down")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("could not start a background worker for non-transactional revision \"%s\"",
							revision),
					 errhint("Check max_worker_processes and the server log.")));
	}
	return handle;
}

/*
 * s as it is when it is valid in the database's encoding, else a copy with
 * each byte of an invalid sequence shown as \xNN and each backslash as \\
 * (so that an escape cannot be mistaken for the text).  The worker sends
 * its messages in the database's encoding, unless a revision changed its
 * client_encoding: they are relayed as text of the database's encoding,
 * which must never be invalid.
 */
static char *
valid_text(char *s)
{
	int			len;
	StringInfoData buf;
	int			enc = GetDatabaseEncoding();

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (pg_verifymbstr(s, len, true))
		return s;
	initStringInfo(&buf);
	while (len > 0)
	{
		int			l = pg_encoding_verifymbchar(enc, s, len);

		if (l <= 0)
		{
			appendStringInfo(&buf, "\\x%02x", (unsigned char) *s);
			l = 1;
		}
		else if (l == 1 && *s == '\\')
			appendStringInfoString(&buf, "\\\\");
		else
			appendBinaryStringInfo(&buf, s, l);
		s += l;
		len -= l;
	}
	return buf.data;
}

/* Every text field of a relayed error or notice made valid */
static void
make_valid(ErrorData *edata)
{
	edata->message = valid_text(edata->message);
	edata->detail = valid_text(edata->detail);
	edata->detail_log = valid_text(edata->detail_log);
	edata->hint = valid_text(edata->hint);
	edata->context = valid_text(edata->context);
	edata->schema_name = valid_text(edata->schema_name);
	edata->table_name = valid_text(edata->table_name);
	edata->column_name = valid_text(edata->column_name);
	edata->datatype_name = valid_text(edata->datatype_name);
	edata->constraint_name = valid_text(edata->constraint_name);
	edata->internalquery = valid_text(edata->internalquery);
}

/*
 * Relay what the worker sends until it detaches (it has finished, or
 * failed), then wait until it has exited.  Its NOTICEs are raised here as
 * they come (without this side's error context); its error is raised once
 * it has exited, with this side's error context added.
 */
static void
wait_for_worker(shm_mq_handle *mqh, NontxContext *ctx)
{
	ErrorData  *failure = NULL;
	bool		done = false;

	for (;;)
	{
		Size		nbytes;
		void	   *data;
		StringInfoData msg;
		char		type;

		if (shm_mq_receive(mqh, &nbytes, &data, false) != SHM_MQ_SUCCESS)
			break;
		initStringInfo(&msg);
		appendBinaryStringInfo(&msg, data, nbytes);
		type = pq_getmsgbyte(&msg);
		switch (type)
		{
			case 'E':
			case 'N':
				{
					ErrorData	edata;

					pq_parse_errornotice(&msg, &edata);
					make_valid(&edata);
					if (edata.elevel >= ERROR)
					{
						if (failure == NULL)
						{
							failure = palloc(sizeof(ErrorData));
							memcpy(failure, &edata, sizeof(ErrorData));
						}
					}
					else
					{
						ErrorContextCallback *save = error_context_stack;

						error_context_stack = NULL;
						ThrowErrorData(&edata);
						error_context_stack = save;
					}
				}
				break;
			case NONTX_MSG_STATEMENT:
				ctx->statement = pq_getmsgint(&msg, 4);
				break;
			case NONTX_MSG_DONE:
				done = true;
				break;
			default:
				/* nothing else matters here */
				break;
		}
		pfree(msg.data);
	}

	/* the worker has detached: wait until it is gone */
	if (running_worker != NULL)
	{
		(void) WaitForBackgroundWorkerShutdown(running_worker);
		pfree(running_worker);
		running_worker = NULL;
	}

	if (failure != NULL)
	{
		/* a worker's FATAL (it was terminated) is this side's ERROR */
		failure->elevel = ERROR;
		if (ctx->builds_index && failure->hint == NULL)
			failure->hint = INVALID_INDEX_HINT;
		ThrowErrorData(failure);
	}
	if (!done)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("the background worker running non-transactional revision \"%s\" stopped before it finished",
						ctx->revision),
				 errdetail("It sent no error; the server log may say why.")));
}

/*
 * nontx_run
 *		Run a non-transactional revision's SQL in a background worker and
 *		wait for it; raise its error if it fails.  stepwise: the caller is a
 *		stepwise procedure (or a preview script's non-transactional step),
 *		whose transaction this commits; anything else is refused (the
 *		one-call functions refuse such a plan before running anything, so
 *		this is a last line of defence).
 */
void
nontx_run(const char *revision, const char *operation, const char *sql,
		  const SvDirectives *d, bool stepwise)
{
	NontxContext ctx;
	ErrorContextCallback errcb;
	shm_toc_estimator e;
	Size		gucsize;
	Size		sqlsize = strlen(sql) + 1;
	Size		size;
	dsm_segment *seg;
	shm_toc    *toc;
	NontxShared *shared;
	char	   *sqlspace;
	char	   *gucspace;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	Oid			role;

	if (!stepwise)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("non-transactional revision \"%s\" cannot run in a transaction", revision),
				 errdetail("Its %s SQL begins with \"-- schemaver: transaction=off\".", operation),
				 errhint("Apply it with CALL schemaver_%s_stepwise().", operation)));

	ctx.revision = revision;
	ctx.operation = operation;
	ctx.statement = 0;
	ctx.nstatements = check_statements(revision, operation, sql,
									   &ctx.builds_index);

	if (!xact_callback_registered)
	{
		RegisterXactCallback(nontx_xact_callback, NULL);
		xact_callback_registered = true;
	}

	/*
	 * End the current transaction: while the worker runs, this backend must
	 * hold no snapshot and no lock a concurrent index build waits for.
	 */
	SPI_commit();
	InvalidateCatalogSnapshot();

	/* the segment: who the worker is, the SQL, the settings, the queue */
	gucsize = EstimateGUCStateSpace();
	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, sizeof(NontxShared));
	shm_toc_estimate_chunk(&e, sqlsize);
	shm_toc_estimate_chunk(&e, gucsize);
	shm_toc_estimate_chunk(&e, NONTX_QUEUE_SIZE);
	shm_toc_estimate_keys(&e, 4);
	size = shm_toc_estimate(&e);
	seg = dsm_create(size, 0);
	toc = shm_toc_create(NONTX_MAGIC, dsm_segment_address(seg), size);

	shared = shm_toc_allocate(toc, sizeof(NontxShared));
	memset(shared, 0, sizeof(NontxShared));
	shared->database_id = MyDatabaseId;
	shared->authenticated_user_id = GetAuthenticatedUserId();
	role = GetCurrentRoleId();
	shared->outer_user_id = role;
	shared->outer_is_superuser = superuser_arg(OidIsValid(role) ? role
											   : GetSessionUserId());
	GetUserIdAndSecContext(&shared->current_user_id, &shared->sec_context);
	locktimeout_policy(d, &shared->policy);
	shared->caller_pid = MyProcPid;
	strlcpy(shared->operation, operation, sizeof(shared->operation));
	strlcpy(shared->revision, revision, sizeof(shared->revision));
	shm_toc_insert(toc, NONTX_KEY_FIXED, shared);

	sqlspace = shm_toc_allocate(toc, sqlsize);
	memcpy(sqlspace, sql, sqlsize);
	shm_toc_insert(toc, NONTX_KEY_SQL, sqlspace);

	gucspace = shm_toc_allocate(toc, gucsize);
	SerializeGUCState(gucsize, gucspace);
	shm_toc_insert(toc, NONTX_KEY_GUC, gucspace);

	mq = shm_mq_create(shm_toc_allocate(toc, NONTX_QUEUE_SIZE),
					   NONTX_QUEUE_SIZE);
	shm_toc_insert(toc, NONTX_KEY_QUEUE, mq);
	shm_mq_set_receiver(mq, MyProc);
	mqh = shm_mq_attach(mq, seg, NULL);

	errcb.callback = nontx_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	PG_TRY();
	{
		BackgroundWorkerHandle *handle = start_worker(seg, revision);

		shm_mq_set_handle(mqh, handle);
		wait_for_worker(mqh, &ctx);
	}
	PG_CATCH();
	{
		/* cancelled, or the worker failed: make sure it is gone */
		stop_worker();
		PG_RE_THROW();
	}
	PG_END_TRY();
	error_context_stack = errcb.previous;
	dsm_detach(seg);
}

/*
 * nontx_check_plan
 *		Read the directives of every step of a plan before anything runs: a
 *		bad directive (a catalog row damaged by hand) fails here, and so
 *		does, unless stepwise, a non-transactional revision, which only the
 *		stepwise procedures can run.  The texts are read a batch at a time.
 */
void
nontx_check_plan(SvGraph *graph, SvPlan *plan, SvDirection direction,
				 bool stepwise, const char *funcname)
{
	MemoryContext cxt;
	MemoryContext old;

	if (direction == SV_DIR_STAMP || plan->nsteps == 0)
		return;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "schemaver directives",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	for (int first = 0; first < plan->nsteps; first += 1000)
	{
		int			n = Min(1000, plan->nsteps - first);
		SvStepText *texts = catalog_fetch_steps(graph, plan, first, n);

		for (int i = 0; i < n; i++)
		{
			SvStep	   *step = &plan->steps[first + i];
			const char *id = graph->revs[step->rev].id;
			const char *opname = plan_operation_name(step->op);
			SvDirectives d;

			directives_parse(texts[i].sql, id, opname, &d);
			if (!d.transactional && !stepwise)
				ereport(ERROR,
						(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
						 errmsg("%s cannot apply non-transactional revision \"%s\"",
								funcname, id),
						 errdetail("The %s SQL of revision \"%s\" (step %d of %d) begins with \"-- schemaver: transaction=off\": its statements run one by one, each committed on its own, which only the stepwise procedures can do. Nothing was run.",
								   opname, id, first + i + 1, plan->nsteps),
						 errhint("Apply the plan with CALL schemaver_%s_stepwise() and the same target: it commits after each revision, and runs this one's statements outside any transaction.",
								 opname)));
		}
		MemoryContextReset(cxt);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
