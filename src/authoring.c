/*-------------------------------------------------------------------------
 *
 * authoring.c
 *	  The SQL-callable functions of autogenerate (schemaver_diff,
 *	  schemaver_autogenerate, schemaver_revision) and the text of a new
 *	  revision file.
 *
 * schemaver_diff builds and describes the desired schema (desired.c,
 * describe.c) and returns the ordered rows of diff.c; schemaver_autogenerate
 * joins them into an upgrade script and a downgrade script (the rows'
 * inverses in reverse order); schemaver_revision writes the text of a file
 * in the style of migrations/: a schemaver_add_revision call with the next
 * id, the registered head as parent, the hazards as comments above the
 * upgrade, and the SQL in dollar quotes whose tags do not occur in it.
 *
 * The file is read by people and run by psql, so nothing that comes from a
 * user reaches it raw where it could end a quote or a comment early or put
 * a control character on a terminal: comments escape control characters,
 * the message is a quoted literal (E'' with escapes when it has control
 * characters), and SQL that holds control characters other than newline
 * and tab is written as an E'' literal instead of a dollar quote.
 *
 * src/authoring.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "schemaver.h"

PG_FUNCTION_INFO_V1(schemaver_diff);
PG_FUNCTION_INFO_V1(schemaver_autogenerate);
PG_FUNCTION_INFO_V1(schemaver_revision);

static List *compute_rows(const char *desired, List *schemas);
static void warn_unsupported(SvDescription *a, SvDescription *b);
static char *join_script(List *rows, bool upgrade);
static int	control_len(const unsigned char *p, bool allow_newlines);
static char *sql_literal(const char *s);
static char *body_literal(const char *body, const char *tag);
static char *comment_lines(const char *prefix, const char *text);
static List *array_ids(ArrayType *arr, const char *argname);
static char *ids_literal(List *ids);
static char *next_revision_id(const char *message);
static List *registered_heads(void);

/*
 * The rows of the diff between the live schemas and the desired text, in
 * the memory context current at the call.
 */
static List *
compute_rows(const char *desired, List *schemas)
{
	SvDescription *live;
	SvDescription *want;
	MemoryContext cxt = CurrentMemoryContext;
	List	   *rows;

	desired_describe(desired, schemas, &live, &want);
	MemoryContextSwitchTo(cxt);
	warn_unsupported(live, want);
	rows = diff_descriptions(live, want);
	return rows;
}

/* Say which objects of the managed schemas were not compared */
static void
warn_unsupported(SvDescription *a, SvDescription *b)
{
	List	   *all = list_copy(a->unsupported);
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	/* once each, whether live, desired or both */
	foreach(lc, b->unsupported)
	{
		ListCell   *lc2;
		bool		seen = false;

		foreach(lc2, a->unsupported)
			if (strcmp(lfirst(lc), lfirst(lc2)) == 0)
				seen = true;
		if (!seen)
			all = lappend(all, lfirst(lc));
	}
	if (all == NIL)
		return;
	initStringInfo(&buf);
	foreach(lc, all)
	{
		if (n++ < 10)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", describe_escape(lfirst(lc)));
	}
	ereport(WARNING,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("autogenerate does not compare %d object(s) of the managed schemas", n),
			 errdetail("Not compared: %s%s.", buf.data, n > 10 ? ", ..." : ""),
			 errhint("Write the changes of such objects by hand in the revision.")));
}

/*
 * schemaver_diff(desired text, schemas text[])
 *		One row per change, in the order the upgrade runs them.
 */
Datum
schemaver_diff(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *desired = sv_text_arg(fcinfo, 0, "desired", true);
	List	   *schemas;
	List	   *rows;
	ListCell   *lc;
	int			step = 0;

	guard_check_not_nested("schemaver_diff()");
	schemas = desired_schema_list(PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	rows = compute_rows(desired, schemas);
	foreach(lc, rows)
	{
		SvDiffRow  *row = lfirst(lc);
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = Int32GetDatum(++step);
		values[1] = CStringGetTextDatum(row->kind);
		values[2] = CStringGetTextDatum(row->object);
		values[3] = CStringGetTextDatum(row->upgrade);
		if (row->downgrade)
			values[4] = CStringGetTextDatum(row->downgrade);
		else
			nulls[4] = true;
		if (row->hazard)
			values[5] = CStringGetTextDatum(row->hazard);
		else
			nulls[5] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* The rows' upgrades in order, or their downgrades in reverse order */
static char *
join_script(List *rows, bool upgrade)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < list_length(rows); i++)
	{
		SvDiffRow  *row = list_nth(rows, upgrade ? i : list_length(rows) - 1 - i);
		char	   *s = upgrade ? row->upgrade : row->downgrade;

		if (s == NULL || strncmp(s, "-- ", 3) == 0)
			continue;
		appendStringInfo(&buf, "%s\n", s);
	}
	return buf.data;
}

/*
 * schemaver_autogenerate(desired text, schemas text[])
 *		The same changes as two scripts: (upgrade, downgrade).
 */
Datum
schemaver_autogenerate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *desired = sv_text_arg(fcinfo, 0, "desired", true);
	List	   *schemas;
	List	   *rows;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	guard_check_not_nested("schemaver_autogenerate()");
	schemas = desired_schema_list(PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	rows = compute_rows(desired, schemas);
	values[0] = CStringGetTextDatum(join_script(rows, true));
	values[1] = CStringGetTextDatum(join_script(rows, false));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}

/*
 * The length in bytes of a character at p that must not reach a terminal
 * or a comment raw (0 if it is an ordinary one): ASCII controls (newline
 * and tab allowed when allow_newlines), DEL, the C1 controls, and the
 * Unicode bidirectional overrides and isolates, which can make text read
 * otherwise than it runs.
 */
static int
control_len(const unsigned char *p, bool allow_newlines)
{
	if (*p < 0x20 || *p == 0x7f)
		return (allow_newlines && (*p == '\n' || *p == '\t')) ? 0 : 1;
	if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		return 2;
	if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE)
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F))
		return 3;
	return 0;
}

/* Whether a text holds such characters */
static bool
has_controls(const char *s, bool allow_newlines)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		if (control_len(p, allow_newlines) > 0)
			return true;
	return false;
}

/*
 * A string literal for s: an ordinary quoted literal, or, when s holds
 * control characters, an E'' literal in which they are escapes.
 */
static char *
sql_literal(const char *s)
{
	StringInfoData buf;

	if (!has_controls(s, false))
		return quote_literal_cstr(s);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "E'");
	for (const unsigned char *p = (const unsigned char *) s; *p;)
	{
		int			n = control_len(p, false);

		if (n == 1)
		{
			if (*p == '\n')
				appendStringInfoString(&buf, "\\n");
			else if (*p == '\t')
				appendStringInfoString(&buf, "\\t");
			else if (*p == '\r')
				appendStringInfoString(&buf, "\\r");
			else
				appendStringInfo(&buf, "\\x%02X", *p);
			p++;
		}
		else if (n > 1)
		{
			/* decode the UTF-8 sequence into a \uXXXX escape */
			unsigned int cp = n == 2 ? ((p[0] & 0x1F) << 6) | (p[1] & 0x3F)
				: ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);

			appendStringInfo(&buf, "\\u%04X", cp);
			p += n;
		}
		else
		{
			if (*p == '\'' || *p == '\\')
				appendStringInfoChar(&buf, (char) *p);
			appendStringInfoChar(&buf, (char) *p);
			p++;
		}
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/*
 * A revision body: dollar-quoted with a tag that does not occur in it
 * ($up$, $up_1$, ...), on lines of its own; an E'' literal when it holds
 * control characters that must not reach a terminal.
 */
static char *
body_literal(const char *body, const char *tag)
{
	char	   *t = psprintf("$%s$", tag);
	int			k = 0;

	if (has_controls(body, true))
		return sql_literal(body);
	while (strstr(body, t) != NULL)
		t = psprintf("$%s_%d$", tag, ++k);
	return psprintf("%s\n%s%s%s", t, body,
					body[0] && body[strlen(body) - 1] != '\n' ? "\n" : "", t);
}

/* Lines of a comment, each starting with prefix, control characters escaped */
static char *
comment_lines(const char *prefix, const char *text)
{
	StringInfoData buf;
	char	   *copy = pstrdup(text);
	char	   *line = copy;

	initStringInfo(&buf);
	for (;;)
	{
		char	   *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		appendStringInfo(&buf, "%s%s\n", prefix, describe_escape(line));
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return buf.data;
}

/* The ids of a text[] argument, each checked; NULL for a NULL argument */
static List *
array_ids(ArrayType *arr, const char *argname)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *result = NIL;

	if (arr == NULL)
		return NIL;
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *id;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", argname)));
		id = TextDatumGetCString(elems[i]);
		sv_check_identifier(id, argname);
		result = lappend(result, id);
	}
	return result;
}

/* ARRAY['a', 'b'] (ids need no escaping: they are [A-Za-z0-9_]) */
static char *
ids_literal(List *ids)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "ARRAY[");
	foreach(lc, ids)
		appendStringInfo(&buf, "%s'%s'", foreach_current_index(lc) ? ", " : "",
						 (char *) lfirst(lc));
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

/*
 * The id of a new revision: the next number after the highest number
 * registered, then the message as a slug ("003_add_user_preferences").
 * The number of an id is its leading digits; ids that start otherwise do
 * not count.  The number keeps the width of the highest one (at least 3).
 */
static char *
next_revision_id(const char *message)
{
	char	   *best = NULL;
	char	   *num;
	StringInfoData id;
	int			len;
	int			n;

	if (SPI_execute("SELECT pg_catalog.substring(r.revision, '^[0-9]+')"
					" FROM ONLY schemaver.revision r"
					" WHERE r.revision OPERATOR(pg_catalog.~) '^[0-9]'", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "schemaver: could not read the registered revisions");
	n = (int) SPI_processed;
	for (int i = 0; i < n; i++)
	{
		char	   *digits = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *d = digits;
		char	   *b;

		while (*d == '0' && d[1])
			d++;
		b = best;
		if (b)
			while (*b == '0' && b[1])
				b++;
		if (best == NULL || strlen(d) > strlen(b) ||
			(strlen(d) == strlen(b) && strcmp(d, b) > 0) ||
			(strcmp(d, b) == 0 && strlen(digits) > strlen(best)))
			best = pstrdup(digits);
	}

	/* best + 1, as a decimal string, keeping its width */
	if (best == NULL)
		num = pstrdup("001");
	else
	{
		int			carry = 1;

		len = strlen(best);
		num = palloc(len + 2);
		num[len + 1] = '\0';
		for (int i = len - 1; i >= 0; i--)
		{
			int			dgt = best[i] - '0' + carry;

			carry = dgt / 10;
			num[i + 1] = '0' + dgt % 10;
		}
		num[0] = '1';
		if (!carry)
			num++;
		while (strlen(num) < 3)
			num = psprintf("0%s", num);
	}
	if (strlen(num) > SV_MAX_ID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the next revision number has more than %d digits", SV_MAX_ID_LEN),
				 errhint("Give the revision id with revision => '...'.")));

	initStringInfo(&id);
	appendStringInfoString(&id, num);
	appendStringInfoChar(&id, '_');
	for (const char *p = message; *p && id.len < SV_MAX_ID_LEN; p++)
	{
		char		c = *p;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			appendStringInfoChar(&id, c);
		else if (id.data[id.len - 1] != '_')
			appendStringInfoChar(&id, '_');
	}
	while (id.len > 0 && id.data[id.len - 1] == '_')
		id.data[--id.len] = '\0';
	return id.data;
}

/* The heads of the registered graph (revisions that are nobody's parent) */
static List *
registered_heads(void)
{
	List	   *heads = NIL;
	int			n;

	if (SPI_execute("SELECT r.revision FROM ONLY schemaver.revision r"
					" WHERE NOT EXISTS (SELECT 1 FROM ONLY schemaver.revision c"
					"   WHERE r.revision OPERATOR(pg_catalog.=) ANY (c.down_revision))"
					" ORDER BY r.revision COLLATE pg_catalog.\"C\"", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "schemaver: could not read the registered revisions");
	n = (int) SPI_processed;
	for (int i = 0; i < n; i++)
		heads = lappend(heads, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	return heads;
}

/*
 * schemaver_revision(message, revision, down_revision, desired, schemas,
 *					  upgrade, downgrade, depends_on, branch_labels)
 *		The text of a new revision file; it registers nothing.
 */
Datum
schemaver_revision(PG_FUNCTION_ARGS)
{
	char	   *message = sv_text_arg(fcinfo, 0, "message", true);
	char	   *revision = sv_text_arg(fcinfo, 1, "revision", false);
	ArrayType  *down_arg = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	char	   *desired = sv_text_arg(fcinfo, 3, "desired", false);
	char	   *upgrade = sv_text_arg(fcinfo, 5, "upgrade", false);
	char	   *downgrade = sv_text_arg(fcinfo, 6, "downgrade", false);
	List	   *depends_on = array_ids(PG_ARGISNULL(7) ? NULL : PG_GETARG_ARRAYTYPE_P(7), "depends_on");
	List	   *labels = array_ids(PG_ARGISNULL(8) ? NULL : PG_GETARG_ARRAYTYPE_P(8), "branch_labels");
	List	   *schemas = NIL;
	List	   *parents;
	List	   *rows = NIL;
	StringInfoData out;
	StringInfoData hazards;
	ListCell   *lc;
	text	   *result;
	bool		template;
	int			step = 0;

	guard_check_not_nested("schemaver_revision()");
	if (desired && (upgrade || downgrade))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("desired cannot be given with upgrade or downgrade"),
				 errdetail("With desired, the upgrade and downgrade are autogenerated.")));
	if (desired)
		schemas = desired_schema_list(PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4));
	if (revision)
		sv_check_identifier(revision, "revision");
	parents = array_ids(down_arg, "down_revision");

	SPI_connect();
	if (revision == NULL)
		revision = next_revision_id(message);
	if (down_arg == NULL)
	{
		parents = registered_heads();
		if (list_length(parents) > 1)
		{
			StringInfoData names;

			initStringInfo(&names);
			foreach(lc, parents)
				appendStringInfo(&names, "%s%s", names.len ? ", " : "", (char *) lfirst(lc));
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("the revision graph has %d heads: %s", list_length(parents), names.data),
					 errhint("Give the parent with down_revision => ARRAY['...'], or ARRAY[...] of every head for a merge revision.")));
		}
	}
	if (desired)
	{
		rows = compute_rows(desired, schemas);
		upgrade = join_script(rows, true);
		downgrade = join_script(rows, false);
	}
	template = (upgrade == NULL && downgrade == NULL);

	initStringInfo(&out);
	initStringInfo(&hazards);
	appendStringInfoString(&out, comment_lines("-- ", psprintf("%s: %s", revision, message)));
	appendStringInfoString(&out, "--\n");
	if (desired)
	{
		StringInfoData names;

		initStringInfo(&names);
		foreach(lc, schemas)
			appendStringInfo(&names, "%s%s", names.len ? ", " : "", (char *) lfirst(lc));
		appendStringInfoString(&out, comment_lines("-- ",
												   psprintf("Autogenerated by schemaver_revision() from a desired schema (schemas: %s), %d change(s).",
															names.data, list_length(rows))));
		appendStringInfoString(&out, "-- Review it before registering it: autogenerate cannot tell a rename\n"
							   "-- from a drop and an add, nor write a data backfill.\n");
	}
	else if (template)
		appendStringInfoString(&out, "-- Write the upgrade and the downgrade that undoes it.\n");
	foreach(lc, rows)
	{
		SvDiffRow  *row = lfirst(lc);

		step++;
		if (row->hazard)
			appendStringInfoString(&hazards,
								   comment_lines("    --   ", psprintf("step %d, %s %s: %s", step,
																	row->kind, row->object, row->hazard)));
	}

	appendStringInfo(&out, "\nSELECT schemaver_add_revision(\n"
					 "    revision      => '%s',\n"
					 "    down_revision => %s,\n"
					 "    message       => %s,\n",
					 revision,
					 parents == NIL ? "NULL" : list_length(parents) == 1 ?
					 psprintf("'%s'", (char *) linitial(parents)) : ids_literal(parents),
					 sql_literal(message));
	if (depends_on)
		appendStringInfo(&out, "    depends_on    => %s,\n", ids_literal(depends_on));
	if (labels)
		appendStringInfo(&out, "    branch_labels => %s,\n", ids_literal(labels));
	if (hazards.len > 0)
		appendStringInfo(&out, "    -- Hazards:\n%s", hazards.data);
	appendStringInfo(&out, "    upgrade       => %s,\n",
					 body_literal(upgrade ? upgrade : "", "up"));
	if (downgrade == NULL && !template)
		appendStringInfoString(&out, "    downgrade     => NULL);\n");
	else
		appendStringInfo(&out, "    downgrade     => %s);\n",
						 body_literal(downgrade ? downgrade : "", "down"));

	result = (text *) SPI_palloc(out.len + VARHDRSZ);
	SET_VARSIZE(result, out.len + VARHDRSZ);
	memcpy(VARDATA(result), out.data, out.len);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}
