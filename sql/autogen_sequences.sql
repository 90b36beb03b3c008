-- Autogenerate, sequences: options, OWNED BY, serial columns, a default
-- that uses a sequence.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE SEQUENCE s1; CREATE TABLE t (id serial, x int); CREATE SEQUENCE s3 OWNED BY t.x; $a$,
$b$ CREATE SEQUENCE s1 INCREMENT BY 5 MAXVALUE 1000 CYCLE;
    CREATE SEQUENCE s2 AS int START 10;
    CREATE TABLE t (id serial, x int DEFAULT nextval('s2')); $b$);

-- a new table with a serial column: sequence, table, OWNED BY
SELECT * FROM pg_temp.ag_roundtrip(
$a$ $a$,
$b$ CREATE TABLE t (id bigserial PRIMARY KEY, n text); $b$);

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
