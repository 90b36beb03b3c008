/* src/schemaver--1.0--1.1.sql: update schemaver from 1.0 to 1.1 */

\echo Use "ALTER EXTENSION schemaver UPDATE TO '1.1'" to load this file. \quit

/*
 * Everything 1.1 adds or changes, in the same form as schemaver--1.1.sql
 * creates it: after ALTER EXTENSION schemaver UPDATE, a database has
 * exactly the objects of a fresh 1.1 install (sql/extension_update.sql
 * compares them), and keeps every registered revision, its version and
 * its log.  Keep the sections in the same order as in schemaver--1.1.sql.
 */

/* ---------- 1.1: trust boundary (preview scripts, plan fingerprints) ---------- */

/*
 * At most 1000 parents, dependencies or branch labels per revision (the
 * limit schemaver_add_revision enforces, SV_MAX_IDS), and a checksum of 64
 * hex digits, the only form schemaver writes (preview scripts write it
 * where psql reads it): a 1.0 catalog with a row that schemaver did not
 * write so makes the update fail here, with the name of the constraint.
 */
ALTER TABLE schemaver.revision
    DROP CONSTRAINT revision_down_revision_valid,
    ADD CONSTRAINT revision_down_revision_valid CHECK (
        COALESCE(pg_catalog.array_ndims(down_revision), 1) OPERATOR(pg_catalog.=) 1
        AND pg_catalog.cardinality(down_revision) OPERATOR(pg_catalog.<=) 1000
        AND pg_catalog.array_position(down_revision, NULL) IS NULL
        AND (pg_catalog.cardinality(down_revision) OPERATOR(pg_catalog.=) 0
             OR pg_catalog.array_to_string(down_revision, ',') OPERATOR(pg_catalog.~)
                '^[A-Za-z0-9_]{1,63}(,[A-Za-z0-9_]{1,63})*$')
        AND NOT pg_catalog.lower(pg_catalog.array_to_string(down_revision, ',')) OPERATOR(pg_catalog.~)
            '(^|,)(head|heads|base)(,|$)'),
    DROP CONSTRAINT revision_depends_on_valid,
    ADD CONSTRAINT revision_depends_on_valid CHECK (
        COALESCE(pg_catalog.array_ndims(depends_on), 1) OPERATOR(pg_catalog.=) 1
        AND pg_catalog.cardinality(depends_on) OPERATOR(pg_catalog.<=) 1000
        AND pg_catalog.array_position(depends_on, NULL) IS NULL
        AND (pg_catalog.cardinality(depends_on) OPERATOR(pg_catalog.=) 0
             OR pg_catalog.array_to_string(depends_on, ',') OPERATOR(pg_catalog.~)
                '^[A-Za-z0-9_]{1,63}(,[A-Za-z0-9_]{1,63})*$')
        AND NOT pg_catalog.lower(pg_catalog.array_to_string(depends_on, ',')) OPERATOR(pg_catalog.~)
            '(^|,)(head|heads|base)(,|$)'),
    DROP CONSTRAINT revision_branch_labels_valid,
    ADD CONSTRAINT revision_branch_labels_valid CHECK (
        COALESCE(pg_catalog.array_ndims(branch_labels), 1) OPERATOR(pg_catalog.=) 1
        AND pg_catalog.cardinality(branch_labels) OPERATOR(pg_catalog.<=) 1000
        AND pg_catalog.array_position(branch_labels, NULL) IS NULL
        AND (pg_catalog.cardinality(branch_labels) OPERATOR(pg_catalog.=) 0
             OR pg_catalog.array_to_string(branch_labels, ',') OPERATOR(pg_catalog.~)
                '^[A-Za-z0-9_]{1,63}(,[A-Za-z0-9_]{1,63})*$')
        AND NOT pg_catalog.lower(pg_catalog.array_to_string(branch_labels, ',')) OPERATOR(pg_catalog.~)
            '(^|,)(head|heads|base)(,|$)'),
    ADD CONSTRAINT revision_checksum_format
        CHECK (checksum OPERATOR(pg_catalog.~) '^[0-9a-f]{64}$');

/*
 * Plan fingerprints: the online calls run only the plan that was reviewed.
 * The fingerprint (in a preview script's header) names the state a plan
 * starts from and each step's revision, operation and content checksum.
 */
CREATE FUNCTION schemaver_upgrade(target text, plan text)
RETURNS TABLE (revision text, operation text, message text, elapsed interval)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_upgrade_plan';

CREATE FUNCTION schemaver_downgrade(target text, plan text)
RETURNS TABLE (revision text, operation text, message text, elapsed interval)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_downgrade_plan';

CREATE FUNCTION schemaver_downgrade(steps integer, plan text)
RETURNS TABLE (revision text, operation text, message text, elapsed interval)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_downgrade_steps_plan';

CREATE PROCEDURE schemaver_upgrade_stepwise(target text, plan text)
LANGUAGE C
AS 'MODULE_PATHNAME', 'schemaver_upgrade_stepwise_plan';

CREATE PROCEDURE schemaver_downgrade_stepwise(target text, plan text)
LANGUAGE C
AS 'MODULE_PATHNAME', 'schemaver_downgrade_stepwise_plan';

/*
 * What a preview script calls (src/scriptrun.c): psql never reads revision
 * SQL, it passes each step's SQL, dollar-quoted, to run_script_step, which
 * runs it with the code of the online call.  They live in the catalog's
 * schema, which a script names whatever the search_path.
 */
CREATE FUNCTION schemaver.run_script_begin(kind text, target text, fingerprint text)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_run_script_begin';

CREATE FUNCTION schemaver.run_script_step(fingerprint text, step integer,
                                          revision text, operation text,
                                          checksum text, sql text)
RETURNS TABLE (revision text, operation text, message text, elapsed interval)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_run_script_step';

CREATE FUNCTION schemaver.run_script_end(fingerprint text)
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_run_script_end';

REVOKE ALL ON FUNCTION
    schemaver_upgrade(text, text),
    schemaver_downgrade(text, text),
    schemaver_downgrade(integer, text),
    schemaver.run_script_begin(text, text, text),
    schemaver.run_script_step(text, integer, text, text, text, text),
    schemaver.run_script_end(text)
FROM PUBLIC;
REVOKE ALL ON PROCEDURE
    schemaver_upgrade_stepwise(text, text),
    schemaver_downgrade_stepwise(text, text)
FROM PUBLIC;


/* ---------- 1.1: authoring (autogenerate) ---------- */

/*
 * Revisions computed from a desired schema (authoring.c): they build the
 * desired schema in a subtransaction that they roll back, so they change
 * nothing; the caller needs the rights to rename the managed schemas.
 */
CREATE FUNCTION schemaver_diff(desired text, schemas text[] DEFAULT ARRAY['public'])
RETURNS TABLE (step integer, kind text, object text,
               upgrade text, downgrade text, hazard text)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_diff';

CREATE FUNCTION schemaver_autogenerate(desired text, schemas text[] DEFAULT ARRAY['public'])
RETURNS TABLE (upgrade text, downgrade text)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_autogenerate';

CREATE FUNCTION schemaver_revision(message text,
                                   revision text DEFAULT NULL,
                                   down_revision text[] DEFAULT NULL,
                                   desired text DEFAULT NULL,
                                   schemas text[] DEFAULT ARRAY['public'],
                                   upgrade text DEFAULT NULL,
                                   downgrade text DEFAULT NULL,
                                   depends_on text[] DEFAULT NULL,
                                   branch_labels text[] DEFAULT NULL)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemaver_revision';

REVOKE ALL ON FUNCTION
    schemaver_diff(text, text[]),
    schemaver_autogenerate(text, text[]),
    schemaver_revision(text, text, text[], text, text[], text, text, text[], text[])
FROM PUBLIC;

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

/*
 * The lint (src/lint.c): one row per finding of the rules of README.md
 * ("Lint"), for one revision or, by default, every registered revision not
 * applied yet.  It changes nothing.  The rows have a type of their own so
 * that the argument and the first column can both be called "revision".
 */
CREATE TYPE schemaver.lint_finding AS (
    revision    text,       -- the revision
    statement   integer,    -- 1-based statement of its upgrade SQL; NULL: the revision itself
    rule        text,       -- the rule's name, as lint-ignore directives name it
    severity    text,       -- 'error' or 'warning'
    message     text,       -- what the statement would do
    hint        text,       -- the safe alternative
    table_name  text,       -- the table the facts are about, or NULL
    table_rows  bigint,     -- its estimated rows (pg_class.reltuples), NULL if never analyzed
    table_bytes bigint      -- its size with indexes and TOAST
);

COMMENT ON TYPE schemaver.lint_finding IS 'schemaver: one finding of schemaver_lint()';
REVOKE ALL ON TYPE schemaver.lint_finding FROM PUBLIC;

CREATE FUNCTION schemaver_lint(revision text DEFAULT NULL)
RETURNS SETOF schemaver.lint_finding
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemaver_lint';

REVOKE ALL ON FUNCTION schemaver_lint(text) FROM PUBLIC;

/*
 * A preview script's non-transactional step (src/scriptrun.c): a revision
 * whose SQL begins with "-- schemaver: transaction=off" runs outside any
 * transaction, called at top level between the script's transactions.
 */
CREATE PROCEDURE schemaver.run_script_step_nontx(fingerprint text, step integer,
                                                 revision text, operation text,
                                                 checksum text, sql text)
LANGUAGE C
AS 'MODULE_PATHNAME', 'schemaver_run_script_step_nontx';

REVOKE ALL ON PROCEDURE
    schemaver.run_script_step_nontx(text, integer, text, text, text, text)
FROM PUBLIC;
