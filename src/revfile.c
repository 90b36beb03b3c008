/*-------------------------------------------------------------------------
 *
 * revfile.c
 *	  Reading a revision file (one "SELECT schemaver_add_revision(...)"
 *	  call, the format of migrations/) with the server's own parser.
 *
 * The schemaver command registers the files of a directory.  It does not
 * run them: a file could hold any SQL besides the call, or psql syntax
 * (meta-commands, variables) that only psql understands.  Instead the
 * client sends each file's text as a parameter, and this file reads it with
 * raw_parser(), PostgreSQL's own grammar, with standard_conforming_strings
 * on: the text must be exactly one SELECT of one call of a function named
 * schemaver_add_revision (optionally schema-qualified), whose arguments are
 * constants: string constants in any of the server's spellings ('...',
 * E'...', dollar quotes, U&'...'), NULL, ARRAY[...] of string constants, and
 * casts of those to text or text[].  Comments and a final semicolon are
 * fine.  Anything else (a second statement, an expression, a function call
 * in an argument, a psql meta-command, which is not SQL) is refused with an
 * error that names the file and the line, and nothing of the file is ever
 * executed.  The arguments are then registered through
 * schemaver_add_revision itself (sync.c), with all its checks.
 *
 * src/revfile.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "schemaver.h"

PG_FUNCTION_INFO_V1(schemaver_read_revision_file);

/* The arguments of schemaver_add_revision, in positional order */
typedef enum RevfileArg
{
	RA_REVISION,
	RA_DOWN_REVISION,
	RA_UPGRADE,
	RA_DOWNGRADE,
	RA_MESSAGE,
	RA_DEPENDS_ON,
	RA_BRANCH_LABELS,
	RA_COUNT
} RevfileArg;

static const char *const arg_names[RA_COUNT] = {
	"revision", "down_revision", "upgrade", "downgrade", "message",
	"depends_on", "branch_labels"
};

/* What the error context callback needs */
typedef struct RevfileErrorContext
{
	const char *file;
	const char *content;
} RevfileErrorContext;

static void revfile_error_callback(void *arg);
static void refuse(const char *detail,...) pg_attribute_printf(1, 2);
static bool is_text_type(TypeName *tn, bool *is_array);
static Node *strip_cast(Node *node, RevfileArg arg, bool *cast_array);
static bool string_const(Node *node, char **value, bool *isnull);
static void read_argument(SvRevisionFile *rf, RevfileArg arg, Node *node);

/*
 * The error context of everything done while reading a file: its name,
 * and the line of a syntax error (the position of such an error is in the
 * file, not in the query the client sent, so it is turned into a line
 * number here, as SQL functions turn it into an internal position).
 */
static void
revfile_error_callback(void *arg)
{
	RevfileErrorContext *ctx = (RevfileErrorContext *) arg;
	int			pos = geterrposition();

	if (pos > 0 && ctx->content != NULL)
	{
		const char *p = ctx->content;
		int			line = 1;

		/* pos counts characters from 1 */
		for (int i = 1; i < pos && *p; i++)
		{
			if (*p == '\n')
				line++;
			p += pg_mblen(p);
		}
		errposition(0);
		errcontext("revision file \"%s\", line %d", ctx->file, line);
	}
	else
		errcontext("revision file \"%s\"", ctx->file);
}

/*
 * Refuse a file that is not one call of schemaver_add_revision with
 * constant arguments; the detail says what is wrong.
 */
static void
refuse(const char *detail,...)
{
	va_list		args;
	char		buf[512];

	va_start(args, detail);
	vsnprintf(buf, sizeof(buf), detail, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("a revision file must be one call of schemaver_add_revision with constant arguments"),
			 errdetail_internal("%s", buf),
			 errhint("Write the file as the files of migrations/ are written: SELECT schemaver_add_revision(revision => '...', down_revision => ..., upgrade => $up$ ... $up$, ...); with nothing else but comments.")));
}

/*
 * Whether a cast's type is text or text[] (spelled text or pg_catalog.text,
 * without modifiers): the only casts a file may use.  Decided from the
 * names, so that no type a user created can stand in for text.
 */
static bool
is_text_type(TypeName *tn, bool *is_array)
{
	int			n = list_length(tn->names);

	if (tn->setof || tn->pct_type || tn->typmods != NIL || n < 1 || n > 2)
		return false;
	if (strcmp(strVal(llast(tn->names)), "text") != 0)
		return false;
	if (n == 2 && strcmp(strVal(linitial(tn->names)), "pg_catalog") != 0)
		return false;
	if (list_length(tn->arrayBounds) > 1)
		return false;
	*is_array = (tn->arrayBounds != NIL);
	return true;
}

/*
 * Remove the casts around an argument (to text or text[] only), telling
 * whether the outermost one was to text[].
 */
static Node *
strip_cast(Node *node, RevfileArg arg, bool *cast_array)
{
	bool		outer = true;

	*cast_array = false;
	while (node != NULL && IsA(node, TypeCast))
	{
		TypeCast   *tc = (TypeCast *) node;
		bool		is_array;

		if (!is_text_type(tc->typeName, &is_array))
			refuse("Argument \"%s\" is cast to a type other than text or text[].",
				   arg_names[arg]);
		if (outer)
			*cast_array = is_array;
		outer = false;
		node = tc->arg;
	}
	return node;
}

/*
 * If node is a string constant or NULL, return true and its value.
 */
static bool
string_const(Node *node, char **value, bool *isnull)
{
	A_Const    *c;

	if (node == NULL || !IsA(node, A_Const))
		return false;
	c = (A_Const *) node;
	if (c->isnull)
	{
		*isnull = true;
		*value = NULL;
		return true;
	}
	if (!IsA(&c->val, String))
		return false;
	*isnull = false;
	*value = pstrdup(strVal(&c->val));
	return true;
}

/*
 * Read one argument into rf.  Text arguments take a string constant or
 * NULL; array arguments (and down_revision, which takes either) also take
 * ARRAY[...] of string constants, or a string constant cast to text[],
 * which array_in reads as the server would.
 */
static void
read_argument(SvRevisionFile *rf, RevfileArg arg, Node *node)
{
	bool		cast_array;
	bool		array_arg = (arg == RA_DEPENDS_ON || arg == RA_BRANCH_LABELS);
	bool		isnull;
	char	   *value = NULL;
	ArrayType  *arr = NULL;

	node = strip_cast(node, arg, &cast_array);
	if (node != NULL && IsA(node, A_ArrayExpr))
	{
		A_ArrayExpr *ae = (A_ArrayExpr *) node;
		int			n = list_length(ae->elements);
		Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
		int			i = 0;
		ListCell   *lc;

		if (!array_arg && arg != RA_DOWN_REVISION)
			refuse("Argument \"%s\" is an array; it takes a string.",
				   arg_names[arg]);
		foreach(lc, ae->elements)
		{
			bool		inner_array;
			Node	   *elem = strip_cast(lfirst(lc), arg, &inner_array);

			if (inner_array || !string_const(elem, &value, &isnull))
				refuse("An element of argument \"%s\" is not a string constant.",
					   arg_names[arg]);
			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL", arg_names[arg])));
			elems[i++] = CStringGetTextDatum(value);
		}
		arr = construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
	}
	else if (string_const(node, &value, &isnull))
	{
		if (isnull)
			;
		else if (array_arg || cast_array)
		{
			if (!array_arg && arg != RA_DOWN_REVISION)
				refuse("Argument \"%s\" is cast to text[]; it takes a string.",
					   arg_names[arg]);
			arr = DatumGetArrayTypeP(OidInputFunctionCall(F_ARRAY_IN, value,
														  TEXTOID, -1));
		}
		else if (arg == RA_DOWN_REVISION)
		{
			Datum		elem = CStringGetTextDatum(value);

			arr = construct_array(&elem, 1, TEXTOID, -1, false, TYPALIGN_INT);
		}
	}
	else
		refuse("Argument \"%s\" is not a constant: it must be a string constant%s.",
			   arg_names[arg],
			   (array_arg || arg == RA_DOWN_REVISION) ?
			   ", NULL or ARRAY[...] of string constants" : " or NULL");

	switch (arg)
	{
		case RA_REVISION:
			rf->revision = value;
			break;
		case RA_DOWN_REVISION:
			rf->down_revision = arr ?
				register_id_array(arr, "down_revision", "revision id") : NULL;
			break;
		case RA_UPGRADE:
			rf->upgrade = value;
			break;
		case RA_DOWNGRADE:
			rf->downgrade = value;
			break;
		case RA_MESSAGE:
			rf->message = value;
			break;
		case RA_DEPENDS_ON:
			rf->depends_on = arr ?
				register_id_array(arr, "depends_on", "revision id") : NULL;
			break;
		case RA_BRANCH_LABELS:
			rf->branch_labels = arr ?
				register_id_array(arr, "branch_labels", "branch label") : NULL;
			break;
		case RA_COUNT:
			break;
	}
}

/*
 * revfile_parse
 *		Read the text of revision file "file" into its revision's
 *		arguments, or raise an error that names the file.  NULL arrays stay
 *		NULL (schemaver_add_revision treats them as empty); a NULL
 *		revision or upgrade, which schemaver_add_revision refuses, is
 *		refused here already.
 */
SvRevisionFile *
revfile_parse(const char *file, const char *content)
{
	SvRevisionFile *rf = palloc0(sizeof(SvRevisionFile));
	RevfileErrorContext ctx;
	ErrorContextCallback errcb;
	List	   *stmts;
	int			nestlevel;
	SelectStmt *sel;
	ResTarget  *rt;
	FuncCall   *fc;
	const char *fname;
	bool		seen[RA_COUNT] = {false};
	bool		named = false;
	int			position = 0;
	ListCell   *lc;

	ctx.file = file;
	ctx.content = content;
	errcb.callback = revfile_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	/* Read it as the server reads SQL, with standard strings */
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("standard_conforming_strings", "on",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	stmts = raw_parser(content, RAW_PARSE_DEFAULT);
	AtEOXact_GUC(true, nestlevel);
	/* errors below are about the whole file, not a position in it */
	ctx.content = NULL;

	if (list_length(stmts) != 1)
		refuse("The file holds %d statements.", list_length(stmts));
	if (!IsA(linitial_node(RawStmt, stmts)->stmt, SelectStmt))
		refuse("The file's statement is not a SELECT.");
	sel = (SelectStmt *) linitial_node(RawStmt, stmts)->stmt;
	if (sel->op != SETOP_NONE || sel->distinctClause || sel->intoClause ||
		sel->fromClause || sel->whereClause || sel->groupClause ||
		sel->havingClause || sel->windowClause || sel->valuesLists ||
		sel->sortClause || sel->limitOffset || sel->limitCount ||
		sel->lockingClause || sel->withClause ||
		list_length(sel->targetList) != 1)
		refuse("The SELECT has more than the call of schemaver_add_revision.");
	rt = linitial_node(ResTarget, sel->targetList);
	if (rt->indirection != NIL || rt->val == NULL || !IsA(rt->val, FuncCall))
		refuse("The SELECT's only item is not a function call.");
	fc = (FuncCall *) rt->val;
	fname = strVal(llast(fc->funcname));
	if (list_length(fc->funcname) > 2 ||
		strcmp(fname, "schemaver_add_revision") != 0)
		refuse("The function called is not schemaver_add_revision.");
	if (fc->agg_order || fc->agg_filter || fc->over || fc->agg_within_group ||
		fc->agg_star || fc->agg_distinct || fc->func_variadic)
		refuse("The call of schemaver_add_revision has a clause other than its arguments.");

	foreach(lc, fc->args)
	{
		Node	   *arg = lfirst(lc);
		int			which = -1;

		if (IsA(arg, NamedArgExpr))
		{
			NamedArgExpr *na = (NamedArgExpr *) arg;

			for (int i = 0; i < RA_COUNT; i++)
				if (strcmp(na->name, arg_names[i]) == 0)
					which = i;
			if (which < 0)
				refuse("schemaver_add_revision has no argument named \"%s\".",
					   na->name);
			arg = (Node *) na->arg;
			named = true;
		}
		else
		{
			if (named)
				refuse("A positional argument follows a named argument.");
			if (position >= RA_COUNT)
				refuse("The call has more than %d arguments.", RA_COUNT);
			which = position++;
		}
		if (seen[which])
			refuse("Argument \"%s\" is given more than once.",
				   arg_names[which]);
		seen[which] = true;
		read_argument(rf, (RevfileArg) which, arg);
	}
	if (!seen[RA_REVISION] || !seen[RA_DOWN_REVISION] || !seen[RA_UPGRADE])
		refuse("Arguments \"revision\", \"down_revision\" and \"upgrade\" are required.");
	if (rf->revision == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revision must not be NULL")));
	if (rf->upgrade == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("upgrade must not be NULL"),
				 errhint("Use '' for a revision that runs nothing, such as a merge.")));

	error_context_stack = errcb.previous;
	return rf;
}

/*
 * schemaver_read_revision_file(content text)
 *		What a revision file registers, as one row (revision, down_revision,
 *		upgrade, downgrade, message, depends_on, branch_labels), without
 *		registering it: lets a user see how the schemaver command reads a
 *		file.  Empty arrays are shown as {} (as they are registered).
 */
Datum
schemaver_read_revision_file(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *content = sv_text_arg(fcinfo, 0, "content", true);
	SvRevisionFile *rf;
	Datum		values[RA_COUNT];
	bool		nulls[RA_COUNT] = {false};

	InitMaterializedSRF(fcinfo, 0);
	rf = revfile_parse("(argument)", content);
	values[RA_REVISION] = CStringGetTextDatum(rf->revision);
	values[RA_DOWN_REVISION] = PointerGetDatum(rf->down_revision ?
											   rf->down_revision :
											   construct_empty_array(TEXTOID));
	values[RA_UPGRADE] = CStringGetTextDatum(rf->upgrade);
	if (rf->downgrade)
		values[RA_DOWNGRADE] = CStringGetTextDatum(rf->downgrade);
	else
		nulls[RA_DOWNGRADE] = true;
	if (rf->message)
		values[RA_MESSAGE] = CStringGetTextDatum(rf->message);
	else
		nulls[RA_MESSAGE] = true;
	values[RA_DEPENDS_ON] = PointerGetDatum(rf->depends_on ?
											rf->depends_on :
											construct_empty_array(TEXTOID));
	values[RA_BRANCH_LABELS] = PointerGetDatum(rf->branch_labels ?
											   rf->branch_labels :
											   construct_empty_array(TEXTOID));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
