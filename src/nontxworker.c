/*-------------------------------------------------------------------------
 *
 * nontxworker.c
 *	  The background worker that runs a non-transactional revision: each
 *	  statement at top level, in a transaction of its own, as a client's
 *	  simple query would run it.  nontx.c starts it and waits.
 *
 * The worker connects to the caller's database as the caller's
 * authenticated user, takes the caller's settings (SerializeGUCState and
 * RestoreGUCState, as parallel workers do), its SET ROLE and its current
 * user, and sends its errors and notices to the caller through a shared
 * memory queue (pq_redirect_to_shm_mq, as parallel workers do).  It does
 * not take the caller's temporary schema: a non-transactional revision
 * cannot see the caller's temporary tables.
 *
 * Each statement is parsed, analyzed, planned and run through a portal with
 * isTopLevel, between StartTransactionCommand and CommitTransactionCommand,
 * under statement_timeout, like exec_simple_query: CREATE INDEX
 * CONCURRENTLY and the like commit and start transactions of their own
 * inside it.  The revision guard applies to every statement (the worker
 * has loaded the library, so the hooks are there); only its refusal of
 * statements that cannot run in a transaction block is off.  The revision's
 * lock timeout is the worker's session setting, which a SET in the
 * revision overrides; messages are sent in the database's encoding (the
 * caller relays them as text of that encoding: nontx.c escapes what is not
 * valid in it, which a revision that sets client_encoding would send).
 *
 * The worker stops at the first error: its transaction is rolled back, the
 * statements before it stay committed, and the error goes to the caller.
 * After the last statement it says so (NONTX_MSG_DONE) and exits.
 *
 * src/nontxworker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/scansup.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/ps_status.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "nontx.h"

PGDLLEXPORT void schemaver_nontx_worker_main(Datum main_arg);

static void run_statement(RawStmt *raw, const char *text);
static void send_int(char type, int value);

/* Send one of our own messages (type and an int32) to the caller */
static void
send_int(char type, int value)
{
	StringInfoData buf;

	pq_beginmessage(&buf, type);
	pq_sendint32(&buf, value);
	pq_endmessage(&buf);
}

/*
 * Run one statement as a top-level simple query: analyze, rewrite, plan,
 * and run it through the unnamed portal with isTopLevel, its output
 * discarded.  The caller has started the transaction.
 */
static void
run_statement(RawStmt *raw, const char *text)
{
	CommandTag	tag = CreateCommandTag(raw->stmt);
	bool		snapshot_set = false;
	List	   *querytrees;
	List	   *plantrees;
	Portal		portal;
	DestReceiver *receiver;
	QueryCompletion qc;
	int16		format = 0;

	set_ps_display(GetCommandTagName(tag));
	if (analyze_requires_snapshot(raw))
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		snapshot_set = true;
	}
	querytrees = pg_analyze_and_rewrite_fixedparams(raw, text, NULL, 0, NULL);
	plantrees = pg_plan_queries(querytrees, text, CURSOR_OPT_PARALLEL_OK,
								NULL);
	if (snapshot_set)
		PopActiveSnapshot();
	CHECK_FOR_INTERRUPTS();

	portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, text, tag, plantrees, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);
	PortalSetResultFormat(portal, 1, &format);
	receiver = CreateDestReceiver(DestNone);
	InitializeQueryCompletion(&qc);
#if PG_VERSION_NUM >= 180000
	(void) PortalRun(portal, FETCH_ALL, true, receiver, receiver, &qc);
#else
	(void) PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, &qc);
#endif
	receiver->rDestroy(receiver);
	PortalDrop(portal, false);
}

/*
 * schemaver_nontx_worker_main
 *		Entry point of the worker (nontx.c names it when it registers it).
 */
void
schemaver_nontx_worker_main(Datum main_arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	NontxShared *shared;
	char	   *sql;
	char	   *gucstate;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	MemoryContext parsecxt;
	MemoryContext stmtcxt;
	List	   *stmts;
	ListCell   *lc;
	SvRevisionErrorContext ctx;
	ErrorContextCallback errcb;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	CurrentMemoryContext = AllocSetContextCreate(TopMemoryContext,
												 "schemaver worker",
												 ALLOCSET_DEFAULT_SIZES);

	/* the segment; until the queue is attached, errors go to the log only */
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the dynamic shared memory segment of a schemaver worker")));
	toc = shm_toc_attach(NONTX_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("invalid magic number in the dynamic shared memory segment of a schemaver worker")));
	shared = shm_toc_lookup(toc, NONTX_KEY_FIXED, false);
	sql = shm_toc_lookup(toc, NONTX_KEY_SQL, false);
	gucstate = shm_toc_lookup(toc, NONTX_KEY_GUC, false);
	mq = shm_toc_lookup(toc, NONTX_KEY_QUEUE, false);
	shm_mq_set_sender(mq, MyProc);
	mqh = shm_mq_attach(mq, seg, NULL);
	pq_redirect_to_shm_mq(seg, mqh);

	/* the caller's database, user, settings and roles */
	BackgroundWorkerInitializeConnectionByOid(shared->database_id,
											  shared->authenticated_user_id,
											  0);
	SetClientEncoding(GetDatabaseEncoding());
	StartTransactionCommand();
	RestoreGUCState(gucstate);
	(void) set_config_option("client_encoding", GetDatabaseEncodingName(),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
							 true, ERROR, false);
	locktimeout_apply(&shared->policy, true);
	CommitTransactionCommand();
	SetCurrentRoleId(shared->outer_user_id, shared->outer_is_superuser);
	SetUserIdAndSecContext(shared->current_user_id, shared->sec_context);

	/* errors name the revision and the statement, as in the caller */
	ctx.revision = shared->revision;
	ctx.operation = shared->operation;
	ctx.sql = sql;
	ctx.statement = 0;
	errcb.callback = run_revision_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	parsecxt = AllocSetContextCreate(TopMemoryContext, "schemaver worker parse",
									 ALLOCSET_DEFAULT_SIZES);
	stmtcxt = AllocSetContextCreate(TopMemoryContext,
									"schemaver worker statement",
									ALLOCSET_DEFAULT_SIZES);
	StartTransactionCommand();
	MemoryContextSwitchTo(parsecxt);
	stmts = pg_parse_query(sql);
	CommitTransactionCommand();
	MemoryContextSwitchTo(stmtcxt);

	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		const char *start = sql + raw->stmt_location;
		int			len = raw->stmt_len > 0 ? raw->stmt_len : (int) strlen(start);
		char	   *text;

		while (len > 0 && scanner_isspace(*start))
		{
			start++;
			len--;
		}
		text = pnstrdup(start, len);
		ctx.statement++;
		send_int(NONTX_MSG_STATEMENT, ctx.statement);

		/* checked by the caller already: never at top level here */
		if (IsA(raw->stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("revision SQL cannot start or end transactions or use savepoints")));

		SetCurrentStatementStartTimestamp();
		debug_query_string = text;
		pgstat_report_activity(STATE_RUNNING, text);
		StartTransactionCommand();
		/* parse analysis and plans outlive transactions a statement ends */
		MemoryContextSwitchTo(stmtcxt);
		if (StatementTimeout > 0)
			enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
		guard_prepare();
		guard_set_toplevel(true);
		guard_enter_revision();
		locktimeout_next_statement();
		PG_TRY();
		{
			run_statement(raw, text);
		}
		PG_CATCH();
		{
			/* a lock timeout: say which lock and who held it */
			locktimeout_rethrow(stmtcxt, ctx.statement);
		}
		PG_END_TRY();
		guard_leave_revision();
		disable_timeout(STATEMENT_TIMEOUT, false);
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
		debug_query_string = NULL;
		MemoryContextSwitchTo(stmtcxt);
		MemoryContextReset(stmtcxt);
	}

	error_context_stack = errcb.previous;
	send_int(NONTX_MSG_DONE, ctx.statement);
	pgstat_report_stat(true);
	dsm_detach(seg);
	proc_exit(0);
}
