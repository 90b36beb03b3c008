/*-------------------------------------------------------------------------
 *
 * revwrite.c
 *	  Writing revision files in the format of migrations/ (for revision,
 *	  merge and import).
 *
 * A file is a header comment and one call:
 *
 *	  -- 003_add_user_preferences: add user preferences
 *	  --
 *	  -- (comment lines)
 *
 *	  SELECT schemaver_add_revision(
 *		  revision      => '003_add_user_preferences',
 *		  down_revision => '002_add_rag_tables',
 *		  message       => 'add user preferences',
 *		  upgrade       => $up$
 *	  ...
 *	  $up$,
 *		  downgrade     => $down$
 *	  ...
 *	  $down$);
 *
 * It must read the same to the schemaver command (the server's parser) and
 * to psql, whatever the text: ids are quoted as they are (they have only
 * letters, digits and _); the SQL goes between dollar quotes whose tag it
 * does not contain; a message goes in a '...' string when it has only
 * plain characters, otherwise in an E'...' string with every backslash,
 * quote and control character escaped (E'' strings read the same whatever
 * standard_conforming_strings says); comments show control characters
 * escaped, so that no line of the file starts with text a psql user did not
 * see.
 *
 * src/client/revwrite.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <fcntl.h>
#include <unistd.h>

#include "client.h"

static void append_message_literal(PQExpBuffer buf, const char *s);
static void append_dollar_quoted(PQExpBuffer buf, const char *base,
								 const char *text);
static void append_ids(PQExpBuffer buf, char **ids, int n);

/* A message as an SQL string literal, or NULL */
static void
append_message_literal(PQExpBuffer buf, const char *s)
{
	bool		plain = true;

	if (s == NULL)
	{
		appendPQExpBufferStr(buf, "NULL");
		return;
	}
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			plain = false;
	appendPQExpBufferStr(buf, plain ? "'" : "E'");
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '\'')
			appendPQExpBufferStr(buf, "''");
		else if (plain)
			appendPQExpBufferChar(buf, (char) *p);
		else if (*p == '\\')
			appendPQExpBufferStr(buf, "\\\\");
		else if (*p == '\n')
			appendPQExpBufferStr(buf, "\\n");
		else if (*p == '\t')
			appendPQExpBufferStr(buf, "\\t");
		else if (*p == '\r')
			appendPQExpBufferStr(buf, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			appendPQExpBuffer(buf, "\\x%02x", *p);
		else
			appendPQExpBufferChar(buf, (char) *p);
	}
	appendPQExpBufferChar(buf, '\'');
}

/*
 * text between dollar quotes $base$ (or $base_N$ when text contains that
 * tag), on lines of their own
 */
static void
append_dollar_quoted(PQExpBuffer buf, const char *base, const char *text)
{
	char	   *tag = psprintf("$%s$", base);
	size_t		len = strlen(text);

	if (len == 0)
	{
		appendPQExpBufferStr(buf, "''");
		free(tag);
		return;
	}
	for (int n = 1; strstr(text, tag) != NULL; n++)
	{
		free(tag);
		tag = psprintf("$%s_%d$", base, n);
	}
	appendPQExpBuffer(buf, "%s\n%s", tag, text);
	if (len > 0 && text[len - 1] != '\n')
		appendPQExpBufferChar(buf, '\n');
	appendPQExpBufferStr(buf, tag);
	free(tag);
}

/* ARRAY['a', 'b'] */
static void
append_ids(PQExpBuffer buf, char **ids, int n)
{
	appendPQExpBufferStr(buf, "ARRAY[");
	for (int i = 0; i < n; i++)
		appendPQExpBuffer(buf, "%s'%s'", i ? ", " : "", ids[i]);
	appendPQExpBufferChar(buf, ']');
}

/*
 * revwrite_format
 *		The text of a revision file (malloc'd).  The ids must be valid
 *		identifiers (the callers check them).
 */
char *
revwrite_format(const SvNewRevision *r)
{
	PQExpBufferData buf;
	char	   *msg = escape_line(r->message ? r->message : "");

	initPQExpBuffer(&buf);
	appendPQExpBuffer(&buf, "-- %s: %s\n", r->id, msg);
	free(msg);
	if (r->comment)
	{
		char	   *c = escape_text(r->comment);
		char	   *save;

		appendPQExpBufferStr(&buf, "--\n");
		for (char *line = strtok_r(c, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			appendPQExpBuffer(&buf, "-- %s\n", line);
		free(c);
	}
	appendPQExpBufferStr(&buf, "\nSELECT schemaver_add_revision(\n");
	appendPQExpBuffer(&buf, "    revision      => '%s',\n", r->id);
	appendPQExpBufferStr(&buf, "    down_revision => ");
	if (r->nparents == 0)
		appendPQExpBufferStr(&buf, "NULL");
	else if (r->nparents == 1)
		appendPQExpBuffer(&buf, "'%s'", r->parents[0]);
	else
		append_ids(&buf, r->parents, r->nparents);
	appendPQExpBufferStr(&buf, ",\n    message       => ");
	append_message_literal(&buf, r->message);
	appendPQExpBufferStr(&buf, ",\n    upgrade       => ");
	append_dollar_quoted(&buf, "up", r->upgrade);
	appendPQExpBufferStr(&buf, ",\n    downgrade     => ");
	if (r->downgrade)
		append_dollar_quoted(&buf, "down", r->downgrade);
	else
		appendPQExpBufferStr(&buf, "NULL");
	if (r->ndepends_on > 0)
	{
		appendPQExpBufferStr(&buf, ",\n    depends_on    => ");
		append_ids(&buf, r->depends_on, r->ndepends_on);
	}
	if (r->nbranch_labels > 0)
	{
		appendPQExpBufferStr(&buf, ",\n    branch_labels => ");
		append_ids(&buf, r->branch_labels, r->nbranch_labels);
	}
	appendPQExpBufferStr(&buf, ");\n");
	return buf.data;
}

/*
 * revwrite_file
 *		Create path with text; never replaces an existing file.  false after
 *		printing why.
 */
bool
revwrite_file(const char *path, const char *text)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t		len = strlen(text);
	size_t		done = 0;

	if (fd < 0)
	{
		error_msg("could not create file \"%s\": %s", path, strerror(errno));
		return false;
	}
	while (done < len)
	{
		ssize_t		n = write(fd, text + done, len - done);

		if (n <= 0)
		{
			error_msg("could not write file \"%s\": %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return false;
		}
		done += n;
	}
	if (close(fd) != 0)
	{
		error_msg("could not write file \"%s\": %s", path, strerror(errno));
		return false;
	}
	return true;
}
