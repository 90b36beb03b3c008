-- The settings schemaver.lock_timeout, schemaver.lock_retries and
-- schemaver.lock_retry_delay, and the directives that override them: each
-- revision runs with that lock_timeout inside its own settings scope (it ends
-- with the revision, and the revision's own SET wins), with log_lock_waits
-- on and deadlock_timeout below the timeout so that a long wait can be named.
-- With retries and no contention a revision runs once, and its errors are
-- its own.  (Contention: test/isolation/specs/lock_timeout_*.spec.)
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- Defaults, and values that are refused.
SHOW schemaver.lock_timeout;
SHOW schemaver.lock_retries;
SHOW schemaver.lock_retry_delay;
-- (PostgreSQL 16 and later give the range's unit: "(0 ms .. 3600000 ms)")
SELECT pg_temp.sqlstate_of($$SET schemaver.lock_timeout = 'soon'$$);
SELECT regexp_replace(pg_temp.sqlstate_of($$SET schemaver.lock_timeout = '-1'$$), ' ms( \.\.|\))', '\1', 'g') AS sqlstate_of;
SELECT pg_temp.sqlstate_of($$SET schemaver.lock_retries = -1$$);
SELECT pg_temp.sqlstate_of($$SET schemaver.lock_retries = 1001$$);
SELECT regexp_replace(pg_temp.sqlstate_of($$SET schemaver.lock_retry_delay = '2h'$$), ' ms( \.\.|\))', '\1', 'g') AS sqlstate_of;
SELECT pg_temp.sqlstate_of($$SET schemaver.lock_timeout = '1.5s'$$);
SHOW schemaver.lock_timeout;
RESET schemaver.lock_timeout;

-- What each revision sees: it records its settings in ls_seen.
CREATE TABLE public.ls_seen (n serial, rev text, lock_timeout text,
                             deadlock_timeout text, log_lock_waits text);
CREATE FUNCTION pg_temp.rev(id text, parent text, directives text DEFAULT '',
                            extra text DEFAULT '')
RETURNS text LANGUAGE sql AS $fn$
    SELECT schemaver_add_revision(id, parent,
        directives || format($s$
INSERT INTO public.ls_seen (rev, lock_timeout, deadlock_timeout, log_lock_waits)
SELECT %L, current_setting('lock_timeout'), current_setting('deadlock_timeout'),
       current_setting('log_lock_waits');
%s$s$, id, extra), 'SELECT 1')
$fn$;
SELECT pg_temp.rev('ls1', NULL);
SELECT pg_temp.rev('ls2', 'ls1');
SELECT pg_temp.rev('ls3', 'ls2', E'-- schemaver: lock_timeout=5s\n');
SELECT pg_temp.rev('ls4', 'ls3', E'-- schemaver: lock_timeout=0\n');
SELECT pg_temp.rev('ls5', 'ls4', '',
    $x$SET lock_timeout = '7s';
INSERT INTO public.ls_seen (rev, lock_timeout) SELECT 'ls5 after its SET', current_setting('lock_timeout');$x$);
SELECT pg_temp.rev('ls6', 'ls5');
SELECT pg_temp.rev('ls7', 'ls6');

-- schemaver.lock_timeout off: the caller's lock_timeout is untouched.
SELECT revision FROM schemaver_upgrade('ls1');
-- set: each revision runs with it; a directive overrides it (lock_timeout=0
-- turns it off); the revision's own SET wins; it all ends with the revision.
SET lock_timeout = '42s';
SET schemaver.lock_timeout = '300ms';
SELECT revision FROM schemaver_upgrade('ls5');
SHOW lock_timeout;
SHOW deadlock_timeout;
SHOW log_lock_waits;
-- off again, with a lock_timeout of the caller's: that one applies, and the
-- lock it waits for can still be named
RESET schemaver.lock_timeout;
SELECT revision FROM schemaver_upgrade('ls6');
-- a timeout longer than twice deadlock_timeout leaves deadlock_timeout alone
RESET lock_timeout;
SET schemaver.lock_timeout = '10s';
CALL schemaver_upgrade_stepwise('ls7');
SELECT n, rev, lock_timeout, deadlock_timeout, log_lock_waits FROM public.ls_seen ORDER BY n;
SHOW lock_timeout;
SHOW log_lock_waits;
RESET schemaver.lock_timeout;

-- With retries possible and no contention, each revision runs once, in a
-- subtransaction; the call, its result and its errors are as without.
SELECT revision FROM schemaver_downgrade('base');
CREATE SEQUENCE public.ls_runs;
SELECT schemaver_add_revision('lr1', NULL,
    $$SELECT nextval('public.ls_runs'); CREATE TABLE public.lr1_t (id int)$$,
    'DROP TABLE public.lr1_t');
SELECT schemaver_add_revision('lr2', 'lr1',
    $$SELECT nextval('public.ls_runs'); INSERT INTO public.lr1_t VALUES (1)$$,
    'DELETE FROM public.lr1_t');
SELECT schemaver_add_revision('lr3', 'lr2',
    $$SELECT nextval('public.ls_runs'); CREATE TABLE public.lr3_t (); SELECT 1 / 0$$,
    'DROP TABLE public.lr3_t');
SET schemaver.lock_retries = 3;
SET schemaver.lock_timeout = '1s';
SELECT revision, operation FROM schemaver_upgrade('lr2');
SELECT last_value AS runs FROM public.ls_runs;
-- an error that is not about a lock is not retried, and keeps its SQLSTATE
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT * FROM schemaver_upgrade('lr3');
SELECT last_value AS runs, pg_temp.catalog_state() = :'before_state' AS unchanged,
       to_regclass('public.lr3_t') IS NULL AS lr3_rolled_back
  FROM public.ls_runs;
-- inside the caller's own savepoints and exception blocks, too
BEGIN;
SAVEPOINT s1;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('lr3')$$);
SELECT revision FROM schemaver_downgrade('lr1');
ROLLBACK TO SAVEPOINT s1;
SELECT * FROM schemaver_current();
COMMIT;
-- and with a directive, stepwise
SELECT schemaver_add_revision('lr3', 'lr2',
    E'-- schemaver: lock_retries=2 lock_retry_delay=10ms\nSELECT nextval(''public.ls_runs''); CREATE TABLE public.lr3_t ()',
    'DROP TABLE public.lr3_t');
RESET schemaver.lock_retries;
CALL schemaver_upgrade_stepwise('lr3');
SELECT last_value AS runs FROM public.ls_runs;
SELECT * FROM schemaver_current();
SELECT 1 AS session_usable;

-- Clean up.
RESET schemaver.lock_timeout;
SELECT revision FROM schemaver_downgrade('base');
DROP SEQUENCE public.ls_runs;
DROP TABLE public.ls_seen;
DROP EXTENSION schemaver;
