-- Autogenerate, partitioned tables, partitions (range, list, hash,
-- default, sub-partitioned) and inheritance.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE m (id int, at date NOT NULL, v text) PARTITION BY RANGE (at);
    CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE INDEX ON m (id); $a$,
$b$ CREATE TABLE m (id int, at date NOT NULL, v text, w int) PARTITION BY RANGE (at);
    CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    CREATE TABLE m_rest PARTITION OF m DEFAULT;
    CREATE INDEX ON m (id);
    CREATE TABLE l (k text) PARTITION BY LIST (k);
    CREATE TABLE l_a PARTITION OF l FOR VALUES IN ('a') PARTITION BY HASH (k);
    CREATE TABLE l_a0 PARTITION OF l_a FOR VALUES WITH (MODULUS 2, REMAINDER 0); $b$);

-- a partition bound changed: detached and attached again
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE m (at int) PARTITION BY RANGE (at); CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10); $a$,
$b$ CREATE TABLE m (at int) PARTITION BY RANGE (at); CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (20); $b$);

-- inheritance (a change of parents replaces the child table)
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE base (a int); CREATE TABLE kid (b int) INHERITS (base); $a$,
$b$ CREATE TABLE base (a int, c int); CREATE TABLE kid (b int) INHERITS (base); CREATE TABLE kid2 () INHERITS (base); $b$);

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
