/*-------------------------------------------------------------------------
 *
 * import_golang.c
 *	  "schemaver import --from golang-migrate": a golang-migrate source
 *	  directory.
 *
 * golang-migrate reads {version}_{title}.up.sql and {version}_{title}.down.sql
 * from one directory, version an unsigned number (a sequence or a
 * timestamp), and applies them in numeric version order.  One revision per
 * version, each the child of the one before; a version without a down file
 * is irreversible.  golang-migrate sends each file as one multi-statement
 * query (one implicit transaction), and an explicit BEGIN; ... COMMIT; that
 * a file carries is removed.
 *
 * src/client/import_golang.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "client.h"

/* One version's files */
typedef struct GoMigration
{
	char	   *version;
	char	   *title;
	char	   *up;
	char	   *down;
} GoMigration;

static int
compare_migrations(const void *a, const void *b)
{
	return import_compare_versions(((const GoMigration *) a)->version,
								   ((const GoMigration *) b)->version);
}

/*
 * import_golang_migrate
 *		Convert the golang-migrate files in src.
 */
bool
import_golang_migrate(const char *src, SvImportSet *set)
{
	char	  **names;
	int			n;
	GoMigration *m;
	int			nm = 0;

	import_list_dir(src, &names, &n);
	m = pg_malloc0(sizeof(GoMigration) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		const char *name = names[i];
		size_t		len = strlen(name);
		size_t		digits = 0;
		bool		up;
		char	   *version;
		char	   *title;
		int			k;

		while (isdigit((unsigned char) name[digits]))
			digits++;
		if (digits == 0 || name[digits] != '_')
			continue;
		if (len > 7 && strcmp(name + len - 7, ".up.sql") == 0)
			up = true;
		else if (len > 9 && strcmp(name + len - 9, ".down.sql") == 0)
			up = false;
		else
			continue;
		version = pnstrdup(name, digits);
		title = pnstrdup(name + digits + 1, len - digits - 1 - (up ? 7 : 9));
		for (k = 0; k < nm; k++)
			if (import_compare_versions(m[k].version, version) == 0)
				break;
		if (k == nm)
		{
			m[nm].version = version;
			m[nm].title = title;
			nm++;
		}
		if ((up ? m[k].up : m[k].down) != NULL)
		{
			error_msg("golang-migrate: version %s has two %s files in \"%s\"",
					  version, up ? "up" : "down", src);
			return false;
		}
		if (up)
		{
			m[k].up = revdir_path(src, name);
			m[k].title = title;
		}
		else
			m[k].down = revdir_path(src, name);
	}
	qsort(m, nm, sizeof(GoMigration), compare_migrations);
	for (int i = 0; i < nm; i++)
	{
		SvImport   *imp;
		char	   *name = psprintf("%s_%s", m[i].version, m[i].title);

		if (m[i].up == NULL)
		{
			warning_msg("golang-migrate: version %s has a down file but no up file: skipped",
						m[i].version);
			continue;
		}
		imp = import_add(set, name);
		if ((imp->upgrade = import_read(m[i].up, false)) == NULL)
			return false;
		if (m[i].down && (imp->downgrade = import_read(m[i].down, false)) == NULL)
			return false;
		imp->message = psprintf("%s (golang-migrate %s)", import_words(m[i].title), name);
		imp->origin = psprintf("%s%s", m[i].up, m[i].down ? psprintf(", %s", m[i].down) : "");
	}
	return true;
}
