/*-------------------------------------------------------------------------
 *
 * script.c
 *	  Preview scripts: schemaver_upgrade_sql() and schemaver_downgrade_sql()
 *	  return, as one psql script, what schemaver_upgrade() or
 *	  schemaver_downgrade() would do from the database's current state.
 *
 * A preview plans exactly as the online call does (catalog.c, target.c,
 * plan.c) and changes nothing: it reads the catalog with its statement's
 * snapshot and takes no lock beyond the AccessShareLock of that read, so it
 * neither waits for a running migration nor holds one up.
 *
 * The script is meant for "psql -X -v ON_ERROR_STOP=1 -f script.sql" and is
 * one transaction:
 *
 *	\set ON_ERROR_STOP on, \set ON_ERROR_ROLLBACK off (so that the first
 *		error stops psql, and leaves the transaction failed)
 *	BEGIN ISOLATION LEVEL READ COMMITTED;
 *	DO block: take schemaver's lock, then check that the current heads and
 *		the checksums of the revisions to run are the ones the script was
 *		generated from; raise 55000 (changing nothing) if not
 *	per step: a comment header (step, revision, direction, message); save the
 *		start time and the session's settings (\gset); the revision's SQL,
 *		verbatim; restore the settings it changed; the version rows and the
 *		log row that run.c would write (plain DELETE and INSERT statements)
 *	COMMIT;
 *
 * Everything taken from the catalog goes into a literal through
 * quote_literal_cstr, or into a "--" comment with every line break turned
 * into a new "--" line.  The revision's SQL is the one text written as it
 * is, so before it goes in we make sure psql will send it to the server as
 * the online call would run it:
 *
 *	- it must parse (pg_parse_query, as run.c does), and must not start or
 *	  end transactions or COPY from or to the client: run.c refuses those
 *	  through SPI, and in a script they would end the script's transaction
 *	  early or read the script itself as COPY data;
 *	- psql reads the text with a lexer of its own, which treats a backslash
 *	  outside quotes as the start of a meta-command and replaces ":name" by
 *	  the value of a psql variable.  scan_like_psql() below follows psql's
 *	  lexer (src/fe_utils/psqlscan.l) through quotes, dollar quotes,
 *	  comments and string continuations, with standard_conforming_strings on
 *	  and off (a revision could change it, and psql follows the server's
 *	  setting), and refuses a text in which either reading finds such a
 *	  backslash or variable reference, or that ends inside a quote or
 *	  comment.  ":" followed only by digits (as in "a[1:3]") is accepted:
 *	  psql defines no such variable by itself.
 *
 * Settings: the online call ends every setting a revision changes with the
 * revision (a GUC nest level).  A script cannot open a nest level, so each
 * step saves the values of every setting a user can change (pg_settings,
 * plus role and session_authorization, plus any setting the revision names
 * in a top-level SET) into a psql variable before the revision's SQL, and
 * sets back, at session level, those whose value changed.  The difference:
 * a custom setting that a revision creates by other means than a top-level
 * SET (set_config(), a DO block) keeps its value until the end of the
 * session.
 *
 * src/script.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "schemaver.h"

PG_FUNCTION_INFO_V1(schemaver_upgrade_sql);
PG_FUNCTION_INFO_V1(schemaver_downgrade_sql);
PG_FUNCTION_INFO_V1(schemaver_downgrade_sql_steps);

/* Prefix of the psql variables the script sets with \gset */
#define SCRIPT_VAR_PREFIX "schemaver_"

/* What scan_like_psql() can find wrong in a text */
typedef enum PsqlHazard
{
	PSQL_SAFE,
	PSQL_BACKSLASH,				/* a backslash psql would take as a
								 * meta-command */
	PSQL_VARIABLE,				/* ":name" psql would replace by a variable */
	PSQL_UNTERMINATED			/* the text ends inside a quote or comment */
} PsqlHazard;

/* The states of scan_like_psql(), named after psqlscan.l's */
typedef enum PsqlState
{
	PS_INITIAL,
	PS_XC,						/* C-style comment */
	PS_XQ,						/* '...' with standard_conforming_strings on,
								 * U&'...' */
	PS_XB,						/* B'...', X'...': no quote doubling */
	PS_XE,						/* E'...', or '...' with
								 * standard_conforming_strings off */
	PS_XD,						/* "...", U&"..." */
	PS_XDOLQ					/* $tag$...$tag$ */
} PsqlState;

/* What the checks learnt about one step's SQL, for writing it out */
typedef struct StepSql
{
	const char *text;			/* NULL: the step runs no SQL */
	int			nstatements;
	bool		terminated;		/* the last statement ends with ';' */
	List	   *set_names;		/* settings named by top-level SET/RESET */
} StepSql;


static text *make_script(const char *call, const char *target,
						 SvDirection direction, const char *online);
static void check_step_sql(const char *revision, const char *operation,
						   const char *sql, const char *online,
						   StepSql *out);
static PsqlHazard scan_like_psql(const char *s, bool std_strings, int *where);
static int	quote_continues(const char *s, int i);
static int	line_of(const char *s, int offset);
static void append_comment(StringInfo buf, const char *first_prefix,
						   const char *next_prefix, const char *text);
static void append_id_array(StringInfo buf, SvGraph *graph, const int *revs,
							int n);
static char *describe_heads(SvGraph *graph, const int *revs, int n);
static char *choose_dollar_tag(const char *body, const char *base);
static void append_guard(StringInfo buf, SvGraph *graph, SvPlan *plan,
						 SvStepText *texts);
static void append_step(StringInfo buf, SvGraph *graph, SvPlan *plan, int i,
						SvStepText *text, StepSql *sql, int *removed,
						int *added);
/* psqlscan.l's character classes */
#define IS_IDENT_START(c) \
	(((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || \
	 (c) == '_' || (unsigned char) (c) >= 0x80)
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_IDENT_CONT(c) (IS_IDENT_START(c) || IS_DIGIT(c) || (c) == '$')
#define IS_VARIABLE_CHAR(c) (IS_IDENT_START(c) || IS_DIGIT(c))
#define IS_NEWLINE(c) ((c) == '\n' || (c) == '\r')
#define IS_HORIZ_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\f')

/*
 * schemaver_upgrade_sql(target text DEFAULT 'head')
 */
Datum
schemaver_upgrade_sql(PG_FUNCTION_ARGS)
{
	char	   *target = sv_text_arg(fcinfo, 0, "target", true);

	PG_RETURN_TEXT_P(make_script(psprintf("schemaver_upgrade(%s)",
										  quote_literal_cstr(target)),
								 target, SV_DIR_UPGRADE,
								 "schemaver_upgrade"));
}

/*
 * schemaver_downgrade_sql(target text)
 */
Datum
schemaver_downgrade_sql(PG_FUNCTION_ARGS)
{
	char	   *target = sv_text_arg(fcinfo, 0, "target", true);

	PG_RETURN_TEXT_P(make_script(psprintf("schemaver_downgrade(%s)",
										  quote_literal_cstr(target)),
								 target, SV_DIR_DOWNGRADE,
								 "schemaver_downgrade"));
}

/*
 * schemaver_downgrade_sql(steps integer): the script of the target '-steps'.
 */
Datum
schemaver_downgrade_sql_steps(PG_FUNCTION_ARGS)
{
	int32		steps;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("steps must not be NULL")));
	steps = PG_GETARG_INT32(0);
	PG_RETURN_TEXT_P(make_script(psprintf("schemaver_downgrade(%d)", steps),
								 target_relative_steps(steps),
								 SV_DIR_DOWNGRADE, "schemaver_downgrade"));
}

/*
 * make_script
 *		Plan the call from the current state and write its script.
 *
 * call is the online call the script stands for, as it appears in the
 * script's header; online is the name of that function, for hints.
 */
static text *
make_script(const char *call, const char *target, SvDirection direction,
			const char *online)
{
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *problems = NIL;
	SvGraph    *graph;
	SvDestination *dest;
	SvPlan	   *plan;
	SvStepText *texts = NULL;
	StepSql    *steps;
	StringInfoData buf;
	StringInfoData guard;
	StringInfoData body;
	char	   *from;
	int		   *removed;
	int		   *added;
	text	   *result;

	guard_check_not_nested(psprintf("%s_sql()", online));
	SPI_connect();

	/* the plan of the online call, from what this statement sees */
	graph = catalog_load_graph_problems(&problems, false);
	graph_check_usable(problems);
	dest = target_resolve(graph, target);
	plan = plan_make(graph, dest, direction);

	/* every revision's SQL must be safe to hand to psql before we write */
	steps = palloc0(sizeof(StepSql) * Max(plan->nsteps, 1));
	if (plan->nsteps > 0)
		texts = catalog_fetch_steps(graph, plan, 0, plan->nsteps);
	for (int i = 0; i < plan->nsteps; i++)
		check_step_sql(graph->revs[plan->steps[i].rev].id,
					   run_operation_name(plan->steps[i].op), texts[i].sql,
					   online, &steps[i]);

	/* the guard checks the state the plan starts from */
	from = describe_heads(graph, graph->current, graph->ncurrent);
	initStringInfo(&guard);
	append_guard(&guard, graph, plan, texts);

	/*
	 * the steps move the in-memory state to where the plan ends (the graph
	 * has room for every revision in graph->current)
	 */
	removed = palloc(sizeof(int) * Max(graph->nrevs, 1));
	added = palloc(sizeof(int) * Max(graph->nrevs, 1));
	initStringInfo(&body);
	for (int i = 0; i < plan->nsteps; i++)
		append_step(&body, graph, plan, i, &texts[i], &steps[i], removed,
					added);

	initStringInfo(&buf);
	appendStringInfo(&buf, "-- schemaver script: %s\n", call);
	appendStringInfoString(&buf,
						   "--\n"
						   "-- What that call would do from the state below, in one transaction: the\n"
						   "-- SQL of each revision, verbatim, and the rows the call records in\n"
						   "-- schemaver.version and schemaver.log.  Review it, then run it with\n"
						   "--     psql -X -v ON_ERROR_STOP=1 -f this_file.sql\n"
						   "-- (not with --single-transaction: it has its own BEGIN and COMMIT).  It\n"
						   "-- first takes schemaver's lock and checks that the database is still at\n"
						   "-- the state below; if not, it stops and changes nothing.\n"
						   "--\n");
	append_comment(&buf, "-- Starts from: ", "--   ", from);
	if (plan->nsteps == 0)
		append_comment(&buf, "-- Nothing to do: ", "--   ",
					   psprintf("the database is already where %s leads.",
								call));
	else
	{
		append_comment(&buf, "-- Ends at:     ", "--   ",
					   describe_heads(graph, graph->current, graph->ncurrent));
		appendStringInfo(&buf, "-- Steps:       %d\n", plan->nsteps);
		for (int i = 0; i < plan->nsteps; i++)
		{
			SvStep	   *step = &plan->steps[i];
			const char *message = texts[i].message;

			append_comment(&buf, psprintf("--   %d. ", i + 1), "--      ",
						   psprintf("%s %s%s%s", run_operation_name(step->op),
									run_step_arrow(graph, step),
									message ? ": " : "",
									message ? message : ""));
		}
	}
	appendStringInfoString(&buf, "\n\\set ON_ERROR_STOP on\n"
						   "\\set ON_ERROR_ROLLBACK off\n\n"
						   "BEGIN ISOLATION LEVEL READ COMMITTED;\n\n");
	appendStringInfoString(&buf, guard.data);
	appendStringInfoString(&buf, body.data);
	appendStringInfoString(&buf, "\nCOMMIT;\n");

	MemoryContextSwitchTo(callercxt);
	result = cstring_to_text_with_len(buf.data, buf.len);
	SPI_finish();
	return result;
}

/*
 * check_step_sql
 *		Make sure one revision's SQL can go into the script as it is, and
 *		note what writing it needs.  See the file header for the rules.
 */
static void
check_step_sql(const char *revision, const char *operation, const char *sql,
			   const char *online, StepSql *out)
{
	SvRevisionErrorContext ctx;
	ErrorContextCallback errcb;
	List	   *stmts;
	ListCell   *lc;
	PsqlHazard	hazard = PSQL_SAFE;
	bool		std_strings = true;
	int			where = 0;

	out->text = sql;
	out->nstatements = 0;
	out->terminated = true;
	out->set_names = NIL;
	if (sql == NULL)
		return;

	run_push_revision_context(&ctx, &errcb, revision, operation, sql);

	stmts = pg_parse_query(sql);
	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		Node	   *stmt = raw->stmt;

		ctx.statement++;
		if (IsA(stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("revision SQL cannot start or end transactions or use savepoints"),
					 errdetail("schemaver runs the revisions of a call, and a script runs all of its steps, in one transaction."),
					 errhint("Remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT from the revision. To commit after each revision, use CALL schemaver_upgrade_stepwise().")));
		if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->filename == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("revision SQL cannot use COPY to or from the client"),
					 errhint("Load data with INSERT statements, or with COPY from a file on the server.")));
		if (IsA(stmt, VariableSetStmt))
		{
			VariableSetStmt *set = (VariableSetStmt *) stmt;

			/*
			 * pg_settings lists every built-in setting a user can change;
			 * a custom one (a name with a dot) appears there only once
			 * defined, so the step saves it by name as well.
			 */
			if (set->kind != VAR_SET_MULTI && set->kind != VAR_RESET_ALL &&
				set->name != NULL && strchr(set->name, '.') != NULL)
			{
				ListCell   *lc2;
				bool		seen = false;

				foreach(lc2, out->set_names)
					seen = seen || pg_strcasecmp(lfirst(lc2), set->name) == 0;
				if (!seen)
					out->set_names = lappend(out->set_names, set->name);
			}
		}
		out->nstatements++;
		/* only the last statement can end without ';' (stmt_len 0) */
		out->terminated = (raw->stmt_len > 0);
	}
	error_context_stack = errcb.previous;

	/* psql reads the text with either setting of standard_conforming_strings */
	hazard = scan_like_psql(sql, true, &where);
	if (hazard == PSQL_SAFE)
	{
		std_strings = false;
		hazard = scan_like_psql(sql, false, &where);
	}
	switch (hazard)
	{
		case PSQL_SAFE:
			break;
		case PSQL_BACKSLASH:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot write revision \"%s\" into a psql script",
							revision),
					 errdetail("Line %d of its %s SQL has a backslash outside quotes when standard_conforming_strings is %s, which psql would run as a meta-command.",
							   line_of(sql, where), operation,
							   std_strings ? "on" : "off"),
					 errhint("Write text that contains backslashes as E'...' or dollar-quoted strings, or apply the revision with %s().",
							 online)));
			break;
		case PSQL_VARIABLE:
			{
				/* show :name, :'name', :"name" or :{?name} as written */
				char		opener = sql[where + 1];
				int			len = 1;

				if (opener == '\'' || opener == '"' || opener == '{')
					len += (opener == '{' ? 2 : 1);
				while (len < 64 && IS_VARIABLE_CHAR(sql[where + len]))
					len++;
				if ((opener == '\'' || opener == '"') && sql[where + len] == opener)
					len++;
				else if (opener == '{' && sql[where + len] == '}')
					len++;
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot write revision \"%s\" into a psql script",
								revision),
						 errdetail("Line %d of its %s SQL has \"%s\" outside quotes, which psql would replace by the value of a psql variable.",
								   line_of(sql, where), operation,
								   pnstrdup(sql + where, len)),
						 errhint("Write a space after the colon, as in \"a[1: n]\", or apply the revision with %s().",
								 online)));
			}
			break;
		case PSQL_UNTERMINATED:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot write revision \"%s\" into a psql script",
							revision),
					 errdetail("Its %s SQL ends inside a quoted string or comment that starts on line %d when standard_conforming_strings is %s, so psql would read the rest of the script into it.",
							   operation, line_of(sql, where),
							   std_strings ? "on" : "off"),
					 errhint("Write text that contains backslashes as E'...' or dollar-quoted strings, or apply the revision with %s().",
							 online)));
			break;
	}
}

/* 1-based line number of a byte offset in s */
static int
line_of(const char *s, int offset)
{
	int			line = 1;

	for (int i = 0; i < offset && s[i] != '\0'; i++)
	{
		if (s[i] == '\n')
			line++;
		else if (s[i] == '\r' && s[i + 1] != '\n')
			line++;
	}
	return line;
}

/*
 * If the text at s + i (just after a closing quote) continues the string, as
 * in 'abc'<newline>'def', return the offset just after the opening quote of
 * the continuation, else -1.  This is psqlscan.l's {quotecontinue}: blanks
 * and "--" comments, at least one newline, more blanks, newlines and
 * comments, then a quote.
 */
static int
quote_continues(const char *s, int i)
{
	/* {horiz_whitespace}* */
	for (;;)
	{
		if (IS_HORIZ_SPACE(s[i]))
			i++;
		else if (s[i] == '-' && s[i + 1] == '-')
			while (s[i] != '\0' && !IS_NEWLINE(s[i]))
				i++;
		else
			break;
	}
	/* {newline} */
	if (!IS_NEWLINE(s[i]))
		return -1;
	i++;
	/* {special_whitespace}*: blanks and newlines, or a comment and newline */
	for (;;)
	{
		if (IS_HORIZ_SPACE(s[i]) || IS_NEWLINE(s[i]))
			i++;
		else if (s[i] == '-' && s[i + 1] == '-')
		{
			int			j = i;

			while (s[j] != '\0' && !IS_NEWLINE(s[j]))
				j++;
			if (s[j] == '\0')
				return -1;
			i = j + 1;
		}
		else
			break;
	}
	return s[i] == '\'' ? i + 1 : -1;
}

/*
 * scan_like_psql
 *		Read s as psql's lexer would with the given setting of
 *		standard_conforming_strings, and say whether psql would find in it a
 *		backslash command, a variable reference, or an unfinished quote or
 *		comment (*where: its byte offset).
 *
 * Only what decides where quotes and comments start and end is followed;
 * everything else is skipped a character at a time, which psqlscan.l's
 * rules allow: no token other than quotes, comments, identifiers and
 * numbers can hide a quote, a "$" or a "--" from the next token.
 */
static PsqlHazard
scan_like_psql(const char *s, bool std_strings, int *where)
{
	PsqlState	state = PS_INITIAL;
	int			i = 0;
	int			start = 0;		/* where the current quote or comment began */
	int			depth = 0;		/* nesting of C-style comments */
	char	   *tag = NULL;		/* the $tag$ of a dollar quote */

	while (s[i] != '\0')
	{
		char		c = s[i];

		switch (state)
		{
			case PS_INITIAL:
				start = i;
				if (c == '-' && s[i + 1] == '-')
				{
					while (s[i] != '\0' && !IS_NEWLINE(s[i]))
						i++;
				}
				else if (c == '/' && s[i + 1] == '*')
				{
					state = PS_XC;
					depth = 0;
					i += 2;
				}
				else if (c == '\'')
				{
					state = std_strings ? PS_XQ : PS_XE;
					i++;
				}
				else if ((c == 'e' || c == 'E') && s[i + 1] == '\'')
				{
					state = PS_XE;
					i += 2;
				}
				else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') &&
						 s[i + 1] == '\'')
				{
					state = PS_XB;
					i += 2;
				}
				else if ((c == 'u' || c == 'U') && s[i + 1] == '&' &&
						 (s[i + 2] == '\'' || s[i + 2] == '"'))
				{
					state = s[i + 2] == '\'' ? PS_XQ : PS_XD;
					i += 3;
				}
				else if (c == '"')
				{
					state = PS_XD;
					i++;
				}
				else if (c == '$')
				{
					int			j = i + 1;

					if (IS_IDENT_START(s[j]))
						while (IS_VARIABLE_CHAR(s[j]))
							j++;
					if (s[j] == '$')
					{
						/* $$ or $tag$ opens a dollar quote */
						tag = pnstrdup(s + i, j + 1 - i);
						state = PS_XDOLQ;
						i = j + 1;
					}
					else
					{
						/* a parameter $1, or a lone $: go on after it */
						i++;
						while (IS_DIGIT(s[i]))
							i++;
					}
				}
				else if (IS_IDENT_START(c))
				{
					/*
					 * An identifier (N'...' is the identifier N followed by
					 * a quote).  It may contain "$": a$b$ is no dollar
					 * quote.
					 */
					i++;
					while (IS_IDENT_CONT(s[i]))
						i++;
				}
				else if (IS_DIGIT(c))
				{
					/* a number; an E that no digit follows is not part of it */
					while (IS_DIGIT(s[i]))
						i++;
					if (s[i] == '.' && s[i + 1] != '.')
					{
						i++;
						while (IS_DIGIT(s[i]))
							i++;
					}
					if ((s[i] == 'e' || s[i] == 'E') &&
						(IS_DIGIT(s[i + 1]) ||
						 ((s[i + 1] == '+' || s[i + 1] == '-') &&
						  IS_DIGIT(s[i + 2]))))
					{
						i += 2;
						while (IS_DIGIT(s[i]))
							i++;
					}
				}
				else if (c == '\\')
				{
					*where = i;
					return PSQL_BACKSLASH;
				}
				else if (c == ':')
				{
					if (s[i + 1] == ':' || s[i + 1] == '=')
						i += 2;
					else if (IS_VARIABLE_CHAR(s[i + 1]))
					{
						/* ":123" names no variable psql defines by itself */
						int			j = i + 1;

						while (IS_DIGIT(s[j]))
							j++;
						if (IS_VARIABLE_CHAR(s[j]))
						{
							*where = i;
							return PSQL_VARIABLE;
						}
						i = j;
					}
					else if (s[i + 1] == '\'' || s[i + 1] == '"' ||
							 (s[i + 1] == '{' && s[i + 2] == '?'))
					{
						*where = i;
						return PSQL_VARIABLE;
					}
					else
						i++;
				}
				else
					i++;
				break;

			case PS_XC:
				if (c == '/' && s[i + 1] == '*')
				{
					depth++;
					i += 2;
				}
				else if (c == '*' && s[i + 1] == '/')
				{
					if (depth == 0)
						state = PS_INITIAL;
					else
						depth--;
					i += 2;
				}
				else
					i++;
				break;

			case PS_XE:
				if (c == '\\')
				{
					/* an escape takes the next character, a quote too */
					i += (s[i + 1] != '\0') ? 2 : 1;
					break;
				}
				/* FALLTHROUGH */
			case PS_XQ:
			case PS_XB:
				if (c != '\'')
					i++;
				else if (state != PS_XB && s[i + 1] == '\'')
					i += 2;		/* a doubled quote */
				else
				{
					int			next = quote_continues(s, i + 1);

					if (next >= 0)
						i = next;	/* the string goes on, in the same state */
					else
					{
						state = PS_INITIAL;
						i++;
					}
				}
				break;

			case PS_XD:
				if (c == '"' && s[i + 1] == '"')
					i += 2;
				else
				{
					if (c == '"')
						state = PS_INITIAL;
					i++;
				}
				break;

			case PS_XDOLQ:
				{
					const char *end = strstr(s + i, tag);

					if (end == NULL)
						i += strlen(s + i);
					else
					{
						i = (end - s) + strlen(tag);
						state = PS_INITIAL;
					}
				}
				break;
		}
	}

	if (state != PS_INITIAL)
	{
		*where = start;
		return PSQL_UNTERMINATED;
	}
	return PSQL_SAFE;
}

/*
 * Append text as "--" comment lines: the first starts with first_prefix,
 * each line break of the text starts a new line with next_prefix, and other
 * control characters become spaces, so that nothing in the text can end the
 * comment.
 */
static void
append_comment(StringInfo buf, const char *first_prefix,
			   const char *next_prefix, const char *text)
{
	appendStringInfoString(buf, first_prefix);
	for (const char *p = text; *p; p++)
	{
		if (*p == '\r' || *p == '\n')
		{
			if (*p == '\r' && p[1] == '\n')
				p++;
			appendStringInfoChar(buf, '\n');
			appendStringInfoString(buf, next_prefix);
		}
		else if ((unsigned char) *p < 0x20 || *p == 0x7f)
			appendStringInfoChar(buf, *p == '\t' ? '\t' : ' ');
		else
			appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '\n');
}

/* The heads as text for comments and messages: "a, b", or "base" */
static char *
describe_heads(SvGraph *graph, const int *revs, int n)
{
	StringInfoData buf;

	if (n == 0)
		return pstrdup("base");
	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", graph->revs[revs[i]].id);
	return buf.data;
}

/* A text[] of revision ids, as ARRAY['a', 'b']::pg_catalog.text[] or '{}'::pg_catalog.text[] */
static void
append_id_array(StringInfo buf, SvGraph *graph, const int *revs, int n)
{
	if (n == 0)
	{
		appendStringInfoString(buf, "'{}'::pg_catalog.text[]");
		return;
	}
	appendStringInfoString(buf, "ARRAY[");
	for (int i = 0; i < n; i++)
		appendStringInfo(buf, "%s%s", i ? ", " : "",
						 quote_literal_cstr(graph->revs[revs[i]].id));
	appendStringInfoString(buf, "]::pg_catalog.text[]");
}

/*
 * A dollar-quote tag that does not occur in body: $base$, else $base_1$,
 * $base_2$, ...
 */
static char *
choose_dollar_tag(const char *body, const char *base)
{
	char	   *tag = psprintf("$%s$", base);

	for (int n = 1; strstr(body, tag) != NULL; n++)
		tag = psprintf("$%s_%d$", base, n);
	return tag;
}

/*
 * The guard: a DO block that takes schemaver's lock (so that a script and
 * an online call run one at a time, as two online calls do) and raises an
 * error unless the current heads are the ones the plan starts from and the
 * revisions the plan runs still have the checksums it was made with.  graph
 * is in the state the plan starts from.
 *
 * The transaction is READ COMMITTED so that the checks, which run after the
 * lock is granted, see what the previous holder of the lock committed.
 */
static void
append_guard(StringInfo buf, SvGraph *graph, SvPlan *plan, SvStepText *texts)
{
	StringInfoData body;
	char	   *from = describe_heads(graph, graph->current, graph->ncurrent);
	char	   *tag;

	initStringInfo(&body);
	appendStringInfoString(&body,
						   "\nDECLARE\n"
						   "    heads text[];\n"
						   "    changed text;\n"
						   "BEGIN\n");
	appendStringInfo(&body,
					 "    PERFORM pg_catalog.pg_advisory_xact_lock(%d, %d);\n\n",
					 (int32) SV_LOCK_KEY1, (int32) SV_LOCK_KEY2);
	appendStringInfoString(&body,
						   "    SELECT COALESCE(pg_catalog.array_agg(v.revision ORDER BY v.revision COLLATE pg_catalog.\"C\"), '{}')\n"
						   "      INTO heads\n"
						   "      FROM schemaver.version AS v;\n"
						   "    IF heads OPERATOR(pg_catalog.<>) ");
	append_id_array(&body, graph, graph->current, graph->ncurrent);
	appendStringInfoString(&body,
						   " THEN\n"
						   "        RAISE EXCEPTION 'the database is not at the revision this schemaver script starts from'\n"
						   "            USING ERRCODE = 'object_not_in_prerequisite_state',\n"
						   "                  DETAIL = pg_catalog.format('The script starts from %s; the database is at %s. Nothing was changed.',\n"
						   "                                             ");
	appendStringInfoString(&body, quote_literal_cstr(from));
	appendStringInfoString(&body,
						   ",\n"
						   "                                             CASE WHEN pg_catalog.cardinality(heads) OPERATOR(pg_catalog.=) 0 THEN 'base'\n"
						   "                                                  ELSE pg_catalog.array_to_string(heads, ', ') END),\n"
						   "                  HINT = 'Generate the script again from the current state, and review it again.';\n"
						   "    END IF;\n");

	if (plan->nsteps > 0)
	{
		appendStringInfoString(&body,
							   "\n"
							   "    SELECT pg_catalog.string_agg(e.revision, ', ' ORDER BY e.step)\n"
							   "      INTO changed\n"
							   "      FROM (VALUES ");
		for (int i = 0; i < plan->nsteps; i++)
		{
			SvRevision *r = &graph->revs[plan->steps[i].rev];

			appendStringInfo(&body, "%s(%d, %s, %s)",
							 i ? ",\n                   " : "", i + 1,
							 quote_literal_cstr(r->id),
							 quote_literal_cstr(texts[i].checksum));
		}
		appendStringInfoString(&body,
							   ") AS e (step, revision, checksum)\n"
							   "      LEFT JOIN schemaver.revision AS r ON r.revision OPERATOR(pg_catalog.=) e.revision\n"
							   "     WHERE r.checksum IS NULL OR r.checksum OPERATOR(pg_catalog.<>) e.checksum;\n"
							   "    IF changed IS NOT NULL THEN\n"
							   "        RAISE EXCEPTION 'revisions changed since this schemaver script was generated: %', changed\n"
							   "            USING ERRCODE = 'object_not_in_prerequisite_state',\n"
							   "                  DETAIL = 'Their registered content is not the content the script was generated from. Nothing was changed.',\n"
							   "                  HINT = 'Generate the script again from the current state, and review it again.';\n"
							   "    END IF;\n");
	}
	appendStringInfoString(&body, "END\n");

	tag = choose_dollar_tag(body.data, "schemaver_guard");
	appendStringInfoString(buf,
						   "-- Guard: take schemaver's lock, as the online call does, then stop,\n"
						   "-- changing nothing, unless the database is still at the state this script\n"
						   "-- was generated from.\n");
	appendStringInfo(buf, "DO %s%s%s;\n", tag, body.data, tag);
}

/*
 * One step: its header, the revision's SQL between the saving and the
 * restoring of the settings, and its bookkeeping, the rows that run.c's
 * catalog_record_steps writes.  Moves the in-memory state past the step.
 */
static void
append_step(StringInfo buf, SvGraph *graph, SvPlan *plan, int i,
			SvStepText *text, StepSql *sql, int *removed, int *added)
{
	SvStep	   *step = &plan->steps[i];
	SvRevision *r = &graph->revs[step->rev];
	const char *opname = run_operation_name(step->op);
	StringInfoData before;
	int			nremoved,
				nadded;
	ListCell   *lc;

	appendStringInfoString(buf, "\n-- ============================================================================\n");
	append_comment(buf, psprintf("-- Step %d of %d: ", i + 1, plan->nsteps),
				   "--   ", psprintf("%s %s", opname, run_step_arrow(graph, step)));
	if (text->message)
		append_comment(buf, "--   ", "--   ", text->message);
	appendStringInfoString(buf, "-- ============================================================================\n");

	if (sql->nstatements > 0)
	{
		appendStringInfoString(buf,
							   "-- Save the start time, and the settings: those the revision changes end\n"
							   "-- with it, as in the online call.\n"
							   "SELECT pg_catalog.extract('epoch', pg_catalog.clock_timestamp()) AS started,\n"
							   "       pg_catalog.json_object_agg(s.name, COALESCE(pg_catalog.current_setting(s.name, true), '')) AS settings\n"
							   "  FROM (SELECT p.name FROM pg_catalog.pg_settings AS p\n"
							   "         WHERE p.context OPERATOR(pg_catalog.=) ANY ('{user,superuser}'::pg_catalog.text[])\n"
							   "        UNION VALUES ('role'), ('session_authorization')");
		foreach(lc, sql->set_names)
			appendStringInfo(buf, ", (%s)",
							 quote_literal_cstr((char *) lfirst(lc)));
		appendStringInfoString(buf,
							   ") AS s (name)\n"
							   " WHERE NOT s.name OPERATOR(pg_catalog.~~) 'transaction%'\n"
							   "\\gset " SCRIPT_VAR_PREFIX "\n");
	}
	else
		appendStringInfoString(buf,
							   "SELECT pg_catalog.extract('epoch', pg_catalog.clock_timestamp()) AS started\n"
							   "\\gset " SCRIPT_VAR_PREFIX "\n");

	/* the revision's SQL */
	if (sql->text == NULL || sql->text[0] == '\0')
		appendStringInfo(buf, "\n-- (the %s SQL of revision %s is empty)\n\n",
						 opname, r->id);
	else
	{
		size_t		len = strlen(sql->text);

		appendStringInfo(buf, "\n-- >>> %s SQL of revision %s, verbatim\n",
						 opname, r->id);
		appendStringInfoString(buf, sql->text);
		if (!IS_NEWLINE(sql->text[len - 1]))
			appendStringInfoChar(buf, '\n');
		if (!sql->terminated)
			appendStringInfoString(buf, ";\n");
		appendStringInfo(buf, "-- <<< end of %s SQL of revision %s\n\n",
						 opname, r->id);
	}

	if (sql->nstatements > 0)
	{
		/*
		 * The role first: a revision that ran SET ROLE may not be allowed to
		 * read every setting the caller could.
		 */
		appendStringInfoString(buf,
							   "-- Set back what the revision changed: the role first, then the settings.\n"
							   "SELECT pg_catalog.count(pg_catalog.set_config(s.name, s.value, false)) AS restored\n"
							   "  FROM (SELECT j.key, j.value FROM pg_catalog.json_each_text(:'" SCRIPT_VAR_PREFIX "settings') AS j\n"
							   "         WHERE j.key OPERATOR(pg_catalog.=) ANY ('{session_authorization,role}'::pg_catalog.text[])\n"
							   "           AND j.value OPERATOR(pg_catalog.<>) pg_catalog.current_setting(j.key)\n"
							   "         ORDER BY j.key OPERATOR(pg_catalog.=) 'role') AS s (name, value)\n"
							   "\\gset " SCRIPT_VAR_PREFIX "\n"
							   "SELECT pg_catalog.count(pg_catalog.set_config(j.key, j.value, false)) AS restored\n"
							   "  FROM pg_catalog.json_each_text(:'" SCRIPT_VAR_PREFIX "settings') AS j\n"
							   " WHERE j.key OPERATOR(pg_catalog.<>) ALL ('{session_authorization,role}'::pg_catalog.text[])\n"
							   "   AND j.value OPERATOR(pg_catalog.<>) COALESCE(pg_catalog.current_setting(j.key, true), '')\n"
							   "\\gset " SCRIPT_VAR_PREFIX "\n\n");
	}

	/* bookkeeping: as catalog_record_steps */
	initStringInfo(&before);
	append_id_array(&before, graph, graph->current, graph->ncurrent);
	apply_step_to_state(graph, step, removed, &nremoved, added, &nadded);

	appendStringInfo(buf, "-- Record the step, as %s() does.\n",
					 step->op == SV_OP_UPGRADE ? "schemaver_upgrade"
					 : "schemaver_downgrade");
	if (nremoved == 1)
		appendStringInfo(buf,
						 "DELETE FROM schemaver.version WHERE revision OPERATOR(pg_catalog.=) %s;\n",
						 quote_literal_cstr(graph->revs[removed[0]].id));
	else if (nremoved > 1)
	{
		appendStringInfoString(buf,
							   "DELETE FROM schemaver.version WHERE revision OPERATOR(pg_catalog.=) ANY (");
		append_id_array(buf, graph, removed, nremoved);
		appendStringInfoString(buf, ");\n");
	}
	if (nadded > 0)
	{
		appendStringInfoString(buf,
							   "INSERT INTO schemaver.version (revision) VALUES ");
		for (int j = 0; j < nadded; j++)
			appendStringInfo(buf, "%s(%s)", j ? ", " : "",
							 quote_literal_cstr(graph->revs[added[j]].id));
		appendStringInfoString(buf, ";\n");
	}
	if (step->op == SV_OP_UPGRADE)
		appendStringInfo(buf,
						 "INSERT INTO schemaver.applied (revision, applied_at, applied_by)\n"
						 "SELECT %s, pg_catalog.to_timestamp(:'" SCRIPT_VAR_PREFIX "started'), CURRENT_USER;\n",
						 quote_literal_cstr(r->id));
	else
		appendStringInfo(buf,
						 "DELETE FROM schemaver.applied WHERE revision OPERATOR(pg_catalog.=) %s;\n",
						 quote_literal_cstr(r->id));
	appendStringInfoString(buf,
						   "INSERT INTO schemaver.log (revision, operation, heads_before, heads_after,\n"
						   "                           started_at, elapsed, performed_by, checksum)\n");
	appendStringInfo(buf, "SELECT %s, %s,\n       %s, ",
					 quote_literal_cstr(r->id), quote_literal_cstr(opname),
					 before.data);
	append_id_array(buf, graph, graph->current, graph->ncurrent);
	appendStringInfo(buf,
					 ",\n"
					 "       s.started_at, pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) s.started_at,\n"
					 "       CURRENT_USER, %s\n"
					 "  FROM (SELECT pg_catalog.to_timestamp(:'" SCRIPT_VAR_PREFIX "started')) AS s (started_at);\n",
					 quote_literal_cstr(text->checksum));
}
