/*-------------------------------------------------------------------------
 *
 * output.c
 *	  Printing for the schemaver command: escaping of untrusted text,
 *	  messages, JSON, and tables in psql's aligned format.
 *
 * Everything printed that comes from outside the program (server messages,
 * revision ids and messages, file names) is untrusted: a control character
 * could move the cursor, rewrite earlier lines or hide text from whoever
 * reads the terminal.  escape_line() shows C0 and C1 control characters,
 * DEL, bidirectional-override characters and invalid UTF-8 as visible
 * escapes (\n, \t, \x1b, \u202e, ...); escape_text() keeps line breaks (for
 * multi-line server messages and SQL).  The preview script of --sql is the
 * one exception: it is the server's text, written as it is.
 *
 * JSON is written with every string escaped as RFC 8259 requires, invalid
 * UTF-8 replaced by U+FFFD, so that it is valid JSON whatever the input.
 *
 * Tables use PostgreSQL's own table printer (fe_utils/print.c, what psql
 * uses), so they look exactly like psql's aligned output.
 *
 * src/client/output.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "fe_utils/print.h"
#include "mb/pg_wchar.h"

#include "client.h"

struct SvTable
{
	printTableContent content;
	printTableOpt opt;
};

static int	utf8_char(const unsigned char *s, pg_wchar *cp);
static void escape_into(PQExpBuffer buf, const char *s, bool keep_newlines);

/*
 * Where progress (NOTICE lines, summaries) goes: standard output, unless
 * standard output carries what the user asked for as data (--json, --sql),
 * then standard error.
 */
FILE *
progress_stream(void)
{
	return (opts.json || (opts.sql && opts.output_dir == NULL)) ? stderr : stdout;
}

/*
 * Length of the valid UTF-8 character at s and its code point, or 0 when
 * the bytes at s are not valid UTF-8.
 */
static int
utf8_char(const unsigned char *s, pg_wchar *cp)
{
	int			len = pg_utf_mblen(s);

	for (int i = 1; i < len; i++)
		if (s[i] == '\0')
			return 0;
	if (!pg_utf8_islegal(s, len))
		return 0;
	*cp = utf8_to_unicode(s);
	return len;
}

/* Whether a code point must not reach a terminal as it is */
static bool
dangerous(pg_wchar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		(c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
		c == 0x200e || c == 0x200f || c == 0x061c;
}

static void
escape_into(PQExpBuffer buf, const char *s, bool keep_newlines)
{
	const unsigned char *p = (const unsigned char *) s;

	while (*p)
	{
		pg_wchar	c;
		int			len = utf8_char(p, &c);

		if (len == 0)
		{
			appendPQExpBuffer(buf, "\\x%02x", *p);
			p++;
			continue;
		}
		if (!dangerous(c) || (keep_newlines && (c == '\n' || c == '\t')))
			appendBinaryPQExpBuffer(buf, (const char *) p, len);
		else if (c == '\n')
			appendPQExpBufferStr(buf, "\\n");
		else if (c == '\t')
			appendPQExpBufferStr(buf, "\\t");
		else if (c == '\r')
			appendPQExpBufferStr(buf, "\\r");
		else if (c < 0x100)
			appendPQExpBuffer(buf, "\\x%02x", (unsigned int) c);
		else
			appendPQExpBuffer(buf, "\\u%04x", (unsigned int) c);
		p += len;
	}
}

/*
 * escape_line
 *		s with every character that could act on a terminal escaped, line
 *		breaks and tabs included (malloc'd).
 */
char *
escape_line(const char *s)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	escape_into(&buf, s ? s : "", false);
	return buf.data;
}

/*
 * escape_text
 *		The same, keeping line breaks and tabs (malloc'd).
 */
char *
escape_text(const char *s)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	escape_into(&buf, s ? s : "", true);
	return buf.data;
}

/*
 * json_string
 *		Append s as a JSON string (null for NULL).
 */
void
json_string(PQExpBuffer buf, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	if (s == NULL)
	{
		appendPQExpBufferStr(buf, "null");
		return;
	}
	appendPQExpBufferChar(buf, '"');
	while (*p)
	{
		pg_wchar	c;
		int			len = utf8_char(p, &c);

		if (len == 0)
		{
			appendPQExpBufferStr(buf, "\\ufffd");
			p++;
			continue;
		}
		if (c == '"')
			appendPQExpBufferStr(buf, "\\\"");
		else if (c == '\\')
			appendPQExpBufferStr(buf, "\\\\");
		else if (c == '\n')
			appendPQExpBufferStr(buf, "\\n");
		else if (c == '\t')
			appendPQExpBufferStr(buf, "\\t");
		else if (c == '\r')
			appendPQExpBufferStr(buf, "\\r");
		else if (dangerous(c) || c == 0x2028 || c == 0x2029)
			appendPQExpBuffer(buf, "\\u%04x", (unsigned int) c);
		else
			appendBinaryPQExpBuffer(buf, (const char *) p, len);
		p += len;
	}
	appendPQExpBufferChar(buf, '"');
}

/* Append "key": "value", to a JSON object's fields */
void
json_field_string(PQExpBuffer buf, const char *key, const char *value)
{
	json_string(buf, key);
	appendPQExpBufferStr(buf, ": ");
	json_string(buf, value);
	appendPQExpBufferStr(buf, ", ");
}

/* Append "key": value, where value is JSON already */
void
json_field_raw(PQExpBuffer buf, const char *key, const char *value)
{
	json_string(buf, key);
	appendPQExpBuffer(buf, ": %s, ", value);
}

/*
 * Append ["a", "b"] from "a, b" (a list of ids as the program keeps them);
 * NULL gives null, "" gives [].
 */
void
json_ids(PQExpBuffer buf, const char *commalist)
{
	char	   *copy;
	char	   *save;
	bool		first = true;

	if (commalist == NULL)
	{
		appendPQExpBufferStr(buf, "null");
		return;
	}
	copy = pg_strdup(commalist);
	appendPQExpBufferChar(buf, '[');
	for (char *id = strtok_r(copy, ", ", &save); id; id = strtok_r(NULL, ", ", &save))
	{
		if (!first)
			appendPQExpBufferStr(buf, ", ");
		json_string(buf, id);
		first = false;
	}
	appendPQExpBufferChar(buf, ']');
	free(copy);
}

/* Append "key": ["a", "b"], from "a, b" */
void
json_field_ids(PQExpBuffer buf, const char *key, const char *commalist)
{
	json_string(buf, key);
	appendPQExpBufferStr(buf, ": ");
	json_ids(buf, commalist);
	appendPQExpBufferStr(buf, ", ");
}

/*
 * Print one message line to stream: prefix, then the formatted text with
 * control characters escaped (a message may quote a file name, a server
 * message or a revision's text), then a newline.
 */
pg_attribute_printf(3, 0)
static void
print_msg(FILE *stream, const char *prefix, const char *fmt, va_list ap)
{
	char		buf[4096];
	char	   *esc;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	esc = escape_text(buf);
	fprintf(stream, "%s%s\n", prefix, esc);
	fflush(stream);
	free(esc);
}

/* Print "schemaver: error: ..." to standard error (the text is escaped) */
void
error_msg(const char *fmt,...)
{
	va_list		ap;
	char	   *prefix = psprintf("%s: error: ", progname);

	va_start(ap, fmt);
	print_msg(stderr, prefix, fmt, ap);
	va_end(ap);
	pfree(prefix);
}

/* Print "schemaver: warning: ..." to standard error */
void
warning_msg(const char *fmt,...)
{
	va_list		ap;
	char	   *prefix = psprintf("%s: warning: ", progname);

	va_start(ap, fmt);
	print_msg(stderr, prefix, fmt, ap);
	va_end(ap);
	pfree(prefix);
}

/* Print an informational line to the progress stream, unless --quiet */
void
info_msg(const char *fmt,...)
{
	va_list		ap;

	if (opts.quiet)
		return;
	va_start(ap, fmt);
	print_msg(progress_stream(), "", fmt, ap);
	va_end(ap);
}

/*
 * table_create
 *		A table of ncolumns and nrows, printed like psql's aligned output
 *		with its "(N rows)" footer; title may be NULL.
 */
SvTable *
table_create(int ncolumns, int nrows, const char *title)
{
	SvTable    *t = pg_malloc0(sizeof(SvTable));

	t->opt.format = PRINT_ALIGNED;
	t->opt.border = 1;
	t->opt.start_table = true;
	t->opt.stop_table = true;
	t->opt.default_footer = true;
	t->opt.encoding = PG_UTF8;
	printTableInit(&t->content, &t->opt, title ? escape_line(title) : NULL,
				   ncolumns, nrows);
	return t;
}

/* Add a column (left-aligned) */
void
table_header(SvTable *t, const char *name)
{
	printTableAddHeader(&t->content, escape_line(name), false, 'l');
}

/* Add the next cell; NULL prints as nothing, as in psql.  It is escaped. */
void
table_cell(SvTable *t, const char *value)
{
	printTableAddCell(&t->content, escape_line(value ? value : ""), false, true);
}

/*
 * table_print
 *		Print the table to standard output, each line prefixed with
 *		"[label] " when a label is given (the database, when several are
 *		worked on: see fleet_label), then free it.
 */
void
table_print(SvTable *t, const char *label)
{
	char	   *text = NULL;
	size_t		len = 0;
	FILE	   *mem = open_memstream(&text, &len);

	if (mem == NULL)
	{
		error_msg("out of memory");
		exit(EXIT_FAILED);
	}
	printTable(&t->content, mem, false, NULL);
	fclose(mem);
	printTableCleanup(&t->content);
	free(t);
	if (label != NULL)
	{
		char	   *save;

		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			printf("[%s] %s\n", label, line);
	}
	else
		fputs(text, stdout);
	fflush(stdout);
	free(text);
}
