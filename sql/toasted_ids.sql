-- Id arrays that PostgreSQL stores compressed or out of line (TOAST): the
-- graph loader, history() and verify() must read them like short ones.
-- (An out-of-line down_revision of ~150 Alembic-style ids used to overrun a
-- stack buffer in the graph loader and abort the server.)
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- 150 bases with incompressible ids, and a merge of all of them: its
-- down_revision (about 5 kB) is too big for the row and cannot be
-- compressed, so it is stored out of line.
SELECT count(schemaver_add_revision('p' || md5(i::text), NULL, 'SELECT 1', 'SELECT 1'))
  FROM generate_series(1, 150) i;
SELECT schemaver_add_revision('merge_all',
                              (SELECT array_agg('p' || md5(i::text) ORDER BY i) FROM generate_series(1, 150) i),
                              'CREATE TABLE toasted_merged (id int)', 'DROP TABLE toasted_merged');
-- A revision whose 200 dependencies are compressible: stored compressed, inline.
SELECT schemaver_add_revision('deps_all', 'merge_all', 'SELECT 1', 'SELECT 1',
                              depends_on => (SELECT array_agg('p' || md5(i::text) ORDER BY i)
                                               FROM generate_series(1, 150) i)
                                            || (SELECT array_agg(repeat('z', 40) || i ORDER BY i)
                                                  FROM generate_series(1, 50) i));
SELECT revision, pg_column_size(down_revision) > 2000 AND pg_column_compression(down_revision) IS NULL AS parents_out_of_line,
       pg_column_compression(depends_on) AS deps_compression
  FROM schemaver.revision WHERE revision IN ('merge_all', 'deps_all') ORDER BY 1;

-- deps_all depends on 50 revisions that do not exist: verify() says so.
SELECT count(*) AS problems, count(*) FILTER (WHERE problem LIKE 'dependency "zzz%" is not a registered revision') AS unknown_dependencies
  FROM schemaver_verify();
SELECT schemaver_add_revision('deps_all', 'merge_all', 'SELECT 1', 'SELECT 1',
                              depends_on => (SELECT array_agg('p' || md5(i::text) ORDER BY i)
                                               FROM generate_series(1, 150) i));
SELECT pg_column_compression(depends_on) AS deps_compression FROM schemaver.revision WHERE revision = 'deps_all';
SELECT * FROM schemaver_verify();

-- history() returns the long arrays whole, in a new session too.
SELECT revision, cardinality(down_revision) AS parents, cardinality(depends_on) AS dependencies, is_head
  FROM schemaver_history() WHERE revision IN ('merge_all', 'deps_all') ORDER BY 1;
\c
SELECT revision, cardinality(down_revision) AS parents, cardinality(depends_on) AS dependencies
  FROM schemaver_history() WHERE revision IN ('merge_all', 'deps_all') ORDER BY 1;
SELECT (SELECT down_revision FROM schemaver_history() WHERE revision = 'merge_all')
     = (SELECT down_revision FROM schemaver.revision WHERE revision = 'merge_all') AS same_parents;

-- Moving through them: up to head, then back to base (152 NOTICEs not shown).
SET client_min_messages = warning;
SELECT count(*) AS steps, count(*) FILTER (WHERE revision = 'merge_all') AS merge_steps
  FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current();
SELECT count(*) AS log_rows, max(heads_before[1]) FILTER (WHERE revision = 'merge_all') AS a_head_before_merge
  FROM schemaver.log;
SELECT to_regclass('toasted_merged') IS NOT NULL AS merged_table;
RESET client_min_messages;
-- Down to one of the merged bases: the merge's NOTICE names its first ten
-- parents and how many more.
SELECT revision FROM schemaver_downgrade('pc4ca4238a0b923820dcc509a6f75849b');
SET client_min_messages = warning;
SELECT count(*) AS steps FROM schemaver_downgrade('base');
RESET client_min_messages;
SELECT count(*) AS version_rows FROM schemaver.version;

DROP EXTENSION schemaver;
