-- A failing revision leaves nothing behind: no table, no version change, no
-- log row; the error keeps its own SQLSTATE and names the revision and the
-- statement; the session stays usable.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SELECT schemaver_add_revision('f1', NULL, 'CREATE TABLE at_one (id int)', 'DROP TABLE at_one', 'works');
SELECT schemaver_add_revision('f2', 'f1',
    $sql$
    CREATE TABLE at_two (id int PRIMARY KEY);
    INSERT INTO at_two VALUES (1);
    INSERT INTO at_two VALUES (1);   -- duplicate key: fails here
    CREATE TABLE at_three (id int);
    $sql$,
    'DROP TABLE at_two', 'fails on its third statement');

SELECT pg_temp.catalog_state() AS before_state \gset
-- f1 succeeds, then f2 fails: the whole call is gone, f1 included.
SELECT revision FROM schemaver_upgrade('head');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged,
       to_regclass('at_one') AS at_one, to_regclass('at_two') AS at_two;
SELECT 1 AS session_usable;
-- The SQLSTATE is the statement's own.
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade('head')$$);

-- A syntax error is found before anything of the revision runs, and its
-- position points into the revision's SQL.
SELECT schemaver_add_revision('f2', 'f1', E'CREATE TABLE at_two (id int);\nCREATE TABL oops (id int);',
                              'DROP TABLE at_two', 'syntax error');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT revision FROM schemaver_upgrade('head');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged,
       to_regclass('at_two') AS at_two;
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade('head')$$);

-- Inside an explicit transaction, the caller's transaction is aborted as
-- after any other error, and ROLLBACK brings it back.
BEGIN;
SELECT revision FROM schemaver_upgrade('f1');
SELECT revision FROM schemaver_upgrade('head');
SELECT 1;
ROLLBACK;
SELECT c FROM schemaver_current() c;

-- A failing downgrade leaves the version where it was.
SELECT schemaver_add_revision('f2', 'f1', 'CREATE TABLE at_two (id int)',
                              'DROP TABLE at_two; DROP TABLE no_such_table', 'downgrade fails');
SELECT revision FROM schemaver_upgrade('head');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT revision FROM schemaver_downgrade('base');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged,
       to_regclass('at_one') AS at_one, to_regclass('at_two') AS at_two;

-- A savepoint in the caller's transaction can catch the failure and carry on.
BEGIN;
SAVEPOINT s;
SELECT revision FROM schemaver_downgrade('base');
ROLLBACK TO SAVEPOINT s;
SELECT c FROM schemaver_current() c;
COMMIT;

-- Irreversible revisions: a downgrade that would undo one fails before
-- anything runs, even the reversible revisions above it.
SELECT schemaver_add_revision('f3', 'f2', 'CREATE TABLE at_three (id int)', NULL, 'irreversible');
SELECT schemaver_add_revision('f4', 'f3', 'CREATE TABLE at_four (id int)', 'DROP TABLE at_four', 'reversible');
SELECT revision FROM schemaver_upgrade('head');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT revision FROM schemaver_downgrade('f2');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged, to_regclass('at_four') AS at_four;
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade('base')$$);
-- Above it, downgrading still works.
SELECT revision FROM schemaver_downgrade('f3');
-- stamp gets past it without running SQL.
SELECT revision FROM schemaver_stamp('f2');
DROP TABLE at_three;
-- f2's broken downgrade cannot be fixed by registering it again while it
-- is applied; the way out is to stamp below it and undo it by hand.
SELECT schemaver_add_revision('f2', 'f1', 'CREATE TABLE at_two (id int)', 'DROP TABLE at_two', 'downgrade fixed');
SELECT revision FROM schemaver_stamp('f1');
DROP TABLE at_two;
SELECT revision FROM schemaver_downgrade('base');
SELECT to_regclass('at_one') AS at_one, to_regclass('at_two') AS at_two;
DROP EXTENSION schemaver;
