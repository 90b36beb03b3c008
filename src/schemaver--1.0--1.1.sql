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
