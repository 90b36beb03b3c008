-- Applying a preview script: schemaver.run_script_begin / _step / _end run
-- only the plan the script was written with, step by step in order, only
-- with each revision's registered SQL, and all of it or nothing; and the
-- online calls given a plan fingerprint (plan => '...') run only that plan.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SELECT schemaver_add_revision('pa1', NULL, 'CREATE TABLE pa_a (id int)', 'DROP TABLE pa_a', 'create pa_a');
SELECT schemaver_add_revision('pa2', 'pa1', 'CREATE TABLE pa_b (id int)', 'DROP TABLE pa_b', 'create pa_b');
SELECT schemaver_add_revision('pa3', 'pa2', 'CREATE TABLE pa_c (id int)', 'DROP TABLE pa_c', 'create pa_c');

-- A script, written to a file and run with \i, as psql -f would.
\pset format unaligned
\pset tuples_only on
\o results/preview_apply_up.sql
SELECT schemaver_upgrade_sql('pa2');
\o
\pset format aligned
\pset tuples_only off
-- (its result rows, whose elapsed times vary, are not shown)
\o /dev/null
\i results/preview_apply_up.sql
\o
\set ON_ERROR_STOP off
SELECT * FROM schemaver_current();
SELECT revision, operation, heads_before, heads_after FROM schemaver.log ORDER BY id;

-- The steps of the next script, by hand, to see each refusal.  Its
-- fingerprint and the checksum of pa3:
SELECT substring(schemaver_upgrade_sql('head') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fp,
       (SELECT checksum FROM schemaver.revision WHERE revision = 'pa3') AS sum3 \gset
SELECT pg_temp.catalog_state() AS before \gset

-- Steps need a script begun in the same transaction, with that fingerprint.
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'upgrade', %L, E'\nCREATE TABLE pa_c (id int)\n')$$, :'fp', :'sum3'));
SELECT pg_temp.sqlstate_of(format($$SELECT schemaver.run_script_end(%L)$$, :'fp'));

-- A fingerprint that is not the plan's from the current state: refused,
-- saying what the plan from here is.
\set VERBOSITY default
SELECT schemaver.run_script_begin('upgrade', 'head', repeat('0', 64));
\set VERBOSITY terse
SELECT pg_temp.sqlstate_of($$SELECT schemaver.run_script_begin('upgrade', 'head', 'not a fingerprint')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver.run_script_begin('sideways', 'head', repeat('0', 64))$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver.run_script_begin(NULL, 'head', repeat('0', 64))$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver.run_script_begin('upgrade', 'nowhere', repeat('0', 64))$$);

BEGIN;
SELECT schemaver.run_script_begin('upgrade', 'head', :'fp');
-- A second script in the same transaction: refused.
SAVEPOINT s;
SELECT schemaver.run_script_begin('upgrade', 'head', :'fp');
ROLLBACK TO SAVEPOINT s;
-- Out of order, another revision, another checksum, edited SQL, SQL without
-- the script's framing: each refused, nothing run.
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 2, 'pa3', 'upgrade', %L, E'\nCREATE TABLE pa_c (id int)\n')$$, :'fp', :'sum3'));
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa2', 'upgrade', %L, E'\nCREATE TABLE pa_c (id int)\n')$$, :'fp', :'sum3'));
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'downgrade', %L, E'\nCREATE TABLE pa_c (id int)\n')$$, :'fp', :'sum3'));
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'upgrade', %L, E'\nCREATE TABLE pa_c (id int)\n')$$, :'fp', repeat('1', 64)));
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'upgrade', %L, E'\nDROP TABLE pa_a\n')$$, :'fp', :'sum3'));
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'upgrade', %L, 'CREATE TABLE pa_c (id int)')$$, :'fp', :'sum3'));
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'upgrade', %L, NULL)$$, :'fp', :'sum3'));
SELECT to_regclass('pa_c') IS NULL AS nothing_ran;
-- The end before the last step: refused.
SELECT pg_temp.sqlstate_of(format($$SELECT schemaver.run_script_end(%L)$$, :'fp'));
-- The right step runs, as the online call would.
SELECT count(*) FROM schemaver.run_script_step(:'fp', 1, 'pa3', 'upgrade', :'sum3', E'\nCREATE TABLE pa_c (id int)\n');
SELECT schemaver.run_script_end(:'fp');
ROLLBACK;
SELECT pg_temp.catalog_state() = :'before' AS rolled_back;

-- A script cut short (or edited to leave steps out) cannot commit.
BEGIN;
SELECT schemaver.run_script_begin('upgrade', 'head', :'fp');
COMMIT;
SELECT pg_temp.catalog_state() = :'before' AS nothing_committed;
BEGIN;
SELECT schemaver.run_script_begin('upgrade', 'head', :'fp');
SELECT revision FROM schemaver.run_script_step(:'fp', 1, 'pa3', 'upgrade', :'sum3', E'\nCREATE TABLE pa_c (id int)\n');
COMMIT;
SELECT pg_temp.catalog_state() = :'before' AS nothing_committed, to_regclass('pa_c') IS NULL AS table_gone;

-- A step rolled back to a savepoint: the end sees the database is not where
-- the plan ends.
BEGIN;
SELECT schemaver.run_script_begin('upgrade', 'head', :'fp');
SAVEPOINT s;
SELECT revision FROM schemaver.run_script_step(:'fp', 1, 'pa3', 'upgrade', :'sum3', E'\nCREATE TABLE pa_c (id int)\n');
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.sqlstate_of(format($$SELECT schemaver.run_script_end(%L)$$, :'fp'));
ROLLBACK;

-- Revision SQL cannot call the script's functions either.
SELECT schemaver_add_revision('pa3', 'pa2', 'SELECT schemaver.run_script_end(repeat(''0'', 64))', 'SELECT 1');
SELECT substring(schemaver_upgrade_sql('head') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fp,
       (SELECT checksum FROM schemaver.revision WHERE revision = 'pa3') AS sum3 \gset
BEGIN;
SELECT schemaver.run_script_begin('upgrade', 'head', :'fp');
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver.run_script_step(%L, 1, 'pa3', 'upgrade', %L, E'\nSELECT schemaver.run_script_end(repeat(''0'', 64))\n')$$, :'fp', :'sum3'));
ROLLBACK;
SELECT schemaver_add_revision('pa3', 'pa2', 'CREATE TABLE pa_c (id int)', 'DROP TABLE pa_c', 'create pa_c');

-- The online calls with a plan fingerprint: only that plan runs.  A
-- revision registered again with other content after the review changes the
-- plan's fingerprint: refused, nothing changed.
SELECT substring(schemaver_upgrade_sql('head') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fp \gset
SELECT schemaver_add_revision('pa3', 'pa2', 'CREATE TABLE pa_c (id int, evil text)', 'DROP TABLE pa_c', 'create pa_c');
SELECT pg_temp.catalog_state() AS before \gset
\set VERBOSITY default
SELECT * FROM schemaver_upgrade('head', plan => :'fp');
\set VERBOSITY terse
SELECT pg_temp.catalog_state() = :'before' AS nothing_changed, to_regclass('pa_c') IS NULL AS no_table;
SELECT schemaver_add_revision('pa3', 'pa2', 'CREATE TABLE pa_c (id int)', 'DROP TABLE pa_c', 'create pa_c');
SELECT revision FROM schemaver_upgrade('head', plan => :'fp');
-- At head, the same plan is no longer the plan from here (nothing to do has
-- another fingerprint): refused, even though there is nothing to do.
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver_upgrade('head', plan => %L)$$, :'fp'));
-- Downgrades by target and by steps, and the stepwise procedures.
SELECT substring(schemaver_downgrade_sql(1) FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fp1,
       substring(schemaver_downgrade_sql('base') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fpbase \gset
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver_downgrade('base', plan => %L)$$, :'fp1'));
SELECT revision FROM schemaver_downgrade(1, plan => :'fp1');
SELECT pg_temp.sqlstate_of(format($$SELECT * FROM schemaver_downgrade('base', plan => %L)$$, :'fpbase'));
SELECT substring(schemaver_downgrade_sql('base') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fpbase \gset
CALL schemaver_downgrade_stepwise('base', plan => :'fpbase');
SELECT count(*) AS version_rows FROM schemaver.version;
SELECT substring(schemaver_upgrade_sql('head') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fp \gset
CALL schemaver_upgrade_stepwise('head', plan => :'fp');
SELECT * FROM schemaver_current();
-- Bad fingerprints.
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('head', plan => NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('head', plan => 'abc')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade(1, plan => upper(repeat('a', 64)))$$);
SELECT pg_temp.sqlstate_of($$CALL schemaver_upgrade_stepwise('head', plan => E'\x1b[2J')$$);

SET client_min_messages = warning;
SELECT count(*) FROM schemaver_downgrade('base');
RESET client_min_messages;
DROP EXTENSION schemaver;
