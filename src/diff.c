/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  Matching two descriptions (live and desired) and producing the
 *	  ordered rows that turn one into the other, each with its inverse and
 *	  its hazard.
 *
 * Objects are matched by identity.  An object only in the live
 * description is dropped, one only in the desired description created;
 * one in both with another definition is altered in place where
 * PostgreSQL can (columns, defaults, sequences, enum values, domains,
 * function bodies, comments, privileges, ...) and otherwise replaced (dropped
 * and created again).  Replacing an object, or changing the type of a
 * column, also replaces what depends on it in the live schema (views,
 * functions, triggers, policies, defaults...), so that those are dropped
 * before the change and created again after it.
 *
 * Each drop, alteration and creation is a node of a graph whose edges come
 * from the dependencies of both descriptions (pg_depend): drops of
 * dependants before what they depend on, creations after what they need.
 * Kahn's algorithm orders the nodes, drops first when several are ready,
 * ties broken by kind and name so that the output is stable.  A column is
 * created inside its table's CREATE TABLE when the table is new, and a
 * default inside its column when nothing it needs depends on the table;
 * such merged nodes share their parent's node.
 *
 * Every row's downgrade undoes its upgrade, so the downgrade is the rows'
 * inverses in reverse order.
 *
 * src/diff.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/binaryheap.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "schemaver.h"

/* What happens to an object */
typedef enum ItemStatus
{
	ST_SAME,
	ST_CREATE,
	ST_DROP,
	ST_REPLACE,
	ST_ALTER
} ItemStatus;

/* How an alteration affects the dependants of the object */
#define REBUILD_NONE 0
#define REBUILD_COLUMN 1		/* column type change */
#define REBUILD_ENUM 2			/* enum type recreated */

/* One identity, matched between the two descriptions */
typedef struct DiffItem
{
	SvObject   *a;				/* live, or NULL */
	SvObject   *b;				/* desired, or NULL */
	ItemStatus	status;
	int			rebuild;
	bool		enum_add;		/* enum: values added in place */
	List	   *up;				/* alteration statements */
	List	   *down;			/* their inverses, in the order to run them */
	char	   *hazard;
	int			order;			/* rank by kind and identity */
	int			node_drop;
	int			node_create;
	int			node_alter;
} DiffItem;

typedef enum NodeKind
{
	N_DROP,
	N_ALTER,
	N_CREATE
} NodeKind;

typedef struct DNode
{
	NodeKind	kind;
	DiffItem   *item;
	int			rep;			/* the node it is merged into (itself if none) */
	List	   *succ;			/* int: nodes that must come after */
	int			npred;
	int64		prio;
	bool		done;
} DNode;

typedef struct Diff
{
	SvDescription *a;
	SvDescription *b;
	DiffItem   *items;
	int			nitems;
	DNode	   *nodes;
	int			nnodes;
} Diff;

static const int kind_rank[SVK_NKINDS] = {
	[SVK_SCHEMA] = 0,
	[SVK_EXTENSION] = 1,
	[SVK_TYPE] = 2,
	[SVK_DOMAIN_CONSTRAINT] = 3,
	[SVK_FUNCTION] = 4,
	[SVK_SEQUENCE] = 5,
	[SVK_TABLE] = 6,
	[SVK_COLUMN] = 7,
	[SVK_DEFAULT] = 8,
	[SVK_CONSTRAINT] = 9,
	[SVK_INDEX] = 10,
	[SVK_VIEW] = 11,
	[SVK_TRIGGER] = 12,
	[SVK_RULE] = 13,
	[SVK_POLICY] = 14,
	[SVK_OWNED_BY] = 15,
	[SVK_COMMENT] = 16,
	[SVK_PRIVILEGES] = 17,
};

static DiffItem *item_of(Diff *d, SvObject *o);
static void compare_item(Diff *d, DiffItem *it);
static bool alter_column(DiffItem *it);
static bool alter_table(DiffItem *it);
static void cascade(Diff *d);
static void build_nodes(Diff *d);
static void add_edge(Diff *d, int from, int to);
static List *order_nodes(Diff *d);
static SvDiffRow *node_row(Diff *d, DNode *n);
static char *table_create(SvObject *t, bool with_children);
static char *column_clause(SvObject *c, bool with_default);
static char *column_extras(SvObject *c);
static bool default_inline_ok(SvObject *def);
static SvObject *merged_default(SvObject *column);
static char *enum_recreate(SvObject *type, List *labels, List *columns);
static char *size_note(SvObject *table);
static bool has_create(DiffItem *it);
static bool has_drop(DiffItem *it);
static void fetch_sizes(Diff *d, bool before_compare);

/* The item of an object of either description */
static DiffItem *
item_of(Diff *d, SvObject *o)
{
	return o ? &d->items[o->action] : NULL;
}

static bool
has_create(DiffItem *it)
{
	return it && (it->status == ST_CREATE || it->status == ST_REPLACE);
}

static bool
has_drop(DiffItem *it)
{
	return it && (it->status == ST_DROP || it->status == ST_REPLACE);
}

/* Whether a and b are both NULL or equal strings */
static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Append one statement to an alteration */
static void
alter(DiffItem *it, char *up, char *down)
{
	it->up = lappend(it->up, up);
	it->down = lcons(down, it->down);
}

/* Add to an item's hazard */
static void
add_hazard(DiffItem *it, char *h)
{
	it->hazard = it->hazard ? psprintf("%s; %s", it->hazard, h) : h;
}

/*
 * " (about N rows, S)" for a live table, from what the catalog knows
 * (reltuples is -1 for a table never vacuumed or analyzed).
 */
static char *
size_note(SvObject *table)
{
	char	   *bytes;

	if (table == NULL || table->relbytes < 0)
		return "";
	bytes = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															   Int64GetDatum(table->relbytes))));
	if (table->reltuples >= 0)
		return psprintf(" (about %.0f rows, %s)", table->reltuples, bytes);
	return psprintf(" (%s)", bytes);
}

/*
 * diff_grant_statements
 *		GRANT and REVOKE statements that turn the privileges from into to
 *		(canonical entries, see describe.c), on target ("TABLE public.t"),
 *		for one column when column is not NULL.  owner_sql names the owner
 *		(its entries are the owner's own privileges).
 */
char *
diff_grant_statements(const char *target, const char *owner_sql,
					  const char *column, List *from, List *to)
{
	StringInfoData buf;
	ListCell   *lc,
			   *lc2;
	const char *on = target;
	char	   *col = column ? psprintf(" (%s)", column) : "";

	/* GRANT has no VIEW or AGGREGATE keyword */
	if (strncmp(target, "VIEW ", 5) == 0)
		on = psprintf("TABLE %s", target + 5);
	else if (strncmp(target, "MATERIALIZED VIEW ", 18) == 0)
		on = psprintf("TABLE %s", target + 18);
	else if (strncmp(target, "AGGREGATE ", 10) == 0)
		on = psprintf("FUNCTION %s", target + 10);
	initStringInfo(&buf);

	foreach(lc, from)
	{
		char	   *e = lfirst(lc);
		char	   *sp = strchr(e, ' ');
		bool		kept = false;

		foreach(lc2, to)
		{
			char	   *f = lfirst(lc2);
			char	   *sp2 = strchr(f, ' ');

			if (sp - e == sp2 - f && strncmp(e, f, sp - e) == 0 &&
				strcmp(sp + 3, sp2 + 3) == 0)
			{
				kept = true;
				if (sp[1] == 't' && sp2[1] == 'f')
					appendStringInfo(&buf, "%sREVOKE GRANT OPTION FOR %.*s%s ON %s FROM %s;",
									 buf.len ? "\n" : "", (int) (sp - e), e, col, on,
									 sp[3] == 'O' ? owner_sql : sp[3] == 'P' ? "PUBLIC" :
									 quote_identifier(sp + 4));
			}
		}
		if (!kept)
			appendStringInfo(&buf, "%sREVOKE %.*s%s ON %s FROM %s;",
							 buf.len ? "\n" : "", (int) (sp - e), e, col, on,
							 sp[3] == 'O' ? owner_sql : sp[3] == 'P' ? "PUBLIC" :
							 quote_identifier(sp + 4));
	}
	foreach(lc, to)
	{
		char	   *e = lfirst(lc);
		char	   *sp = strchr(e, ' ');
		bool		had = false;
		bool		had_option = false;

		foreach(lc2, from)
		{
			char	   *f = lfirst(lc2);
			char	   *sp2 = strchr(f, ' ');

			if (sp - e == sp2 - f && strncmp(e, f, sp - e) == 0 &&
				strcmp(sp + 3, sp2 + 3) == 0)
			{
				had = true;
				had_option = sp2[1] == 't';
			}
		}
		if (!had || (sp[1] == 't' && !had_option))
			appendStringInfo(&buf, "%sGRANT %.*s%s ON %s TO %s%s;",
							 buf.len ? "\n" : "", (int) (sp - e), e, col, on,
							 sp[3] == 'O' ? owner_sql : sp[3] == 'P' ? "PUBLIC" :
							 quote_identifier(sp + 4),
							 sp[1] == 't' ? " WITH GRANT OPTION" : "");
	}
	return buf.data;
}

/*
 * The SQL that names the owner of a privileges object's object: the live
 * owner when the object exists, CURRENT_USER (the role that will create
 * it) when this diff creates it.
 */
static const char *
owner_sql(Diff *d, SvObject *priv)
{
	SvObject   *obj = priv->parent_obj;
	DiffItem   *it = item_of(d, obj);

	if (has_create(it) || it->a == NULL)
		return "CURRENT_USER";
	/* columns: the table's owner */
	if (it->a->owner)
		return quote_identifier(it->a->owner);
	return "CURRENT_USER";
}

/*
 * Compare the two versions of an object: same, alterable in place (the
 * statements are recorded), or replaced.
 */
static void
compare_item(Diff *d, DiffItem *it)
{
	SvObject   *a = it->a;
	SvObject   *b = it->b;
	bool		same_def = same_text(a->def, b->def);

	it->status = ST_SAME;
	switch (a->kind)
	{
		case SVK_COLUMN:
			if (!same_def && !alter_column(it))
				it->status = ST_REPLACE;
			break;
		case SVK_TABLE:
			if (!same_def)
				it->status = ST_REPLACE;
			else
				alter_table(it);
			break;
		case SVK_TYPE:
			if (a->f[Y_TYPTYPE][0] == 'd')
			{
				if (!same_def)
					it->status = ST_REPLACE;
				else
				{
					if (!same_text(a->f[Y_DOMDEFAULT], b->f[Y_DOMDEFAULT]))
						alter(it,
							  b->f[Y_DOMDEFAULT] ? psprintf("ALTER DOMAIN %s SET DEFAULT %s;", b->f[F_QNAME], b->f[Y_DOMDEFAULT])
							  : psprintf("ALTER DOMAIN %s DROP DEFAULT;", b->f[F_QNAME]),
							  a->f[Y_DOMDEFAULT] ? psprintf("ALTER DOMAIN %s SET DEFAULT %s;", a->f[F_QNAME], a->f[Y_DOMDEFAULT])
							  : psprintf("ALTER DOMAIN %s DROP DEFAULT;", a->f[F_QNAME]));
					if (strcmp(a->f[Y_DOMNOTNULL], b->f[Y_DOMNOTNULL]) != 0)
					{
						bool		set = b->f[Y_DOMNOTNULL][0] == 't';

						alter(it, psprintf("ALTER DOMAIN %s %s NOT NULL;", b->f[F_QNAME], set ? "SET" : "DROP"),
							  psprintf("ALTER DOMAIN %s %s NOT NULL;", a->f[F_QNAME], set ? "DROP" : "SET"));
						if (set)
							add_hazard(it, psprintf("checks every column of domain %s for NULLs", b->name));
					}
					if (it->up)
						it->status = ST_ALTER;
				}
			}
			else if (!same_def && a->f[Y_TYPTYPE][0] == 'e')
			{
				/* values only added, nothing but columns use it: ADD VALUE */
				ListCell   *la = list_head(a->labels);
				ListCell   *lb;
				bool		subseq = true;
				bool		only_columns = true;

				foreach(lb, b->labels)
					if (la && strcmp(lfirst(la), lfirst(lb)) == 0)
						la = lnext(a->labels, la);
				if (la != NULL)
					subseq = false;
				for (int side = 0; side < 2; side++)
				{
					ListCell   *lc;

					foreach(lc, (side ? b : a)->dependants)
					{
						SvObject   *x = lfirst(lc);

						if (x->kind != SVK_COLUMN && x->parent_obj != (side ? b : a))
							only_columns = false;
					}
				}
				it->status = ST_ALTER;
				it->enum_add = subseq && only_columns;
				it->rebuild = it->enum_add ? REBUILD_NONE : REBUILD_ENUM;
			}
			else if (!same_def)
				it->status = ST_REPLACE;
			break;
		case SVK_SEQUENCE:
			if (!same_def)
			{
				if (strcmp(a->f[S_OPTIONS], b->f[S_OPTIONS]) != 0)
					alter(it, psprintf("ALTER SEQUENCE %s %s;", b->f[F_QNAME], b->f[S_OPTIONS]),
						  psprintf("ALTER SEQUENCE %s %s;", a->f[F_QNAME], a->f[S_OPTIONS]));
				if (strcmp(a->f[S_PERSIST], b->f[S_PERSIST]) != 0)
					alter(it, psprintf("ALTER SEQUENCE %s SET %s;", b->f[F_QNAME],
									   b->f[S_PERSIST][0] == 'u' ? "UNLOGGED" : "LOGGED"),
						  psprintf("ALTER SEQUENCE %s SET %s;", a->f[F_QNAME],
								   a->f[S_PERSIST][0] == 'u' ? "UNLOGGED" : "LOGGED"));
				it->status = ST_ALTER;
			}
			break;
		case SVK_EXTENSION:
			if (!same_def)
			{
				if (strcmp(a->f[E_SCHEMA], b->f[E_SCHEMA]) != 0)
					alter(it, psprintf("ALTER EXTENSION %s SET SCHEMA %s;", b->f[F_QNAME],
									   quote_identifier(b->f[E_SCHEMA])),
						  psprintf("ALTER EXTENSION %s SET SCHEMA %s;", a->f[F_QNAME],
								   quote_identifier(a->f[E_SCHEMA])));
				if (strcmp(a->f[E_VERSION], b->f[E_VERSION]) != 0)
					alter(it, psprintf("ALTER EXTENSION %s UPDATE TO %s;", b->f[F_QNAME],
									   quote_literal_cstr(b->f[E_VERSION])),
						  psprintf("ALTER EXTENSION %s UPDATE TO %s;", a->f[F_QNAME],
								   quote_literal_cstr(a->f[E_VERSION])));
				it->status = ST_ALTER;
			}
			break;
		case SVK_FUNCTION:
			if (!same_def)
			{
				if (a->f[P_KIND][0] != 'a' && strcmp(a->f[P_KIND], b->f[P_KIND]) == 0 &&
					same_text(a->f[P_RESULT], b->f[P_RESULT]) &&
					strcmp(a->f[P_ARGS], b->f[P_ARGS]) == 0)
				{
					alter(it, b->create, a->create);
					it->status = ST_ALTER;
				}
				else
					it->status = ST_REPLACE;
			}
			break;
		case SVK_CONSTRAINT:
		case SVK_DOMAIN_CONSTRAINT:
			if (!same_def)
			{
				char	   *nv = psprintf("%s NOT VALID", b->def);

				if (strcmp(a->def, nv) == 0)
				{
					alter(it, psprintf("ALTER %s %s VALIDATE CONSTRAINT %s;", b->f[K_ON],
									   b->f[F_QNAME], b->f[F_NAME]),
						  psprintf("ALTER %s %s DROP CONSTRAINT %s;\nALTER %s %s ADD CONSTRAINT %s %s;",
								   a->f[K_ON], a->f[F_QNAME], a->f[F_NAME],
								   a->f[K_ON], a->f[F_QNAME], a->f[F_NAME], a->f[K_DEF]));
					it->status = ST_ALTER;
					add_hazard(it, psprintf("blocks writes to %s while the constraint is validated%s",
											a->table ? a->table->name : a->name,
											size_note(a->table)));
				}
				else
					it->status = ST_REPLACE;
			}
			break;
		case SVK_TRIGGER:
			if (!same_def)
			{
				if (strcmp(a->f[G_DEF], b->f[G_DEF]) == 0)
				{
					char		e = b->f[G_ENABLED][0];
					char		ea = a->f[G_ENABLED][0];

					alter(it, psprintf("ALTER TABLE %s %s TRIGGER %s;", b->f[F_QNAME],
									   e == 'D' ? "DISABLE" : e == 'R' ? "ENABLE REPLICA" :
									   e == 'A' ? "ENABLE ALWAYS" : "ENABLE", b->f[F_NAME]),
						  psprintf("ALTER TABLE %s %s TRIGGER %s;", a->f[F_QNAME],
								   ea == 'D' ? "DISABLE" : ea == 'R' ? "ENABLE REPLICA" :
								   ea == 'A' ? "ENABLE ALWAYS" : "ENABLE", a->f[F_NAME]));
					it->status = ST_ALTER;
				}
				else
					it->status = ST_REPLACE;
			}
			break;
		case SVK_DEFAULT:
		case SVK_COMMENT:
		case SVK_OWNED_BY:
			if (!same_def)
			{
				alter(it, b->create, a->create);
				it->status = ST_ALTER;
			}
			break;
		case SVK_PRIVILEGES:
			if (!same_def)
			{
				const char *col = a->parent_obj->kind == SVK_COLUMN ? a->f[F_NAME] : NULL;
				const char *target = col ? psprintf("TABLE %s", a->f[F_QNAME]) : a->target;
				const char *own = quote_identifier(a->owner ? a->owner : "");

				alter(it, diff_grant_statements(target, own, col, a->acl, b->acl),
					  diff_grant_statements(target, own, col, b->acl, a->acl));
				it->status = ST_ALTER;
			}
			break;
		default:
			if (!same_def)
				it->status = ST_REPLACE;
			break;
	}
	(void) d;
}

/*
 * Whether a type change only widens: 0 no (it may lose data), 1 yes
 * without a rewrite (varchar to a longer varchar or text), 2 yes with a
 * rewrite (integer to bigint, ...).
 */
static int
type_widens(const char *from, const char *to)
{
	static const char *const wider[][2] = {
		{"smallint", "integer"}, {"smallint", "bigint"}, {"integer", "bigint"},
		{"real", "double precision"}, {"smallint", "numeric"}, {"integer", "numeric"},
		{"bigint", "numeric"},
	};
	int			n1,
				n2;

	if (strncmp(from, "character varying", 17) == 0 &&
		(strcmp(to, "text") == 0 || strcmp(to, "character varying") == 0))
		return 1;
	if (sscanf(from, "character varying(%d)", &n1) == 1 &&
		sscanf(to, "character varying(%d)", &n2) == 1 && n2 >= n1)
		return 1;
	for (size_t i = 0; i < lengthof(wider); i++)
		if (strcmp(from, wider[i][0]) == 0 && strcmp(to, wider[i][1]) == 0)
			return 2;
	return 0;
}

/* The keyword of a storage code of pg_attribute */
static const char *
storage_name(const char *code)
{
	switch (code[0])
	{
		case 'p':
			return "PLAIN";
		case 'e':
			return "EXTERNAL";
		case 'm':
			return "MAIN";
		default:
			return "EXTENDED";
	}
}

/* Alterations of a column in place; false: replace it */
static bool
alter_column(DiffItem *it)
{
	SvObject   *a = it->a;
	SvObject   *b = it->b;
	char	   *t = b->f[F_QNAME];
	char	   *c = b->f[F_NAME];
	bool		storage_done = false;

	if (!same_text(a->f[C_GENERATED], b->f[C_GENERATED]))
		return false;
	if (strcmp(a->f[C_TYPE], b->f[C_TYPE]) != 0 ||
		strcmp(a->f[C_COLLATE], b->f[C_COLLATE]) != 0)
	{
		/*
		 * A new type brings its own default storage: a storage other than
		 * the type's is set again right after the change, both ways.
		 */
		bool		b_storage = strcmp(b->f[C_STORAGE], b->f[C_TYPSTORAGE]) != 0;
		bool		a_storage = strcmp(a->f[C_STORAGE], a->f[C_TYPSTORAGE]) != 0;

		alter(it, psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::%s;%s",
						   t, c, b->f[C_TYPE], b->f[C_COLLATE], c, b->f[C_TYPE],
						   b_storage ? psprintf("\nALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;",
												t, c, storage_name(b->f[C_STORAGE])) : ""),
			  psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::%s;%s",
					   t, c, a->f[C_TYPE], a->f[C_COLLATE], c, a->f[C_TYPE],
					   a_storage ? psprintf("\nALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;",
											t, c, storage_name(a->f[C_STORAGE])) : ""));
		storage_done = true;
		if (strcmp(a->f[C_TYPE], b->f[C_TYPE]) != 0)
		{
			int			w = type_widens(a->f[C_TYPE], b->f[C_TYPE]);

			if (w == 0)
				add_hazard(it, psprintf("rewrites table %s%s; may lose data or fail: changes column %s from %s to %s",
										a->table->name, size_note(a->table), a->name,
										a->f[C_TYPE], b->f[C_TYPE]));
			else if (w == 2)
				add_hazard(it, psprintf("rewrites table %s%s", a->table->name, size_note(a->table)));
		}
		it->rebuild = REBUILD_COLUMN;
	}
	if (strcmp(a->f[C_IDENTITY], b->f[C_IDENTITY]) != 0 ||
		strcmp(a->f[C_IDOPTS], b->f[C_IDOPTS]) != 0)
	{
		char	   *drop_a = psprintf("ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;", t, c);
		char	   *add_b = psprintf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY (%s);",
									 t, c, b->f[C_IDENTITY][0] == 'a' ? "ALWAYS" : "BY DEFAULT", b->f[C_IDOPTS]);
		char	   *add_a = psprintf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY (%s);",
									 t, c, a->f[C_IDENTITY][0] == 'a' ? "ALWAYS" : "BY DEFAULT", a->f[C_IDOPTS]);

		if (a->f[C_IDENTITY][0] && b->f[C_IDENTITY][0] &&
			strcmp(a->f[C_IDOPTS], b->f[C_IDOPTS]) == 0)
			alter(it, psprintf("ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;", t, c,
							   b->f[C_IDENTITY][0] == 'a' ? "ALWAYS" : "BY DEFAULT"),
				  psprintf("ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;", t, c,
						   a->f[C_IDENTITY][0] == 'a' ? "ALWAYS" : "BY DEFAULT"));
		else if (a->f[C_IDENTITY][0] && b->f[C_IDENTITY][0])
		{
			alter(it, psprintf("%s\n%s", drop_a, add_b), psprintf("%s\n%s", drop_a, add_a));
			add_hazard(it, psprintf("restarts the identity sequence of %s", b->name));
		}
		else if (b->f[C_IDENTITY][0])
			alter(it, add_b, drop_a);
		else
			alter(it, drop_a, add_a);
	}
	if (strcmp(a->f[C_NOTNULL], b->f[C_NOTNULL]) != 0)
	{
		bool		set = b->f[C_NOTNULL][0] == 't';

		alter(it, psprintf("ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", t, c, set ? "SET" : "DROP"),
			  psprintf("ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", t, c, set ? "DROP" : "SET"));
		if (set)
			add_hazard(it, psprintf("blocks writes to %s while it checks %s for NULLs%s; fails if it has any",
									a->table->name, a->name, size_note(a->table)));
	}
	if (strcmp(a->f[C_STATS], b->f[C_STATS]) != 0)
		alter(it, psprintf("ALTER TABLE %s ALTER COLUMN %s SET STATISTICS %s;", t, c, b->f[C_STATS]),
			  psprintf("ALTER TABLE %s ALTER COLUMN %s SET STATISTICS %s;", t, c, a->f[C_STATS]));
	if (!storage_done && strcmp(a->f[C_STORAGE], b->f[C_STORAGE]) != 0)
		alter(it, psprintf("ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;", t, c, storage_name(b->f[C_STORAGE])),
			  psprintf("ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;", t, c, storage_name(a->f[C_STORAGE])));
	if (strcmp(a->f[C_COMPRESSION], b->f[C_COMPRESSION]) != 0)
		alter(it, psprintf("ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s;", t, c,
						   b->f[C_COMPRESSION][0] == 'l' ? "lz4" : b->f[C_COMPRESSION][0] == 'p' ? "pglz" : "DEFAULT"),
			  psprintf("ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s;", t, c,
					   a->f[C_COMPRESSION][0] == 'l' ? "lz4" : a->f[C_COMPRESSION][0] == 'p' ? "pglz" : "DEFAULT"));
	if (strcmp(a->f[C_OPTIONS], b->f[C_OPTIONS]) != 0)
		return false;
	it->status = it->up ? ST_ALTER : ST_SAME;
	return true;
}

/* "k1, k2" of a "k1=v1, k2=v2" option list */
static char *
option_keys(const char *opts)
{
	StringInfoData buf;
	const char *p = opts;

	initStringInfo(&buf);
	while (*p)
	{
		const char *eq = strchr(p, '=');
		const char *next;

		if (eq == NULL)
			break;
		appendStringInfo(&buf, "%s%.*s", buf.len ? ", " : "", (int) (eq - p), p);
		next = strstr(eq, ", ");
		if (next == NULL)
			break;
		p = next + 2;
	}
	return buf.data;
}

/* Alterations of a table in place (its def is the same) */
static bool
alter_table(DiffItem *it)
{
	SvObject   *a = it->a;
	SvObject   *b = it->b;
	char	   *t = b->f[F_QNAME];

	if (strcmp(a->f[T_PERSIST], b->f[T_PERSIST]) != 0)
	{
		alter(it, psprintf("ALTER TABLE %s SET %s;", t, b->f[T_PERSIST][0] == 'u' ? "UNLOGGED" : "LOGGED"),
			  psprintf("ALTER TABLE %s SET %s;", t, a->f[T_PERSIST][0] == 'u' ? "UNLOGGED" : "LOGGED"));
		add_hazard(it, psprintf("rewrites table %s%s", a->name, size_note(a)));
	}
	if (!same_text(a->f[T_OPTIONS], b->f[T_OPTIONS]))
	{
		StringInfoData up,
					down;

		initStringInfo(&up);
		initStringInfo(&down);
		if (a->f[T_OPTIONS])
			appendStringInfo(&up, "ALTER TABLE %s RESET (%s);", t, option_keys(a->f[T_OPTIONS]));
		if (b->f[T_OPTIONS])
			appendStringInfo(&up, "%sALTER TABLE %s SET (%s);", up.len ? "\n" : "", t, b->f[T_OPTIONS]);
		if (b->f[T_OPTIONS])
			appendStringInfo(&down, "ALTER TABLE %s RESET (%s);", t, option_keys(b->f[T_OPTIONS]));
		if (a->f[T_OPTIONS])
			appendStringInfo(&down, "%sALTER TABLE %s SET (%s);", down.len ? "\n" : "", t, a->f[T_OPTIONS]);
		alter(it, up.data, down.data);
	}
	if (strcmp(a->f[T_RLS], b->f[T_RLS]) != 0)
		alter(it, psprintf("ALTER TABLE %s %s ROW LEVEL SECURITY;", t, b->f[T_RLS][0] == 't' ? "ENABLE" : "DISABLE"),
			  psprintf("ALTER TABLE %s %s ROW LEVEL SECURITY;", t, a->f[T_RLS][0] == 't' ? "ENABLE" : "DISABLE"));
	if (strcmp(a->f[T_FORCE], b->f[T_FORCE]) != 0)
		alter(it, psprintf("ALTER TABLE %s %sFORCE ROW LEVEL SECURITY;", t, b->f[T_FORCE][0] == 't' ? "" : "NO "),
			  psprintf("ALTER TABLE %s %sFORCE ROW LEVEL SECURITY;", t, a->f[T_FORCE][0] == 't' ? "" : "NO "));
	if (!same_text(a->f[T_PARTOF], b->f[T_PARTOF]) || !same_text(a->f[T_BOUND], b->f[T_BOUND]))
	{
		alter(it, psprintf("ALTER TABLE %s DETACH PARTITION %s;\nALTER TABLE %s ATTACH PARTITION %s %s;",
						   a->f[T_PARTOF], t, b->f[T_PARTOF], t, b->f[T_BOUND]),
			  psprintf("ALTER TABLE %s DETACH PARTITION %s;\nALTER TABLE %s ATTACH PARTITION %s %s;",
					   b->f[T_PARTOF], t, a->f[T_PARTOF], t, a->f[T_BOUND]));
		add_hazard(it, psprintf("scans partition %s to check its bound%s", a->name, size_note(a)));
	}
	if (it->up)
		it->status = ST_ALTER;
	return true;
}

/*
 * Replace the dependants (in the live schema) of the objects that are
 * dropped or replaced, and of columns and enum types whose change cannot
 * keep them, transitively.
 */
static void
cascade(Diff *d)
{
	List	   *work = NIL;

	for (int i = 0; i < d->nitems; i++)
	{
		DiffItem   *it = &d->items[i];

		if (it->a && (has_drop(it) || it->rebuild != REBUILD_NONE))
			work = lappend(work, it);
	}
	while (work != NIL)
	{
		DiffItem   *it = linitial(work);
		ListCell   *lc;

		work = list_delete_first(work);
		foreach(lc, it->a->dependants)
		{
			SvObject   *y = lfirst(lc);
			DiffItem   *iy = item_of(d, y);
			bool		rebuild;

			if (iy->status != ST_SAME && iy->status != ST_ALTER)
				continue;
			if (has_drop(it))
				/*
				 * a column whose type changes, or a default set anew, stops
				 * depending on an object that goes away
				 */
				rebuild = !(it->b == NULL && iy->status == ST_ALTER &&
							((y->kind == SVK_COLUMN && iy->rebuild == REBUILD_COLUMN) ||
							 y->kind == SVK_DEFAULT));
			else if (it->rebuild == REBUILD_COLUMN)
				rebuild = (y->kind == SVK_VIEW || y->kind == SVK_RULE ||
						   y->kind == SVK_FUNCTION || y->kind == SVK_POLICY ||
						   y->kind == SVK_TRIGGER || y->kind == SVK_DEFAULT ||
						   (y->kind == SVK_COLUMN && y->f[C_GENERATED] != NULL));
			else
				rebuild = !(y->kind == SVK_COLUMN || y->kind == SVK_INDEX ||
							y->kind == SVK_CONSTRAINT || y->parent_obj == it->a);
			if (!rebuild)
				continue;
			if (iy->b == NULL)
				iy->status = ST_DROP;
			else
			{
				iy->status = ST_REPLACE;
				iy->up = NIL;
				iy->down = NIL;
				iy->hazard = NULL;
				iy->rebuild = REBUILD_NONE;
			}
			work = lappend(work, iy);
		}
	}
}

/*
 * Whether a default can be written inside its column's definition: none
 * of what it uses (other than its own table) depends on that table.
 */
static bool
default_inline_ok(SvObject *def)
{
	SvObject   *table = def->table;
	ListCell   *lc,
			   *lc2;

	foreach(lc, def->deps)
	{
		SvObject   *x = lfirst(lc);

		if (x == def->parent_obj || x == table || x->parent_obj == table)
			continue;
		foreach(lc2, x->deps)
		{
			SvObject   *y = lfirst(lc2);

			if (y == table || y->parent_obj == table)
				return false;
		}
	}
	return true;
}

/* The default of a column, if it can be written inline */
static SvObject *
merged_default(SvObject *column)
{
	ListCell   *lc;

	foreach(lc, column->dependants)
	{
		SvObject   *x = lfirst(lc);

		if (x->kind == SVK_DEFAULT && x->parent_obj == column)
			return default_inline_ok(x) ? x : NULL;
	}
	return NULL;
}

/* A column as written in CREATE TABLE or ADD COLUMN */
static char *
column_clause(SvObject *c, bool with_default)
{
	StringInfoData buf;
	SvObject   *def = with_default ? merged_default(c) : NULL;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s%s", c->f[F_NAME], c->f[C_TYPE], c->f[C_COLLATE]);
	if (c->f[C_GENERATED])
		appendStringInfo(&buf, " GENERATED ALWAYS AS (%s) %s", c->f[C_GENERATED],
						 c->f[C_GENKIND][0] == 'v' ? "VIRTUAL" : "STORED");
	if (c->f[C_IDENTITY][0])
		appendStringInfo(&buf, " GENERATED %s AS IDENTITY (%s)",
						 c->f[C_IDENTITY][0] == 'a' ? "ALWAYS" : "BY DEFAULT", c->f[C_IDOPTS]);
	if (def)
		appendStringInfo(&buf, " DEFAULT %s", def->f[D_EXPR]);
	if (c->f[C_NOTNULL][0] == 't')
		appendStringInfoString(&buf, " NOT NULL");
	return buf.data;
}

/* Column settings that CREATE TABLE cannot write */
static char *
column_extras(SvObject *c)
{
	StringInfoData buf;
	char	   *t = c->f[F_QNAME];

	initStringInfo(&buf);
	if (strcmp(c->f[C_STATS], "-1") != 0)
		appendStringInfo(&buf, "\nALTER TABLE %s ALTER COLUMN %s SET STATISTICS %s;", t, c->f[F_NAME], c->f[C_STATS]);
	if (strcmp(c->f[C_STORAGE], c->f[C_TYPSTORAGE]) != 0)
		appendStringInfo(&buf, "\nALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;", t, c->f[F_NAME],
						 storage_name(c->f[C_STORAGE]));
	if (c->f[C_COMPRESSION][0])
		appendStringInfo(&buf, "\nALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s;", t, c->f[F_NAME],
						 c->f[C_COMPRESSION][0] == 'l' ? "lz4" : "pglz");
	if (c->f[C_OPTIONS][0])
		appendStringInfo(&buf, "\nALTER TABLE %s ALTER COLUMN %s SET (%s);", t, c->f[F_NAME], c->f[C_OPTIONS]);
	return buf.data;
}

/* CREATE TABLE with its columns and their inline defaults */
static char *
table_create(SvObject *t, bool with_children)
{
	StringInfoData buf;
	StringInfoData extras;
	ListCell   *lc;
	int			ncols = 0;

	initStringInfo(&buf);
	initStringInfo(&extras);
	appendStringInfo(&buf, "CREATE %sTABLE %s", t->f[T_PERSIST][0] == 'u' ? "UNLOGGED " : "",
					 t->f[F_QNAME]);
	if (t->f[T_PARTOF])
		appendStringInfo(&buf, " PARTITION OF %s %s", t->f[T_PARTOF], t->f[T_BOUND]);
	else
	{
		appendStringInfoString(&buf, " (");
		foreach(lc, t->dependants)
		{
			SvObject   *c = lfirst(lc);

			if (c->kind != SVK_COLUMN || c->parent_obj != t || !with_children)
				continue;
			appendStringInfo(&buf, "%s\n    %s", ncols++ ? "," : "", column_clause(c, true));
			appendStringInfoString(&extras, column_extras(c));
		}
		appendStringInfoString(&buf, ncols ? "\n)" : ")");
		if (t->f[T_INHERITS])
			appendStringInfo(&buf, " INHERITS (%s)", t->f[T_INHERITS]);
	}
	if (t->f[T_PARTKEY])
		appendStringInfo(&buf, " PARTITION BY %s", t->f[T_PARTKEY]);
	if (t->f[T_AM])
		appendStringInfo(&buf, " USING %s", t->f[T_AM]);
	if (t->f[T_OPTIONS])
		appendStringInfo(&buf, " WITH (%s)", t->f[T_OPTIONS]);
	appendStringInfoChar(&buf, ';');
	if (t->f[T_RLS][0] == 't')
		appendStringInfo(&buf, "\nALTER TABLE %s ENABLE ROW LEVEL SECURITY;", t->f[F_QNAME]);
	if (t->f[T_FORCE][0] == 't')
		appendStringInfo(&buf, "\nALTER TABLE %s FORCE ROW LEVEL SECURITY;", t->f[F_QNAME]);
	appendStringInfoString(&buf, extras.data);
	return buf.data;
}

/*
 * Statements that recreate an enum type with other labels, converting the
 * given columns (which have the type or an array of it) through text.
 */
static char *
enum_recreate(SvObject *type, List *labels, List *columns)
{
	StringInfoData buf;
	char	   *old = psprintf("%.40s_schemaver_old", type->f[Y_NAME]);
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "ALTER TYPE %s RENAME TO %s;\nCREATE TYPE %s AS ENUM (",
					 type->f[F_QNAME], quote_identifier(old), type->f[F_QNAME]);
	foreach(lc, labels)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_literal_cstr(lfirst(lc)));
	appendStringInfoString(&buf, ");");
	foreach(lc, columns)
	{
		SvObject   *c = lfirst(lc);
		bool		array = strcmp(c->f[C_TYPE], type->f[Y_FMT]) != 0;

		appendStringInfo(&buf, "\nALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::text%s::%s%s;",
						 c->f[F_QNAME], c->f[F_NAME], type->f[F_QNAME], array ? "[]" : "",
						 c->f[F_NAME], array ? "[]" : "", type->f[F_QNAME], array ? "[]" : "");
	}
	appendStringInfo(&buf, "\nDROP TYPE %s;", quote_qualified_identifier(type->f[Y_NSP], old));
	return buf.data;
}

/* Make a node */
static int
new_node(Diff *d, NodeKind kind, DiffItem *it)
{
	DNode	   *n = &d->nodes[d->nnodes];

	n->kind = kind;
	n->item = it;
	n->rep = d->nnodes;
	n->succ = NIL;
	n->npred = 0;
	n->done = false;
	n->prio = (int64) (kind == N_DROP ? 0 : 1) * (d->nitems + 1) + it->order;
	return d->nnodes++;
}

/* The node a node is merged into */
static int
rep(Diff *d, int n)
{
	while (n >= 0 && d->nodes[n].rep != n)
		n = d->nodes[n].rep;
	return n;
}

/* An ordering edge between the representatives of two nodes */
static void
add_edge(Diff *d, int from, int to)
{
	from = rep(d, from);
	to = rep(d, to);
	if (from < 0 || to < 0 || from == to)
		return;
	d->nodes[from].succ = lappend_int(d->nodes[from].succ, to);
	d->nodes[to].npred++;
}

/* The node an object's change is done by, for ordering against a dependant */
static int
change_node(DiffItem *it, bool live_side)
{
	if (live_side)
		return it->node_drop >= 0 ? it->node_drop : it->node_alter;
	return it->node_create >= 0 ? it->node_create : it->node_alter;
}

/*
 * Make the nodes of every change, merge columns into new tables and
 * defaults into new columns, and add the ordering edges.
 */
static void
build_nodes(Diff *d)
{
	d->nodes = palloc0(sizeof(DNode) * (d->nitems * 2 + 1));
	d->nnodes = 0;
	for (int i = 0; i < d->nitems; i++)
	{
		DiffItem   *it = &d->items[i];

		it->node_drop = it->node_create = it->node_alter = -1;
		if (has_drop(it))
			it->node_drop = new_node(d, N_DROP, it);
		if (has_create(it))
			it->node_create = new_node(d, N_CREATE, it);
		if (it->status == ST_ALTER)
			it->node_alter = new_node(d, N_ALTER, it);
	}

	/* merges, parents first (columns come after their tables in the items) */
	for (int i = 0; i < d->nitems; i++)
	{
		DiffItem   *it = &d->items[i];
		DiffItem   *ip;

		if (it->node_create >= 0 && (it->b->kind == SVK_COLUMN || it->b->kind == SVK_DEFAULT))
		{
			ip = item_of(d, it->b->parent_obj);
			if (ip->node_create >= 0 &&
				(it->b->kind == SVK_COLUMN || merged_default(it->b->parent_obj) == it->b))
				d->nodes[it->node_create].rep = ip->node_create;
		}
		if (it->node_drop >= 0 && (it->a->kind == SVK_COLUMN || it->a->kind == SVK_DEFAULT))
		{
			ip = item_of(d, it->a->parent_obj);
			if (ip->node_drop >= 0 &&
				(it->a->kind == SVK_COLUMN || merged_default(it->a->parent_obj) == it->a))
				d->nodes[it->node_drop].rep = ip->node_drop;
		}
	}

	for (int i = 0; i < d->nitems; i++)
	{
		DiffItem   *it = &d->items[i];
		ListCell   *lc;

		if (it->node_drop >= 0 && it->node_create >= 0)
			add_edge(d, it->node_drop, it->node_create);
		/* live side: dependants' drops and alterations before ours */
		if (it->a && (it->node_drop >= 0 || it->node_alter >= 0))
		{
			foreach(lc, it->a->deps)
			{
				DiffItem   *ix = item_of(d, lfirst(lc));

				if (it->node_drop >= 0 && ix->node_drop >= 0)
					add_edge(d, it->node_drop, ix->node_drop);
				else if (it->node_drop >= 0 && ix->node_alter >= 0)
					add_edge(d, it->node_drop, ix->node_alter);
				else if (it->node_alter >= 0 && ix->node_drop >= 0)
					add_edge(d, it->node_alter, ix->node_drop);
				else if (it->node_alter >= 0 && ix->node_alter >= 0)
					add_edge(d, ix->node_alter, it->node_alter);
			}
		}
		/* desired side: what we need created or altered first */
		if (it->b && (it->node_create >= 0 || it->node_alter >= 0))
		{
			int			self = it->node_create >= 0 ? it->node_create : it->node_alter;

			foreach(lc, it->b->deps)
			{
				DiffItem   *ix = item_of(d, lfirst(lc));
				int			other = change_node(ix, false);

				if (other >= 0 && other != ix->node_drop)
					add_edge(d, other, self);
			}
		}
	}
}

/* binaryheap comparator: the lower priority comes out first */
static int
node_cmp(Datum a, Datum b, void *arg)
{
	Diff	   *d = (Diff *) arg;
	int64		pa = d->nodes[DatumGetInt32(a)].prio;
	int64		pb = d->nodes[DatumGetInt32(b)].prio;

	return pa < pb ? 1 : pa > pb ? -1 : 0;
}

/*
 * Kahn's algorithm over the representative nodes.  Should a cycle remain
 * (two objects each needing the other, which the merges avoid), the
 * lowest-priority waiting node goes next.
 */
static List *
order_nodes(Diff *d)
{
	binaryheap *heap = binaryheap_allocate(Max(d->nnodes, 1), node_cmp, d);
	List	   *result = NIL;
	int			left = 0;

	for (int i = 0; i < d->nnodes; i++)
		if (d->nodes[i].rep == i)
		{
			left++;
			if (d->nodes[i].npred == 0)
				binaryheap_add_unordered(heap, Int32GetDatum(i));
		}
	binaryheap_build(heap);
	while (left > 0)
	{
		int			n;
		ListCell   *lc;

		if (binaryheap_empty(heap))
		{
			int			best = -1;

			for (int i = 0; i < d->nnodes; i++)
				if (d->nodes[i].rep == i && !d->nodes[i].done &&
					(best < 0 || d->nodes[i].prio < d->nodes[best].prio))
					best = i;
			d->nodes[best].npred = 0;
			binaryheap_add(heap, Int32GetDatum(best));
		}
		n = DatumGetInt32(binaryheap_remove_first(heap));
		if (d->nodes[n].done)
			continue;
		d->nodes[n].done = true;
		left--;
		result = lappend_int(result, n);
		foreach(lc, d->nodes[n].succ)
		{
			int			s = lfirst_int(lc);

			if (--d->nodes[s].npred == 0 && !d->nodes[s].done)
				binaryheap_add(heap, Int32GetDatum(s));
		}
	}
	return result;
}

/* The statement that creates an object, merged children included */
static char *
create_text(Diff *d, SvObject *o, bool live_side)
{
	switch (o->kind)
	{
		case SVK_TABLE:
			return table_create(o, true);
		case SVK_COLUMN:
			return psprintf("ALTER TABLE %s ADD COLUMN %s;%s", o->f[F_QNAME],
							column_clause(o, true), column_extras(o));
		case SVK_PRIVILEGES:
			{
				const char *col = o->parent_obj->kind == SVK_COLUMN ? o->f[F_NAME] : NULL;

				return diff_grant_statements(col ? psprintf("TABLE %s", o->f[F_QNAME]) : o->target,
											 live_side ? quote_identifier(o->owner ? o->owner : "")
											 : owner_sql(d, o),
											 col, o->labels, o->acl);
			}
		default:
			return o->create;
	}
}

/* The statement that drops an object */
static char *
drop_text(Diff *d, SvObject *o, bool live_side)
{
	if (o->kind == SVK_PRIVILEGES)
	{
		const char *col = o->parent_obj->kind == SVK_COLUMN ? o->f[F_NAME] : NULL;

		return diff_grant_statements(col ? psprintf("TABLE %s", o->f[F_QNAME]) : o->target,
									 live_side ? quote_identifier(o->owner ? o->owner : "")
									 : owner_sql(d, o),
									 col, o->acl, o->labels);
	}
	return o->drop;
}

/* The hazard of dropping a live object */
static char *
drop_hazard(Diff *d, SvObject *a)
{
	switch (a->kind)
	{
		case SVK_TABLE:
			return psprintf("data loss: drops table %s%s", a->name, size_note(a));
		case SVK_COLUMN:
			{
				char	   *h = psprintf("data loss: drops column %s%s", a->name, size_note(a->table));
				DiffItem   *it = item_of(d, a);
				ListCell   *lc;

				/* a new column of the same type beside it: maybe a rename */
				if (it->b == NULL)
				{
					SvObject   *tb = describe_find(d->b, a->table->ident);

					if (tb)
						foreach(lc, tb->dependants)
						{
							SvObject   *c = lfirst(lc);

							if (c->kind == SVK_COLUMN && c->parent_obj == tb &&
								item_of(d, c)->a == NULL &&
								strcmp(c->f[C_TYPE], a->f[C_TYPE]) == 0)
							{
								h = psprintf("%s; if this is a rename, write ALTER TABLE %s RENAME COLUMN %s TO %s",
											 h, a->f[F_QNAME], a->f[F_NAME], c->f[F_NAME]);
								break;
							}
						}
				}
				return h;
			}
		case SVK_VIEW:
			if (a->f[V_RELKIND][0] == 'm')
				return psprintf("drops materialized view %s and its data", a->name);
			return NULL;
		case SVK_SEQUENCE:
			return psprintf("drops sequence %s and its current value", a->name);
		case SVK_TYPE:
			return NULL;
		case SVK_EXTENSION:
			return psprintf("drops extension %s and everything it created", a->name);
		default:
			return NULL;
	}
}

/* The hazard of creating an object on a live table */
static char *
create_hazard(Diff *d, SvObject *b)
{
	SvObject   *ta = b->table ? describe_find(d->a, b->table->ident) : NULL;
	DiffItem   *itt = ta ? item_of(d, ta) : NULL;

	/* a table this diff creates is empty */
	if (ta == NULL || has_create(itt))
		return NULL;
	switch (b->kind)
	{
		case SVK_INDEX:
			return psprintf("blocks writes to %s while the index builds%s", ta->name, size_note(ta));
		case SVK_CONSTRAINT:
			if (strstr(b->def, "NOT VALID") != NULL && b->f[K_TYPE][0] != 'p' &&
				b->f[K_TYPE][0] != 'u' && b->f[K_TYPE][0] != 'x')
				return NULL;
			if (b->f[K_TYPE][0] == 'f' || b->f[K_TYPE][0] == 'c')
				return psprintf("blocks writes to %s while the constraint is validated%s; consider NOT VALID, then VALIDATE CONSTRAINT",
								ta->name, size_note(ta));
			return psprintf("blocks writes to %s while the index builds%s", ta->name, size_note(ta));
		case SVK_COLUMN:
			if (b->f[C_NOTNULL][0] == 't' && merged_default(b) == NULL &&
				!b->f[C_IDENTITY][0] && !b->f[C_GENERATED])
				return psprintf("fails if %s has rows: NOT NULL column %s has no default%s",
								ta->name, b->name, size_note(ta));
			if (b->f[C_GENERATED] || b->f[C_IDENTITY][0])
				return psprintf("rewrites table %s%s", ta->name, size_note(ta));
			return NULL;
		default:
			return NULL;
	}
}

/* "-- dropped with table public.t" */
static char *
with_parent(SvObject *o, const char *verb)
{
	SvObject   *p = o->parent_obj;

	return psprintf("-- %s with %s %s", verb, p->kind_name, describe_escape(p->name));
}

/*
 * Whether an object goes with its parent without a statement of its own:
 * it needs nothing but its parent and the parent's other parts (a primary
 * key, an index on the table's columns), so that dropping the parent
 * drops it and nothing has to be dropped before it.  A foreign key, an
 * index on an expression with a function of the schema, a trigger that
 * calls a function: those are dropped on their own.
 */
static bool
internal_to_parent(SvObject *o)
{
	SvObject   *p = o->parent_obj;
	ListCell   *lc;

	if (p == NULL)
		return false;
	foreach(lc, o->deps)
	{
		SvObject   *x = lfirst(lc);

		if (x != p && x->parent_obj != p)
			return false;
	}
	return true;
}

/* list_sort comparator of objects: by identity */
static int
object_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((SvObject *) lfirst(a))->ident, ((SvObject *) lfirst(b))->ident);
}

/* The row of one ordered node */
static SvDiffRow *
node_row(Diff *d, DNode *n)
{
	SvDiffRow  *row = palloc0(sizeof(SvDiffRow));
	DiffItem   *it = n->item;
	SvObject   *o = n->kind == N_DROP ? it->a : it->b;

	row->kind = o->kind_name;
	row->object = o->name;
	switch (n->kind)
	{
		case N_DROP:
			{
				DiffItem   *ip = item_of(d, o->parent_obj);

				if (ip && ip->node_drop >= 0 && internal_to_parent(o))
					row->upgrade = with_parent(o, "dropped");
				else
				{
					row->upgrade = drop_text(d, o, true);
					row->hazard = drop_hazard(d, o);
				}
				row->downgrade = create_text(d, o, true);
			}
			break;
		case N_CREATE:
			{
				DiffItem   *ip = item_of(d, o->parent_obj);

				row->upgrade = create_text(d, o, false);
				if (ip && ip->node_create >= 0 && internal_to_parent(o))
					row->downgrade = with_parent(o, "dropped");
				else
				{
					row->downgrade = drop_text(d, o, false);
					row->hazard = create_hazard(d, o);
				}
			}
			break;
		case N_ALTER:
			if (o->kind == SVK_TYPE && o->f[Y_TYPTYPE][0] == 'e')
			{
				List	   *cols = NIL;
				ListCell   *lc;
				StringInfoData up;

				/* the live columns of the type that are still there */
				foreach(lc, it->a->dependants)
				{
					SvObject   *c = lfirst(lc);
					DiffItem   *ic = item_of(d, c);

					if (c->kind == SVK_COLUMN && !has_drop(ic))
						cols = lappend(cols, c);
				}
				list_sort(cols, object_cmp);
				if (it->enum_add)
				{
					ListCell   *lb;
					const char *prev = NULL;

					initStringInfo(&up);
					foreach(lb, it->b->labels)
					{
						bool		old = false;
						ListCell   *la;

						foreach(la, it->a->labels)
							if (strcmp(lfirst(la), lfirst(lb)) == 0)
								old = true;
						if (!old)
						{
							if (prev)
								appendStringInfo(&up, "%sALTER TYPE %s ADD VALUE %s AFTER %s;",
												 up.len ? "\n" : "", o->f[F_QNAME],
												 quote_literal_cstr(lfirst(lb)), quote_literal_cstr(prev));
							else
								appendStringInfo(&up, "%sALTER TYPE %s ADD VALUE %s BEFORE %s;",
												 up.len ? "\n" : "", o->f[F_QNAME],
												 quote_literal_cstr(lfirst(lb)),
												 quote_literal_cstr(linitial(it->a->labels)));
						}
						prev = lfirst(lb);
					}
					row->upgrade = up.data;
					row->downgrade = enum_recreate(it->a, it->a->labels, cols);
					row->hazard = cols ? psprintf("downgrade rewrites the tables that use %s and fails if a removed value is in use", o->name) : NULL;
				}
				else
				{
					row->upgrade = enum_recreate(it->b, it->b->labels, cols);
					row->downgrade = enum_recreate(it->a, it->a->labels, cols);
					if (cols)
						row->hazard = psprintf("rewrites the tables that use %s; fails if a removed value is in use", o->name);
				}
			}
			else
			{
				StringInfoData up,
							down;
				ListCell   *lc;

				initStringInfo(&up);
				initStringInfo(&down);
				foreach(lc, it->up)
					appendStringInfo(&up, "%s%s", up.len ? "\n" : "", (char *) lfirst(lc));
				foreach(lc, it->down)
					appendStringInfo(&down, "%s%s", down.len ? "\n" : "", (char *) lfirst(lc));
				row->upgrade = up.data;
				row->downgrade = down.data;
				row->hazard = it->hazard;
			}
			break;
	}
	return row;
}

/* Whether the parts of a table that are altered in place differ */
static bool
table_parts_differ(SvObject *a, SvObject *b)
{
	static const int parts[] = {T_PERSIST, T_OPTIONS, T_RLS, T_FORCE, T_PARTOF, T_BOUND};

	for (size_t i = 0; i < lengthof(parts); i++)
		if (!same_text(a->f[parts[i]], b->f[parts[i]]))
			return true;
	return false;
}

/*
 * Read the sizes of the live tables that the diff touches (only those:
 * reading a size opens the table and its indexes).  Before the
 * comparison (before_compare), the items whose definitions differ or that
 * exist on one side only; after the cascade, the items it changed too.
 */
static void
fetch_sizes(Diff *d, bool before_compare)
{
	List	   *tables = NIL;

	for (int i = 0; i < d->nitems; i++)
	{
		DiffItem   *it = &d->items[i];
		SvObject   *t;

		if (before_compare ? (it->a && it->b && same_text(it->a->def, it->b->def) &&
							  (it->a->kind != SVK_TABLE || !table_parts_differ(it->a, it->b)))
			: it->status == ST_SAME)
			continue;
		t = it->a ? (it->a->kind == SVK_TABLE ? it->a : it->a->table)
			: (it->b->table ? describe_find(d->a, it->b->table->ident) : NULL);
		if (t && t->kind == SVK_TABLE && t->relbytes == -1 && !list_member_ptr(tables, t))
			tables = lappend(tables, t);
	}
	describe_table_sizes(tables);
}

/* qsort comparator of items: by kind, then identity */
static int
item_cmp(const void *x, const void *y)
{
	const DiffItem *a = *(DiffItem *const *) x;
	const DiffItem *b = *(DiffItem *const *) y;
	SvObject   *oa = a->a ? a->a : a->b;
	SvObject   *ob = b->a ? b->a : b->b;

	if (kind_rank[oa->kind] != kind_rank[ob->kind])
		return kind_rank[oa->kind] - kind_rank[ob->kind];
	/* new columns of one table in the desired table's order */
	if (oa->kind == SVK_COLUMN && a->b && b->b && oa->parent && ob->parent &&
		strcmp(oa->parent, ob->parent) == 0)
		return a->b->seq - b->b->seq;
	return strcmp(oa->ident, ob->ident);
}

/*
 * diff_descriptions
 *		The rows (SvDiffRow *) that turn description a (live) into b
 *		(desired), in the order the upgrade runs them.  No rows: equal.
 */
List *
diff_descriptions(SvDescription *a, SvDescription *b)
{
	Diff		d;
	ListCell   *lc;
	DiffItem	  **sorted;
	List	   *order;
	List	   *rows = NIL;

	d.a = a;
	d.b = b;
	d.items = palloc0(sizeof(DiffItem) * (list_length(a->objects) + list_length(b->objects) + 1));
	d.nitems = 0;
	foreach(lc, a->objects)
	{
		SvObject   *o = lfirst(lc);

		o->action = d.nitems;
		d.items[d.nitems++].a = o;
	}
	foreach(lc, b->objects)
	{
		SvObject   *o = lfirst(lc);
		SvObject   *m = describe_find(a, o->ident);

		if (m)
		{
			o->action = m->action;
			d.items[m->action].b = o;
		}
		else
		{
			o->action = d.nitems;
			d.items[d.nitems++].b = o;
		}
	}

	/* a stable order: kind, then identity */
	sorted = palloc(sizeof(DiffItem *) * Max(d.nitems, 1));
	for (int i = 0; i < d.nitems; i++)
		sorted[i] = &d.items[i];
	qsort(sorted, d.nitems, sizeof(DiffItem *), item_cmp);
	for (int i = 0; i < d.nitems; i++)
		sorted[i]->order = i;

	/* the sizes of the live tables whose objects differ, for hazards */
	fetch_sizes(&d, true);
	for (int i = 0; i < d.nitems; i++)
	{
		DiffItem   *it = &d.items[i];

		if (it->a && it->b)
			compare_item(&d, it);
		else
			it->status = it->a ? ST_DROP : ST_CREATE;
	}
	cascade(&d);
	/* and of the tables the cascade touched */
	fetch_sizes(&d, false);
	build_nodes(&d);
	order = order_nodes(&d);
	foreach(lc, order)
	{
		SvDiffRow  *row = node_row(&d, &d.nodes[lfirst_int(lc)]);

		if (row->upgrade == NULL || row->upgrade[0] == '\0')
			continue;
		rows = lappend(rows, row);
	}
	return rows;
}
