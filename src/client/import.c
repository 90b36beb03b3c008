/*-------------------------------------------------------------------------
 *
 * import.c
 *	  "schemaver import --from TOOL DIR": converting another tool's
 *	  migrations into revision files, the part shared by every tool.
 *
 * A converter (import_<tool>.c, with the helpers of import_common.c) reads
 * the tool's project and lists its migrations in the tool's order, each
 * with its name, upgrade and downgrade SQL, parents (or "the previous
 * one"), dependencies and whether the tool ran it outside a transaction.
 * This file then:
 *
 *	 - removes an outer BEGIN; ... COMMIT; that the tool's scripts carry
 *	   (schemaver runs each revision in a transaction of its own): the
 *	   first and the last statement of the script, when each is alone on
 *	   its line (comments and blank lines around them do not count);
 *	 - makes each name a valid revision id (characters other than letters,
 *	   digits and _ become _, at most 63 characters, a suffix when two names
 *	   give the same id) and keeps the original name in the message;
 *	 - writes one revision file per migration into --dir, none if any of
 *	   the files exists already;
 *	 - says how a database the tool migrated adopts them (stamp).
 *
 * A migration the tool ran outside a transaction becomes a
 * non-transactional revision: its upgrade SQL begins with the directive
 * "-- schemaver: transaction=off" (applied by the stepwise procedures, each
 * statement on its own, as the tool ran it); the header comment says why,
 * and the import reports it.  Its downgrade is non-transactional too only
 * when the tool ran that outside a transaction as well (a Sqitch revert
 * script without BEGIN/COMMIT, a Diesel migration): otherwise an atomic way
 * back is the safer default, and a statement that cannot run in a
 * transaction gets a clean refusal that names the directive.
 *
 * The converters only reorganize files; the server's parser checks every
 * file that comes out of it when it is registered.
 *
 * src/client/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"


#include "common/file_perm.h"

#include "client.h"

/* The first line of the upgrade SQL of a migration run outside a transaction */
#define NONTX_DIRECTIVE "-- schemaver: transaction=off"

static char *make_id(const char *name, char **taken, int ntaken);
static SvImport *find_by_name(SvImportSet *set, const char *name);

static char *import_comment(const SvImportSet *set, const SvImport *imp);

/*
 * A valid revision id for name, different from the taken ones: characters
 * other than letters, digits and _ become _, at most 63 characters; head,
 * heads and base get a suffix, and so does an id already taken.
 */
static char *
make_id(const char *name, char **taken, int ntaken)
{
	PQExpBufferData base;
	char	   *id;

	initPQExpBuffer(&base);
	for (const unsigned char *p = (const unsigned char *) name; *p; p++)
		appendPQExpBufferChar(&base, (*p < 128 && (isalnum(*p) || *p == '_')) ? (char) *p : '_');
	if (base.len == 0)
		appendPQExpBufferStr(&base, "migration");
	if (base.len > 63)
		base.data[base.len = 63] = '\0';
	id = pg_strdup(base.data);
	for (int n = 2;; n++)
	{
		bool		dup = !valid_identifier(id);

		for (int i = 0; !dup && i < ntaken; i++)
			if (strcmp(taken[i], id) == 0)
				dup = true;
		if (!dup)
			break;
		free(id);
		id = psprintf("%.*s_%d", 60 - (n > 99 ? 3 : 0), base.data, n);
	}
	termPQExpBuffer(&base);
	return id;
}

/* The migration of that name, or NULL */
static SvImport *
find_by_name(SvImportSet *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->items[i].name, name) == 0)
			return &set->items[i];
	return NULL;
}

/* The header comment of an imported revision file */
static char *
import_comment(const SvImportSet *set, const SvImport *imp)
{
	PQExpBufferData c;

	initPQExpBuffer(&c);
	appendPQExpBuffer(&c, "Imported by \"schemaver import --from %s\" from the %s %s %s.\n",
					  set->tool, set->display, set->unit, imp->name);
	if (imp->origin)
		appendPQExpBuffer(&c, "Source: %s\n", imp->origin);
	if (imp->no_transaction)
		appendPQExpBuffer(&c,
						  "no-transaction: %s ran it outside a transaction\n"
						  "(%s).\n"
						  "Its upgrade SQL is non-transactional (\"-- schemaver: transaction=off\"):\n"
						  "apply it with \"schemaver upgrade --stepwise\", which runs each of its\n"
						  "statements on its own.  %s\n",
						  set->display, imp->why_no_transaction ? imp->why_no_transaction : "as it was written",
						  imp->down_no_transaction ? "Its downgrade SQL is non-transactional too." :
						  "Its downgrade runs in a transaction.");
	if (imp->downgrade == NULL)
		appendPQExpBuffer(&c, "%s had no way back for it: the revision is irreversible.\n",
						  set->display);
	return c.data;
}

/*
 * import_run
 *		The import command: convert, name, check, write, report.
 */
int
import_run(void)
{
	const char *src = opts.args[0];
	SvImportSet set = {0};
	bool		ok;
	char	  **ids;
	char	  **paths;
	PQExpBufferData js;
	int			nnotx = 0;

	if (opts.from == NULL)
	{
		error_msg("import needs --from: sqitch, diesel, golang-migrate, flyway or alembic-sql");
		return EXIT_USAGE;
	}
	set.tool = opts.from;
	if (!import_is_dir(src) && !(strcmp(opts.from, "alembic-sql") == 0 && import_is_file(src)))
	{
		error_msg("\"%s\" is not a directory", src);
		return EXIT_FAILED;
	}
	set.unit = "migration";
	if (strcmp(opts.from, "sqitch") == 0)
	{
		set.display = "Sqitch";
		set.unit = "change";
		ok = import_sqitch(src, &set);
	}
	else if (strcmp(opts.from, "diesel") == 0)
	{
		set.display = "Diesel";
		ok = import_diesel(src, &set);
	}
	else if (strcmp(opts.from, "golang-migrate") == 0)
	{
		set.display = "golang-migrate";
		ok = import_golang_migrate(src, &set);
	}
	else if (strcmp(opts.from, "flyway") == 0)
	{
		set.display = "Flyway";
		ok = import_flyway(src, &set);
	}
	else if (strcmp(opts.from, "alembic-sql") == 0)
	{
		set.display = "Alembic";
		set.unit = "revision";
		ok = import_alembic_sql(src, &set);
	}
	else
	{
		error_msg("unknown tool \"%s\" for --from: sqitch, diesel, golang-migrate, flyway or alembic-sql",
				  opts.from);
		return EXIT_USAGE;
	}
	if (!ok)
		return EXIT_FAILED;
	if (set.n == 0)
	{
		error_msg("no %s migration found in \"%s\"", set.tool, src);
		return EXIT_FAILED;
	}

	/* ids, scripts, parents, dependencies */
	ids = pg_malloc(sizeof(char *) * set.n);
	paths = pg_malloc(sizeof(char *) * set.n);
	for (int i = 0; i < set.n; i++)
	{
		SvImport   *imp = &set.items[i];

		imp->id = ids[i] = make_id(imp->name, ids, i);
		paths[i] = revdir_path(opts.dir, psprintf("%s.sql", imp->id));
		if (imp->strip_transaction)
		{
			import_strip_outer_transaction(&imp->upgrade);
			if (imp->downgrade)
				import_strip_outer_transaction(&imp->downgrade);
		}
	}
	for (int i = 0; i < set.n; i++)
	{
		SvImport   *imp = &set.items[i];

		for (int k = 0; k < imp->nparents; k++)
		{
			SvImport   *p = find_by_name(&set, imp->parents[k]);

			if (p == NULL)
			{
				error_msg("%s migration \"%s\" builds on \"%s\", which is not in \"%s\"",
						  set.tool, imp->name, imp->parents[k], src);
				return EXIT_FAILED;
			}
			imp->parents[k] = p->id;
		}
		if (!imp->explicit_parents && i > 0)
			import_add_parent(imp, set.items[i - 1].id);
		for (int k = 0; k < imp->ndepends; k++)
		{
			SvImport   *d = find_by_name(&set, imp->depends[k]);

			if (d == NULL)
			{
				warning_msg("%s: dependency \"%s\" of %s is not among the imported migrations: left out",
							set.tool, imp->depends[k], imp->name);
				imp->depends[k--] = imp->depends[--imp->ndepends];
				continue;
			}
			imp->depends[k] = d->id;
		}
		/* a parent is a dependency already: the graph refuses both */
		for (int k = 0; k < imp->ndepends; k++)
			for (int j = 0; j < imp->nparents; j++)
				if (k >= 0 && strcmp(imp->depends[k], imp->parents[j]) == 0)
				{
					imp->depends[k--] = imp->depends[--imp->ndepends];
					break;
				}
	}

	/* nothing is written if anything is in the way */
	if (!import_is_dir(opts.dir) && mkdir(opts.dir, pg_dir_create_mode) != 0)
	{
		error_msg("could not create directory \"%s\": %s", opts.dir, strerror(errno));
		return EXIT_FAILED;
	}
	for (int i = 0; i < set.n; i++)
		if (import_is_file(paths[i]))
		{
			error_msg("file \"%s\" exists already: nothing was imported", paths[i]);
			return EXIT_FAILED;
		}

	initPQExpBuffer(&js);
	for (int i = 0; i < set.n; i++)
	{
		SvImport   *imp = &set.items[i];
		SvNewRevision r = {0};

		r.id = imp->id;
		r.parents = imp->parents;
		r.nparents = imp->nparents;
		r.message = imp->message;
		r.upgrade = imp->no_transaction ?
			psprintf("%s\n%s", NONTX_DIRECTIVE, imp->upgrade) : imp->upgrade;
		r.downgrade = imp->down_no_transaction && imp->downgrade ?
			psprintf("%s\n%s", NONTX_DIRECTIVE, imp->downgrade) : imp->downgrade;
		r.depends_on = imp->depends;
		r.ndepends_on = imp->ndepends;
		r.comment = import_comment(&set, imp);
		if (!revwrite_file(paths[i], revwrite_format(&r)))
			return EXIT_FAILED;
		if (!opts.quiet && !opts.json)
			printf("%s\n", escape_line(paths[i]));
		if (imp->no_transaction)
		{
			nnotx++;
			warning_msg("%s ran %s outside a transaction (%s): see the comment in %s",
						set.display, imp->name,
						imp->why_no_transaction ? imp->why_no_transaction : "as written",
						paths[i]);
		}
		appendPQExpBuffer(&js, "%s\n  {", i ? "," : "");
		json_field_string(&js, "revision", imp->id);
		json_field_string(&js, "name", imp->name);
		json_field_string(&js, "file", paths[i]);
		json_field_string(&js, "message", imp->message);
		{
			PQExpBufferData list;

			initPQExpBuffer(&list);
			for (int k = 0; k < imp->nparents; k++)
				appendPQExpBuffer(&list, "%s%s", k ? ", " : "", imp->parents[k]);
			json_field_ids(&js, "down_revision", list.data);
			resetPQExpBuffer(&list);
			for (int k = 0; k < imp->ndepends; k++)
				appendPQExpBuffer(&list, "%s%s", k ? ", " : "", imp->depends[k]);
			json_field_ids(&js, "depends_on", list.data);
			termPQExpBuffer(&list);
		}
		appendPQExpBuffer(&js, "\"reversible\": %s, \"no_transaction\": %s}",
						  imp->downgrade ? "true" : "false",
						  imp->no_transaction ? "true" : "false");
	}
	if (opts.json)
	{
		printf("{\"command\": \"import\", \"ok\": true, \"from\": ");
		{
			PQExpBufferData s;

			initPQExpBuffer(&s);
			json_string(&s, set.tool);
			appendPQExpBufferStr(&s, ", \"directory\": ");
			json_string(&s, opts.dir);
			printf("%s, \"revisions\": [%s\n]}\n", s.data, js.data);
			termPQExpBuffer(&s);
		}
	}
	else
	{
		int			nheads = 0;
		const char *head = NULL;

		info_msg("imported %d %s %s%s into %s%s", set.n, set.display, set.unit,
				 set.n == 1 ? "" : "s", opts.dir,
				 nnotx ? psprintf(" (%d ran outside a transaction: see the warnings)", nnotx) : "");

		for (int i = 0; i < set.n; i++)
		{
			bool		is_parent = false;

			for (int j = 0; j < set.n && !is_parent; j++)
				for (int k = 0; k < set.items[j].nparents; k++)
					if (strcmp(set.items[j].parents[k], set.items[i].id) == 0)
						is_parent = true;
			if (!is_parent)
			{
				nheads++;
				head = set.items[i].id;
			}
		}
		info_msg("A database that %s has migrated to the end adopts them, running nothing, with:\n"
				 "    %s stamp %s -d DBNAME",
				 set.display, progname, nheads == 1 ? head : "heads");
	}
	termPQExpBuffer(&js);
	return EXIT_OK;
}
