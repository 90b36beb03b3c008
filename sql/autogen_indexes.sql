-- Autogenerate, indexes: expression, partial, INCLUDE, method, opclass,
-- unique, sort order, storage parameters.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (a int, b text, c jsonb); CREATE INDEX i1 ON t (a); CREATE INDEX i2 ON t (lower(b));
    CREATE INDEX gone ON t (b); $a$,
$b$ CREATE TABLE t (a int, b text, c jsonb);
    CREATE INDEX i1 ON t (a DESC NULLS LAST) WHERE a > 0;
    CREATE UNIQUE INDEX i2 ON t (lower(b)) INCLUDE (a);
    CREATE INDEX i3 ON t USING gin (c jsonb_path_ops);
    CREATE INDEX i4 ON t USING hash (b);
    CREATE INDEX i5 ON t (b text_pattern_ops) WITH (fillfactor = 70); $b$);

-- an index on a function of the schema: the function first, dropped last
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (a int); $a$,
$b$ CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
    CREATE TABLE t (a int); CREATE INDEX t_twice ON t (twice(a)); $b$);

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
