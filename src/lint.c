/*-------------------------------------------------------------------------
 *
 * lint.c
 *	  The linter's driver: the settings schemaver.lint,
 *	  schemaver.lint_table_rows and schemaver.lint_table_size;
 *	  schemaver_lint(); the check that schemaver_upgrade() and
 *	  schemaver_upgrade_stepwise() make before they run anything
 *	  (lint_check_plan); reading the revisions; splitting each into
 *	  statements; the "-- schemaver:lint-ignore" directives; and the
 *	  reports (rows, WARNINGs, the refusal).
 *
 * A revision is linted, never run: its upgrade SQL is parsed with the
 * server's own parser (pg_parse_query, as run.c splits it) and each raw
 * parse tree is handed to the rules (lint_rules.c), which look at the live
 * catalog (lint_catalog.c).  The only thing of the revision that takes
 * effect while it is linted is a SET search_path, so that names resolve as
 * they will when it runs; it lasts until the end of the revision (a GUC
 * nest level, as run.c does).
 *
 * Directives.  A "--" comment of its own line in the blanks before a
 * statement (between the previous statement's semicolon and the
 * statement's first word) that reads
 *		-- schemaver:lint-ignore rule-a, rule-b -- optional reason
 * silences those rules for that statement and no other.  The parser gives
 * each statement's extent, and between the end of one and the start of the
 * next there is nothing but blanks, comments and semicolons: that gap is
 * scanned for "--" and nested block comments only.  A revision-level rule (missing-downgrade)
 * may be named in any such gap.  An unknown rule name, a directive that
 * is not on a line of its own, or one after the last statement is itself
 * a finding (lint-directive), so that a typo never silences nothing
 * unnoticed.
 *
 * The upgrade hook lints only upgrades: a downgrade is the way back, often
 * taken in a hurry, and its SQL (DROP COLUMN, DROP TABLE) would be flagged
 * every time.  In the hook, each revision is linted in a subtransaction: a
 * revision that does not parse is left to the run, which reports its
 * syntax error as it always did, and any other failure to lint a revision
 * is a WARNING under schemaver.lint = warn (the upgrade goes on) and an
 * error under schemaver.lint = error.
 *
 * src/lint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "schemaver.h"
#include "lint_defs.h"

PG_FUNCTION_INFO_V1(schemaver_lint);

/* schemaver.lint */
typedef enum LintMode
{
	LINT_MODE_OFF,
	LINT_MODE_WARN,
	LINT_MODE_ERROR
} LintMode;

static const struct config_enum_entry lint_mode_options[] = {
	{"off", LINT_MODE_OFF, false},
	{"warn", LINT_MODE_WARN, false},
	{"error", LINT_MODE_ERROR, false},
	{NULL, 0, false}
};

static int	lint_mode = LINT_MODE_WARN;
static int	lint_table_rows = 10000;
static int	lint_table_size = 10240;	/* kB */

/* Revisions read per statement */
#define LINT_BATCH 1000

/* The directive, after "--" and blanks */
#define LINT_DIRECTIVE_PREFIX "schemaver:"
#define LINT_DIRECTIVE "lint-ignore"

/* Where findings go: rows of schemaver_lint(), or the upgrade's reports */
typedef struct LintSink
{
	bool		checking;		/* the upgrade hook */
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	MemoryContext keep;			/* for first_error */
	LintFinding *first_error;	/* hook, lint = error: the one to raise */
	int			nerrors;		/* findings of severity error */
} LintSink;

/* Error context while a revision is linted */
typedef struct LintErrorContext
{
	const char *revision;
	const char *sql;
	int			statement;		/* 0 while parsing */
} LintErrorContext;

/* The statement that reads the revisions to lint */
static SPIPlanPtr fetch_plan = NULL;

static void lint_error_callback(void *arg);
static LintContext *lint_context_create(void);
static void lint_ids(LintContext *ctx, char **ids, int n, LintSink *sink);
static void lint_one(LintContext *ctx, const char *revision, const char *sql,
					 bool no_downgrade, LintSink *sink);
static void lint_revision(LintRevision *rev, volatile bool *parsed);
static int	scan_gap(LintRevision *rev, int pos, bool trailing);
static void read_directive(LintRevision *rev, const char *start,
						   const char *end, bool trailing);
static void apply_search_path(VariableSetStmt *set);
static void emit(LintSink *sink, LintFinding *f);
static char *facts_text(LintFacts *f);
static char *silence_text(LintFinding *f);
static LintFinding *copy_finding(LintFinding *f);

/*
 * lint_init
 *		Define the settings (from _PG_init).
 */
void
lint_init(void)
{
	DefineCustomEnumVariable("schemaver.lint",
							 "What schemaver_upgrade() does with the lint findings of the revisions it is about to apply.",
							 "off: nothing; warn: a WARNING for each finding, then the upgrade runs; error: the upgrade is refused, before anything runs, if a finding has severity error.",
							 &lint_mode,
							 LINT_MODE_WARN,
							 lint_mode_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("schemaver.lint_table_rows",
							"Estimated rows from which the lint rules count a table as big.",
							"-1: the rows are no criterion.",
							&lint_table_rows,
							10000, -1, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schemaver.lint_table_size",
							"Size, with indexes and TOAST, from which the lint rules count a table as big.",
							"-1: the size is no criterion.",
							&lint_table_size,
							10240, -1, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
}

/*
 * Error context: which revision, and which statement of it, was being
 * linted.  A syntax error found while parsing gets its position moved into
 * the revision's text (as run.c does), so that psql shows the line.
 */
static void
lint_error_callback(void *arg)
{
	LintErrorContext *ctx = (LintErrorContext *) arg;

	if (ctx->statement == 0)
	{
		int			pos = geterrposition();

		if (pos > 0)
		{
			errposition(0);
			internalerrposition(pos);
			internalerrquery(ctx->sql);
		}
		errcontext("linting upgrade SQL of revision \"%s\"", ctx->revision);
	}
	else
		errcontext("linting statement %d of revision \"%s\"",
				   ctx->statement, ctx->revision);
}

/* The state of one call: thresholds, facts cache, memory */
static LintContext *
lint_context_create(void)
{
	LintContext *ctx = palloc0(sizeof(LintContext));

	ctx->cxt = AllocSetContextCreate(CurrentMemoryContext, "schemaver lint",
									 ALLOCSET_DEFAULT_SIZES);
	ctx->threshold_rows = lint_table_rows;
	ctx->threshold_bytes = lint_table_size < 0 ? -1
		: (int64) lint_table_size * 1024;
	ctx->facts = NULL;			/* made on first use (lint_facts) */
	return ctx;
}

/*
 * Lint the revisions ids[0..n-1], in that order, reading their SQL
 * LINT_BATCH at a time.  An id that is not registered is an error.
 */
static void
lint_ids(LintContext *ctx, char **ids, int n, LintSink *sink)
{
	MemoryContext batchcxt = AllocSetContextCreate(CurrentMemoryContext,
												   "schemaver lint batch",
												   ALLOCSET_DEFAULT_SIZES);

	if (fetch_plan == NULL)
	{
		Oid			argtypes[1] = {TEXTARRAYOID};
		SPIPlanPtr	plan;

		plan = SPI_prepare("SELECT u.n, r.upgrade_sql, (r.downgrade_sql IS NULL)"
						   " FROM pg_catalog.unnest($1) WITH ORDINALITY AS u(revision, n)"
						   " JOIN ONLY schemaver.revision r"
						   "  ON r.revision OPERATOR(pg_catalog.=) u.revision",
						   1, argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		fetch_plan = plan;
	}

	for (int start = 0; start < n; start += LINT_BATCH)
	{
		int			count = Min(LINT_BATCH, n - start);
		MemoryContext old = MemoryContextSwitchTo(batchcxt);
		Datum	   *elems = palloc(sizeof(Datum) * count);
		Datum		arg;
		SPITupleTable *rows;
		uint64		nrows;
		HeapTuple  *by_position = palloc0(sizeof(HeapTuple) * count);
		int			rc;

		for (int i = 0; i < count; i++)
			elems[i] = CStringGetTextDatum(ids[start + i]);
		arg = PointerGetDatum(construct_array(elems, count, TEXTOID, -1,
											  false, TYPALIGN_INT));
		rc = SPI_execute_plan(fetch_plan, &arg, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_plan failed: %s",
				 SPI_result_code_string(rc));
		rows = SPI_tuptable;
		nrows = SPI_processed;
		for (uint64 i = 0; i < nrows; i++)
		{
			bool		isnull;
			int64		pos = DatumGetInt64(SPI_getbinval(rows->vals[i],
														  rows->tupdesc, 1,
														  &isnull));

			if (pos >= 1 && pos <= count)
				by_position[pos - 1] = rows->vals[i];
		}

		for (int i = 0; i < count; i++)
		{
			HeapTuple	row = by_position[i];
			char	   *sql;
			bool		isnull;
			bool		no_downgrade;

			if (row == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("revision \"%s\" does not exist", ids[start + i]),
						 errhint("SELECT revision FROM schemaver_history(); lists the registered revisions.")));
			sql = SPI_getvalue(row, rows->tupdesc, 2);
			no_downgrade = DatumGetBool(SPI_getbinval(row, rows->tupdesc, 3,
													  &isnull));
			lint_one(ctx, ids[start + i], sql ? sql : "", no_downgrade, sink);
		}
		SPI_freetuptable(rows);
		MemoryContextSwitchTo(old);
		MemoryContextReset(batchcxt);
	}
	MemoryContextDelete(batchcxt);
}

/*
 * Lint one revision and hand its findings to the sink.  In the upgrade
 * hook it runs in a subtransaction (see the file header for what happens
 * when it fails).
 */
static void
lint_one(LintContext *ctx, const char *revision, const char *sql,
		 bool no_downgrade, LintSink *sink)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext revcxt = AllocSetContextCreate(cxt, "schemaver lint revision",
												 ALLOCSET_DEFAULT_SIZES);
	ResourceOwner owner = CurrentResourceOwner;
	LintRevision rev;
	volatile bool parsed = false;
	ListCell   *lc;

	CHECK_FOR_INTERRUPTS();
	memset(&rev, 0, sizeof(rev));
	rev.ctx = ctx;
	rev.revision = revision;
	rev.sql = sql;
	/*
	 * A non-transactional revision ("-- schemaver: transaction=off", read
	 * by directive.c as the run reads it) changes what some rules say
	 * (non-transactional-statement, validate-constraint-same-revision,
	 * backfill-with-ddl).  A bad directive (only a catalog row edited by
	 * hand has one) is the same clean error the run would give.
	 */
	{
		SvDirectives d;

		directives_parse(sql, revision, "upgrade", &d);
		rev.transactional = d.transactional;
	}
	rev.no_downgrade = no_downgrade;

	MemoryContextSwitchTo(revcxt);
	if (!sink->checking)
		lint_revision(&rev, &parsed);
	else
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(revcxt);
		PG_TRY();
		{
			lint_revision(&rev, &parsed);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(revcxt);
			CurrentResourceOwner = owner;
		}
		PG_CATCH();
		{
			ErrorData  *edata;
			int			class;

			MemoryContextSwitchTo(revcxt);
			edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(revcxt);
			CurrentResourceOwner = owner;
			class = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
			if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
				class == ERRCODE_OPERATOR_INTERVENTION ||
				class == ERRCODE_INSUFFICIENT_RESOURCES ||
				class == ERRCODE_SYSTEM_ERROR ||
				(parsed && lint_mode == LINT_MODE_ERROR))
				ReThrowError(edata);
			rev.findings = NIL;
			/* a revision that does not parse: the run reports it */
			if (parsed)
				ereport(WARNING,
						(errmsg("could not lint revision \"%s\": %s",
								revision, sv_printable(edata->message)),
						 errdetail("The upgrade goes on without the findings of this revision.")));
			FreeErrorData(edata);
		}
		PG_END_TRY();
	}

	foreach(lc, rev.findings)
		emit(sink, (LintFinding *) lfirst(lc));
	MemoryContextSwitchTo(cxt);
	MemoryContextDelete(revcxt);
}

/*
 * Lint one revision: parse it, walk its statements with the directives of
 * the gap before each, then the revision-wide rules.  *parsed tells a
 * failure to parse from a failure later on.
 */
static void
lint_revision(LintRevision *rev, volatile bool *parsed)
{
	LintErrorContext ectx;
	ErrorContextCallback errcb;
	List	   *stmts;
	ListCell   *lc;
	int			nestlevel;
	int			end = 0;

	ectx.revision = rev->revision;
	ectx.sql = rev->sql;
	ectx.statement = 0;
	errcb.callback = lint_error_callback;
	errcb.arg = &ectx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	stmts = pg_parse_query(rev->sql);
	*parsed = true;

	nestlevel = NewGUCNestLevel();
	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);

		CHECK_FOR_INTERRUPTS();
		rev->statement++;
		ectx.statement = rev->statement;
		rev->ignore_statement = 0;
		/* the gap from the end of the previous statement to this one */
		(void) scan_gap(rev, end, false);
		if (IsA(raw->stmt, VariableSetStmt))
			apply_search_path((VariableSetStmt *) raw->stmt);
		else
			lint_statement(rev, raw->stmt);
		/* the end of this statement: its ';', or the end of the text */
		end = raw->stmt_len > 0 ? raw->stmt_location + raw->stmt_len
			: (int) strlen(rev->sql);
	}

	/* directives after the last statement */
	rev->statement = 0;
	rev->ignore_statement = 0;
	(void) scan_gap(rev, end, true);

	lint_finish_revision(rev);
	AtEOXact_GUC(false, nestlevel);
	error_context_stack = errcb.previous;
}

/*
 * Scan the gap of blanks, comments and semicolons that starts at pos (the
 * end of the previous statement, or the start of the text) and ends at the
 * next statement's first word (or the end of the text: trailing), reading
 * the directives of its "--" comments.  Returns where it ends.
 */
static int
scan_gap(LintRevision *rev, int pos, bool trailing)
{
	const char *sql = rev->sql;
	const char *p = sql + pos;

	for (;;)
	{
		if (*p == '\0')
			break;
		if (scanner_isspace(*p) || *p == ';')
			p++;
		else if (p[0] == '-' && p[1] == '-')
		{
			const char *end = p + 2;

			while (*end != '\0' && *end != '\n' && *end != '\r')
				end++;
			read_directive(rev, p, end, trailing);
			p = end;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			p += 2;
			while (*p != '\0' && depth > 0)
			{
				if (p[0] == '/' && p[1] == '*')
				{
					depth++;
					p += 2;
				}
				else if (p[0] == '*' && p[1] == '/')
				{
					depth--;
					p += 2;
				}
				else
					p++;
			}
		}
		else
			break;
	}
	return p - sql;
}

/*
 * Read one "--" comment [start, end): if it is a lint-ignore directive,
 * note the rules it silences, or report what is wrong with it.
 */
static void
read_directive(LintRevision *rev, const char *start, const char *end,
			   bool trailing)
{
	const char *p = start + 2;
	const char *b;
	bool		own_line = true;
	int			named = 0;
	size_t		prefix = strlen(LINT_DIRECTIVE_PREFIX);
	size_t		len = strlen(LINT_DIRECTIVE);

	/* "schemaver:lint-ignore", or "schemaver: lint-ignore" as directive.c */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t) (end - p) < prefix ||
		pg_strncasecmp(p, LINT_DIRECTIVE_PREFIX, prefix) != 0)
		return;
	p += prefix;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t) (end - p) < len || pg_strncasecmp(p, LINT_DIRECTIVE, len) != 0)
		return;
	p += len;
	if (p < end && *p != ' ' && *p != '\t' && *p != ',')
		return;					/* another word that starts the same */

	for (b = start; b > rev->sql && b[-1] != '\n' && b[-1] != '\r'; b--)
		if (b[-1] != ' ' && b[-1] != '\t')
			own_line = false;
	if (!own_line)
	{
		lint_add_finding(rev, LR_LINT_DIRECTIVE, LINT_WARNING, NULL,
						 "a lint-ignore directive after a statement on the same line silences nothing: it must be on a line of its own before the statement");
		return;
	}

	/* rule names, separated by blanks or commas, up to the end or "--" */
	for (;;)
	{
		const char *name;
		char	   *word;
		int			rule;
		bool		plain = true;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p >= end || (p[0] == '-' && p + 1 < end && p[1] == '-'))
			break;
		name = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != ',')
		{
			if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '_'))
				plain = false;
			p++;
		}
		named++;
		if (!plain || p - name > NAMEDATALEN)
		{
			/* not a rule name: say so once, without echoing it */
			lint_add_finding(rev, LR_LINT_DIRECTIVE, LINT_WARNING, NULL,
							 "lint-ignore names something that is not a rule name");
			break;
		}
		word = pnstrdup(name, p - name);
		rule = lint_rule_by_name(word);
		if (rule < 0)
			lint_add_finding(rev, LR_LINT_DIRECTIVE, LINT_WARNING, NULL,
							 "lint-ignore names unknown rule \"%s\"", word);
		else if (lint_rules[rule].revision_level)
			rev->ignore_revision |= UINT64CONST(1) << rule;
		else if (trailing)
			lint_add_finding(rev, LR_LINT_DIRECTIVE, LINT_WARNING, NULL,
							 "lint-ignore %s after the last statement silences nothing",
							 lint_rules[rule].name);
		else
			rev->ignore_statement |= UINT64CONST(1) << rule;
		pfree(word);
	}
	if (named == 0)
		lint_add_finding(rev, LR_LINT_DIRECTIVE, LINT_WARNING, NULL,
						 "lint-ignore names no rule");
}

/*
 * SET search_path in a revision: the names of its later statements
 * resolve with it, as they will when it runs.  It is undone with the GUC
 * nest level at the end of the revision.  A value the server refuses is
 * ignored here (the run will raise the error).
 */
static void
apply_search_path(VariableSetStmt *set)
{
	char	   *value = NULL;
	ListCell   *lc;

	if (set->name == NULL || strcmp(set->name, "search_path") != 0)
		return;
	switch (set->kind)
	{
		case VAR_SET_VALUE:
			foreach(lc, set->args)
				if (!IsA(lfirst(lc), A_Const))
					return;
			value = ExtractSetVariableArgs(set);
			break;
		case VAR_SET_DEFAULT:
		case VAR_RESET:
			break;
		default:
			return;
	}
	(void) set_config_option("search_path", value,
							 superuser() ? PGC_SUSET : PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, DEBUG1,
							 false);
}

/* "Table t: about N rows, S." */
static char *
facts_text(LintFacts *f)
{
	char	   *size;

	size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum(f->bytes))));
	return psprintf("Table %s: %s, %s%s.", f->name,
					f->rows_known ? psprintf("about %.0f rows", f->rows)
					: "rows not estimated yet (never analyzed)",
					size,
					f->bytes_estimated ?
					" (estimated from pg_class: a lock on the table was in the way)" : "");
}

/* How to silence a finding, as a sentence */
static char *
silence_text(LintFinding *f)
{
	if (lint_rules[f->rule].revision_level)
		return psprintf("To accept it, put \"-- schemaver:lint-ignore %s\" in the revision's upgrade SQL.",
						lint_rules[f->rule].name);
	if (f->statement == 0)
		return "";				/* after the last statement: nothing to name */
	return psprintf("To accept this statement as it is, put \"-- schemaver:lint-ignore %s\" on the line before it.",
					lint_rules[f->rule].name);
}

/* A copy of a finding in the current memory context */
static LintFinding *
copy_finding(LintFinding *f)
{
	LintFinding *c = palloc(sizeof(LintFinding));

	*c = *f;
	c->revision = pstrdup(f->revision);
	c->message = pstrdup(f->message);
	if (f->facts != NULL)
	{
		c->facts = palloc(sizeof(LintFacts));
		*c->facts = *f->facts;
		c->facts->name = pstrdup(f->facts->name);
	}
	return c;
}

/*
 * Hand one finding to the sink: a row of schemaver_lint(), or, in the
 * upgrade hook, a WARNING (the first finding of severity error under
 * schemaver.lint = error is kept for the refusal instead).
 */
static void
emit(LintSink *sink, LintFinding *f)
{
	const char *severity = f->severity == LINT_ERROR ? "error" : "warning";

	if (sink->checking && lint_rules[f->rule].review_only)
		return;
	if (!sink->checking)
	{
		Datum		values[9];
		bool		nulls[9];

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(f->revision);
		if (f->statement > 0)
			values[1] = Int32GetDatum(f->statement);
		else
			nulls[1] = true;
		values[2] = CStringGetTextDatum(lint_rules[f->rule].name);
		values[3] = CStringGetTextDatum(severity);
		values[4] = CStringGetTextDatum(f->message);
		values[5] = CStringGetTextDatum(lint_rules[f->rule].hint);
		if (f->facts != NULL)
		{
			values[6] = CStringGetTextDatum(f->facts->name);
			if (f->facts->rows_known)
				values[7] = Int64GetDatum((int64) rint(f->facts->rows));
			else
				nulls[7] = true;
			values[8] = Int64GetDatum(f->facts->bytes);
		}
		else
			nulls[6] = nulls[7] = nulls[8] = true;
		tuplestore_putvalues(sink->tupstore, sink->tupdesc, values, nulls);
		return;
	}

	if (f->severity == LINT_ERROR)
	{
		sink->nerrors++;
		if (lint_mode == LINT_MODE_ERROR && sink->first_error == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(sink->keep);

			sink->first_error = copy_finding(f);
			MemoryContextSwitchTo(old);
			return;
		}
	}
	ereport(WARNING,
			(f->statement > 0 ?
			 errmsg("revision \"%s\", statement %d: %s", f->revision,
					f->statement, f->message) :
			 errmsg("revision \"%s\": %s", f->revision, f->message),
			 f->facts ?
			 errdetail("Lint rule %s, severity %s. %s", lint_rules[f->rule].name,
					   severity, facts_text(f->facts)) :
			 errdetail("Lint rule %s, severity %s.", lint_rules[f->rule].name,
					   severity),
			 errhint("%s %s", lint_rules[f->rule].hint, silence_text(f))));
}

/*
 * schemaver_lint(revision text DEFAULT NULL)
 *		One row per finding of one revision, or (NULL) of every registered
 *		revision not applied yet, in the order an upgrade would apply them.
 */
Datum
schemaver_lint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *revision = sv_text_arg(fcinfo, 0, "revision", false);
	LintSink	sink;
	LintContext *ctx;
	char	  **ids;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	if (revision != NULL)
		sv_check_identifier(revision, "revision id");

	SPI_connect();
	if (revision != NULL)
	{
		ids = &revision;
		n = 1;
	}
	else
	{
		List	   *problems = NIL;
		SvGraph    *graph;
		bool	   *members;
		int		   *order;

		graph = IsolationUsesXactSnapshot() ?
			catalog_load_graph_problems(&problems, false) :
			catalog_graph(false, &problems);
		members = palloc0(sizeof(bool) * Max(graph->nrevs, 1));
		order = palloc(sizeof(int) * Max(graph->nrevs, 1));
		for (int i = 0; i < graph->nrevs; i++)
			members[i] = !graph->revs[i].applied;
		n = graph_order(graph, members, true, order);
		/* own copies: the cached graph may be rebuilt while we lint */
		ids = palloc(sizeof(char *) * Max(n, 1));
		for (int i = 0; i < n; i++)
			ids[i] = pstrdup(graph->revs[order[i]].id);
	}

	memset(&sink, 0, sizeof(sink));
	sink.tupstore = rsinfo->setResult;
	sink.tupdesc = rsinfo->setDesc;
	ctx = lint_context_create();
	lint_ids(ctx, ids, n, &sink);
	SPI_finish();
	return (Datum) 0;
}

/*
 * lint_check_plan
 *		Before an upgrade runs anything: lint the revisions its plan applies,
 *		as schemaver.lint says (off: nothing).  Under "warn" each finding is
 *		a WARNING; under "error" a finding of severity error refuses the
 *		upgrade (the others are WARNINGs).  Other steps (downgrades, stamps)
 *		are not linted.  The caller is connected to SPI.
 */
void
lint_check_plan(SvGraph *graph, SvPlan *plan)
{
	LintSink	sink;
	LintContext *ctx;
	char	  **ids;
	int			n = 0;
	LintFinding *f;

	if (lint_mode == LINT_MODE_OFF || plan->nsteps == 0)
		return;
	/* the graph outlives the lint: the caller runs the plan with it next */
	ids = palloc(sizeof(char *) * plan->nsteps);
	for (int i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].op == SV_OP_UPGRADE)
			ids[n++] = (char *) graph->revs[plan->steps[i].rev].id;
	if (n == 0)
	{
		pfree(ids);
		return;
	}

	memset(&sink, 0, sizeof(sink));
	sink.checking = true;
	sink.keep = CurrentMemoryContext;
	ctx = lint_context_create();
	lint_ids(ctx, ids, n, &sink);
	MemoryContextDelete(ctx->cxt);
	pfree(ctx);
	pfree(ids);

	f = sink.first_error;
	if (f == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
			 f->statement > 0 ?
			 errmsg("revision \"%s\" fails lint rule \"%s\" at statement %d",
					f->revision, lint_rules[f->rule].name, f->statement) :
			 errmsg("revision \"%s\" fails lint rule \"%s\"",
					f->revision, lint_rules[f->rule].name),
			 errdetail("%s.%s%s Nothing was run: schemaver.lint is \"error\".",
					   f->message,
					   f->facts ? " " : "",
					   f->facts ? facts_text(f->facts) : ""),
			 sink.nerrors > 1 ?
			 errhint("%s %s The other %d findings of severity error are listed above. SET schemaver.lint = warn reports the findings without refusing.",
					 lint_rules[f->rule].hint, silence_text(f),
					 sink.nerrors - 1) :
			 errhint("%s %s SET schemaver.lint = warn reports the findings without refusing.",
					 lint_rules[f->rule].hint, silence_text(f))));
}
