-- Autogenerate, property test: for random schemas A and random edits B of
-- them (sql/include/autogen_random.sql), point 4 of the issue holds: after
-- autogenerate(B).upgrade on A, diff(B) has no rows and the catalog equals
-- B built from scratch; after the downgrade, the catalog equals A (and,
-- for every fifth pair, diff(A) has no rows).  Pairs whose B does not
-- build (the generator's own mistakes) are counted apart, not tested.
--
-- The seed and the number of pairs are fixed here; for a longer run with
-- random seeds (a few minutes):
--   psql -v ag_pairs=2000 -v ag_seed=$(awk 'BEGIN{srand(); print rand()}') \
--        -f sql/autogen_property.sql        (from the repository's root)
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\i sql/include/autogen_random.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;
\if :{?ag_pairs}
\else
\set ag_pairs 120
\endif
\if :{?ag_seed}
\else
\set ag_seed 0.25
\endif

-- One pair per call, so that each pair is a transaction of its own (a
-- single transaction would hold a lock on every object of every pair).
CREATE TEMP TABLE pt_results (pair integer, built boolean, failure text, detail text);
CREATE FUNCTION pg_temp.pt_pair(i integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    ma jsonb;
    mb jsonb;
    a text;
    b text;
    fa text[];
    fb text[];
    up text;
    down text;
    phase text;
    n integer;
    m text;
BEGIN
    ma := pg_temp.pt_gen();
    mb := pg_temp.pt_edit(ma);
    a := pg_temp.pt_render(ma);
    b := pg_temp.pt_render(mb);
    BEGIN
        PERFORM pg_temp.ag_reset('{ag}');
        EXECUTE b;
        fb := ARRAY(SELECT pg_temp.ag_fingerprint('{ag}'));
        PERFORM pg_temp.ag_reset('{ag}');
        EXECUTE a;
        fa := ARRAY(SELECT pg_temp.ag_fingerprint('{ag}'));
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO pt_results VALUES (i, false, SQLERRM, NULL);
        RETURN;
    END;
    BEGIN
        phase := 'autogenerate';
        SELECT g.upgrade, g.downgrade INTO up, down FROM schemaver_autogenerate(b, '{ag}') g;
        phase := 'upgrade';
        IF up <> '' THEN EXECUTE up; END IF;
        phase := 'diff after the upgrade';
        SELECT count(*) INTO n FROM schemaver_diff(b, '{ag}');
        IF n <> 0 THEN RAISE EXCEPTION '% rows', n; END IF;
        phase := 'catalog after the upgrade';
        m := pg_temp.ag_mismatch(fb, '{ag}');
        IF m IS NOT NULL THEN RAISE EXCEPTION '%', m; END IF;
        phase := 'downgrade';
        IF down <> '' THEN EXECUTE down; END IF;
        phase := 'catalog after the downgrade';
        m := pg_temp.ag_mismatch(fa, '{ag}');
        IF m IS NOT NULL THEN RAISE EXCEPTION '%', m; END IF;
        IF i % 5 = 0 THEN
            phase := 'diff after the downgrade';
            SELECT count(*) INTO n FROM schemaver_diff(a, '{ag}');
            IF n <> 0 THEN RAISE EXCEPTION '% rows', n; END IF;
        END IF;
        INSERT INTO pt_results VALUES (i, true, NULL, NULL);
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO pt_results VALUES (i, true, format('pair %s, %s: %s', i, phase, SQLERRM),
                                       format(E'-- A:\n%s-- B:\n%s-- upgrade:\n%s-- downgrade:\n%s', a, b, up, down));
    END;
END
$fn$;

SELECT setseed(:ag_seed);
\set ECHO none
\o /dev/null
SELECT format('SELECT pg_temp.pt_pair(%s)', i) FROM generate_series(1, :ag_pairs) i \gexec
\o
\set ECHO all
SELECT count(*) AS pairs, count(*) FILTER (WHERE built) >= 0.9 * count(*) AS most_pairs_build,
       count(failure) FILTER (WHERE built) AS failed
  FROM pt_results;
-- the failures, if any, with the first one's schemas and scripts
SELECT failure FROM pt_results WHERE built AND failure IS NOT NULL ORDER BY pair;
SELECT detail AS first_failure FROM pt_results WHERE built AND failure IS NOT NULL ORDER BY pair LIMIT 1;

DROP TABLE pt_results;
DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;
