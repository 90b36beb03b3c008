-- Autogenerate, extensions created in a managed schema.  An extension
-- exists once per database: while the desired schema is built, the live
-- one is moved into the fresh schema of the same name (so that
-- "ag.citext" resolves there), and CREATE EXTENSION of it in the desired
-- text is taken as saying that the desired schema has it.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;
-- (the version of citext differs between PostgreSQL releases: shown as '...')
CREATE FUNCTION pg_temp.no_version(s text) RETURNS text LANGUAGE sql
    AS $$ SELECT regexp_replace(s, 'VERSION ''[0-9.]+''', 'VERSION ''...''', 'g') $$;

-- a new extension, and a column of its type
SELECT step, kind, object, pg_temp.no_version(upgrade) AS upgrade, pg_temp.no_version(downgrade) AS downgrade, hazard FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (id int); $a$,
$b$ CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA ag; CREATE TABLE t (id int, email ag.citext); $b$);

-- kept (pg_dump's CREATE EXTENSION IF NOT EXISTS), and used by a new column
SELECT step, kind, object, pg_temp.no_version(upgrade) AS upgrade, pg_temp.no_version(downgrade) AS downgrade, hazard FROM pg_temp.ag_roundtrip(
$a$ CREATE EXTENSION citext WITH SCHEMA ag; CREATE TABLE t (id int, email citext); $a$,
$b$ CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA ag; CREATE TABLE t (id int, email ag.citext, n citext); $b$);

-- not in the desired text and not used: dropped, after the column that
-- used it changed type
SELECT step, kind, object, pg_temp.no_version(upgrade) AS upgrade, pg_temp.no_version(downgrade) AS downgrade, hazard FROM pg_temp.ag_roundtrip(
$a$ CREATE EXTENSION citext WITH SCHEMA ag; CREATE TABLE t (id int, email citext); $a$,
$b$ CREATE TABLE t (id int, email text); $b$);

-- not in the desired text but used by it: kept
SELECT pg_temp.ag_reset('{ag}');
CREATE EXTENSION citext WITH SCHEMA ag;
CREATE TABLE ag.t (id int, email ag.citext);
SELECT count(*) AS rows FROM schemaver_diff($b$ CREATE TABLE t (id int, email citext); $b$, '{ag}');

-- the extension's own objects are never compared, and nothing remains
SELECT extname, extnamespace::regnamespace FROM pg_extension WHERE extname = 'citext';
SELECT count(*) AS stray_schemas FROM pg_namespace WHERE nspname LIKE 'schemaver_live%';

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
