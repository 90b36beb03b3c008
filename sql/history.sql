-- schemaver_history, schemaver_current and schemaver_heads: the order, the
-- flags, and when and by whom each revision was applied.
CREATE EXTENSION schemaver;
SET client_min_messages = warning;

-- Empty catalog: no rows anywhere.
SELECT count(*) FROM schemaver_history();
SELECT count(*) FROM schemaver_current();
SELECT count(*) FROM schemaver_heads();

-- r1 -> r2 -> r3 (labelled), r2 -> s1 (a branch), and t1 depending on r1.
SELECT schemaver_add_revision('r1', NULL, 'SELECT 1', 'SELECT 1', 'first');
SELECT schemaver_add_revision('r2', 'r1', 'SELECT 1', 'SELECT 1', 'second');
SELECT schemaver_add_revision('r3', 'r2', 'SELECT 1', 'SELECT 1', 'third', branch_labels => ARRAY['main']);
SELECT schemaver_add_revision('s1', 'r2', 'SELECT 1', 'SELECT 1', 'side branch');
SELECT schemaver_add_revision('t1', NULL, 'SELECT 1', 'SELECT 1', 'other root', depends_on => ARRAY['r1']);

-- Newest first: children before their parents.
SELECT revision, down_revision, message, branch_labels, depends_on,
       is_head, is_current, applied, applied_at IS NOT NULL AS has_applied_at, applied_by
  FROM schemaver_history();

SELECT count(*) FROM schemaver_upgrade('r3');
SELECT c FROM schemaver_current() c ORDER BY c;
SELECT h FROM schemaver_heads() h ORDER BY h;
SELECT revision, is_head, is_current, applied, applied_by
  FROM schemaver_history();

-- applied_at comes from the log entry that applied the revision.
SELECT h.revision, h.applied_at = l.started_at AS from_log
  FROM schemaver_history() h
  JOIN schemaver.log l ON l.revision = h.revision AND l.operation = 'upgrade'
 ORDER BY h.revision;

-- A revision applied by another role shows that role.
CREATE ROLE regress_history_migrator;
GRANT USAGE ON SCHEMA schemaver TO regress_history_migrator;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA schemaver TO regress_history_migrator;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA schemaver TO regress_history_migrator;
GRANT EXECUTE ON FUNCTION schemaver_upgrade(text) TO regress_history_migrator;
SET ROLE regress_history_migrator;
SELECT revision FROM schemaver_upgrade('t1');
RESET ROLE;
SELECT revision, applied, applied_by FROM schemaver_history() WHERE revision IN ('r3', 't1') ORDER BY revision;

-- After a downgrade the revision is no longer applied: no applied_at/by.
SELECT revision FROM schemaver_downgrade('r2');
SELECT revision, is_current, applied, applied_at IS NOT NULL AS has_applied_at, applied_by
  FROM schemaver_history() WHERE revision IN ('r2', 'r3') ORDER BY revision;
-- After a stamp, applied_at/by are the stamp's.
SELECT revision FROM schemaver_stamp('s1');
SELECT h.revision, h.applied, h.applied_at = l.started_at AS from_stamp
  FROM schemaver_history() h JOIN schemaver.log l ON l.revision = h.revision
 WHERE h.revision = 's1' AND l.operation = 'stamp';
SELECT c FROM schemaver_current() c ORDER BY c;

SELECT count(*) FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
DROP ROLE regress_history_migrator;
