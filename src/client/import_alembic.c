/*-------------------------------------------------------------------------
 *
 * import_alembic.c
 *	  "schemaver import --from alembic-sql": what Alembic's offline mode
 *	  prints (alembic upgrade base:heads --sql, alembic downgrade
 *	  heads:base --sql).
 *
 * DIR is one such file, or a directory whose *.sql files are read in name
 * order (typically upgrade.sql and downgrade.sql).  Alembic marks each step
 * with a comment line, then prints its SQL and the statement that records
 * it in alembic_version:
 *
 *	  -- Running upgrade 1b2c3d4e5f60 -> 2c3d4e5f6071
 *	  -- Running upgrade 3d4e5f607182, 4e5f60718293 -> 5f6071829304
 *	  -- Running downgrade 0a1b2c3d4e5f ->
 *
 * One revision per upgrade step, with Alembic's revision id and the
 * parents the line names (several for a merge, none for a base); the
 * downgrade step of the same revision gives its downgrade SQL (none: the
 * revision is irreversible).  The alembic_version statements and the
 * BEGIN; / COMMIT; lines of the script's transaction (one for the whole
 * script, or one per migration) are removed; statements printed between a
 * COMMIT; and the next BEGIN; (an autocommit_block) ran outside a
 * transaction, and their revision is marked so.  Messages, branch labels
 * and depends_on are not in the offline output.
 *
 * src/client/import_alembic.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "client.h"

/* What one file says of one revision */
typedef struct AlembicStep
{
	bool		upgrade;
	char	  **from;
	int			nfrom;
	char	   *to;
	char	   *sql;
	bool		outside;		/* had statements outside a transaction */
} AlembicStep;

/* Whether the line starts (after blanks) with s, case-insensitively */
static bool
starts_with(const char *line, const char *s)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return pg_strncasecmp(line, s, strlen(s)) == 0;
}

/* Whether the line is exactly the statement s (BEGIN; or COMMIT;) */
static bool
is_statement(const char *line, const char *s)
{
	size_t		len = strlen(s);
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (pg_strncasecmp(p, s, len) != 0)
		return false;
	for (p += len; *p; p++)
		if (!isspace((unsigned char) *p))
			return false;
	return true;
}

/* Split "a, b" into ids (none for "") */
static void
split_ids(const char *list, char ***ids, int *n)
{
	char	   *copy = pg_strdup(list);
	char	   *save;

	*ids = NULL;
	*n = 0;
	for (char *id = strtok_r(copy, ", \t\r", &save); id; id = strtok_r(NULL, ", \t\r", &save))
	{
		*ids = pg_realloc(*ids, sizeof(char *) * (*n + 1));
		(*ids)[(*n)++] = pg_strdup(id);
	}
}

/*
 * The SQL of one step without Alembic's bookkeeping and transaction
 * lines; *outside tells whether statements came between a COMMIT; and the
 * next BEGIN;.
 */
static char *
clean_step(char **lines, int n, bool *outside)
{
	PQExpBufferData out;
	bool		skipping = false;
	bool		committed = false;

	initPQExpBuffer(&out);
	*outside = false;
	for (int i = 0; i < n; i++)
	{
		const char *l = lines[i];
		size_t		len = strlen(l);

		if (skipping || starts_with(l, "INSERT INTO alembic_version") ||
			starts_with(l, "UPDATE alembic_version") ||
			starts_with(l, "DELETE FROM alembic_version") ||
			starts_with(l, "CREATE TABLE alembic_version") ||
			starts_with(l, "DROP TABLE alembic_version"))
		{
			while (len > 0 && isspace((unsigned char) l[len - 1]))
				len--;
			skipping = !(len > 0 && l[len - 1] == ';');
			continue;
		}
		if (is_statement(l, "BEGIN;"))
		{
			committed = false;
			continue;
		}
		if (is_statement(l, "COMMIT;"))
		{
			committed = true;
			continue;
		}
		if (committed)
		{
			const char *p = l;

			while (isspace((unsigned char) *p))
				p++;
			if (*p && strncmp(p, "--", 2) != 0)
				*outside = true;
		}
		appendPQExpBuffer(&out, "%s\n", l);
	}
	/* Alembic separates statements with blank lines: trim the ends */
	{
		char	   *s = out.data;
		size_t		len;

		while (*s == '\n')
			s++;
		len = strlen(s);
		while (len > 0 && s[len - 1] == '\n')
			s[--len] = '\0';
		s = len ? psprintf("%s\n", s) : pg_strdup("");
		termPQExpBuffer(&out);
		return s;
	}
}

/* Read the steps of one file */
static bool
read_steps(const char *path, AlembicStep **steps, int *nsteps)
{
	char	   *text = import_read(path, false);
	char	  **lines = NULL;
	int			nlines = 0;
	int			start = -1;

	if (text == NULL)
		return false;
	for (char *p = text; p;)
	{
		char	   *eol = strchr(p, '\n');

		if (eol)
			*eol = '\0';
		lines = pg_realloc(lines, sizeof(char *) * (nlines + 1));
		lines[nlines++] = p;
		p = eol ? eol + 1 : NULL;
	}
	for (int i = 0; i <= nlines; i++)
	{
		bool		marker = i < nlines && strncmp(lines[i], "-- Running ", 11) == 0;
		AlembicStep *st;
		const char *arrow;
		const char *what;

		if (i < nlines && !marker)
			continue;
		if (start >= 0)
		{
			st = &(*steps)[*nsteps - 1];
			st->sql = clean_step(lines + start + 1, i - start - 1, &st->outside);
		}
		if (i == nlines)
			break;
		what = lines[i] + 11;
		arrow = strstr(what, " -> ");
		if ((strncmp(what, "upgrade ", 8) != 0 && strncmp(what, "downgrade ", 10) != 0) ||
			(arrow == NULL && (arrow = strstr(what, " ->")) == NULL))
		{
			error_msg("alembic-sql: %s, line %d: not an Alembic step: %s", path, i + 1, lines[i]);
			return false;
		}
		*steps = pg_realloc(*steps, sizeof(AlembicStep) * (*nsteps + 1));
		st = &(*steps)[(*nsteps)++];
		memset(st, 0, sizeof(*st));
		st->upgrade = (what[0] == 'u');
		{
			char	   *from_list = pnstrdup(what + (st->upgrade ? 8 : 10),
											 arrow - what - (st->upgrade ? 8 : 10));
			char	  **to_ids;
			int			nto;

			split_ids(arrow[3] ? arrow + 4 : "", &to_ids, &nto);
			if (st->upgrade)
			{
				split_ids(from_list, &st->from, &st->nfrom);
				if (nto != 1)
				{
					error_msg("alembic-sql: %s, line %d: an upgrade step to %d revisions", path, i + 1, nto);
					return false;
				}
				st->to = to_ids[0];
			}
			else
			{
				/* "downgrade c -> a, b": the downgrade of c */
				char	  **fids;
				int			nf;

				split_ids(from_list, &fids, &nf);
				if (nf != 1)
				{
					error_msg("alembic-sql: %s, line %d: a downgrade step from %d revisions", path, i + 1, nf);
					return false;
				}
				st->to = fids[0];
			}
		}
		start = i;
	}
	return true;
}

/*
 * import_alembic_sql
 *		Convert Alembic's offline output in src (a file, or a directory's
 *		*.sql files).
 */
bool
import_alembic_sql(const char *src, SvImportSet *set)
{
	char	  **files;
	int			nfiles = 0;
	AlembicStep *steps = NULL;
	int			nsteps = 0;

	if (import_is_file(src))
	{
		files = pg_malloc(sizeof(char *));
		files[nfiles++] = pg_strdup(src);
	}
	else
	{
		char	  **names;
		int			n;

		if (!revdir_names(src, &names, &n))
			return false;
		files = pg_malloc(sizeof(char *) * (n + 1));
		for (int i = 0; i < n; i++)
			files[nfiles++] = revdir_path(src, names[i]);
	}
	for (int i = 0; i < nfiles; i++)
		if (!read_steps(files[i], &steps, &nsteps))
			return false;

	/* the revisions, in the order of their upgrade steps */
	for (int i = 0; i < nsteps; i++)
	{
		SvImport   *imp = NULL;

		if (!steps[i].upgrade)
			continue;
		for (int k = 0; k < set->n; k++)
			if (strcmp(set->items[k].name, steps[i].to) == 0)
				imp = &set->items[k];
		if (imp)
		{
			if (strcmp(imp->upgrade, steps[i].sql) != 0)
				warning_msg("alembic-sql: revision %s is upgraded twice with different SQL; the first is kept",
							steps[i].to);
			continue;
		}
		imp = import_add(set, steps[i].to);
		imp->upgrade = steps[i].sql;
		imp->explicit_parents = true;
		for (int k = 0; k < steps[i].nfrom; k++)
			import_add_parent(imp, steps[i].from[k]);
		imp->message = psprintf("alembic revision %s", steps[i].to);
		imp->origin = pg_strdup(src);
		imp->strip_transaction = false;
		if (steps[i].outside)
		{
			imp->no_transaction = true;
			imp->why_no_transaction = "an autocommit_block: its script commits before it and begins after it";
		}
	}
	for (int i = 0; i < nsteps; i++)
	{
		bool		found = false;

		if (steps[i].upgrade)
			continue;
		for (int k = 0; k < set->n; k++)
			if (strcmp(set->items[k].name, steps[i].to) == 0)
			{
				found = true;
				if (set->items[k].downgrade == NULL)
					set->items[k].downgrade = steps[i].sql;
				if (steps[i].outside)
				{
					set->items[k].no_transaction = true;
					set->items[k].why_no_transaction = "an autocommit_block: its script commits before it and begins after it";
				}
			}
		if (!found)
			warning_msg("alembic-sql: revision %s has a downgrade step but no upgrade step: left out",
						steps[i].to);
	}
	for (int k = 0; k < set->n; k++)
		if (set->items[k].downgrade == NULL)
			warning_msg("alembic-sql: no downgrade step for %s (give the output of \"alembic downgrade heads:base --sql\" too): it is irreversible",
						set->items[k].name);
	return true;
}
