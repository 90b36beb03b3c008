-- schemaver_upgrade_sql and schemaver_downgrade_sql: the text of a script
-- (psql never reads revision SQL: each step passes it, dollar-quoted with a
-- tag that does not occur in it, to schemaver.run_script_step), how it shows
-- what users wrote (messages in comments with control characters escaped;
-- SQL holding control characters escaped too), scripts with nothing to do,
-- plan fingerprints, and errors.  sql/preview_apply.sql applies scripts;
-- test/t/010_preview_equivalence.pl and test/t/050_preview_attacks.pl run
-- them with psql.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

-- A base revision, and one whose message holds quotes, dollars, backslashes
-- and line breaks and whose SQL has its own dollar-quoted function body, a
-- comment with a backslash and ":name" in it, a standard string with a
-- backslash, and text that looks like the script's own markers.
SELECT schemaver_add_revision('pv1', NULL, 'CREATE TABLE pv_a (id int)', 'DROP TABLE pv_a', 'create pv_a');
SELECT schemaver_add_revision('pv2', 'pv1',
    upgrade => $up$CREATE FUNCTION pv_f() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
    RETURN E'it''s \\ $1 $$ :name';  -- a backslash \ and :name in a comment
END
$body$;
COMMENT ON TABLE pv_a IS 'C:\ and it''s $$ $sv_0123456789ab$';
-- ============================================================================
-- Step 2 of 2: (not really: this comment is part of pv2's SQL)
SELECT pg_catalog.array_length(ARRAY[1, 2, 3], 1), (ARRAY[1, 2, 3])[1:2]$up$,
    downgrade => 'DROP FUNCTION pv_f(); COMMENT ON TABLE pv_a IS NULL;',
    message => E'it''s "quoted", costs $5 $$ $body$, C:\\dir\nsecond line -- still the message\r\n*/ third line');
SELECT schemaver_add_revision('pv3', 'pv2', 'ALTER TABLE pv_a ADD COLUMN name text', NULL, 'irreversible');

\pset format unaligned
\pset tuples_only on
-- From base to pv2: two steps.
SELECT schemaver_upgrade_sql('pv2');
\pset format aligned
\pset tuples_only off

-- A preview changes nothing and takes no lock that a migration would wait
-- for (schemaver's lock is an object lock on the extension).
BEGIN;
SELECT pg_temp.catalog_state();
SELECT length(schemaver_upgrade_sql()) > 0 AS has_script,
       length(schemaver_downgrade_sql('base')) > 0 AS has_down_script;
SELECT count(*) AS schemaver_locks FROM pg_locks
 WHERE locktype = 'object' AND classid = 'pg_extension'::regclass AND pid = pg_backend_pid();
SELECT pg_temp.catalog_state();
COMMIT;

-- The fingerprint in a script's header is what the online call accepts as
-- plan => '...' (sql/preview_apply.sql checks that it runs only that plan).
SELECT substring(schemaver_upgrade_sql('pv2') FROM '-- Plan fingerprint: ([0-9a-f]{64})') AS fp \gset
SELECT length(:'fp') AS fingerprint_length,
       schemaver_upgrade_sql('pv2') LIKE '%schemaver_upgrade(''pv2'', plan => ''' || :'fp' || ''')%' AS apply_hint,
       schemaver_upgrade_sql('pv2') LIKE '%run_script_begin(''upgrade'', ''pv2'', ''' || :'fp' || ''')%' AS script_begins_with_it;
-- The same plan from the same state has the same fingerprint; another
-- target or another state, another one.
SELECT substring(schemaver_upgrade_sql('head') FROM '-- Plan fingerprint: ([0-9a-f]{64})') <> :'fp' AS other_target_other_fp,
       substring(schemaver_upgrade_sql('pv2') FROM '-- Plan fingerprint: ([0-9a-f]{64})') = :'fp' AS stable;

-- Downgrade scripts: by steps and by target.
SELECT revision FROM schemaver_upgrade('pv2');
\pset format unaligned
\pset tuples_only on
SELECT schemaver_downgrade_sql(1);
\pset format aligned
\pset tuples_only off
-- The same walk gives the same script, but for the lines that name the
-- call (its first comment and the apply hint).
CREATE FUNCTION pg_temp.body(script text) RETURNS text
LANGUAGE sql AS $$
    SELECT regexp_replace(regexp_replace(script, '^-- schemaver script: [^\n]*\n', '', 'n'),
                          '^(--     SELECT \* FROM schemaver_downgrade\(|SELECT schemaver\.run_script_begin\(''downgrade'', )[^\n]*\n', '', 'gn')
$$;
SELECT pg_temp.body(schemaver_downgrade_sql(2)) = pg_temp.body(schemaver_downgrade_sql('base')) AS steps_as_base,
       pg_temp.body(schemaver_downgrade_sql(1)) = pg_temp.body(schemaver_downgrade_sql('pv1')) AS step_as_target,
       schemaver_downgrade_sql('-1') <> schemaver_downgrade_sql(1) AS first_line_differs;
SELECT regexp_matches(schemaver_downgrade_sql('base'), '^(-- Step .*|-- Starts.*|-- Ends.*|SELECT \* FROM schemaver\.run_script_step\(.{67}[^,]*, [^,]*, [^,]*,)', 'gn') AS lines;

-- Nothing to do: a short script that says so, and still checks the state.
\pset format unaligned
\pset tuples_only on
SELECT schemaver_upgrade_sql('pv2');
\pset format aligned
\pset tuples_only off
SELECT schemaver_upgrade_sql('pv2') IS NOT NULL AS not_null;

-- User text with control characters.  The message: each control character
-- escaped in the comment (\x1b, \r, \u202e), a line feed starting a new
-- comment line (and escaped in the online call's NOTICE too).  The SQL: as
-- it holds control characters (ESC and a lone CR, in a comment), it is
-- written escaped (\033, \015; a backslash as \\) and passed through
-- decode(..., 'escape').
SELECT schemaver_add_revision('pv_ctl', 'pv2',
    E'SELECT 1; /* hidden?\r\x1b[2K\x1b[1Alooks like a marker */\nSELECT E''a\\\\b'' /* \u202e */',
    'SELECT 1', E'tab\there, escape \x1b[31mred\x1b[0m, bidi \u202e, cr\rhere\nnext line');
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(schemaver_upgrade_sql('pv_ctl'), '^.*(-- Step 1 of 1.*)$', '\1') AS step;
\pset format aligned
\pset tuples_only off
SELECT schemaver_upgrade_sql('pv_ctl') ~ '[\x01-\x08\x0b-\x1f\x7f]' AS raw_control_bytes,
       schemaver_upgrade_sql('pv_ctl') ~ E'\u202e' AS raw_bidi;
SELECT revision FROM schemaver_upgrade('pv_ctl');
SELECT revision FROM schemaver_downgrade(1);
DELETE FROM schemaver.revision WHERE revision = 'pv_ctl';

-- CR LF line ends are not control characters to hide: such SQL is written
-- as it is.
SELECT schemaver_add_revision('pv_crlf', 'pv2', E'SELECT 1;\r\nSELECT 2;\r\n', 'SELECT 1');
SELECT schemaver_upgrade_sql('pv_crlf') LIKE E'%\nSELECT 1;\r\nSELECT 2;\r\n\n$sv_%' AS crlf_verbatim,
       schemaver_upgrade_sql('pv_crlf') NOT LIKE '%pg_catalog.convert_from(pg_catalog.decode($sv_%' AS not_escaped;
DELETE FROM schemaver.revision WHERE revision = 'pv_crlf';

-- Whatever the revision SQL holds, the script only ever has it inside the
-- dollar quote: here it holds the tags of the other steps and of itself
-- under other checksums, and psql meta-commands at the start of lines.
SELECT schemaver_add_revision('pv_meta', 'pv2', $up$SELECT 1;
\! touch pwned
\o /tmp/pwned
:name
$sv_$ $sv_0$ $$
$up$, 'SELECT 1');
SELECT (SELECT count(*) FROM regexp_matches(s, '^\\', 'gn')) AS lines_starting_with_backslash,
       (SELECT count(*) FROM regexp_matches(s, '^\\set|^\\encoding', 'gn')) AS of_them_the_scripts_own
  FROM schemaver_upgrade_sql('pv_meta') AS s;
SELECT substring(s FROM 'between (\$sv_[0-9a-f]+\$)') AS tag,
       position(substring(s FROM 'between (\$sv_[0-9a-f]+\$)') IN
                (SELECT upgrade_sql FROM schemaver.revision WHERE revision = 'pv_meta')) = 0 AS tag_not_in_sql
  FROM schemaver_upgrade_sql('pv_meta') AS s;
DELETE FROM schemaver.revision WHERE revision = 'pv_meta';

-- Errors, as the online calls raise them.
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql(NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(NULL::integer)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(NULL::text)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(0)$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('nope')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('pv1')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade_sql('a b')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql('pv3')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(5)$$);
SELECT revision FROM schemaver_upgrade('pv3');
SELECT pg_temp.sqlstate_of($$SELECT schemaver_downgrade_sql(1)$$);
SELECT pg_temp.catalog_state();

-- Nothing is granted to PUBLIC.
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p
 WHERE p.proname IN ('schemaver_upgrade_sql', 'schemaver_downgrade_sql', 'run_script_begin',
                     'run_script_step', 'run_script_end')
 ORDER BY p.oid::regprocedure::text;

SET client_min_messages = warning;
SELECT count(*) AS stamped FROM schemaver_stamp('base');
RESET client_min_messages;
DROP TABLE pv_a;
DROP FUNCTION pv_f();
DROP EXTENSION schemaver;
