-- pg_temp.describe_extension(): every object of the schemaver extension as
-- sorted text lines, one fact per line, for comparing two installations
-- (a fresh install with one updated from an older version).  Owners and
-- OIDs are left out; everything else that a user or the extension's code
-- can tell apart is in: member objects, function signatures, defaults,
-- results, volatility, security, settings, C symbols and privileges;
-- columns with types, defaults, NOT NULL and identity; constraints,
-- indexes and triggers with their definitions; sequences' options;
-- comments; what pg_dump dumps of the catalog (extconfig).
CREATE FUNCTION pg_temp.describe_extension() RETURNS SETOF text
LANGUAGE sql AS $fn$
WITH ext AS (
    SELECT e.oid, e.extconfig, e.extcondition FROM pg_extension e
     WHERE e.extname = 'schemaver'
), members AS (
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid
       AND d.deptype = 'e'
)
SELECT 'member ' || pg_describe_object(m.classid, m.objid, m.objsubid)
  FROM members m
UNION ALL
SELECT format('function %s(%s) args=[%s] returns=[%s] kind=%s volatile=%s strict=%s secdef=%s leakproof=%s parallel=%s rows=%s cost=%s config=%s src=%s bin=%s acl=%s',
              p.pronamespace::regnamespace || '.' || p.proname, pg_get_function_identity_arguments(p.oid),
              pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
              p.prokind, p.provolatile, p.proisstrict, p.prosecdef,
              p.proleakproof, p.proparallel, p.prorows, p.procost, p.proconfig,
              p.prosrc, p.probin,
              (SELECT string_agg(a.grantee::regrole || ':' || a.privilege_type, ',' ORDER BY 1)
                 FROM aclexplode(p.proacl) a WHERE a.grantee <> p.proowner))
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT format('relation %s kind=%s persistence=%s options=%s rls=%s acl=%s',
              c.oid::regclass, c.relkind, c.relpersistence, c.reloptions,
              c.relrowsecurity,
              (SELECT string_agg(a.grantee::regrole || ':' || a.privilege_type, ',' ORDER BY 1)
                 FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner))
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT format('column %s.%s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s',
              c.oid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
              a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity,
              a.attgenerated, a.attcollation::regcollation)
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
UNION ALL
SELECT format('constraint %s.%s %s valid=%s deferrable=%s deferred=%s',
              c.oid::regclass, co.conname, pg_get_constraintdef(co.oid),
              co.convalidated, co.condeferrable, co.condeferred)
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_constraint co ON co.conrelid = c.oid
UNION ALL
SELECT format('index %s', pg_get_indexdef(i.indexrelid))
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_index i ON i.indrelid = c.oid
UNION ALL
SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_trigger t ON t.tgrelid = c.oid
UNION ALL
SELECT format('sequence %s type=%s start=%s inc=%s min=%s max=%s cache=%s cycle=%s',
              s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart,
              s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
  FROM members m JOIN pg_sequence s ON m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid
UNION ALL
SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
  FROM members m JOIN pg_description d ON d.classoid = m.classid AND d.objoid = m.objid
UNION ALL
SELECT format('schema %s acl=%s', n.nspname,
              (SELECT string_agg(a.grantee::regrole || ':' || a.privilege_type, ',' ORDER BY 1)
                 FROM aclexplode(n.nspacl) a WHERE a.grantee <> n.nspowner))
  FROM members m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
UNION ALL
SELECT format('dumped %s where %L', c.conf::regclass, c.cond)
  FROM ext, unnest(ext.extconfig, ext.extcondition) AS c (conf, cond)
ORDER BY 1
$fn$;
