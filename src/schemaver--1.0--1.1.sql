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

/* ---------- 1.1: production-safe DDL ---------- */
