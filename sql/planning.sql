-- Planning: the order of steps on chains, branches, merges and
-- dependencies; 'head', 'heads', ids and prefixes as targets.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
SET client_min_messages = warning;  -- the NOTICEs are moving.sql's concern

-- Every revision appends its id to ran, so the order is visible.
CREATE TABLE ran (n serial, revision text, op text);
CREATE FUNCTION add_rev(id text, parents text[], deps text[] DEFAULT NULL,
                        labels text[] DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
    SELECT schemaver_add_revision(id, parents,
        format('INSERT INTO ran (revision, op) VALUES (%L, ''up'')', id),
        format('INSERT INTO ran (revision, op) VALUES (%L, ''down'')', id),
        'revision ' || id, deps, labels)
$$;

-- A chain registered newest first: the plan still runs parents first.
SELECT add_rev('c3', ARRAY['c2']), add_rev('c2', ARRAY['c1']), add_rev('c1', NULL);
SELECT string_agg(h, ' ' ORDER BY h) AS heads FROM schemaver_heads() h;
SELECT revision, operation FROM schemaver_upgrade('c2');
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT revision, operation FROM schemaver_downgrade('base');
SELECT string_agg(revision || ':' || op, ' ' ORDER BY n) AS ran FROM ran;
TRUNCATE ran;

-- A branch point: c1 -> b1 -> b2 and c1 -> d1 (and c3 above c2).
SELECT add_rev('b1', ARRAY['c1']), add_rev('b2', ARRAY['b1']), add_rev('d1', ARRAY['c1']);
SELECT string_agg(h, ' ' ORDER BY h) AS heads FROM schemaver_heads() h;
-- 'head' is ambiguous now, and says which heads there are.
\set VERBOSITY default
SELECT revision FROM schemaver_upgrade('head');
SELECT revision FROM schemaver_upgrade();
\set VERBOSITY terse
SELECT pg_temp.sqlstate_of($$SELECT schemaver_upgrade('head')$$);
-- 'heads' applies every branch, one branch after the other.
SELECT revision, operation FROM schemaver_upgrade('heads');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- Downgrading to the branch point undoes every branch above it,
-- children before parents.
SELECT revision, operation FROM schemaver_downgrade('c1');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- Upgrading to one branch leaves the others alone.
SELECT revision, operation FROM schemaver_upgrade('b2');
SELECT revision, operation FROM schemaver_upgrade('d1');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;

-- A merge of the three heads makes one head again.
SELECT add_rev('m1', ARRAY['b2', 'c3', 'd1']);
SELECT string_agg(h, ' ' ORDER BY h) AS heads FROM schemaver_heads() h;
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- Undoing the merge gives back its parents as current heads.
SELECT revision, operation FROM schemaver_downgrade('c3');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- A merge of merges: m2 merges m1 with a new branch e1 off c2.
SELECT add_rev('e1', ARRAY['c2']), add_rev('m2', ARRAY['m1', 'e1']);
SELECT revision, operation FROM schemaver_upgrade('head');
SELECT revision, operation FROM schemaver_downgrade('base');
SELECT revision, operation FROM schemaver_upgrade('m2');
SELECT revision, operation FROM schemaver_downgrade('c1');
SELECT revision, operation FROM schemaver_downgrade('base');

-- The same plan twice gives the same order: deterministic.
TRUNCATE ran;
SELECT count(*) FROM schemaver_upgrade('head');
SELECT count(*) FROM schemaver_downgrade('base');
SELECT string_agg(revision || ':' || op, ' ' ORDER BY n) AS first_run FROM ran \gset
TRUNCATE ran;
SELECT count(*) FROM schemaver_upgrade('head');
SELECT count(*) FROM schemaver_downgrade('base');
SELECT string_agg(revision || ':' || op, ' ' ORDER BY n) = :'first_run' AS same_order FROM ran;

-- Ids and prefixes.
SELECT revision, operation FROM schemaver_upgrade('e');   -- unique prefix of e1
SELECT revision, operation FROM schemaver_upgrade('m2');
SELECT revision, operation FROM schemaver_downgrade('d');  -- unique prefix of d1
\set VERBOSITY default
SELECT revision FROM schemaver_downgrade('c');   -- ambiguous prefix
SELECT revision FROM schemaver_upgrade('zz');    -- unknown
\set VERBOSITY terse
SELECT revision, operation FROM schemaver_downgrade('base');

-- An exact id wins over longer ids it prefixes.
SELECT add_rev('x', NULL), add_rev('x2', ARRAY['x']);
SELECT revision, operation FROM schemaver_upgrade('x');
SELECT revision, operation FROM schemaver_downgrade('base');

-- Dependencies: g2 (on its own root g1) depends on c2.  Upgrading to g2
-- applies c2 and its ancestors first; heads come from parents only.
SELECT add_rev('g1', NULL), add_rev('g2', ARRAY['g1'], ARRAY['c2']);
SELECT string_agg(h, ' ' ORDER BY h) AS heads FROM schemaver_heads() h;
SELECT revision, operation FROM schemaver_upgrade('g2');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- Downgrading below c2 first undoes g2, which depends on it.
SELECT revision, operation FROM schemaver_downgrade('c1');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
SELECT revision, operation FROM schemaver_downgrade('base');

-- Downgrading to T undoes T's descendants and what depends on them, and
-- leaves T applied: what depends on T itself has no reason to go (issue
-- 11).  h1 <- h2, and k1, a second root, depends on h1.
SELECT add_rev('h1', NULL), add_rev('h2', ARRAY['h1']), add_rev('k1', NULL, ARRAY['h1']);
SELECT revision, operation FROM schemaver_upgrade('h2');
SELECT revision, operation FROM schemaver_upgrade('k1');
SELECT revision, operation FROM schemaver_downgrade('h1');   -- h2 only
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- Now only k1 needs h1, which is a current head (a row of
-- schemaver.version): a downgrade to it has nothing to undo.  Alembic
-- refuses this one; schemaver undoes what must go, here nothing.
SELECT count(*) FROM schemaver_downgrade('h1');
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- What depends on a descendant of T goes with it: k2 (on k1) depends on h2.
SELECT add_rev('k2', ARRAY['k1'], ARRAY['h2']);
SELECT revision, operation FROM schemaver_upgrade('k2');
SELECT revision, operation FROM schemaver_downgrade('h1');   -- k2, then h2
SELECT string_agg(c, ' ' ORDER BY c) AS current FROM schemaver_current() c;
-- Undoing h1 itself does take k1 away first.
SELECT revision, operation FROM schemaver_downgrade('base');

SELECT * FROM schemaver_verify();
DROP FUNCTION add_rev(text, text[], text[], text[]);
DROP TABLE ran;
DROP EXTENSION schemaver;
