-- upgrade, downgrade and stamp: their result rows, their NOTICEs, and what
-- they record in schemaver.version and schemaver.log.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SELECT schemaver_add_revision('a1', NULL, 'CREATE TABLE mv_a (id int)', 'DROP TABLE mv_a', 'create mv_a');
SELECT schemaver_add_revision('a2', 'a1', 'ALTER TABLE mv_a ADD COLUMN name text', 'ALTER TABLE mv_a DROP COLUMN name', 'add a name');
SELECT schemaver_add_revision('a3', 'a2', 'CREATE INDEX mv_a_name ON mv_a (name)', 'DROP INDEX mv_a_name');   -- no message

-- One row and one NOTICE per step; elapsed is a non-negative interval.
SELECT revision, operation, message, elapsed >= interval '0' AS timed
  FROM schemaver_upgrade('head');
SELECT c FROM schemaver_current() c;
-- Nothing to do: no rows, no NOTICE, nothing logged.
SELECT count(*) FROM schemaver.log \gset
SELECT * FROM schemaver_upgrade('head');
SELECT * FROM schemaver_upgrade('a3');
SELECT count(*) = :count AS nothing_logged FROM schemaver.log;

-- downgrade(1) undoes one revision along the current head.
SELECT revision, operation, message FROM schemaver_downgrade(1);
SELECT c FROM schemaver_current() c;
SELECT revision, operation, message FROM schemaver_downgrade(2);
SELECT count(*) AS "c FROM schemaver_current()" FROM schemaver_current();
SELECT to_regclass('mv_a') AS mv_a;
SELECT * FROM schemaver_downgrade('base');   -- at base already: nothing

-- The default target of upgrade is head.
SELECT revision, operation FROM schemaver_upgrade();
SELECT attname FROM pg_attribute WHERE attrelid = 'mv_a'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'mv_a'::regclass;

-- Downgrade to a revision leaves it applied.
SELECT revision, operation FROM schemaver_downgrade('a1');
SELECT c FROM schemaver_current() c;

-- stamp moves the version without running SQL, and logs each change.
SELECT revision, operation, message FROM schemaver_stamp('a3');
SELECT c FROM schemaver_current() c;
SELECT attname FROM pg_attribute WHERE attrelid = 'mv_a'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT revision, operation FROM schemaver_stamp('a1');
SELECT revision, operation FROM schemaver_stamp('base');
SELECT * FROM schemaver_stamp('base');   -- nothing to change
SELECT revision, operation FROM schemaver_stamp('head');
SELECT revision, operation FROM schemaver_stamp('a1');  -- stamp may go down as well

-- The log holds one row per step, in order, with heads before and after,
-- the role, and the checksum that ran (none for a stamp that unapplies).
SELECT revision, operation, heads_before, heads_after,
       performed_by = current_user AS by_me, elapsed >= interval '0' AS timed,
       checksum = (SELECT checksum FROM schemaver.revision r WHERE r.revision = l.revision) AS checksum_ok,
       checksum IS NULL AS no_checksum
  FROM schemaver.log l ORDER BY id;
-- started_at is the clock at each step, in order.
SELECT bool_and(started_at >= prev) AS in_order
  FROM (SELECT started_at, lag(started_at) OVER (ORDER BY id) AS prev FROM schemaver.log) s
 WHERE prev IS NOT NULL;

-- Upgrade and downgrade in the caller's transaction: a ROLLBACK undoes
-- the schema change, the version and the log together.
BEGIN;
SELECT revision, operation FROM schemaver_upgrade('head');
ROLLBACK;
SELECT c FROM schemaver_current() c;
SELECT attname FROM pg_attribute WHERE attrelid = 'mv_a'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

-- Targets that go the wrong way are errors that say what to use instead.
SELECT revision FROM schemaver_upgrade('head');
\set VERBOSITY default
SELECT revision FROM schemaver_upgrade('a2');
SELECT revision FROM schemaver_upgrade('base');
SELECT revision FROM schemaver_downgrade('a1');
SELECT revision FROM schemaver_downgrade(5);
SELECT revision FROM schemaver_downgrade(0);
\set VERBOSITY terse
SELECT stmt, pg_temp.sqlstate_of(stmt) FROM (VALUES
  ($$SELECT schemaver_upgrade(NULL)$$),
  ($$SELECT schemaver_downgrade(NULL::text)$$),
  ($$SELECT schemaver_downgrade(NULL::integer)$$),
  ($$SELECT schemaver_stamp(NULL)$$),
  ($$SELECT schemaver_downgrade(-1)$$),
  ($$SELECT schemaver_downgrade('heads')$$),
  ($$SELECT schemaver_upgrade('')$$),
  ($$SELECT schemaver_stamp('nope')$$)
) AS t(stmt);

-- A stamp replaces the current heads that share the target's lineage,
-- through dependencies as well as parents, as Alembic's stamp does (issue
-- 11): s3, a second root, depends on s2, which is above the target s1, so
-- both go.  a1, on an unrelated branch, stays.
SELECT schemaver_add_revision('s1', NULL, 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('s2', 's1', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('s3', NULL, 'SELECT 1', 'SELECT 1', depends_on => ARRAY['s2']);
SELECT revision, operation FROM schemaver_upgrade('s3');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
SELECT max(id) AS last_log FROM schemaver.log \gset
SELECT revision, operation FROM schemaver_stamp('s1');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
SELECT revision, applied FROM schemaver_history() WHERE revision LIKE 's_' ORDER BY revision;
SELECT revision, operation, heads_before, heads_after
  FROM schemaver.log WHERE id > :last_log ORDER BY id;
-- A dependent of the target itself shares its lineage too: stamping s2
-- from s3 replaces s3 with s2.
SELECT revision, operation FROM schemaver_stamp('s3');
SELECT revision, operation FROM schemaver_stamp('s2');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
SELECT * FROM schemaver_verify();

SELECT count(*) FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
