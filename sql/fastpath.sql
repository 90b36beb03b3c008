-- schemaver_upgrade('head') with nothing to do, in a new session, answers
-- from the heads stored in schemaver.graph_heads without reading the
-- revisions; the trigger on schemaver.revision empties them at every change,
-- and anything the fast path is not sure about goes the slow way.
CREATE EXTENSION schemaver;
SET client_min_messages = warning;

-- fp.upgrade(target) upgrades and says how many steps it ran and whether it
-- read schemaver.revision: not when it answered from the stored heads or
-- from the session's cached graph, yes when it loaded the graph.
-- (The backend's scan counter is cumulative until its statistics are
-- flushed, so the difference is taken within one transaction.  In a schema
-- of its own: \c ends the session, and pg_temp with it.)
CREATE SCHEMA fp;
CREATE FUNCTION fp.upgrade(target text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before bigint := pg_stat_get_xact_numscans('schemaver.revision'::regclass);
    steps bigint;
BEGIN
    SELECT count(*) INTO steps FROM schemaver_upgrade(target);
    RETURN format('steps=%s read_revisions=%s', steps,
                  pg_stat_get_xact_numscans('schemaver.revision'::regclass) > before);
END
$$;

SELECT schemaver_add_revision('f1', NULL, 'CREATE TABLE fp.t1 (id int)', 'DROP TABLE fp.t1');
SELECT schemaver_add_revision('f2', 'f1', 'CREATE TABLE fp.t2 (id int)', 'DROP TABLE fp.t2');

-- Registering stores nothing; the first upgrade loads the graph and stores
-- its heads.
SELECT * FROM schemaver.graph_heads;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT heads FROM schemaver.graph_heads;

-- A new session at head: nothing to do, and the revisions are not read.
\c
SET client_min_messages = warning;
SELECT fp.upgrade('head');
-- The same for 'heads'.
\c
SELECT fp.upgrade('heads');
-- Another target goes the slow way (the revisions are read).
\c
SELECT fp.upgrade('f2');
-- A session whose graph is cached already plans from it.
SELECT fp.upgrade('head');
-- The stepwise procedure has the fast path too: nothing logged.
\c
SELECT count(*) AS log_rows FROM schemaver.log;
CALL schemaver_upgrade_stepwise();
SELECT count(*) AS log_rows FROM schemaver.log;

-- Below head: the stored heads are not the version, so the upgrade loads
-- the graph and applies what is missing (one step).
SET client_min_messages = warning;
SELECT revision, operation FROM schemaver_downgrade(1);
\c
SET client_min_messages = warning;
SELECT fp.upgrade('head');

-- Registering empties the stored heads at once, in the registering
-- transaction; the next upgrade, from a new session, applies the new
-- revision and stores the new heads.
BEGIN;
SELECT schemaver_add_revision('f3', 'f2', 'CREATE TABLE fp.t3 (id int)', 'DROP TABLE fp.t3');
SELECT count(*) AS stored FROM schemaver.graph_heads;
COMMIT;
\c
SET client_min_messages = warning;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT heads FROM schemaver.graph_heads;

-- A registration rolled back to a savepoint, then another in the same
-- transaction: the second one forgets the heads again (the rollback brought
-- them back).
BEGIN;
SAVEPOINT s;
SELECT schemaver_add_revision('f4', 'f3', 'SELECT 1');
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS stored FROM schemaver.graph_heads;
SELECT schemaver_add_revision('f5', 'f3', 'SELECT 1', 'SELECT 1');
COMMIT;
SELECT count(*) AS stored FROM schemaver.graph_heads;
\c
SET client_min_messages = warning;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT heads FROM schemaver.graph_heads;

-- A change by hand forgets them too, even with triggers off for replication.
SET session_replication_role = replica;
UPDATE schemaver.revision SET message = message WHERE false;
RESET session_replication_role;
SELECT count(*) AS stored FROM schemaver.graph_heads;
SELECT count(*) AS steps FROM schemaver_upgrade('head');
SELECT heads FROM schemaver.graph_heads;

-- Two heads: 'heads' answers from the stored heads; 'head' still refuses,
-- as the slow path does.
SELECT schemaver_add_revision('g1', 'f5', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('g2', 'f5', 'SELECT 1', 'SELECT 1');
SELECT revision, operation FROM schemaver_upgrade('heads') ORDER BY revision;
SELECT heads FROM schemaver.graph_heads;
\c
SELECT fp.upgrade('heads');
\c
\set VERBOSITY terse
SELECT count(*) FROM schemaver_upgrade('head');
\set VERBOSITY default

-- Stamps and downgrades store the heads too, when none are stored.
SET client_min_messages = warning;
SELECT schemaver_add_revision('m1', ARRAY['g1', 'g2'], '', '');
SELECT count(*) AS stored FROM schemaver.graph_heads;
SELECT revision, operation FROM schemaver_stamp('m1');
SELECT heads FROM schemaver.graph_heads;

-- A read-only transaction goes the slow way when no heads are stored, and
-- stores none.  (Emptying the table by hand is always safe: it is rebuilt.)
DELETE FROM schemaver.graph_heads;
\c
BEGIN READ ONLY;
SELECT fp.upgrade('head');
COMMIT;
SELECT count(*) AS stored FROM schemaver.graph_heads;
-- The session's graph is cached now: the next upgrade plans from it, and
-- stores the heads it finds missing.
SELECT fp.upgrade('head');
SELECT heads FROM schemaver.graph_heads;
\c
SELECT fp.upgrade('head');

-- A role with rights on schemaver.revision, version, log and applied only
-- (none on graph_heads) registers and upgrades: the trigger and the fast
-- path work on graph_heads as its owner.
CREATE ROLE regress_sv_fp_migrator;
-- (SET SESSION AUTHORIZATION right after \c: a new backend, no cached graph)
GRANT USAGE ON SCHEMA schemaver, fp TO regress_sv_fp_migrator;
GRANT CREATE ON SCHEMA fp TO regress_sv_fp_migrator;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON schemaver.revision, schemaver.version, schemaver.log, schemaver.applied
    TO regress_sv_fp_migrator;
GRANT USAGE ON SEQUENCE schemaver.log_id_seq TO regress_sv_fp_migrator;
GRANT EXECUTE ON FUNCTION
    schemaver_add_revision(text, text, text, text, text, text[], text[]),
    schemaver_upgrade(text)
    TO regress_sv_fp_migrator;
GRANT EXECUTE ON FUNCTION fp.upgrade(text) TO regress_sv_fp_migrator;
\c
SET SESSION AUTHORIZATION regress_sv_fp_migrator;
SET client_min_messages = warning;
SELECT fp.upgrade('head');
SELECT schemaver_add_revision('h1', 'm1', 'CREATE TABLE fp.th1 (id int)', 'DROP TABLE fp.th1');
SELECT revision, operation FROM schemaver_upgrade('head');
\c
SET SESSION AUTHORIZATION regress_sv_fp_migrator;
SELECT fp.upgrade('head');
RESET SESSION AUTHORIZATION;
SELECT heads FROM schemaver.graph_heads;

-- Without SELECT on schemaver.revision an upgrade is refused, though the
-- stored heads alone would answer.
REVOKE SELECT ON schemaver.revision FROM regress_sv_fp_migrator;
\c
SET SESSION AUTHORIZATION regress_sv_fp_migrator;
\set VERBOSITY terse
SELECT count(*) FROM schemaver_upgrade('head');
\set VERBOSITY default
RESET SESSION AUTHORIZATION;
SET client_min_messages = warning;

-- Stored heads can only be wrong after a change made with the trigger
-- disabled: schemaver_verify reports them, an upgrade to head trusts them
-- until they are emptied.
ALTER TABLE schemaver.revision DISABLE TRIGGER invalidate_graph;
SELECT schemaver_add_revision('n1', 'h1', 'CREATE TABLE fp.tn1 (id int)', 'DROP TABLE fp.tn1');
ALTER TABLE schemaver.revision ENABLE ALWAYS TRIGGER invalidate_graph;
SELECT * FROM schemaver_verify();
\c
SET client_min_messages = warning;
SELECT fp.upgrade('head');
DELETE FROM schemaver.graph_heads;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT * FROM schemaver_verify();

-- Not dumped: it is a cache, not part of the migration state.
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
  FROM pg_extension e, pg_class c
 WHERE e.extname = 'schemaver' AND c.relnamespace = 'schemaver'::regnamespace
   AND c.relkind = 'r'
 ORDER BY 1;

SELECT count(*) FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
DROP SCHEMA fp CASCADE;
DROP OWNED BY regress_sv_fp_migrator;
DROP ROLE regress_sv_fp_migrator;
