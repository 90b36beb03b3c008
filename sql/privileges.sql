-- Privileges: nothing is granted to PUBLIC; the "migrator" and "reader"
-- recipes of README.md ("Privileges") give exactly what they say; every
-- other role gets SQLSTATE 42501 from every routine and from any direct
-- read or write of the catalog; no routine is SECURITY DEFINER; and
-- revision SQL runs as the role that calls schemaver_upgrade.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- attempt(stmt): the SQLSTATE and message of the statement's error, or
-- 'ok'; what the statement did is always rolled back, so that a statement
-- that should have been refused and was not cannot change what the rest of
-- this file sees.
CREATE FUNCTION pg_temp.attempt(stmt text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    result text := 'ok';
BEGIN
    BEGIN
        EXECUTE stmt;
        RAISE EXCEPTION USING ERRCODE = 'ZZ999', MESSAGE = 'roll back';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE <> 'ZZ999' THEN
            result := SQLSTATE || ': ' || SQLERRM;
        END IF;
    END;
    RETURN result;
END
$fn$;

-- The routines of the extension, with a call of each that passes NULLs.
CREATE TEMP VIEW sv_routines AS
SELECT p.oid, p.oid::regprocedure::text AS routine, p.proname, p.prokind,
       p.prosecdef, p.proconfig, p.prorettype = 'trigger'::regtype AS is_trigger,
       format('%s %I.%I(%s)',
              CASE p.prokind WHEN 'p' THEN 'CALL' ELSE 'SELECT * FROM' END,
              n.nspname, p.proname,
              (SELECT coalesce(string_agg('NULL::' || format_type(t, NULL), ', ' ORDER BY i), '')
                 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i))) AS call
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'schemaver';

-- No routine runs with its owner's rights or carries its own settings:
-- SECURITY DEFINER would run revision SQL as the extension's owner.
SELECT count(*) >= 15 AS routines_found FROM sv_routines;
SELECT routine, prosecdef, proconfig FROM sv_routines
 WHERE prosecdef OR proconfig IS NOT NULL ORDER BY routine COLLATE "C";

-- Nothing for PUBLIC: no ACL entry with grantee PUBLIC (0) on the schema,
-- on anything in it, or on any routine.  A NULL ACL means the defaults,
-- which give PUBLIC EXECUTE on routines: acldefault() makes that visible.
SELECT 'schema' AS kind, nspname AS object, a.privilege_type
  FROM pg_namespace, aclexplode(coalesce(nspacl, acldefault('n'::"char", nspowner))) a
 WHERE nspname = 'schemaver' AND a.grantee = 0
UNION ALL
SELECT 'relation', c.oid::regclass::text, a.privilege_type
  FROM pg_class c,
       aclexplode(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
 WHERE c.relnamespace = 'schemaver'::regnamespace AND a.grantee = 0
UNION ALL
SELECT 'routine', r.routine, a.privilege_type
  FROM sv_routines r JOIN pg_proc p ON p.oid = r.oid,
       aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
 WHERE a.grantee = 0
ORDER BY 1, 2, 3;

-- Three roles: the two of the recipe, and one that is granted nothing.
CREATE ROLE regress_sv_priv_migrator;
CREATE ROLE regress_sv_priv_reader;
CREATE ROLE regress_sv_priv_nobody;

-- The recipe of README.md, as written there.
-- migrator: registers revisions and moves the database.
GRANT USAGE ON SCHEMA schemaver TO regress_sv_priv_migrator;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON schemaver.revision, schemaver.version, schemaver.applied, schemaver.log
    TO regress_sv_priv_migrator;
GRANT USAGE ON SEQUENCE schemaver.log_id_seq TO regress_sv_priv_migrator;
GRANT EXECUTE ON ROUTINE
    schemaver_add_revision(text, text, text, text, text, text[], text[]),
    schemaver_add_revision(text, text[], text, text, text, text[], text[]),
    schemaver_upgrade(text),
    schemaver_upgrade(text, text),
    schemaver_downgrade(integer),
    schemaver_downgrade(integer, text),
    schemaver_downgrade(text),
    schemaver_downgrade(text, text),
    schemaver_stamp(text),
    schemaver_upgrade_stepwise(text),
    schemaver_upgrade_stepwise(text, text),
    schemaver_downgrade_stepwise(text),
    schemaver_downgrade_stepwise(text, text),
    schemaver_upgrade_sql(text),
    schemaver_downgrade_sql(integer),
    schemaver_downgrade_sql(text),
    schemaver.run_script_begin(text, text, text),
    schemaver.run_script_step(text, integer, text, text, text, text),
    schemaver.run_script_end(text),
    schemaver.run_script_step_nontx(text, integer, text, text, text, text),
    schemaver_current(),
    schemaver_heads(),
    schemaver_history(),
    schemaver_verify(),
    schemaver_diff(text, text[]),
    schemaver_autogenerate(text, text[]),
    schemaver_revision(text, text, text[], text, text[], text, text, text[], text[]),
    schemaver_lint(text),
    schemaver_sync_check(text),
    schemaver_sync(text[], text[]),
    schemaver_sync_compare(text[], text[]),
    schemaver_read_revision_file(text)
TO regress_sv_priv_migrator;
-- ... and the rights its revisions need on the application's schema.
CREATE SCHEMA sv_priv_app AUTHORIZATION regress_sv_priv_migrator;
-- reader: looks, changes nothing.
GRANT USAGE ON SCHEMA schemaver TO regress_sv_priv_reader;
GRANT SELECT
    ON schemaver.revision, schemaver.version, schemaver.applied, schemaver.log
    TO regress_sv_priv_reader;
GRANT EXECUTE ON FUNCTION
    schemaver_current(),
    schemaver_heads(),
    schemaver_history(),
    schemaver_verify(),
    schemaver_lint(text),
    schemaver_sync_check(text),
    schemaver_sync_compare(text[], text[]),
    schemaver_read_revision_file(text)
TO regress_sv_priv_reader;

-- Who may execute what: the recipe covers every routine of the extension
-- (a routine added later without a line in the recipe shows up here), the
-- trigger function is granted to nobody (triggers do not need it), and a
-- role without grants can execute nothing.
SELECT r.routine,
       has_function_privilege('regress_sv_priv_migrator', r.oid, 'EXECUTE') AS migrator,
       has_function_privilege('regress_sv_priv_reader', r.oid, 'EXECUTE') AS reader,
       has_function_privilege('regress_sv_priv_nobody', r.oid, 'EXECUTE') AS nobody
  FROM sv_routines r
 WHERE has_function_privilege('regress_sv_priv_migrator', r.oid, 'EXECUTE') = r.is_trigger
    OR has_function_privilege('regress_sv_priv_reader', r.oid, 'EXECUTE')
       <> (r.proname IN ('schemaver_current', 'schemaver_heads', 'schemaver_history', 'schemaver_verify',
                         'schemaver_lint',
                         'schemaver_sync_check', 'schemaver_sync_compare', 'schemaver_read_revision_file'))
    OR has_function_privilege('regress_sv_priv_nobody', r.oid, 'EXECUTE')
 ORDER BY r.routine COLLATE "C";

-- A small graph, registered by the superuser, to have something to read.
SELECT schemaver_add_revision('pv_base', NULL, 'SELECT 1', 'SELECT 1', 'base of the privileges test');
SELECT revision FROM schemaver_upgrade('pv_base');
SELECT pg_temp.catalog_state() AS state0 \gset

-- Direct access to the catalog, table by table and statement by statement,
-- summarized per role: "denied" is SQLSTATE 42501, "allowed" anything else
-- (an INSERT of default values may fail on a NOT NULL column: that is past
-- the privilege check).  Each statement is rolled back.
CREATE TEMP TABLE sv_access (role name, op text, tab text, result text);
GRANT INSERT ON sv_access TO PUBLIC;
CREATE TEMP VIEW sv_catalog_ops AS
SELECT c.oid::regclass::text AS tab, o.op,
       CASE o.op
           WHEN 'SELECT' THEN format('SELECT * FROM %s', c.oid::regclass)
           WHEN 'INSERT' THEN format('INSERT INTO %s DEFAULT VALUES', c.oid::regclass)
           WHEN 'UPDATE' THEN format('UPDATE %s SET %I = %I', c.oid::regclass, a.attname, a.attname)
           WHEN 'DELETE' THEN format('DELETE FROM %s', c.oid::regclass)
           WHEN 'TRUNCATE' THEN format('TRUNCATE %s CASCADE', c.oid::regclass)
       END AS stmt
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1,
       (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS o(op)
 WHERE c.relnamespace = 'schemaver'::regnamespace AND c.relkind = 'r'
UNION ALL
SELECT 'schemaver.log_id_seq', o.op, o.stmt
  FROM (VALUES ('nextval', $$SELECT pg_catalog.nextval('schemaver.log_id_seq')$$),
               ('setval', $$SELECT pg_catalog.setval('schemaver.log_id_seq', 1)$$)) AS o(op, stmt);
GRANT SELECT ON sv_routines, sv_catalog_ops TO PUBLIC;
SELECT count(DISTINCT tab) >= 4 AS catalog_tables_checked FROM sv_catalog_ops WHERE op = 'SELECT';

SET SESSION AUTHORIZATION regress_sv_priv_nobody;
INSERT INTO sv_access SELECT current_user, op, tab, pg_temp.attempt(stmt) FROM sv_catalog_ops;
SET SESSION AUTHORIZATION regress_sv_priv_reader;
INSERT INTO sv_access SELECT current_user, op, tab, pg_temp.attempt(stmt) FROM sv_catalog_ops;
SET SESSION AUTHORIZATION regress_sv_priv_migrator;
INSERT INTO sv_access SELECT current_user, op, tab, pg_temp.attempt(stmt) FROM sv_catalog_ops;
RESET SESSION AUTHORIZATION;
SELECT role, op,
       string_agg(DISTINCT CASE WHEN result LIKE '42501:%' THEN 'denied' ELSE 'allowed' END, ', ') AS outcome
  FROM sv_access WHERE tab NOT IN ('schemaver.graph_heads', 'schemaver.synced_directory') GROUP BY role, op
 ORDER BY role, array_position(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'nextval', 'setval'], op);
-- The caches schemaver.graph_heads and schemaver.synced_directory are
-- granted to nobody: the extension reads and writes them as their owner;
-- heads written there by hand could make a new session's upgrade skip a
-- pending revision, and a digest written by hand could make the schemaver
-- command skip registering a directory's new files.
SELECT role, tab,
       string_agg(DISTINCT CASE WHEN result LIKE '42501:%' THEN 'denied' ELSE 'allowed' END, ', ') AS outcome
  FROM sv_access WHERE tab IN ('schemaver.graph_heads', 'schemaver.synced_directory')
 GROUP BY role, tab ORDER BY role, tab;
-- and the messages a role without rights gets, for the record
SELECT DISTINCT regexp_replace(result, '(schema|table|sequence) \S+', '\1 ...') AS nobody_gets
  FROM sv_access WHERE role = 'regress_sv_priv_nobody' ORDER BY 1;
SELECT pg_temp.catalog_state() = :'state0' AS catalog_unchanged;

-- Every routine refuses a role without grants with 42501, before it looks
-- at its arguments.  The reader gets the same from every routine outside
-- its five.  Listed: the calls that did not get 42501 (none).  (The
-- trigger function cannot be called at all; its EXECUTE right is checked
-- above.)
CREATE TEMP TABLE sv_calls (role name, routine text, result text);
GRANT INSERT ON sv_calls TO PUBLIC;
SET SESSION AUTHORIZATION regress_sv_priv_nobody;
INSERT INTO sv_calls SELECT current_user, routine, pg_temp.attempt(call) FROM sv_routines
 WHERE NOT is_trigger;
SET SESSION AUTHORIZATION regress_sv_priv_reader;
INSERT INTO sv_calls SELECT current_user, routine, pg_temp.attempt(call) FROM sv_routines
 WHERE NOT is_trigger
   AND proname NOT IN ('schemaver_current', 'schemaver_heads', 'schemaver_history', 'schemaver_verify',
                       'schemaver_lint',
                       'schemaver_sync_check', 'schemaver_sync_compare', 'schemaver_read_revision_file');
RESET SESSION AUTHORIZATION;
SELECT role, count(*) > 0 AS calls_made, bool_and(result LIKE '42501:%') AS all_denied
  FROM sv_calls GROUP BY role ORDER BY role;
SELECT role, routine, result FROM sv_calls WHERE result NOT LIKE '42501:%' ORDER BY role, routine COLLATE "C";
-- the full error, once
SET SESSION AUTHORIZATION regress_sv_priv_nobody;
SELECT * FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current();
SELECT * FROM schemaver.version;
RESET SESSION AUTHORIZATION;

-- The reader: its five functions work and show the catalog; it can move
-- nothing, register nothing, preview nothing, and write nothing.
SET SESSION AUTHORIZATION regress_sv_priv_reader;
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT * FROM schemaver_heads() ORDER BY 1;
SELECT revision, is_current, applied, applied_by FROM schemaver_history() ORDER BY revision;
SELECT * FROM schemaver_verify() ORDER BY 1, 2;
SELECT revision, rule FROM schemaver_lint('pv_base') ORDER BY 1, 2;
SELECT revision FROM schemaver.version ORDER BY 1;
SELECT stmt, pg_temp.attempt(stmt) FROM (VALUES
  ($$SELECT * FROM schemaver_upgrade('head')$$),
  ($$SELECT * FROM schemaver_downgrade('base')$$),
  ($$SELECT * FROM schemaver_downgrade(1)$$),
  ($$SELECT * FROM schemaver_stamp('base')$$),
  ($$SELECT schemaver_add_revision('pv_reader', NULL, 'SELECT 1')$$),
  ($$SELECT schemaver_upgrade_sql('head')$$),
  ($$CALL schemaver_upgrade_stepwise('head')$$),
  ($$DELETE FROM schemaver.version$$),
  ($$INSERT INTO schemaver.revision (revision, upgrade_sql, checksum) VALUES ('pv_x', '', 'x')$$)
) AS t(stmt) ORDER BY stmt COLLATE "C";
RESET SESSION AUTHORIZATION;
SELECT pg_temp.catalog_state() = :'state0' AS catalog_unchanged;

-- The migrator: registers, moves, stamps and looks, and its revisions run as
-- itself.  sv_priv_app.who records who each revision ran as.
SET SESSION AUTHORIZATION regress_sv_priv_migrator;
SELECT schemaver_add_revision('pv_app1', 'pv_base',
    $$CREATE TABLE sv_priv_app.who (revision text, current_role_name name,
                                   session_role_name name, is_superuser boolean);
      INSERT INTO sv_priv_app.who
      SELECT 'pv_app1', current_user, session_user, rolsuper FROM pg_roles WHERE rolname = current_user$$,
    'DROP TABLE sv_priv_app.who', 'who runs revision SQL');
SELECT schemaver_add_revision('pv_app2', 'pv_app1',
    $$INSERT INTO sv_priv_app.who
      SELECT 'pv_app2', current_user, session_user, rolsuper FROM pg_roles WHERE rolname = current_user$$,
    $$DELETE FROM sv_priv_app.who WHERE revision = 'pv_app2'$$);
SELECT revision, operation FROM schemaver_upgrade('pv_app1');
SELECT * FROM sv_priv_app.who ORDER BY revision;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT revision, operation FROM schemaver_downgrade(1);
CALL schemaver_upgrade_stepwise('pv_app2');
CALL schemaver_downgrade_stepwise('pv_app1');
SELECT revision, operation FROM schemaver_stamp('pv_app2');
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT length(schemaver_downgrade_sql(1)) > 0 AS preview_works;
SELECT revision, applied, applied_by FROM schemaver_history() ORDER BY revision;
SELECT * FROM schemaver_verify() ORDER BY 1, 2;
SELECT revision, operation, performed_by FROM schemaver.log ORDER BY id;
SELECT revision, registered_by FROM schemaver.revision ORDER BY revision;
RESET SESSION AUTHORIZATION;

-- Whoever calls schemaver_upgrade is who the SQL runs as: a revision that the
-- migrator registered runs with the superuser's rights when the superuser
-- applies it (README.md: only run migrations registered by roles you trust).
SELECT revision, operation FROM schemaver_downgrade('pv_app1');
SELECT revision, operation FROM schemaver_upgrade('pv_app2');
SELECT * FROM sv_priv_app.who ORDER BY revision;

-- A revision that needs rights the migrator lacks fails with 42501, names
-- the revision, and leaves nothing behind: not the row its first statement
-- inserted, not the revision before it in the same call.
SELECT revision, operation FROM schemaver_downgrade('pv_base');
SET SESSION AUTHORIZATION regress_sv_priv_migrator;
SELECT schemaver_add_revision('pv_app3', 'pv_app2',
    $$INSERT INTO sv_priv_app.who VALUES ('pv_app3', current_user, session_user, false);
      CREATE TABLE public.sv_priv_forbidden (id int)$$,
    'DROP TABLE public.sv_priv_forbidden');
SELECT pg_temp.catalog_state() AS state1 \gset
SELECT revision, operation FROM schemaver_upgrade('pv_app3');
SELECT 1 AS session_usable;
SELECT pg_temp.catalog_state() = :'state1' AS catalog_unchanged,
       to_regclass('sv_priv_app.who') IS NULL AS pv_app1_undone,
       to_regclass('public.sv_priv_forbidden') IS NULL AS nothing_created;
SELECT * FROM schemaver_current() ORDER BY 1;
-- nor can the migrator change the catalog's definition or the extension
SELECT stmt, pg_temp.attempt(stmt) FROM (VALUES
  ($$ALTER TABLE schemaver.log ADD COLUMN note text$$),
  ($$CREATE TABLE schemaver.extra (id int)$$),
  ($$TRUNCATE schemaver.log$$),
  ($$DROP EXTENSION schemaver$$),
  ($$SELECT pg_catalog.setval('schemaver.log_id_seq', 1)$$)
) AS t(stmt) ORDER BY stmt COLLATE "C";
RESET SESSION AUTHORIZATION;
SELECT pg_temp.catalog_state() = :'state1' AS catalog_unchanged;

-- A role may only see the graph if it may read schemaver.revision, even
-- when this backend has cached the graph for another role already: one
-- that can read schemaver.version but not schemaver.revision gets 42501.
CREATE ROLE regress_sv_priv_partial;
GRANT USAGE ON SCHEMA schemaver TO regress_sv_priv_partial;
GRANT SELECT ON schemaver.version TO regress_sv_priv_partial;
GRANT EXECUTE ON FUNCTION schemaver_heads(), schemaver_current(), schemaver_upgrade(text)
    TO regress_sv_priv_partial;
SELECT * FROM schemaver_heads() ORDER BY 1;
SELECT revision FROM schemaver_upgrade('pv_base');
SET SESSION AUTHORIZATION regress_sv_priv_partial;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver.revision$$);
SELECT left(pg_temp.sqlstate_of($$SELECT * FROM schemaver_heads()$$), 5) AS heads;
SELECT left(pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('pv_base')$$), 5) AS upgrade_nothing_to_do;
RESET SESSION AUTHORIZATION;

-- Clean up.
SELECT revision FROM schemaver_downgrade('base');
DROP VIEW sv_routines, sv_catalog_ops;
DROP EXTENSION schemaver;
DROP SCHEMA sv_priv_app CASCADE;
DROP ROLE regress_sv_priv_migrator, regress_sv_priv_reader, regress_sv_priv_nobody, regress_sv_priv_partial;
