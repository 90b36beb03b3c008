-- schemaver_upgrade_sql and schemaver_downgrade_sql: the script texts, their
-- guard, the quoting of what users write, refusals of SQL that psql would
-- not send as written, the script of a plan with nothing to do, and errors.
-- test/t/010_preview_equivalence.pl runs the scripts with psql.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- A base revision, and one whose message holds quotes, dollars, backslashes
-- and line breaks and whose SQL has its own dollar-quoted function body, a
-- comment with a backslash and ":name" in it, and a standard string with a
-- backslash (which psql reads alike whatever standard_conforming_strings is).
SELECT schemaver_add_revision('pv1', NULL, 'CREATE TABLE pv_a (id int)', 'DROP TABLE pv_a', 'create pv_a');
SELECT schemaver_add_revision('pv2', 'pv1',
    upgrade => $up$CREATE FUNCTION pv_f() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
    RETURN E'it''s \\ $1 $$ :name';  -- a backslash \ and :name in a comment
END
$body$;
COMMENT ON TABLE pv_a IS 'C:\ and it''s $$';
SELECT pg_catalog.array_length(ARRAY[1, 2, 3], 1), (ARRAY[1, 2, 3])[1:2]$up$,
    downgrade => 'DROP FUNCTION pv_f(); COMMENT ON TABLE pv_a IS NULL;',
    message => E'it''s "quoted", costs $5 $$ $body$, C:\\dir\nsecond line -- still the message\r\n*/ third line');
SELECT schemaver_add_revision('pv3', 'pv2', 'ALTER TABLE pv_a ADD COLUMN name text', NULL, 'irreversible');

\pset format unaligned
\pset tuples_only on
-- From base to pv2: two steps.
SELECT schemaver_upgrade_sql('pv2');
\pset format aligned
\pset tuples_only off

-- A preview changes nothing and takes no advisory lock.
BEGIN;
SELECT pg_temp.catalog_state();
SELECT length(schemaver_upgrade_sql()) > 0 AS has_script,
       length(schemaver_downgrade_sql('base')) > 0 AS has_down_script;
SELECT count(*) AS advisory_locks FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid();
SELECT pg_temp.catalog_state();
COMMIT;

-- The guard of a script passes at the state it was generated from, and
-- stops once the database has moved.
SELECT substring(schemaver_upgrade_sql('pv2')
                 FROM '(DO \$schemaver_guard\$.*\$schemaver_guard\$)') AS guard \gset
SELECT pg_temp.sqlstate_of(:'guard');
SELECT revision FROM schemaver_upgrade('pv1');
:guard;
SELECT pg_temp.sqlstate_of(:'guard');
SELECT pg_temp.catalog_state();

-- A revision of the script registered again with other content: the guard
-- names it.
SELECT substring(schemaver_upgrade_sql('pv3')
                 FROM '(DO \$schemaver_guard\$.*\$schemaver_guard\$)') AS guard \gset
SELECT pg_temp.sqlstate_of(:'guard');
SELECT schemaver_add_revision('pv3', 'pv2', 'ALTER TABLE pv_a ADD COLUMN name varchar', NULL, 'irreversible');
:guard;

-- Downgrade scripts: by steps and by target; a merge-free chain down to base.
SELECT revision FROM schemaver_upgrade('pv2');
\pset format unaligned
\pset tuples_only on
SELECT schemaver_downgrade_sql(1);
\pset format aligned
\pset tuples_only off
-- The same walk gives the same script, but for the first line, which names
-- the call.
CREATE FUNCTION pg_temp.body(script text) RETURNS text
LANGUAGE sql AS $$ SELECT regexp_replace(script, '^[^\n]*\n', '') $$;
SELECT pg_temp.body(schemaver_downgrade_sql(2)) = pg_temp.body(schemaver_downgrade_sql('base')) AS steps_as_base,
       pg_temp.body(schemaver_downgrade_sql(1)) = pg_temp.body(schemaver_downgrade_sql('pv1')) AS step_as_target,
       schemaver_downgrade_sql('-1') <> schemaver_downgrade_sql(1) AS first_line_differs;
SELECT regexp_matches(schemaver_downgrade_sql('base'), '^-- (Step .*|Starts.*|Ends.*)$', 'gn') AS lines;

-- Nothing to do: a short script that says so, and still guards.
\pset format unaligned
\pset tuples_only on
SELECT schemaver_upgrade_sql('pv2');
SELECT schemaver_downgrade_sql('pv2');
\pset format aligned
\pset tuples_only off
SELECT schemaver_upgrade_sql('pv2') IS NOT NULL AS not_null;

-- A revision that sets a custom setting: the step saves it by name, so that
-- the setting ends with the revision, as in the online call.
SELECT schemaver_add_revision('pv_set', 'pv2',
    $up$SET LOCAL myapp.tenant = 'it''s';
SET search_path = pg_catalog;
RESET myapp.tenant$up$, 'SELECT 1');
SELECT regexp_matches(schemaver_upgrade_sql('pv_set'), '^ *UNION VALUES .*$', 'gn') AS saved;
SELECT regexp_matches(schemaver_upgrade_sql('pv_set'), '^RESET myapp.tenant\n;$', 'gn') AS terminated;

-- The guard's dollar quote avoids a tag that occurs in its body (here a
-- checksum edited by hand).
UPDATE schemaver.revision SET checksum = 'x$schemaver_guard$y' WHERE revision = 'pv_set';
SELECT regexp_matches(schemaver_upgrade_sql('pv_set'), '^(DO .*|.*schemaver_guard.*)$', 'gn') AS guard_lines;
DELETE FROM schemaver.revision WHERE revision = 'pv_set';

-- SQL that psql would not send as written is refused, with the line.
SELECT schemaver_add_revision('pv_var', 'pv2', E'SELECT 1;\nSELECT (ARRAY[1, 2, 3])[1:ROW_COUNT]', 'SELECT 1');
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('pv_var')$$);
SELECT schemaver_upgrade_sql('pv_var');
SELECT schemaver_add_revision('pv_var', 'pv2', $$SELECT 1 AS ":'quoted'"$$, 'SELECT 1');
SELECT length(schemaver_upgrade_sql('pv_var')) > 0 AS quoted_name_is_fine;
SELECT schemaver_add_revision('pv_var', 'pv2', $$SELECT (ARRAY[1, 2])[1:'2']$$, 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_var');
-- With standard_conforming_strings off, psql would end the string at the
-- second quote and run \! as a shell command: refused.
SELECT schemaver_add_revision('pv_bs', 'pv2', $up$SELECT 'a\', '\! echo oops'$up$, 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_bs');
-- ... and here it would read the rest of the script into the string.
SELECT schemaver_add_revision('pv_bs', 'pv2', $up$SELECT 'a\'$up$, 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_bs');
-- Backslashes in E'' strings, dollar quotes, quoted names and comments are
-- fine.
SELECT schemaver_add_revision('pv_bs', 'pv2',
    $up$SELECT E'a\'b', $q$ \! $q$, 1 AS "a\b" /* \! */ -- \!
$up$, 'SELECT 1');
SELECT length(schemaver_upgrade_sql('pv_bs')) > 0 AS backslashes_in_quotes_are_fine;
-- Statements the online call refuses, refused by the preview too.
SELECT schemaver_add_revision('pv_tx', 'pv2', 'CREATE TABLE pv_t (id int); COMMIT', 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_tx');
SELECT schemaver_add_revision('pv_tx', 'pv2', 'COPY pv_a FROM STDIN', 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_tx');
SELECT schemaver_add_revision('pv_tx', 'pv2', 'CREATE TABLE pv_t (id int);
CREATE TABEL pv_u (id int)', 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_tx');
DELETE FROM schemaver.revision WHERE revision IN ('pv_var', 'pv_bs', 'pv_tx');

-- Errors, as the online calls raise them.
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql(NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(NULL::integer)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(NULL::text)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(0)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('nope')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('pv1')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('a b')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql('pv3')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(5)$$);
SELECT revision FROM schemaver_upgrade('pv3');
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(1)$$);
SELECT pg_temp.catalog_state();

-- Nothing is granted to PUBLIC.
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p WHERE p.proname IN ('schemaver_upgrade_sql', 'schemaver_downgrade_sql')
 ORDER BY p.oid::regprocedure::text;

DROP TABLE pv_a;
DROP FUNCTION pv_f();
DROP EXTENSION schemaver;
