/*-------------------------------------------------------------------------
 *
 * escape.c
 *	  Showing user text safely: messages, ids, role and application names
 *	  and revision SQL, as a terminal or a reviewer will read them.
 *
 * Text that comes from users (a revision's message or SQL, a role name)
 * reaches people through psql's output, server logs and preview scripts
 * opened with cat or less.  A control character in it (ESC starting a
 * terminal escape sequence, a carriage return that moves the cursor back
 * over what was printed, a backspace) would let it hide or rewrite what is
 * shown.  The functions here show such characters as escapes instead:
 * \x1b, \r, and \u202e for the Unicode controls that reorder or hide text
 * (bidirectional overrides and isolates, zero-width marks).
 *
 * This file is at the bottom: it calls no other file of schemaver.
 *
 * src/escape.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "schemaver.h"

/*
 * sv_invisible_length
 *		If s starts with a character that must not reach a reader as it is,
 *		the length in bytes of that character; else 0.  newlines: whether a
 *		line feed (and a carriage return right before one) and a tab are
 *		allowed, as in SQL text, or escaped too, as in one-line names.
 *
 * C0 controls and DEL always count; so do C1 controls (U+0080..U+009F),
 * which some terminals take as escape sequences, and, in UTF-8 databases,
 * the characters that reorder, hide or break text: U+200B..U+200F,
 * U+2028 and U+2029 (line and paragraph separators), U+202A..U+202E,
 * U+2060..U+2064, U+2066..U+2069 and U+FEFF.
 */
int
sv_invisible_length(const char *s, bool newlines)
{
	unsigned char c = (unsigned char) s[0];

	if (c < 0x20 || c == 0x7f)
	{
		if (newlines && (c == '\n' || c == '\t' ||
						 (c == '\r' && s[1] == '\n')))
			return 0;
		return 1;
	}
	if (c < 0x80 || GetDatabaseEncoding() != PG_UTF8)
		return 0;
	if (c == 0xc2 && (unsigned char) s[1] >= 0x80 &&
		(unsigned char) s[1] <= 0x9f)
		return 2;
	if (c == 0xe2 && (unsigned char) s[1] == 0x80)
	{
		unsigned char d = (unsigned char) s[2];

		if ((d >= 0x8b && d <= 0x8f) || (d >= 0xa8 && d <= 0xae))
			return 3;
	}
	if (c == 0xe2 && (unsigned char) s[1] == 0x81)
	{
		unsigned char d = (unsigned char) s[2];

		if ((d >= 0xa0 && d <= 0xa4) || (d >= 0xa6 && d <= 0xa9))
			return 3;
	}
	if (c == 0xef && (unsigned char) s[1] == 0xbb && (unsigned char) s[2] == 0xbf)
		return 3;
	return 0;
}

/*
 * sv_append_escaped_char
 *		Append the escape of one invisible character of len bytes (as found
 *		by sv_invisible_length): \t \n \r for those, \xNN for other
 *		single-byte controls, \uNNNN for the multibyte ones.
 */
void
sv_append_escaped_char(StringInfo buf, const char *s, int len)
{
	if (len == 1)
	{
		switch (s[0])
		{
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			default:
				appendStringInfo(buf, "\\x%02x", (unsigned char) s[0]);
				break;
		}
	}
	else
		appendStringInfo(buf, "\\u%04x",
						 (unsigned int) utf8_to_unicode((const unsigned char *) s));
}

/*
 * A copy of s with every character that sv_invisible_length finds escaped
 * (newlines: as there).
 */
static char *
printable(const char *s, bool newlines)
{
	StringInfoData buf;

	initStringInfo(&buf);
	while (*s)
	{
		int			len = sv_invisible_length(s, newlines);

		if (len > 0)
		{
			sv_append_escaped_char(&buf, s, len);
			s += len;
		}
		else
			appendStringInfoChar(&buf, *s++);
	}
	return buf.data;
}

/*
 * sv_printable
 *		A copy of a one-line string (a name, an id, a message) with every
 *		control character escaped, line breaks and tabs included.
 */
char *
sv_printable(const char *s)
{
	return printable(s, false);
}

/*
 * sv_printable_text
 *		The same for multi-line text (a message shown in a NOTICE): line
 *		feeds, tabs and CR LF line ends stay, every other control character
 *		is escaped.
 */
char *
sv_printable_text(const char *s)
{
	return printable(s, true);
}

/*
 * sv_shorten
 *		A user's one-line string (an id, a label, a file name) as a message
 *		quotes it: at most 70 bytes, cut at a character boundary (a
 *		10,000-character id must not make a 10,000-character error), with
 *		every control character escaped (it reaches a terminal).
 */
char *
sv_shorten(const char *s)
{
	int			len = strlen(s);

	if (len <= 70)
		return sv_printable(s);
	return psprintf("%s...", sv_printable(pnstrdup(s, pg_mbcliplen(s, len, 60))));
}

/*
 * sv_has_invisible
 *		Whether multi-line text (SQL) holds a character that would not reach
 *		a reader as it is (line feeds, tabs and CR LF line ends are fine).
 */
bool
sv_has_invisible(const char *s)
{
	for (; *s; s++)
		if (sv_invisible_length(s, true) > 0)
			return true;
	return false;
}
