-- ALTER EXTENSION schemaver UPDATE from 1.0: the migration state (revisions,
-- version, applied set, log and its sequence) is kept, and the database
-- ends with exactly the objects of a fresh install of the new version.
CREATE EXTENSION schemaver VERSION '1.0';
\i sql/include/helpers.sql
\set ECHO none
\i sql/include/describe_extension.sql
\set ECHO all

SELECT extversion FROM pg_extension WHERE extname = 'schemaver';

-- Some history on 1.0: three revisions, all up, one down.
SELECT schemaver_add_revision('u1', NULL, 'CREATE TABLE upd_a (id int)', 'DROP TABLE upd_a', 'create a');
SELECT schemaver_add_revision('u2', 'u1', 'CREATE TABLE upd_b (id int)', 'DROP TABLE upd_b', 'create b',
                              branch_labels => ARRAY['upd']);
SELECT schemaver_add_revision('u3', 'u2', 'ALTER TABLE upd_b ADD COLUMN x int',
                              'ALTER TABLE upd_b DROP COLUMN x', 'add x', depends_on => ARRAY['u1']);
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT revision, operation FROM schemaver_downgrade(1);

CREATE TABLE before_update AS
SELECT (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', revision, down_revision,
                                 depends_on, branch_labels, message, upgrade_sql,
                                 downgrade_sql, checksum, registered_at, registered_by),
                          E'\n' ORDER BY revision) FROM schemaver.revision) AS revisions,
       (SELECT string_agg(revision, ',' ORDER BY revision) FROM schemaver.version) AS version,
       (SELECT string_agg(format('%s|%s|%s', revision, applied_at, applied_by), E'\n' ORDER BY revision)
          FROM schemaver.applied) AS applied,
       (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', id, revision, operation, heads_before,
                                 heads_after, started_at, elapsed, performed_by, checksum),
                          E'\n' ORDER BY id) FROM schemaver.log) AS log,
       (SELECT last_value FROM schemaver.log_id_seq) AS log_seq;

ALTER EXTENSION schemaver UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'schemaver';

-- Nothing of the state changed.
SELECT b.revisions = (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', revision, down_revision,
                                              depends_on, branch_labels, message, upgrade_sql,
                                              downgrade_sql, checksum, registered_at, registered_by),
                                       E'\n' ORDER BY revision) FROM schemaver.revision) AS revisions_kept,
       b.version = (SELECT string_agg(revision, ',' ORDER BY revision) FROM schemaver.version) AS version_kept,
       b.applied = (SELECT string_agg(format('%s|%s|%s', revision, applied_at, applied_by), E'\n' ORDER BY revision)
                      FROM schemaver.applied) AS applied_kept,
       b.log = (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', id, revision, operation, heads_before,
                                         heads_after, started_at, elapsed, performed_by, checksum),
                                  E'\n' ORDER BY id) FROM schemaver.log) AS log_kept,
       b.log_seq = (SELECT last_value FROM schemaver.log_id_seq) AS log_sequence_kept
  FROM before_update b;
SELECT * FROM schemaver_verify() ORDER BY 1, 2;

-- The updated database has exactly the objects of a fresh install: the
-- description of each, line by line (no rows: identical).
SELECT string_agg(d, E'\n') AS updated_description FROM pg_temp.describe_extension() d \gset
SELECT current_database() AS origin_db \gset
CREATE DATABASE regress_schemaver_fresh;
\c regress_schemaver_fresh
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/describe_extension.sql
\set ECHO all
SELECT 'only after update' AS side, line
  FROM unnest(string_to_array(:'updated_description', E'\n')) AS line
EXCEPT SELECT 'only after update', d FROM pg_temp.describe_extension() d
UNION ALL
(SELECT 'only in fresh install', d FROM pg_temp.describe_extension() d
 EXCEPT SELECT 'only in fresh install', line
   FROM unnest(string_to_array(:'updated_description', E'\n')) AS line)
ORDER BY 1, 2;
-- and the comparison saw something (a description of the whole extension)
SELECT count(*) > 50 AS described FROM pg_temp.describe_extension();
\c :origin_db
DROP DATABASE regress_schemaver_fresh;

-- The updated database moves on as before.
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current();
SELECT revision, operation FROM schemaver_downgrade('base');
SELECT count(*) AS log_rows, max(id) > b.log_seq AS new_ids_after_old
  FROM schemaver.log, before_update b GROUP BY b.log_seq;

DROP TABLE before_update;
DROP EXTENSION schemaver;
