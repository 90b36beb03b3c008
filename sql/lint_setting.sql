-- schemaver.lint: what schemaver_upgrade() and schemaver_upgrade_stepwise()
-- do with the findings of the revisions they are about to apply (off: nothing;
-- warn, the default: a WARNING each, then the upgrade runs; error: a finding
-- of severity error refuses the upgrade before anything runs).  Downgrades
-- are not linted.  And schemaver_lint()'s arguments and errors: NULL (every
-- revision not applied yet), unknown or malformed ids, an unparsable
-- revision.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- The settings and their defaults.
SHOW schemaver.lint;
SHOW schemaver.lint_table_rows;
SHOW schemaver.lint_table_size;
SELECT name, setting, unit, vartype, enumvals, context FROM pg_settings
 WHERE name LIKE 'schemaver.lint%' ORDER BY name;
SELECT pg_temp.sqlstate_of($$SET schemaver.lint = 'on'$$);
SELECT pg_temp.sqlstate_of($$SET schemaver.lint_table_rows = -2$$);

SET schemaver.lint_table_rows = 100;
SET schemaver.lint_table_size = -1;
CREATE TABLE ls_big (id int PRIMARY KEY, a int) WITH (autovacuum_enabled = false);
INSERT INTO ls_big SELECT g, g FROM generate_series(1, 1000) g;
ANALYZE ls_big;

-- ls1: a finding of severity error (and one of severity warning); ls2:
-- only a warning; ls3: a finding of severity error, silenced.
SELECT schemaver_add_revision('ls1', NULL, $$
CREATE INDEX ls_big_a ON ls_big (a);
ALTER TABLE ls_big RENAME COLUMN a TO a2
$$, 'ALTER TABLE ls_big RENAME COLUMN a2 TO a; DROP INDEX ls_big_a');
SELECT schemaver_add_revision('ls2', 'ls1', $$
LOCK TABLE ls_big IN SHARE MODE;
CREATE TABLE ls_two (id int)
$$, 'DROP TABLE ls_two');
SELECT schemaver_add_revision('ls3', 'ls2', $$
-- schemaver:lint-ignore create-index-non-concurrently -- reviewed: a small table in production
CREATE INDEX ls_big_id_a ON ls_big (id, a2)
$$, 'DROP INDEX ls_big_id_a');

-- schemaver_lint(): every revision not applied yet, in the order an
-- upgrade applies them, with the rule's hint (the safe alternative) and
-- the live facts.
SELECT revision, statement, rule, severity, message, hint, table_name, table_rows,
       table_bytes > 0 AS has_size
  FROM schemaver_lint();
SELECT revision, statement, rule FROM schemaver_lint(revision => 'ls2');

-- warn (the default): the findings as WARNINGs, then the upgrade runs.
SET schemaver.lint = warn;
SELECT revision, operation FROM schemaver_upgrade('ls1');
SELECT to_regclass('ls_big_a') AS index_built;
-- a downgrade is not linted (its DROP INDEX on a big table says nothing)
SELECT revision, operation FROM schemaver_downgrade('base');

-- error: refused before anything runs, with the first finding of severity
-- error (the others as WARNINGs); nothing changed, the session is usable.
SET schemaver.lint = error;
SELECT pg_temp.catalog_state() AS before \gset
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('head')$$);
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged,
       to_regclass('ls_big_a') IS NULL AS nothing_built,
       to_regclass('ls_two') IS NULL AS nothing_created;
SELECT 1 AS session_usable;
-- the stepwise procedure refuses as well, before its first commit, and
-- releases schemaver's lock
CALL schemaver_upgrade_stepwise('head');
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;
SELECT count(*) AS advisory_locks FROM pg_locks
 WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND classid = 1937139058 AND objid = 1819239275;

-- error, with the finding silenced in the revision: it runs.  ls1 is
-- silenced by registering it again (it is not applied) with directives.
SELECT schemaver_add_revision('ls1', NULL, $$
-- schemaver:lint-ignore create-index-non-concurrently
CREATE INDEX ls_big_a ON ls_big (a);
-- schemaver:lint-ignore rename-column, breaks-dependents
ALTER TABLE ls_big RENAME COLUMN a TO a2
$$, 'ALTER TABLE ls_big RENAME COLUMN a2 TO a; DROP INDEX ls_big_a');
-- (ls2 has a finding of severity warning: reported, not refused)
SELECT revision, operation FROM schemaver_upgrade('ls2');
SELECT revision, operation FROM schemaver_upgrade('ls3');

-- review-only rules are not reported by an upgrade, even with error:
-- an irreversible revision is a choice, and a statement that cannot run
-- in a transaction block gets the run's own error.
SELECT schemaver_add_revision('ls4', 'ls3', 'CREATE TABLE ls_four (id int)', NULL);
SELECT revision, statement, rule FROM schemaver_lint('ls4');
SELECT revision, operation FROM schemaver_upgrade('ls4');
SELECT schemaver_add_revision('ls5', 'ls4', 'VACUUM ls_four', 'SELECT 1');
SELECT revision, statement, rule FROM schemaver_lint('ls5');
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('ls5')$$);
DELETE FROM schemaver.revision WHERE revision = 'ls5';

-- off: no lint at all.
SELECT schemaver_add_revision('ls6', 'ls4', 'CREATE INDEX ls_big_id2 ON ls_big (id, a2)', 'DROP INDEX ls_big_id2');
SET schemaver.lint = off;
SELECT revision, operation FROM schemaver_upgrade('ls6');
RESET schemaver.lint;

-- A revision that does not parse: schemaver_lint() names the revision and
-- the position; the upgrade lints the revisions it can and leaves the
-- syntax error to the run, which reports it as it always does.
SELECT schemaver_add_revision('ls7', 'ls6', $$CREATE TABLE ls_seven (id int);
CREATE TABEL ls_eight (id int)$$, 'SELECT 1');
SELECT * FROM schemaver_lint('ls7');
SELECT * FROM schemaver_lint();
SET schemaver.lint = error;
SELECT revision, operation FROM schemaver_upgrade('ls7');
RESET schemaver.lint;

-- Arguments: NULL is every revision not applied yet (here: ls7 only);
-- an unknown, malformed or reserved id is an error.
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_lint('nosuch')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_lint('bad id')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_lint('head')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_lint('')$$);
SELECT * FROM schemaver_lint('nosuch');
-- an applied revision can be linted by name (against the live catalog)
SELECT revision, statement, rule FROM schemaver_lint('ls2');
DELETE FROM schemaver.revision WHERE revision = 'ls7';
SELECT count(*) AS nothing_left_to_lint FROM schemaver_lint();

-- The session's settings after all this: unchanged by the revisions.
SHOW search_path;

DROP TABLE ls_big, ls_two, ls_four;
DROP EXTENSION schemaver;
