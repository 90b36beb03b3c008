-- schemaver_sync, schemaver_sync_compare, schemaver_sync_check: the
-- schemaver command's directory synchronisation, and the digests that let
-- it skip sending files when nothing is new.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

\set f0 `cat migrations/000_create_users.sql`
\set f1 `cat migrations/001_add_auth_fields.sql`
\set f2 `cat migrations/002_add_rag_tables.sql`
CREATE TEMP TABLE dir (name text, content text);
INSERT INTO dir VALUES ('000_create_users.sql', :'f0'), ('001_add_auth_fields.sql', :'f1'),
                       ('002_add_rag_tables.sql', :'f2');
-- the digest as the client computes it (src/client/revdir.c)
CREATE FUNCTION pg_temp.digest_of(names text[], contents text[]) RETURNS text
LANGUAGE sql AS $fn$
    SELECT encode(sha256(convert_to(E'schemaver-directory-1\n', 'UTF8') ||
           coalesce((SELECT string_agg(convert_to(n, 'UTF8') || '\x00'::bytea ||
                                       convert_to(octet_length(c)::text, 'UTF8') || '\x00'::bytea ||
                                       convert_to(c, 'UTF8'), ''::bytea ORDER BY o)
                       FROM unnest(names, contents) WITH ORDINALITY AS u(n, c, o)), ''::bytea)), 'hex')
$fn$;
SELECT array_agg(name ORDER BY name COLLATE "C") AS names, array_agg(content ORDER BY name COLLATE "C") AS contents
  FROM dir \gset d_
SELECT pg_temp.digest_of(:'d_names', :'d_contents') AS digest \gset

-- A new directory: not known, then registered file by file, then known.
SELECT schemaver_sync_check(:'digest') AS known;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT revision, down_revision, message FROM schemaver.revision ORDER BY revision;
SELECT digest = :'digest' AS digest_as_the_client_computes, synced_by = current_user AS by_me
  FROM schemaver.synced_directory;
SELECT schemaver_sync_check(:'digest') AS known, schemaver_sync_check(md5('other')) AS other_known;
-- again: nothing to register; the digest stays
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT schemaver_sync_check(:'digest') AS known;

-- Any change of the revisions forgets every directory, even one that
-- registers nothing new (a no-op registration runs the statement).
SELECT schemaver_add_revision('sync_extra', '002_add_rag_tables', 'SELECT 1');
SELECT count(*) AS remembered FROM schemaver.synced_directory;
SELECT schemaver_sync_check(:'digest') AS known;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT schemaver_sync_check(:'digest') AS known;
BEGIN;
SELECT schemaver_add_revision('sync_extra', '002_add_rag_tables', 'SELECT 1');
SELECT schemaver_sync_check(:'digest') AS known_in_the_transaction;
ROLLBACK;
SELECT schemaver_sync_check(:'digest') AS known_after_rollback;
-- a change after a sync in the same transaction forgets it too
BEGIN;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT schemaver_add_revision('sync_extra2', 'sync_extra', 'SELECT 2');
SELECT schemaver_sync_check(:'digest') AS known_after_a_later_change;
ROLLBACK;
UPDATE schemaver.revision SET message = message WHERE revision = 'sync_extra';
SELECT schemaver_sync_check(:'digest') AS known_after_update;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
TRUNCATE schemaver.synced_directory;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
DELETE FROM schemaver.revision WHERE revision = 'sync_extra';
SELECT schemaver_sync_check(:'digest') AS known_after_delete;

-- Changed while not applied: registered again, with the server's NOTICE.
SELECT revision FROM schemaver_upgrade('001_add_auth_fields');
UPDATE dir SET content = replace(content, 'create RAG metadata tables', 'create the RAG tables')
 WHERE name = '002_add_rag_tables.sql';
SELECT array_agg(content ORDER BY name COLLATE "C") AS contents FROM dir \gset d_
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT message FROM schemaver.revision WHERE revision = '002_add_rag_tables';

-- Changed after it was applied: an error that names the file and the
-- revision, before anything is registered (not even a new file).
SELECT pg_temp.catalog_state() AS state0 \gset
INSERT INTO dir VALUES ('003_new.sql', $f$SELECT schemaver_add_revision('003_new', '002_add_rag_tables', 'SELECT 3')$f$);
UPDATE dir SET content = replace(content, 'add user authentication fields', 'add auth fields')
 WHERE name = '001_add_auth_fields.sql';
UPDATE dir SET content = replace(content, 'create users table', 'create the users table')
 WHERE name = '000_create_users.sql';
SELECT array_agg(name ORDER BY name COLLATE "C") AS names, array_agg(content ORDER BY name COLLATE "C") AS contents
  FROM dir \gset d_
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT pg_temp.catalog_state() = :'state0' AS nothing_registered;

-- compare changes nothing and says what differs, and what has no file.
SELECT schemaver_add_revision('sync_orphan', NULL, 'SELECT 1');
SELECT pg_temp.catalog_state() AS state1 \gset
SELECT * FROM schemaver_sync_compare(:'d_names', :'d_contents') ORDER BY file COLLATE "C" NULLS LAST;
SELECT pg_temp.catalog_state() = :'state1' AS unchanged;
SELECT * FROM schemaver_sync_compare('{}', '{}') ORDER BY revision COLLATE "C";

-- A transaction that reads from one snapshot registers, but remembers no
-- directory (a cache is not worth a serialization failure).
UPDATE dir SET content = :'f0' WHERE name = '000_create_users.sql';
UPDATE dir SET content = :'f1' WHERE name = '001_add_auth_fields.sql';
SELECT array_agg(name ORDER BY name COLLATE "C") AS names, array_agg(content ORDER BY name COLLATE "C") AS contents
  FROM dir \gset d_
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
COMMIT;
SELECT count(*) AS remembered FROM schemaver.synced_directory;
SELECT * FROM schemaver_sync(:'d_names', :'d_contents');
SELECT schemaver_sync_check(pg_temp.digest_of(:'d_names', :'d_contents')) AS known;

-- Bad arguments.
SELECT pg_temp.catalog_state() AS state2 \gset
SELECT pg_temp.sqlstate_of(s) AS result, s AS stmt FROM (VALUES
  ($$SELECT * FROM schemaver_sync(NULL, '{}')$$),
  ($$SELECT * FROM schemaver_sync('{}', NULL)$$),
  ($$SELECT * FROM schemaver_sync('{a.sql}', '{}')$$),
  ($$SELECT * FROM schemaver_sync('{{a.sql}}', '{{x}}')$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['b.sql', 'a.sql'], ARRAY['x', 'y'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql', 'a.sql'], ARRAY['x', 'y'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY[''], ARRAY['x'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql', NULL], ARRAY['x', 'y'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql'], ARRAY[NULL])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql'], ARRAY['DROP TABLE users'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql', 'b.sql'],
       ARRAY['SELECT schemaver_add_revision(''dup'', NULL, ''SELECT 1'')',
             'SELECT schemaver_add_revision(''dup'', NULL, ''SELECT 2'')'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql'], ARRAY['SELECT schemaver_add_revision(''head'', NULL, ''SELECT 1'')'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql'], ARRAY['SELECT schemaver_add_revision(''a'', ''a'', ''SELECT 1'')'])$$),
  ($$SELECT * FROM schemaver_sync_compare(NULL, NULL)$$),
  -- control characters from a file's name or content never reach a message raw
  ($$SELECT * FROM schemaver_sync_compare(ARRAY[E'a\x1b[2J.sql'], ARRAY['x'])$$),
  ($$SELECT * FROM schemaver_sync(ARRAY['a.sql'], ARRAY[E'SELECT schemaver_add_revision(''r\x1b[2J'', NULL, ''SELECT 1'')'])$$),
  ($$SELECT * FROM schemaver_sync_compare(ARRAY['a.sql', 'b.sql'],
       ARRAY[E'SELECT schemaver_add_revision(''d\x1b]0;t\x07'', NULL, ''SELECT 1'')',
             E'SELECT schemaver_add_revision(''d\x1b]0;t\x07'', NULL, ''SELECT 2'')'])$$),
  ($$SELECT schemaver_sync_check(NULL)$$)
) AS t(s) ORDER BY t.s COLLATE "C";
SELECT pg_temp.catalog_state() = :'state2' AS unchanged;

-- Revision SQL cannot synchronise (it would register under the call's lock).
SELECT schemaver_add_revision('sync_inner', 'sync_orphan',
    $$SELECT * FROM schemaver_sync('{}', '{}')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('sync_inner')$$);

-- Every role needs a grant: schemaver_sync registers with the caller's
-- rights, through schemaver_add_revision.
CREATE ROLE regress_sv_sync_nobody;
CREATE ROLE regress_sv_sync_half;
GRANT USAGE ON SCHEMA schemaver TO regress_sv_sync_half;
GRANT SELECT, INSERT, UPDATE ON schemaver.revision TO regress_sv_sync_half;
GRANT SELECT ON schemaver.applied TO regress_sv_sync_half;
GRANT EXECUTE ON FUNCTION schemaver_sync(text[], text[]) TO regress_sv_sync_half;
SET ROLE regress_sv_sync_nobody;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_sync('{}', '{}')$$) AS nobody_sync,
       pg_temp.sqlstate_of($$SELECT schemaver_sync_check('x')$$) AS nobody_check,
       pg_temp.sqlstate_of($$SELECT * FROM schemaver_sync_compare('{}', '{}')$$) AS nobody_compare,
       pg_temp.sqlstate_of($$SELECT * FROM schemaver_read_revision_file('x')$$) AS nobody_read;
SET ROLE regress_sv_sync_half;
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_sync(ARRAY['h.sql'],
         ARRAY['SELECT schemaver_add_revision(''sync_half'', NULL, ''SELECT 1'')'])$$) AS without_add_revision;
RESET ROLE;
DROP ROLE regress_sv_sync_nobody;
REVOKE ALL ON SCHEMA schemaver FROM regress_sv_sync_half;
REVOKE ALL ON ALL TABLES IN SCHEMA schemaver FROM regress_sv_sync_half;
REVOKE ALL ON FUNCTION schemaver_sync(text[], text[]) FROM regress_sv_sync_half;
DROP ROLE regress_sv_sync_half;

SELECT revision FROM schemaver_downgrade('base');
DROP EXTENSION schemaver;
DROP TABLE dir;
