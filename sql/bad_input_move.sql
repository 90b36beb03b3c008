-- Bad input for the functions that take a target or a number of steps:
-- schemaver_upgrade, schemaver_downgrade (both forms), schemaver_stamp,
-- their previews schemaver_upgrade_sql and schemaver_downgrade_sql, and the
-- stepwise procedures.  Malformed targets, NULLs, blanks, overflowing
-- relative steps, 10,000-character targets, quotes and semicolons, unknown
-- revisions and labels: each call fails with a specific SQLSTATE -- never
-- XX000 --, none changes the catalog, and the server carries on.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- bm1 <- bm2 <- bm3, the label "bml" on bm2; the database is at bm2.
SELECT schemaver_add_revision('bm1', NULL, 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('bm2', 'bm1', 'SELECT 2', 'SELECT 2', branch_labels => ARRAY['bml']);
SELECT schemaver_add_revision('bm3', 'bm2', 'SELECT 3', 'SELECT 3');
SELECT revision FROM schemaver_upgrade('bm2');
SELECT pg_temp.catalog_state() AS before_state \gset

CREATE TEMP TABLE bm_targets (n int PRIMARY KEY, target text);
INSERT INTO bm_targets VALUES
  (1, NULL),
  -- empty and blank
  (2, ''), (3, ' '), (4, E'\t'), (5, ' head'), (6, 'head '), (7, E'head\n'), (8, ' bm2'),
  -- malformed labels and relative steps
  (10, '@'), (11, 'a@'), (12, '@a'), (13, 'a@b@c'), (14, 'bml@'), (15, 'bml@@head'),
  (16, '+'), (17, '-'), (18, '++1'), (19, '--1'), (20, '1+'), (21, '+-1'), (22, '-+1'),
  (23, 'head+-1'), (24, 'head++1'), (25, 'head+'), (26, 'head-'), (27, '+1+1'), (28, '+1a'),
  (29, 'bm2+x'), (30, '+ 1'), (31, '+1 '), (32, 'heads+1'), (33, 'heads-1'),
  -- steps that overflow, and steps that leave the graph
  (40, '+99999999999'), (41, '-99999999999'), (42, '+2147483648'), (43, '-2147483648'),
  (44, 'head-99999999999999999999'), (45, 'bml@+99999999999'),
  (46, '+2147483647'), (47, '-2147483647'), (48, 'bm1-2'), (49, 'head+1'),
  -- too long
  (50, repeat('a', 64)), (51, repeat('a', 10000)), (52, repeat('a', 10000) || '@head'),
  (53, 'bml@' || repeat('b', 10000)), (54, 'bm2+' || repeat('9', 10000)),
  -- characters, quotes, semicolons
  (60, 'bm-2'), (61, 'é'), (62, 'bm2;DROP TABLE t'), (63, 'bm2'');DROP TABLE t;--'),
  (64, 'bm"2'), (65, E'bm2\\'), (66, '%s%s%n'), (67, 'bml@%n'),
  -- unknown or ambiguous names
  (70, 'nosuch'), (71, 'nosuch@head'), (72, 'bml@nosuch'), (73, 'bm'), (74, 'bml@bm'),
  (75, 'nosuch+1'), (76, 'Head@head');

-- The functions that take a target, as a grid of SQLSTATEs.
CREATE TEMP TABLE bm_results AS
SELECT t.n, t.target, f.fn,
       pg_temp.sqlstate_of(format(f.call, quote_nullable(t.target))) AS result
  FROM bm_targets t,
       (VALUES ('upgrade',       'SELECT * FROM schemaver_upgrade(%s)'),
               ('downgrade',     'SELECT * FROM schemaver_downgrade(%s::text)'),
               ('stamp',         'SELECT * FROM schemaver_stamp(%s)'),
               ('upgrade_sql',   'SELECT schemaver_upgrade_sql(%s)'),
               ('downgrade_sql', 'SELECT schemaver_downgrade_sql(%s::text)')) AS f(fn, call);
SELECT n, left(quote_nullable(target), 30) AS target,
       max(left(result, 5)) FILTER (WHERE fn = 'upgrade') AS upgrade,
       max(left(result, 5)) FILTER (WHERE fn = 'downgrade') AS downgrade,
       max(left(result, 5)) FILTER (WHERE fn = 'stamp') AS stamp,
       max(left(result, 5)) FILTER (WHERE fn = 'upgrade_sql') AS upgrade_sql,
       max(left(result, 5)) FILTER (WHERE fn = 'downgrade_sql') AS downgrade_sql
  FROM bm_results GROUP BY n, target ORDER BY n;
-- The messages, from schemaver_upgrade and schemaver_downgrade (cut at 110
-- characters: the whole target is quoted in some of them).
SELECT n, fn, left(result, 110) AS message FROM bm_results
 WHERE fn IN ('upgrade', 'downgrade') ORDER BY n, fn;

-- schemaver_downgrade(steps integer) and schemaver_downgrade_sql(steps).
CREATE TEMP TABLE bm_steps AS
SELECT s.steps, f.fn, pg_temp.sqlstate_of(format(f.call, quote_nullable(s.steps))) AS result
  FROM (VALUES (NULL::int), (0), (-1), (-2147483648), (2147483647), (3), (99)) AS s(steps),
       (VALUES ('downgrade', 'SELECT * FROM schemaver_downgrade(%s::integer)'),
               ('downgrade_sql', 'SELECT schemaver_downgrade_sql(%s::integer)')) AS f(fn, call);
SELECT steps, fn, result FROM bm_steps ORDER BY steps NULLS FIRST, fn;
-- and what an untyped NULL or a number that is not an integer does
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade(NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade(99999999999)$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade(1.5)$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_stamp()$$);

-- Every one failed, none with XX000, and the catalog is as it was.
SELECT count(*) AS calls,
       count(*) FILTER (WHERE result = 'ok') AS succeeded,
       count(*) FILTER (WHERE result LIKE 'XX%') AS internal_errors,
       max(length(result)) <= 300 AS messages_stay_short
  FROM (SELECT result FROM bm_results UNION ALL SELECT result FROM bm_steps) r;
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged;
SELECT * FROM schemaver_current() ORDER BY 1;

-- The stepwise procedures run outside a transaction block, so they are
-- called directly here; psql shows the SQLSTATE.
\set VERBOSITY sqlstate
CALL schemaver_upgrade_stepwise(NULL);
CALL schemaver_upgrade_stepwise('');
CALL schemaver_upgrade_stepwise('head+-1');
CALL schemaver_upgrade_stepwise('+99999999999');
CALL schemaver_upgrade_stepwise('a@b@c');
CALL schemaver_upgrade_stepwise(repeat('a', 10000));
CALL schemaver_upgrade_stepwise('nosuch');
CALL schemaver_downgrade_stepwise(NULL);
CALL schemaver_downgrade_stepwise('-2147483648');
CALL schemaver_downgrade_stepwise('@');
CALL schemaver_downgrade_stepwise('-99');
\set VERBOSITY default
SELECT pg_temp.catalog_state() = :'before_state' AS catalog_unchanged;

-- The full error for a few, with its DETAIL or HINT.
SELECT * FROM schemaver_upgrade('head+-1');
SELECT * FROM schemaver_upgrade('+99999999999');
SELECT * FROM schemaver_downgrade('bml@');
SELECT * FROM schemaver_downgrade('-3');
SELECT * FROM schemaver_downgrade(0);
SELECT * FROM schemaver_stamp('heads-1');
SELECT * FROM schemaver_upgrade('bm');
SELECT 1 AS server_alive;

-- Clean up.
SELECT revision FROM schemaver_downgrade('base') ORDER BY 1;
DROP EXTENSION schemaver;
