/* src/schemaver--1.0--1.1.sql: update schemaver from 1.0 to 1.1 */

\echo Use "ALTER EXTENSION schemaver UPDATE TO '1.1'" to load this file. \quit

/*
 * Everything 1.1 adds or changes, in the same form as schemaver--1.1.sql
 * creates it: after ALTER EXTENSION schemaver UPDATE, a database has
 * exactly the objects of a fresh 1.1 install (sql/extension_update.sql
 * compares them), and keeps every registered revision, its version and
 * its log.  Keep the sections in the same order as in schemaver--1.1.sql.
 */

/* ---------- 1.1: preview scripts and plan fingerprints ---------- */

/* ---------- 1.1: authoring (autogenerate) ---------- */

/* ---------- 1.1: the schemaver command-line client ---------- */

/*
 * The directories the schemaver command has synchronised since the
 * revisions last changed, by the digest of their files (src/sync.c): a
 * client whose directory has a digest listed here has nothing to register.
 * A cache: not dumped, emptied by the trigger below at every change of
 * schemaver.revision, read and written only by the extension's code as the
 * table's owner, so that no role needs a grant on it.
 */
CREATE TABLE schemaver.synced_directory (
    digest    text        NOT NULL PRIMARY KEY,
    synced_at timestamptz NOT NULL,
    synced_by name        NOT NULL
);

COMMENT ON TABLE schemaver.synced_directory IS 'schemaver: digests of revision directories registered since the revisions last changed';
REVOKE ALL ON TABLE schemaver.synced_directory FROM PUBLIC;

CREATE FUNCTION schemaver.forget_synced_directories()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'schemaver_forget_synced_directories';

REVOKE ALL ON FUNCTION schemaver.forget_synced_directories() FROM PUBLIC;

CREATE TRIGGER forget_synced_directories
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON schemaver.revision
    FOR EACH STATEMENT EXECUTE FUNCTION schemaver.forget_synced_directories();

ALTER TABLE schemaver.revision ENABLE ALWAYS TRIGGER forget_synced_directories;

/*
 * What a revision file registers, read with the server's parser, without
 * registering it (src/revfile.c).
 */
CREATE FUNCTION schemaver_read_revision_file(content text)
RETURNS TABLE (revision text, down_revision text[], upgrade text, downgrade text,
               message text, depends_on text[], branch_labels text[])
LANGUAGE C IMMUTABLE
AS 'MODULE_PATHNAME', 'schemaver_read_revision_file';

/* Whether a directory with this digest is registered as it is. */
CREATE FUNCTION schemaver_sync_check(digest text)
RETURNS boolean
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemaver_sync_check';

/* Register a directory's revision files (names and contents, by name). */
CREATE FUNCTION schemaver_sync(files text[], contents text[])
RETURNS TABLE (file text, revision text, status text)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_sync';

/* Compare a directory's revision files with the catalog; changes nothing. */
CREATE FUNCTION schemaver_sync_compare(files text[], contents text[])
RETURNS TABLE (file text, revision text, status text)
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemaver_sync_compare';

REVOKE ALL ON FUNCTION
    schemaver_read_revision_file(text),
    schemaver_sync_check(text),
    schemaver_sync(text[], text[]),
    schemaver_sync_compare(text[], text[])
FROM PUBLIC;

/* ---------- 1.1: production-safe DDL ---------- */
