/*-------------------------------------------------------------------------
 *
 * import_diesel.c
 *	  "schemaver import --from diesel": a Diesel migrations directory.
 *
 * Diesel keeps one directory per migration, named {version}_{name}, with
 * up.sql, down.sql and, optionally, metadata.toml, whose
 * "run_in_transaction = false" makes Diesel run the migration outside a
 * transaction.  DIR is that migrations directory, or the project holding
 * it (diesel.toml, migrations/).  One revision per migration directory, in
 * version order (the order of the names, as Diesel's timestamps sort),
 * each the child of the one before; the initial setup migration
 * (00000000000000_diesel_initial_setup) is a migration like the others.
 *
 * src/client/import_diesel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <regex.h>

#include "client.h"

/* Whether metadata.toml says run_in_transaction = false */
static bool
runs_outside_transaction(const char *toml)
{
	regex_t		re;
	bool		found;

	if (regcomp(&re, "^[[:space:]]*run_in_transaction[[:space:]]*=[[:space:]]*false[[:space:]]*(#.*)?$",
				REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0)
		return false;
	found = regexec(&re, toml, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

/*
 * import_diesel
 *		Convert the Diesel migrations in src (or src/migrations).
 */
bool
import_diesel(const char *src, SvImportSet *set)
{
	const char *dir = src;
	char	  **names;
	int			n;
	int			found = 0;

	import_list_dir(dir, &names, &n);
	for (int i = 0; i < n; i++)
		found += import_is_file(revdir_path(revdir_path(dir, names[i]), "up.sql"));
	if (found == 0 && import_is_dir(revdir_path(src, "migrations")))
	{
		dir = revdir_path(src, "migrations");
		import_list_dir(dir, &names, &n);
	}
	for (int i = 0; i < n; i++)
	{
		char	   *mdir = revdir_path(dir, names[i]);
		char	   *up_path = revdir_path(mdir, "up.sql");
		char	   *down_path = revdir_path(mdir, "down.sql");
		char	   *toml;
		const char *title;
		SvImport   *imp;

		if (names[i][0] == '.' || !import_is_dir(mdir))
			continue;
		if (!import_is_file(up_path))
		{
			warning_msg("diesel: %s has no up.sql: skipped", mdir);
			continue;
		}
		imp = import_add(set, names[i]);
		if ((imp->upgrade = import_read(up_path, false)) == NULL)
			return false;
		imp->downgrade = import_read(down_path, true);
		title = strchr(names[i], '_') ? strchr(names[i], '_') + 1 : names[i];
		imp->message = psprintf("%s (diesel migration %s)", import_words(title), names[i]);
		imp->origin = psprintf("%s%s", up_path,
							   imp->downgrade ? psprintf(", %s", down_path) : "");
		toml = import_read(revdir_path(mdir, "metadata.toml"), true);
		if (toml && runs_outside_transaction(toml))
		{
			imp->no_transaction = true;
			imp->down_no_transaction = true;
			imp->why_no_transaction = "its metadata.toml sets run_in_transaction = false";
		}
	}
	return true;
}
