-- The round trip of autogenerate (issue 12, point 4), for the autogen_*
-- tests.  Included with \i after helpers.sql.
--
-- pg_temp.ag_fingerprint(schemas): the managed schemas as sorted text
-- lines, read from the catalog independently of schemaver's own
-- description (so that a blind spot of that description shows here):
-- relations, columns (in name order: column order may differ), defaults,
-- constraints, indexes, views, sequences, types, functions, triggers,
-- rules, policies, comments and privileges, without owners or OIDs.
CREATE FUNCTION pg_temp.ag_fingerprint(schemas text[]) RETURNS SETOF text
LANGUAGE sql AS $fn$
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ANY (schemas)),
ext AS (SELECT objid, classid FROM pg_depend WHERE deptype = 'e'),
rel AS (SELECT c.* FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
          AND (c.oid, 'pg_class'::regclass) NOT IN (SELECT objid, classid FROM ext)),
acl AS (SELECT 1)
SELECT format('relation %s kind=%s persistence=%s options=%s rls=%s/%s part=%s bound=%s acl=%s',
              c.oid::regclass, c.relkind, c.relpersistence, c.reloptions,
              c.relrowsecurity, c.relforcerowsecurity,
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
              pg_get_expr(c.relpartbound, c.oid),
              (SELECT string_agg(CASE WHEN a.grantee = c.relowner THEN 'OWNER' ELSE a.grantee::regrole::text END
                                 || ':' || a.privilege_type || ':' || a.is_grantable, ',' ORDER BY a.grantee, a.privilege_type)
                 FROM aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) a))
  FROM rel c WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c')
UNION ALL
SELECT format('column %s.%s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s',
              c.oid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
              a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity,
              a.attgenerated, a.attcollation::regcollation, a.attacl)
  FROM rel c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'c')
UNION ALL
SELECT format('constraint %s %s on %s: %s deferrable=%s deferred=%s valid=%s',
              co.contype, co.conname, COALESCE(co.conrelid::regclass::text, co.contypid::regtype::text),
              pg_get_constraintdef(co.oid), co.condeferrable, co.condeferred, co.convalidated)
  FROM pg_constraint co
 WHERE co.connamespace IN (SELECT oid FROM ns)
UNION ALL
SELECT format('index %s', pg_get_indexdef(i.indexrelid))
  FROM pg_index i JOIN rel c ON c.oid = i.indexrelid
UNION ALL
SELECT format('view %s: %s', c.oid::regclass, pg_get_viewdef(c.oid))
  FROM rel c WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT format('sequence %s type=%s start=%s inc=%s min=%s max=%s cache=%s cycle=%s owned=%s',
              s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement,
              s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
              (SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend d
                 JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.objid = s.seqrelid AND d.classid = 'pg_class'::regclass
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
  FROM pg_sequence s JOIN rel c ON c.oid = s.seqrelid
UNION ALL
SELECT format('type %s typtype=%s base=%s notnull=%s default=%s labels=%s acl=%s',
              t.oid::regtype, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
              t.typdefault,
              (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
              (SELECT string_agg(CASE WHEN a.grantee = t.typowner THEN 'OWNER' ELSE a.grantee::regrole::text END
                                 || ':' || a.privilege_type, ',' ORDER BY a.grantee, a.privilege_type)
                 FROM aclexplode(COALESCE(t.typacl, acldefault('T', t.typowner))) a))
  FROM pg_type t
 WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('e', 'd', 'r', 'c')
   AND (t.oid, 'pg_type'::regclass) NOT IN (SELECT objid, classid FROM ext)
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
UNION ALL
SELECT format('function %s kind=%s def=%s acl=%s', p.oid::regprocedure, p.prokind,
              CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
              (SELECT string_agg(CASE WHEN a.grantee = p.proowner THEN 'OWNER' ELSE a.grantee::regrole::text END
                                 || ':' || a.privilege_type, ',' ORDER BY a.grantee, a.privilege_type)
                 FROM aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) a))
  FROM pg_proc p
 WHERE p.pronamespace IN (SELECT oid FROM ns)
   AND (p.oid, 'pg_proc'::regclass) NOT IN (SELECT objid, classid FROM ext)
UNION ALL
SELECT format('trigger %s enabled=%s', pg_get_triggerdef(g.oid), g.tgenabled)
  FROM pg_trigger g JOIN rel c ON c.oid = g.tgrelid WHERE NOT g.tgisinternal
UNION ALL
SELECT format('rule %s', pg_get_ruledef(w.oid))
  FROM pg_rewrite w JOIN rel c ON c.oid = w.ev_class WHERE w.rulename <> '_RETURN'
UNION ALL
SELECT format('policy %s on %s permissive=%s cmd=%s roles=%s using=%s check=%s',
              p.polname, c.oid::regclass, p.polpermissive, p.polcmd, p.polroles::regrole[],
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM pg_policy p JOIN rel c ON c.oid = p.polrelid
UNION ALL
SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
  FROM pg_description d
 WHERE d.objoid >= 16384
   AND pg_describe_object(d.classoid, d.objoid, d.objsubid) IS NOT NULL
   AND (d.classoid, d.objoid) NOT IN (SELECT classid, objid FROM ext)
   AND (pg_identify_object(d.classoid, d.objoid, d.objsubid)).schema = ANY (schemas)
UNION ALL
SELECT format('extension %s schema=%s version=%s', x.extname, x.extnamespace::regnamespace, x.extversion)
  FROM pg_extension x WHERE x.extnamespace IN (SELECT oid FROM ns) AND x.extname <> 'schemaver'
ORDER BY 1
$fn$;

-- pg_temp.ag_reset(schemas): the managed schemas, empty.
CREATE FUNCTION pg_temp.ag_reset(schemas text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE s text;
BEGIN
    FOREACH s IN ARRAY schemas LOOP
        EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', s);
        EXECUTE format('CREATE SCHEMA %I', s);
    END LOOP;
END
$fn$;

-- pg_temp.ag_mismatch(expected, schemas): the lines that differ between a
-- fingerprint and the schemas as they are; empty when equal.
CREATE FUNCTION pg_temp.ag_mismatch(expected text[], schemas text[]) RETURNS text
LANGUAGE sql AS $fn$
    SELECT string_agg(l, E'\n' ORDER BY l) FROM (
        (SELECT '- ' || x AS l FROM unnest(expected) x
         EXCEPT SELECT '- ' || f FROM pg_temp.ag_fingerprint(schemas) f)
        UNION ALL
        (SELECT '+ ' || f FROM pg_temp.ag_fingerprint(schemas) f
         EXCEPT SELECT '+ ' || x FROM unnest(expected) x)) d
$fn$;

-- pg_temp.ag_roundtrip(a, b, schemas): the round trip of point 4 from
-- schema A (built by the SQL a) to desired schema B (the SQL b).  Returns
-- the diff's rows; raises an error if any of these does not hold:
--   diff(A) on A has no rows; computing the diff changes nothing;
--   after autogenerate(B).upgrade: diff(B) has no rows and the catalog
--   equals B built from scratch (ag_fingerprint);
--   after its downgrade: diff(A) has no rows and the catalog equals A.
CREATE FUNCTION pg_temp.ag_roundtrip(a text, b text, schemas text[] DEFAULT ARRAY['ag'])
RETURNS TABLE (step integer, kind text, object text, upgrade text, downgrade text, hazard text)
LANGUAGE plpgsql AS $fn$
DECLARE
    fa text[];
    fb text[];
    up text;
    down text;
    n integer;
    m text;
BEGIN
    PERFORM pg_temp.ag_reset(schemas);
    EXECUTE b;
    fb := ARRAY(SELECT pg_temp.ag_fingerprint(schemas));
    PERFORM pg_temp.ag_reset(schemas);
    EXECUTE a;
    fa := ARRAY(SELECT pg_temp.ag_fingerprint(schemas));

    SELECT count(*) INTO n FROM schemaver_diff(a, schemas);
    IF n <> 0 THEN
        RAISE EXCEPTION 'diff(A) on A has % rows: %', n,
            (SELECT string_agg(d.kind || ' ' || d.object || ': ' || d.upgrade, E'\n') FROM schemaver_diff(a, schemas) d);
    END IF;
    RETURN QUERY SELECT * FROM schemaver_diff(b, schemas) d ORDER BY d.step;
    SELECT g.upgrade, g.downgrade INTO up, down FROM schemaver_autogenerate(b, schemas) g;
    m := pg_temp.ag_mismatch(fa, schemas);
    IF m IS NOT NULL THEN
        RAISE EXCEPTION 'computing the diff changed the schema:%', E'\n' || m;
    END IF;

    IF up <> '' THEN
        EXECUTE up;
    END IF;
    SELECT count(*) INTO n FROM schemaver_diff(b, schemas);
    IF n <> 0 THEN
        RAISE EXCEPTION 'after the upgrade, diff(B) has % rows: %', n,
            (SELECT string_agg(d.kind || ' ' || d.object || ': ' || d.upgrade, E'\n') FROM schemaver_diff(b, schemas) d);
    END IF;
    m := pg_temp.ag_mismatch(fb, schemas);
    IF m IS NOT NULL THEN
        RAISE EXCEPTION 'after the upgrade, the schema is not B:%', E'\n' || m;
    END IF;

    IF down <> '' THEN
        EXECUTE down;
    END IF;
    SELECT count(*) INTO n FROM schemaver_diff(a, schemas);
    IF n <> 0 THEN
        RAISE EXCEPTION 'after the downgrade, diff(A) has % rows: %', n,
            (SELECT string_agg(d.kind || ' ' || d.object || ': ' || d.upgrade, E'\n') FROM schemaver_diff(a, schemas) d);
    END IF;
    m := pg_temp.ag_mismatch(fa, schemas);
    IF m IS NOT NULL THEN
        RAISE EXCEPTION 'after the downgrade, the schema is not A:%', E'\n' || m;
    END IF;
END
$fn$;
