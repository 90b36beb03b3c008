-- Hijacking: the queries schemaver runs on its own behalf are schema-
-- qualified, so objects that a user creates earlier on the search_path,
-- named like the catalog's tables or like built-in functions, operators,
-- aggregates, types and collations, are never used by them.  Schema "evil"
-- holds such objects; each records that it was called (a NOTICE, a row in
-- sv_hijack_calls, and a sequence, which even a rolled-back call advances).
-- Every function of the extension then runs with search_path = evil, public
-- (pg_catalog implicitly first, as usual) and with search_path = evil,
-- pg_catalog, public (the user's objects before the built-ins).
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
-- The helpers compare with built-in operators: keep the evil ones away
-- from them.
ALTER FUNCTION pg_temp.catalog_state() SET search_path = pg_catalog, pg_temp;

CREATE TABLE sv_hijack_calls (what text);
CREATE SEQUENCE sv_hijack_seq;
CREATE SCHEMA evil;

-- The recorder, fully qualified itself.
CREATE FUNCTION evil.record(what pg_catalog.text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
BEGIN
    PERFORM pg_catalog.nextval('public.sv_hijack_seq');
    INSERT INTO public.sv_hijack_calls VALUES (what);
    RAISE NOTICE 'HIJACKED: %', what;
    RETURN true;
END
$fn$;

-- Tables named like the catalog's: views with the same columns (so that an
-- unqualified query would run against them without an error), whose every
-- read and write is recorded.
DO $do$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['revision', 'version', 'log', 'applied'] LOOP
        EXECUTE pg_catalog.format($f$
            CREATE FUNCTION evil.%1$I_rows() RETURNS SETOF schemaver.%1$I
            LANGUAGE plpgsql AS $b$
            BEGIN
                PERFORM evil.record('read of evil.%1$s');
                RETURN QUERY SELECT * FROM schemaver.%1$I;
            END $b$;
            CREATE VIEW evil.%1$I AS SELECT * FROM evil.%1$I_rows();
            CREATE FUNCTION evil.%1$I_write() RETURNS trigger
            LANGUAGE plpgsql AS $b$
            BEGIN
                PERFORM evil.record(TG_OP || ' on evil.%1$s');
                RETURN NULL;
            END $b$;
            CREATE TRIGGER write INSTEAD OF INSERT OR UPDATE OR DELETE ON evil.%1$I
                FOR EACH ROW EXECUTE FUNCTION evil.%1$I_write();$f$, t);
    END LOOP;
END
$do$;
CREATE SEQUENCE evil.log_id_seq;
CREATE FUNCTION evil.invalidate_graph() RETURNS trigger
LANGUAGE plpgsql AS $fn$ BEGIN PERFORM evil.record('evil.invalidate_graph()'); RETURN NULL; END $fn$;

-- Functions named like built-ins, with the built-ins' argument types.
CREATE FUNCTION evil.unnest(a anyarray) RETURNS SETOF anyelement
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM evil.record('evil.unnest(anyarray)');
    RETURN QUERY SELECT pg_catalog.unnest(a);
END $fn$;
CREATE FUNCTION evil.now() RETURNS timestamptz
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.now()'); RETURN pg_catalog.now(); END $fn$;
CREATE FUNCTION evil.lower(s pg_catalog.text) RETURNS pg_catalog.text
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.lower(text)'); RETURN pg_catalog.lower(s); END $fn$;
CREATE FUNCTION evil.array_ndims(a anyarray) RETURNS integer
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.array_ndims(anyarray)'); RETURN pg_catalog.array_ndims(a); END $fn$;
CREATE FUNCTION evil.array_length(a anyarray, d integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.array_length(anyarray, integer)'); RETURN pg_catalog.array_length(a, d); END $fn$;
CREATE FUNCTION evil.cardinality(a anyarray) RETURNS integer
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.cardinality(anyarray)'); RETURN pg_catalog.cardinality(a); END $fn$;
CREATE FUNCTION evil.concat_ws(sep pg_catalog.text, VARIADIC a pg_catalog.text[]) RETURNS pg_catalog.text
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.concat_ws(text, text[])'); RETURN pg_catalog.array_to_string(a, sep); END $fn$;
CREATE FUNCTION evil.pg_advisory_xact_lock(a integer, b integer) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN PERFORM evil.record('evil.pg_advisory_xact_lock(integer, integer)'); END $fn$;

-- Aggregates named like built-ins (the final function runs even over no rows).
CREATE FUNCTION evil.agg_step(s bigint) RETURNS bigint
LANGUAGE sql AS $fn$ SELECT s $fn$;
CREATE FUNCTION evil.agg_final(s bigint) RETURNS bigint
LANGUAGE plpgsql AS $fn$ BEGIN PERFORM evil.record('an evil aggregate'); RETURN s; END $fn$;
CREATE FUNCTION evil.agg_step_any(s bigint, x anyelement) RETURNS bigint
LANGUAGE sql AS $fn$ SELECT s $fn$;
CREATE AGGREGATE evil.count(*) (sfunc = evil.agg_step, stype = bigint,
                                finalfunc = evil.agg_final, initcond = '0');
CREATE AGGREGATE evil.max(bigint) (sfunc = evil.agg_step_any, stype = bigint,
                                   finalfunc = evil.agg_final, initcond = '0');
CREATE AGGREGATE evil.max(timestamptz) (sfunc = evil.agg_step_any, stype = bigint,
                                        finalfunc = evil.agg_final, initcond = '0');

-- Operators named like built-ins, on the types the catalog uses.
CREATE FUNCTION evil.op_tt(a pg_catalog.text, b pg_catalog.text) RETURNS boolean
LANGUAGE plpgsql AS $fn$ BEGIN PERFORM evil.record('an evil (text, text) operator'); RETURN a OPERATOR(pg_catalog.=) b; END $fn$;
CREATE FUNCTION evil.op_ta(a pg_catalog.text, b pg_catalog.text[]) RETURNS boolean
LANGUAGE plpgsql AS $fn$ BEGIN PERFORM evil.record('evil = (text, text[])'); RETURN a OPERATOR(pg_catalog.=) ANY (b); END $fn$;
CREATE FUNCTION evil.op_aa(a pg_catalog.text[], b pg_catalog.text[]) RETURNS boolean
LANGUAGE plpgsql AS $fn$ BEGIN PERFORM evil.record('an evil (text[], text[]) operator'); RETURN a OPERATOR(pg_catalog.=) b; END $fn$;
CREATE FUNCTION evil.op_bb(a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql AS $fn$ BEGIN PERFORM evil.record('an evil (bigint, bigint) operator'); RETURN a OPERATOR(pg_catalog.=) b; END $fn$;
CREATE OPERATOR evil.= (function = evil.op_tt, leftarg = pg_catalog.text, rightarg = pg_catalog.text);
CREATE OPERATOR evil.= (function = evil.op_ta, leftarg = pg_catalog.text, rightarg = pg_catalog.text[]);
CREATE OPERATOR evil.= (function = evil.op_aa, leftarg = pg_catalog.text[], rightarg = pg_catalog.text[]);
CREATE OPERATOR evil.= (function = evil.op_bb, leftarg = bigint, rightarg = bigint);
CREATE OPERATOR evil.<> (function = evil.op_tt, leftarg = pg_catalog.text, rightarg = pg_catalog.text);
CREATE OPERATOR evil.<> (function = evil.op_aa, leftarg = pg_catalog.text[], rightarg = pg_catalog.text[]);
CREATE OPERATOR evil.~ (function = evil.op_tt, leftarg = pg_catalog.text, rightarg = pg_catalog.text);
CREATE OPERATOR evil.< (function = evil.op_tt, leftarg = pg_catalog.text, rightarg = pg_catalog.text);

-- A collation named like the built-in "C" that sorts otherwise (ICU's root
-- order puts "_" before digits and ignores case: "_1" < "1a" < "a1" < "B1",
-- where "C" has "1a" < "B1" < "_1" < "a1").  A collation cannot record a
-- call; the order of schemaver_verify()'s rows below shows which one sorted.
CREATE COLLATION evil."C" (provider = icu, locale = 'und');

-- Types named like built-ins: a domain over text whose check records.
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.record('the evil text type'));
CREATE DOMAIN evil.name AS pg_catalog.name CHECK (evil.record('the evil name type'));

SELECT pg_catalog.count(*) AS evil_objects
  FROM pg_catalog.pg_depend d
 WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
   AND d.refobjid OPERATOR(pg_catalog.=) 'evil'::pg_catalog.regnamespace;

-- Round 1: search_path = evil, public.
SET search_path = evil, public;
SELECT schemaver_add_revision('hj1', NULL, 'CREATE TABLE public.hj_t (id int)', 'DROP TABLE public.hj_t', 'hijack base');
SELECT schemaver_add_revision('hj2', 'hj1', 'INSERT INTO public.hj_t VALUES (2)', 'DELETE FROM public.hj_t WHERE id OPERATOR(pg_catalog.=) 2');
SELECT schemaver_add_revision('hj3', ARRAY['hj2'], 'INSERT INTO public.hj_t VALUES (3)',
                              'DELETE FROM public.hj_t WHERE id OPERATOR(pg_catalog.=) 3',
                              depends_on => ARRAY['hj1'], branch_labels => ARRAY['hjl']);
-- again with the same content (a no-op), then with new content (a replace)
SELECT schemaver_add_revision('hj1', NULL, 'CREATE TABLE public.hj_t (id int)', 'DROP TABLE public.hj_t', 'hijack base');
SELECT schemaver_add_revision('hj3', ARRAY['hj2'], 'INSERT INTO public.hj_t VALUES (3), (30)',
                              'DELETE FROM public.hj_t WHERE id OPERATOR(pg_catalog.>=) 3',
                              depends_on => ARRAY['hj1'], branch_labels => ARRAY['hjl']);
SELECT revision, operation, message FROM schemaver_upgrade('hj2');
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT * FROM schemaver_heads() ORDER BY 1;
SELECT revision, down_revision, branch_labels, depends_on, is_head, is_current, applied, applied_by
  FROM schemaver_history() ORDER BY revision;
SELECT * FROM schemaver_verify() ORDER BY 1, 2;
SELECT revision, operation FROM schemaver_downgrade(1);
SELECT revision, operation FROM schemaver_downgrade('hjl@-1');
SELECT revision, operation FROM schemaver_stamp('hj3');
SELECT revision, operation FROM schemaver_stamp('hj1');
SELECT pg_catalog.length(schemaver_upgrade_sql('head')) OPERATOR(pg_catalog.>) 0 AS upgrade_sql,
       pg_catalog.length(schemaver_downgrade_sql(1)) OPERATOR(pg_catalog.>) 0 AS downgrade_sql_steps,
       pg_catalog.length(schemaver_downgrade_sql('base')) OPERATOR(pg_catalog.>) 0 AS downgrade_sql;
CALL schemaver_upgrade_stepwise('head');
CALL schemaver_downgrade_stepwise('hj1');
-- failures take the same paths
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_upgrade('nosuch')$$);
SELECT pg_temp.sqlstate_of($$SELECT schemaver_add_revision('hj1', NULL, 'SELECT 1')$$);
RESET search_path;

SELECT * FROM sv_hijack_calls;
SELECT last_value, is_called FROM sv_hijack_seq;
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT id FROM public.hj_t ORDER BY id;
SELECT revision, operation, heads_before, heads_after, performed_by FROM schemaver.log ORDER BY id;
SELECT max(id) AS round1_last FROM schemaver.log \gset
SELECT revision, message, registered_by FROM schemaver.revision ORDER BY revision;

-- Round 2: search_path = evil, pg_catalog, public: the user's objects
-- come before the built-ins.
SET search_path = evil, pg_catalog, public;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT * FROM schemaver_heads() ORDER BY 1;
SELECT revision, is_head, is_current, applied, applied_by FROM schemaver_history() ORDER BY revision;
SELECT * FROM schemaver_verify() ORDER BY 1, 2;
SELECT revision, operation FROM schemaver_downgrade(1);
SELECT revision, operation FROM schemaver_downgrade('hj1');
SELECT revision, operation FROM schemaver_stamp('hjl@head');
SELECT revision, operation FROM schemaver_stamp('hj1');
SELECT revision, operation FROM schemaver_upgrade('hj2');
SELECT schemaver_add_revision('hj4', 'hj3', 'SELECT 4', 'SELECT 4', 'registered under round 2');
SELECT schemaver_add_revision('hj4', 'hj3', 'SELECT 4', 'SELECT 4', 'replaced under round 2');
SELECT pg_catalog.length(schemaver_upgrade_sql('head')) OPERATOR(pg_catalog.>) 0 AS upgrade_sql,
       pg_catalog.length(schemaver_downgrade_sql(1)) OPERATOR(pg_catalog.>) 0 AS downgrade_sql_steps,
       pg_catalog.length(schemaver_downgrade_sql('base')) OPERATOR(pg_catalog.>) 0 AS downgrade_sql;
CALL schemaver_upgrade_stepwise('head');
CALL schemaver_downgrade_stepwise('hj2');
SELECT pg_temp.sqlstate_of($$SELECT * FROM schemaver_downgrade('nosuch')$$);
RESET search_path;

SELECT * FROM sv_hijack_calls;
SELECT last_value, is_called FROM sv_hijack_seq;
SELECT * FROM schemaver_current() ORDER BY 1;
SELECT id FROM public.hj_t ORDER BY id;
SELECT revision, operation, heads_before, heads_after, performed_by FROM schemaver.log
 WHERE id > :round1_last ORDER BY id;
SELECT revision, message FROM schemaver.revision ORDER BY revision;

-- The collation: four revisions edited by hand have checksum problems,
-- which schemaver_verify() lists in the catalog's "C" order.  No ORDER BY
-- here on purpose: the order is what is checked.
SELECT count(schemaver_add_revision(id, NULL, 'SELECT 1')) FROM unnest(ARRAY['B1', 'a1', '_1', '1a']) AS t(id);
UPDATE schemaver.revision SET message = 'edited by hand' WHERE revision IN ('B1', 'a1', '_1', '1a');
SET search_path = evil, pg_catalog, public;
SELECT revision FROM schemaver_verify();
RESET search_path;
SELECT * FROM sv_hijack_calls;
SELECT last_value, is_called FROM sv_hijack_seq;

-- Revision SQL, on the other hand, runs with the caller's search_path, as
-- README.md says: an unqualified name in it resolves there.
DELETE FROM schemaver.revision WHERE revision IN ('B1', 'a1', '_1', '1a');
SET search_path = evil, public;
SELECT schemaver_add_revision('hj5', 'hj4', 'CREATE TABLE hj_where (id int)', 'DROP TABLE evil.hj_where');
SELECT revision FROM schemaver_upgrade('hj5');
RESET search_path;
SELECT to_regclass('evil.hj_where') IS NOT NULL AS created_in_evil;

-- The preview scripts are run later, by psql, with whatever search_path the
-- session has then: they qualify their types and collations too (a cast to
-- an unqualified "text" would use evil.text above).
SELECT s ~ '::(text|name|integer|int|bigint|regclass|timestamptz|interval)\M' AS unqualified_cast,
       s ~ 'COLLATE "' AS unqualified_collation
  FROM (SELECT schemaver_upgrade_sql('head') || schemaver_downgrade_sql('base') AS s) AS t;

-- The traps work: written without qualification, as a careless extension
-- might write them, the same kind of queries are caught.
SET search_path = evil, pg_catalog, public;
SELECT count(*) AS n FROM version v WHERE v.revision = ANY (ARRAY['hj1', 'hj2']);
SELECT lower('X'), 'x'::text AS x;
RESET search_path;
SELECT what, count(*) FROM sv_hijack_calls GROUP BY what ORDER BY what COLLATE "C";
SELECT last_value, is_called FROM sv_hijack_seq;

-- Clean up.
SELECT revision FROM schemaver_downgrade('base') ORDER BY 1;
SET client_min_messages = warning;
DROP SCHEMA evil CASCADE;
RESET client_min_messages;
DROP EXTENSION schemaver;
DROP TABLE sv_hijack_calls;
DROP SEQUENCE sv_hijack_seq;
