-- Bad input for schemaver_add_revision (both forms of down_revision): every
-- argument a user or a bug can get wrong.  Each call fails with a specific
-- SQLSTATE -- never XX000 --, none changes the catalog, and the server
-- carries on.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SELECT schemaver_add_revision('bi_base', NULL, 'SELECT 1', 'SELECT 1', 'a valid base');
SELECT revision FROM schemaver_upgrade('bi_base');
SELECT pg_temp.catalog_state() AS before_state \gset

CREATE TEMP TABLE bi_cases (n int PRIMARY KEY, stmt text NOT NULL);
INSERT INTO bi_cases VALUES
  -- NULL in every position that must not be NULL, in both forms
  (1,  $$SELECT schemaver_add_revision(NULL, NULL, 'SELECT 1')$$),
  (2,  $$SELECT schemaver_add_revision('bi_x', NULL, NULL)$$),
  (3,  $$SELECT schemaver_add_revision(NULL, NULL, NULL)$$),
  (4,  $$SELECT schemaver_add_revision(NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$),
  (5,  $$SELECT schemaver_add_revision(NULL, ARRAY['bi_base'], 'SELECT 1')$$),
  (6,  $$SELECT schemaver_add_revision('bi_x', ARRAY['bi_base'], NULL)$$),
  (7,  $$SELECT schemaver_add_revision('bi_x', NULL::text[], NULL)$$),
  (8,  $$SELECT schemaver_add_revision(revision => NULL, down_revision => 'bi_base', upgrade => 'SELECT 1')$$),
  (9,  $$SELECT schemaver_add_revision(revision => 'bi_x', down_revision => 'bi_base', upgrade => NULL, downgrade => 'SELECT 1')$$),
  -- NULL elements in the arrays
  (10, $$SELECT schemaver_add_revision('bi_x', ARRAY['bi_base', NULL], 'SELECT 1')$$),
  (11, $$SELECT schemaver_add_revision('bi_x', ARRAY[NULL]::text[], 'SELECT 1')$$),
  (12, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY[NULL]::text[])$$),
  (13, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY['bil', NULL])$$),
  -- empty strings and blanks
  (20, $$SELECT schemaver_add_revision('', NULL, 'SELECT 1')$$),
  (21, $$SELECT schemaver_add_revision(' ', NULL, 'SELECT 1')$$),
  (22, $$SELECT schemaver_add_revision('bi_x ', NULL, 'SELECT 1')$$),
  (23, $$SELECT schemaver_add_revision(' bi_x', NULL, 'SELECT 1')$$),
  (24, $$SELECT schemaver_add_revision(E'bi_x\n', NULL, 'SELECT 1')$$),
  (25, $$SELECT schemaver_add_revision(E'\t', NULL, 'SELECT 1')$$),
  (26, $$SELECT schemaver_add_revision('bi_x', '', 'SELECT 1')$$),
  (27, $$SELECT schemaver_add_revision('bi_x', ' bi_base', 'SELECT 1')$$),
  (28, $$SELECT schemaver_add_revision('bi_x', ARRAY[''], 'SELECT 1')$$),
  (29, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY[''])$$),
  (30, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY[''])$$),
  (31, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY[' '])$$),
  -- too long: 64 and 10,000 characters, in every id position
  (40, $$SELECT schemaver_add_revision(repeat('a', 64), NULL, 'SELECT 1')$$),
  (41, $$SELECT schemaver_add_revision(repeat('a', 10000), NULL, 'SELECT 1')$$),
  (42, $$SELECT schemaver_add_revision('bi_x', repeat('b', 10000), 'SELECT 1')$$),
  (43, $$SELECT schemaver_add_revision('bi_x', ARRAY['bi_base', repeat('b', 10000)], 'SELECT 1')$$),
  (44, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY[repeat('c', 10000)])$$),
  (45, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY[repeat('d', 64)])$$),
  (46, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY[repeat('d', 10000)])$$),
  (47, $$SELECT schemaver_add_revision('bi_x', array_fill('bi_base'::text, ARRAY[10000]), 'SELECT 1')$$),
  -- characters outside [A-Za-z0-9_]
  (50, $$SELECT schemaver_add_revision('bi-x', NULL, 'SELECT 1')$$),
  (51, $$SELECT schemaver_add_revision('bi.x', NULL, 'SELECT 1')$$),
  (52, $$SELECT schemaver_add_revision('bi x', NULL, 'SELECT 1')$$),
  (53, $$SELECT schemaver_add_revision('bi@x', NULL, 'SELECT 1')$$),
  (54, $$SELECT schemaver_add_revision('bi+1', NULL, 'SELECT 1')$$),
  (55, $$SELECT schemaver_add_revision('-1', NULL, 'SELECT 1')$$),
  (56, $$SELECT schemaver_add_revision('é', NULL, 'SELECT 1')$$),
  (57, $$SELECT schemaver_add_revision('日本', NULL, 'SELECT 1')$$),
  (58, $$SELECT schemaver_add_revision('%s%s%n', NULL, 'SELECT 1')$$),
  (59, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY['bil@head'])$$),
  (60, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY['bi.base'])$$),
  -- quotes, semicolons, backslashes
  (70, $$SELECT schemaver_add_revision('bi''x', NULL, 'SELECT 1')$$),
  (71, $$SELECT schemaver_add_revision('bi"x', NULL, 'SELECT 1')$$),
  (72, $$SELECT schemaver_add_revision('bi_x;DROP TABLE t', NULL, 'SELECT 1')$$),
  (73, $$SELECT schemaver_add_revision('bi_x'');DROP TABLE t;--', NULL, 'SELECT 1')$$),
  (74, $$SELECT schemaver_add_revision(E'bi_x\\', NULL, 'SELECT 1')$$),
  (75, $$SELECT schemaver_add_revision('bi_x', 'bi_base;DROP TABLE t', 'SELECT 1')$$),
  -- reserved words, in any case and in every id position
  (80, $$SELECT schemaver_add_revision('head', NULL, 'SELECT 1')$$),
  (81, $$SELECT schemaver_add_revision('HEADS', NULL, 'SELECT 1')$$),
  (82, $$SELECT schemaver_add_revision('Base', NULL, 'SELECT 1')$$),
  (83, $$SELECT schemaver_add_revision('bi_x', 'base', 'SELECT 1')$$),
  (84, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY['heads'])$$),
  (85, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY['HEAD'])$$),
  -- repeated and self references
  (90, $$SELECT schemaver_add_revision('bi_x', ARRAY['bi_base', 'bi_base'], 'SELECT 1')$$),
  (91, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY['bi_base', 'bi_base'])$$),
  (92, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY['bil', 'bil'])$$),
  (93, $$SELECT schemaver_add_revision('bi_x', 'bi_x', 'SELECT 1')$$),
  (94, $$SELECT schemaver_add_revision('bi_x', ARRAY['bi_base', 'bi_x'], 'SELECT 1')$$),
  (95, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY['bi_x'])$$),
  -- arrays of more than one dimension
  (100, $$SELECT schemaver_add_revision('bi_x', ARRAY[['bi_base'], ['bi_y']], 'SELECT 1')$$),
  (101, $$SELECT schemaver_add_revision('bi_x', ARRAY[['bi_base']], 'SELECT 1')$$),
  (102, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', depends_on => ARRAY[['bi_base']])$$),
  (103, $$SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY[['bil', 'bim'], ['bin', 'bio']])$$),
  -- types the function does not take
  (110, $$SELECT schemaver_add_revision('bi_x', 1, 'SELECT 1')$$),
  (111, $$SELECT schemaver_add_revision('bi_x', NULL, 'SELECT 1', depends_on => 'bi_base')$$),
  (112, $$SELECT schemaver_add_revision('bi_x', ARRAY[1, 2], 'SELECT 1')$$),
  -- new content for a revision that is applied
  (120, $$SELECT schemaver_add_revision('bi_base', NULL, 'SELECT 2', 'SELECT 1', 'a valid base')$$),
  (121, $$SELECT schemaver_add_revision('bi_base', NULL, 'SELECT 1', 'SELECT 1', 'a valid base', branch_labels => ARRAY['bil'])$$);

CREATE TEMP TABLE bi_results AS
SELECT n, stmt, pg_temp.sqlstate_of(stmt) AS result FROM bi_cases;

-- Each call, its SQLSTATE and its message (cut at 100 characters).
SELECT n, stmt, left(result, 100) AS result FROM bi_results ORDER BY n;
-- Every one failed, none with XX000, and the catalog is as it was.
SELECT count(*) AS calls,
       count(*) FILTER (WHERE result = 'ok') AS succeeded,
       count(*) FILTER (WHERE result LIKE 'XX%') AS internal_errors,
       max(length(result)) <= 300 AS messages_stay_short
  FROM bi_results;
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged;
SELECT 1 AS server_alive;

-- The full error for a few, with its DETAIL or HINT.
\set VERBOSITY default
SELECT schemaver_add_revision('bi_x', NULL, NULL);
SELECT schemaver_add_revision(repeat('a', 10000), NULL, 'SELECT 1');
-- a long id is cut at a character boundary, never inside a UTF-8 sequence
-- (byte 60 falls inside the 30th two-byte character here)
SELECT schemaver_add_revision('a' || repeat('é', 40), NULL, 'SELECT 1');
SELECT schemaver_add_revision('bi_x', 'bi_base', 'SELECT 1', branch_labels => ARRAY['Heads']);
SELECT schemaver_add_revision('bi_x', ARRAY[['bi_base']], 'SELECT 1');
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged;

-- Clean up.
SELECT revision FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
