-- The stepwise procedures: the same walks, committing after each revision.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SELECT schemaver_add_revision('w1', NULL, 'CREATE TABLE sw_one (id int)', 'DROP TABLE sw_one', 'one');
SELECT schemaver_add_revision('w2', 'w1', 'CREATE TABLE sw_two (id int)', 'DROP TABLE sw_two', 'two');
SELECT schemaver_add_revision('w3', 'w2', 'CREATE TABLE sw_three (id int); SELECT 1/0', 'DROP TABLE sw_three', 'three fails');

-- A failure keeps the revisions committed before it, and says so.
CALL schemaver_upgrade_stepwise();
SELECT c FROM schemaver_current() c;
SELECT to_regclass('sw_one') AS one, to_regclass('sw_two') AS two, to_regclass('sw_three') AS three;
SELECT revision, operation FROM schemaver.log ORDER BY id;
-- The session-level lock is released, error or not.
SELECT count(*) AS advisory_locks FROM pg_locks
 WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND classid = 1937139058 AND objid = 1819239275;

-- Fixed, the rest applies; nothing to do is a no-op.
SELECT schemaver_add_revision('w3', 'w2', 'CREATE TABLE sw_three (id int)', 'DROP TABLE sw_three', 'three');
CALL schemaver_upgrade_stepwise('head');
CALL schemaver_upgrade_stepwise('head');
SELECT c FROM schemaver_current() c;

-- Downgrade, to a target and relative.
CALL schemaver_downgrade_stepwise('-1');
CALL schemaver_downgrade_stepwise('base');
SELECT count(*) FROM schemaver_current();
SELECT to_regclass('sw_one') AS one;
SELECT count(*) AS advisory_locks FROM pg_locks
 WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND classid = 1937139058 AND objid = 1819239275;

-- Not inside a transaction block, nor inside a function.
\set VERBOSITY default
BEGIN;
CALL schemaver_upgrade_stepwise();
ROLLBACK;
\set VERBOSITY terse
SELECT pg_temp.sqlstate_of($$CALL schemaver_downgrade_stepwise('base')$$);
-- A DO block outside a transaction block may call it (it may commit).
DO $$ BEGIN CALL schemaver_upgrade_stepwise('w1'); END $$;
SELECT c FROM schemaver_current() c;

-- Bad targets are the same errors as for the one-transaction functions.
CALL schemaver_upgrade_stepwise(NULL);
CALL schemaver_downgrade_stepwise(NULL);
CALL schemaver_upgrade_stepwise('nope');
CALL schemaver_downgrade_stepwise('w3');
SELECT count(*) AS advisory_locks FROM pg_locks
 WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND classid = 1937139058 AND objid = 1819239275;

-- An irreversible revision stops the downgrade before anything runs.
SELECT schemaver_add_revision('w4', 'w3', 'SELECT 1', NULL, 'irreversible');
CALL schemaver_upgrade_stepwise();
CALL schemaver_downgrade_stepwise('w1');
SELECT c FROM schemaver_current() c;

CALL schemaver_downgrade_stepwise('w3');
SELECT revision FROM schemaver_stamp('w3');
CALL schemaver_downgrade_stepwise('base');

-- The context counts what stays committed: none, one, several.
SELECT schemaver_add_revision('w1b', 'w1', 'SELECT 1/0', NULL, 'fails at once', branch_labels => '{b}');
\set VERBOSITY default
CALL schemaver_upgrade_stepwise('w1b');
SELECT count(*) AS applied FROM schemaver_current();
CALL schemaver_upgrade_stepwise('w1');
CALL schemaver_upgrade_stepwise('b@head');
\set VERBOSITY terse
-- leave nothing behind for the tests that follow
CALL schemaver_downgrade_stepwise('base');
SELECT to_regclass('sw_one') AS one;
DROP EXTENSION schemaver;
