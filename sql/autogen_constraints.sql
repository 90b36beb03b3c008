-- Autogenerate, constraints: primary key, unique, check, foreign key with
-- actions and deferrability, exclusion, NOT VALID and its validation.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE);
    CREATE TABLE c (id int, pid int REFERENCES p ON DELETE CASCADE, n int CHECK (n > 0)); $a$,
$b$ CREATE TABLE p (id int PRIMARY KEY, code text);
    CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p ON DELETE SET NULL ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED,
                    n int, r int4range, EXCLUDE USING gist (r WITH &&));
    ALTER TABLE c ADD CONSTRAINT c_n_check CHECK (n >= 0) NOT VALID;
    ALTER TABLE c ADD CONSTRAINT c_id_pid UNIQUE (id, pid) INCLUDE (n); $b$);

-- NOT VALID to valid: VALIDATE CONSTRAINT (its downgrade adds it NOT VALID again)
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (pid int);
    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p NOT VALID;
    ALTER TABLE c ADD CONSTRAINT c_ck CHECK (pid > 0) NOT VALID; $a$,
$b$ CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (pid int);
    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p;
    ALTER TABLE c ADD CONSTRAINT c_ck CHECK (pid > 0); $b$);

-- a foreign key cycle between two new tables
SELECT * FROM pg_temp.ag_roundtrip(
$a$ $a$,
$b$ CREATE TABLE a (id int PRIMARY KEY, b_id int); CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
    ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b; $b$);

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
