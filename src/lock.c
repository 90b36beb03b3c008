/*-------------------------------------------------------------------------
 *
 * lock.c
 *	  schemaver's lock: the one lock that serializes every call that changes
 *	  the catalog or the version, with a wait limit and a word about who
 *	  holds it.
 *
 * It is a heavyweight lock on the schemaver extension object itself (the
 * row of pg_extension), in ExclusiveLock mode, taken from C.  SQL cannot
 * release it (no function releases object locks), and a role without rights
 * cannot hold it: the only ways SQL takes a lock on an extension object are
 * pg_get_object_address() (AccessShareLock, which does not conflict with
 * ours) and DROP, ALTER or COMMENT ON EXTENSION, which need the extension's
 * owner and which a migration should indeed hold up.  (1.0 used an advisory
 * lock on documented keys, which any role could take with
 * pg_advisory_lock() to stop every deploy, and revision SQL could release
 * in the middle of a stepwise walk.)
 *
 * A caller that has to wait waits in the lock manager's queue, so that
 * callers are served in order and the deadlock detector sees the wait, and
 * is told who it waits for (NOTICE) once the wait is longer than
 * deadlock_timeout.  schemaver.lock_wait_timeout (and the
 * session's own lock_timeout, whichever is shorter) limits the wait; then
 * the caller gets a clean error naming the holder.
 *
 * This file is at the bottom: it calls no other file of schemaver.
 *
 * src/lock.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "schemaver.h"

/* schemaver.lock_wait_timeout, in milliseconds; 0 waits as long as needed */
static int	lock_wait_timeout = 0;

static LOCKTAG lock_tag(void);
static char *describe_holder(LOCKTAG *tag);
static bool try_lock_for(LOCKTAG *tag, bool session, int ms);
static void wait_for_lock(LOCKTAG *tag, bool session);

/*
 * lock_init
 *		Define schemaver.lock_wait_timeout (once, from _PG_init).
 */
void
lock_init(void)
{
	DefineCustomIntVariable("schemaver.lock_wait_timeout",
							"Longest time a schemaver call waits for another migration to finish.",
							"A call that changes the catalog or the version (upgrade, downgrade, stamp, registration, a preview script) first takes schemaver's lock; if another session holds it, the call waits at most this long and then fails, naming the holder.  0 waits as long as needed.",
							&lock_wait_timeout,
							0, 0, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
}

/*
 * The tag of schemaver's lock in this database: an object lock on the
 * schemaver row of pg_extension.  Looked up at each call, so that an
 * extension dropped and created again is locked under its new OID by
 * every backend alike.
 */
static LOCKTAG
lock_tag(void)
{
	LOCKTAG		tag;
	Oid			ext = get_extension_oid("schemaver", true);

	if (!OidIsValid(ext))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"schemaver\" is not installed in this database")));
	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, ExtensionRelationId, ext, 0);
	return tag;
}

/*
 * lock_extension_oid
 *		The OID the lock is taken on (for messages and pg_locks queries).
 */
Oid
lock_extension_oid(void)
{
	return lock_tag().locktag_field3;
}

/*
 * "process 123 (role "deploy", application "app") since <time>": the
 * session that holds the lock, as far as pg_locks and pg_stat_activity show
 * it to the caller, or NULL when nobody else holds it any more.  Names are
 * shown with control characters escaped.
 */
static char *
describe_holder(LOCKTAG *tag)
{
	static const char *sql =
		"SELECT l.pid, a.usename, a.application_name,"
		" LEAST(a.xact_start, a.query_start)"
		" FROM pg_catalog.pg_locks l"
		" LEFT JOIN pg_catalog.pg_stat_activity a"
		"  ON a.pid OPERATOR(pg_catalog.=) l.pid"
		" WHERE l.locktype OPERATOR(pg_catalog.=) 'object'"
		"  AND l.database OPERATOR(pg_catalog.=) $1"
		"  AND l.classid OPERATOR(pg_catalog.=) $2"
		"  AND l.objid OPERATOR(pg_catalog.=) $3"
		"  AND l.objsubid OPERATOR(pg_catalog.=) 0"
		"  AND l.granted"
		"  AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()"
		" ORDER BY l.pid LIMIT 1";
	Oid			types[3] = {OIDOID, OIDOID, OIDOID};
	Datum		values[3];
	MemoryContext cxt = CurrentMemoryContext;
	char	   *result = NULL;

	values[0] = ObjectIdGetDatum(tag->locktag_field1);
	values[1] = ObjectIdGetDatum(tag->locktag_field2);
	values[2] = ObjectIdGetDatum(tag->locktag_field3);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 3, types, values, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *pid = SPI_getvalue(tup, desc, 1);
		char	   *role = SPI_getvalue(tup, desc, 2);
		char	   *app = SPI_getvalue(tup, desc, 3);
		char	   *since = SPI_getvalue(tup, desc, 4);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "process %s", pid);
		if (role)
			appendStringInfo(&buf, " (role \"%s\", application \"%s\")",
							 sv_printable(role), app ? sv_printable(app) : "");
		if (since)
			appendStringInfo(&buf, " since %s", since);
		result = buf.data;
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

/*
 * Wait for the lock for at most ms milliseconds (0: as long as it takes),
 * in the lock manager's queue.  Returns whether the lock was granted; a
 * wait that ends at the limit is rolled back in an internal subtransaction,
 * which leaves everything as it was (a transaction-level lock granted in it
 * passes to the transaction when it commits).
 */
static bool
try_lock_for(LOCKTAG *tag, bool session, int ms)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			saved_lock_timeout = LockTimeout;
	volatile bool granted = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	LockTimeout = ms;
	PG_TRY();
	{
		(void) LockAcquire(tag, ExclusiveLock, session, false);
		LockTimeout = saved_lock_timeout;
		ReleaseCurrentSubTransaction();
		granted = true;
	}
	PG_CATCH();
	{
		LockTimeout = saved_lock_timeout;
		if (geterrcode() != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return granted;
}

/*
 * Wait in the lock manager's queue for the lock, at most as long as
 * schemaver.lock_wait_timeout and lock_timeout allow; a wait at the limit
 * becomes an error that names the holder.  A wait longer than
 * deadlock_timeout (1 s by default: the delay after which log_lock_waits
 * logs a lock wait) is announced by a NOTICE that names the holder.
 */
static void
wait_for_lock(LOCKTAG *tag, bool session)
{
	int			limit = lock_wait_timeout;
	int			total;
	char	   *holder;

	if (LockTimeout > 0 && (limit == 0 || LockTimeout < limit))
		limit = LockTimeout;
	total = limit;

	if (limit == 0 || limit > DeadlockTimeout)
	{
		if (try_lock_for(tag, session, DeadlockTimeout))
			return;
		holder = describe_holder(tag);
		if (holder)
			ereport(NOTICE,
					(errmsg("waiting for schemaver's lock, held by %s", holder),
					 errdetail("Another session is migrating this database; this call goes on when it is done.")));
		if (limit > 0)
			limit -= DeadlockTimeout;
	}
	if (!try_lock_for(tag, session, limit))
	{
		holder = describe_holder(tag);
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not get schemaver's lock within %d ms", total),
				 holder ?
				 errdetail("Another migration holds it: %s.", holder) :
				 errdetail("Another migration held it."),
				 errhint("Try again when that migration is done, or wait longer: schemaver.lock_wait_timeout (and lock_timeout, if set) limit the wait.")));
	}
}

/*
 * lock_acquire
 *		Take schemaver's lock, for the rest of the transaction, or (session)
 *		until lock_release_session: the stepwise procedures hold it across
 *		the commits of their walk, and must release it on every way out.
 *		Taking it again while holding it is cheap and harmless.
 */
void
lock_acquire(bool session)
{
	LOCKTAG		tag = lock_tag();

	if (LockAcquire(&tag, ExclusiveLock, session, true) == LOCKACQUIRE_NOT_AVAIL)
		wait_for_lock(&tag, session);
}

/*
 * lock_release_session
 *		Release the session-level lock of lock_acquire(true).
 */
void
lock_release_session(void)
{
	LOCKTAG		tag = lock_tag();

	(void) LockRelease(&tag, ExclusiveLock, true);
}

/*
 * lock_check_held
 *		Make sure the lock is still held, after revision SQL ran: a walk must
 *		never go on without it.  Nothing in SQL can release it, so this
 *		failing would be a bug.
 */
void
lock_check_held(void)
{
	LOCKTAG		tag = lock_tag();

	if (!SV_LOCK_HELD_BY_ME(&tag, ExclusiveLock))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schemaver's lock is no longer held"),
				 errdetail("The lock that serializes migrations was released while a revision ran; the call stops, and its transaction rolls back.")));
}
