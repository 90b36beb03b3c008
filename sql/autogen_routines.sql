-- Autogenerate, functions, procedures, aggregates, triggers, rules and
-- policies.  A changed body is CREATE OR REPLACE; a changed signature or
-- result replaces the function and what depends on it.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;
CREATE ROLE regress_ag_reader;

SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (id int, v int);
    CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
    CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN NEW.v := 1; RETURN NEW; END$f$;
    CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
    CREATE PROCEDURE p(a int) LANGUAGE sql AS 'SELECT 1';
    CREATE AGGREGATE mysum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
    CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING;
    CREATE POLICY pol ON t USING (id > 0); $a$,
$b$ CREATE TABLE t (id int, v int);
    CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 2';
    CREATE FUNCTION g(x int, y text DEFAULT 'a') RETURNS TABLE (a int, b text)
        LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT x, y';
    CREATE FUNCTION h(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT count(*)::int FROM t WHERE id = x; END;
    CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN NEW.v := 2; RETURN NEW; END$f$;
    CREATE TRIGGER t_bi BEFORE INSERT OR UPDATE OF v ON t FOR EACH ROW WHEN (NEW.id > 0) EXECUTE FUNCTION trg();
    CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION trg();
    ALTER TABLE t DISABLE TRIGGER t_ai;
    CREATE PROCEDURE p(a int) LANGUAGE sql AS 'SELECT 2';
    CREATE AGGREGATE mysum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '10', PARALLEL = SAFE);
    CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING;
    ALTER TABLE t ENABLE ROW LEVEL SECURITY;
    CREATE POLICY pol ON t AS RESTRICTIVE FOR SELECT TO regress_ag_reader USING (id > 1);
    CREATE POLICY pol2 ON t FOR INSERT WITH CHECK (v < 10); $b$);

-- a function whose result type changes is replaced, with the default and
-- the SQL-body function that use it
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE FUNCTION k() RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE TABLE t (id int DEFAULT k());
    CREATE FUNCTION k2() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT k(); END; $a$,
$b$ CREATE FUNCTION k() RETURNS bigint LANGUAGE sql AS 'SELECT 1';
    CREATE TABLE t (id int DEFAULT k());
    CREATE FUNCTION k2() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT k(); END; $b$);

-- rules: a new one, a dropped one, a changed one; a trigger only disabled
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TABLE t (id int, v int); CREATE TABLE log (id int);
    CREATE RULE r_del AS ON DELETE TO t DO INSTEAD NOTHING;
    CREATE RULE r_ins AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (NEW.id);
    CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;
    CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg(); $a$,
$b$ CREATE TABLE t (id int, v int); CREATE TABLE log (id int);
    CREATE RULE r_ins AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (NEW.id * 2);
    CREATE RULE r_upd AS ON UPDATE TO t WHERE NEW.v < 0 DO INSTEAD NOTHING;
    CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;
    CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
    ALTER TABLE t DISABLE TRIGGER t_bi; $b$);

DROP SCHEMA ag CASCADE;
DROP ROLE regress_ag_reader;
DROP EXTENSION schemaver;
