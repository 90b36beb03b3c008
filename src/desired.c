/*-------------------------------------------------------------------------
 *
 * desired.c
 *	  Building the desired schema in a throw-away subtransaction, and
 *	  describing it beside the live one.
 *
 * The desired text (a hand-kept schema.sql, or pg_dump --schema-only of a
 * prototype database) creates the managed schemas as they should be.  To
 * run it without touching the live objects, and so that qualified and
 * unqualified names alike land in the copy, desired_describe():
 *
 *	1. checks the text: psql's \restrict and \unrestrict lines (which recent
 *	   pg_dump writes) are blanked, the rest is split into statements by
 *	   the server's own parser, and statements that have no place in a
 *	   schema definition (transaction control, COPY, PREPARE, LISTEN, ...)
 *	   are refused before anything runs;
 *	2. describes the live schemas (before any rename: a definition printed
 *	   after it would name the renamed schema), in a subtransaction of its
 *	   own that is rolled back, so that even the locks taken while reading
 *	   are gone;
 *	3. opens another subtransaction, renames each live managed schema
 *	   out of the way, creates a fresh one under the real name (unless the
 *	   text creates it itself) carrying the live schema's comment and
 *	   privileges, and moves the extensions of the live schema into it;
 *	4. runs the text statement by statement under the revision guard
 *	   (guard.c), with an error context that names the statement;
 *	5. describes the desired schemas, and rolls the subtransaction back:
 *	   no object, schema, lock or setting of it remains, and no other
 *	   session ever saw any of it.
 *
 * Owner statements (ALTER ... OWNER TO) are skipped: owners are not
 * compared, and the roles of a prototype database need not exist here.  So
 * are CREATE EXTENSION schemaver and COMMENT ON EXTENSION schemaver, which
 * pg_dump writes for a database that has schemaver.
 *
 * src/desired.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "schemaver.h"

#define EQ " OPERATOR(pg_catalog.=) "

/* Where in the desired text an error happened */
typedef struct DesiredErrorContext
{
	const char *text;
	int			statement;		/* 1-based; 0 while splitting */
	int			location;		/* byte offset of the statement */
} DesiredErrorContext;

/* A managed schema and what happens to it */
typedef struct ManagedSchema
{
	char	   *name;
	bool		exists;			/* live */
	bool		created_by_text;	/* the desired text creates it */
	char	   *renamed;		/* its name while the desired copy exists */
	List	   *extensions;		/* char *: live extensions in it */
} ManagedSchema;

static void desired_error_callback(void *arg);
static char *blank_psql_restrict(const char *text);
static bool is_restrict_line(const char *line, int len);
static void check_statement(Node *stmt, int n, DesiredErrorContext *ctx);
static bool skip_statement(Node *stmt, List *managed, List **mentioned);
static void run_sql(const char *sql);
static ManagedSchema *find_managed(List *managed, const char *name);
static void check_rights(List *managed);
static void move_extensions(ManagedSchema *m, List **moved);
static List *unmentioned(List *moved, List *mentioned);
static void describe_live(void *arg);
static void build_step(void *arg);
static void run_statements(const char *text, List *stmts, List *managed,
						   DesiredErrorContext *ctx, ErrorContextCallback *errcb,
						   List **mentioned, List **moved);
static SvDescription *build_desired(const char *text, List *stmts, List *managed,
									List *schema_names, SvDescription *live,
									DesiredErrorContext *ctx,
									ErrorContextCallback *errcb);

/*
 * desired_schema_list
 *		The schemas argument as a List of names: not NULL, not empty, no
 *		NULL element, no system schema and not schemaver's own, no
 *		duplicates.
 */
List *
desired_schema_list(ArrayType *schemas)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *result = NIL;

	if (schemas == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schemas must not be NULL")));
	if (ARR_NDIM(schemas) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("schemas must be a one-dimensional array")));
	deconstruct_array(schemas, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schemas must name at least one schema")));
	for (int i = 0; i < n; i++)
	{
		char	   *name;
		ListCell   *lc;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("schemas must not contain NULL")));
		name = TextDatumGetCString(elems[i]);
		if (name[0] == '\0' || strlen(name) >= NAMEDATALEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid schema name \"%s\"", describe_escape(name))));
		if (strncmp(name, "pg_", 3) == 0 ||
			strcmp(name, "information_schema") == 0 ||
			strcmp(name, SV_SCHEMA) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_RESERVED_NAME),
					 errmsg("schema \"%s\" cannot be managed by autogenerate",
							describe_escape(name)),
					 errdetail("System schemas and the schema of schemaver's catalog are never compared.")));
		foreach(lc, result)
			if (strcmp(lfirst(lc), name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("schema \"%s\" is named twice in schemas",
								describe_escape(name))));
		result = lappend(result, name);
	}
	return result;
}

/*
 * Error context: which statement of the desired text failed.  A syntax
 * error found while splitting gets its position moved into the text, as
 * run.c does for revision SQL.
 */
static void
desired_error_callback(void *arg)
{
	DesiredErrorContext *ctx = (DesiredErrorContext *) arg;

	if (ctx->statement == 0)
	{
		int			pos = geterrposition();

		if (pos > 0)
		{
			errposition(0);
			internalerrposition(pos);
			internalerrquery(ctx->text);
		}
		errcontext("desired schema text");
	}
	else
	{
		const char *start = ctx->text + ctx->location;
		int			line = 1;
		int			len = 0;
		char	   *first;

		for (const char *p = ctx->text; p < start; p++)
			if (*p == '\n')
				line++;
		while (start[len] != '\0' && start[len] != '\n' && len < 60)
			len++;
		first = pnstrdup(start, len);
		errcontext("desired schema, statement %d (line %d: %s%s)",
				   ctx->statement, line, describe_escape(first),
				   start[len] != '\0' && start[len] != '\n' ? "..." : "");
	}
}

/*
 * Whether a line is exactly "\restrict KEY" or "\unrestrict KEY" (KEY
 * letters and digits), as pg_dump writes them, with nothing else but
 * trailing blanks.
 */
static bool
is_restrict_line(const char *line, int len)
{
	int			i;
	int			keystart;

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
					   line[len - 1] == '\r'))
		len--;
	if (len > 10 && strncmp(line, "\\restrict ", 10) == 0)
		i = 10;
	else if (len > 12 && strncmp(line, "\\unrestrict ", 12) == 0)
		i = 12;
	else
		return false;
	keystart = i;
	while (i < len && ((line[i] >= 'a' && line[i] <= 'z') ||
					   (line[i] >= 'A' && line[i] <= 'Z') ||
					   (line[i] >= '0' && line[i] <= '9')))
		i++;
	return i == len && i > keystart;
}

/*
 * A copy of the text in which psql's \restrict and \unrestrict lines are
 * blanked (replaced by spaces, so that positions do not move).  Only a
 * backslash that the server's own lexer sees as a token at the start of a
 * line counts: one inside a string, a dollar quote or a comment is text.
 * Any other backslash is left for the parser to refuse.
 */
static char *
blank_psql_restrict(const char *text)
{
	char	   *copy = pstrdup(text);
	int			offset = 0;
	bool		again = true;

	if (strchr(text, '\\') == NULL)
		return copy;

	/*
	 * Lex from offset; at a restrict line, blank it and start again after
	 * it (the lexer is outside any quote there, so lexing the rest alone is
	 * the same), so that the lexer never reads the key, which may start
	 * with digits ("trailing junk after numeric literal").
	 */
	while (again)
	{
		core_yyscan_t scanner;
		core_yy_extra_type extra;
		core_YYSTYPE lval;
		YYLTYPE		lloc;
		int			tok;

		again = false;
		scanner = scanner_init(copy + offset, &extra, &ScanKeywords, ScanKeywordTokens);
		while ((tok = core_yylex(&lval, &lloc, scanner)) != 0)
		{
			int			pos = offset + lloc;

			if (tok == '\\' && (pos == 0 || copy[pos - 1] == '\n'))
			{
				const char *eol = strchr(copy + pos, '\n');
				int			len = eol ? (int) (eol - (copy + pos)) : (int) strlen(copy + pos);

				if (is_restrict_line(copy + pos, len))
				{
					memset(copy + pos, ' ', len);
					offset = pos + len;
					again = true;
					break;
				}
			}
		}
		scanner_finish(scanner);
	}
	return copy;
}

/*
 * Refuse, before anything runs, a statement that has no place in a schema
 * definition, or whose effect would outlive the rollback.
 */
static void
check_statement(Node *stmt, int n, DesiredErrorContext *ctx)
{
	const char *what = NULL;

	ctx->statement = n;
	switch (nodeTag(stmt))
	{
		case T_TransactionStmt:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("the desired schema cannot start or end transactions or use savepoints"),
					 errdetail("schemaver runs the desired schema text inside a subtransaction that it rolls back."),
					 errhint("Remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT from the desired schema.")));
			break;
		case T_CopyStmt:
			what = "COPY";
			break;
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
			what = "prepared statements";
			break;
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
			what = "cursors";
			break;
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_NotifyStmt:
			what = "LISTEN or NOTIFY";
			break;
		case T_DiscardStmt:
			what = "DISCARD";
			break;
		case T_LoadStmt:
			what = "LOAD";
			break;
		case T_CheckPointStmt:
		case T_VacuumStmt:
		case T_ClusterStmt:
		case T_ReindexStmt:
			what = "maintenance commands";
			break;
		case T_AlterSystemStmt:
			what = "ALTER SYSTEM";
			break;
		case T_CreatedbStmt:
		case T_DropdbStmt:
		case T_AlterDatabaseStmt:
		case T_AlterDatabaseSetStmt:
		case T_CreateTableSpaceStmt:
		case T_DropTableSpaceStmt:
			what = "database or tablespace commands";
			break;
		default:
			break;
	}
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the desired schema cannot contain %s", what),
				 errdetail("The desired schema is SQL that creates the schema; it runs in a subtransaction that schemaver rolls back.")));
}

/*
 * Statements of the desired text that are not run: owner changes (owners
 * are not compared), CREATE EXTENSION of schemaver itself and the comment
 * pg_dump writes on it, and CREATE EXTENSION of an extension of a managed
 * schema, which already sits in the desired schema (moved there); those are
 * remembered in *mentioned.
 */
static bool
skip_statement(Node *stmt, List *managed, List **mentioned)
{
	if (IsA(stmt, AlterOwnerStmt))
		return true;
	if (IsA(stmt, AlterTableStmt))
	{
		ListCell   *lc;

		foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			if (lfirst_node(AlterTableCmd, lc)->subtype != AT_ChangeOwner)
				return false;
		return ((AlterTableStmt *) stmt)->cmds != NIL;
	}
	/*
	 * pg_dump of a database with schemaver writes its comment: schemaver
	 * itself is not part of the desired schema (and the revision guard
	 * refuses any statement on it).
	 */
	if (IsA(stmt, CommentStmt) &&
		((CommentStmt *) stmt)->objtype == OBJECT_EXTENSION &&
		IsA(((CommentStmt *) stmt)->object, String) &&
		strcmp(strVal(((CommentStmt *) stmt)->object), "schemaver") == 0)
		return true;
	if (IsA(stmt, CreateExtensionStmt))
	{
		char	   *name = ((CreateExtensionStmt *) stmt)->extname;
		ListCell   *lc;

		if (strcmp(name, "schemaver") == 0)
			return true;
		*mentioned = lappend(*mentioned, name);
		foreach(lc, managed)
		{
			ManagedSchema *m = lfirst(lc);
			ListCell   *lc2;

			foreach(lc2, m->extensions)
				if (strcmp(lfirst(lc2), name) == 0)
					return true;
		}
	}
	return false;
}

/* Run one statement of ours (names quoted by the caller) */
static void
run_sql(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc = SPI_execute(sql, false, 0);

	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "schemaver: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

static ManagedSchema *
find_managed(List *managed, const char *name)
{
	ListCell   *lc;

	foreach(lc, managed)
		if (strcmp(((ManagedSchema *) lfirst(lc))->name, name) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * The caller must be able to do what building the copy needs: rename each
 * live managed schema (be a member of its owner), create schemas (CREATE
 * on the database), and move the extensions of the managed schemas (be a
 * member of their owner); extensions that cannot move are refused.  Also
 * notes which schemas exist and their extensions.
 */
static void
check_rights(List *managed)
{
	ListCell   *lc;
	Oid			argtypes[1] = {TEXTOID};
	MemoryContext cxt = CurrentMemoryContext;

	bool		isnull;

	if (SPI_execute("SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE')",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "schemaver: could not check privileges");
	MemoryContextSwitchTo(cxt);
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									&isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to create schemas in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errdetail("schemaver builds the desired schema as fresh schemas inside a subtransaction that it rolls back."),
				 errhint("Run it as a role with CREATE on the database (its owner, for example).")));

	foreach(lc, managed)
	{
		ManagedSchema *m = lfirst(lc);
		Datum		values[1];
		int			n;

		values[0] = CStringGetTextDatum(m->name);
		if (SPI_execute_with_args("SELECT pg_catalog.pg_has_role(n.nspowner, 'USAGE')"
								  " FROM ONLY pg_catalog.pg_namespace n"
								  " WHERE n.nspname::pg_catalog.text" EQ "$1",
								  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "schemaver: could not read schema \"%s\"", m->name);
		MemoryContextSwitchTo(cxt);
		if (SPI_processed == 0)
			continue;
		m->exists = true;
		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("must be owner of schema \"%s\" to compare it with a desired schema",
							describe_escape(m->name)),
					 errdetail("schemaver renames the live schema out of the way inside a subtransaction that it rolls back."),
					 errhint("Run it as the owner of the schema, or as a member of the owning role.")));

		if (SPI_execute_with_args("SELECT x.extname, x.extrelocatable, pg_catalog.pg_has_role(x.extowner, 'USAGE')"
								  " FROM ONLY pg_catalog.pg_extension x"
								  " JOIN ONLY pg_catalog.pg_namespace n ON n.oid" EQ "x.extnamespace"
								  " WHERE n.nspname::pg_catalog.text" EQ "$1 AND x.extname" " OPERATOR(pg_catalog.<>) 'schemaver'"
								  " ORDER BY x.extname",
								  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "schemaver: could not read extensions");
		MemoryContextSwitchTo(cxt);
		n = (int) SPI_processed;
		for (int i = 0; i < n; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;
			char	   *ext = SPI_getvalue(tup, td, 1);

			if (!DatumGetBool(SPI_getbinval(tup, td, 2, &isnull)))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("extension \"%s\" in schema \"%s\" cannot be moved",
								describe_escape(ext), describe_escape(m->name)),
						 errdetail("schemaver moves the extensions of a managed schema into the desired copy, and this extension is not relocatable."),
						 errhint("Install the extension in a schema that is not managed, or leave that schema out of schemas.")));
			if (!DatumGetBool(SPI_getbinval(tup, td, 3, &isnull)))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("must be owner of extension \"%s\" to compare schema \"%s\" with a desired schema",
								describe_escape(ext), describe_escape(m->name)),
						 errdetail("schemaver moves the extensions of a managed schema into the desired copy inside a subtransaction that it rolls back."),
						 errhint("Run it as the owner of the extension (usually a superuser).")));
			m->extensions = lappend(m->extensions, pstrdup(ext));
		}
	}
}

/* Move the live extensions of a managed schema into its desired copy */
static void
move_extensions(ManagedSchema *m, List **moved)
{
	ListCell   *lc;

	foreach(lc, m->extensions)
	{
		run_sql(psprintf("ALTER EXTENSION %s SET SCHEMA %s",
						 quote_identifier(lfirst(lc)), quote_identifier(m->name)));
		*moved = lappend(*moved, lfirst(lc));
	}
}

/* The moved extensions that the desired text does not create */
static List *
unmentioned(List *moved, List *mentioned)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, moved)
	{
		ListCell   *lc2;
		bool		found = false;

		foreach(lc2, mentioned)
			if (strcmp(lfirst(lc2), lfirst(lc)) == 0)
				found = true;
		if (!found)
			result = lappend(result, lfirst(lc));
	}
	return result;
}

/*
 * Inside the subtransaction: move the live schemas out of the way, create
 * the fresh ones, run the desired text, describe the result.
 */
/*
 * Run the statements of the desired text (under the revision guard, which
 * the caller has entered), noting the extensions it mentions and moving
 * live extensions into the managed schemas it creates.
 */
static void
run_statements(const char *text, List *stmts, List *managed,
			   DesiredErrorContext *ctx, ErrorContextCallback *errcb,
			   List **mentioned, List **moved)
{
	ListCell   *lc;
	int			n = 0;
	MemoryContext cxt = CurrentMemoryContext;

	error_context_stack = errcb;
	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		const char *start = text + raw->stmt_location;
		int			len = raw->stmt_len > 0 ? raw->stmt_len : (int) strlen(start);
		char	   *sql;
		int			rc;

		ctx->statement = ++n;
		ctx->location = raw->stmt_location;
		CHECK_FOR_INTERRUPTS();
		if (skip_statement(raw->stmt, managed, mentioned))
			continue;
		while (len > 0 && scanner_isspace(*start))
		{
			start++;
			len--;
		}
		ctx->location = start - text;
		sql = pnstrdup(start, len);
		rc = SPI_execute(sql, false, 0);
		MemoryContextSwitchTo(cxt);
		if (rc == SPI_ERROR_TRANSACTION)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("the desired schema cannot start or end transactions or use savepoints")));
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the desired schema cannot contain this statement")));
		SPI_freetuptable(SPI_tuptable);
		pfree(sql);

		/* a managed schema the text created: its extensions go in */
		if (IsA(raw->stmt, CreateSchemaStmt) &&
			((CreateSchemaStmt *) raw->stmt)->schemaname)
		{
			ManagedSchema *m = find_managed(managed,
											((CreateSchemaStmt *) raw->stmt)->schemaname);

			if (m && m->created_by_text)
				move_extensions(m, moved);
		}
	}
	error_context_stack = errcb->previous;
}

static SvDescription *
build_desired(const char *text, List *stmts, List *managed, List *schema_names,
			  SvDescription *live, DesiredErrorContext *ctx,
			  ErrorContextCallback *errcb)
{
	List	  **mentioned = palloc0(sizeof(List *));
	List	  **moved = palloc0(sizeof(List *));
	ListCell   *lc;
	int			k = 0;
	MemoryContext cxt = CurrentMemoryContext;
	SvDescription *want;

	foreach(lc, managed)
	{
		ManagedSchema *m = lfirst(lc);

		if (m->exists)
		{
			/* a name no schema has (inside the subtransaction only) */
			do
			{
				m->renamed = psprintf("schemaver_live_%d_%.30s", k++, m->name);
			} while (OidIsValid(get_namespace_oid(m->renamed, true)));
			run_sql(psprintf("ALTER SCHEMA %s RENAME TO %s",
							 quote_identifier(m->name), quote_identifier(m->renamed)));
		}
		if (!m->created_by_text)
		{
			SvObject   *live_schema;
			SvObject   *o;

			run_sql(psprintf("CREATE SCHEMA %s", quote_identifier(m->name)));
			/* the live schema's own comment and privileges carry over */
			live_schema = describe_find(live, psprintf("schema %s", quote_identifier(m->name)));
			if (live_schema)
			{
				o = describe_find(live, psprintf("comment %s", live_schema->ident));
				if (o)
					run_sql(o->create);
				o = describe_find(live, psprintf("privileges %s", live_schema->ident));
				if (o)
				{
					char	   *grants = diff_grant_statements(o->target, "CURRENT_USER",
															   NULL, o->labels, o->acl);

					if (grants[0])
						run_sql(grants);
				}
			}
			move_extensions(m, moved);
		}
	}

	guard_prepare();
	guard_enter_revision();
	guard_set_desired(true);
	PG_TRY();
	{
		run_statements(text, stmts, managed, ctx, errcb, mentioned, moved);
	}
	PG_FINALLY();
	{
		guard_set_desired(false);
		guard_leave_revision();
	}
	PG_END_TRY();

	want = describe_schemas(schema_names, false, unmentioned(*moved, *mentioned));
	MemoryContextSwitchTo(cxt);
	return want;
}

/* What describe_live and build_step read and fill */
typedef struct DesiredStep
{
	List	   *managed;
	List	   *schema_names;
	const char *text;
	List	   *stmts;
	SvDescription *live;
	SvDescription *want;
	DesiredErrorContext *ctx;
	ErrorContextCallback *errcb;
} DesiredStep;

/*
 * Check the caller's rights and describe the live schemas (run by
 * describe_rolled_back: the description lives in the caller's memory
 * context).
 */
static void
describe_live(void *arg)
{
	DesiredStep *st = (DesiredStep *) arg;

	check_rights(st->managed);
	st->live = describe_schemas(st->schema_names, true, NIL);
}

/* Build the desired copy and describe it (run by describe_rolled_back) */
static void
build_step(void *arg)
{
	DesiredStep *st = (DesiredStep *) arg;

	st->want = build_desired(st->text, st->stmts, st->managed,
							 st->schema_names, st->live, st->ctx, st->errcb);
}

/*
 * desired_describe
 *		Describe the live managed schemas, build the desired ones from the
 *		text in a subtransaction, describe them, and roll back.
 */
void
desired_describe(const char *desired, List *schema_names,
				 SvDescription **live, SvDescription **want)
{
	DesiredErrorContext ctx;
	ErrorContextCallback errcb;
	char	   *text;
	List	   *stmts;
	List	   *managed = NIL;
	ListCell   *lc;
	int			n = 0;
	DesiredStep st;

	foreach(lc, schema_names)
	{
		ManagedSchema *m = palloc0(sizeof(ManagedSchema));

		m->name = lfirst(lc);
		managed = lappend(managed, m);
	}

	/* 1. split and check the text */
	ctx.text = desired;
	ctx.statement = 0;
	ctx.location = 0;
	errcb.callback = desired_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	text = blank_psql_restrict(desired);
	ctx.text = text;
	stmts = pg_parse_query(text);
	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);

		/* the text starts after the previous ';': skip the blanks */
		ctx.location = raw->stmt_location;
		while (scanner_isspace(text[ctx.location]))
			ctx.location++;
		check_statement(raw->stmt, ++n, &ctx);
		if (IsA(raw->stmt, CreateSchemaStmt))
		{
			CreateSchemaStmt *cs = (CreateSchemaStmt *) raw->stmt;
			ManagedSchema *m = cs->schemaname ? find_managed(managed, cs->schemaname) : NULL;

			if (m)
				m->created_by_text = true;
		}
	}
	ctx.statement = 0;
	error_context_stack = errcb.previous;

	/*
	 * 2. the live schemas, before anything is renamed, in a subtransaction
	 * of their own that is rolled back at once: the locks taken while
	 * reading (the size of each table locks it and its indexes) are gone
	 * before the desired schema, which needs as many, is built
	 */
	st.managed = managed;
	st.schema_names = schema_names;
	st.text = text;
	st.stmts = stmts;
	st.ctx = &ctx;
	st.errcb = &errcb;
	describe_rolled_back(describe_live, &st);
	*live = st.live;

	/* 3-5. the desired copy, in a subtransaction that is rolled back */
	describe_rolled_back(build_step, &st);
	*want = st.want;
}
