-- Autogenerate, views and materialized views; a column type change
-- drops the views over it before and creates them again after.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (id int, v int); CREATE VIEW v1 AS SELECT id, v FROM t;
    CREATE VIEW v2 AS SELECT id FROM v1 WHERE v > 0;
    CREATE MATERIALIZED VIEW mv AS SELECT id FROM t; CREATE INDEX mv_i ON mv (id); $a$,
$b$ CREATE TABLE t (id bigint, v int); CREATE VIEW v1 AS SELECT id, v FROM t;
    CREATE VIEW v2 AS SELECT id FROM v1 WHERE v > 0;
    CREATE MATERIALIZED VIEW mv AS SELECT id FROM t WITH NO DATA; CREATE INDEX mv_i ON mv (id);
    CREATE VIEW v3 WITH (security_barrier) AS SELECT v FROM t WITH CHECK OPTION; $b$);

-- a view whose query changes
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (id int, v int); CREATE VIEW v AS SELECT id FROM t; $a$,
$b$ CREATE TABLE t (id int, v int); CREATE VIEW v AS SELECT id, v * 2 AS w FROM t WHERE v IS NOT NULL; $b$);

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
