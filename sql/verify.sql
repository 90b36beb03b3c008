-- schemaver_verify lists every problem of the graph and the catalog; the
-- functions that move the database refuse to use a broken graph.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
SET client_min_messages = warning;

SELECT schemaver_add_revision('v1', NULL, 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('v2', 'v1', 'SELECT 1', 'SELECT 1', branch_labels => ARRAY['lab']);
SELECT * FROM schemaver_verify();

-- Unknown parent and unknown dependency.
SELECT schemaver_add_revision('v3', 'missing_parent', 'SELECT 1');
SELECT schemaver_add_revision('v4', 'v2', 'SELECT 1', depends_on => ARRAY['missing_dep']);
-- A cycle through parents (v5 <-> v6) and one through a dependency.
SELECT schemaver_add_revision('v5', 'v6', 'SELECT 1');
SELECT schemaver_add_revision('v6', 'v5', 'SELECT 1');
SELECT schemaver_add_revision('v7', 'v2', 'SELECT 1', depends_on => ARRAY['v8']);
SELECT schemaver_add_revision('v8', 'v7', 'SELECT 1');
-- A parent that is also a dependency.
SELECT schemaver_add_revision('v9', 'v1', 'SELECT 1', depends_on => ARRAY['v1']);
-- A label carried twice, and a label equal to a revision id.
SELECT schemaver_add_revision('w1', 'v1', 'SELECT 1', branch_labels => ARRAY['lab']);
SELECT schemaver_add_revision('w2', 'v1', 'SELECT 1', branch_labels => ARRAY['v1']);
SELECT revision, problem FROM schemaver_verify() ORDER BY revision, problem;

-- Moving along a broken graph is refused, and says where to look.
\set VERBOSITY default
SELECT * FROM schemaver_upgrade('v2');
\set VERBOSITY terse
SELECT pg_temp.sqlstate_of($$SELECT schemaver_stamp('v2')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade('base')$$);
-- Looking still works, to help repairing.
SELECT revision, is_head FROM schemaver_history() WHERE revision LIKE 'v%' ORDER BY revision;

-- Repair by registering what is missing and correcting the others.
SELECT schemaver_add_revision('missing_parent', NULL, 'SELECT 1');
SELECT schemaver_add_revision('missing_dep', NULL, 'SELECT 1');
SELECT schemaver_add_revision('v5', NULL, 'SELECT 1');
SELECT schemaver_add_revision('v8', 'v2', 'SELECT 1');
SELECT schemaver_add_revision('v9', 'v1', 'SELECT 1');
SELECT schemaver_add_revision('w1', 'v1', 'SELECT 1', branch_labels => ARRAY['lab2']);
SELECT schemaver_add_revision('w2', 'v1', 'SELECT 1');
SELECT * FROM schemaver_verify();

-- A catalog row edited by hand no longer matches its checksum.
UPDATE schemaver.revision SET upgrade_sql = 'SELECT 2' WHERE revision = 'v2';
SELECT revision, problem FROM schemaver_verify();
UPDATE schemaver.revision SET upgrade_sql = 'SELECT 1' WHERE revision = 'v2';

-- A version table edited by hand: a head listed with its own child.
SELECT count(*) FROM schemaver_upgrade('v2');
INSERT INTO schemaver.version VALUES ('v1');
SELECT revision, problem FROM schemaver_verify();
DELETE FROM schemaver.version WHERE revision = 'v1';
SELECT * FROM schemaver_verify();

-- schemaver.applied (when each revision was applied) edited by hand.
DELETE FROM schemaver.applied WHERE revision = 'v1';
INSERT INTO schemaver.applied VALUES ('w1', now(), current_user);
SELECT revision, problem FROM schemaver_verify() ORDER BY revision;
INSERT INTO schemaver.applied VALUES ('v1', now(), current_user);
DELETE FROM schemaver.applied WHERE revision = 'w1';
SELECT * FROM schemaver_verify();

SELECT count(*) FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
