-- Revision SQL that must not run inside schemaver: statements that cannot
-- run in a transaction block, transaction control, anything that touches the
-- extension itself (its extension object, its schema, its catalog, its
-- functions), and nested calls of the functions that move the database.
-- Each gets a clean error with a specific SQLSTATE, whose context names the
-- revision; the call changes nothing (neither the catalog nor what the
-- revision's earlier statements did); and the session stays usable.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- Objects the revisions below aim at.
CREATE TABLE public.rg_t (id int);
CREATE FUNCTION public.rg_writer() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM schemaver.log;
END
$fn$;
CREATE FUNCTION public.rg_nested() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM * FROM schemaver_upgrade('head');
END
$fn$;
CREATE PROCEDURE public.rg_commits() LANGUAGE plpgsql AS $fn$
BEGIN
    COMMIT;
END
$fn$;
CREATE ROLE regress_sv_guard_owner;

-- refused(rev): apply one revision and report its error, whether the error's
-- context names the revision, whether the catalog is as before, and whether
-- the table that the revision's first statement created is gone.
CREATE FUNCTION pg_temp.refused(rev text)
RETURNS TABLE (result text, names_revision boolean, catalog_unchanged boolean, marker_gone boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    before text := pg_temp.catalog_state();
    ctx text;
BEGIN
    result := 'ok: the revision ran';
    BEGIN
        PERFORM * FROM schemaver_upgrade(rev);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
        result := SQLSTATE || ': ' || SQLERRM;
        names_revision := ctx LIKE '%revision "' || rev || '"%';
    END;
    catalog_unchanged := pg_temp.catalog_state() = before;
    marker_gone := to_regclass('public.rg_marker') IS NULL;
    IF NOT marker_gone THEN
        DROP TABLE public.rg_marker;
    END IF;
    RETURN NEXT;
END
$fn$;

-- One base revision per case: its first statement creates rg_marker, its
-- second is the statement under test.
CREATE TEMP TABLE rg_cases (rev text PRIMARY KEY, stmt text NOT NULL);
INSERT INTO rg_cases VALUES
  -- cannot run inside a transaction block
  ('rg01', 'CREATE INDEX CONCURRENTLY rg_t_idx ON public.rg_t (id)'),
  ('rg02', 'DROP INDEX CONCURRENTLY IF EXISTS public.rg_t_idx'),
  ('rg03', 'REINDEX TABLE CONCURRENTLY public.rg_t'),
  ('rg04', 'VACUUM'),
  ('rg05', 'VACUUM public.rg_t'),
  ('rg06', 'CREATE DATABASE rg_db'),
  -- transaction control
  ('rg10', 'COMMIT'),
  ('rg11', 'ROLLBACK'),
  ('rg12', 'BEGIN'),
  ('rg13', 'START TRANSACTION'),
  ('rg14', 'SAVEPOINT rg_sp'),
  ('rg15', 'RELEASE SAVEPOINT rg_sp'),
  ('rg16', 'ROLLBACK TO SAVEPOINT rg_sp'),
  ('rg17', 'END'),
  ('rg18', 'PREPARE TRANSACTION ''rg_px'''),
  ('rg19', 'CALL public.rg_commits()'),
  ('rg20', 'DO $d$BEGIN ROLLBACK; END$d$'),
  -- the extension and its schema
  ('rg30', 'DROP EXTENSION schemaver'),
  ('rg31', 'DROP EXTENSION IF EXISTS schemaver CASCADE'),
  ('rg32', 'ALTER EXTENSION schemaver UPDATE'),
  ('rg33', 'ALTER EXTENSION schemaver DROP FUNCTION schemaver_heads()'),
  ('rg34', 'DROP SCHEMA schemaver'),
  ('rg35', 'DROP SCHEMA schemaver CASCADE'),
  ('rg36', 'ALTER SCHEMA schemaver RENAME TO rg_renamed'),
  ('rg37', 'ALTER SCHEMA schemaver OWNER TO regress_sv_guard_owner'),
  ('rg38', 'ALTER FUNCTION schemaver_upgrade(text) SECURITY DEFINER'),
  ('rg39', 'DROP FUNCTION schemaver_heads()'),
  -- writes to the catalog
  ('rg40', 'INSERT INTO schemaver.log (revision, operation, heads_before, heads_after, started_at, elapsed, performed_by) VALUES (''x'', ''stamp'', ''{}'', ''{}'', now(), ''0'', current_user)'),
  ('rg41', 'UPDATE schemaver.revision SET message = ''changed'''),
  ('rg42', 'DELETE FROM schemaver.version'),
  ('rg43', 'TRUNCATE schemaver.log'),
  ('rg44', 'COPY schemaver.log FROM ''/dev/null'''),
  ('rg45', 'COPY schemaver.log FROM STDIN'),
  ('rg46', 'MERGE INTO schemaver.version v USING (SELECT ''rg46'' AS r) s ON v.revision = s.r WHEN NOT MATCHED THEN INSERT VALUES (s.r)'),
  ('rg47', 'WITH gone AS (DELETE FROM schemaver.log RETURNING 1) SELECT count(*) FROM gone'),
  ('rg48', 'SELECT public.rg_writer()'),
  ('rg49', 'DO $d$BEGIN UPDATE schemaver.revision SET message = NULL; END$d$'),
  ('rg50', 'CREATE VIEW public.rg_view AS SELECT revision FROM schemaver.version; INSERT INTO public.rg_view VALUES (''rg50'')'),
  -- the catalog's definition
  ('rg55', 'ALTER TABLE schemaver.log ADD COLUMN note text'),
  ('rg56', 'ALTER TABLE schemaver.log RENAME TO log_renamed'),
  ('rg57', 'ALTER TABLE schemaver.revision DISABLE TRIGGER ALL'),
  ('rg58', 'CREATE INDEX ON schemaver.log (elapsed)'),
  ('rg59', 'CREATE TRIGGER rg_trg BEFORE INSERT ON schemaver.log FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()'),
  ('rg60', 'CREATE RULE rg_rule AS ON INSERT TO schemaver.log DO INSTEAD NOTHING'),
  ('rg62', 'DROP TABLE schemaver.log'),
  ('rg63', 'ALTER SEQUENCE schemaver.log_id_seq RESTART'),
  -- nested calls
  ('rg70', 'SELECT * FROM schemaver_upgrade(''head'')'),
  ('rg71', 'SELECT * FROM schemaver_downgrade(1)'),
  ('rg72', 'SELECT * FROM schemaver_downgrade(''base'')'),
  ('rg73', 'SELECT * FROM schemaver_stamp(''base'')'),
  ('rg74', 'SELECT schemaver_add_revision(''rg_inner'', NULL, ''SELECT 1'')'),
  ('rg75', 'SELECT public.rg_nested()'),
  ('rg76', 'CALL schemaver_upgrade_stepwise(''head'')');

SELECT count(schemaver_add_revision(rev, NULL, 'CREATE TABLE public.rg_marker (id int); ' || stmt))
  FROM rg_cases;
SET client_min_messages = warning;
SELECT c.rev, c.stmt, r.* FROM rg_cases c, LATERAL pg_temp.refused(c.rev) r ORDER BY c.rev;
RESET client_min_messages;
SELECT 1 AS session_usable;
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT count(*) AS log_rows FROM schemaver.log;

-- A few in full, as psql shows them: the error, its DETAIL and HINT, and
-- the context that names the revision and the statement.
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT revision FROM schemaver_upgrade('rg01');
SELECT 1 AS session_usable;
SELECT revision FROM schemaver_upgrade('rg04');
SELECT 1 AS session_usable;
SELECT revision FROM schemaver_upgrade('rg10');
SELECT 1 AS session_usable;
SELECT revision FROM schemaver_upgrade('rg30');
SELECT 1 AS session_usable;
SELECT revision FROM schemaver_upgrade('rg47');
SELECT 1 AS session_usable;
SELECT revision FROM schemaver_upgrade('rg48');
SELECT 1 AS session_usable;
SELECT revision FROM schemaver_upgrade('rg75');
SELECT 1 AS session_usable;
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged,
       to_regclass('public.rg_marker') IS NULL AS marker_gone;

-- Inside a transaction block of the caller, the error aborts the caller's
-- transaction as any error does; ROLLBACK brings the session back.
BEGIN;
SELECT revision FROM schemaver_upgrade('rg42');
SELECT 1;
ROLLBACK;
SELECT 1 AS session_usable;

-- In the middle of a call: the revisions before the refused one are undone
-- with it, and the version does not move.
SELECT schemaver_add_revision('rg_ok1', NULL, 'CREATE TABLE public.rg_ok1 (id int)', 'DROP TABLE public.rg_ok1');
SELECT schemaver_add_revision('rg_ok2', 'rg_ok1', 'INSERT INTO public.rg_ok1 VALUES (1)', 'DELETE FROM public.rg_ok1');
SELECT schemaver_add_revision('rg_bad3', 'rg_ok2', 'INSERT INTO public.rg_ok1 VALUES (3); TRUNCATE schemaver.version', 'SELECT 1');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT revision FROM schemaver_upgrade('rg_bad3');
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged,
       to_regclass('public.rg_ok1') IS NULL AS rg_ok1_undone;
SELECT * FROM schemaver_current() ORDER BY 1;

-- Catching the refusal inside the revision does not let the write through.
SELECT schemaver_add_revision('rg_catch', NULL,
    $rev$DO $d$
      BEGIN
          DELETE FROM schemaver.log;
      EXCEPTION WHEN object_in_use THEN
          RAISE NOTICE 'refused: %', SQLERRM;
      END
      $d$$rev$, 'SELECT 1');
SELECT count(*) AS log_rows_before FROM schemaver.log;
SELECT revision FROM schemaver_upgrade('rg_catch');
SELECT count(*) AS log_rows_after FROM schemaver.log;

-- Outside revision SQL the hooks step aside: the guards are not left armed
-- by all the errors above, so a DBA can still repair the catalog by hand,
-- and the moving functions can still be called.
SELECT pg_temp.sqlstate_of($$UPDATE schemaver.revision SET message = message WHERE revision = 'rg_ok1'$$);
SELECT pg_temp.sqlstate_of($$CREATE INDEX rg_log_elapsed ON schemaver.log (elapsed)$$);
DROP INDEX schemaver.rg_log_elapsed;
SELECT revision FROM schemaver_upgrade('rg_ok2');
SELECT revision FROM schemaver_downgrade('rg_ok1');
SELECT * FROM schemaver_current() ORDER BY 1;

-- Found by this file: statements that change the extension or its catalog
-- and that the guard does not refuse.  Each attempt is rolled back whatever
-- happens; the expected SQLSTATE is 55006, as for the others.
CREATE FUNCTION pg_temp.attempt_revision(rev text, stmt text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    result text := 'ok: the revision ran';
BEGIN
    BEGIN
        PERFORM schemaver_add_revision(rev, NULL, stmt);
        PERFORM * FROM schemaver_upgrade(rev);
        RAISE EXCEPTION USING ERRCODE = 'ZZ999', MESSAGE = 'roll back';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE <> 'ZZ999' THEN
            result := SQLSTATE;
        END IF;
    END;
    RETURN result;
END
$fn$;
SET client_min_messages = warning;
SELECT stmt, pg_temp.attempt_revision(rev, stmt) FROM (VALUES
  ('rg80', 'GRANT ALL ON schemaver.revision TO PUBLIC'),
  ('rg81', 'GRANT USAGE ON SCHEMA schemaver TO PUBLIC'),
  ('rg82', 'GRANT EXECUTE ON FUNCTION schemaver_upgrade(text) TO PUBLIC'),
  ('rg83', 'ALTER DEFAULT PRIVILEGES IN SCHEMA schemaver GRANT SELECT ON TABLES TO PUBLIC'),
  ('rg84', 'CREATE OR REPLACE FUNCTION public.schemaver_heads() RETURNS SETOF text LANGUAGE sql AS $f$SELECT ''replaced''$f$'),
  ('rg85', 'CREATE FUNCTION schemaver.rg_f() RETURNS int LANGUAGE sql AS $f$SELECT 1$f$'),
  ('rg86', 'CREATE TYPE schemaver.rg_type AS (id int)'),
  ('rg87', 'CREATE TABLE public.rg_moved (id int); ALTER TABLE public.rg_moved SET SCHEMA schemaver'),
  ('rg88', 'CREATE TABLE schemaver.rg_extra (id int)'),
  ('rg89', 'CREATE VIEW schemaver.rg_extra_view AS SELECT 1 AS one'),
  -- the same through the search_path, and statement kinds named otherwise
  ('rg90', 'SET search_path = schemaver, public; CREATE TABLE rg_unqualified (id int)'),
  ('rg91', 'SET search_path = schemaver, public; CREATE FUNCTION rg_unqualified_f() RETURNS int LANGUAGE sql AS $f$SELECT 1$f$'),
  ('rg92', 'SET search_path = schemaver, public; CREATE VIEW rg_unqualified_v AS SELECT 1 AS one'),
  ('rg93', 'SET search_path = schemaver, public; CREATE SEQUENCE rg_unqualified_s'),
  ('rg94', 'SET search_path = schemaver, public; CREATE DOMAIN rg_unqualified_d AS int'),
  ('rg95', 'SET search_path = schemaver, public; SELECT 1 AS one INTO rg_unqualified_into'),
  ('rg96', 'CREATE STATISTICS schemaver.rg_stats ON revision, message FROM schemaver.revision'),
  ('rg97', 'CREATE CONVERSION schemaver.rg_conv FOR ''LATIN1'' TO ''UTF8'' FROM iso8859_1_to_utf8'),
  ('rg98', 'CREATE OPERATOR FAMILY schemaver.rg_opf USING btree'),
  ('rg99a', 'CREATE FOREIGN DATA WRAPPER rg_fdw; CREATE SERVER rg_srv FOREIGN DATA WRAPPER rg_fdw; CREATE FOREIGN TABLE schemaver.rg_ft (id int) SERVER rg_srv'),
  ('rg99b', 'CREATE FOREIGN DATA WRAPPER rg_fdw; CREATE SERVER rg_srv FOREIGN DATA WRAPPER rg_fdw; SET search_path = schemaver, public; CREATE FOREIGN TABLE rg_ft (id int) SERVER rg_srv')
) AS t(rev, stmt) ORDER BY rev;
RESET client_min_messages;
-- the attempts left nothing behind, and the graph cache forgot them
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_heads()$$);
SELECT count(*) AS rg8x_registered FROM schemaver.revision WHERE revision LIKE 'rg8%';
SELECT proname FROM pg_proc WHERE pronamespace = 'schemaver'::regnamespace ORDER BY 1;
SELECT count(*) AS rg8x_heads FROM schemaver_heads() h WHERE h LIKE 'rg8%';
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('rg80')$$);

-- The catalog's sequence: sequence changes survive a rollback, so a revision
-- that sets schemaver.log_id_seq back to an id the log already holds must
-- not leave the catalog unable to record the following steps.  Either the
-- guard refuses it, or the call and the ones after it work.
SELECT schemaver_add_revision('rg_seq', 'rg_ok1',
    $$SELECT pg_catalog.setval('schemaver.log_id_seq', (SELECT min(l.id) FROM schemaver.log l), false)$$,
    'SELECT 1');
SET client_min_messages = warning;
SELECT split_part(pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('rg_seq')$$), ':', 1)
       IN ('ok', '55006') AS refused_or_harmless;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('rg_ok2')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade('rg_ok1')$$);
RESET client_min_messages;
SELECT count(*) = count(DISTINCT id) AS log_ids_unique FROM schemaver.log;

-- Clean up.
SELECT revision FROM schemaver_downgrade('base') ORDER BY 1;
DROP EXTENSION schemaver;
DROP TABLE IF EXISTS public.rg_ok1;
DROP TABLE public.rg_t;
DROP FUNCTION public.rg_writer(), public.rg_nested();
DROP PROCEDURE public.rg_commits();
DROP ROLE regress_sv_guard_owner;
