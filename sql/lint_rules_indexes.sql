-- Lint rules about indexes and whole-table operations: CREATE, DROP and
-- REINDEX without CONCURRENTLY on a big table (by rows or by size), VACUUM
-- FULL, CLUSTER, LOCK TABLE, DETACH PARTITION without CONCURRENTLY, and the
-- statements that cannot run in a transactional revision at all.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
\i sql/include/lint_helpers.sql

SET schemaver.lint_table_rows = 100;
SET schemaver.lint_table_size = -1;

CREATE TABLE li_big (id int PRIMARY KEY, a int, b text) WITH (autovacuum_enabled = false);
INSERT INTO li_big SELECT g, g, 'b' FROM generate_series(1, 1000) g;
CREATE INDEX li_big_a ON li_big (a);
CREATE TABLE li_small (id int PRIMARY KEY, a int) WITH (autovacuum_enabled = false);
INSERT INTO li_small SELECT g, g FROM generate_series(1, 10) g;
CREATE INDEX li_small_a ON li_small (a);
-- a partitioned table: the facts are those of its partitions
CREATE TABLE li_part (id int, a int) PARTITION BY RANGE (id);
CREATE TABLE li_part_1 PARTITION OF li_part FOR VALUES FROM (0) TO (600)
  WITH (autovacuum_enabled = false);
CREATE TABLE li_part_2 PARTITION OF li_part FOR VALUES FROM (600) TO (2000)
  WITH (autovacuum_enabled = false);
INSERT INTO li_part SELECT g, g FROM generate_series(1, 1000) g;
ANALYZE li_big, li_small, li_part_1, li_part_2;

--
-- create-index-non-concurrently
--
SELECT * FROM pg_temp.lint($$
CREATE INDEX ON li_big (b);
CREATE UNIQUE INDEX li_big_b_key ON li_big (b);
CREATE INDEX li_part_a ON li_part (a)
$$);
-- safe: a small table, a new table, an index that exists already (built
-- CONCURRENTLY before the migration) with IF NOT EXISTS, ON ONLY the parent
SELECT * FROM pg_temp.lint($$
CREATE INDEX ON li_small (id, a);
CREATE TABLE li_new (id int);
CREATE INDEX ON li_new (id);
CREATE INDEX IF NOT EXISTS li_big_a ON li_big (a);
CREATE INDEX li_part_a ON ONLY li_part (a)
$$);
-- CONCURRENTLY is the safe form, but a transactional revision cannot run it:
-- schemaver_lint() says so (the upgrade itself refuses it with its own error)
SELECT * FROM pg_temp.lint($$
CREATE INDEX CONCURRENTLY li_big_b ON li_big (b)
$$);

-- "big" by size: a table never analyzed has no row estimate, its size
-- decides (3000 rows: 112 kB, above 64 kB; the small table with its two
-- indexes: 40 kB); -1 turns a criterion off
CREATE TABLE li_unanalyzed (id int) WITH (autovacuum_enabled = false);
INSERT INTO li_unanalyzed SELECT generate_series(1, 3000);
SELECT reltuples FROM pg_class WHERE relname = 'li_unanalyzed';
SELECT * FROM pg_temp.lint($$CREATE INDEX ON li_unanalyzed (id)$$);
SET schemaver.lint_table_size = '64kB';
SELECT * FROM pg_temp.lint($$CREATE INDEX ON li_unanalyzed (id)$$);
-- and the small table is small by size too
SELECT * FROM pg_temp.lint($$CREATE INDEX ON li_small (a, id)$$);
SET schemaver.lint_table_size = -1;
SET schemaver.lint_table_rows = -1;
SELECT * FROM pg_temp.lint($$CREATE INDEX ON li_big (b)$$);
SET schemaver.lint_table_rows = 100;

--
-- drop-index-non-concurrently
--
SELECT * FROM pg_temp.lint($$
DROP INDEX li_big_a;
DROP INDEX IF EXISTS public.li_big_a
$$);
SELECT * FROM pg_temp.lint($$
DROP INDEX li_small_a;
DROP INDEX IF EXISTS li_nothing;
-- schemaver:lint-ignore create-index-non-concurrently
CREATE INDEX li_big_tmp ON li_big (a) WHERE a < 0;
DROP INDEX li_big_tmp
$$);
SELECT * FROM pg_temp.lint($$
DROP INDEX CONCURRENTLY li_big_a
$$);

--
-- reindex-non-concurrently
--
SELECT * FROM pg_temp.lint($$
REINDEX TABLE li_big;
REINDEX INDEX li_big_a;
REINDEX SCHEMA public
$$);
SELECT * FROM pg_temp.lint($$
REINDEX TABLE li_small;
REINDEX TABLE CONCURRENTLY li_big;
REINDEX (CONCURRENTLY true) INDEX li_big_a
$$);

--
-- vacuum-full and cluster (plain VACUUM cannot run in a transactional
-- revision either; ANALYZE can, and is fine)
--
SELECT * FROM pg_temp.lint($$
VACUUM FULL li_big;
VACUUM (FULL, ANALYZE) li_big, li_small;
VACUUM FULL;
CLUSTER li_big USING li_big_pkey;
CLUSTER
$$);
SELECT * FROM pg_temp.lint($$
VACUUM (FULL false) li_big;
ANALYZE li_big;
CLUSTER li_small USING li_small_pkey
$$);

--
-- lock-table: modes that block reads or writes, whatever the size
--
SELECT * FROM pg_temp.lint($$
LOCK TABLE li_small IN ACCESS EXCLUSIVE MODE;
LOCK li_small;
LOCK TABLE li_small IN SHARE MODE;
LOCK TABLE li_small IN EXCLUSIVE MODE;
LOCK TABLE li_small IN SHARE ROW EXCLUSIVE MODE
$$);
SELECT * FROM pg_temp.lint($$
LOCK TABLE li_small IN ACCESS SHARE MODE;
LOCK TABLE li_small IN ROW EXCLUSIVE MODE;
LOCK TABLE li_small IN SHARE UPDATE EXCLUSIVE MODE;
CREATE TABLE li_new (id int);
LOCK TABLE li_new IN ACCESS EXCLUSIVE MODE
$$);

--
-- detach-partition-non-concurrently
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE li_part DETACH PARTITION li_part_2
$$);
SELECT * FROM pg_temp.lint($$
ALTER TABLE li_part DETACH PARTITION li_part_2 CONCURRENTLY
$$);

--
-- non-transactional-statement: what PostgreSQL refuses in a transaction
-- block, which is where every statement of a transactional revision runs
--
SELECT * FROM pg_temp.lint($$
CREATE DATABASE li_db;
DROP DATABASE IF EXISTS li_db;
ALTER SYSTEM SET work_mem = '8MB';
VACUUM li_small
$$);

-- Linting changed nothing.
SELECT indexrelid::regclass::text AS index FROM pg_index
 WHERE indrelid IN ('li_big'::regclass, 'li_small'::regclass) ORDER BY 1;
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'li_part'::regclass;

DROP TABLE li_big, li_small, li_part, li_unanalyzed;
DROP EXTENSION schemaver;
