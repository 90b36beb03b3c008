-- Settings stay inside their revision: what a revision changes with SET,
-- SET LOCAL, RESET, set_config(..., false), SET ROLE or SET SESSION
-- AUTHORIZATION lasts until the end of that revision.  The next revision
-- starts with the caller's settings, the bookkeeping runs as the caller,
-- and the caller's session has its own settings afterwards -- after a
-- successful call, a failed one, a call inside a transaction block, and the
-- stepwise procedures that commit between revisions.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

CREATE SCHEMA sv_scope_a;
CREATE SCHEMA sv_scope_b;
CREATE ROLE regress_sv_scope_role;
CREATE TABLE public.scope_seen (
    n serial PRIMARY KEY, revision text, moment text, search_path text,
    lock_timeout text, statement_timeout text, app text, custom text,
    made_in_r1 text, role_name name, session_role name);
GRANT INSERT ON public.scope_seen TO regress_sv_scope_role;
GRANT USAGE ON SEQUENCE public.scope_seen_n_seq TO regress_sv_scope_role;

-- seen(rev, moment): the statement a revision runs to record what it sees.
CREATE FUNCTION pg_temp.seen(rev text, moment text) RETURNS text
LANGUAGE sql AS $fn$
    SELECT format($s$INSERT INTO public.scope_seen (revision, moment, search_path,
        lock_timeout, statement_timeout, app, custom, made_in_r1, role_name, session_role)
        SELECT %L, %L, current_setting('search_path'), current_setting('lock_timeout'),
               current_setting('statement_timeout'), current_setting('application_name'),
               current_setting('sv_scope.custom', true),
               coalesce(current_setting('sv_scope.made_in_r1', true), ''),
               current_user, session_user$s$, rev, moment)
$fn$;

-- What the caller's session has, before and after each call.
CREATE FUNCTION pg_temp.caller_settings() RETURNS TABLE (search_path text, lock_timeout text,
    statement_timeout text, app text, custom text, made_in_r1 text, role_name name, session_role name)
LANGUAGE sql AS $fn$
    SELECT current_setting('search_path'), current_setting('lock_timeout'),
           current_setting('statement_timeout'), current_setting('application_name'),
           current_setting('sv_scope.custom', true),
           coalesce(current_setting('sv_scope.made_in_r1', true), ''),
           current_user, session_user
$fn$;

-- Revisions that change every kind of setting, each recording what it sees
-- when it starts and when it ends.
SELECT schemaver_add_revision('ss1', NULL,
    pg_temp.seen('ss1', 'start') || ';
     SET search_path = sv_scope_b, public;
     CREATE TABLE where_am_i (id int);
     SET lock_timeout = ''1234ms'';
     SET LOCAL statement_timeout = ''55s'';
     SELECT set_config(''application_name'', ''set_by_ss1'', false);
     SELECT set_config(''sv_scope.custom'', ''ss1'', false);
     SELECT set_config(''sv_scope.made_in_r1'', ''leaked'', false);
     SET ROLE regress_sv_scope_role;
     ' || pg_temp.seen('ss1', 'end'),
    'DROP TABLE sv_scope_b.where_am_i');
SELECT schemaver_add_revision('ss2', 'ss1',
    pg_temp.seen('ss2', 'start') || ';
     SET SESSION AUTHORIZATION regress_sv_scope_role;
     SET lock_timeout = ''2s'';
     ' || pg_temp.seen('ss2', 'end'),
    pg_temp.seen('ss2', 'down start') || ';
     SET lock_timeout = ''3ms'';
     SET search_path = pg_catalog;
     ' || pg_temp.seen('ss2', 'down end'));
SELECT schemaver_add_revision('ss3', 'ss2',
    pg_temp.seen('ss3', 'start') || ';
     RESET ALL;
     ' || pg_temp.seen('ss3', 'end'),
    'SELECT 1');

-- The caller's settings.
SET search_path = sv_scope_a, public;
SET lock_timeout = '7s';
SET application_name = 'caller_app';
SET sv_scope.custom = 'caller';
SELECT * FROM pg_temp.caller_settings();

SELECT revision, operation FROM schemaver_upgrade('ss3');
SELECT * FROM pg_temp.caller_settings();
-- (RESET ALL in ss3 goes back to the connection's defaults, within ss3.)
SELECT revision, moment, search_path, lock_timeout, statement_timeout,
       CASE WHEN app LIKE 'pg\_regress%' THEN '<connection default>' ELSE app END AS app,
       custom, made_in_r1, role_name, session_role
  FROM public.scope_seen ORDER BY n;
-- SET inside ss1 did apply to ss1 itself: its table went to sv_scope_b
SELECT to_regclass('sv_scope_b.where_am_i') IS NOT NULL AS in_b,
       to_regclass('sv_scope_a.where_am_i') IS NULL AS not_in_a;
-- and the bookkeeping ran as the caller, not as the role ss1 or ss2 set
SELECT revision, operation, performed_by FROM schemaver.log ORDER BY id;

-- Downgrade SQL is scoped the same way.
TRUNCATE public.scope_seen;
SELECT revision, operation FROM schemaver_downgrade('ss1');
SELECT * FROM pg_temp.caller_settings();
SELECT revision, moment, search_path, lock_timeout, role_name, session_role
  FROM public.scope_seen ORDER BY n;

-- A call that fails after a revision changed settings: the caller's
-- settings are those from before the call.
SELECT schemaver_add_revision('ss_fail', 'ss1',
    'SET lock_timeout = ''9ms''; SET ROLE regress_sv_scope_role; SELECT 1 / 0', 'SELECT 1');
SELECT revision FROM schemaver_upgrade('ss_fail');
SELECT * FROM pg_temp.caller_settings();

-- Inside the caller's transaction block: a SET LOCAL of the caller stays,
-- the revision's settings do not, and COMMIT ends the caller's SET LOCAL as
-- usual.
TRUNCATE public.scope_seen;
BEGIN;
SET LOCAL lock_timeout = '8s';
SET LOCAL search_path = sv_scope_b, public;
SELECT revision, operation FROM schemaver_upgrade('ss2');
SELECT * FROM pg_temp.caller_settings();
SELECT revision, operation FROM schemaver_downgrade('ss1');
SELECT * FROM pg_temp.caller_settings();
COMMIT;
SELECT * FROM pg_temp.caller_settings();
SELECT revision, moment, search_path, lock_timeout, role_name, session_role
  FROM public.scope_seen ORDER BY n;

-- The stepwise procedures commit after each revision: still no leak.
TRUNCATE public.scope_seen;
CALL schemaver_upgrade_stepwise('ss3');
SELECT * FROM pg_temp.caller_settings();
CALL schemaver_downgrade_stepwise('ss1');
SELECT * FROM pg_temp.caller_settings();
SELECT revision, moment, search_path, lock_timeout,
       CASE WHEN app LIKE 'pg\_regress%' THEN '<connection default>' ELSE app END AS app,
       custom, role_name, session_role
  FROM public.scope_seen ORDER BY n;

-- Clean up.
RESET search_path;
RESET lock_timeout;
RESET application_name;
SELECT revision FROM schemaver_downgrade('base') ORDER BY 1;
DROP EXTENSION schemaver;
DROP TABLE public.scope_seen;
DROP SCHEMA sv_scope_a, sv_scope_b;
DROP ROLE regress_sv_scope_role;
