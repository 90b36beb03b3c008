-- Statements that cannot run in a transaction block, in an ordinary
-- (transactional) revision: each gets schemaver's own refusal (25001) with a
-- hint about "-- schemaver: transaction=off", before it runs, instead of the
-- server's "cannot be executed from a function"; the few that the server
-- refuses only in some states get the server's message with the same hint.
-- And a one-call upgrade or downgrade whose plan holds a non-transactional
-- revision is refused before anything runs, with a hint naming the
-- stepwise procedure.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
-- (the lint's warnings about the same statements are lint_*'s concern)
SET schemaver.lint = off;

CREATE TABLE public.nt_t (id int);
CREATE TABLE public.nt_parted (id int) PARTITION BY RANGE (id);
CREATE TABLE public.nt_parted1 PARTITION OF public.nt_parted FOR VALUES FROM (0) TO (10);
CREATE INDEX nt_parted_idx ON public.nt_parted (id);

-- refused(rev, stmt): register a revision whose first statement creates a
-- marker table and whose second is stmt, apply it, and report the error,
-- whether its hint is about transaction=off, and whether anything remains.
CREATE FUNCTION pg_temp.refused(rev text, stmt text)
RETURNS TABLE (result text, hints_nontx boolean, marker_gone boolean, catalog_unchanged boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    hint text;
    before text;
BEGIN
    PERFORM schemaver_add_revision(rev, NULL, 'CREATE TABLE public.nt_marker (); ' || stmt);
    before := pg_temp.catalog_state();
    result := 'ok: the revision ran';
    BEGIN
        PERFORM * FROM schemaver_upgrade(rev);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
        result := SQLSTATE || ': ' || SQLERRM;
        hints_nontx := hint LIKE '%-- schemaver: transaction=off%schemaver_upgrade_stepwise()%';
    END;
    marker_gone := to_regclass('public.nt_marker') IS NULL;
    catalog_unchanged := pg_temp.catalog_state() = before;
    IF NOT marker_gone THEN
        DROP TABLE public.nt_marker;
    END IF;
    RETURN NEXT;
END
$fn$;

SET client_min_messages = warning;
SELECT c.rev, c.stmt, r.*
  FROM (VALUES
    -- refused by schemaver before they run
    ('nt01', 'CREATE INDEX CONCURRENTLY nt_idx ON public.nt_t (id)'),
    ('nt02', 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS nt_idx ON public.nt_t (id)'),
    ('nt03', 'DROP INDEX CONCURRENTLY IF EXISTS public.nt_idx'),
    ('nt04', 'REINDEX TABLE CONCURRENTLY public.nt_t'),
    ('nt05', 'REINDEX (CONCURRENTLY) INDEX public.nt_parted_idx'),
    ('nt06', 'REINDEX SCHEMA public'),
    ('nt07', 'REINDEX SYSTEM nt_db'),
    ('nt08', 'REINDEX DATABASE nt_db'),
    ('nt09', 'VACUUM'),
    ('nt10', 'VACUUM (ANALYZE) public.nt_t'),
    ('nt11', 'CLUSTER'),
    ('nt12', 'ALTER SYSTEM SET work_mem = ''1MB'''),
    ('nt13', 'CREATE DATABASE nt_db'),
    ('nt14', 'DROP DATABASE IF EXISTS nt_db'),
    ('nt15', 'ALTER DATABASE nt_db SET TABLESPACE pg_default'),
    ('nt16', 'CREATE TABLESPACE nt_ts LOCATION ''/nonexistent'''),
    ('nt17', 'DROP TABLESPACE IF EXISTS nt_ts'),
    ('nt18', 'DISCARD ALL'),
    -- the same reached through dynamic SQL
    ('nt19', 'DO $d$BEGIN EXECUTE ''VACUUM public.nt_t''; END$d$'),
    -- refused by the server in this state, with schemaver's hint added
    ('nt20', 'CLUSTER public.nt_parted USING nt_parted_idx'),
    ('nt21', 'REINDEX TABLE public.nt_parted'),
    ('nt22', 'CREATE SUBSCRIPTION nt_sub CONNECTION ''dbname=nt_nowhere'' PUBLICATION nt_pub'),
    -- allowed in a transaction: they run
    ('nt30', 'ANALYZE public.nt_t'),
    ('nt31', 'REINDEX TABLE public.nt_t'),
    ('nt32', 'CREATE INDEX nt_plain_idx ON public.nt_t (id)'),
    ('nt33', 'DISCARD PLANS')
  ) AS c(rev, stmt),
  LATERAL pg_temp.refused(c.rev, c.stmt) r
 ORDER BY c.rev;
RESET client_min_messages;
SELECT to_regclass('public.nt_plain_idx') IS NOT NULL AS plain_index_built;

-- The whole error, as psql shows it: no "cannot be executed from a function".
SELECT schemaver_add_revision('nt_dic', NULL, 'DROP INDEX CONCURRENTLY IF EXISTS public.nt_plain_idx');
SELECT * FROM schemaver_upgrade('nt_dic');
-- in a transaction block of the caller's, the same
BEGIN;
SELECT * FROM schemaver_upgrade('nt_dic');
ROLLBACK;
-- the server's refusal of a case it decides later, with schemaver's hint
SELECT * FROM schemaver_upgrade('nt20');
SELECT 1 AS session_usable;

-- A non-transactional revision in the plan of a one-call upgrade: refused
-- before anything runs, even the revisions before it.  A sequence, which a
-- rollback does not reset, shows that the first revision never ran.
DELETE FROM schemaver.revision;
DELETE FROM schemaver.version;
DELETE FROM schemaver.applied;
CREATE SEQUENCE public.nt_runs;
SELECT schemaver_add_revision('nt_a', NULL,
    $$SELECT nextval('public.nt_runs'); CREATE TABLE public.nt_a ()$$,
    'DROP TABLE public.nt_a');
SELECT schemaver_add_revision('nt_b', 'nt_a',
    E'-- schemaver: transaction=off\nCREATE INDEX CONCURRENTLY nt_b_idx ON public.nt_t (id)',
    E'-- schemaver: transaction=off\nDROP INDEX CONCURRENTLY IF EXISTS public.nt_b_idx');
SELECT schemaver_add_revision('nt_c', 'nt_b', 'SELECT 1', 'SELECT 1');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT * FROM schemaver_upgrade('head');
SELECT schemaver_upgrade_sql('head') ~ 'Plan fingerprint: ([0-9a-f]{64})' AS has_fingerprint;
SELECT substring(schemaver_upgrade_sql('head') FROM 'Plan fingerprint: ([0-9a-f]{64})') AS fp \gset
SELECT * FROM schemaver_upgrade('head', plan => :'fp');
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('nt_b')$$);
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged,
       (SELECT last_value FROM public.nt_runs) AS runs_counter,
       (SELECT is_called FROM public.nt_runs) AS nt_a_ever_ran,
       to_regclass('public.nt_a') IS NULL AS nt_a_absent;
-- up to the revision before it, a one-call upgrade works
SELECT revision FROM schemaver_upgrade('nt_a');
-- a stamp runs no SQL: stamping past it is allowed
SELECT revision, operation FROM schemaver_stamp('nt_c');
-- and the downgrade SQL, when it is non-transactional, likewise
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT * FROM schemaver_downgrade('nt_a');
SELECT * FROM schemaver_downgrade(2);
-- stepping down over the transactional nt_c alone is fine
SELECT revision FROM schemaver_downgrade(1);
SELECT pg_temp.catalog_state() <> :'before_state' AS moved;

-- The stepwise procedures still refuse to run inside a transaction block.
BEGIN;
CALL schemaver_downgrade_stepwise('nt_a');
ROLLBACK;

-- Clean up.
DROP TABLE public.nt_a;
DROP SEQUENCE public.nt_runs;
DROP TABLE public.nt_t;
DROP TABLE public.nt_parted;
DROP EXTENSION schemaver;
