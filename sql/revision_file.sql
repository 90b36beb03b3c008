-- schemaver_read_revision_file: how the schemaver command reads a revision
-- file (with the server's parser, nothing run): the files of migrations/,
-- every accepted spelling of the arguments, and every kind of text that is
-- not one call of schemaver_add_revision with constant arguments, refused
-- with a clean error that names the file (and the line of a syntax error).
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
-- why a statement failed: SQLSTATE and DETAIL (or the message)
CREATE FUNCTION pg_temp.why(stmt text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    d text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || coalesce(nullif(d, ''), SQLERRM);
END
$fn$;

-- The repository's own files read as they register.
\set f0 `cat migrations/000_create_users.sql`
\set f1 `cat migrations/001_add_auth_fields.sql`
\set f2 `cat migrations/002_add_rag_tables.sql`
SELECT r.revision, r.down_revision, r.message, r.depends_on, r.branch_labels,
       md5(r.upgrade) = md5(sql.up) AS upgrade_same, md5(r.downgrade) = md5(sql.down) AS downgrade_same
  FROM (VALUES (:'f0'), (:'f1'), (:'f2')) AS f(content),
       LATERAL schemaver_read_revision_file(f.content) r,
       LATERAL (SELECT substring(f.content FROM '\$up\$(.*)\$up\$') AS up,
                       substring(f.content FROM '\$down\$(.*)\$down\$') AS down) sql
 ORDER BY 1;

-- Positional and named arguments, every string spelling, arrays and casts.
SELECT * FROM schemaver_read_revision_file($f$
-- a comment before, /* and a block comment */
SELECT schemaver_add_revision('rf1', 'rf0', 'CREATE TABLE t (id int)');
-- and after
$f$);
SELECT * FROM schemaver_read_revision_file($f$SELECT public.schemaver_add_revision(
    revision => 'rf2', down_revision => ARRAY['a', 'b'], upgrade => E'SELECT 1;\nSELECT ''x''',
    downgrade => NULL, message => U&'caf\00E9', depends_on => '{d1,d2}', branch_labels => ARRAY['l1']::text[])$f$);
SELECT * FROM schemaver_read_revision_file($f$SELECT schemaver_add_revision('rf3',
    down_revision := '{p1,p2}'::pg_catalog.text[], upgrade := $$SELECT 'a\b'$$::text, message := NULL::text,
    depends_on => ARRAY[]::text[])$f$);
-- standard strings are on whatever the session says: a backslash is itself
SET standard_conforming_strings = off;
SELECT upgrade FROM schemaver_read_revision_file($f$SELECT schemaver_add_revision('rf4', NULL, 'a\nb')$f$);
RESET standard_conforming_strings;

-- Anything else is refused, and says why (the message of every 22023 is
-- "a revision file must be one call of schemaver_add_revision with
-- constant arguments"; shown here is its DETAIL).
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_read_revision_file('SELECT 1')$$);
SELECT pg_temp.why(format('SELECT * FROM schemaver_read_revision_file(%L)', t)) AS result, t AS file
  FROM (VALUES
    (''),
    ('-- only a comment'),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1'); SELECT 1$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1'); DROP TABLE users$f$),
    ($f$CREATE TABLE x (id int)$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1') FROM pg_class$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1'), 1$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1') UNION SELECT 'y'$f$),
    ($f$WITH w AS (SELECT 1) SELECT schemaver_add_revision('x', NULL, 'SELECT 1')$f$),
    ($f$SELECT pg_sleep(10)$f$),
    ($f$SELECT other.fn.schemaver_add_revision('x', NULL, 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT ' || '1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, pg_read_file('/etc/passwd'))$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, (SELECT 'SELECT 1'))$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', colour => 'red')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', upgrade => 'SELECT 2')$f$),
    ($f$SELECT schemaver_add_revision(revision => 'x', NULL, 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL)$f$),
    ($f$SELECT schemaver_add_revision(revision => 'x', upgrade => 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision(NULL, NULL, 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, NULL)$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', 'SELECT 1', 'm', NULL, NULL, 'extra')$f$),
    ($f$SELECT schemaver_add_revision(ARRAY['x'], NULL, 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', message => 'a'::varchar)$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', message => 'a'::public.text)$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', message => 'a'::text[])$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', message => 42)$f$),
    ($f$SELECT schemaver_add_revision('x', ARRAY['a', NULL], 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', ARRAY['a', 'b' || 'c'], 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', depends_on => '{a')$f$),
    -- arrays given as strings are checked as registration checks them
    ($f$SELECT schemaver_add_revision('x', '{NULL}'::text[], 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', '{{a},{b}}'::text[], 'SELECT 1')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', depends_on => '{a,a}')$f$),
    ($f$SELECT schemaver_add_revision('x', NULL, 'SELECT 1', branch_labels => ARRAY['head'])$f$),
    ($f$SELECT DISTINCT schemaver_add_revision('x', NULL, 'SELECT 1')$f$),
    ($f$SELECT count(*) FILTER (WHERE true)$f$),
    ($f$SELECT schemaver_add_revision(VARIADIC ARRAY['x'])$f$)
  ) AS f(t)
 ORDER BY f.t COLLATE "C";

-- A syntax error names the line of the file, as psql meta-commands,
-- psql variables and unterminated quotes are for the server's parser.
\set VERBOSITY default
SELECT * FROM schemaver_read_revision_file(E'-- header\nSELECT schemaver_add_revision(\n  ''x'', NULL,\n  ''SELECT 1'');\n\\! rm -rf /\n');
SELECT * FROM schemaver_read_revision_file(E'SELECT schemaver_add_revision(''x'', NULL,\n :''var'')');
SELECT * FROM schemaver_read_revision_file(E'SELECT schemaver_add_revision(''x'', NULL,\n $up$ never closed');
SELECT * FROM schemaver_read_revision_file(E'\n\n\nSELECT schemaver_add_revision(''é'', NULL, ''x'' ''y'')');
SELECT * FROM schemaver_read_revision_file(NULL);
-- an array with bounds other than 1 comes back as a plain array
SELECT down_revision, depends_on FROM schemaver_read_revision_file($f$SELECT schemaver_add_revision('x', 'p', 'SELECT 1', depends_on => '[3:4]={d,e}')$f$);
-- the session is usable, and nothing was registered
SELECT count(*) AS registered FROM schemaver.revision;

DROP EXTENSION schemaver;
