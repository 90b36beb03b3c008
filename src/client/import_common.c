/*-------------------------------------------------------------------------
 *
 * import_common.c
 *	  What the converters of "schemaver import" (import_<tool>.c) share:
 *	  the set of migrations they fill (import_add and its parents and
 *	  dependencies), reading the tool's files and directories, splitting
 *	  and comparing version names, removing a script's outer transaction
 *	  and warning of psql meta-commands.  import.c, above them, names,
 *	  checks, writes and reports what they found.
 *
 * src/client/import_common.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <regex.h>
#include <sys/stat.h>

#include "client.h"

static int	compare_strings(const void *a, const void *b);

/* qsort comparator of strings, byte order */
static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Add a migration to the set (names must be unique: checked here) */
SvImport *
import_add(SvImportSet *set, const char *name)
{
	SvImport   *imp;

	if (set->n == set->alloc)
	{
		set->alloc = set->alloc ? set->alloc * 2 : 16;
		set->items = pg_realloc(set->items, sizeof(SvImport) * set->alloc);
	}
	imp = &set->items[set->n++];
	memset(imp, 0, sizeof(SvImport));
	imp->name = pg_strdup(name);
	imp->strip_transaction = true;
	return imp;
}

/* Append a dependency (by name) */
void
import_add_depend(SvImport *imp, const char *name)
{
	imp->depends = pg_realloc(imp->depends, sizeof(char *) * (imp->ndepends + 1));
	imp->depends[imp->ndepends++] = pg_strdup(name);
}

/* Append an explicit parent (by name) */
void
import_add_parent(SvImport *imp, const char *name)
{
	imp->parents = pg_realloc(imp->parents, sizeof(char *) * (imp->nparents + 1));
	imp->parents[imp->nparents++] = pg_strdup(name);
	imp->explicit_parents = true;
}

/*
 * import_list_dir
 *		The entries of a directory (but . and ..), sorted by name; none when
 *		it cannot be read.
 */
void
import_list_dir(const char *path, char ***names, int *n)
{
	DIR		   *d = opendir(path);
	struct dirent *de;
	int			alloc = 16;

	*names = pg_malloc(sizeof(char *) * alloc);
	*n = 0;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
	{
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == alloc)
			*names = pg_realloc(*names, sizeof(char *) * (alloc *= 2));
		(*names)[(*n)++] = pg_strdup(de->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(char *), compare_strings);
}

/*
 * import_warn_meta_commands
 *		Warn about lines of a script that start with a backslash: psql
 *		meta-commands, which the tool ran through psql and schemaver, which
 *		sends revision SQL to the server, cannot run.
 */
void
import_warn_meta_commands(const char *tool, const char *file, const char *sql)
{
	int			line = 1;
	const char *p = sql;

	while (*p)
	{
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\\')
		{
			warning_msg("%s: %s, line %d, has a psql meta-command, which schemaver cannot run: edit the revision",
						tool, file, line);
			return;
		}
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
		line++;
	}
}

/*
 * A file's text, or NULL (after an error, unless missing_ok and it is
 * missing).  The imported project is a checkout like any other: its files
 * are not read through symbolic links (read_untrusted_file).
 */
char *
import_read(const char *path, bool missing_ok)
{
	size_t		len;

	if (missing_ok && !import_is_file(path))
		return NULL;
	return read_untrusted_file(path, &len, true);
}

bool
import_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
import_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "add_user_email" -> "add user email": a name's words, for a message */
char *
import_words(const char *name)
{
	char	   *s = pg_strdup(name);

	for (char *p = s; *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	return s;
}

/*
 * Compare two version strings made of numbers separated by dots (as
 * Flyway's, or golang-migrate's single number): number by number, a
 * missing part counting as 0, numbers of any length; anything else than
 * digits and dots is compared as text.
 */
int
import_compare_versions(const char *a, const char *b)
{
	while (*a || *b)
	{
		size_t		la = 0;
		size_t		lb = 0;
		int			c;

		if ((*a && !isdigit((unsigned char) *a)) || (*b && !isdigit((unsigned char) *b)))
			return strcmp(a, b);
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char) a[la]))
			la++;
		while (isdigit((unsigned char) b[lb]))
			lb++;
		if (la != lb)
			return la < lb ? -1 : 1;
		if ((c = strncmp(a, b, la)) != 0)
			return c;
		a += la;
		b += lb;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

/* Whether a line is blank or only a -- comment */
static bool
insignificant(const char *line, size_t len)
{
	size_t		i = 0;

	while (i < len && isspace((unsigned char) line[i]))
		i++;
	return i == len || (i + 1 < len && line[i] == '-' && line[i + 1] == '-');
}

/*
 * import_strip_outer_transaction
 *		Remove an outer transaction from a script: when its first statement
 *		is BEGIN (or START TRANSACTION) and its last COMMIT (or END), each
 *		alone on its line, remove those two lines.  Returns whether it did.
 */
bool
import_strip_outer_transaction(char **sql)
{
	static regex_t begin_re;
	static regex_t commit_re;
	static bool compiled = false;
	char	   *s = *sql;
	char	   *first = NULL;
	char	   *first_end = NULL;
	char	   *last = NULL;
	char	   *last_end = NULL;
	char	   *p = s;

	if (!compiled)
	{
		if (regcomp(&begin_re,
					"^[[:space:]]*(begin|start[[:space:]]+transaction)([[:space:]]+(work|transaction))?[[:space:]]*;[[:space:]]*(--.*)?$",
					REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0 ||
			regcomp(&commit_re,
					"^[[:space:]]*(commit|end)([[:space:]]+(work|transaction))?[[:space:]]*;[[:space:]]*(--.*)?$",
					REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			return false;
		compiled = true;
	}
	while (*p)
	{
		char	   *eol = strchr(p, '\n');
		size_t		len = eol ? (size_t) (eol - p) : strlen(p);

		if (!insignificant(p, len))
		{
			if (first == NULL)
			{
				first = p;
				first_end = p + len;
			}
			last = p;
			last_end = p + len;
		}
		p += len + (eol ? 1 : 0);
	}
	if (first == NULL || first == last)
		return false;
	{
		char	   *fl = pnstrdup(first, first_end - first);
		char	   *ll = pnstrdup(last, last_end - last);
		bool		ok = regexec(&begin_re, fl, 0, NULL, 0) == 0 &&
			regexec(&commit_re, ll, 0, NULL, 0) == 0;

		free(fl);
		free(ll);
		if (!ok)
			return false;
	}
	{
		PQExpBufferData out;

		initPQExpBuffer(&out);
		appendBinaryPQExpBuffer(&out, s, first - s);
		appendBinaryPQExpBuffer(&out, first_end + (*first_end ? 1 : 0),
								last - (first_end + (*first_end ? 1 : 0)));
		appendPQExpBufferStr(&out, last_end + (*last_end ? 1 : 0));
		free(*sql);
		*sql = out.data;
	}
	return true;
}
