-- Lint rules about whole tables and revisions: renaming or dropping a table
-- (and what it breaks), renaming a schema or an enum value, data changes in
-- a revision that also alters existing tables, a missing downgrade.  And how
-- names are resolved: as the revision will see them when it runs (its own
-- SET search_path, tables it creates, renames or drops earlier), never
-- failing on what does not exist yet.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
\i sql/include/lint_helpers.sql

SET schemaver.lint_table_rows = 100;
SET schemaver.lint_table_size = -1;

CREATE TABLE lt_big (id int PRIMARY KEY, a int) WITH (autovacuum_enabled = false);
INSERT INTO lt_big SELECT g, g FROM generate_series(1, 1000) g;
CREATE TABLE lt_small (id int PRIMARY KEY, big_id int REFERENCES lt_big (id))
  WITH (autovacuum_enabled = false);
INSERT INTO lt_small SELECT g, g FROM generate_series(1, 10) g;
CREATE TABLE lt_lonely (id int) WITH (autovacuum_enabled = false);
CREATE VIEW lt_view AS SELECT id FROM lt_small;
CREATE FUNCTION lt_count() RETURNS bigint LANGUAGE plpgsql AS $f$
BEGIN
    RETURN (SELECT count(*) FROM lt_lonely);
END
$f$;
CREATE TYPE lt_mood AS ENUM ('sad', 'ok');
CREATE SCHEMA lt_app;
CREATE TABLE lt_app.lt_big (id int, a int) WITH (autovacuum_enabled = false);
INSERT INTO lt_app.lt_big SELECT g, g FROM generate_series(1, 500) g;
ANALYZE lt_big, lt_small, lt_lonely, lt_app.lt_big;

--
-- rename-table, drop-table and breaks-dependents for tables
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE lt_lonely RENAME TO lt_alone;
ALTER TABLE lt_alone RENAME TO lt_lonely
$$);
SELECT * FROM pg_temp.lint($$
DROP TABLE lt_small;
DROP TABLE lt_big CASCADE;
DROP TABLE lt_lonely
$$);
-- a table the revision created, or one that does not exist: nothing
SELECT * FROM pg_temp.lint($$
CREATE TABLE lt_tmp (id int);
ALTER TABLE lt_tmp RENAME TO lt_tmp2;
DROP TABLE lt_tmp2;
DROP TABLE IF EXISTS lt_nothing
$$);

--
-- rename-schema and rename-enum-value
--
SELECT * FROM pg_temp.lint($$
ALTER SCHEMA lt_app RENAME TO lt_app2;
ALTER TYPE lt_mood RENAME VALUE 'ok' TO 'fine'
$$);
-- adding a value, or renaming a schema that does not exist yet, is fine
SELECT * FROM pg_temp.lint($$
ALTER TYPE lt_mood ADD VALUE 'happy' AFTER 'ok';
CREATE SCHEMA lt_later;
ALTER SCHEMA lt_later RENAME TO lt_later2
$$);

--
-- backfill-with-ddl: UPDATE or DELETE without WHERE (warning on a small
-- table), or of a big table (error), in a revision that also takes strong
-- locks on existing tables, before or after
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE lt_small ADD COLUMN c int;
UPDATE lt_small SET c = 0;
UPDATE lt_big SET a = a + 1 WHERE id < 10;
DELETE FROM lt_big
$$);
SELECT * FROM pg_temp.lint($$
DELETE FROM lt_small;
CREATE INDEX ON lt_small (big_id)
$$);
-- safe: the data change alone (a revision of its own), with DDL only on a
-- new table, or a targeted change of a small table
SELECT * FROM pg_temp.lint($$
UPDATE lt_big SET a = 0;
DELETE FROM lt_small WHERE id = 1
$$);
SELECT * FROM pg_temp.lint($$
CREATE TABLE lt_copy (id int);
INSERT INTO lt_copy SELECT id FROM lt_big;
UPDATE lt_small SET big_id = 1 WHERE id = 2
$$);

--
-- missing-downgrade: a revision-level finding (statement NULL)
--
SELECT * FROM pg_temp.lint('SELECT 1', NULL);
SELECT * FROM pg_temp.lint('', NULL);

--
-- Names resolve as when the revision runs.
--
-- the revision's SET search_path: lt_big is lt_app.lt_big (500 rows) after it
SELECT * FROM pg_temp.lint($$
CREATE INDEX ON lt_big (a);
SET search_path = lt_app, public;
CREATE INDEX ON lt_big (a);
RESET search_path;
CREATE INDEX ON lt_big (a);
SET LOCAL search_path TO lt_app;
CREATE INDEX ON public.lt_big (a)
$$);
-- ... and it ends with the revision
SHOW search_path;
-- a table created earlier in the revision shadows a later one on the path
SELECT * FROM pg_temp.lint($$
SET search_path = lt_app, public;
DROP TABLE lt_app.lt_big;
CREATE INDEX ON lt_big (id);
CREATE TABLE lt_big (id int);
CREATE INDEX ON lt_big (id)
$$);
-- a rename: the new name is the old table, the old name is gone
SELECT * FROM pg_temp.lint($$
ALTER TABLE lt_big RENAME TO lt_renamed;
CREATE INDEX ON lt_renamed (a);
CREATE INDEX ON lt_big (a)
$$);
-- SET SCHEMA moves the name
SELECT * FROM pg_temp.lint($$
ALTER TABLE lt_app.lt_big SET SCHEMA public;
ALTER TABLE lt_big RENAME TO lt_other;
ALTER TABLE lt_other ADD COLUMN v uuid DEFAULT gen_random_uuid()
$$);
-- a temporary table of the revision comes first on the path
SELECT * FROM pg_temp.lint($$
CREATE TEMP TABLE lt_big (id int);
CREATE INDEX ON lt_big (id)
$$);
-- the schemaver catalog is not linted: revision SQL may not touch it
SELECT * FROM pg_temp.lint($$
DROP TABLE schemaver.log;
ALTER SCHEMA schemaver RENAME TO sv2
$$);
-- objects that do not exist and malformed names: no finding, no error
SELECT * FROM pg_temp.lint($$
ALTER TABLE lt_nothing ADD COLUMN x int DEFAULT random();
ALTER TABLE IF EXISTS lt_nothing_either RENAME COLUMN a TO b;
CREATE INDEX ON lt_none.lt_nothing (id);
DROP INDEX a.b.c.d;
ALTER TABLE other_db.public.lt_big ADD COLUMN y int DEFAULT random();
ALTER TABLE lt_big ADD COLUMN z int DEFAULT a.b.c.d();
ALTER TABLE lt_big ADD COLUMN w int DEFAULT 1 OPERATOR(lt_none.===) 2;
ALTER TABLE lt_big ADD COLUMN w2 int DEFAULT 1 OPERATOR(pg_catalog.+) 2
$$);

-- control characters in names (quoted identifiers hold anything) reach no
-- terminal: the message writes them escaped (\x1b, \n)
SELECT stmt, rule, message FROM pg_temp.lint(E'ALTER TABLE lt_big ADD COLUMN "x\x1b[31mred\nWARNING:  fake" uuid DEFAULT gen_random_uuid()');

-- With an empty search_path every query of the lint still finds its
-- objects (they are all schema-qualified), and so do the revision's own
-- qualified names.
SET search_path = '';
SELECT stmt, rule FROM pg_temp.lint($$
ALTER TABLE public.lt_big ALTER COLUMN a SET NOT NULL;
ALTER TABLE public.lt_big ALTER COLUMN a TYPE bigint;
ALTER TABLE public.lt_lonely RENAME TO lt_alone;
DROP TABLE public.lt_small
$$);
RESET search_path;

-- Linting changed nothing.
SELECT relname FROM pg_class WHERE relname LIKE 'lt\_%' AND relkind IN ('r', 'v') ORDER BY 1;
SELECT enum_range(NULL::lt_mood);

DROP VIEW lt_view;
DROP FUNCTION lt_count();
DROP TABLE lt_small, lt_big, lt_lonely, lt_app.lt_big;
DROP SCHEMA lt_app;
DROP TYPE lt_mood;
DROP EXTENSION schemaver;
