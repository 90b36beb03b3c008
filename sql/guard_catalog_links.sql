-- Revision SQL cannot tie anything to the schemaver catalog that would
-- change what the extension reads or writes (inheritance, partitions,
-- foreign keys, policies, statistics, publications, comments), and code a
-- revision leaves behind (a deferred constraint trigger, a trigger on its own
-- table) cannot write the catalog later in the transaction that applied it.
-- The extension's own queries read the catalog with ONLY, so rows of a table
-- that a DBA made inherit from it are never taken for its own.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- refused(stmt): register a base revision running stmt after creating a
-- marker table, apply it, and report the error, whether the catalog is as
-- before and whether the marker is gone (the call changed nothing).
CREATE FUNCTION pg_temp.refused(stmt text)
RETURNS TABLE (result text, catalog_unchanged boolean, marker_gone boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    before text;
BEGIN
    PERFORM schemaver_add_revision('gl_case', NULL,
                                   'CREATE TABLE gl_marker (id int); ' || stmt,
                                   'DROP TABLE gl_marker');
    before := pg_temp.catalog_state();
    result := pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('gl_case')$$);
    catalog_unchanged := pg_temp.catalog_state() = before;
    marker_gone := to_regclass('gl_marker') IS NULL;
    RETURN NEXT;
END
$fn$;

CREATE TABLE gl_parent (revision text) PARTITION BY LIST (revision);
CREATE TABLE gl_plain (revision text);
CREATE TEMP TABLE gl_cases (n int PRIMARY KEY, stmt text NOT NULL);
INSERT INTO gl_cases VALUES
  (1,  $$CREATE TABLE gl_x () INHERITS (schemaver.version)$$),
  (2,  $$CREATE TABLE gl_x () INHERITS (public.gl_plain, schemaver.revision)$$),
  (3,  $$CREATE TABLE gl_x PARTITION OF schemaver.log FOR VALUES IN ('x')$$),
  (4,  $$ALTER TABLE gl_plain INHERIT schemaver.version$$),
  (5,  $$ALTER TABLE gl_parent ATTACH PARTITION schemaver.version FOR VALUES IN ('x')$$),
  (6,  $$CREATE TABLE gl_x (r text REFERENCES schemaver.version)$$),
  (7,  $$CREATE TABLE gl_x (r text, FOREIGN KEY (r) REFERENCES schemaver.revision (revision))$$),
  (8,  $$ALTER TABLE gl_plain ADD FOREIGN KEY (revision) REFERENCES schemaver.version$$),
  (9,  $$ALTER TABLE gl_plain ADD COLUMN r2 text REFERENCES schemaver.applied$$),
  (10, $$CREATE POLICY gl_p ON schemaver.log USING (false)$$),
  (11, $$CREATE STATISTICS gl_s ON revision, message FROM schemaver.revision$$),
  (12, $$CREATE PUBLICATION gl_pub FOR TABLE schemaver.log$$),
  (13, $$CREATE PUBLICATION gl_pub FOR TABLES IN SCHEMA schemaver$$),
  (14, $$COMMENT ON TABLE schemaver.log IS 'mine now'$$),
  (15, $$COMMENT ON COLUMN schemaver.version.revision IS 'mine now'$$),
  (16, $$COMMENT ON EXTENSION schemaver IS 'mine now'$$),
  (17, $$COMMENT ON FUNCTION schemaver_current() IS 'mine now'$$),
  (18, $c$DO $d$ BEGIN EXECUTE 'CREATE TABLE gl_x () INHERITS (schemaver.version)'; END $d$$c$);
SET client_min_messages = warning;
SELECT c.n, r.* FROM gl_cases c, LATERAL pg_temp.refused(c.stmt) r ORDER BY c.n;
RESET client_min_messages;

-- Not refused: the same statements aimed at the user's own tables.
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('gl_ok', NULL,
  $s$CREATE TABLE gl_child () INHERITS (gl_plain);
     CREATE TABLE gl_part PARTITION OF gl_parent FOR VALUES IN ('a');
     CREATE TABLE gl_ref (r text PRIMARY KEY); ALTER TABLE gl_plain ADD FOREIGN KEY (revision) REFERENCES gl_ref;
     COMMENT ON TABLE gl_ref IS 'fine'$s$,
  $s$ALTER TABLE gl_plain DROP CONSTRAINT gl_plain_revision_fkey;
     DROP TABLE gl_child, gl_part, gl_ref$s$)$$) AS registered;
SELECT revision FROM schemaver_upgrade('gl_ok');
SELECT obj_description('gl_ref'::regclass) AS comment_set;
SELECT revision FROM schemaver_downgrade('base');

-- A deferred constraint trigger that a revision creates fires at the
-- caller's COMMIT, after the revision; it cannot write the catalog then:
-- the COMMIT fails and nothing of the migration remains.
SELECT schemaver_add_revision('gl_deferred', NULL, $$
CREATE TABLE gl_dt (id int);
CREATE FUNCTION gl_dt_evil() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    DELETE FROM schemaver.log;
    INSERT INTO schemaver.version VALUES ('injected');
    RETURN NULL;
END $f$;
CREATE CONSTRAINT TRIGGER gl_dt_evil AFTER INSERT ON gl_dt
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gl_dt_evil();
INSERT INTO gl_dt VALUES (1);
$$, 'DROP TABLE gl_dt; DROP FUNCTION gl_dt_evil()');
SELECT pg_temp.catalog_state() AS before_deferred \gset
BEGIN;
SELECT revision FROM schemaver_upgrade('gl_deferred');
COMMIT;
SELECT pg_temp.catalog_state() = :'before_deferred' AS catalog_unchanged,
       to_regclass('gl_dt') IS NULL AS table_gone;
-- In its own transaction, the one-call form fails the same way.
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('gl_deferred')$$);
SELECT pg_temp.catalog_state() = :'before_deferred' AS catalog_unchanged;

-- A trigger a revision puts on its own table fires on the caller's later
-- statements: in the transaction that applied the revision, it cannot write
-- the catalog either.
SELECT schemaver_add_revision('gl_deferred', NULL, $$
CREATE TABLE gl_dt (id int);
CREATE FUNCTION gl_dt_evil() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    UPDATE schemaver.log SET operation = 'stamp';
    RETURN NULL;
END $f$;
CREATE TRIGGER gl_dt_evil AFTER INSERT ON gl_dt FOR EACH ROW EXECUTE FUNCTION gl_dt_evil();
$$, 'DROP TABLE gl_dt; DROP FUNCTION gl_dt_evil()');
BEGIN;
SELECT revision FROM schemaver_upgrade('gl_deferred');
INSERT INTO gl_dt VALUES (1);
ROLLBACK;
-- Nor by hand, nor by TRUNCATE, in that transaction; schemaver's own calls
-- still can (a registration, a downgrade).
BEGIN;
SELECT revision FROM schemaver_upgrade('gl_deferred');
SELECT pg_temp.sqlstate_of($$DELETE FROM schemaver.log$$) AS hand_delete,
       pg_temp.sqlstate_of($$TRUNCATE schemaver.applied$$) AS hand_truncate,
       pg_temp.sqlstate_of($$SELECT schemaver_add_revision('gl_more', 'gl_deferred', 'SELECT 1')$$) AS register,
       pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade('base')$$) AS downgrade;
ROLLBACK;
-- Once the revision SQL is rolled back with a savepoint, the guard lifts:
-- what the revision created is gone with it.
BEGIN;
SAVEPOINT s;
SELECT revision FROM schemaver_upgrade('gl_deferred');
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.sqlstate_of($$UPDATE schemaver.log SET elapsed = elapsed$$) AS hand_update_after_rollback;
ROLLBACK;
-- After the transaction that applied it commits, the guard is over: what the
-- trigger does later runs with the rights of whoever fires it (here a
-- superuser, who may write the catalog, so it does: README's privileges
-- section explains why production applies as a dedicated migrator).
SELECT revision FROM schemaver_upgrade('gl_deferred');
SELECT count(*) AS log_rows_before FROM schemaver.log WHERE operation = 'upgrade';
INSERT INTO gl_dt VALUES (1);
SELECT count(*) AS log_rows_after FROM schemaver.log WHERE operation = 'upgrade';

-- Rows of tables that inherit from the catalog (made by a DBA, outside
-- revision SQL) are not schemaver's: a fake version row and a fake revision
-- change nothing.
SELECT revision FROM schemaver_downgrade('base');
CREATE TABLE gl_fake_version () INHERITS (schemaver.version);
INSERT INTO gl_fake_version VALUES ('gl_ok');
CREATE TABLE gl_fake_revision () INHERITS (schemaver.revision);
INSERT INTO gl_fake_revision (revision, upgrade_sql, checksum)
    VALUES ('gl_zz_fake', 'CREATE TABLE gl_fake_ran (id int)', repeat('0', 64));
SELECT count(*) AS rows_seen_without_only FROM schemaver.version;
SELECT * FROM schemaver_current();
SELECT count(*) AS fake_in_history FROM schemaver_history() WHERE revision = 'gl_zz_fake';
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('gl_zz_fake')$$) AS upgrade_to_fake;
SELECT revision FROM schemaver_upgrade('gl_ok');
SELECT to_regclass('gl_fake_ran') IS NULL AS fake_never_ran;
SELECT * FROM schemaver_verify();
DROP TABLE gl_fake_version, gl_fake_revision;

SELECT revision FROM schemaver_downgrade('base');
DROP TABLE gl_parent, gl_plain;
DROP EXTENSION schemaver;
