/*-------------------------------------------------------------------------
 *
 * cmd_author.c
 *	  The commands that write: init, revision and merge.
 *
 * init creates the directory (with a README) and the extension.  revision
 * and merge write a new revision file into the directory and print its
 * path; the file is registered by the next command that synchronises, as
 * Alembic picks up a new script.  Their parent is computed from the graph
 * as the server knows it after synchronising the directory (the heads of
 * schemaver_history), and the new id is the next number followed by a slug
 * of the message, as in migrations/ (003_add_user_preferences).  With
 * --autogenerate the file's text comes from schemaver_revision(), which
 * diffs the live schema against --desired (after checking that the
 * server's schemaver has it).
 *
 * src/client/cmd_author.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>

#include "common/file_perm.h"

#include "client.h"

/* What revision and merge decide before writing */
typedef struct NewFile
{
	char	   *id;
	char	   *path;
	char	  **parents;
	int			nparents;
} NewFile;

static const char *readme_text =
"Revision files of the schemaver extension\n"
"=========================================\n"
"\n"
"One revision per file, named <number>_<what it does>.sql, each a single call\n"
"that psql can run and that the schemaver command reads with the server's\n"
"parser (nothing else in the file but comments):\n"
"\n"
"    SELECT schemaver_add_revision(\n"
"        revision      => '001_create_users',\n"
"        down_revision => NULL,                 -- or the parent's id\n"
"        message       => 'create users table',\n"
"        upgrade       => $up$\n"
"    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n"
"    $up$,\n"
"        downgrade     => $down$\n"
"    DROP TABLE users;\n"
"    $down$);\n"
"\n"
"Everyday commands:\n"
"\n"
"    schemaver revision -m \"add user preferences\"   # write the next file\n"
"    schemaver upgrade head                         # register new files, apply them\n"
"    schemaver downgrade -1                         # undo the last revision\n"
"    schemaver history                              # newest first\n"
"    schemaver current\n"
"    schemaver upgrade head --sql > migration.sql   # the script, to review\n"
"\n"
"Never edit a file whose revision is applied anywhere: write a new revision.\n"
"\"schemaver --help\" lists every command.\n";

static bool collect_new_file(SvJob *job, PGresult *hist, NewFile *nf,
							 char **parents, int nparents);
static void write_new_file(SvJob *job, NewFile *nf, const char *text);

/* ---------- init ---------- */

/*
 * init_prepare
 *		Create the directory and its README when they are missing.
 */
int
init_prepare(void)
{
	struct stat st;
	char	   *readme = revdir_path(opts.dir, "README");

	if (stat(opts.dir, &st) != 0)
	{
		if (mkdir(opts.dir, pg_dir_create_mode) != 0)
		{
			error_msg("could not create directory \"%s\": %s", opts.dir, strerror(errno));
			return EXIT_FAILED;
		}
		info_msg("created directory %s", opts.dir);
	}
	else if (!S_ISDIR(st.st_mode))
	{
		error_msg("\"%s\" exists and is not a directory", opts.dir);
		return EXIT_FAILED;
	}
	if (stat(readme, &st) != 0)
	{
		if (!revwrite_file(readme, readme_text))
			return EXIT_FAILED;
		info_msg("created %s", readme);
	}
	return EXIT_OK;
}

/*
 * init_step
 *		CREATE EXTENSION schemaver when the probe found it missing, then say
 *		which version the database has.
 */
void
init_step(SvJob *job, PGresult *res)
{
	switch (job->step++)
	{
		case 0:
			if (job->extversion == NULL)
			{
				job_send(job, "CREATE EXTENSION IF NOT EXISTS schemaver", 0, NULL);
				return;
			}
			job->note = psprintf("schemaver %s was already installed", job->extversion);
			break;
		case 1:
			if (!job_check(job, res, PGRES_COMMAND_OK))
				return;
			job_send(job, "SELECT e.extversion FROM pg_catalog.pg_extension e"
					 " WHERE e.extname OPERATOR(pg_catalog.=) 'schemaver'", 0, NULL);
			return;
		case 2:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			job->extversion = pg_strdup(PQgetvalue(res, 0, 0));
			json_field_string(job->json, "schemaver_version", job->extversion);
			job->note = psprintf("created extension schemaver %s", job->extversion);
			break;
	}
	appendPQExpBuffer(job->json, "\"created\": %s, ", job->step == 3 ? "true" : "false");
	if (!fleet_mode() && !opts.json)
		info_msg("%s in database \"%s\"", job->note, job->label);
	job_finish(job, true);
}

static char *
init_cell(SvJob *job)
{
	return job->note;
}

/* After init: a fleet's table */
int
init_finish(SvJob **jobs, int njobs)
{
	if (njobs > 1 && !opts.json && !opts.quiet)
	{
		SvTable    *t = table_create(3, njobs, NULL);

		table_header(t, "database");
		table_header(t, "schemaver");
		table_header(t, "result");
		for (int i = 0; i < njobs; i++)
		{
			table_cell(t, jobs[i]->label);
			table_cell(t, jobs[i]->ok ? init_cell(jobs[i]) : "");
			table_cell(t, jobs[i]->skipped ? psprintf("skipped (%s)", jobs[i]->skip_reason) :
					   jobs[i]->ok ? "ok" :
					   psprintf("failed: %s", jobs[i]->error ? jobs[i]->error : ""));
		}
		table_print(t, NULL);
	}
	for (int i = 0; i < njobs; i++)
		if (!jobs[i]->ok)
			return EXIT_FAILED;
	return EXIT_OK;
}

/* ---------- revision and merge ---------- */

/*
 * revision_prepare
 *		Check the options of revision and merge before connecting.
 */
int
revision_prepare(void)
{
	struct stat st;
	bool		merge = strcmp(opts.command->name, "merge") == 0;

	if (opts.message == NULL)
	{
		error_msg("%s needs a message: -m \"what the revision does\"", opts.command->name);
		return EXIT_USAGE;
	}
	if (opts.autogenerate && opts.desired == NULL)
	{
		error_msg("--autogenerate needs --desired FILE (SQL that creates the schema as it should be)");
		return EXIT_USAGE;
	}
	if (!opts.autogenerate && (opts.desired || opts.nschemas))
	{
		error_msg("--desired and --schema go with --autogenerate");
		return EXIT_USAGE;
	}
	if (opts.rev_id && !valid_identifier(opts.rev_id))
	{
		error_msg("invalid revision id \"%s\": 1 to 63 letters, digits and _, not head, heads or base",
				  opts.rev_id);
		return EXIT_USAGE;
	}
	for (int i = 0; i < opts.ndepends_on; i++)
		if (!valid_identifier(opts.depends_on[i]))
		{
			error_msg("invalid revision id \"%s\" in --depends-on", opts.depends_on[i]);
			return EXIT_USAGE;
		}
	for (int i = 0; i < opts.nbranch_labels; i++)
		if (!valid_identifier(opts.branch_labels[i]))
		{
			error_msg("invalid branch label \"%s\"", opts.branch_labels[i]);
			return EXIT_USAGE;
		}
	if (merge)
		for (int i = 0; i < opts.nargs; i++)
			if (!valid_identifier(opts.args[i]))
			{
				error_msg("invalid revision \"%s\"", opts.args[i]);
				return EXIT_USAGE;
			}
	if (stat(opts.dir, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		error_msg("directory of revision files \"%s\" does not exist", opts.dir);
		fprintf(stderr, "HINT:  Give it with --dir, or create it with \"%s init\".\n", progname);
		return EXIT_FAILED;
	}
	if (opts.autogenerate && !load_desired())
		return EXIT_FAILED;
	return EXIT_OK;
}

/*
 * Decide the new file's id and path from the history rows and check that
 * neither is taken; false after job_fail.
 */
static bool
collect_new_file(SvJob *job, PGresult *hist, NewFile *nf, char **parents,
				 int nparents)
{
	char	  **names;
	int			nnames;
	char	  **ids;
	int			nids = 0;
	struct stat st;

	nf->parents = parents;
	nf->nparents = nparents;
	if (!revdir_names(opts.dir, &names, &nnames))
	{
		job_fail(job, "the directory \"%s\" holds a file that cannot be a revision file",
				 escape_line(opts.dir));
		return false;
	}
	ids = pg_malloc(sizeof(char *) * (nnames + PQntuples(hist) + 1));
	for (int i = 0; i < nnames; i++)
		ids[nids++] = names[i];
	for (int i = 0; i < PQntuples(hist); i++)
		ids[nids++] = PQgetvalue(hist, i, 0);
	if (opts.rev_id)
		nf->id = pg_strdup(opts.rev_id);
	else
	{
		char	   *num = next_revision_number(ids, nids);

		nf->id = psprintf("%s_%s", num, slug(opts.message, 62 - (int) strlen(num)));
	}
	for (int i = 0; i < PQntuples(hist); i++)
		if (strcmp(PQgetvalue(hist, i, 0), nf->id) == 0)
		{
			job_fail(job, "revision \"%s\" is registered already", nf->id);
			return false;
		}
	nf->path = psprintf("%s/%s.sql", opts.dir, nf->id);
	if (stat(nf->path, &st) == 0)
	{
		job_fail(job, "file \"%s\" exists already", escape_line(nf->path));
		return false;
	}
	return true;
}

/* Write the file, print its path, finish */
static void
write_new_file(SvJob *job, NewFile *nf, const char *text)
{
	if (!revwrite_file(nf->path, text))
	{
		job_fail(job, "the revision file was not written");
		return;
	}
	json_field_string(job->json, "revision", nf->id);
	json_field_string(job->json, "file", nf->path);
	{
		PQExpBufferData list;

		initPQExpBuffer(&list);
		for (int i = 0; i < nf->nparents; i++)
			appendPQExpBuffer(&list, "%s%s", i ? ", " : "", nf->parents[i]);
		json_field_ids(job->json, "down_revision", list.data);
		termPQExpBuffer(&list);
	}
	if (!opts.json)
	{
		char	   *path = escape_line(nf->path);

		/* the path is the command's output, even with --quiet */
		printf("%s\n", path);
		fflush(stdout);
		free(path);
	}
	job_finish(job, true);
}

/*
 * revision_step
 *		Read the graph, pick the parent and the id, then write the template
 *		(or, with --autogenerate, what schemaver_revision returns).
 */
void
revision_step(SvJob *job, PGresult *res)
{
	NewFile    *nf = job->data;

	switch (job->step++)
	{
		case 0:
			{
				char	   *sql = psprintf("SELECT h.revision, h.is_head FROM %s.schemaver_history() h ORDER BY 1",
										   job->schema);

				job_send(job, sql, 0, NULL);
				free(sql);
			}
			return;
		case 1:
			{
				char	  **parents;
				int			nparents = 0;

				if (!job_check(job, res, PGRES_TUPLES_OK))
					return;
				parents = pg_malloc(sizeof(char *) * (PQntuples(res) + 1));
				if (opts.head && strcmp(opts.head, "base") == 0)
					;
				else if (opts.head)
				{
					/* an id or a unique prefix of one */
					bool		found = false;

					for (int i = 0; i < PQntuples(res); i++)
						if (strcmp(PQgetvalue(res, i, 0), opts.head) == 0)
							found = true;
					if (!found)
					{
						job_fail(job, "--head: unknown revision \"%s\"", opts.head);
						return;
					}
					parents[nparents++] = opts.head;
				}
				else
				{
					PQExpBufferData heads;

					initPQExpBuffer(&heads);
					for (int i = 0; i < PQntuples(res); i++)
						if (strcmp(PQgetvalue(res, i, 1), "t") == 0)
						{
							appendPQExpBuffer(&heads, "%s%s", nparents ? ", " : "", PQgetvalue(res, i, 0));
							parents[nparents++] = pg_strdup(PQgetvalue(res, i, 0));
						}
					if (nparents > 1)
					{
						job_fail(job, "the revision graph has %d heads (%s): give --head, or merge them first (%s merge -m ...)",
								 nparents, heads.data, progname);
						return;
					}
					termPQExpBuffer(&heads);
				}
				job->data = nf = pg_malloc0(sizeof(NewFile));
				if (!collect_new_file(job, res, nf, parents, nparents))
					return;
				if (opts.autogenerate)
				{
					static const char *const names[] = {"schemaver_revision"};

					job_ask_functions(job, names, 1);
					return;
				}
				{
					SvNewRevision r = {0};

					r.id = nf->id;
					r.parents = nf->parents;
					r.nparents = nf->nparents;
					r.message = opts.message;
					r.upgrade = "-- the SQL that makes the change\n";
					r.downgrade = "-- the SQL that undoes it (or NULL instead of this block: irreversible)\n";
					r.depends_on = opts.depends_on;
					r.ndepends_on = opts.ndepends_on;
					r.branch_labels = opts.branch_labels;
					r.nbranch_labels = opts.nbranch_labels;
					r.comment = "Written by \"schemaver revision\": fill in the upgrade and downgrade SQL.\n"
						"The file is registered by the next schemaver command that reads the\n"
						"directory (upgrade, history, ...); edit it freely until it is applied.";
					write_new_file(job, nf, revwrite_format(&r));
				}
			}
			return;
		case 2:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
			{
				job_fail(job, "the server's schemaver (version %s) does not provide schemaver_revision(); ALTER EXTENSION schemaver UPDATE",
						 job->extversion);
				return;
			}
			{
				const char *params[7];
				char	   *sql;

				params[0] = opts.message;
				params[1] = nf->id;
				params[2] = ids_literal(nf->parents, nf->nparents);
				params[3] = desired_sql;
				params[4] = opts.ndepends_on ? ids_literal(opts.depends_on, opts.ndepends_on) : NULL;
				params[5] = opts.nbranch_labels ? ids_literal(opts.branch_labels, opts.nbranch_labels) : NULL;
				params[6] = schemas_literal();
				sql = psprintf("SELECT %s.schemaver_revision(message => $1, revision => $2,"
							   " down_revision => $3::pg_catalog.text[], desired => $4,"
							   " depends_on => $5::pg_catalog.text[], branch_labels => $6::pg_catalog.text[]%s)",
							   job->schema,
							   opts.nschemas ? ", schemas => $7::pg_catalog.text[]" : "");
				job_send(job, sql, opts.nschemas ? 7 : 6, params);
				free(sql);
			}
			return;
		case 3:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			write_new_file(job, nf, PQgetvalue(res, 0, 0));
			return;
	}
}

/*
 * merge_step
 *		Read the graph, then write a revision whose parents are the given
 *		revisions or every head.
 */
void
merge_step(SvJob *job, PGresult *res)
{
	NewFile		nf;
	char	  **parents;
	int			nparents = 0;
	char	   *sql;

	if (job->step++ == 0)
	{
		sql = psprintf("SELECT h.revision, pg_catalog.array_to_string(h.down_revision, ', '),"
					   " h.message, '', '', h.is_head, h.is_current, h.applied, NULL, NULL"
					   " FROM %s.schemaver_history() h ORDER BY 1", job->schema);
		job_send(job, sql, 0, NULL);
		free(sql);
		return;
	}
	if (!job_check(job, res, PGRES_TUPLES_OK))
		return;
	parents = pg_malloc(sizeof(char *) * (PQntuples(res) + opts.nargs + 1));
	if (opts.nargs > 0)
	{
		for (int i = 0; i < opts.nargs; i++)
		{
			int			row = resolve_revision(job, res, opts.args[i]);

			if (row < 0)
				return;
			parents[nparents++] = pg_strdup(PQgetvalue(res, row, 0));
		}
	}
	else
		for (int i = 0; i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, 5), "t") == 0)
				parents[nparents++] = pg_strdup(PQgetvalue(res, i, 0));
	if (nparents < 2)
	{
		job_fail(job, "nothing to merge: %s", opts.nargs ? "give two revisions or more" :
				 "the revision graph has one head");
		return;
	}
	if (!collect_new_file(job, res, &nf, parents, nparents))
		return;
	{
		SvNewRevision r = {0};

		r.id = nf.id;
		r.parents = nf.parents;
		r.nparents = nf.nparents;
		r.message = opts.message;
		r.upgrade = "";
		r.downgrade = "";
		r.comment = "Written by \"schemaver merge\": joins the branches into one head.\n"
			"It runs no SQL; add some if the branches need reconciling.";
		write_new_file(job, &nf, revwrite_format(&r));
	}
}
