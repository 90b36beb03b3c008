-- Bad input for the functions that look: schemaver_current, schemaver_heads,
-- schemaver_history and schemaver_verify take no argument, so what a user or
-- a bug can get wrong for them is the catalog itself: rows edited by hand,
-- by a restore of a damaged dump, or by a bug.  On every such catalog the
-- functions that look keep working (schemaver_verify names the revision and
-- the problem), the functions that move refuse with a specific SQLSTATE
-- (never XX000), and the server does not crash.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- Arguments they do not take.
SELECT stmt, pg_temp.sqlstate_of(stmt) FROM (VALUES
  ($$SELECT * FROM schemaver_current(NULL)$$),
  ($$SELECT * FROM schemaver_heads('head')$$),
  ($$SELECT * FROM schemaver_history(1)$$),
  ($$SELECT * FROM schemaver_verify(NULL::text)$$)
) AS t(stmt) ORDER BY stmt COLLATE "C";

-- A sound catalog to damage: bi1 <- bi2 <- bi3, the label "bil" on bi3;
-- the database is at bi2.
SELECT schemaver_add_revision('bi1', NULL, 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('bi2', 'bi1', 'SELECT 2', 'SELECT 2');
SELECT schemaver_add_revision('bi3', 'bi2', 'SELECT 3', 'SELECT 3', branch_labels => ARRAY['bil']);
SELECT revision FROM schemaver_upgrade('bi2');
SELECT * FROM schemaver_verify() ORDER BY 1, 2;
SELECT pg_temp.catalog_state() AS before_state \gset

-- damaged(edit, rev): make the edit (the SQLSTATE of its error if the
-- catalog's constraints refuse it, and nothing more), then call every
-- function: the SQLSTATE of each (ok when it worked), and whether
-- schemaver_verify reports a problem about the revision other than a
-- checksum mismatch; then undo the edit.
CREATE FUNCTION pg_temp.damaged(edit text, rev text)
RETURNS TABLE (edited text, current text, heads text, history text, verify text,
               verify_names_it boolean, upgrade text, downgrade text, stamp text)
LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        edited := left(pg_temp.sqlstate_of(edit), 5);
        IF edited = 'ok' THEN
            current := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_current()'), 5);
            heads := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_heads()'), 5);
            history := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_history()'), 5);
            verify := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_verify()'), 5);
            BEGIN
                verify_names_it := EXISTS (SELECT 1 FROM schemaver_verify() v
                                            WHERE v.revision = rev AND v.problem NOT LIKE '%checksum%');
            EXCEPTION WHEN OTHERS THEN
                verify_names_it := NULL;
            END;
            upgrade := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_upgrade(''heads'')'), 5);
            downgrade := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_downgrade(''base'')'), 5);
            stamp := left(pg_temp.sqlstate_of('SELECT * FROM schemaver_stamp(''bi1'')'), 5);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'ZZ999', MESSAGE = 'undo the edit';
    EXCEPTION WHEN SQLSTATE 'ZZ999' THEN
        NULL;
    END;
    RETURN NEXT;
END
$fn$;

CREATE TEMP TABLE bi_damage (n int PRIMARY KEY, rev text, edit text);
INSERT INTO bi_damage VALUES
  (1,  'bi2', $$UPDATE schemaver.revision SET down_revision = '{no_such_parent}' WHERE revision = 'bi2'$$),
  (2,  'bi2', $$UPDATE schemaver.revision SET down_revision = '{""}' WHERE revision = 'bi2'$$),
  (3,  'bi2', $$UPDATE schemaver.revision SET down_revision = '{"bad id;--"}' WHERE revision = 'bi2'$$),
  (4,  'bi2', $$UPDATE schemaver.revision SET down_revision = '{bi2}' WHERE revision = 'bi2'$$),
  (5,  'bi2', $$UPDATE schemaver.revision SET down_revision = '{bi1,bi1}' WHERE revision = 'bi2'$$),
  (6,  'bi1', $$UPDATE schemaver.revision SET down_revision = '{bi3}' WHERE revision = 'bi1'$$),
  (7,  'bi2', $$UPDATE schemaver.revision SET depends_on = '{{bi1,bi1},{no_such,x}}' WHERE revision = 'bi2'$$),
  (8,  'bi2', $$UPDATE schemaver.revision SET depends_on = '{bi1}' WHERE revision = 'bi2'$$),
  (9,  'bi3', $$UPDATE schemaver.revision SET branch_labels = '{"bad label"}' WHERE revision = 'bi3'$$),
  (10, 'bi3', $$UPDATE schemaver.revision SET branch_labels = '{bi1}' WHERE revision = 'bi3'$$),
  (11, 'bi3', $$UPDATE schemaver.revision SET branch_labels = '{bil}' WHERE revision = 'bi2'$$),
  (12, 'bi3', $$UPDATE schemaver.revision SET branch_labels = '{{bil,x},{y,z}}' WHERE revision = 'bi3'$$),
  (13, 'bi1', $$INSERT INTO schemaver.version VALUES ('bi1')$$),
  (14, 'bi2', $$INSERT INTO schemaver.revision (revision, upgrade_sql, checksum) VALUES ('bi_dep', '', repeat('0', 64));
                UPDATE schemaver.revision SET depends_on = '{bi_dep}' WHERE revision = 'bi2'$$),
  (15, 'bi2', $$UPDATE schemaver.revision SET message = 'edited', upgrade_sql = 'DROP TABLE nothing' WHERE revision = 'bi2'$$),
  (16, 'bi2', $$UPDATE schemaver.revision SET checksum = '' WHERE revision = 'bi2'$$),
  (17, 'bi2', $$UPDATE schemaver.revision SET upgrade_sql = repeat('SELECT 1;', 100000) WHERE revision = 'bi2'$$),
  (18, 'bi3', $$DELETE FROM schemaver.applied$$),
  (19, 'bi3', $$INSERT INTO schemaver.applied VALUES ('bi3', now(), 'nobody')$$);

-- The damage, case by case (NOTICEs of the moves that work are not shown).
SET client_min_messages = warning;
SELECT d.n, d.rev, r.* FROM bi_damage d, LATERAL pg_temp.damaged(d.edit, d.rev) r ORDER BY d.n;
RESET client_min_messages;
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged;

-- What schemaver_verify says about some of them.
BEGIN;
UPDATE schemaver.revision SET down_revision = '{bi2}' WHERE revision = 'bi2';
UPDATE schemaver.revision SET down_revision = '{bi2,bi2}', depends_on = '{no_such}' WHERE revision = 'bi3';
SELECT revision, problem FROM schemaver_verify()
 WHERE problem NOT LIKE '%checksum%' ORDER BY revision, problem COLLATE "C";
\set VERBOSITY default
SELECT * FROM schemaver_upgrade('heads');
ROLLBACK;

-- NULL elements in the arrays.  The table's CHECK constraints must refuse
-- them (23514), as they refuse other rows that schemaver_add_revision would
-- not write.  Each case is a separate statement: until this is fixed, the
-- constraints let them in and each one crashes the server (a NULL pointer
-- passed to strcmp in graph.c), which ends this file's session.
SET client_min_messages = warning;
SELECT 20 AS n, r.* FROM pg_temp.damaged($$UPDATE schemaver.revision SET down_revision = ARRAY['bi1', NULL] WHERE revision = 'bi2'$$, 'bi2') r;
SELECT 21 AS n, r.* FROM pg_temp.damaged($$UPDATE schemaver.revision SET depends_on = ARRAY[NULL]::text[] WHERE revision = 'bi2'$$, 'bi2') r;
SELECT 22 AS n, r.* FROM pg_temp.damaged($$UPDATE schemaver.revision SET branch_labels = ARRAY['bil', NULL] WHERE revision = 'bi3'$$, 'bi3') r;
RESET client_min_messages;
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged;
SELECT 1 AS server_alive;

-- Clean up.
SELECT revision FROM schemaver_downgrade('base') ORDER BY 1;
DROP EXTENSION schemaver;
