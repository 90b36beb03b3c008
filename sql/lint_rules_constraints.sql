-- Lint rules about constraints: a foreign key or a check constraint added
-- without NOT VALID, validated in the revision that adds it, a unique or
-- primary key constraint without USING INDEX (and a primary key whose
-- columns still need SET NOT NULL), an exclusion constraint.  The unsafe
-- form on a big existing table gets a finding; the safe form, a small
-- table and a table the revision creates get none.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
\i sql/include/lint_helpers.sql

SET schemaver.lint_table_rows = 100;
SET schemaver.lint_table_size = -1;

CREATE TABLE lk_parent (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO lk_parent SELECT g FROM generate_series(1, 1000) g;
CREATE TABLE lk_big (id int NOT NULL, p int, a int, b text) WITH (autovacuum_enabled = false);
INSERT INTO lk_big SELECT g, g, g, 'b' || g FROM generate_series(1, 1000) g;
CREATE UNIQUE INDEX lk_big_id_idx ON lk_big (id);
CREATE UNIQUE INDEX lk_big_a_idx ON lk_big (a);
CREATE TABLE lk_small (id int, p int) WITH (autovacuum_enabled = false);
INSERT INTO lk_small SELECT g, g FROM generate_series(1, 10) g;
ANALYZE lk_parent, lk_big, lk_small;

--
-- add-foreign-key and add-check-constraint: without NOT VALID every row is
-- checked while the table (and, for a foreign key, the referenced one)
-- is locked against writes
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_fk FOREIGN KEY (p) REFERENCES lk_parent (id);
ALTER TABLE lk_big ADD FOREIGN KEY (p) REFERENCES lk_parent;
ALTER TABLE lk_big ADD CONSTRAINT lk_ck CHECK (a > 0);
ALTER TABLE lk_big ADD COLUMN q int REFERENCES lk_parent (id);
ALTER TABLE lk_big ADD COLUMN r int CHECK (r > 0)
$$);
-- safe: NOT VALID, then VALIDATE in a later revision (which allows reads
-- and writes); small or new tables
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_fk FOREIGN KEY (p) REFERENCES lk_parent (id) NOT VALID;
ALTER TABLE lk_big ADD CONSTRAINT lk_ck CHECK (a > 0) NOT VALID;
ALTER TABLE lk_small ADD CONSTRAINT lk_small_fk FOREIGN KEY (p) REFERENCES lk_parent (id);
ALTER TABLE lk_small ADD CONSTRAINT lk_small_ck CHECK (p > 0);
CREATE TABLE lk_new (id int, p int);
ALTER TABLE lk_new ADD CONSTRAINT lk_new_fk FOREIGN KEY (p) REFERENCES lk_parent (id);
CREATE TABLE lk_new2 (p int REFERENCES lk_big (id))
$$);
-- the validation in a later revision: nothing to say
ALTER TABLE lk_big ADD CONSTRAINT lk_fk FOREIGN KEY (p) REFERENCES lk_parent (id) NOT VALID;
ALTER TABLE lk_big ADD CONSTRAINT lk_ck CHECK (a > 0) NOT VALID;
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big VALIDATE CONSTRAINT lk_fk;
ALTER TABLE lk_big VALIDATE CONSTRAINT lk_ck
$$);
ALTER TABLE lk_big DROP CONSTRAINT lk_fk, DROP CONSTRAINT lk_ck;

--
-- validate-constraint-same-revision: NOT VALID then VALIDATE in one
-- revision holds the first statement's lock during the whole check
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_fk2 FOREIGN KEY (p) REFERENCES lk_parent (id) NOT VALID;
ALTER TABLE lk_big VALIDATE CONSTRAINT lk_fk2;
ALTER TABLE lk_small ADD CONSTRAINT lk_small_ck2 CHECK (p > 0) NOT VALID;
ALTER TABLE lk_small VALIDATE CONSTRAINT lk_small_ck2
$$);

--
-- add-unique-constraint: UNIQUE or PRIMARY KEY builds its index under an
-- ACCESS EXCLUSIVE lock, unless it uses an index built beforehand
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_big_b_key UNIQUE (b);
ALTER TABLE lk_big ADD PRIMARY KEY (id);
ALTER TABLE lk_big ADD COLUMN u int UNIQUE;
ALTER TABLE lk_big ADD COLUMN v int PRIMARY KEY
$$);
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_big_a_key UNIQUE USING INDEX lk_big_a_idx;
ALTER TABLE lk_big ADD CONSTRAINT lk_big_pkey PRIMARY KEY USING INDEX lk_big_id_idx;
ALTER TABLE lk_small ADD PRIMARY KEY (id)
$$);
-- PRIMARY KEY USING INDEX makes the key columns NOT NULL: on a nullable
-- column that is the SET NOT NULL scan, unless a valid check proves it
-- (here the check is added validated, which is its own finding: the recipe
-- adds it NOT VALID and validates it in an earlier revision)
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_big_pkey PRIMARY KEY USING INDEX lk_big_a_idx
$$);
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_big_a_nn CHECK (a IS NOT NULL);
ALTER TABLE lk_big ADD CONSTRAINT lk_big_pkey PRIMARY KEY USING INDEX lk_big_a_idx
$$);

--
-- add-exclusion-constraint: no NOT VALID exists for it
--
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big ADD CONSTRAINT lk_ex EXCLUDE USING btree (b WITH =)
$$);
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_small ADD CONSTRAINT lk_small_ex EXCLUDE USING btree (id WITH =)
$$);

-- Several subcommands in one ALTER TABLE are each linted.
SELECT * FROM pg_temp.lint($$
ALTER TABLE lk_big
    ADD CONSTRAINT lk_fk3 FOREIGN KEY (p) REFERENCES lk_parent (id) NOT VALID,
    ADD CONSTRAINT lk_ck3 CHECK (a > 0),
    ADD CONSTRAINT lk_big_b_key UNIQUE (b)
$$);

-- Linting changed nothing.
SELECT conname FROM pg_constraint WHERE conrelid = 'lk_big'::regclass AND contype <> 'n' ORDER BY 1;
SELECT to_regclass('lk_new') AS lk_new;

DROP TABLE lk_big, lk_small, lk_parent;
DROP EXTENSION schemaver;
