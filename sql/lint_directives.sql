-- Silencing: "-- schemaver:lint-ignore rule[, rule...] [-- reason]" on a
-- line of its own in the blanks before a statement silences those rules
-- for that statement, and for no other.  A revision-level rule
-- (missing-downgrade) may be named before any statement.  What a directive
-- gets wrong is itself a finding (lint-directive).
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
\i sql/include/lint_helpers.sql

SET schemaver.lint_table_rows = 100;
SET schemaver.lint_table_size = -1;
CREATE TABLE ld_big (id int PRIMARY KEY, a int, b int) WITH (autovacuum_enabled = false);
INSERT INTO ld_big SELECT g, g, g FROM generate_series(1, 1000) g;
ANALYZE ld_big;

-- Without directives: three findings.
SELECT stmt, rule FROM pg_temp.lint($$
CREATE INDEX ON ld_big (a);
CREATE INDEX ON ld_big (b);
ALTER TABLE ld_big ADD COLUMN c uuid DEFAULT gen_random_uuid()
$$);

-- One statement silenced: exactly that one.
SELECT stmt, rule FROM pg_temp.lint($$
CREATE INDEX ON ld_big (a);
-- schemaver:lint-ignore create-index-non-concurrently
CREATE INDEX ON ld_big (b);
ALTER TABLE ld_big ADD COLUMN c uuid DEFAULT gen_random_uuid()
$$);

-- With a blank after "schemaver:", as the other directives are written
-- ("-- schemaver: transaction=off"): the same directive.
SELECT stmt, rule FROM pg_temp.lint($$
CREATE INDEX ON ld_big (a);
-- schemaver: lint-ignore create-index-non-concurrently
CREATE INDEX ON ld_big (b);
ALTER TABLE ld_big ADD COLUMN c uuid DEFAULT gen_random_uuid()
$$);

-- A non-transactional revision: CREATE INDEX CONCURRENTLY is what it is
-- for, and is not reported (non-transactional-statement) ...
SELECT stmt, rule FROM pg_temp.lint($$
-- schemaver: transaction=off
CREATE INDEX CONCURRENTLY ON ld_big (a)
$$);
-- ... while in an ordinary revision it is.
SELECT stmt, rule FROM pg_temp.lint($$
CREATE INDEX CONCURRENTLY ON ld_big (a)
$$);

-- Forms: several rules, commas, any case, blanks, a reason, other comments
-- between the directive and the statement, the first statement.
SELECT stmt, rule FROM pg_temp.lint($$
	-- schemaver:lint-ignore create-index-non-concurrently -- built before the deploy
CREATE INDEX ON ld_big (a);
--   SCHEMAVER:LINT-IGNORE   Create-Index-Non-Concurrently,add-column-volatile-default
/* a block comment */
-- another comment
CREATE INDEX ON ld_big (b);
-- schemaver:lint-ignore add-column-volatile-default create-index-non-concurrently
ALTER TABLE ld_big ADD COLUMN c uuid DEFAULT gen_random_uuid()
$$);

-- A directive names the rules it silences: another rule still reports.
SELECT stmt, rule FROM pg_temp.lint($$
-- schemaver:lint-ignore add-column-volatile-default
CREATE INDEX ON ld_big (a)
$$);

-- Not directives: inside a block comment, a string, a dollar quote, or a
-- comment word that only starts the same way.
SELECT stmt, rule FROM pg_temp.lint($$
/* -- schemaver:lint-ignore create-index-non-concurrently */
CREATE INDEX ON ld_big (a);
-- schemaver:lint-ignored create-index-non-concurrently
CREATE INDEX ON ld_big (b);
SELECT '
-- schemaver:lint-ignore create-index-non-concurrently
'; CREATE INDEX ON ld_big (a, b);
SELECT $q$
-- schemaver:lint-ignore create-index-non-concurrently
$q$; CREATE INDEX ON ld_big (b, a)
$$);

-- Mistakes are findings: an unknown rule (a typo), no rule, a name that
-- is not a rule name (not echoed), a directive after a statement on the
-- same line (it silences nothing: neither that statement nor the next),
-- one after the last statement.
SELECT stmt, rule, message FROM pg_temp.lint($$
-- schemaver:lint-ignore create-index-non-concurently
CREATE INDEX ON ld_big (a);
-- schemaver:lint-ignore
SELECT 1;
-- schemaver:lint-ignore 'create-index'; DROP TABLE x
SELECT 2;
CREATE INDEX ON ld_big (b); -- schemaver:lint-ignore create-index-non-concurrently
CREATE INDEX ON ld_big (a, b);
-- schemaver:lint-ignore create-index-non-concurrently
$$);

-- missing-downgrade is about the revision: named before any statement, or
-- in an upgrade with no statement at all.
SELECT stmt, rule FROM pg_temp.lint($$
-- schemaver:lint-ignore missing-downgrade
SELECT 1
$$, NULL);
SELECT stmt, rule FROM pg_temp.lint($$
SELECT 1;
-- schemaver:lint-ignore missing-downgrade
SELECT 2
$$, NULL);
SELECT stmt, rule FROM pg_temp.lint($$-- schemaver:lint-ignore missing-downgrade$$, NULL);
SELECT stmt, rule FROM pg_temp.lint('', NULL);

-- A statement with several findings: silence one, or both.
SELECT stmt, rule FROM pg_temp.lint($$
-- schemaver:lint-ignore add-column-volatile-default
ALTER TABLE ld_big ADD COLUMN c uuid DEFAULT gen_random_uuid(), ADD COLUMN d json
$$);
SELECT stmt, rule FROM pg_temp.lint($$
-- schemaver:lint-ignore add-column-volatile-default
-- schemaver:lint-ignore add-column-json
ALTER TABLE ld_big ADD COLUMN c uuid DEFAULT gen_random_uuid(), ADD COLUMN d json
$$);

-- backfill-with-ddl is decided at the end of the revision, but silenced at
-- its statement.
SELECT stmt, rule FROM pg_temp.lint($$
-- schemaver:lint-ignore backfill-with-ddl
UPDATE ld_big SET b = a;
UPDATE ld_big SET a = b;
ALTER TABLE ld_big ADD COLUMN e int
$$);

DROP TABLE ld_big;
DROP EXTENSION schemaver;
