--
-- seed_migrations: the revision files of migrations/ (the seed's
-- 001_add_auth_fields and 002_add_rag_tables on top of the base
-- 000_create_users), registered, applied, checked through the catalogs,
-- exercised with real rows, rolled back and applied again.
--
CREATE EXTENSION schemaver;

-- The shape of the four application tables, as rows, so that it can be shown
-- and compared between states: columns (type, nullability, default,
-- identity), constraints (pg_get_constraintdef) and indexes (pg_indexes).
-- (COLLATE "C": the same order whatever the database's locale.)
CREATE TEMP VIEW app_schema AS
SELECT 'column'::text COLLATE "C" AS kind, c.table_name::text COLLATE "C" AS tbl,
       c.ordinal_position::int AS pos, c.column_name::text COLLATE "C" AS name,
       c.data_type
       || CASE WHEN c.is_nullable = 'NO' THEN ' not null' ELSE '' END
       || coalesce(' default ' || c.column_default, '')
       || CASE WHEN c.is_identity = 'YES' THEN ' identity' ELSE '' END AS detail
  FROM information_schema.columns c
 WHERE c.table_schema = 'public'
   AND c.table_name IN ('users', 'rag_corpora', 'rag_documents', 'rag_chunks')
UNION ALL
SELECT 'constraint', cl.relname::text, 0, co.conname::text, pg_get_constraintdef(co.oid)
  FROM pg_constraint co
  JOIN pg_class cl ON cl.oid = co.conrelid
 WHERE cl.relnamespace = 'public'::regnamespace
   AND cl.relname IN ('users', 'rag_corpora', 'rag_documents', 'rag_chunks')
   -- PostgreSQL 18 also records each NOT NULL as a constraint (contype
   -- 'n'), which earlier versions do not: nullability is shown with the
   -- columns above, on every version
   AND co.contype <> 'n'
UNION ALL
SELECT 'index', i.tablename::text, 0, i.indexname::text, i.indexdef
  FROM pg_indexes i
 WHERE i.schemaname = 'public'
   AND i.tablename IN ('users', 'rag_corpora', 'rag_documents', 'rag_chunks');

-- Register the files newest first: a child may be registered before its
-- parent. pg_regress feeds this script to psql on stdin from the top of the
-- source tree, so the paths are relative to that. (ECHO is off so that the
-- files' text is not repeated here; each file prints the id it registered.)
\set ECHO none
\i migrations/002_add_rag_tables.sql
\i migrations/001_add_auth_fields.sql
\i migrations/000_create_users.sql
\set ECHO all

SELECT h.revision, h.down_revision, h.message, h.is_head, h.is_current, h.applied
  FROM schemaver_history() WITH ORDINALITY AS h
 ORDER BY h.ordinality;
SELECT * FROM schemaver_heads() ORDER BY 1;
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT * FROM schemaver_verify() ORDER BY 1, 2;

--
-- The base revision first, and rows in it, so that 001 has rows to backfill.
-- (Two rows share a username: the old table never required unique names.)
--
SELECT revision, operation, message FROM schemaver_upgrade('000_create_users');
SELECT kind, tbl, name, detail FROM app_schema ORDER BY kind, tbl, pos, name;
INSERT INTO users (username) VALUES ('alice'), ('Bob Jones'), ('Bob Jones');

--
-- Everything else.
--
SELECT revision, operation, message FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT h.revision, h.is_head, h.is_current, h.applied
  FROM schemaver_history() WITH ORDINALITY AS h
 ORDER BY h.ordinality;
-- Nothing left to do.
SELECT revision, operation, message FROM schemaver_upgrade('head');

-- Backfill: every old row got a distinct UUID user_id, a unique placeholder
-- email, no password, and is active.
SELECT id, username, email,
       user_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$' AS user_id_is_uuid,
       hashed_password IS NULL AS no_password, full_name, is_active
  FROM users ORDER BY id;
SELECT count(DISTINCT user_id) AS distinct_user_ids FROM users;

-- users: the new columns with their types and nullability.
SELECT tbl, name, detail FROM app_schema
 WHERE kind = 'column' AND tbl = 'users' ORDER BY pos;
-- The three RAG tables, metadata being jsonb.
SELECT tbl, name, detail FROM app_schema
 WHERE kind = 'column' AND tbl LIKE 'rag\_%' ORDER BY tbl, pos;
SELECT table_name, column_name
  FROM information_schema.columns
 WHERE table_schema = 'public' AND data_type = 'jsonb'
 ORDER BY table_name, column_name;

-- Constraints: primary keys, the unique constraints, the foreign keys.
SELECT tbl, name, detail FROM app_schema
 WHERE kind = 'constraint' ORDER BY tbl, name;
-- Every foreign key cascades on delete ('c').
SELECT conrelid::regclass AS child, conname, confrelid::regclass AS parent,
       confdeltype
  FROM pg_constraint
 WHERE contype = 'f' AND connamespace = 'public'::regnamespace
 ORDER BY conname;

-- Indexes. The unique constraints' indexes double as the seed's indexes on
-- users(user_id), users(email), rag_corpora(user_id) (leading column),
-- rag_corpora(collection_name) and rag_chunks(qdrant_point_id).
SELECT tbl, name, detail FROM app_schema
 WHERE kind = 'index' ORDER BY tbl, name;
-- Each column the seed lists as indexed leads some index.
SELECT s.tbl, s.col,
       EXISTS (SELECT 1
                 FROM pg_index x
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                WHERE x.indrelid = s.tbl::regclass AND a.attname = s.col) AS indexed
  FROM (VALUES ('users', 'user_id'), ('users', 'email'), ('users', 'username'),
               ('rag_corpora', 'user_id'), ('rag_corpora', 'corpus_name'),
               ('rag_corpora', 'collection_name'),
               ('rag_documents', 'corpus_id'), ('rag_documents', 'filename'),
               ('rag_documents', 'file_hash'),
               ('rag_chunks', 'doc_id'), ('rag_chunks', 'qdrant_point_id'),
               ('rag_chunks', 'chunk_index')) AS s(tbl, col)
 ORDER BY s.tbl COLLATE "C", s.col COLLATE "C";

--
-- Real rows. A new user needs no user_id: the column default provides one.
--
INSERT INTO users (username, email, hashed_password, full_name)
VALUES ('carol', 'carol@example.com', '$2b$12$notarealbcrypthashnotarealbcrypthashnotarealbcry', 'Carol King');
SELECT username, email, user_id IS NOT NULL AS has_user_id, is_active
  FROM users WHERE username = 'carol';

INSERT INTO rag_corpora (user_id, corpus_name, collection_name, description)
SELECT user_id, 'handbook', 'corpus_carol_handbook', 'employee handbook'
  FROM users WHERE username = 'carol';
INSERT INTO rag_corpora (user_id, corpus_name, collection_name)
SELECT user_id, 'notes', 'corpus_alice_notes'
  FROM users WHERE username = 'alice';

INSERT INTO rag_documents (corpus_id, filename, file_hash, file_size, mime_type, metadata)
SELECT corpus_id, 'handbook.pdf', repeat('ab', 32), 52431, 'application/pdf',
       '{"pages": 12, "lang": "en"}'
  FROM rag_corpora WHERE collection_name = 'corpus_carol_handbook';
INSERT INTO rag_documents (corpus_id, filename, file_hash, file_size, mime_type)
SELECT corpus_id, 'todo.txt', repeat('cd', 32), 120, 'text/plain'
  FROM rag_corpora WHERE collection_name = 'corpus_alice_notes';

INSERT INTO rag_chunks (doc_id, qdrant_point_id, chunk_index, text_preview, char_count, metadata)
SELECT d.doc_id, v.point, v.idx, v.preview, length(v.preview), v.meta::jsonb
  FROM rag_documents d,
       (VALUES ('6f1c2a4e-0d5b-4c7e-9a3f-1b2c3d4e5f60', 0, 'Welcome to the company.', '{"page": 1}'),
               ('6f1c2a4e-0d5b-4c7e-9a3f-1b2c3d4e5f61', 1, 'Holidays are listed below.', '{"page": 2}'))
         AS v(point, idx, preview, meta)
 WHERE d.filename = 'handbook.pdf';
INSERT INTO rag_chunks (doc_id, qdrant_point_id, chunk_index, text_preview, char_count)
SELECT doc_id, '17', 0, 'buy milk', 8
  FROM rag_documents WHERE filename = 'todo.txt';

SELECT u.username, c.corpus_name, c.collection_name, d.filename, d.file_size,
       d.metadata->>'pages' AS pages, k.chunk_index, k.qdrant_point_id,
       k.text_preview, k.char_count, k.metadata
  FROM users u
  JOIN rag_corpora c USING (user_id)
  JOIN rag_documents d USING (corpus_id)
  JOIN rag_chunks k USING (doc_id)
 ORDER BY u.username, k.chunk_index;

-- The constraints hold. (Terse: the DETAIL lines would show random UUIDs.)
\set VERBOSITY terse
INSERT INTO users (username, email) VALUES ('carol2', 'carol@example.com');
INSERT INTO rag_corpora (user_id, corpus_name, collection_name)
SELECT user_id, 'handbook', 'corpus_carol_handbook_2'
  FROM users WHERE username = 'carol';
INSERT INTO rag_corpora (user_id, corpus_name, collection_name)
SELECT user_id, 'handbook', 'corpus_alice_notes'
  FROM users WHERE username = 'alice';
INSERT INTO rag_chunks (doc_id, qdrant_point_id, chunk_index, char_count)
SELECT doc_id, '17', 1, 0 FROM rag_documents WHERE filename = 'handbook.pdf';
INSERT INTO rag_corpora (user_id, corpus_name, collection_name)
VALUES ('no-such-user', 'x', 'corpus_x');
\set VERBOSITY default

-- Deleting a user cascades to their corpora, documents and chunks, and to
-- nothing else.
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM rag_corpora) AS corpora,
       (SELECT count(*) FROM rag_documents) AS documents,
       (SELECT count(*) FROM rag_chunks) AS chunks;
DELETE FROM users WHERE username = 'carol';
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM rag_corpora) AS corpora,
       (SELECT count(*) FROM rag_documents) AS documents,
       (SELECT count(*) FROM rag_chunks) AS chunks;
SELECT c.collection_name, d.filename, k.qdrant_point_id
  FROM rag_corpora c
  JOIN rag_documents d USING (corpus_id)
  JOIN rag_chunks k USING (doc_id)
 ORDER BY 1, 2, 3;

-- Registering the files again (as an application does at every start) is a
-- no-op, also for applied revisions.
\set ECHO none
\i migrations/000_create_users.sql
\i migrations/001_add_auth_fields.sql
\i migrations/002_add_rag_tables.sql
\set ECHO all
SELECT * FROM schemaver_verify() ORDER BY 1, 2;

-- Keep the shape at head, to compare after a full round trip.
CREATE TEMP TABLE shape_at_head AS SELECT * FROM app_schema;

--
-- One step down: the RAG tables are gone, users keeps its rows and columns.
--
SELECT revision, operation FROM schemaver_downgrade(1);
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT to_regclass('rag_corpora') AS rag_corpora,
       to_regclass('rag_documents') AS rag_documents,
       to_regclass('rag_chunks') AS rag_chunks;
SELECT id, username, email, is_active FROM users ORDER BY id;

-- The preview of the way back up names 002's statements only and changes
-- nothing.
SELECT strpos(p, 'CREATE TABLE rag_corpora') > 0 AS creates_rag_corpora,
       strpos(p, 'ADD COLUMN user_id') = 0 AS leaves_001_alone
  FROM schemaver_upgrade_sql('head') AS p;
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT to_regclass('rag_corpora') AS rag_corpora;

--
-- Down to 000: users is back to its original shape, rows kept.
--
SELECT revision, operation FROM schemaver_downgrade('000_create_users');
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT kind, tbl, name, detail FROM app_schema ORDER BY kind, tbl, pos, name;
SELECT id, username FROM users ORDER BY id;

--
-- Down to base: nothing left.
--
SELECT revision, operation FROM schemaver_downgrade('base');
SELECT count(*) AS current_heads FROM schemaver_current();
SELECT to_regclass('users') AS users;
SELECT count(*) AS app_objects FROM app_schema;

--
-- Up again, straight to head on an empty database: the same schema as before.
--
SELECT revision, operation, message FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT count(*) AS app_objects FROM app_schema;
(SELECT 'missing' AS diff, * FROM shape_at_head EXCEPT SELECT 'missing', * FROM app_schema)
UNION ALL
(SELECT 'extra', * FROM app_schema EXCEPT SELECT 'extra', * FROM shape_at_head)
ORDER BY 1, 2, 3, 4, 5;
SELECT count(*) AS users FROM users;

-- Every step was logged, in order.
SELECT revision, operation, heads_before, heads_after
  FROM schemaver.log ORDER BY id;

--
-- Clean up: the extension, then the tables it leaves behind (they belong to
-- the application, not to the extension).
--
DROP EXTENSION schemaver;
DROP TABLE rag_chunks, rag_documents, rag_corpora, users;
DROP TABLE shape_at_head;
DROP VIEW app_schema;
