-- The target language: relative steps, branch labels, heads, base, on a
-- linear chain and on a branchy graph; every error with its SQLSTATE.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql
SET client_min_messages = warning;

CREATE FUNCTION cur() RETURNS text LANGUAGE sql AS
$$ SELECT coalesce(string_agg(c, ' ' ORDER BY c), '<base>') FROM schemaver_current() c $$;
CREATE FUNCTION up(t text) RETURNS text LANGUAGE sql AS
$$ SELECT coalesce(string_agg(revision, ' '), '-') || '  => ' || cur() FROM schemaver_upgrade(t) $$;
CREATE FUNCTION down(t text) RETURNS text LANGUAGE sql AS
$$ SELECT coalesce(string_agg(revision, ' '), '-') || '  => ' || cur() FROM schemaver_downgrade(t) $$;
CREATE FUNCTION try(stmt text) RETURNS text LANGUAGE sql AS
$$ SELECT pg_temp.sqlstate_of(stmt) || '  [at ' || cur() || ']' $$;

-- A linear chain l1 .. l5.
SELECT schemaver_add_revision('l' || i, CASE WHEN i > 1 THEN 'l' || (i - 1) END, 'SELECT 1', 'SELECT 1')
  FROM generate_series(1, 5) i;

SELECT up('+2');            -- from base: l1 l2
SELECT up('+1');            -- l3
SELECT down('-1');          -- back to l2
SELECT up('l2+2');          -- l3 l4
SELECT down('l4-3');        -- to l1
SELECT up('head-1');        -- to l4
SELECT up('head');
SELECT down('head-2');      -- to l3
SELECT up('l3+0');          -- nothing to do
SELECT down('l1-1');        -- one below l1 is base
SELECT up('base+1');        -- l1
SELECT up('l');             -- a prefix of several ids
SELECT up('L2');            -- ids are case-sensitive
SELECT up('HEAD');          -- keywords are not
SELECT down('BASE');

-- Errors, each leaving the catalog unchanged.
SELECT up('+2');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT stmt, try(stmt) FROM (VALUES
  ($$SELECT up('+4')$$),            -- beyond the head
  ($$SELECT down('-3')$$),          -- below base
  ($$SELECT up('-1')$$),            -- upgrade going down
  ($$SELECT down('+1')$$),          -- downgrade going up
  ($$SELECT up('base')$$),
  ($$SELECT down('l5')$$),          -- not applied
  ($$SELECT up('l1')$$),            -- already applied, below current
  ($$SELECT up('heads+1')$$),
  ($$SELECT up('head+1')$$),
  ($$SELECT up('x9+1')$$),
  ($$SELECT up('+')$$),
  ($$SELECT up('-')$$),
  ($$SELECT up('+-1')$$),
  ($$SELECT up('++1')$$),
  ($$SELECT up('1+')$$),
  ($$SELECT up('l1+1x')$$),
  ($$SELECT up('+2147483647')$$),
  ($$SELECT up('+2147483648')$$),
  ($$SELECT down('-99999999999999999999')$$),
  ($$SELECT up(' +1')$$),
  ($$SELECT up('+ 1')$$),
  ($$SELECT up('@')$$),
  ($$SELECT up('a@')$$),
  ($$SELECT up('@head')$$),
  ($$SELECT up('a@b@c')$$),
  ($$SELECT up('nolabel@head')$$),
  ($$SELECT up(repeat('x', 10000))$$)
) AS t(stmt);
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged;
SELECT count(*) FROM schemaver_downgrade('base');

-- A branchy graph:
--   r0 -> r1 -> a1 (alpha) -> a2 -> a3
--              r1 -> b1 (beta) -> b2
--   n1 (net) -> n2 -> n3, where n2 depends on a1 (another root)
SELECT schemaver_add_revision('r0', NULL, 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('r1', 'r0', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('a1', 'r1', 'SELECT 1', 'SELECT 1', branch_labels => ARRAY['alpha']);
SELECT schemaver_add_revision('a2', 'a1', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('a3', 'a2', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('b1', 'r1', 'SELECT 1', 'SELECT 1', branch_labels => ARRAY['beta']);
SELECT schemaver_add_revision('b2', 'b1', 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('n1', NULL, 'SELECT 1', 'SELECT 1', branch_labels => ARRAY['net']);
SELECT schemaver_add_revision('n2', 'n1', 'SELECT 1', 'SELECT 1', depends_on => ARRAY['a1']);
SELECT schemaver_add_revision('n3', 'n2', 'SELECT 1', 'SELECT 1');
SELECT revision, branch_labels, depends_on FROM schemaver_history() ORDER BY revision;

SELECT up('r1');
SELECT try($$SELECT up('+1')$$);        -- r1 is a branch point
SELECT up('alpha@+1');                  -- the child of r1 on alpha
SELECT up('beta@+2');                   -- b1 b2
SELECT try($$SELECT up('+1')$$);        -- two current heads
SELECT try($$SELECT down('-1')$$);
SELECT down('alpha@-1');                -- back to r1 on alpha only: beta stays
SELECT up('alpha@head');                -- a1 a2 a3
SELECT down('beta@base');               -- removes the beta branch only
SELECT up('beta@b2');
SELECT try($$SELECT up('beta@a2')$$);   -- a2 is not on beta
SELECT try($$SELECT up('alpha@b')$$);   -- no b... on alpha
SELECT down('a2');                      -- an id without label
SELECT up('a2+1');
-- net: a separate root.  n2 depends on a1, which is applied.
SELECT up('net@+2');
SELECT down('alpha@base');              -- n2 depends on a1: undone first
SELECT up('net@head');                  -- a1 comes back for n2
SELECT try($$SELECT up('head')$$);      -- four heads
SELECT up('heads');
SELECT down('net@base');
SELECT down('r0');
-- label@+N from base when the branch does not start at base.
SELECT try($$SELECT up('alpha@+1')$$);
SELECT down('base');
-- A merge of the two branches: below it, -1 is ambiguous unless a label
-- picks the side.
SELECT schemaver_add_revision('m1', ARRAY['a3', 'b2'], '', '', 'merge');
SELECT up('m1');
SELECT try($$SELECT down('-1')$$);
SELECT down('beta@-1');                 -- to b2: only m1 goes
SELECT up('m1');
SELECT down('alpha@-2');                -- m1 -2 on alpha: a2
SELECT down('base');

-- A label whose branch has nothing applied (issue 11): rrrr -> xxxx (lx),
-- rrrr -> yyyy (ly).  "ly@-N" has no current revision of ly to step down
-- from: a clean error that changes nothing, never a downgrade of lx.
CREATE FUNCTION stamp(t text) RETURNS text LANGUAGE sql AS
$$ SELECT coalesce(string_agg(revision, ' '), '-') || '  => ' || cur() FROM schemaver_stamp(t) $$;
SELECT schemaver_add_revision('rrrr', NULL, 'SELECT 1', 'SELECT 1');
SELECT schemaver_add_revision('xxxx', 'rrrr', 'SELECT 1', 'SELECT 1', branch_labels => ARRAY['lx']);
SELECT schemaver_add_revision('yyyy', 'rrrr', 'SELECT 1', 'SELECT 1', branch_labels => ARRAY['ly']);
SELECT up('l2');
SELECT up('xxxx');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT stmt, try(stmt) FROM (VALUES
  ($$SELECT down('ly@-1')$$),
  ($$SELECT down('ly@-2')$$),
  ($$SELECT up('ly@-1')$$),
  ($$SELECT stamp('ly@-1')$$),
  ($$SELECT schemaver_downgrade_sql('ly@-1')$$),
  ($$SELECT down('lx@-2')$$),               -- below lx's base (rrrr)
  ($$SELECT down('lx@head-2')$$),
  ($$SELECT down('lx@xxxx-2')$$),
  ($$SELECT down('ly@yyyy-2')$$),
  ($$SELECT down('ly@base-1')$$),
  ($$SELECT down('ly@yyyy-1')$$)            -- rrrr: nothing of ly to undo
) AS t(stmt);
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged;
-- "ly@+0" with nothing of ly applied is ly's base: nothing to do, whichever
-- the direction (it used to mean base, all branches).
SELECT down('ly@+0'), up('ly@-0'), stamp('ly@+0');
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged;
-- Up from the branch point, and "ly@base+1", the branch's first revision.
SELECT up('ly@+1');
SELECT down('ly@-1');                   -- yyyy only: lx stays
SELECT up('ly@base+1');
-- From [xxxx, yyyy]: one step below ly's first revision is its base, the
-- branch point, and only ly goes; a second step goes below base.
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT stmt, try(stmt) FROM (VALUES
  ($$SELECT down('ly@-2')$$),
  ($$SELECT down('ly@head-2')$$),
  ($$SELECT stamp('ly@-2')$$),
  ($$SELECT up('ly@-1')$$)                  -- below ly's current revision
) AS t(stmt);
SELECT pg_temp.catalog_state() = :'before_state' AS unchanged;
SELECT stamp('ly@-1');                  -- stamps yyyy down only
SELECT stamp('ly@head');
-- A labelled target on its branch stamps the revision it names, as its id
-- would: vvvv (another root) depends on xxxx and is replaced, as Alembic
-- replaces it.  A stamp below ly leaves vvvv alone.
SELECT schemaver_add_revision('vvvv', NULL, 'SELECT 1', 'SELECT 1', depends_on => ARRAY['xxxx']);
SELECT up('vvvv');
SELECT stamp('ly@-1');                  -- yyyy only
SELECT stamp('lx@xxxx');                -- vvvv goes
SELECT stamp('ly@head');
SELECT down('lx@head-1');               -- xxxx only
-- With several roots, the base reached by walking down is that root's.
SELECT down('yyyy-2');                  -- yyyy and rrrr go; l1 and l2 stay
SELECT down('base');
DROP FUNCTION stamp(text);

DROP FUNCTION try(text), up(text), down(text), cur();
DROP EXTENSION schemaver;
