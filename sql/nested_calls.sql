-- Revision SQL cannot call schemaver's functions, not even the read-only
-- ones: a nested call would run under the outer call's lock and bookkeeping,
-- and would reload the graph the outer call is walking (which used to free
-- it under the walk and crash the server, or reset the walk's heads so that
-- a downgrade to base left the version at head).  Each call is refused with
-- 55006, the migration changes nothing, and the session stays usable.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SELECT schemaver_add_revision('nc1', NULL, 'CREATE TABLE nc_a (id int)', 'DROP TABLE nc_a');
SELECT schemaver_add_revision('nc2', 'nc1', 'CREATE TABLE nc_b (id int)', 'DROP TABLE nc_b');
SELECT revision FROM schemaver_upgrade('head');

-- nested(call): a revision above nc2 whose SQL makes the call after creating
-- a table; report the error of the upgrade and whether nothing changed.
CREATE FUNCTION pg_temp.nested(call text)
RETURNS TABLE (result text, catalog_unchanged boolean, table_gone boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    before text;
BEGIN
    PERFORM schemaver_add_revision('nc3', 'nc2', 'CREATE TABLE nc_c (id int); ' || call, 'DROP TABLE nc_c');
    before := pg_temp.catalog_state();
    result := pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('nc3')$$);
    catalog_unchanged := pg_temp.catalog_state() = before;
    table_gone := to_regclass('nc_c') IS NULL;
    RETURN NEXT;
END
$fn$;

CREATE TEMP TABLE nc_calls (n int PRIMARY KEY, call text NOT NULL);
INSERT INTO nc_calls VALUES
  (1,  $$SELECT schemaver_add_revision('nc_x', NULL, 'SELECT 1')$$),
  (2,  $$SELECT schemaver_add_revision('nc_x', ARRAY['nc1'], 'SELECT 1')$$),
  (3,  $$SELECT * FROM schemaver_upgrade('head')$$),
  (4,  $$SELECT * FROM schemaver_downgrade(1)$$),
  (5,  $$SELECT * FROM schemaver_downgrade('base')$$),
  (6,  $$SELECT * FROM schemaver_stamp('base')$$),
  (7,  $$SELECT * FROM schemaver_current()$$),
  (8,  $$SELECT * FROM schemaver_heads()$$),
  (9,  $$SELECT count(*) FROM schemaver_history()$$),
  (10, $$SELECT * FROM schemaver_verify()$$),
  (11, $$SELECT schemaver_upgrade_sql('head')$$),
  (12, $$SELECT schemaver_downgrade_sql(1)$$),
  (13, $$SELECT schemaver_downgrade_sql('base')$$),
  (14, $c$DO $d$ BEGIN PERFORM schemaver_current(); END $d$$c$),
  (15, $$CREATE FUNCTION nc_f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM schemaver_history()'; SELECT nc_f()$$),
  (16, $$ANALYZE schemaver.revision; SELECT * FROM schemaver_current()$$);
SET client_min_messages = warning;
SELECT c.n, r.* FROM nc_calls c, LATERAL pg_temp.nested(c.call) r ORDER BY c.n;
RESET client_min_messages;

-- The downgrade that used to leave the version at head: the last revision's
-- downgrade SQL looks at the current revision.  It is refused, and the
-- tables and version are as they were.
SELECT schemaver_add_revision('nc3', 'nc2', 'CREATE TABLE nc_c (id int)',
                              'DROP TABLE nc_c; SELECT * FROM schemaver_current()');
SELECT revision FROM schemaver_upgrade('head');
SELECT pg_temp.catalog_state() AS before \gset
SELECT * FROM schemaver_downgrade('base');
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged,
       to_regclass('nc_a') IS NOT NULL AND to_regclass('nc_b') IS NOT NULL
       AND to_regclass('nc_c') IS NOT NULL AS tables_kept;
SELECT * FROM schemaver_current();

-- Out of it by hand: a stamp (no SQL runs) and the table dropped.
SELECT revision, operation FROM schemaver_stamp('nc2');
DROP TABLE nc_c;

-- The stepwise procedures refuse too; what was committed before stays.
SELECT schemaver_add_revision('nc3', 'nc2', 'CREATE TABLE nc_c (id int)', 'DROP TABLE nc_c');
SELECT schemaver_add_revision('nc4', 'nc3', 'SELECT * FROM schemaver_heads()', 'SELECT 1');
CALL schemaver_upgrade_stepwise('head');
SELECT * FROM schemaver_current();

-- The session is usable, and the functions work outside revision SQL.
SELECT * FROM schemaver_heads();
SELECT revision FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
