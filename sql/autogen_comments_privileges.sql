-- Autogenerate, comments and privileges (GRANT / REVOKE, column
-- privileges, grant options, PUBLIC).  Owners are never compared.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;
CREATE ROLE regress_ag_reader;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (id int, v int); COMMENT ON TABLE t IS 'old'; GRANT SELECT ON t TO regress_ag_reader;
    CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'; COMMENT ON FUNCTION f() IS 'gone'; $a$,
$b$ CREATE TABLE t (id int, v int); COMMENT ON TABLE t IS 'new''s'; COMMENT ON COLUMN t.v IS 'the v';
    GRANT SELECT, INSERT ON t TO regress_ag_reader WITH GRANT OPTION; GRANT UPDATE (v) ON t TO regress_ag_reader;
    CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'; REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;
    CREATE VIEW vv AS SELECT 1 AS one; COMMENT ON COLUMN vv.one IS 'one'; GRANT SELECT ON vv TO regress_ag_reader;
    CREATE SEQUENCE s; GRANT USAGE ON SEQUENCE s TO regress_ag_reader;
    CREATE TYPE e AS ENUM ('a'); REVOKE USAGE ON TYPE e FROM PUBLIC; COMMENT ON TYPE e IS 'an enum';
    COMMENT ON SCHEMA ag IS 'the ag schema'; GRANT USAGE ON SCHEMA ag TO regress_ag_reader; $b$);

-- owners are not compared: the desired text's owner statements (of roles
-- that need not exist here) are skipped
SELECT pg_temp.ag_reset('{ag}');
CREATE TABLE ag.t (id int);
ALTER TABLE ag.t OWNER TO regress_ag_reader;
SELECT count(*) AS rows FROM schemaver_diff(
$b$ CREATE TABLE t (id int); ALTER TABLE t OWNER TO regress_nobody_here;
    ALTER SCHEMA ag OWNER TO regress_nobody_here;
    ALTER FUNCTION pg_catalog.now() OWNER TO regress_nobody_here; $b$, '{ag}');

DROP SCHEMA ag CASCADE;
DROP ROLE regress_ag_reader;
DROP EXTENSION schemaver;
