/*-------------------------------------------------------------------------
 *
 * script.c
 *	  Writing preview scripts: schemaver_upgrade_sql() and
 *	  schemaver_downgrade_sql() return, as one psql script, what
 *	  schemaver_upgrade() or schemaver_downgrade() would do from the
 *	  database's current state.  scriptrun.c runs them.
 *
 * A preview plans exactly as the online call does (catalog.c, target.c,
 * plan.c) and changes nothing: it reads the catalog with its statement's
 * snapshot and takes no lock beyond the AccessShareLock of that read, so it
 * neither waits for a running migration nor holds one up.
 *
 * The design rule: psql never lexes revision text.  psql reads a script with
 * a lexer of its own, line by line and in its client encoding, in which a
 * backslash starts a meta-command (\! runs a shell command) and :name is a
 * variable; deciding whether some text would be read alike by psql and by
 * the server would mean imitating psql's lexer, with its continuations,
 * encodings and settings.  So each step of the script is one call of a
 * server-side function whose last argument is the revision's SQL as one
 * dollar-quoted string:
 *
 *	SELECT * FROM schemaver.run_script_step('<fingerprint>', 1, 'r2',
 *		'upgrade', '<checksum>', $sv_4f1c2a$
 *	...the revision's SQL, as registered...
 *	$sv_4f1c2a$);
 *
 * Inside a dollar quote psql looks for nothing but the closing tag, and the
 * tag is one that occurs nowhere in the SQL (it is made from the SQL's own
 * hash, then lengthened if need be), so no text of a revision can end the
 * quote early, or be taken for a marker of the script: the step's header
 * names the tag.  The SQL sits between two newlines the runner removes, so
 * the closing tag always starts a line.  The function runs the SQL with the
 * very code of the online call (run.c: the revision guard, the settings
 * scope, the statement context, the bookkeeping), after checking that it
 * is the revision's registered SQL and the next step of the plan.
 *
 * The rest of the script is the script's own: ids (from [A-Za-z0-9_]),
 * checksums and the fingerprint (hex) in quoted literals, and user text
 * (messages) only in "--" comments, with every control character escaped
 * (escape.c), so that it can neither end the comment nor reach a terminal
 * raw.  Revision SQL that holds control characters (other than line
 * feeds, tabs and CR LF line ends) is written escaped too: such a step
 * passes pg_catalog.decode(<dollar-quoted text>, 'escape'), in which \ooo
 * is one byte in octal and \\ a backslash, converted back to text.
 *
 * A plan with non-transactional steps ("-- schemaver: transaction=off",
 * directive.c) makes a script of several transactions, as the stepwise
 * procedures run it: the script commits before each such step and calls
 *
 *	CALL schemaver.run_script_step_nontx('<fingerprint>', 3, 'r4', ...);
 *
 * outside any transaction block (with the revision's SQL dollar-quoted in
 * the same way), then begins a new transaction for the steps after it.
 * Its header says so, and which steps they are.
 *
 * The script starts with \set ON_ERROR_STOP on and \encoding, the client
 * encoding it was written in, before any text that is not ASCII, so that
 * psql reads the file in the encoding it is in.  (A revision that changes
 * client_encoding does so inside the step function, whose settings end
 * with the step, so psql never hears of it.)
 *
 * src/script.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "schemaver.h"

PG_FUNCTION_INFO_V1(schemaver_upgrade_sql);
PG_FUNCTION_INFO_V1(schemaver_downgrade_sql);
PG_FUNCTION_INFO_V1(schemaver_downgrade_sql_steps);

static text *make_script(const char *call, const char *kind,
						 const char *target, SvDirection direction);
static void append_comment(StringInfo buf, const char *first_prefix,
						   const char *next_prefix, const char *text);
static char *describe_heads(SvGraph *graph, const int *revs, int n);
static char *choose_dollar_tag(const char *body, const char *checksum);
static int	count_lines(const char *s);
static void append_step(StringInfo buf, SvGraph *graph, SvPlan *plan, int i,
						SvStepText *text, const char *fingerprint,
						bool nontx, int *removed, int *added);

/*
 * schemaver_upgrade_sql(target text DEFAULT 'head')
 */
Datum
schemaver_upgrade_sql(PG_FUNCTION_ARGS)
{
	char	   *target = sv_text_arg(fcinfo, 0, "target", true);

	PG_RETURN_TEXT_P(make_script(psprintf("schemaver_upgrade(%s)",
										  quote_literal_cstr(target)),
								 "upgrade", target, SV_DIR_UPGRADE));
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
								 "downgrade", target, SV_DIR_DOWNGRADE));
}

/*
 * schemaver_downgrade_sql(steps integer): the script of the target '-steps'.
 */
Datum
schemaver_downgrade_sql_steps(PG_FUNCTION_ARGS)
{
	int32		steps = sv_int_arg(fcinfo, 0, "steps");

	PG_RETURN_TEXT_P(make_script(psprintf("schemaver_downgrade(%d)", steps),
								 "downgrade", target_relative_steps(steps),
								 SV_DIR_DOWNGRADE));
}

/*
 * make_script
 *		Plan the call from the current state and write its script.
 *
 * call is the online call the script stands for, as its header shows it;
 * kind ("upgrade", "downgrade") and target are what the script passes to
 * schemaver.run_script_begin, which plans again from the state it finds.
 */
static text *
make_script(const char *call, const char *kind, const char *target,
			SvDirection direction)
{
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *problems = NIL;
	SvGraph    *graph;
	SvDestination *dest;
	SvPlan	   *plan;
	SvStepText *texts = NULL;
	StringInfoData buf;
	StringInfoData body;
	char	   *fingerprint;
	char	   *from;
	int		   *removed;
	int		   *added;
	text	   *result;
	bool	   *nontx;
	int			nnontx = 0;
	bool		in_transaction = true;

	guard_check_not_nested(psprintf("schemaver_%s_sql()", kind));
	SPI_connect();

	/* the plan of the online call, from what this statement sees */
	graph = catalog_load_graph_problems(&problems, false);
	graph_check_usable(problems);
	dest = target_resolve(graph, target);
	plan = plan_make(graph, dest, direction);
	fingerprint = plan_fingerprint(graph, plan, direction);
	if (plan->nsteps > 0)
		texts = catalog_fetch_steps(graph, plan, 0, plan->nsteps);

	/*
	 * A checksum goes into the script where psql reads it (a literal, the
	 * dollar tag): it must be what schemaver writes, 64 hex digits, not what
	 * a row edited by hand or restored from a crafted dump holds.
	 */
	for (int i = 0; i < plan->nsteps; i++)
		if (strlen(texts[i].checksum) != 64 ||
			strspn(texts[i].checksum, "0123456789abcdef") != 64)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" has a damaged checksum",
							graph->revs[plan->steps[i].rev].id),
					 errdetail("Its stored checksum is not 64 hexadecimal digits, so its row was changed outside schemaver_add_revision; no script is written."),
					 errhint("SELECT * FROM schemaver_verify(); lists the damaged rows. Register the revision again to repair it.")));
	from = describe_heads(graph, graph->current, graph->ncurrent);

	/*
	 * The steps move the in-memory state to where the plan ends (the graph
	 * has room for every revision in graph->current).
	 */
	removed = palloc(sizeof(int) * Max(graph->nrevs, 1));
	added = palloc(sizeof(int) * Max(graph->nrevs, 1));

	/* which steps are non-transactional (their directives, as they run) */
	nontx = palloc0(sizeof(bool) * Max(plan->nsteps, 1));
	for (int i = 0; i < plan->nsteps; i++)
	{
		SvDirectives d;

		directives_parse(texts[i].sql, graph->revs[plan->steps[i].rev].id,
						 plan_operation_name(plan->steps[i].op), &d);
		nontx[i] = !d.transactional;
		if (nontx[i])
			nnontx++;
	}

	/*
	 * The steps; a non-transactional one runs between the transactions of
	 * the others.
	 */
	initStringInfo(&body);
	for (int i = 0; i < plan->nsteps; i++)
	{
		if (nontx[i] && in_transaction)
		{
			appendStringInfoString(&body,
								   "\n-- The next step runs outside any transaction: commit the steps so far.\n"
								   "COMMIT;\n");
			in_transaction = false;
		}
		else if (!nontx[i] && !in_transaction)
		{
			appendStringInfoString(&body, "\nBEGIN ISOLATION LEVEL READ COMMITTED;\n");
			in_transaction = true;
		}
		append_step(&body, graph, plan, i, &texts[i], fingerprint, nontx[i],
					removed, added);
	}
	if (!in_transaction)
		appendStringInfoString(&body, "\nBEGIN ISOLATION LEVEL READ COMMITTED;\n");

	/* the encoding first: everything before it is ASCII */
	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "\\set ON_ERROR_STOP on\n"
					 "\\set ON_ERROR_ROLLBACK off\n"
					 "\\encoding %s\n",
					 pg_get_client_encoding_name());
	appendStringInfo(&buf, "-- schemaver script: %s\n", call);
	appendStringInfo(&buf, "-- Plan fingerprint: %s\n", fingerprint);
	if (nnontx == 0)
		appendStringInfoString(&buf,
							   "--\n"
							   "-- What that call would do from the state below, in one transaction.\n");
	else
		appendStringInfo(&buf,
						 "--\n"
						 "-- What that call would do from the state below, in several transactions:\n"
						 "-- %d of its steps %s non-transactional (\"-- schemaver: transaction=off\"),\n"
						 "-- as CALL schemaver_%s_stepwise() runs them.  The script commits before\n"
						 "-- each of them and runs it outside any transaction block, each of its\n"
						 "-- statements on its own, in a background worker; then it goes on in a\n"
						 "-- new transaction.  It holds schemaver's lock throughout.  If it stops,\n"
						 "-- the steps committed before stay, as with a stepwise walk.  A\n"
						 "-- non-transactional step is a CALL of schemaver.run_script_step_nontx().\n",
						 nnontx, nnontx == 1 ? "is" : "are", kind);
	appendStringInfoString(&buf,
						   "-- Review it, then run it with\n"
						   "--     psql -X -v ON_ERROR_STOP=1 -f this_file.sql\n"
						   "-- (not with --single-transaction: it has its own BEGIN and COMMIT), or\n"
						   "-- apply exactly this plan without the script:\n");
	if (nnontx == 0)
		appendStringInfo(&buf, "--     SELECT * FROM schemaver_%s(%s, plan => '%s');\n",
						 kind, quote_literal_cstr(target), fingerprint);
	else
		appendStringInfo(&buf, "--     CALL schemaver_%s_stepwise(%s, plan => '%s');\n",
						 kind, quote_literal_cstr(target), fingerprint);
	appendStringInfoString(&buf,
						   "-- Either way it first takes schemaver's lock and checks that the database\n"
						   "-- is still at the state below and that every revision still has the\n"
						   "-- content it had; if not, it stops and changes nothing.\n"
						   "--\n"
						   "-- How to read it: each step is one call of schemaver.run_script_step(),\n"
						   "-- which runs the revision's SQL as the online call does and records it.\n"
						   "-- Its last argument is the revision's SQL, as registered, between two\n"
						   "-- copies of a dollar-quote tag that occurs nowhere in that SQL; the\n"
						   "-- step's header names the tag and the number of lines.  Whatever looks\n"
						   "-- like a marker of this script between the two is part of the SQL.\n"
						   "-- Control characters are shown escaped: in comments as \\xNN or\n"
						   "-- \\uNNNN; in SQL that holds any, as \\ooo (octal) and \\\\ within\n"
						   "-- pg_catalog.decode(..., 'escape').\n"
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
						   psprintf("%s%s %s%s%s",
									nontx[i] ? "(non-transactional) " : "",
									plan_operation_name(step->op),
									run_step_arrow(graph, step),
									message ? ": " : "",
									message ? message : ""));
		}
	}

	appendStringInfoString(&buf, "\nBEGIN ISOLATION LEVEL READ COMMITTED;\n\n");
	appendStringInfoString(&buf,
						   "-- Take schemaver's lock, plan again from the state found, and stop\n"
						   "-- unless that plan has the fingerprint above.\n");
	appendStringInfo(&buf,
					 "SELECT schemaver.run_script_begin(%s, %s, '%s');\n",
					 quote_literal_cstr(kind), quote_literal_cstr(target),
					 fingerprint);
	appendStringInfoString(&buf, body.data);
	appendStringInfoString(&buf,
						   "\n-- Check that every step ran, and where the database is now.\n");
	appendStringInfo(&buf, "SELECT schemaver.run_script_end('%s');\n",
					 fingerprint);
	appendStringInfoString(&buf, "\nCOMMIT;\n");

	MemoryContextSwitchTo(callercxt);
	result = cstring_to_text_with_len(buf.data, buf.len);
	SPI_finish();
	return result;
}

/*
 * Append text as "--" comment lines: the first starts with first_prefix,
 * each line break of the text starts a new line with next_prefix, and every
 * other control character is escaped, so that nothing in the text can end
 * the comment or reach a terminal raw.
 */
static void
append_comment(StringInfo buf, const char *first_prefix,
			   const char *next_prefix, const char *text)
{
	appendStringInfoString(buf, first_prefix);
	for (const char *p = text; *p;)
	{
		int			len;

		if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
		{
			p += (*p == '\r') ? 2 : 1;
			appendStringInfoChar(buf, '\n');
			appendStringInfoString(buf, next_prefix);
			continue;
		}
		len = sv_invisible_length(p, false);
		if (len > 0)
		{
			sv_append_escaped_char(buf, p, len);
			p += len;
		}
		else
			appendStringInfoChar(buf, *p++);
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

/*
 * A dollar-quote tag that does not occur in body: $sv_<first 12 hex digits
 * of the content checksum>$, lengthened with more digits (then a counter)
 * until it is absent.  Made from the checksum so that the same revision
 * always gets the same tag, and no text can be written in advance to
 * contain it.
 */
static char *
choose_dollar_tag(const char *body, const char *checksum)
{
	int			len = strlen(checksum);
	char	   *tag;

	for (int n = 12; n <= len; n += 4)
	{
		tag = psprintf("$sv_%.*s$", n, checksum);
		if (strstr(body, tag) == NULL)
			return tag;
	}
	for (int n = 1;; n++)
	{
		tag = psprintf("$sv_%s_%d$", checksum, n);
		if (strstr(body, tag) == NULL)
			return tag;
	}
}

/* Number of lines of a text (a last line without a line feed counts) */
static int
count_lines(const char *s)
{
	int			n = 0;

	for (const char *p = s; *p; p++)
		if (*p == '\n')
			n++;
	if (*s && s[strlen(s) - 1] != '\n')
		n++;
	return n;
}

/*
 * One step: a header of comments, and the call of schemaver.run_script_step
 * (a non-transactional step: CALL schemaver.run_script_step_nontx) with the
 * revision's SQL.  Moves the in-memory state past the step, for
 * the next step's header.
 */
static void
append_step(StringInfo buf, SvGraph *graph, SvPlan *plan, int i,
			SvStepText *text, const char *fingerprint, bool nontx,
			int *removed, int *added)
{
	SvStep	   *step = &plan->steps[i];
	SvRevision *r = &graph->revs[step->rev];
	const char *opname = step->op == SV_OP_UPGRADE ? "upgrade" : "downgrade";
	int			nremoved,
				nadded;

	appendStringInfoString(buf, "\n-- ============================================================================\n");
	append_comment(buf, psprintf("-- Step %d of %d: ", i + 1, plan->nsteps),
				   "--   ",
				   psprintf("%s %s", plan_operation_name(step->op),
							run_step_arrow(graph, step)));
	if (text->message)
		append_comment(buf, "--   ", "--   ", text->message);
	append_comment(buf, "--   ", "--   ",
				   psprintf("revision %s, content checksum %s", r->id,
							text->checksum));
	if (nontx)
		appendStringInfoString(buf, "--   Non-transactional: it runs outside any transaction, each statement on\n"
							   "--   its own, and is recorded after its last statement.\n");

	{
		bool		escaped = sv_has_invisible(text->sql);
		StringInfoData sql;
		char	   *tag;

		/* the SQL as written into the script: as it is, or escaped */
		initStringInfo(&sql);
		if (!escaped)
			appendStringInfoString(&sql, text->sql);
		else
			for (const char *p = text->sql; *p;)
			{
				int			len = sv_invisible_length(p, true);

				if (*p == '\\')
				{
					appendStringInfoString(&sql, "\\\\");
					p++;
				}
				else if (len > 0)
				{
					for (int k = 0; k < len; k++)
						appendStringInfo(&sql, "\\%03o", (unsigned char) p[k]);
					p += len;
				}
				else
					appendStringInfoChar(&sql, *p++);
			}
		tag = choose_dollar_tag(sql.data, text->checksum);

		appendStringInfo(buf, "--   Its %s SQL (%d line%s) is the last argument below, between %s\n",
						 opname, count_lines(text->sql),
						 count_lines(text->sql) == 1 ? "" : "s", tag);
		appendStringInfo(buf, "--   and %s%s.\n", tag,
						 escaped ? ", escaped: it holds control characters" : "");
		appendStringInfoString(buf, "-- ============================================================================\n");
		appendStringInfo(buf,
						 "%s('%s', %d, %s, %s, '%s', %s%s\n",
						 nontx ? "CALL schemaver.run_script_step_nontx"
						 : "SELECT * FROM schemaver.run_script_step",
						 fingerprint, i + 1, quote_literal_cstr(r->id),
						 quote_literal_cstr(opname), text->checksum,
						 escaped ? "pg_catalog.convert_from(pg_catalog.decode(" : "",
						 tag);
		appendStringInfoString(buf, sql.data);
		appendStringInfo(buf, "\n%s%s);\n", tag,
						 escaped ? ", 'escape'), pg_catalog.getdatabaseencoding())" : "");
	}

	apply_step_to_state(graph, step, removed, &nremoved, added, &nadded);
}
