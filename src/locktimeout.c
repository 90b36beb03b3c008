/*-------------------------------------------------------------------------
 *
 * locktimeout.c
 *	  Lock timeouts and retries for revision SQL: the settings
 *	  schemaver.lock_timeout, schemaver.lock_retries and
 *	  schemaver.lock_retry_delay, the per-revision directives that override
 *	  them (directive.c), what the lock a statement waited for was and who
 *	  held it, and the loop that rolls a revision back to its start and
 *	  tries it again.
 *
 * On a busy database the danger of DDL is its lock queue: an ALTER TABLE
 * that waits behind a long query makes every later query on that table
 * wait behind it.  With a lock timeout the DDL leaves the queue after that
 * long, and the queries behind it go on; with retries schemaver rolls the
 * revision back to its start, waits a little (the backoff doubles at each
 * try, is capped at one minute, and is jittered so that two deploys do not
 * retry in step), and runs it again, up to the limit; then a clean error.
 *
 * Each revision runs with its lock_timeout set inside the GUC nest level of
 * the revision (run.c), as a function's SET clause would: it ends with the
 * revision, and a SET lock_timeout in the revision's own SQL wins.  The
 * rollback point is an internal subtransaction around the revision, made
 * only when retries are possible: a subtransaction assigns subtransaction
 * ids as soon as the revision writes, which a run without retries must not
 * pay for.  In the stepwise procedures the rolled-back attempt's
 * transaction is then committed (it holds nothing of the revision any
 * more), so that the backoff is spent holding no lock and no snapshot.
 *
 * PostgreSQL's lock timeout error says neither which lock nor who held it.
 * While a revision runs with a lock timeout, log_lock_waits is on and
 * deadlock_timeout below the timeout (both in the revision's nest level),
 * so that a wait that lasts reaches the server's "process ... still waiting
 * for ..." report; an emit_log_hook recognizes that report by its
 * untranslated message and copies, while the process still waits, the lock
 * it waits for (MyProc->waitLock) and the processes that block it
 * (pg_blocking_pids).  When log_lock_waits was off, those reports are kept
 * out of the server log, as they would have been.  Names are looked up only
 * after the attempt has been rolled back, when the catalog can be read:
 * the NOTICE of a retry and the final error name the relation and describe
 * each holder as pg_stat_activity shows it to the caller; an error without
 * retries (no rollback yet) says the lock as the server log would, with
 * OIDs, and the holders' process ids.
 *
 * src/locktimeout.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "schemaver.h"

/* Most retries and longest delay; directive.c has the same limits */
#define SV_MAX_LOCK_RETRIES 1000
#define SV_MAX_RETRY_DELAY 3600000

/* The backoff never waits longer than this (or lock_retry_delay itself) */
#define SV_RETRY_DELAY_CAP 60000

/* The lowest deadlock_timeout a revision's lock timeout sets (ms) */
#define SV_MIN_DEADLOCK_TIMEOUT 10

/* Most holders a message lists */
#define SV_MAX_HOLDERS 5

/* The settings */
static int	sv_lock_timeout = 0;
static int	sv_lock_retries = 0;
static int	sv_lock_retry_delay = 500;

/*
 * What the log hook saw of the last lock wait of the running statement.
 */
typedef struct LockWaitCapture
{
	bool		armed;			/* a revision with a lock timeout runs */
	bool		quiet;			/* keep lock-wait reports out of the log */
	bool		captured;		/* this statement waited long enough */
	int			timeout;		/* lock_timeout when the revision began */
	LOCKTAG		tag;
	LOCKMODE	mode;
	int			nholders;
	int			holders[SV_MAX_HOLDERS];
} LockWaitCapture;

static LockWaitCapture capture;
static emit_log_hook_type prev_emit_log_hook = NULL;

static void locktimeout_log_hook(ErrorData *edata);
static bool is_lock_wait_report(const char *message_id);
static char *describe_lock(bool catalog_ok);
static char *describe_holders(bool catalog_ok);
static int	backoff_delay(const SvLockPolicy *policy, int retry);
static void backoff_sleep(int ms);
static const char *lock_timeout_message_id(void);
static ErrorData *run_in_subtransaction(void (*fn) (void *arg), void *arg);

/*
 * locktimeout_init
 *		Define the settings and install the log hook (once, from _PG_init).
 */
void
locktimeout_init(void)
{
	DefineCustomIntVariable("schemaver.lock_timeout",
							"lock_timeout for each revision's statements.",
							"Each revision runs with this lock_timeout, which ends with the revision; a statement that waits longer for a lock fails, and other sessions' queries stop queuing behind it.  0 leaves lock_timeout as the session has it.  A \"-- schemaver: lock_timeout=...\" directive of the revision overrides it.",
							&sv_lock_timeout,
							0, 0, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schemaver.lock_retries",
							"How many times a revision that timed out on a lock is tried again.",
							"The revision is rolled back to its start, and tried again after schemaver.lock_retry_delay (doubled at each retry).  Not for non-transactional revisions.",
							&sv_lock_retries,
							0, 0, SV_MAX_LOCK_RETRIES,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schemaver.lock_retry_delay",
							"Wait before the first retry of a revision that timed out on a lock.",
							"Each further retry waits twice as long, at most one minute (or this delay, if longer), less a random part of up to half, so that deploys do not retry in step.",
							&sv_lock_retry_delay,
							500, 0, SV_MAX_RETRY_DELAY,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = locktimeout_log_hook;
}

/*
 * locktimeout_policy
 *		The lock timeout, retries and delay one revision runs with: its
 *		directives, else the settings.
 */
void
locktimeout_policy(const SvDirectives *d, SvLockPolicy *policy)
{
	policy->timeout = d->lock_timeout >= 0 ? d->lock_timeout : sv_lock_timeout;
	policy->retries = d->lock_retries >= 0 ? d->lock_retries : sv_lock_retries;
	policy->delay = d->lock_retry_delay >= 0 ? d->lock_retry_delay
		: sv_lock_retry_delay;
	/* lock_timeout=0 in a directive turns off the setting's timeout */
	policy->set_timeout = d->lock_timeout >= 0 || sv_lock_timeout > 0;
	if (!d->transactional)
		policy->retries = 0;
}

/*
 * locktimeout_apply
 *		Inside the revision's GUC nest level (which the caller made): set
 *		lock_timeout, and make a wait that lasts reach the log hook
 *		(log_lock_waits on, deadlock_timeout below the timeout).  Those
 *		two settings are PGC_SUSET: schemaver sets them for this revision
 *		only, whatever the role.  session: set them for the rest of the
 *		session instead (the worker of a non-transactional revision, whose
 *		session is the revision).
 */
void
locktimeout_apply(const SvLockPolicy *policy, bool session)
{
	GucAction	action = session ? GUC_ACTION_SET : GUC_ACTION_SAVE;
	char		buf[32];
	int			timeout;

	if (policy->set_timeout)
	{
		snprintf(buf, sizeof(buf), "%d", policy->timeout);
		(void) set_config_option("lock_timeout", buf, PGC_USERSET,
								 PGC_S_SESSION, action, true, 0, false);
	}
	timeout = LockTimeout;
	capture.timeout = timeout;
	capture.captured = false;
	if (timeout <= 0)
		return;

	/*
	 * deadlock_timeout at half the lock timeout, never below
	 * SV_MIN_DEADLOCK_TIMEOUT: a role that may not set it (it is PGC_SUSET)
	 * must not make its deadlock checks, which lock the whole lock table,
	 * much more frequent than a sane setting would.  A shorter lock timeout
	 * may then end before the wait is seen, and its error names no lock.
	 */
	capture.quiet = !log_lock_waits;
	if (Max(timeout / 2, SV_MIN_DEADLOCK_TIMEOUT) < DeadlockTimeout)
	{
		snprintf(buf, sizeof(buf), "%d", Max(timeout / 2, SV_MIN_DEADLOCK_TIMEOUT));
		(void) set_config_option("deadlock_timeout", buf, PGC_SUSET,
								 PGC_S_SESSION, action, true, 0, false);
	}
	if (!log_lock_waits)
		(void) set_config_option("log_lock_waits", "on", PGC_SUSET,
								 PGC_S_SESSION, action, true, 0, false);
	capture.armed = true;
}

/*
 * locktimeout_next_statement
 *		A statement of the revision starts: forget the previous one's wait.
 */
void
locktimeout_next_statement(void)
{
	capture.captured = false;
}

/*
 * locktimeout_disarm
 *		The revision's statements are over (or one failed): stop watching
 *		the log, but keep what was seen for the error or the retry.
 */
void
locktimeout_disarm(void)
{
	capture.armed = false;
}

/* The untranslated messages of the lock manager's reports of a long wait */
static bool
is_lock_wait_report(const char *message_id)
{
	static const char *const reports[] = {
		"process %d still waiting for %s on %s after %ld.%03d ms",
		"process %d acquired %s on %s after %ld.%03d ms",
		"process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
		"process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
		"process %d failed to acquire %s on %s after %ld.%03d ms",
	};

	if (message_id == NULL)
		return false;
	for (size_t i = 0; i < lengthof(reports); i++)
		if (strcmp(message_id, reports[i]) == 0)
			return true;
	return false;
}

/*
 * emit_log_hook: copy the lock this process still waits for and who blocks
 * it, from the server's own report of the wait.  It runs inside the lock
 * manager's wait loop, which holds no lightweight lock then; it reads only
 * shared memory (its own wait, pg_blocking_pids), never the catalog.
 */
static void
locktimeout_log_hook(ErrorData *edata)
{
	if (capture.armed && edata->elevel == LOG &&
		is_lock_wait_report(edata->message_id))
	{
		if (strcmp(edata->message_id,
				   "process %d still waiting for %s on %s after %ld.%03d ms") == 0 &&
			MyProc != NULL && MyProc->waitLock != NULL &&
			TopTransactionContext != NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
			Datum		pids;
			ArrayType  *arr;
			int32	   *elems;
			int			n;

			capture.tag = MyProc->waitLock->tag;
			capture.mode = MyProc->waitLockMode;
			pids = DirectFunctionCall1(pg_blocking_pids,
									   Int32GetDatum(MyProcPid));
			arr = DatumGetArrayTypeP(pids);
			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
			elems = (int32 *) ARR_DATA_PTR(arr);
			capture.nholders = Min(n, SV_MAX_HOLDERS);
			for (int i = 0; i < capture.nholders; i++)
				capture.holders[i] = elems[i];
			pfree(arr);
			capture.captured = true;
			MemoryContextSwitchTo(old);
		}
		if (capture.quiet)
			edata->output_to_server = false;
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * The lock of the last captured wait: "AccessExclusiveLock on relation
 * "public.t"" when the catalog can be read (and the object still exists),
 * else as the server log says it ("... on relation 16385 of database 5").
 */
static char *
describe_lock(bool catalog_ok)
{
	LOCKTAG    *tag = &capture.tag;
	const char *mode = GetLockmodeName(tag->locktag_lockmethodid, capture.mode);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s on ", mode);
	if (catalog_ok && (tag->locktag_type == LOCKTAG_RELATION ||
					   tag->locktag_type == LOCKTAG_TUPLE) &&
		tag->locktag_field1 == MyDatabaseId)
	{
		char	   *rel = get_rel_name(tag->locktag_field2);
		char	   *nsp = rel ? get_namespace_name(get_rel_namespace(tag->locktag_field2)) : NULL;

		if (rel && nsp)
		{
			if (tag->locktag_type == LOCKTAG_TUPLE)
				appendStringInfo(&buf, "tuple (%u,%u) of ",
								 tag->locktag_field3, tag->locktag_field4);
			appendStringInfo(&buf, "relation \"%s\"",
							 sv_printable(quote_qualified_identifier(nsp, rel)));
			return buf.data;
		}
	}
	if (catalog_ok && tag->locktag_type == LOCKTAG_OBJECT &&
		tag->locktag_field1 == MyDatabaseId)
	{
		ObjectAddress addr;
		char	   *desc;

		addr.classId = tag->locktag_field2;
		addr.objectId = tag->locktag_field3;
		addr.objectSubId = tag->locktag_field4;
		desc = getObjectDescription(&addr, true);
		if (desc)
		{
			appendStringInfoString(&buf, sv_printable(desc));
			return buf.data;
		}
	}
	DescribeLockTag(&buf, tag);
	return buf.data;
}

/*
 * The processes that blocked the last captured wait: "process 123 (role
 * "app", application "report", idle in transaction since ...)" as
 * pg_stat_activity shows them to the caller when the catalog can be read,
 * else their process ids.  NULL when none was seen.
 */
static char *
describe_holders(bool catalog_ok)
{
	static const char *sql =
		"SELECT a.pid, a.usename, a.application_name, a.state,"
		" COALESCE(a.xact_start, a.query_start)"
		" FROM pg_catalog.pg_stat_activity a"
		" WHERE a.pid OPERATOR(pg_catalog.=) $1";
	MemoryContext cxt = CurrentMemoryContext;
	StringInfoData buf;

	if (capture.nholders == 0)
		return NULL;
	initStringInfo(&buf);
	if (catalog_ok && SPI_connect() != SPI_OK_CONNECT)
		catalog_ok = false;
	for (int i = 0; i < capture.nholders; i++)
	{
		Oid			types[1] = {INT4OID};
		Datum		values[1];
		bool		found = false;

		if (i > 0)
			appendStringInfoString(&buf, ", ");
		values[0] = Int32GetDatum(capture.holders[i]);
		if (catalog_ok &&
			SPI_execute_with_args(sql, 1, types, values, NULL, true, 1) == SPI_OK_SELECT &&
			SPI_processed == 1)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			char	   *role = SPI_getvalue(tup, desc, 2);
			char	   *app = SPI_getvalue(tup, desc, 3);
			char	   *state = SPI_getvalue(tup, desc, 4);
			char	   *since = SPI_getvalue(tup, desc, 5);
			MemoryContext old = MemoryContextSwitchTo(cxt);

			appendStringInfo(&buf, "process %d", capture.holders[i]);
			if (role)
				appendStringInfo(&buf, " (role \"%s\", application \"%s\"%s%s%s%s)",
								 sv_printable(role), app ? sv_printable(app) : "",
								 state ? ", " : "", state ? sv_printable(state) : "",
								 since ? " since " : "", since ? since : "");
			MemoryContextSwitchTo(old);
			found = true;
		}
		if (!found)
			appendStringInfo(&buf, "process %d", capture.holders[i]);
	}
	if (catalog_ok)
		SPI_finish();
	return buf.data;
}

/* The untranslated message of PostgreSQL's lock timeout error */
static const char *
lock_timeout_message_id(void)
{
	return "canceling statement due to lock timeout";
}

/*
 * locktimeout_rethrow
 *		In PG_CATCH of a revision's statements run without retries: if the
 *		error is a lock timeout whose wait was seen, add which lock it was
 *		and who held it (the server's error says neither) and a hint, and
 *		throw it again; otherwise throw it again as it is.  No catalog
 *		access here: the failed statement has not been cleaned up yet.
 */
void
locktimeout_rethrow(MemoryContext cxt, int statement)
{
	ErrorData  *edata;
	MemoryContext errcxt = MemoryContextSwitchTo(cxt);
	char	   *holders;

	edata = CopyErrorData();
	MemoryContextSwitchTo(errcxt);
	if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE ||
		edata->message_id == NULL ||
		strcmp(edata->message_id, lock_timeout_message_id()) != 0 ||
		!capture.captured || edata->detail != NULL)
		PG_RE_THROW();
	FlushErrorState();

	MemoryContextSwitchTo(cxt);
	holders = describe_holders(false);
	edata->detail = psprintf("Statement %d waited %d ms for %s%s%s.",
							 statement, capture.timeout, describe_lock(false),
							 holders ? ", held by " : "",
							 holders ? holders : "");
	if (edata->hint == NULL)
		edata->hint = pstrdup("Try again when the holder is done, or let schemaver roll the revision back and try again by itself: set schemaver.lock_retries, or write \"-- schemaver: lock_retries=N\" at the top of the revision's SQL.");
	ReThrowError(edata);
}

/*
 * The wait before retry number retry (1, 2, ...): lock_retry_delay doubled
 * at each retry, at most SV_RETRY_DELAY_CAP (or the delay itself, if
 * longer), then a random part of up to half of it taken away.
 */
static int
backoff_delay(const SvLockPolicy *policy, int retry)
{
	int64		delay = policy->delay;
	int64		cap = Max(policy->delay, SV_RETRY_DELAY_CAP);

	for (int i = 1; i < retry && delay < cap; i++)
		delay *= 2;
	delay = Min(delay, cap);
	return (int) (delay - (int64) (pg_prng_double(&pg_global_prng_state) * (delay / 2)));
}

/* Sleep ms milliseconds; a cancel or a shutdown ends it with an error */
static void
backoff_sleep(int ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Run fn(arg) in an internal subtransaction: NULL when it succeeded (the
 * subtransaction is released into its parent), else its error, after the
 * subtransaction has been rolled back.
 */
static ErrorData *
run_in_subtransaction(void (*fn) (void *arg), void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return edata;
}

/*
 * locktimeout_run_retrying
 *		Run a revision (fn(arg), which runs its statements and reports the
 *		number of the running statement in *statement) in an internal
 *		subtransaction; when a statement fails for want of a lock (55P03),
 *		roll the revision back to its start, say which lock it waited for
 *		and who held it, wait the backoff and run it again, at most
 *		policy->retries more times; then fail with a clean error.  Any other
 *		error rolls the subtransaction back and is thrown again as it is.
 *
 * stepwise: the caller is a stepwise procedure; the transaction of a
 * rolled-back attempt is committed before the backoff (nothing of the
 * revision is in it any more), so that the wait holds no lock or snapshot.
 */
void
locktimeout_run_retrying(const char *revision, const char *operation,
						 const SvLockPolicy *policy, bool stepwise,
						 void (*fn) (void *arg), void *arg, int *statement)
{
	int			attempts = policy->retries + 1;

	for (int attempt = 1;; attempt++)
	{
		ErrorData  *edata = NULL;
		char	   *lock;
		char	   *holders;
		char	   *what;

		edata = run_in_subtransaction(fn, arg);
		if (edata == NULL)
			return;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);

		/* what it waited for: the capture, or the server's own words */
		if (edata->message_id != NULL &&
			strcmp(edata->message_id, lock_timeout_message_id()) == 0 &&
			capture.captured)
		{
			lock = describe_lock(true);
			holders = describe_holders(true);
			what = psprintf("could not get %s", lock);
		}
		else
		{
			lock = NULL;
			holders = NULL;
			what = psprintf("failed on a lock (%s)", edata->message);
		}

		if (attempt >= attempts)
		{
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("revision \"%s\" %s in %d attempt%s",
							revision, what, attempts, attempts == 1 ? "" : "s"),
					 lock ?
					 errdetail("Each attempt waited up to %d ms (lock_timeout), at statement %d of the %s SQL; %s%s.",
							   capture.timeout, *statement, operation,
							   holders ? "the last time it was held by " : "no holder was seen",
							   holders ? holders : "") :
					 errdetail("Statement %d of the %s SQL failed so in each attempt.",
							   *statement, operation),
					 errhint("Run the migration again when the lock is free, or allow more: schemaver.lock_retries, schemaver.lock_timeout, or a \"-- schemaver: lock_retries=N lock_timeout=...\" line at the top of the revision's SQL.")));
		}

		{
			int			delay = backoff_delay(policy, attempt);

			ereport(NOTICE,
					(errmsg("revision \"%s\" %s (attempt %d of %d); rolled back to its start, trying again in %d ms",
							revision, what, attempt, attempts, delay),
					 lock ?
					 errdetail("Statement %d of the %s SQL waited %d ms; %s%s.",
							   *statement, operation, capture.timeout,
							   holders ? "it was held by " : "no holder was seen",
							   holders ? holders : "") : 0));
			FreeErrorData(edata);
			if (stepwise)
				SPI_commit();
			backoff_sleep(delay);
		}
	}
}
