-- schemaver_add_revision: every form of the call, idempotence, changed
-- content, and the validation of ids, labels and arrays.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- The three forms of down_revision work without casts.
SELECT schemaver_add_revision(revision => 'r1', down_revision => NULL,
                              upgrade => 'CREATE TABLE reg_a (id int)',
                              downgrade => 'DROP TABLE reg_a', message => 'base');
SELECT schemaver_add_revision(revision => 'r2', down_revision => 'r1',
                              upgrade => 'CREATE TABLE reg_b (id int)',
                              downgrade => 'DROP TABLE reg_b', message => 'one parent');
SELECT schemaver_add_revision(revision => 'r3', down_revision => ARRAY['r2'],
                              upgrade => 'SELECT 1', message => 'array parent',
                              depends_on => ARRAY['r1'], branch_labels => ARRAY['main_line']);
-- positional, with defaults
SELECT schemaver_add_revision('r0', NULL, 'SELECT 1');
-- an empty array is a base as well
SELECT schemaver_add_revision('r00', '{}'::text[], 'SELECT 1');

SELECT revision, down_revision, depends_on, branch_labels, message,
       downgrade_sql IS NULL AS irreversible, length(checksum) AS checksum_length,
       registered_by = current_user AS by_me
  FROM schemaver.revision ORDER BY revision;

-- A merge names several parents; they may be registered after it.
SELECT schemaver_add_revision('m1', ARRAY['p1', 'p2'], '', '', 'merge before its parents');
SELECT schemaver_add_revision('p1', 'r3', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('p2', 'r3', 'SELECT 1', 'SELECT 1');
SELECT revision, down_revision FROM schemaver.revision
 WHERE revision IN ('m1', 'p1', 'p2') ORDER BY revision;

-- The same content again is a no-op: no NOTICE, checksum and time unchanged.
CREATE TEMP TABLE before AS SELECT revision, checksum, registered_at FROM schemaver.revision;
SELECT schemaver_add_revision(revision => 'r2', down_revision => 'r1',
                              upgrade => 'CREATE TABLE reg_b (id int)',
                              downgrade => 'DROP TABLE reg_b', message => 'one parent');
SELECT count(*) AS unchanged FROM schemaver.revision r JOIN before b USING (revision, checksum, registered_at);

-- Different content while not applied: replaced, with a NOTICE.
SELECT schemaver_add_revision('r2', 'r1', 'CREATE TABLE reg_b (id int, name text)',
                              'DROP TABLE reg_b', 'one parent');
SELECT r.checksum <> b.checksum AS checksum_changed, upgrade_sql
  FROM schemaver.revision r JOIN before b USING (revision) WHERE revision = 'r2';
-- Every argument is content: message, labels, dependencies, downgrade.
SELECT schemaver_add_revision('r0', NULL, 'SELECT 1', message => 'now with a message');
SELECT schemaver_add_revision('r0', NULL, 'SELECT 1', message => 'now with a message',
                              branch_labels => ARRAY['zero']);

-- Different content once applied: an error, nothing changes.
SELECT revision FROM schemaver_upgrade('r2');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT schemaver_add_revision('r2', 'r1', 'CREATE TABLE reg_b (id bigint)', 'DROP TABLE reg_b', 'one parent');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged;
-- re-registering it unchanged is still fine
SELECT schemaver_add_revision('r2', 'r1', 'CREATE TABLE reg_b (id int, name text)',
                              'DROP TABLE reg_b', 'one parent');

-- Bad input: each error with its SQLSTATE, and nothing registered.
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT stmt, pg_temp.sqlstate_of(stmt) FROM (VALUES
  ($$SELECT schemaver_add_revision(NULL, NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', NULL, NULL)$$),
  ($$SELECT schemaver_add_revision('', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision(' x1', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x-1', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1;drop', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x''1', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('é', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('HEAD', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('heads', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('Base', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision(repeat('a', 64), NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision(repeat('a', 10000), NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', '', 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', 'no such!', 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', ARRAY['r1', 'r1'], 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', ARRAY['r1', NULL], 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', ARRAY[['r1'], ['r2']], 'SELECT 1')$$),
  ($$SELECT schemaver_add_revision('x1', 'r1', 'SELECT 1', depends_on => ARRAY['bad id'])$$),
  ($$SELECT schemaver_add_revision('x1', 'r1', 'SELECT 1', depends_on => ARRAY[NULL::text])$$),
  ($$SELECT schemaver_add_revision('x1', 'r1', 'SELECT 1', branch_labels => ARRAY['a@b'])$$),
  ($$SELECT schemaver_add_revision('x1', 'r1', 'SELECT 1', branch_labels => ARRAY['head'])$$),
  ($$SELECT schemaver_add_revision('x1', 'r1', 'SELECT 1', branch_labels => ARRAY['l', 'l'])$$)
) AS t(stmt);
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged;

-- The full error for a bad id, with its DETAIL.
\set VERBOSITY default
SELECT schemaver_add_revision('x-1', NULL, 'SELECT 1');
SELECT schemaver_add_revision('base', NULL, 'SELECT 1');
-- A 63-character id is fine.
SELECT length(schemaver_add_revision(repeat('z', 63), NULL, 'SELECT 1'));

-- A revision cannot be its own parent or dependency.
SELECT schemaver_add_revision('selfish', 'selfish', 'SELECT 1');
SELECT schemaver_add_revision('selfish', NULL, 'SELECT 1', depends_on => ARRAY['selfish']);
-- An unknown parent is accepted now (parents may come later) and reported
-- when the graph is used.
SELECT schemaver_add_revision('orphan', 'not_yet', 'SELECT 1');
SELECT * FROM schemaver_verify() ORDER BY 1, 2;
SELECT revision, operation FROM schemaver_downgrade('base');
SELECT schemaver_add_revision('not_yet', NULL, 'SELECT 1');
SELECT * FROM schemaver_verify() ORDER BY 1, 2;

SELECT revision, operation FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
