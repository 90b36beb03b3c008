/*-------------------------------------------------------------------------
 *
 * import_flyway.c
 *	  "schemaver import --from flyway": Flyway SQL migrations.
 *
 * Flyway finds its migrations anywhere under its locations (DIR and its
 * sub-directories here): V<version>__<description>.sql (versioned),
 * U<version>__<description>.sql (undo, Flyway Teams), R__<description>.sql
 * (repeatable) and B<version>__<description>.sql (baseline).  A version is
 * numbers separated by dots or single underscores, and migrations run in
 * numeric version order.  A script configuration file beside a migration
 * (V2__x.sql.conf) may say executeInTransaction=false.
 *
 * One revision per versioned migration, in version order, each the child
 * of the one before, its undo migration as the downgrade.  Repeatable
 * migrations (re-run whenever they change) and baseline migrations (a
 * shortcut for new databases) have no counterpart in schemaver and are
 * left out with a warning; so are the placeholders (${...}) Flyway would
 * have replaced, which are reported.
 *
 * src/client/import_flyway.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <regex.h>

#include "client.h"

/* A versioned migration and its undo */
typedef struct FlywayMigration
{
	char	   *version;		/* dots */
	char	   *description;
	char	   *file;			/* the V file's name */
	char	   *path;
	char	   *undo;			/* the U file's path */
} FlywayMigration;

typedef struct FlywayScan
{
	FlywayMigration *m;
	int			n;
	int			alloc;
	char	  **undo_versions;
	char	  **undo_paths;
	int			nundo;
} FlywayScan;

static bool scan(const char *dir, FlywayScan *fs, int depth);
static int	compare_migrations(const void *a, const void *b);

/* Split "V1_1__add_email.sql": the prefix letter, version and description */
static bool
parse_name(const char *name, char *prefix, char **version, char **description)
{
	size_t		len = strlen(name);
	const char *sep;

	if (len < 7 || strcmp(name + len - 4, ".sql") != 0 ||
		(sep = strstr(name + 1, "__")) == NULL)
		return false;
	*prefix = name[0];
	*version = pnstrdup(name + 1, sep - name - 1);
	*description = pnstrdup(sep + 2, name + len - 4 - (sep + 2));
	for (char *p = *version; *p; p++)
		if (*p == '_')
			*p = '.';
	return true;
}

/* Collect the migrations under dir (sub-directories too) */
static bool
scan(const char *dir, FlywayScan *fs, int depth)
{
	char	  **names;
	int			n;

	import_list_dir(dir, &names, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *path = revdir_path(dir, names[i]);
		char		prefix;
		char	   *version;
		char	   *description;

		if (names[i][0] == '.')
			continue;
		if (import_is_dir(path))
		{
			if (depth < 20 && !scan(path, fs, depth + 1))
				return false;
			continue;
		}
		if (!parse_name(names[i], &prefix, &version, &description))
			continue;
		if (prefix == 'R' && version[0] == '\0')
			warning_msg("flyway: %s is a repeatable migration, which schemaver has no counterpart for: left out",
						path);
		else if (prefix == 'B')
			warning_msg("flyway: %s is a baseline migration (for new databases only): left out; the versioned migrations are imported",
						path);
		else if (prefix == 'U')
		{
			fs->undo_versions = pg_realloc(fs->undo_versions, sizeof(char *) * (fs->nundo + 1));
			fs->undo_paths = pg_realloc(fs->undo_paths, sizeof(char *) * (fs->nundo + 1));
			fs->undo_versions[fs->nundo] = version;
			fs->undo_paths[fs->nundo++] = path;
		}
		else if (prefix == 'V' && version[0] != '\0')
		{
			if (fs->n == fs->alloc)
				fs->m = pg_realloc(fs->m, sizeof(FlywayMigration) * (fs->alloc = fs->alloc ? fs->alloc * 2 : 16));
			fs->m[fs->n].version = version;
			fs->m[fs->n].description = description;
			fs->m[fs->n].file = names[i];
			fs->m[fs->n].path = path;
			fs->m[fs->n].undo = NULL;
			fs->n++;
		}
	}
	return true;
}

static int
compare_migrations(const void *a, const void *b)
{
	return import_compare_versions(((const FlywayMigration *) a)->version,
								   ((const FlywayMigration *) b)->version);
}

/* Whether a script configuration says executeInTransaction=false */
static bool
runs_outside_transaction(const char *conf)
{
	regex_t		re;
	bool		found;

	if (regcomp(&re, "^[[:space:]]*executeInTransaction[[:space:]]*=[[:space:]]*false[[:space:]]*$",
				REG_EXTENDED | REG_NEWLINE | REG_ICASE | REG_NOSUB) != 0)
		return false;
	found = regexec(&re, conf, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

/*
 * import_flyway
 *		Convert the Flyway migrations under src.
 */
bool
import_flyway(const char *src, SvImportSet *set)
{
	FlywayScan	fs = {0};

	if (!scan(src, &fs, 0))
		return false;
	qsort(fs.m, fs.n, sizeof(FlywayMigration), compare_migrations);
	for (int i = 1; i < fs.n; i++)
		if (import_compare_versions(fs.m[i - 1].version, fs.m[i].version) == 0)
		{
			error_msg("flyway: %s and %s have the same version %s",
					  fs.m[i - 1].path, fs.m[i].path, fs.m[i].version);
			return false;
		}
	for (int k = 0; k < fs.nundo; k++)
	{
		bool		matched = false;

		for (int i = 0; i < fs.n; i++)
			if (import_compare_versions(fs.m[i].version, fs.undo_versions[k]) == 0)
			{
				fs.m[i].undo = fs.undo_paths[k];
				matched = true;
			}
		if (!matched)
			warning_msg("flyway: undo migration %s has no versioned migration: left out",
						fs.undo_paths[k]);
	}
	for (int i = 0; i < fs.n; i++)
	{
		FlywayMigration *fm = &fs.m[i];
		char	   *stem = pnstrdup(fm->file, strlen(fm->file) - 4);
		SvImport   *imp = import_add(set, stem);
		char	   *conf;

		if ((imp->upgrade = import_read(fm->path, false)) == NULL)
			return false;
		if (fm->undo && (imp->downgrade = import_read(fm->undo, false)) == NULL)
			return false;
		imp->message = psprintf("%s (flyway %s)", import_words(fm->description), fm->file);
		imp->origin = psprintf("%s%s", fm->path, fm->undo ? psprintf(", %s", fm->undo) : "");
		conf = import_read(psprintf("%s.conf", fm->path), true);
		if (conf && runs_outside_transaction(conf))
		{
			imp->no_transaction = true;
			imp->why_no_transaction = "its script configuration sets executeInTransaction=false";
		}
		if (strstr(imp->upgrade, "${") || (imp->downgrade && strstr(imp->downgrade, "${")))
			warning_msg("flyway: %s uses placeholders (${...}), which schemaver does not replace: edit the revision",
						fm->path);
	}
	return true;
}
