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
