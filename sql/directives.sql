-- Per-revision directives: "-- schemaver: key=value ..." lines at the top of
-- a revision's upgrade or downgrade SQL.  Every malformed directive is
-- refused at registration with 22023, naming the revision, the SQL (upgrade
-- or downgrade), the line and the key, and nothing is stored; a catalog row
-- damaged by hand is refused the same way when it is run, before anything
-- runs.  Only the leading comment lines are read.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- registered(rev, upgrade, downgrade): register and report the error with
-- its detail, or 'ok'; and whether the revision is stored.
CREATE FUNCTION pg_temp.registered(rev text, up text, down text DEFAULT NULL)
RETURNS TABLE (result text, detail text, stored boolean)
LANGUAGE plpgsql AS $fn$
BEGIN
    result := 'ok';
    BEGIN
        PERFORM schemaver_add_revision(rev, NULL, up, down);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        result := SQLSTATE || ': ' || SQLERRM;
    END;
    stored := EXISTS (SELECT 1 FROM schemaver.revision r WHERE r.revision = rev);
    RETURN NEXT;
END
$fn$;

-- Every kind of bad directive, in the upgrade SQL.
SELECT c.name, r.*
  FROM (VALUES
    ('unknown key',        E'-- schemaver: transactional=off\nSELECT 1'),
    ('key case',           E'-- schemaver: Transaction=off\nSELECT 1'),
    ('no equals',          E'-- schemaver: transaction\nSELECT 1'),
    ('blank before =',     E'-- schemaver: transaction =off\nSELECT 1'),
    ('empty value',        E'-- schemaver: lock_timeout=\nSELECT 1'),
    ('empty directive',    E'-- schemaver:\nSELECT 1'),
    ('blank directive',    E'-- schemaver:   \nSELECT 1'),
    ('transaction value',  E'-- schemaver: transaction=maybe\nSELECT 1'),
    ('transaction quoted', E'-- schemaver: transaction=''off''\nSELECT 1'),
    ('timeout word',       E'-- schemaver: lock_timeout=fast\nSELECT 1'),
    ('timeout unit',       E'-- schemaver: lock_timeout=2parsecs\nSELECT 1'),
    ('timeout negative',   E'-- schemaver: lock_timeout=-1s\nSELECT 1'),
    ('timeout too long',   E'-- schemaver: lock_timeout=9999999h\nSELECT 1'),
    ('retries word',       E'-- schemaver: lock_retries=many\nSELECT 1'),
    ('retries negative',   E'-- schemaver: lock_retries=-1\nSELECT 1'),
    ('retries too many',   E'-- schemaver: lock_retries=1001\nSELECT 1'),
    ('retries unit',       E'-- schemaver: lock_retries=3s\nSELECT 1'),
    ('delay too long',     E'-- schemaver: lock_retry_delay=2h\nSELECT 1'),
    ('delay word',         E'-- schemaver: lock_retry_delay=soon\nSELECT 1'),
    ('twice on a line',    E'-- schemaver: lock_timeout=1s lock_timeout=2s\nSELECT 1'),
    ('twice on two lines', E'-- schemaver: transaction=off\n-- schemaver: transaction=on\nSELECT 1'),
    ('retries with off',   E'-- schemaver: transaction=off\n-- schemaver: lock_retries=2\nSELECT 1'),
    ('third line',         E'\n-- a plain comment\n-- schemaver: lock_timeout=1s nonsense\nSELECT 1'),
    ('control character',  E'-- schemaver: lock_timeout=1\u001b[2Js\nSELECT 1'),
    ('CR LF lines',        E'-- schemaver: lock_timeout=1s\r\n-- schemaver: lock_retries=x\r\nSELECT 1')
  ) AS c(name, up),
  LATERAL pg_temp.registered('dir_bad', c.up) r
 ORDER BY c.name;

-- The downgrade SQL is read on its own, and named in the error.
SELECT * FROM pg_temp.registered('dir_bad_down', 'SELECT 1',
    E'-- schemaver: transaction=off\n-- schemaver: lock_timeot=1s\nSELECT 1');

-- The whole error of one of them, as psql shows it.
SELECT schemaver_add_revision('dir_bad', NULL, E'-- schemaver: lock_retries=3 lock_retry_delay=1 colour=blue\nSELECT 1');

-- Good directives, and lines that are not directives.
SELECT c.name, r.*
  FROM (VALUES
    ('all keys',           E'-- schemaver: transaction=on lock_timeout=2s lock_retries=3 lock_retry_delay=250ms\nSELECT 1'),
    ('several lines',      E'-- schemaver: lock_timeout=500\n-- schemaver: lock_retries=0\nSELECT 1'),
    ('indented, blanks',   E'\n\n    --   schemaver:\tlock_timeout=1min   lock_retries=1000  \n  SELECT 1'),
    ('no blank after --',  E'--schemaver: transaction=off\nSELECT 1'),
    ('off, no retries',    E'-- schemaver: transaction=false lock_retries=0\nSELECT 1'),
    ('lint lines',         E'-- schemaver: lint-ignore adding-volatile-default\n-- schemaver:lint-ignore anything at all\nSELECT 1'),
    ('other comments',     E'-- Schemaver: colour=blue\n-- schemaver colour=blue\n-- about schemaver: colour=blue\nSELECT 1'),
    ('after a statement',  E'SELECT 1;\n-- schemaver: colour=blue\nSELECT 2'),
    ('after a block comment', E'/* header */\n-- schemaver: colour=blue\nSELECT 1'),
    ('in a string',        E'SELECT ''\n-- schemaver: colour=blue\n'''),
    ('CR LF',              E'-- schemaver: lock_timeout=1s\r\n-- schemaver: lock_retries=2\r\nSELECT 1')
  ) AS c(name, up),
  LATERAL pg_temp.registered('dir_ok_' || md5(c.name), c.up) r
 ORDER BY c.name;

-- Directives are part of the content: changing one changes the checksum,
-- like any other change of the SQL.
SELECT schemaver_add_revision('dir_sum', NULL, E'-- schemaver: lock_timeout=1s\nSELECT 1') AS first;
SELECT checksum AS sum1 FROM schemaver.revision WHERE revision = 'dir_sum' \gset
SELECT schemaver_add_revision('dir_sum', NULL, E'-- schemaver: lock_timeout=2s\nSELECT 1') AS changed;
SELECT checksum <> :'sum1' AS checksum_changed FROM schemaver.revision WHERE revision = 'dir_sum';

-- A row damaged by hand is refused when it is run, by the one-call
-- functions and the stepwise procedures alike, before anything runs (no
-- NOTICE, no log row, the version unchanged).
DELETE FROM schemaver.revision WHERE revision LIKE 'dir_%';
SELECT schemaver_add_revision('dir_run1', NULL, 'CREATE TABLE public.dir_t1 ()', 'DROP TABLE public.dir_t1');
SELECT schemaver_add_revision('dir_run2', 'dir_run1', 'SELECT 1', 'SELECT 1');
UPDATE schemaver.revision SET upgrade_sql = E'-- schemaver: lock_timeout=fast\nSELECT 1'
 WHERE revision = 'dir_run2';
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT * FROM schemaver_upgrade('head');
CALL schemaver_upgrade_stepwise('head');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged,
       to_regclass('public.dir_t1') IS NULL AS nothing_ran;
-- the downgrade SQL of an applied revision, likewise
UPDATE schemaver.revision SET upgrade_sql = 'SELECT 1' WHERE revision = 'dir_run2';
SELECT revision FROM schemaver_upgrade('head');
UPDATE schemaver.revision SET downgrade_sql = E'-- schemaver: transaction=off lock_retries=1\nSELECT 1'
 WHERE revision = 'dir_run2';
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT * FROM schemaver_downgrade('base');
CALL schemaver_downgrade_stepwise('base');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged,
       to_regclass('public.dir_t1') IS NOT NULL AS nothing_ran;
-- a stamp runs no SQL, and reads no directive
SELECT revision, operation FROM schemaver_stamp('base');
SELECT 1 AS session_usable;

-- Clean up.
DROP TABLE public.dir_t1;
DROP EXTENSION schemaver;
