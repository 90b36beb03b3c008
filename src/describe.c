/*-------------------------------------------------------------------------
 *
 * describe.c
 *	  A canonical description of every object of some schemas, read from
 *	  pg_catalog through SPI, for autogenerate.
 *
 * describe_schemas() reads, for the managed schemas, the schemas
 * themselves, the extensions created in them, enum / composite / domain /
 * range types (and domain constraints), sequences (and OWNED BY),
 * functions, procedures and aggregates, tables (columns, defaults,
 * constraints, indexes, triggers, rules, policies), views and materialized
 * views, comments and privileges.  Each object gets an identity ("table
 * public.users", "column public.users.email") under which the live and the
 * desired descriptions are matched, a definition that is compared, and the
 * pieces diff.c builds statements from.  Definitions come from the
 * server's own deparsers (pg_get_indexdef, pg_get_constraintdef,
 * pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef, pg_get_ruledef,
 * pg_get_expr, format_type), read with settings pinned so that the text
 * does not depend on the session (search_path is pg_catalog: every other
 * name comes out qualified).  Owners are read (for GRANT statements) but
 * never compared; extension members are left out.
 *
 * Dependencies come from pg_depend, mapped onto described objects (a
 * table's row type stands for the table, a view's _RETURN rule for the
 * view, a constraint's index for the constraint, a member of an extension
 * for the extension).
 *
 * src/describe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "schemaver.h"

/* Shorthands for the qualified operators of the queries below */
#define EQ " OPERATOR(pg_catalog.=) "
#define NE " OPERATOR(pg_catalog.<>) "
#define GE " OPERATOR(pg_catalog.>=) "
#define GT " OPERATOR(pg_catalog.>) "
#define CAT " OPERATOR(pg_catalog.||) "
#define STR(x) STR2(x)
#define STR2(x) #x

/* Not a member of an extension: classid, the object's oid column */
#define NOT_EXT(classid, col) \
	" NOT EXISTS (SELECT 1 FROM ONLY pg_catalog.pg_depend xd" \
	" WHERE xd.classid" EQ STR(classid) "::pg_catalog.oid AND xd.objid" EQ col \
	" AND xd.deptype" EQ "'e') "

/*
 * Canonical privileges, as a sorted text[] of "PRIVILEGE g Kname" (g: t or
 * f for the grant option; K: O for the owner, P for PUBLIC, R before a role
 * name).  NULL (default privileges) is expanded with acldefault so that an
 * explicit default and NULL compare equal.
 */
#define ACL_CANON(acl, owner, kind) \
	"(SELECT pg_catalog.array_agg(e.x ORDER BY e.x) FROM (SELECT a.privilege_type" CAT \
	" CASE WHEN a.is_grantable THEN ' t ' ELSE ' f ' END" CAT \
	" CASE WHEN a.grantee" EQ owner " THEN 'O' WHEN a.grantee" EQ "0 THEN 'P'" \
	" ELSE 'R'" CAT " pg_catalog.pg_get_userbyid(a.grantee)::pg_catalog.text END AS x" \
	" FROM pg_catalog.aclexplode(COALESCE(" acl ", pg_catalog.acldefault('" kind "', " owner "))) a) e)"
#define ACL_DEFAULT(owner, kind) \
	"(SELECT pg_catalog.array_agg(e.x ORDER BY e.x) FROM (SELECT a.privilege_type" CAT \
	" CASE WHEN a.is_grantable THEN ' t ' ELSE ' f ' END" CAT \
	" CASE WHEN a.grantee" EQ owner " THEN 'O' WHEN a.grantee" EQ "0 THEN 'P'" \
	" ELSE 'R'" CAT " pg_catalog.pg_get_userbyid(a.grantee)::pg_catalog.text END AS x" \
	" FROM pg_catalog.aclexplode(pg_catalog.acldefault('" kind "', " owner ")) a) e)"

/* Key of the address hash: a catalog address */
typedef struct AddrKey
{
	Oid			classid;
	Oid			objid;
	int32		objsubid;
} AddrKey;

typedef struct AddrEntry
{
	AddrKey		key;
	SvObject   *obj;
} AddrEntry;

typedef struct IdentEntry
{
	char	   *key;
	SvObject   *obj;
} IdentEntry;

/* What one describe_schemas call works with */
typedef struct Reader
{
	SvDescription *desc;
	Datum		schemas;		/* oid[] of the managed schemas */
	bool		live;
	SPITupleTable *tt;
	uint64		row;
} Reader;

static uint32 ident_hash(const void *key, Size keysize);
static int	ident_match(const void *key1, const void *key2, Size keysize);
static SvObject *new_object(Reader *r, SvKind kind, const char *kind_name,
							char *ident, char *name, SvObject *parent,
							Oid classid, Oid objid, int32 objsubid);
static void add_alias(Reader *r, Oid classid, Oid objid, int32 objsubid,
					  SvObject *obj);
static SvObject *find_addr(SvDescription *d, Oid classid, Oid objid,
						   int32 objsubid);
static int	query(Reader *r, const char *sql);
static char *col(Reader *r, int c);
static Oid	col_oid(Reader *r, int c);
static bool col_bool(Reader *r, int c);
static List *col_text_array(Reader *r, int c);
static char *qual(const char *nsp, const char *name);
static void add_privileges(Reader *r, SvObject *obj, int acl_col,
						   int default_col, const char *owner);
static void describe_schema_objects(Reader *r);
static void describe_extensions(Reader *r);
static void describe_types(Reader *r);
static void describe_functions(Reader *r);
static void describe_sequences(Reader *r);
static void describe_tables(Reader *r);
static void describe_columns(Reader *r);
static void describe_defaults(Reader *r);
static void describe_constraints(Reader *r);
static void describe_indexes(Reader *r);
static void describe_views(Reader *r);
static void describe_triggers_rules_policies(Reader *r);
static void describe_comments(Reader *r);
static void describe_dependencies(Reader *r);
static void describe_unsupported(Reader *r);
static void add_dep(SvObject *from, SvObject *to);
static void read_sizes_step(void *arg);
static void read_sizes(List *tables);

/*
 * describe_escape
 *		A copy of s in which control characters are written \xNN (and a
 *		backslash \\), so that the text can go into an SQL comment or a
 *		message without breaking its line or reaching a terminal raw.
 */
char *
describe_escape(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
			appendStringInfo(&buf, "\\x%02X", *p);
		else if (*p == '\\')
			appendStringInfoString(&buf, "\\\\");
		else
			appendStringInfoChar(&buf, (char) *p);
	}
	return buf.data;
}

/*
 * describe_pin_settings
 *		Set, at the current GUC nest level, the settings that change how the
 *		server prints definitions, so that the live and the desired
 *		descriptions (and the statements made from them) do not depend on
 *		the session or on what the desired text set: search_path is
 *		pg_catalog alone, so every other name is printed qualified.
 */
void
describe_pin_settings(void)
{
	static const char *const settings[][2] = {
		{"search_path", "pg_catalog"},
		{"DateStyle", "ISO, YMD"},
		{"IntervalStyle", "postgres"},
		{"extra_float_digits", "3"},
		{"bytea_output", "hex"},
		{"standard_conforming_strings", "on"},
		{"quote_all_identifiers", "off"},
		{"TimeZone", "UTC"},
		{"lc_monetary", "C"},
		{"lc_numeric", "C"},
	};

	for (size_t i = 0; i < lengthof(settings); i++)
		(void) set_config_option(settings[i][0], settings[i][1],
								 superuser() ? PGC_SUSET : PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);
}

/* Hash of an identity string (the key is a char *) */
static uint32
ident_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	(void) keysize;
	return hash_bytes((const unsigned char *) s, strlen(s));
}

/* Equality of two identity strings: 0 when equal */
static int
ident_match(const void *key1, const void *key2, Size keysize)
{
	(void) keysize;
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

/*
 * describe_find
 *		The object with that identity, or NULL.
 */
SvObject *
describe_find(SvDescription *desc, const char *ident)
{
	IdentEntry *e;

	e = hash_search(desc->by_ident, &ident, HASH_FIND, NULL);
	return e ? e->obj : NULL;
}

/* Look an address up; a column falls back to its relation */
static SvObject *
find_addr(SvDescription *d, Oid classid, Oid objid, int32 objsubid)
{
	AddrKey		key;
	AddrEntry  *e;

	memset(&key, 0, sizeof(key));
	key.classid = classid;
	key.objid = objid;
	key.objsubid = objsubid;
	e = hash_search(d->by_addr, &key, HASH_FIND, NULL);
	if (e == NULL && objsubid != 0)
	{
		key.objsubid = 0;
		e = hash_search(d->by_addr, &key, HASH_FIND, NULL);
	}
	return e ? e->obj : NULL;
}

/* Register another catalog address that stands for obj */
static void
add_alias(Reader *r, Oid classid, Oid objid, int32 objsubid, SvObject *obj)
{
	AddrKey		key;
	AddrEntry  *e;
	bool		found;

	if (!OidIsValid(objid))
		return;
	memset(&key, 0, sizeof(key));
	key.classid = classid;
	key.objid = objid;
	key.objsubid = objsubid;
	e = hash_search(r->desc->by_addr, &key, HASH_ENTER, &found);
	if (!found)
		e->obj = obj;
}

/*
 * Make an object, register it under its identity and address.  A second
 * object with the same identity (which the queries do not produce) would
 * be a bug.
 */
static SvObject *
new_object(Reader *r, SvKind kind, const char *kind_name, char *ident,
		   char *name, SvObject *parent, Oid classid, Oid objid,
		   int32 objsubid)
{
	SvObject   *o = palloc0(sizeof(SvObject));
	IdentEntry *e;
	bool		found;

	o->kind = kind;
	o->kind_name = kind_name;
	o->ident = ident;
	o->name = name;
	o->parent_obj = parent;
	o->parent = parent ? parent->ident : NULL;
	o->table = parent ? (parent->kind == SVK_TABLE || parent->kind == SVK_VIEW
						 ? parent : parent->table) : NULL;
	o->classid = classid;
	o->objid = objid;
	o->objsubid = objsubid;
	o->reltuples = -1;
	o->relbytes = -1;
	o->seq = list_length(r->desc->objects);
	e = hash_search(r->desc->by_ident, &o->ident, HASH_ENTER, &found);
	if (found)
		elog(ERROR, "schemaver: two objects described as \"%s\"", ident);
	e->obj = o;
	r->desc->objects = lappend(r->desc->objects, o);
	if (OidIsValid(classid))
		add_alias(r, classid, objid, objsubid, o);
	if (parent)
		add_dep(o, parent);
	return o;
}

/*
 * Run one of the queries below with $1 = the managed schemas (oid[]), $2
 * = whether they are the live ones.  Not read-only: a read-only query
 * would use the statement's snapshot, which does not see the desired
 * schema built since.
 */
static int
query(Reader *r, const char *sql)
{
	static struct
	{
		const char *sql;
		SPIPlanPtr	plan;
	}			cache[32];
	static int	ncache = 0;
	SPIPlanPtr	plan = NULL;
	Datum		values[2];
	int			rc;

	/*
	 * The queries are constant: each is planned once per session (a
	 * generic plan, kept), which is most of the cost of a small diff.
	 */
	for (int i = 0; i < ncache; i++)
		if (cache[i].sql == sql)
			plan = cache[i].plan;
	if (plan == NULL)
	{
		Oid			argtypes[2] = {OIDARRAYOID, BOOLOID};

		plan = SPI_prepare_cursor(sql, 2, argtypes, CURSOR_OPT_GENERIC_PLAN);
		if (plan == NULL)
			elog(ERROR, "schemaver: could not prepare a description query: %s",
				 SPI_result_code_string(SPI_result));
		if (ncache < (int) lengthof(cache) && SPI_keepplan(plan) == 0)
		{
			cache[ncache].sql = sql;
			cache[ncache].plan = plan;
			ncache++;
		}
	}
	values[0] = r->schemas;
	values[1] = BoolGetDatum(r->live);
	rc = SPI_execute_plan(plan, values, NULL, false, 0);
	/* SPI leaves us in its own context: back to the description's */
	MemoryContextSwitchTo(r->desc->cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "schemaver: describing the schemas failed: %s",
			 SPI_result_code_string(rc));
	r->tt = SPI_tuptable;
	return (int) SPI_processed;
}

/* Column c (1-based) of the current row as a C string in the description's context, or NULL */
static char *
col(Reader *r, int c)
{
	char	   *v = SPI_getvalue(r->tt->vals[r->row], r->tt->tupdesc, c);
	char	   *res;

	if (v == NULL)
		return NULL;
	res = MemoryContextStrdup(r->desc->cxt, v);
	pfree(v);
	return res;
}

/* Column c of the current row as an OID (InvalidOid for NULL) */
static Oid
col_oid(Reader *r, int c)
{
	bool		isnull;
	Datum		d = SPI_getbinval(r->tt->vals[r->row], r->tt->tupdesc, c, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(d);
}

/* Column c of the current row as a boolean (false for NULL) */
static bool
col_bool(Reader *r, int c)
{
	bool		isnull;
	Datum		d = SPI_getbinval(r->tt->vals[r->row], r->tt->tupdesc, c, &isnull);

	return !isnull && DatumGetBool(d);
}

/* A text[] column as a List of C strings (NIL for NULL) */
static List *
col_text_array(Reader *r, int c)
{
	bool		isnull;
	Datum		d = SPI_getbinval(r->tt->vals[r->row], r->tt->tupdesc, c, &isnull);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *result = NIL;
	MemoryContext old;

	if (isnull)
		return NIL;
	old = MemoryContextSwitchTo(r->desc->cxt);
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		result = lappend(result, nulls[i] ? pstrdup("") : TextDatumGetCString(elems[i]));
	MemoryContextSwitchTo(old);
	return result;
}

/*
 * Storage options ("name=value" entries of reloptions or attoptions) as
 * the list inside WITH (...): "name='value', ...", each name quoted as an
 * identifier and each value as a literal; "" for none.
 */
static char *
options_text(List *opts)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, opts)
	{
		char	   *opt = pstrdup(lfirst(lc));
		char	   *eq = strchr(opt, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		appendStringInfo(&buf, "%s%s=%s", buf.len > 0 ? ", " : "",
						 quote_identifier(opt), quote_literal_cstr(eq + 1));
	}
	return buf.data;
}

/* "nsp.name", each part quoted as needed */
static char *
qual(const char *nsp, const char *name)
{
	return quote_qualified_identifier(nsp, name);
}

/* "nsp.name" unquoted unless needed: for the object column and identities */
static char *
dotted(const char *a, const char *b)
{
	return psprintf("%s.%s", quote_identifier(a), quote_identifier(b));
}

/* The same with a third part */
static char *
dotted3(const char *a, const char *b, const char *c)
{
	return psprintf("%s.%s.%s", quote_identifier(a), quote_identifier(b),
					quote_identifier(c));
}

/*
 * A privileges object for obj when its privileges are not the default
 * ones (columns: when it has any).
 */
static void
add_privileges(Reader *r, SvObject *obj, int acl_col, int default_col,
			   const char *owner)
{
	List	   *acl = col_text_array(r, acl_col);
	List	   *dflt = default_col > 0 ? col_text_array(r, default_col) : NIL;
	bool		same = list_length(acl) == list_length(dflt);
	SvObject   *p;
	StringInfoData def;
	ListCell   *lc,
			   *lc2;

	if (same)
		forboth(lc, acl, lc2, dflt)
			if (strcmp(lfirst(lc), lfirst(lc2)) != 0)
				same = false;
	if (same)
		return;
	p = new_object(r, SVK_PRIVILEGES, "privileges",
				   psprintf("privileges %s", obj->ident),
				   obj->name, obj, InvalidOid, InvalidOid, 0);
	p->acl = acl;
	p->owner = obj->owner ? obj->owner : (char *) owner;
	p->target = obj->target;
	p->f[F_QNAME] = obj->f[F_QNAME];
	p->f[F_NAME] = obj->f[F_NAME];
	/* default privileges of the kind, to start from when it is created */
	p->labels = dflt;
	initStringInfo(&def);
	foreach(lc, acl)
		appendStringInfo(&def, "%s;", (char *) lfirst(lc));
	p->def = def.data;
}

/*
 * describe_schemas
 *		Describe every object of the named schemas (those that exist).
 *
 * live: also read table sizes (for hazards).  moved_extensions: on the
 * desired side, the live extensions that were moved into the desired
 * schemas but that the desired text does not create; they are left out
 * of the description unless a described object depends on them.
 *
 * The result lives in a memory context of its own, a child of the current
 * one.  Settings are pinned while it reads (describe_pin_settings).
 */
SvDescription *
describe_schemas(List *schema_names, bool live, List *moved_extensions)
{
	SvDescription *desc = palloc0(sizeof(SvDescription));
	HASHCTL		ctl;
	Reader		r;
	Datum	   *names;
	int			i = 0;
	ListCell   *lc;
	int			n;
	List	   *oids = NIL;
	Datum	   *oidd;
	int			nestlevel;
	MemoryContext old;

	desc->cxt = AllocSetContextCreate(CurrentMemoryContext,
									  "schemaver description",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(desc->cxt);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(IdentEntry);
	ctl.hash = ident_hash;
	ctl.match = ident_match;
	ctl.hcxt = desc->cxt;
	desc->by_ident = hash_create("schemaver objects", 1024, &ctl,
								 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
								 HASH_CONTEXT);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(AddrKey);
	ctl.entrysize = sizeof(AddrEntry);
	ctl.hcxt = desc->cxt;
	desc->by_addr = hash_create("schemaver addresses", 1024, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	nestlevel = NewGUCNestLevel();
	describe_pin_settings();

	/* the schemas that exist, by name */
	names = palloc(sizeof(Datum) * Max(list_length(schema_names), 1));
	foreach(lc, schema_names)
		names[i++] = CStringGetTextDatum((char *) lfirst(lc));
	{
		Oid			argtypes[1] = {TEXTARRAYOID};
		Datum		values[1];

		values[0] = PointerGetDatum(construct_array(names, i, TEXTOID, -1,
													false, TYPALIGN_INT));
		if (SPI_execute_with_args("SELECT n.oid FROM ONLY pg_catalog.pg_namespace n"
								  " WHERE n.nspname::pg_catalog.text" EQ "ANY ($1)",
								  1, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "schemaver: could not read the schemas");
		MemoryContextSwitchTo(desc->cxt);
		n = (int) SPI_processed;
		oidd = palloc(sizeof(Datum) * Max(n, 1));
		for (int k = 0; k < n; k++)
		{
			bool		isnull;

			oidd[k] = SPI_getbinval(SPI_tuptable->vals[k],
									SPI_tuptable->tupdesc, 1, &isnull);
			oids = lappend_oid(oids, DatumGetObjectId(oidd[k]));
		}
	}

	r.desc = desc;
	r.live = live;
	r.schemas = PointerGetDatum(construct_array(oidd, n, OIDOID, sizeof(Oid),
												true, TYPALIGN_INT));
	r.tt = NULL;
	r.row = 0;

	describe_schema_objects(&r);
	describe_extensions(&r);
	describe_types(&r);
	describe_functions(&r);
	describe_sequences(&r);
	describe_tables(&r);
	describe_columns(&r);
	describe_defaults(&r);
	describe_constraints(&r);
	describe_views(&r);
	describe_indexes(&r);
	describe_triggers_rules_policies(&r);
	describe_comments(&r);
	describe_dependencies(&r);
	describe_unsupported(&r);

	/* moved-in extensions that the desired schema neither creates nor uses */
	foreach(lc, moved_extensions)
	{
		SvObject   *e = describe_find(desc, psprintf("extension %s",
													 quote_identifier(lfirst(lc))));
		bool		used = false;
		ListCell   *lc2;

		if (e == NULL)
			continue;
		foreach(lc2, e->dependants)
			if (((SvObject *) lfirst(lc2))->parent_obj != e)
				used = true;
		if (!used)
		{
			List	   *keep = NIL;

			foreach(lc2, desc->objects)
			{
				SvObject   *o = lfirst(lc2);

				if (o == e || o->parent_obj == e)
					hash_search(desc->by_ident, &o->ident, HASH_REMOVE, NULL);
				else
					keep = lappend(keep, o);
			}
			desc->objects = keep;
		}
	}

	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(old);
	return desc;
}

/* The managed schemas: comment and privileges only (they always exist) */
static void
describe_schema_objects(Reader *r)
{
	int			n = query(r,
						  "SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner), "
						  ACL_CANON("n.nspacl", "n.nspowner", "n") ", "
						  ACL_DEFAULT("n.nspowner", "n")
						  " FROM ONLY pg_catalog.pg_namespace n WHERE n.oid" EQ "ANY ($1)"
						  " ORDER BY n.nspname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 2);
		SvObject   *o;

		o = new_object(r, SVK_SCHEMA, "schema",
					   psprintf("schema %s", quote_identifier(nsp)),
					   pstrdup(quote_identifier(nsp)), NULL,
					   NamespaceRelationId, col_oid(r, 1), 0);
		o->owner = col(r, 3);
		o->f[F_QNAME] = pstrdup(quote_identifier(nsp));
		o->f[F_NAME] = o->f[F_QNAME];
		o->def = "";
		o->create = psprintf("CREATE SCHEMA %s;", o->f[F_QNAME]);
		o->drop = psprintf("DROP SCHEMA %s;", o->f[F_QNAME]);
		o->target = psprintf("SCHEMA %s", o->f[F_QNAME]);
		add_privileges(r, o, 4, 5, o->owner);
	}
}

/* Extensions whose schema is a managed one (schemaver itself excepted) */
static void
describe_extensions(Reader *r)
{
	int			n = query(r,
						  "SELECT x.oid, x.extname, n.nspname, x.extversion"
						  " FROM ONLY pg_catalog.pg_extension x"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "x.extnamespace"
						  " WHERE x.extnamespace" EQ "ANY ($1) AND x.extname" NE "'schemaver'"
						  " ORDER BY x.extname");
	List	   *exts = NIL;

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *name = col(r, 2);
		SvObject   *o;

		o = new_object(r, SVK_EXTENSION, "extension",
					   psprintf("extension %s", quote_identifier(name)),
					   pstrdup(quote_identifier(name)), NULL,
					   ExtensionRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = pstrdup(quote_identifier(name));
		o->f[F_NAME] = o->f[F_QNAME];
		o->f[E_SCHEMA] = col(r, 3);
		o->f[E_VERSION] = col(r, 4);
		o->def = psprintf("schema %s version %s", o->f[E_SCHEMA], o->f[E_VERSION]);
		o->create = psprintf("CREATE EXTENSION %s WITH SCHEMA %s VERSION %s;",
							 o->f[F_QNAME], quote_identifier(o->f[E_SCHEMA]),
							 quote_literal_cstr(o->f[E_VERSION]));
		o->drop = psprintf("DROP EXTENSION %s;", o->f[F_QNAME]);
		o->target = psprintf("EXTENSION %s", o->f[F_QNAME]);
		exts = lappend(exts, o);
	}

	/* the members of those extensions stand for the extension */
	if (exts != NIL)
	{
		n = query(r,
				  "SELECT d.classid, d.objid, d.refobjid FROM ONLY pg_catalog.pg_depend d"
				  " JOIN ONLY pg_catalog.pg_extension x ON x.oid" EQ "d.refobjid"
				  " WHERE d.refclassid" EQ STR(ExtensionRelationId) "::pg_catalog.oid"
				  " AND d.deptype" EQ "'e' AND x.extnamespace" EQ "ANY ($1)");
		for (r->row = 0; r->row < (uint64) n; r->row++)
		{
			SvObject   *e = find_addr(r->desc, ExtensionRelationId,
									  col_oid(r, 3), 0);

			if (e)
			{
				add_alias(r, col_oid(r, 1), col_oid(r, 2), 0, e);
				/* a member type's array type too */
				if (col_oid(r, 1) == TypeRelationId)
					add_alias(r, TypeRelationId,
							  get_array_type(col_oid(r, 2)), 0, e);
			}
		}
	}
}

/* Enum, composite, domain and range types, and domain constraints */
static void
describe_types(Reader *r)
{
	int			n = query(r,
						  "SELECT t.oid, n.nspname, t.typname, t.typtype,"
						  " pg_catalog.format_type(t.oid, NULL), pg_catalog.pg_get_userbyid(t.typowner), "
						  ACL_CANON("t.typacl", "t.typowner", "T") ", "
						  ACL_DEFAULT("t.typowner", "T") ","
		/* 9: enum labels */
						  " (SELECT pg_catalog.array_agg(e.enumlabel::pg_catalog.text ORDER BY e.enumsortorder)"
						  "    FROM ONLY pg_catalog.pg_enum e WHERE e.enumtypid" EQ "t.oid),"
		/* 10-12: composite attributes: names, types, collations */
						  " (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY a.attnum)"
						  "    FROM ONLY pg_catalog.pg_attribute a WHERE a.attrelid" EQ "t.typrelid"
						  "     AND a.attnum" GT "0 AND NOT a.attisdropped),"
						  " (SELECT pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)"
						  "    FROM ONLY pg_catalog.pg_attribute a WHERE a.attrelid" EQ "t.typrelid"
						  "     AND a.attnum" GT "0 AND NOT a.attisdropped),"
						  " (SELECT pg_catalog.array_agg(CASE WHEN a.attcollation" NE "at.typcollation"
						  "          THEN ' COLLATE '" CAT " pg_catalog.quote_ident(cn.nspname)" CAT " '.'" CAT
						  "               pg_catalog.quote_ident(co.collname) ELSE '' END ORDER BY a.attnum)"
						  "    FROM ONLY pg_catalog.pg_attribute a"
						  "    JOIN ONLY pg_catalog.pg_type at ON at.oid" EQ "a.atttypid"
						  "    LEFT JOIN ONLY pg_catalog.pg_collation co ON co.oid" EQ "a.attcollation"
						  "    LEFT JOIN ONLY pg_catalog.pg_namespace cn ON cn.oid" EQ "co.collnamespace"
						  "   WHERE a.attrelid" EQ "t.typrelid AND a.attnum" GT "0 AND NOT a.attisdropped),"
		/* 13-16: domain: base type, collation, default, not null */
						  " pg_catalog.format_type(t.typbasetype, t.typtypmod),"
						  " CASE WHEN t.typtype" EQ "'d' AND t.typcollation" NE "bt.typcollation"
						  "      THEN pg_catalog.quote_ident(cn.nspname)" CAT " '.'" CAT " pg_catalog.quote_ident(co.collname) END,"
						  " t.typdefault, t.typnotnull,"
		/* 17-22: range: subtype, opclass, collation, canonical, subdiff, multirange */
						  " pg_catalog.format_type(rg.rngsubtype, NULL),"
						  " CASE WHEN NOT oc.opcdefault THEN pg_catalog.quote_ident(ocn.nspname)" CAT " '.'" CAT
						  "      pg_catalog.quote_ident(oc.opcname) END,"
						  " CASE WHEN rg.rngcollation" NE "0 AND rg.rngcollation" NE "st.typcollation"
						  "      THEN pg_catalog.quote_ident(rcn.nspname)" CAT " '.'" CAT " pg_catalog.quote_ident(rco.collname) END,"
						  " NULLIF(rg.rngcanonical, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " NULLIF(rg.rngsubdiff, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " pg_catalog.format_type(rg.rngmultitypid, NULL),"
		/* 23-25: aliases: relation of a composite, array type, multirange */
						  " t.typrelid, t.typarray, rg.rngmultitypid"
						  " FROM ONLY pg_catalog.pg_type t"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "t.typnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "t.typrelid"
						  " LEFT JOIN ONLY pg_catalog.pg_type bt ON bt.oid" EQ "t.typbasetype"
						  " LEFT JOIN ONLY pg_catalog.pg_collation co ON co.oid" EQ "t.typcollation"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace cn ON cn.oid" EQ "co.collnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_range rg ON rg.rngtypid" EQ "t.oid"
						  " LEFT JOIN ONLY pg_catalog.pg_type st ON st.oid" EQ "rg.rngsubtype"
						  " LEFT JOIN ONLY pg_catalog.pg_opclass oc ON oc.oid" EQ "rg.rngsubopc"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace ocn ON ocn.oid" EQ "oc.opcnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_collation rco ON rco.oid" EQ "rg.rngcollation"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace rcn ON rcn.oid" EQ "rco.collnamespace"
						  " WHERE t.typnamespace" EQ "ANY ($1)"
						  " AND (t.typtype" EQ "ANY ('{e,d,r}'::pg_catalog.char[])"
						  "      OR (t.typtype" EQ "'c' AND c.relkind" EQ "'c'))"
						  " AND" NOT_EXT(TypeRelationId, "t.oid")
						  " ORDER BY n.nspname, t.typname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 2);
		char	   *name = col(r, 3);
		char	   *typtype = col(r, 4);
		char	   *q = qual(nsp, name);
		SvObject   *o;
		StringInfoData def;
		ListCell   *lc;

		o = new_object(r, SVK_TYPE, typtype[0] == 'd' ? "domain" : "type",
					   psprintf("type %s", dotted(nsp, name)), dotted(nsp, name),
					   NULL, TypeRelationId, col_oid(r, 1), 0);
		o->owner = col(r, 6);
		o->f[F_QNAME] = q;
		o->f[Y_TYPTYPE] = typtype;
		o->f[Y_FMT] = col(r, 5);
		o->f[Y_NSP] = nsp;
		o->f[Y_NAME] = name;
		o->target = psprintf("%s %s", typtype[0] == 'd' ? "DOMAIN" : "TYPE", q);
		o->drop = psprintf("DROP %s;", o->target);
		initStringInfo(&def);
		switch (typtype[0])
		{
			case 'e':
				o->labels = col_text_array(r, 9);
				appendStringInfo(&def, "CREATE TYPE %s AS ENUM (", q);
				foreach(lc, o->labels)
					appendStringInfo(&def, "%s%s", foreach_current_index(lc) ? ", " : "",
									 quote_literal_cstr(lfirst(lc)));
				appendStringInfoString(&def, ");");
				break;
			case 'c':
				{
					List	   *an = col_text_array(r, 10);
					List	   *at = col_text_array(r, 11);
					List	   *ac = col_text_array(r, 12);

					appendStringInfo(&def, "CREATE TYPE %s AS (", q);
					for (int k = 0; k < list_length(an); k++)
						appendStringInfo(&def, "%s\n    %s %s%s", k ? "," : "",
										 quote_identifier(list_nth(an, k)),
										 (char *) list_nth(at, k), (char *) list_nth(ac, k));
					appendStringInfoString(&def, an ? "\n);" : ");");
					add_alias(r, RelationRelationId, col_oid(r, 23), 0, o);
				}
				break;
			case 'd':
				o->f[Y_BASE] = psprintf("%s%s%s", col(r, 13), col(r, 14) ? " COLLATE " : "",
										col(r, 14) ? col(r, 14) : "");
				o->f[Y_DOMDEFAULT] = col(r, 15);
				o->f[Y_DOMNOTNULL] = col_bool(r, 16) ? "t" : "f";
				appendStringInfo(&def, "CREATE DOMAIN %s AS %s", q, o->f[Y_BASE]);
				break;
			case 'r':
				appendStringInfo(&def, "CREATE TYPE %s AS RANGE (\n    SUBTYPE = %s", q, col(r, 17));
				if (col(r, 18))
					appendStringInfo(&def, ",\n    SUBTYPE_OPCLASS = %s", col(r, 18));
				if (col(r, 19))
					appendStringInfo(&def, ",\n    COLLATION = %s", col(r, 19));
				if (col(r, 20))
					appendStringInfo(&def, ",\n    CANONICAL = %s", col(r, 20));
				if (col(r, 21))
					appendStringInfo(&def, ",\n    SUBTYPE_DIFF = %s", col(r, 21));
				appendStringInfo(&def, ",\n    MULTIRANGE_TYPE_NAME = %s\n);", col(r, 22));
				add_alias(r, TypeRelationId, col_oid(r, 25), 0, o);
				add_alias(r, TypeRelationId, get_array_type(col_oid(r, 25)), 0, o);
				break;
		}
		add_alias(r, TypeRelationId, col_oid(r, 24), 0, o);
		o->def = def.data;
		if (typtype[0] == 'd')
		{
			/* default and NOT NULL are altered in place: not in def */
			o->create = psprintf("%s%s%s%s;", def.data,
								 o->f[Y_DOMDEFAULT] ? " DEFAULT " : "",
								 o->f[Y_DOMDEFAULT] ? o->f[Y_DOMDEFAULT] : "",
								 o->f[Y_DOMNOTNULL][0] == 't' ? " NOT NULL" : "");
		}
		else
			o->create = def.data;
		add_privileges(r, o, 7, 8, o->owner);
	}

	/* CHECK constraints of those domains */
	n = query(r,
			  "SELECT k.oid, k.conname, n.nspname, t.typname,"
			  " pg_catalog.pg_get_constraintdef(k.oid), k.convalidated"
			  " FROM ONLY pg_catalog.pg_constraint k"
			  " JOIN ONLY pg_catalog.pg_type t ON t.oid" EQ "k.contypid"
			  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "t.typnamespace"
			  " WHERE t.typnamespace" EQ "ANY ($1) AND k.contype" EQ "'c'"
			  " ORDER BY n.nspname, t.typname, k.conname");
	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 3);
		char	   *tname = col(r, 4);
		char	   *cname = col(r, 2);
		SvObject   *dom = describe_find(r->desc, psprintf("type %s", dotted(nsp, tname)));
		SvObject   *o;

		if (dom == NULL)
			continue;
		o = new_object(r, SVK_DOMAIN_CONSTRAINT, "constraint",
					   psprintf("domain constraint %s", dotted3(nsp, tname, cname)),
					   dotted3(nsp, tname, cname), dom,
					   ConstraintRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = dom->f[F_QNAME];
		o->f[F_NAME] = pstrdup(quote_identifier(cname));
		o->f[K_DEF] = col(r, 5);
		o->f[K_VALID] = col_bool(r, 6) ? "t" : "f";
		o->f[K_ON] = "DOMAIN";
		o->def = o->f[K_DEF];
		o->create = psprintf("ALTER DOMAIN %s ADD CONSTRAINT %s %s;",
							 dom->f[F_QNAME], o->f[F_NAME], o->f[K_DEF]);
		o->drop = psprintf("ALTER DOMAIN %s DROP CONSTRAINT %s;",
						   dom->f[F_QNAME], o->f[F_NAME]);
		o->target = psprintf("CONSTRAINT %s ON DOMAIN %s", o->f[F_NAME], dom->f[F_QNAME]);
	}
}

/* Functions, procedures and aggregates */
static void
describe_functions(Reader *r)
{
	int			n = query(r,
						  "SELECT p.oid, n.nspname, p.proname, p.prokind,"
						  " pg_catalog.pg_get_function_identity_arguments(p.oid),"
						  " CASE WHEN p.prokind" NE "'a' THEN pg_catalog.pg_get_functiondef(p.oid) END,"
						  " pg_catalog.pg_get_function_arguments(p.oid),"
						  " pg_catalog.pg_get_function_result(p.oid),"
						  " pg_catalog.pg_get_userbyid(p.proowner), "
						  ACL_CANON("p.proacl", "p.proowner", "f") ", "
						  ACL_DEFAULT("p.proowner", "f") ","
		/* 12-: aggregates */
						  " g.aggkind, g.aggtransfn::pg_catalog.regproc::pg_catalog.text,"
						  " pg_catalog.format_type(g.aggtranstype, NULL), g.aggtransspace,"
						  " NULLIF(g.aggfinalfn, 0)::pg_catalog.regproc::pg_catalog.text, g.aggfinalextra, g.aggfinalmodify,"
						  " NULLIF(g.aggcombinefn, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " NULLIF(g.aggserialfn, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " NULLIF(g.aggdeserialfn, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " g.agginitval,"
						  " NULLIF(g.aggmtransfn, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " NULLIF(g.aggminvtransfn, 0)::pg_catalog.regproc::pg_catalog.text,"
						  " CASE WHEN g.aggmtranstype" NE "0 THEN pg_catalog.format_type(g.aggmtranstype, NULL) END,"
						  " g.aggmtransspace,"
						  " NULLIF(g.aggmfinalfn, 0)::pg_catalog.regproc::pg_catalog.text, g.aggmfinalextra, g.aggmfinalmodify,"
						  " g.aggminitval, NULLIF(g.aggsortop, 0)::pg_catalog.regoperator::pg_catalog.text,"
						  " p.proparallel, g.aggnumdirectargs"
						  " FROM ONLY pg_catalog.pg_proc p"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "p.pronamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_aggregate g ON g.aggfnoid" EQ "p.oid"
						  " WHERE p.pronamespace" EQ "ANY ($1) AND" NOT_EXT(ProcedureRelationId, "p.oid")
		/* not the constructors a range type makes for itself */
						  " AND NOT EXISTS (SELECT 1 FROM ONLY pg_catalog.pg_depend xi"
						  "     WHERE xi.classid" EQ STR(ProcedureRelationId) "::pg_catalog.oid"
						  "     AND xi.objid" EQ "p.oid AND xi.deptype" EQ "'i')"
						  " ORDER BY n.nspname, p.proname, 5");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 2);
		char	   *name = col(r, 3);
		char	   *kind = col(r, 4);
		char	   *args = col(r, 5);
		char	   *q = qual(nsp, name);
		const char *word = kind[0] == 'p' ? "PROCEDURE" : kind[0] == 'a' ? "AGGREGATE" : "FUNCTION";
		SvObject   *o;

		o = new_object(r, SVK_FUNCTION,
					   kind[0] == 'p' ? "procedure" : kind[0] == 'a' ? "aggregate" : "function",
					   psprintf("function %s(%s)", dotted(nsp, name), args),
					   psprintf("%s(%s)", dotted(nsp, name), args), NULL,
					   ProcedureRelationId, col_oid(r, 1), 0);
		o->owner = col(r, 9);
		o->f[F_QNAME] = q;
		o->f[P_RESULT] = col(r, 8);
		o->f[P_ARGS] = col(r, 7);
		o->f[P_KIND] = kind;
		o->target = psprintf("%s %s(%s)", word, q, args);
		o->drop = psprintf("DROP %s;", o->target);
		if (kind[0] != 'a')
		{
			char	   *def = col(r, 6);
			int			len = strlen(def);

			while (len > 0 && (def[len - 1] == '\n' || def[len - 1] == ' '))
				def[--len] = '\0';
			o->def = def;
			o->create = psprintf("%s;", def);
		}
		else
		{
			StringInfoData def;
			char	   *akind = col(r, 12);
			char	   *fargs = o->f[P_ARGS];

			initStringInfo(&def);
			appendStringInfo(&def, "CREATE AGGREGATE %s(%s) (\n    SFUNC = %s,\n    STYPE = %s",
							 q, fargs[0] ? fargs : "*", col(r, 13), col(r, 14));
			if (strcmp(col(r, 15), "0") != 0)
				appendStringInfo(&def, ",\n    SSPACE = %s", col(r, 15));
			if (col(r, 16))
			{
				appendStringInfo(&def, ",\n    FINALFUNC = %s", col(r, 16));
				if (col_bool(r, 17))
					appendStringInfoString(&def, ",\n    FINALFUNC_EXTRA");
			}
			appendStringInfo(&def, ",\n    FINALFUNC_MODIFY = %s",
							 col(r, 18)[0] == 'r' ? "READ_ONLY" : col(r, 18)[0] == 's' ? "SHAREABLE" : "READ_WRITE");
			if (col(r, 19))
				appendStringInfo(&def, ",\n    COMBINEFUNC = %s", col(r, 19));
			if (col(r, 20))
				appendStringInfo(&def, ",\n    SERIALFUNC = %s", col(r, 20));
			if (col(r, 21))
				appendStringInfo(&def, ",\n    DESERIALFUNC = %s", col(r, 21));
			if (col(r, 22))
				appendStringInfo(&def, ",\n    INITCOND = %s", quote_literal_cstr(col(r, 22)));
			if (col(r, 23))
			{
				appendStringInfo(&def, ",\n    MSFUNC = %s,\n    MINVFUNC = %s,\n    MSTYPE = %s",
								 col(r, 23), col(r, 24), col(r, 25));
				if (strcmp(col(r, 26), "0") != 0)
					appendStringInfo(&def, ",\n    MSSPACE = %s", col(r, 26));
				if (col(r, 27))
				{
					appendStringInfo(&def, ",\n    MFINALFUNC = %s", col(r, 27));
					if (col_bool(r, 28))
						appendStringInfoString(&def, ",\n    MFINALFUNC_EXTRA");
				}
				appendStringInfo(&def, ",\n    MFINALFUNC_MODIFY = %s",
								 col(r, 29)[0] == 'r' ? "READ_ONLY" : col(r, 29)[0] == 's' ? "SHAREABLE" : "READ_WRITE");
				if (col(r, 30))
					appendStringInfo(&def, ",\n    MINITCOND = %s", quote_literal_cstr(col(r, 30)));
			}
			if (col(r, 31))
			{
				/* regoperator prints name(left,right): keep the name */
				char	   *op = col(r, 31);
				char	   *paren = strrchr(op, '(');

				if (paren)
					*paren = '\0';
				appendStringInfo(&def, ",\n    SORTOP = OPERATOR(%s)", op);
			}
			if (col(r, 32)[0] != 'u')
				appendStringInfo(&def, ",\n    PARALLEL = %s",
								 col(r, 32)[0] == 's' ? "SAFE" : "RESTRICTED");
			if (akind[0] == 'h')
				appendStringInfoString(&def, ",\n    HYPOTHETICAL");
			appendStringInfoString(&def, "\n);");
			o->def = def.data;
			o->create = def.data;
		}
		add_privileges(r, o, 10, 11, o->owner);
	}
}

/* Sequences (not those of identity columns), and their OWNED BY */
static void
describe_sequences(Reader *r)
{
	int			n = query(r,
						  "SELECT c.oid, n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL),"
						  " s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,"
						  " c.relpersistence, pg_catalog.pg_get_userbyid(c.relowner), "
						  ACL_CANON("c.relacl", "c.relowner", "s") ", "
						  ACL_DEFAULT("c.relowner", "s") ","
						  " tn.nspname, t.relname, a.attname, t.oid, a.attnum"
						  " FROM ONLY pg_catalog.pg_class c"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "c.relnamespace"
						  " JOIN ONLY pg_catalog.pg_sequence s ON s.seqrelid" EQ "c.oid"
						  " LEFT JOIN ONLY pg_catalog.pg_depend d ON d.classid" EQ STR(RelationRelationId) "::pg_catalog.oid"
						  "      AND d.objid" EQ "c.oid AND d.refclassid" EQ STR(RelationRelationId) "::pg_catalog.oid"
						  "      AND d.refobjsubid" GT "0 AND d.deptype" EQ "ANY ('{a,i}'::pg_catalog.char[])"
						  " LEFT JOIN ONLY pg_catalog.pg_class t ON t.oid" EQ "d.refobjid"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace tn ON tn.oid" EQ "t.relnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_attribute a ON a.attrelid" EQ "d.refobjid AND a.attnum" EQ "d.refobjsubid"
						  " WHERE c.relnamespace" EQ "ANY ($1) AND c.relkind" EQ "'S'"
						  " AND (d.deptype IS NULL OR d.deptype" EQ "'a')"
						  " AND" NOT_EXT(RelationRelationId, "c.oid")
						  " ORDER BY n.nspname, c.relname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 2);
		char	   *name = col(r, 3);
		char	   *q = qual(nsp, name);
		SvObject   *o;

		o = new_object(r, SVK_SEQUENCE, "sequence",
					   psprintf("sequence %s", dotted(nsp, name)), dotted(nsp, name),
					   NULL, RelationRelationId, col_oid(r, 1), 0);
		o->owner = col(r, 12);
		o->f[F_QNAME] = q;
		o->f[S_OPTIONS] = psprintf("AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE",
								   col(r, 4), col(r, 6), col(r, 7), col(r, 8),
								   col(r, 5), col(r, 9), col_bool(r, 10) ? "" : "NO ");
		o->f[S_PERSIST] = col(r, 11);
		o->def = psprintf("%s %s", o->f[S_OPTIONS], o->f[S_PERSIST]);
		o->create = psprintf("CREATE %sSEQUENCE %s %s;",
							 o->f[S_PERSIST][0] == 'u' ? "UNLOGGED " : "", q,
							 o->f[S_OPTIONS]);
		o->drop = psprintf("DROP SEQUENCE %s;", q);
		o->target = psprintf("SEQUENCE %s", q);
		add_privileges(r, o, 13, 14, o->owner);

		if (col(r, 15))
		{
			/* OWNED BY: an object of its own, so that neither side waits for the other */
			SvObject   *w;
			char	   *column = dotted3(col(r, 15), col(r, 16), col(r, 17));

			w = new_object(r, SVK_OWNED_BY, "sequence owner",
						   psprintf("owned by %s", dotted(nsp, name)),
						   dotted(nsp, name), NULL, InvalidOid, InvalidOid, 0);
			w->f[F_QNAME] = q;
			w->f[O_COLUMN] = column;
			w->def = column;
			w->create = psprintf("ALTER SEQUENCE %s OWNED BY %s;", q,
								 psprintf("%s.%s", qual(col(r, 15), col(r, 16)),
										  quote_identifier(col(r, 17))));
			w->drop = psprintf("ALTER SEQUENCE %s OWNED BY NONE;", q);
			w->f[O_COLUMN + 1] = psprintf("%u", col_oid(r, 18));
			w->f[O_COLUMN + 2] = col(r, 19);
			add_dep(w, o);
		}
	}
}

/* Tables: ordinary, partitioned, partitions */
static void
describe_tables(Reader *r)
{
	int			n = query(r,
						  "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence,"
						  " CASE WHEN c.relkind" EQ "'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,"
						  " pn.nspname, p.relname,"
						  " CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,"
						  " (SELECT pg_catalog.array_agg(pg_catalog.quote_ident(hn.nspname)" CAT " '.'" CAT
						  "         pg_catalog.quote_ident(h.relname) ORDER BY i.inhseqno)"
						  "    FROM ONLY pg_catalog.pg_inherits i JOIN ONLY pg_catalog.pg_class h ON h.oid" EQ "i.inhparent"
						  "    JOIN ONLY pg_catalog.pg_namespace hn ON hn.oid" EQ "h.relnamespace"
						  "   WHERE i.inhrelid" EQ "c.oid AND NOT c.relispartition),"
						  " c.reloptions::pg_catalog.text[], c.relrowsecurity, c.relforcerowsecurity,"
						  " CASE WHEN am.amname" NE "'heap' THEN am.amname END,"
						  " pg_catalog.pg_get_userbyid(c.relowner), "
						  ACL_CANON("c.relacl", "c.relowner", "r") ", "
						  ACL_DEFAULT("c.relowner", "r") ","
						  " CASE WHEN $2 THEN c.reltuples END,"
						  " NULL::pg_catalog.int8,"
						  " c.reltype, c.reloftype"
						  " FROM ONLY pg_catalog.pg_class c"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "c.relnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_am am ON am.oid" EQ "c.relam"
						  " LEFT JOIN ONLY pg_catalog.pg_inherits pi ON pi.inhrelid" EQ "c.oid AND c.relispartition"
						  " LEFT JOIN ONLY pg_catalog.pg_class p ON p.oid" EQ "pi.inhparent"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace pn ON pn.oid" EQ "p.relnamespace"
						  " WHERE c.relnamespace" EQ "ANY ($1) AND c.relkind" EQ "ANY ('{r,p}'::pg_catalog.char[])"
						  " AND" NOT_EXT(RelationRelationId, "c.oid")
						  " ORDER BY n.nspname, c.relname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 2);
		char	   *name = col(r, 3);
		char	   *q = qual(nsp, name);
		SvObject   *o;
		List	   *inh = col_text_array(r, 10);
		List	   *opts = col_text_array(r, 11);
		ListCell   *lc;

		o = new_object(r, SVK_TABLE, "table",
					   psprintf("table %s", dotted(nsp, name)), dotted(nsp, name),
					   NULL, RelationRelationId, col_oid(r, 1), 0);
		o->owner = col(r, 15);
		o->f[F_QNAME] = q;
		o->f[T_RELKIND] = col(r, 4);
		o->f[T_PERSIST] = col(r, 5);
		o->f[T_PARTKEY] = col(r, 6);
		if (col(r, 7))
			o->f[T_PARTOF] = qual(col(r, 7), col(r, 8));
		o->f[T_BOUND] = col(r, 9);
		if (inh)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			foreach(lc, inh)
				appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
								 (char *) lfirst(lc));
			o->f[T_INHERITS] = buf.data;
		}
		if (opts)
			o->f[T_OPTIONS] = options_text(opts);
		o->f[T_RLS] = col_bool(r, 12) ? "t" : "f";
		o->f[T_FORCE] = col_bool(r, 13) ? "t" : "f";
		if (col(r, 14))
			o->f[T_AM] = pstrdup(quote_identifier(col(r, 14)));
		/* what cannot be altered in place */
		o->def = psprintf("kind %s key %s am %s partition %s of %s inherits %s",
						  o->f[T_RELKIND], o->f[T_PARTKEY] ? o->f[T_PARTKEY] : "-",
						  o->f[T_AM] ? o->f[T_AM] : "heap",
						  o->f[T_PARTOF] ? "yes" : "no",
						  col(r, 22) && strcmp(col(r, 22), "0") != 0 ? "typed" : "-",
						  o->f[T_INHERITS] ? o->f[T_INHERITS] : "-");
		o->drop = psprintf("DROP TABLE %s;", q);
		o->target = psprintf("TABLE %s", q);
		if (col(r, 18))
			o->reltuples = strtod(col(r, 18), NULL);
		if (col(r, 19))
			o->relbytes = strtoll(col(r, 19), NULL, 10);
		add_alias(r, TypeRelationId, col_oid(r, 21), 0, o);
		add_alias(r, TypeRelationId, get_array_type(col_oid(r, 21)), 0, o);
		add_privileges(r, o, 16, 17, o->owner);
		if (col(r, 22) && strcmp(col(r, 22), "0") != 0)
			r->desc->unsupported = lappend(r->desc->unsupported,
										   psprintf("typed table %s (OF type)", o->name));
	}
}

/*
 * describe_rolled_back
 *		Run fn(arg) in an internal subtransaction that is always rolled
 *		back, success or error, so that the locks it takes and anything it
 *		creates do not outlive it; what fn allocates in the caller's memory
 *		context stays.  An error is rethrown after the rollback.
 */
void
describe_rolled_back(void (*fn) (void *arg), void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}

/* describe_rolled_back's step of describe_table_sizes */
static void
read_sizes_step(void *arg)
{
	read_sizes((List *) arg);
}

/*
 * describe_table_sizes
 *		Read the size (pg_total_relation_size) of some live tables, for
 *		hazards: only those the diff touches, since reading a size opens
 *		the table and its indexes.  In a subtransaction that is rolled
 *		back, so that the locks it takes do not outlive the call.
 */
void
describe_table_sizes(List *tables)
{
	if (tables != NIL)
		describe_rolled_back(read_sizes_step, tables);
}

/* The query of describe_table_sizes */
static void
read_sizes(List *tables)
{
	MemoryContext cxt = CurrentMemoryContext;
	Datum	   *oids = palloc(sizeof(Datum) * list_length(tables));
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		values[1];
	int			n = 0;
	ListCell   *lc;

	foreach(lc, tables)
	{
		oids[n++] = ObjectIdGetDatum(((SvObject *) lfirst(lc))->objid);
		/* read, even if it has none (-1 is "not read yet") */
		((SvObject *) lfirst(lc))->relbytes = -2;
	}
	values[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid),
												true, TYPALIGN_INT));
	if (SPI_execute_with_args("SELECT c.oid, pg_catalog.pg_total_relation_size(c.oid)"
							  " FROM ONLY pg_catalog.pg_class c WHERE c.oid" EQ "ANY ($1)",
							  1, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "schemaver: could not read table sizes");
	MemoryContextSwitchTo(cxt);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
		Datum		size = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

		if (isnull)
			continue;
		foreach(lc, tables)
		{
			SvObject   *t = lfirst(lc);

			if (t->objid == oid)
				t->relbytes = DatumGetInt64(size);
		}
	}
}

/* Columns of tables (not of partitions: those are the parent's) */
static void
describe_columns(Reader *r)
{
	int			n = query(r,
						  "SELECT a.attrelid, a.attnum, n.nspname, c.relname, a.attname,"
						  " pg_catalog.format_type(a.atttypid, a.atttypmod),"
						  " CASE WHEN a.attcollation" NE "t.typcollation"
						  "      THEN pg_catalog.quote_ident(cn.nspname)" CAT " '.'" CAT " pg_catalog.quote_ident(co.collname) END,"
						  " a.attnotnull, a.attidentity, a.attgenerated,"
						  " CASE WHEN a.attgenerated" NE "'' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,"
						  " a.attstattarget,"
						  " a.attstorage,"
						  " a.attcompression,"
		/*
		 * attribute options: only those a user can set (some server builds
		 * stamp others of their own, which differ between two copies)
		 */
						  " (SELECT pg_catalog.array_agg(o.x) FROM pg_catalog.unnest(a.attoptions) AS o(x)"
						  "   WHERE o.x OPERATOR(pg_catalog.~) '^n_distinct(_inherited)?=')::pg_catalog.text[],"
		/* 16-: identity sequence */
						  " sn.nspname, sc.relname, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,"
						  " s.seqcache, s.seqcycle, sc.oid,"
		/* 25: column privileges */
						  ACL_CANON("a.attacl", "c.relowner", "r") ", a.attacl IS NOT NULL,"
						  " pg_catalog.pg_get_userbyid(c.relowner), a.atttypid, t.typstorage"
						  " FROM ONLY pg_catalog.pg_attribute a"
						  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "a.attrelid"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "c.relnamespace"
						  " JOIN ONLY pg_catalog.pg_type t ON t.oid" EQ "a.atttypid"
						  " LEFT JOIN ONLY pg_catalog.pg_collation co ON co.oid" EQ "a.attcollation"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace cn ON cn.oid" EQ "co.collnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_attrdef ad ON ad.adrelid" EQ "a.attrelid AND ad.adnum" EQ "a.attnum"
						  " LEFT JOIN ONLY pg_catalog.pg_depend d ON a.attidentity" NE "''"
						  "      AND d.refclassid" EQ STR(RelationRelationId) "::pg_catalog.oid"
						  "      AND d.refobjid" EQ "a.attrelid AND d.refobjsubid" EQ "a.attnum"
						  "      AND d.classid" EQ STR(RelationRelationId) "::pg_catalog.oid AND d.deptype" EQ "'i'"
						  " LEFT JOIN ONLY pg_catalog.pg_class sc ON sc.oid" EQ "d.objid AND sc.relkind" EQ "'S'"
						  " LEFT JOIN ONLY pg_catalog.pg_namespace sn ON sn.oid" EQ "sc.relnamespace"
						  " LEFT JOIN ONLY pg_catalog.pg_sequence s ON s.seqrelid" EQ "sc.oid"
						  " WHERE c.relnamespace" EQ "ANY ($1) AND c.relkind" EQ "ANY ('{r,p}'::pg_catalog.char[])"
						  " AND NOT c.relispartition AND a.attnum" GT "0 AND NOT a.attisdropped AND a.attislocal"
						  " AND (d.objid IS NULL OR sc.oid IS NOT NULL)"
						  " AND" NOT_EXT(RelationRelationId, "c.oid")
						  " ORDER BY n.nspname, c.relname, a.attnum");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 3);
		char	   *rel = col(r, 4);
		char	   *att = col(r, 5);
		SvObject   *table = find_addr(r->desc, RelationRelationId, col_oid(r, 1), 0);
		SvObject   *o;
		List	   *opts;

		if (table == NULL || table->kind != SVK_TABLE)
			continue;
		o = new_object(r, SVK_COLUMN, "column",
					   psprintf("column %s", dotted3(nsp, rel, att)),
					   dotted3(nsp, rel, att), table,
					   RelationRelationId, col_oid(r, 1), atoi(col(r, 2)));
		o->owner = col(r, 27);
		o->f[F_QNAME] = table->f[F_QNAME];
		o->f[F_NAME] = pstrdup(quote_identifier(att));
		o->f[C_TYPE] = col(r, 6);
		o->f[C_COLLATE] = col(r, 7) ? psprintf(" COLLATE %s", col(r, 7)) : "";
		o->f[C_NOTNULL] = col_bool(r, 8) ? "t" : "f";
		o->f[C_IDENTITY] = col(r, 9);
		o->f[C_GENERATED] = col(r, 11);
		o->f[C_GENKIND] = col(r, 10);
		o->f[C_STATS] = col(r, 12) ? col(r, 12) : "-1";
		o->f[C_STORAGE] = col(r, 13);
		o->f[C_TYPSTORAGE] = col(r, 29);
		o->f[C_COMPRESSION] = col(r, 14) ? col(r, 14) : "";
		o->f[C_TYPEOID] = col(r, 28);
		opts = col_text_array(r, 15);
		o->f[C_OPTIONS] = options_text(opts);
		if (o->f[C_IDENTITY][0] != '\0' && col(r, 16))
		{
			o->f[C_IDOPTS] = psprintf("SEQUENCE NAME %s START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s %sCYCLE",
									  qual(col(r, 16), col(r, 17)), col(r, 18), col(r, 19),
									  col(r, 20), col(r, 21), col(r, 22),
									  col_bool(r, 23) ? "" : "NO ");
			add_alias(r, RelationRelationId, col_oid(r, 24), 0, o);
		}
		else
			o->f[C_IDOPTS] = "";
		o->def = psprintf("%s%s notnull %s identity %s (%s) generated %s %s stats %s storage %s compression %s options %s",
						  o->f[C_TYPE], o->f[C_COLLATE], o->f[C_NOTNULL], o->f[C_IDENTITY],
						  o->f[C_IDOPTS], o->f[C_GENKIND], o->f[C_GENERATED] ? o->f[C_GENERATED] : "-",
						  o->f[C_STATS], o->f[C_STORAGE], o->f[C_COMPRESSION], o->f[C_OPTIONS]);
		o->drop = psprintf("ALTER TABLE %s DROP COLUMN %s;", table->f[F_QNAME], o->f[F_NAME]);
		o->target = psprintf("COLUMN %s.%s", table->f[F_QNAME], o->f[F_NAME]);
		/* column privileges: GRANT ... (column) ON TABLE */
		if (col_bool(r, 26))
			add_privileges(r, o, 25, 0, o->owner);
	}
}

/* Column defaults (not generation expressions) */
static void
describe_defaults(Reader *r)
{
	int			n = query(r,
						  "SELECT ad.oid, ad.adrelid, ad.adnum, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)"
						  " FROM ONLY pg_catalog.pg_attrdef ad"
						  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "ad.adrelid"
						  " JOIN ONLY pg_catalog.pg_attribute a ON a.attrelid" EQ "ad.adrelid AND a.attnum" EQ "ad.adnum"
						  " WHERE c.relnamespace" EQ "ANY ($1) AND a.attgenerated" EQ "''"
						  " ORDER BY ad.adrelid, ad.adnum");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *column = find_addr(r->desc, RelationRelationId, col_oid(r, 2),
									   atoi(col(r, 3)));
		SvObject   *o;

		if (column == NULL || column->kind != SVK_COLUMN)
			continue;
		o = new_object(r, SVK_DEFAULT, "default",
					   psprintf("default %s", column->name), column->name, column,
					   AttrDefaultRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = column->f[F_QNAME];
		o->f[F_NAME] = column->f[F_NAME];
		o->f[D_EXPR] = col(r, 4);
		o->def = o->f[D_EXPR];
		o->create = psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;",
							 o->f[F_QNAME], o->f[F_NAME], o->f[D_EXPR]);
		o->drop = psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;",
						   o->f[F_QNAME], o->f[F_NAME]);
	}
}

/* Table constraints: primary key, unique, check, foreign key, exclusion */
static void
describe_constraints(Reader *r)
{
	int			n = query(r,
						  "SELECT k.oid, k.conname, k.conrelid, k.contype,"
						  " pg_catalog.pg_get_constraintdef(k.oid), k.convalidated, k.conindid"
						  " FROM ONLY pg_catalog.pg_constraint k"
						  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "k.conrelid"
						  " WHERE c.relnamespace" EQ "ANY ($1)"
						  " AND k.contype" EQ "ANY ('{p,u,c,f,x}'::pg_catalog.char[])"
						  " AND k.conparentid" EQ "0 AND k.conislocal"
						  " ORDER BY k.conrelid, k.conname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *table = find_addr(r->desc, RelationRelationId, col_oid(r, 3), 0);
		char	   *cname = col(r, 2);
		SvObject   *o;

		if (table == NULL || table->kind != SVK_TABLE)
			continue;
		o = new_object(r, SVK_CONSTRAINT, "constraint",
					   psprintf("constraint %s.%s", table->name, quote_identifier(cname)),
					   psprintf("%s.%s", table->name, quote_identifier(cname)), table,
					   ConstraintRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = table->f[F_QNAME];
		o->f[F_NAME] = pstrdup(quote_identifier(cname));
		o->f[K_DEF] = col(r, 5);
		o->f[K_VALID] = col_bool(r, 6) ? "t" : "f";
		o->f[K_TYPE] = col(r, 4);
		o->f[K_ON] = "TABLE";
		o->def = o->f[K_DEF];
		o->create = psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s;",
							 o->f[F_QNAME], o->f[F_NAME], o->f[K_DEF]);
		o->drop = psprintf("ALTER TABLE %s DROP CONSTRAINT %s;", o->f[F_QNAME], o->f[F_NAME]);
		o->target = psprintf("CONSTRAINT %s ON %s", o->f[F_NAME], o->f[F_QNAME]);
		/* its index stands for it */
		if (strchr("pux", o->f[K_TYPE][0]))
			add_alias(r, RelationRelationId, col_oid(r, 7), 0, o);
	}
}

/* Indexes that no constraint owns, of tables and materialized views */
static void
describe_indexes(Reader *r)
{
	int			n = query(r,
						  "SELECT i.indexrelid, ic.relname, n.nspname, i.indrelid,"
						  " pg_catalog.pg_get_indexdef(i.indexrelid), i.indisunique, c.relkind, c.relname"
						  " FROM ONLY pg_catalog.pg_index i"
						  " JOIN ONLY pg_catalog.pg_class ic ON ic.oid" EQ "i.indexrelid"
						  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "i.indrelid"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "ic.relnamespace"
						  " WHERE ic.relnamespace" EQ "ANY ($1) AND NOT ic.relispartition"
						  " AND c.relkind" EQ "ANY ('{r,p,m}'::pg_catalog.char[])"
						  " AND NOT EXISTS (SELECT 1 FROM ONLY pg_catalog.pg_constraint k"
						  "     WHERE k.conindid" EQ "i.indexrelid AND k.conrelid" EQ "i.indrelid"
						  "     AND k.contype" EQ "ANY ('{p,u,x}'::pg_catalog.char[]))"
						  " ORDER BY n.nspname, ic.relname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *table = find_addr(r->desc, RelationRelationId, col_oid(r, 4), 0);
		char	   *nsp = col(r, 3);
		char	   *name = col(r, 2);
		char	   *def = col(r, 5);
		SvObject   *o;

		if (table == NULL)
			continue;
		o = new_object(r, SVK_INDEX, "index",
					   psprintf("index %s", dotted(nsp, name)), dotted(nsp, name), table,
					   RelationRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = qual(nsp, name);
		o->f[F_NAME] = pstrdup(quote_identifier(name));
		o->def = def;
		/*
		 * The index of a partitioned table prints "ON ONLY": created so it
		 * would not cascade to the partitions.  Create it the ordinary way,
		 * which makes the partitions' indexes too.
		 */
		if (col(r, 7)[0] == 'p')
		{
			char	   *prefix = psprintf("CREATE %sINDEX %s ON ONLY ",
										  col_bool(r, 6) ? "UNIQUE " : "", o->f[F_NAME]);

			if (strncmp(def, prefix, strlen(prefix)) == 0)
				def = psprintf("CREATE %sINDEX %s ON %s", col_bool(r, 6) ? "UNIQUE " : "",
							   o->f[F_NAME], def + strlen(prefix));
		}
		o->create = psprintf("%s;", def);
		o->drop = psprintf("DROP INDEX %s;", o->f[F_QNAME]);
		o->target = psprintf("INDEX %s", o->f[F_QNAME]);
	}
}

/* Views and materialized views */
static void
describe_views(Reader *r)
{
	int			n = query(r,
						  "SELECT c.oid, n.nspname, c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid),"
						  " c.reloptions::pg_catalog.text[], c.relispopulated, pg_catalog.pg_get_userbyid(c.relowner), "
						  ACL_CANON("c.relacl", "c.relowner", "r") ", "
						  ACL_DEFAULT("c.relowner", "r") ","
						  " (SELECT w.oid FROM ONLY pg_catalog.pg_rewrite w WHERE w.ev_class" EQ "c.oid"
						  "     AND w.rulename" EQ "'_RETURN'), c.reltype"
						  " FROM ONLY pg_catalog.pg_class c"
						  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "c.relnamespace"
						  " WHERE c.relnamespace" EQ "ANY ($1) AND c.relkind" EQ "ANY ('{v,m}'::pg_catalog.char[])"
						  " AND" NOT_EXT(RelationRelationId, "c.oid")
						  " ORDER BY n.nspname, c.relname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		char	   *nsp = col(r, 2);
		char	   *name = col(r, 3);
		char	   *q = qual(nsp, name);
		bool		mat = col(r, 4)[0] == 'm';
		char	   *viewdef = col(r, 5);
		List	   *opts = col_text_array(r, 6);
		char	   *with;
		int			len = strlen(viewdef);
		SvObject   *o;

		/* pg_get_viewdef ends with ";": the statement adds its own */
		while (len > 0 && (viewdef[len - 1] == ';' || viewdef[len - 1] == '\n' ||
						   viewdef[len - 1] == ' '))
			viewdef[--len] = '\0';
		with = options_text(opts);
		if (with[0] != '\0')
			with = psprintf(" WITH (%s)", with);
		o = new_object(r, SVK_VIEW, mat ? "materialized view" : "view",
					   psprintf("view %s", dotted(nsp, name)), dotted(nsp, name),
					   NULL, RelationRelationId, col_oid(r, 1), 0);
		o->owner = col(r, 8);
		o->f[F_QNAME] = q;
		o->f[V_RELKIND] = col(r, 4);
		o->create = psprintf("CREATE %sVIEW %s%s AS\n%s%s;", mat ? "MATERIALIZED " : "",
							 q, with, viewdef,
							 mat ? (col_bool(r, 7) ? "\n  WITH DATA" : "\n  WITH NO DATA") : "");
		o->def = o->create;
		o->drop = psprintf("DROP %sVIEW %s;", mat ? "MATERIALIZED " : "", q);
		o->target = psprintf("%sVIEW %s", mat ? "MATERIALIZED " : "", q);
		add_alias(r, RewriteRelationId, col_oid(r, 11), 0, o);
		add_alias(r, TypeRelationId, col_oid(r, 12), 0, o);
		add_alias(r, TypeRelationId, get_array_type(col_oid(r, 12)), 0, o);
		add_privileges(r, o, 9, 10, o->owner);
	}
}

/* Triggers, rules and policies of the tables and views */
static void
describe_triggers_rules_policies(Reader *r)
{
	int			n = query(r,
						  "SELECT g.oid, g.tgname, g.tgrelid, pg_catalog.pg_get_triggerdef(g.oid), g.tgenabled"
						  " FROM ONLY pg_catalog.pg_trigger g"
						  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "g.tgrelid"
						  " WHERE c.relnamespace" EQ "ANY ($1) AND NOT g.tgisinternal AND g.tgparentid" EQ "0"
						  " ORDER BY g.tgrelid, g.tgname");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *rel = find_addr(r->desc, RelationRelationId, col_oid(r, 3), 0);
		char	   *name = col(r, 2);
		char	   *en = col(r, 5);
		SvObject   *o;

		if (rel == NULL)
			continue;
		o = new_object(r, SVK_TRIGGER, "trigger",
					   psprintf("trigger %s.%s", rel->name, quote_identifier(name)),
					   psprintf("%s.%s", rel->name, quote_identifier(name)), rel,
					   TriggerRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = rel->f[F_QNAME];
		o->f[F_NAME] = pstrdup(quote_identifier(name));
		o->f[G_ENABLED] = en;
		o->f[G_DEF] = col(r, 4);
		o->def = psprintf("%s enabled %s", o->f[G_DEF], en);
		o->create = psprintf("%s;%s", o->f[G_DEF],
							 en[0] == 'O' ? "" :
							 psprintf("\nALTER TABLE %s %s TRIGGER %s;", rel->f[F_QNAME],
									  en[0] == 'D' ? "DISABLE" : en[0] == 'R' ? "ENABLE REPLICA" : "ENABLE ALWAYS",
									  o->f[F_NAME]));
		o->drop = psprintf("DROP TRIGGER %s ON %s;", o->f[F_NAME], rel->f[F_QNAME]);
		o->target = psprintf("TRIGGER %s ON %s", o->f[F_NAME], rel->f[F_QNAME]);
	}

	n = query(r,
			  "SELECT w.oid, w.rulename, w.ev_class, pg_catalog.pg_get_ruledef(w.oid)"
			  " FROM ONLY pg_catalog.pg_rewrite w"
			  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "w.ev_class"
			  " WHERE c.relnamespace" EQ "ANY ($1) AND w.rulename" NE "'_RETURN'"
			  " ORDER BY w.ev_class, w.rulename");
	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *rel = find_addr(r->desc, RelationRelationId, col_oid(r, 3), 0);
		char	   *name = col(r, 2);
		char	   *def = col(r, 4);
		int			len = strlen(def);
		SvObject   *o;

		if (rel == NULL)
			continue;
		while (len > 0 && (def[len - 1] == ';' || def[len - 1] == '\n' || def[len - 1] == ' '))
			def[--len] = '\0';
		o = new_object(r, SVK_RULE, "rule",
					   psprintf("rule %s.%s", rel->name, quote_identifier(name)),
					   psprintf("%s.%s", rel->name, quote_identifier(name)), rel,
					   RewriteRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = rel->f[F_QNAME];
		o->f[F_NAME] = pstrdup(quote_identifier(name));
		o->def = def;
		o->create = psprintf("%s;", def);
		o->drop = psprintf("DROP RULE %s ON %s;", o->f[F_NAME], rel->f[F_QNAME]);
		o->target = psprintf("RULE %s ON %s", o->f[F_NAME], rel->f[F_QNAME]);
	}

	n = query(r,
			  "SELECT p.oid, p.polname, p.polrelid, p.polpermissive, p.polcmd,"
			  " (SELECT pg_catalog.array_agg(CASE WHEN x.r" EQ "0 THEN 'PUBLIC'"
			  "         ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.r)) END ORDER BY x.r)"
			  "    FROM pg_catalog.unnest(p.polroles) AS x(r)),"
			  " pg_catalog.pg_get_expr(p.polqual, p.polrelid),"
			  " pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)"
			  " FROM ONLY pg_catalog.pg_policy p"
			  " JOIN ONLY pg_catalog.pg_class c ON c.oid" EQ "p.polrelid"
			  " WHERE c.relnamespace" EQ "ANY ($1)"
			  " ORDER BY p.polrelid, p.polname");
	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *rel = find_addr(r->desc, RelationRelationId, col_oid(r, 3), 0);
		char	   *name = col(r, 2);
		char	   *cmd = col(r, 5);
		List	   *roles = col_text_array(r, 6);
		StringInfoData def;
		SvObject   *o;
		ListCell   *lc;

		if (rel == NULL)
			continue;
		o = new_object(r, SVK_POLICY, "policy",
					   psprintf("policy %s.%s", rel->name, quote_identifier(name)),
					   psprintf("%s.%s", rel->name, quote_identifier(name)), rel,
					   PolicyRelationId, col_oid(r, 1), 0);
		o->f[F_QNAME] = rel->f[F_QNAME];
		o->f[F_NAME] = pstrdup(quote_identifier(name));
		initStringInfo(&def);
		appendStringInfo(&def, "CREATE POLICY %s ON %s AS %s FOR %s TO ",
						 o->f[F_NAME], rel->f[F_QNAME],
						 col_bool(r, 4) ? "PERMISSIVE" : "RESTRICTIVE",
						 cmd[0] == 'r' ? "SELECT" : cmd[0] == 'a' ? "INSERT" :
						 cmd[0] == 'w' ? "UPDATE" : cmd[0] == 'd' ? "DELETE" : "ALL");
		foreach(lc, roles)
			appendStringInfo(&def, "%s%s", foreach_current_index(lc) ? ", " : "",
							 (char *) lfirst(lc));
		if (col(r, 7))
			appendStringInfo(&def, " USING (%s)", col(r, 7));
		if (col(r, 8))
			appendStringInfo(&def, " WITH CHECK (%s)", col(r, 8));
		appendStringInfoChar(&def, ';');
		o->def = def.data;
		o->create = def.data;
		o->drop = psprintf("DROP POLICY %s ON %s;", o->f[F_NAME], rel->f[F_QNAME]);
		o->target = psprintf("POLICY %s ON %s", o->f[F_NAME], rel->f[F_QNAME]);
	}
}

/* Comments on the described objects, and on columns of views and types */
static void
describe_comments(Reader *r)
{
	int			n = query(r,
						  "SELECT d.classoid, d.objoid, d.objsubid, d.description, a.attname"
						  " FROM ONLY pg_catalog.pg_description d"
						  " LEFT JOIN ONLY pg_catalog.pg_attribute a ON d.classoid" EQ STR(RelationRelationId) "::pg_catalog.oid"
						  "      AND a.attrelid" EQ "d.objoid AND a.attnum" EQ "d.objsubid AND d.objsubid" GT "0"
						  " WHERE d.objoid" GE "16384 OR (d.classoid" EQ STR(NamespaceRelationId) "::pg_catalog.oid"
						  "      AND d.objoid" EQ "ANY ($1))"
						  " ORDER BY 1, 2, 3");

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		Oid			classid = col_oid(r, 1);
		Oid			objid = col_oid(r, 2);
		int32		subid = atoi(col(r, 3));
		SvObject   *target = find_addr(r->desc, classid, objid, subid);
		char	   *ident;
		char	   *name;
		char	   *on;
		SvObject   *o;

		if (target == NULL)
			continue;
		/* the address of a member stands for its extension: not its comment */
		if (target->kind == SVK_EXTENSION && classid != ExtensionRelationId)
			continue;
		/* nor does a constraint's index, a view's rule... */
		if (target->classid != classid || (target->objid != objid && subid == 0))
		{
			if (!(target->kind == SVK_TYPE && classid == RelationRelationId && subid > 0))
				continue;
		}
		if (subid != 0 && target->objsubid != subid)
		{
			/* a column of a view or composite type: no column object */
			char	   *att = col(r, 5);

			if (att == NULL)
				continue;
			name = psprintf("%s.%s", target->name, quote_identifier(att));
			ident = psprintf("comment column %s", name);
			on = psprintf("COLUMN %s.%s", target->f[F_QNAME], quote_identifier(att));
		}
		else
		{
			name = target->name;
			ident = psprintf("comment %s", target->ident);
			on = target->target;
		}
		if (on == NULL)
			continue;
		o = new_object(r, SVK_COMMENT, "comment", ident, name, target,
					   InvalidOid, InvalidOid, 0);
		o->f[M_TEXT] = col(r, 4);
		o->target = on;
		o->def = o->f[M_TEXT];
		o->create = psprintf("COMMENT ON %s IS %s;", on, quote_literal_cstr(o->f[M_TEXT]));
		o->drop = psprintf("COMMENT ON %s IS NULL;", on);
	}
}

/* Record that from depends on to (once) */
static void
add_dep(SvObject *from, SvObject *to)
{
	if (from == to || list_member_ptr(from->deps, to))
		return;
	from->deps = lappend(from->deps, to);
	to->dependants = lappend(to->dependants, from);
}

/*
 * The dependencies between described objects, from pg_depend.  A
 * sequence's automatic dependency on the column that owns it is left out:
 * the OWNED BY object carries it.
 */
static void
describe_dependencies(Reader *r)
{
	int			n = query(r,
						  "SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid, d.refobjsubid, d.deptype"
						  " FROM ONLY pg_catalog.pg_depend d"
						  " WHERE d.objid" GE "16384 AND d.refobjid" GE "16384"
						  " AND d.deptype" EQ "ANY ('{n,a}'::pg_catalog.char[])");
	MemoryContext old = MemoryContextSwitchTo(r->desc->cxt);

	for (r->row = 0; r->row < (uint64) n; r->row++)
	{
		SvObject   *from = find_addr(r->desc, col_oid(r, 1), col_oid(r, 2), atoi(col(r, 3)));
		SvObject   *to;

		if (from == NULL)
			continue;
		to = find_addr(r->desc, col_oid(r, 4), col_oid(r, 5), atoi(col(r, 6)));
		if (to == NULL)
			continue;
		if (from->kind == SVK_SEQUENCE && to->kind == SVK_COLUMN)
			continue;
		/* a column's dependency on its own table's row type, and the like */
		if (to == from->parent_obj || from == to)
			continue;
		add_dep(from, to);
	}
	MemoryContextSwitchTo(old);

	/* OWNED BY depends on the column */
	{
		ListCell   *lc;

		foreach(lc, r->desc->objects)
		{
			SvObject   *o = lfirst(lc);

			if (o->kind == SVK_OWNED_BY)
			{
				SvObject   *c = find_addr(r->desc, RelationRelationId,
										  atooid(o->f[O_COLUMN + 1]),
										  atoi(o->f[O_COLUMN + 2]));

				if (c)
					add_dep(o, c);
			}
		}
	}
}

/*
 * Objects of the managed schemas that autogenerate does not compare
 * (collations, operators, text search objects, foreign tables, ...):
 * listed so that the caller can say so.
 */
static void
describe_unsupported(Reader *r)
{
	int			n = query(r,
						  "SELECT pg_catalog.pg_describe_object(o.classid, o.objid, 0) FROM ("
						  " SELECT " STR(RelationRelationId) "::pg_catalog.oid AS classid, c.oid AS objid FROM ONLY pg_catalog.pg_class c"
						  "  WHERE c.relnamespace" EQ "ANY ($1) AND c.relkind" EQ "'f'"
						  " UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_collation x WHERE x.collnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_operator x WHERE x.oprnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_opclass x WHERE x.opcnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_opfamily x WHERE x.opfnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_conversion x WHERE x.connamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_ts_config x WHERE x.cfgnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_ts_dict x WHERE x.dictnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_ts_parser x WHERE x.prsnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_ts_template x WHERE x.tmplnamespace" EQ "ANY ($1)"
						  " UNION ALL SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, x.oid FROM ONLY pg_catalog.pg_statistic_ext x WHERE x.stxnamespace" EQ "ANY ($1)"
						  ") o WHERE NOT EXISTS (SELECT 1 FROM ONLY pg_catalog.pg_depend xd"
						  "  WHERE xd.classid" EQ "o.classid AND xd.objid" EQ "o.objid AND xd.deptype" EQ "'e')"
						  " ORDER BY 1");

	for (r->row = 0; r->row < (uint64) n; r->row++)
		r->desc->unsupported = lappend(r->desc->unsupported, col(r, 1));
}
