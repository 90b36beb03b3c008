-- Autogenerate, bad input of every kind: a clean error with a specific
-- SQLSTATE that says which statement of the desired text failed, nothing
-- changed, the session usable.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;
SELECT pg_temp.ag_reset('{ag}');
CREATE TABLE ag.t (id int PRIMARY KEY);
CREATE TEMP TABLE before AS SELECT pg_temp.ag_fingerprint('{ag}') AS line;

-- arguments
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff(NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', ARRAY['ag', NULL])$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{ag,ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{{ag}}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{pg_catalog}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{information_schema}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{schemaver}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_autogenerate(NULL, '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_autogenerate('', NULL)$$);

-- bad desired text: each error names the statement and its first line
SELECT * FROM schemaver_diff(E'CREATE TABLE t (id int);\nCREATE TABLE u (id nosuchtype);', '{ag}');
SELECT * FROM schemaver_diff(E'CREATE TABLE t (id int);\nCREAT TABLE u ();', '{ag}');
SELECT * FROM schemaver_diff(E'CREATE TABLE t (id int);\nSELECT ''unterminated', '{ag}');
SELECT * FROM schemaver_diff(E'CREATE TABLE t (id int);\nCOMMIT;', '{ag}');
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('BEGIN; CREATE TABLE t (id int);', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('SAVEPOINT s', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('ROLLBACK', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('COPY t FROM stdin', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('COPY (SELECT 1) TO ''/tmp/x''', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('VACUUM', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('PREPARE p AS SELECT 1', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('LISTEN ch', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('ALTER SYSTEM SET work_mem = ''1MB''', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('DROP EXTENSION schemaver', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('DELETE FROM schemaver.revision', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('CREATE TABLE schemaver.x (id int)', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('CREATE TABLE t (id int); CREATE INDEX CONCURRENTLY ON t (id)', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('SELECT schemaver_upgrade()', '{ag}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('SELECT * FROM schemaver_diff('''')', '{ag}')$$);
-- psql meta-commands: only pg_dump's \restrict and \unrestrict lines are skipped
SELECT pg_temp.sqlstate_of(format('SELECT * FROM schemaver_diff(%L, %L)', E'\\i /etc/passwd\nCREATE TABLE t (id int);', '{ag}'));
SELECT pg_temp.sqlstate_of(format('SELECT * FROM schemaver_diff(%L, %L)', E'\\restrict abc def\nCREATE TABLE t (id int);', '{ag}'));
SELECT pg_temp.sqlstate_of(format('SELECT * FROM schemaver_diff(%L, %L)', E'CREATE TABLE t (id int)\n\\gexec', '{ag}'));
SELECT count(*) AS rows FROM schemaver_diff(E'\\restrict Ab12XyZ\nCREATE TABLE t (id int PRIMARY KEY);\n\\unrestrict Ab12XyZ\n', '{ag}');
-- (keys that start with digits too, as pg_dump writes them)
SELECT count(*) AS rows FROM schemaver_diff(E'\\restrict 3bVw9\nCREATE TABLE t (id int PRIMARY KEY);\n\\unrestrict 3bVw9', '{ag}');
-- a \restrict line inside a string or a function body is text, not a command
SELECT kind, object FROM schemaver_diff(E'CREATE TABLE t (id int PRIMARY KEY);\nCOMMENT ON TABLE t IS ''x\n\\restrict k\n'';', '{ag}');
-- a statement's first line with control characters is escaped in the context
SELECT * FROM schemaver_diff(E'CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE "a\x1b[31mb" (id nosuchtype);', '{ag}');

-- settings the desired text changes do not leak out of the call
SHOW work_mem;
SELECT count(*) FROM schemaver_diff($$SET work_mem = '1234kB'; SELECT pg_catalog.set_config('search_path', '', false); CREATE TABLE ag.t (id int PRIMARY KEY);$$, '{ag}');
SHOW work_mem;
SHOW search_path;

-- nothing changed, and the session is usable
SELECT pg_temp.ag_mismatch(ARRAY(SELECT line FROM before), '{ag}') AS changed;
SELECT count(*) AS stray_schemas FROM pg_namespace WHERE nspname LIKE 'schemaver_live%';
SELECT 1 AS usable;
-- a schema that has the name the live schema would be renamed to: another is taken
CREATE SCHEMA schemaver_live_0_ag;
SELECT count(*) AS rows FROM schemaver_diff('CREATE TABLE ag.t (id int PRIMARY KEY);', '{ag}');
DROP SCHEMA schemaver_live_0_ag;

-- objects of kinds that are not compared: a WARNING names them
CREATE TEXT SEARCH CONFIGURATION ag.tsc (COPY = pg_catalog.simple);
SELECT count(*) AS rows FROM schemaver_diff('CREATE TABLE ag.t (id int PRIMARY KEY);', '{ag}');
SELECT count(*) AS rows FROM schemaver_diff('CREATE TABLE ag.t (id int PRIMARY KEY); CREATE TEXT SEARCH CONFIGURATION ag.tsc (COPY = pg_catalog.simple);', '{ag}');
DROP TEXT SEARCH CONFIGURATION ag.tsc;

-- rights: the caller must be able to create schemas and own the managed ones
CREATE ROLE regress_ag_user;
GRANT EXECUTE ON FUNCTION schemaver_diff(text, text[]) TO regress_ag_user;
GRANT USAGE ON SCHEMA ag TO regress_ag_user;
SET ROLE regress_ag_user;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{ag}')$$);
RESET ROLE;
DO $$BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_ag_user', current_database()); END$$;
SET ROLE regress_ag_user;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{ag}')$$);
RESET ROLE;
DO $$BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_ag_user', current_database()); END$$;
REVOKE ALL ON FUNCTION schemaver_diff(text, text[]) FROM regress_ag_user;
SET ROLE regress_ag_user;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_diff('', '{ag}')$$);
RESET ROLE;
REVOKE ALL ON SCHEMA ag FROM regress_ag_user;
DROP ROLE regress_ag_user;

-- schemaver_revision
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision(NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', revision => 'bad id')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', revision => 'head')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', down_revision => ARRAY['ok', 'not ok'])$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', down_revision => ARRAY[NULL::text])$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', depends_on => ARRAY['x;y'])$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', desired => '', upgrade => 'SELECT 1')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m', desired => 'CREAT TABLE', schemas => '{ag}')$$);
SELECT schemaver_add_revision('h1', NULL, '', '', 'one');
SELECT schemaver_add_revision('h2', NULL, '', '', 'two');
SELECT pg_temp.sqlstate_of($$SELECT schemaver_revision('m')$$);

DROP TABLE before;
DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
