-- A revision lists at most 1000 parents, dependencies or branch labels:
-- schemaver_add_revision refuses more at once (54000, before any other
-- work: 12,000 parents used to take 1.7 GB and ignore statement_timeout in
-- a quadratic duplicate check), and so does the catalog's CHECK constraint
-- for a row written by hand.  Up to the limit, registration and the graph
-- work, and repeated ids are still found.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- 1000 bases, and a merge of all of them: the limit itself is allowed.
SELECT count(schemaver_add_revision('b' || i, NULL, 'SELECT 1', 'SELECT 1'))
  FROM generate_series(1, 1000) i;
SELECT schemaver_add_revision('merge_1000', (SELECT array_agg('b' || i) FROM generate_series(1, 1000) i),
                              'SELECT 1', 'SELECT 1', 'merge of 1000');
SELECT schemaver_add_revision('deps_1000', 'merge_1000', 'SELECT 1', 'SELECT 1',
                              depends_on => (SELECT array_agg('b' || i) FROM generate_series(1, 1000) i));
SELECT schemaver_add_revision('labels_1000', 'deps_1000', 'SELECT 1', 'SELECT 1',
                              branch_labels => (SELECT array_agg('l' || i) FROM generate_series(1, 1000) i));
SELECT count(*) AS problems FROM schemaver_verify();
SELECT * FROM schemaver_heads();

-- One more is refused, for each array, with nothing registered.
SELECT pg_temp.catalog_state() AS before \gset
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('too_many', (SELECT array_agg('b' || i) FROM generate_series(1, 1001) i), 'SELECT 1')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('too_many', NULL, 'SELECT 1', depends_on => (SELECT array_agg('b' || i) FROM generate_series(1, 1001) i))$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('too_many', NULL, 'SELECT 1', branch_labels => (SELECT array_agg('x' || i) FROM generate_series(1, 1001) i))$$);
-- 12,000 ids (not even registered revisions) are refused at once.
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('too_many', (SELECT array_agg('p' || i) FROM generate_series(1, 12000) i), 'SELECT 1')$$);

SELECT schemaver_add_revision('too_many', (SELECT array_agg('p' || i) FROM generate_series(1, 12000) i), 'SELECT 1');

SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;

-- Repeated ids are found wherever they are, also among 1000.
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('dup', (SELECT array_agg('b' || i) FROM generate_series(1, 999) i) || ARRAY['b7'], 'SELECT 1')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('dup', NULL, 'SELECT 1', depends_on => ARRAY['b1', 'b2', 'b1'])$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('dup', NULL, 'SELECT 1', branch_labels => ARRAY['z', 'y', 'z'])$$);

-- The catalog refuses a longer array written by hand (23514), whichever
-- column it is in.
SELECT pg_temp.sqlstate_of($$INSERT INTO schemaver.revision (revision, down_revision, upgrade_sql, checksum)
    SELECT 'hand', array_agg('b' || i), '', repeat('0', 64) FROM generate_series(1, 1001) i$$);
SELECT pg_temp.sqlstate_of($$UPDATE schemaver.revision SET depends_on = (SELECT array_agg('b' || i) FROM generate_series(1, 1001) i) WHERE revision = 'merge_1000'$$);
SELECT pg_temp.sqlstate_of($$UPDATE schemaver.revision SET branch_labels = (SELECT array_agg('q' || i) FROM generate_series(1, 1001) i) WHERE revision = 'merge_1000'$$);

-- A row written by hand with a repeated parent, and a parent that is also a
-- dependency, among many: verify() reports each once.
BEGIN;
UPDATE schemaver.revision SET down_revision = (SELECT array_agg('b' || i) FROM generate_series(1, 998) i) || ARRAY['b5', 'b998']
 WHERE revision = 'merge_1000';
UPDATE schemaver.revision SET depends_on = ARRAY['b3', 'merge_1000'] WHERE revision = 'deps_1000';
UPDATE schemaver.revision SET down_revision = ARRAY['b3', 'merge_1000'] WHERE revision = 'deps_1000';
SELECT revision, problem FROM schemaver_verify() WHERE problem NOT LIKE '%checksum%' ORDER BY 1, 2;
ROLLBACK;

-- Moving through the wide merge works.
SET client_min_messages = warning;
SELECT count(*) AS steps FROM schemaver_upgrade('head');
SELECT count(*) AS steps FROM schemaver_downgrade('base');
RESET client_min_messages;
DROP EXTENSION schemaver;
