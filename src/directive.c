/*-------------------------------------------------------------------------
 *
 * directive.c
 *	  Per-revision options written in the revision's SQL: "-- schemaver:"
 *	  directive lines.
 *
 * A revision's upgrade SQL and its downgrade SQL may each begin with lines
 * such as
 *
 *	-- schemaver: transaction=off
 *	-- schemaver: lock_timeout=2s lock_retries=5 lock_retry_delay=500ms
 *
 * which say how schemaver runs that SQL (run.c, locktimeout.c, nontx.c).
 * Being part of the SQL text, they are in the content checksum, survive a
 * dump and restore, and need no catalog column.
 *
 * Only the leading comment lines of the text are read: from its start,
 * every line that is empty, blank, or whose first non-blank characters are
 * "--".  The first other line (a statement, a block comment) ends them, and
 * nothing after it is ever looked at: this parser does not imitate the SQL
 * lexer, so a "--" inside a string or a dollar quote further down is never
 * mistaken for a directive.  A leading comment line is a directive when,
 * after "--" and blanks, it starts with "schemaver:"; the rest of the line
 * is a list of key=value items separated by blanks.  A line whose first
 * item starts with "lint-" (such as "-- schemaver: lint-ignore <rule>")
 * belongs to the linter and is skipped here.
 *
 * Keys: transaction (on, off), lock_timeout (a duration as the lock_timeout
 * setting accepts it: 500ms, 2s, 1min; 0 is off), lock_retries (0 to 1000),
 * lock_retry_delay (a duration).  An unknown key, a bad value, an item
 * without "=", a key given twice, an empty directive or lock_retries above
 * 0 with transaction=off is an error (22023) that names the revision, the
 * SQL (upgrade or downgrade), the line and the key: at registration, and
 * again when a catalog row damaged by hand is run.
 *
 * This file is at the bottom: it calls no other file of schemaver but
 * escape.c and register.c's helpers for showing user text.
 *
 * src/directive.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/guc.h"
#include "schemaver.h"

/* Most retries a revision may ask for (the setting has the same limit) */
#define SV_MAX_LOCK_RETRIES 1000

/* Longest retry delay, in milliseconds (one hour; the setting too) */
#define SV_MAX_RETRY_DELAY 3600000

pg_noreturn static void directive_error(const char *revision,
										const char *which, int line,
										const char *message,
										const char *detail);
static char *bad_value(const char *key, const char *value);
static char *twice(const char *key);
static void parse_item(const char *item, const char *revision,
					   const char *which, int line, SvDirectives *out);
static int	parse_duration(const char *value, int max, const char *revision,
						   const char *which, int line, const char *key);

/*
 * directives_init
 *		Every option "not given".
 */
void
directives_init(SvDirectives *d)
{
	d->transactional = true;
	d->given_transaction = false;
	d->lock_timeout = -1;
	d->lock_retries = -1;
	d->lock_retry_delay = -1;
	d->lock_retries_line = 0;
}

/*
 * Raise the error for a bad directive: message says what is wrong with which
 * key or item (user text escaped and shortened by the caller), the detail
 * where it is: which line of which SQL of which revision.
 */
static void
directive_error(const char *revision, const char *which, int line,
				const char *message, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", message),
			 errdetail("Line %d of the %s SQL of revision \"%s\". %s",
					   line, which, sv_shorten(sv_printable(revision)), detail),
			 errhint("A directive line is \"-- schemaver: key=value ...\" before the first statement; the keys are transaction, lock_timeout, lock_retries and lock_retry_delay.")));
	pg_unreachable();
}

/* "invalid value "v" for "key" in a schemaver directive" */
static char *
bad_value(const char *key, const char *value)
{
	return psprintf("invalid value \"%s\" for \"%s\" in a schemaver directive",
					sv_shorten(sv_printable(value)), key);
}

/* "key "k" given twice in schemaver directives" */
static char *
twice(const char *key)
{
	return psprintf("key \"%s\" given twice in the schemaver directives", key);
}

/*
 * A duration in milliseconds, as the lock_timeout setting reads it ("2s",
 * "500ms", "500"), from 0 to max.
 */
static int
parse_duration(const char *value, int max, const char *revision,
			   const char *which, int line, const char *key)
{
	int			ms;
	const char *hint = NULL;

	if (!parse_int(value, &ms, GUC_UNIT_MS, &hint) || ms < 0 || ms > max)
		directive_error(revision, which, line, bad_value(key, value),
						psprintf("It is a duration such as 500ms, 2s or 1min, from 0 to %d ms.",
								 max));
	return ms;
}

/*
 * One key=value item of a directive line.
 */
static void
parse_item(const char *item, const char *revision, const char *which,
		   int line, SvDirectives *out)
{
	const char *eq = strchr(item, '=');
	char	   *key;
	const char *value;

	if (eq == NULL)
		directive_error(revision, which, line,
						psprintf("invalid item \"%s\" in a schemaver directive",
								 sv_shorten(sv_printable(item))),
						"Each item of a directive is key=value, without blanks around \"=\".");
	key = pnstrdup(item, eq - item);
	value = eq + 1;
	if (*value == '\0')
		directive_error(revision, which, line,
						psprintf("missing value for \"%s\" in a schemaver directive",
								 sv_shorten(sv_printable(key))),
						"Each item of a directive is key=value, without blanks around \"=\".");

	if (strcmp(key, "transaction") == 0)
	{
		if (out->given_transaction)
			directive_error(revision, which, line, twice(key),
							"Each key may be given once in an SQL text.");
		out->given_transaction = true;
		if (strcmp(value, "off") == 0 || strcmp(value, "false") == 0)
			out->transactional = false;
		else if (strcmp(value, "on") == 0 || strcmp(value, "true") == 0)
			out->transactional = true;
		else
			directive_error(revision, which, line, bad_value(key, value),
							"It is on or off.");
	}
	else if (strcmp(key, "lock_timeout") == 0)
	{
		if (out->lock_timeout >= 0)
			directive_error(revision, which, line, twice(key),
							"Each key may be given once in an SQL text.");
		out->lock_timeout = parse_duration(value, INT_MAX, revision, which,
										   line, key);
	}
	else if (strcmp(key, "lock_retry_delay") == 0)
	{
		if (out->lock_retry_delay >= 0)
			directive_error(revision, which, line, twice(key),
							"Each key may be given once in an SQL text.");
		out->lock_retry_delay = parse_duration(value, SV_MAX_RETRY_DELAY,
											   revision, which, line, key);
	}
	else if (strcmp(key, "lock_retries") == 0)
	{
		int			n;

		if (out->lock_retries >= 0)
			directive_error(revision, which, line, twice(key),
							"Each key may be given once in an SQL text.");
		if (!parse_int(value, &n, 0, NULL) || n < 0 || n > SV_MAX_LOCK_RETRIES)
			directive_error(revision, which, line, bad_value(key, value),
							psprintf("It is a whole number from 0 to %d.",
									 SV_MAX_LOCK_RETRIES));
		out->lock_retries = n;
		out->lock_retries_line = line;
	}
	else
		directive_error(revision, which, line,
						psprintf("unknown key \"%s\" in a schemaver directive",
								 sv_shorten(sv_printable(key))),
						"The keys are transaction, lock_timeout, lock_retries and lock_retry_delay.");
}

/*
 * directives_parse
 *		Read the directives of one SQL text (which: "upgrade" or
 *		"downgrade") into out, raising 22023 for a bad one.  sql may be NULL
 *		(no downgrade): no directives.
 */
void
directives_parse(const char *sql, const char *revision, const char *which,
				 SvDirectives *out)
{
	const char *p = sql;
	int			line = 0;

	directives_init(out);
	if (sql == NULL)
		return;

	while (*p)
	{
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *s = p;
		int			len;
		char	   *rest;
		char	   *item;
		char	   *save;
		bool		any = false;

		line++;
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
						   *s == '\f' || *s == '\v'))
			s++;
		if (s < end && !(end - s >= 2 && s[0] == '-' && s[1] == '-'))
			break;				/* the first statement: no more directives */
		p = eol ? eol + 1 : end;
		if (s == end)
			continue;			/* a blank line */

		/* a comment line: is it a directive? */
		s += 2;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (end - s < 10 || strncmp(s, "schemaver:", 10) != 0)
			continue;
		s += 10;
		len = end - s;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		rest = pnstrdup(s, len);

		/* the linter's lines ("-- schemaver: lint-ignore <rule>") */
		item = rest + strspn(rest, " \t");
		if (strncmp(item, "lint-", 5) == 0)
			continue;

		for (item = strtok_r(rest, " \t", &save); item != NULL;
			 item = strtok_r(NULL, " \t", &save))
		{
			parse_item(item, revision, which, line, out);
			any = true;
		}
		if (!any)
			directive_error(revision, which, line,
							pstrdup("empty schemaver directive"),
							"A directive line lists at least one key=value item.");
	}

	if (!out->transactional && out->lock_retries > 0)
		directive_error(revision, which, out->lock_retries_line,
						pstrdup("\"lock_retries\" cannot be used with \"transaction=off\""),
						"A revision with transaction=off cannot retry: its statements commit one by one, so a statement that failed cannot be rolled back and run again.");
}

/*
 * directives_check
 *		Check both SQL texts of a revision being registered (downgrade may
 *		be NULL), so that a bad directive is refused before anything is
 *		stored.
 */
void
directives_check(const char *revision, const char *upgrade,
				 const char *downgrade)
{
	SvDirectives d;

	directives_parse(upgrade, revision, "upgrade", &d);
	directives_parse(downgrade, revision, "downgrade", &d);
}
