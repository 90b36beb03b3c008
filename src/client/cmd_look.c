/*-------------------------------------------------------------------------
 *
 * cmd_look.c
 *	  The commands that look: current, heads, history, show, branches,
 *	  check and verify.
 *
 * Each reads what the extension's functions return (schemaver_history,
 * schemaver_verify, schemaver_sync_compare, schemaver_diff) and prints it
 * as a table in psql's aligned format, or as JSON.  check and verify exit
 * with status 1 when they find a difference or a problem.
 *
 * src/client/cmd_look.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "client.h"

/* The columns of the history query, in order */
#define H_REVISION		0
#define H_PARENTS		1
#define H_MESSAGE		2
#define H_LABELS		3
#define H_DEPENDS		4
#define H_IS_HEAD		5
#define H_IS_CURRENT	6
#define H_APPLIED		7
#define H_APPLIED_AT	8
#define H_APPLIED_BY	9

static const char *history_sql =
"SELECT h.revision, pg_catalog.array_to_string(h.down_revision, ', '), h.message,"
" pg_catalog.array_to_string(h.branch_labels, ', '),"
" pg_catalog.array_to_string(h.depends_on, ', '),"
" h.is_head, h.is_current, h.applied, h.applied_at, h.applied_by"
" FROM %s.schemaver_history() WITH ORDINALITY AS h ORDER BY h.ordinality";

static bool is_true(PGresult *res, int row, int col);
static const char *value(PGresult *res, int row, int col);
static char *state_of(PGresult *res, int row);
static void json_history_rows(SvJob *job, const char *key, PGresult *res,
							  bool (*keep) (PGresult *res, int row));
static int	count_status(SvJob **jobs, int njobs);

/* A boolean column */
static bool
is_true(PGresult *res, int row, int col)
{
	return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* A column, NULL when it is NULL */
static const char *
value(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* "current", "applied" or "pending", and ", head" for a head */
static char *
state_of(PGresult *res, int row)
{
	const char *s = is_true(res, row, H_IS_CURRENT) ? "current" :
		is_true(res, row, H_APPLIED) ? "applied" : "pending";

	return psprintf("%s%s", s, is_true(res, row, H_IS_HEAD) ? ", head" : "");
}

/* Add "key": [history rows that keep() accepts] to the job's JSON */
static void
json_history_rows(SvJob *job, const char *key, PGresult *res,
				  bool (*keep) (PGresult *res, int row))
{
	PQExpBufferData js;
	bool		first = true;

	initPQExpBuffer(&js);
	appendPQExpBufferChar(&js, '[');
	for (int i = 0; i < PQntuples(res); i++)
	{
		if (keep && !keep(res, i))
			continue;
		appendPQExpBuffer(&js, "%s\n    {", first ? "" : ",");
		json_field_string(&js, "revision", value(res, i, H_REVISION));
		json_field_ids(&js, "down_revision", value(res, i, H_PARENTS));
		json_field_string(&js, "message", value(res, i, H_MESSAGE));
		json_field_ids(&js, "branch_labels", value(res, i, H_LABELS));
		json_field_ids(&js, "depends_on", value(res, i, H_DEPENDS));
		appendPQExpBuffer(&js, "\"is_head\": %s, \"is_current\": %s, \"applied\": %s, ",
						  is_true(res, i, H_IS_HEAD) ? "true" : "false",
						  is_true(res, i, H_IS_CURRENT) ? "true" : "false",
						  is_true(res, i, H_APPLIED) ? "true" : "false");
		json_field_string(&js, "applied_at", value(res, i, H_APPLIED_AT));
		json_string(&js, "applied_by");
		appendPQExpBufferStr(&js, ": ");
		json_string(&js, value(res, i, H_APPLIED_BY));
		appendPQExpBufferChar(&js, '}');
		first = false;
	}
	appendPQExpBufferChar(&js, ']');
	json_field_raw(job->json, key, js.data);
	termPQExpBuffer(&js);
}

static bool
keep_current(PGresult *res, int row)
{
	return is_true(res, row, H_IS_CURRENT);
}

static bool
keep_head(PGresult *res, int row)
{
	return is_true(res, row, H_IS_HEAD);
}

/* Send the history query */
static void
send_history(SvJob *job)
{
	char	   *sql = psprintf(history_sql, job->schema);

	job_send(job, sql, 0, NULL);
	free(sql);
}

/*
 * The first step of the commands that read schemaver_history(): on the
 * job's first call send the query and return false; on the next, whether
 * its result came (else the job has failed, and said so).
 */
static bool
history_ready(SvJob *job, PGresult *res)
{
	if (job->step++ == 0)
	{
		send_history(job);
		return false;
	}
	return job_check(job, res, PGRES_TUPLES_OK);
}

/*
 * current_step
 *		The revisions the database is at, with whether each is a head.
 */
void
current_step(SvJob *job, PGresult *res)
{
	int			n = 0;
	PQExpBufferData list;

	if (!history_ready(job, res))
		return;
	initPQExpBuffer(&list);
	for (int i = 0; i < PQntuples(res); i++)
		if (keep_current(res, i))
		{
			appendPQExpBuffer(&list, "%s%s", n ? ", " : "", PQgetvalue(res, i, H_REVISION));
			n++;
		}
	job->after = list.data;
	json_history_rows(job, "current", res, keep_current);
	if (!opts.json && !fleet_mode())
	{
		SvTable    *t = table_create(opts.verbose ? 5 : 3, n, NULL);

		table_header(t, "revision");
		table_header(t, "head");
		table_header(t, "message");
		if (opts.verbose)
		{
			table_header(t, "applied at");
			table_header(t, "applied by");
		}
		for (int i = 0; i < PQntuples(res); i++)
		{
			if (!keep_current(res, i))
				continue;
			table_cell(t, value(res, i, H_REVISION));
			table_cell(t, is_true(res, i, H_IS_HEAD) ? "yes" : "no");
			table_cell(t, value(res, i, H_MESSAGE));
			if (opts.verbose)
			{
				table_cell(t, value(res, i, H_APPLIED_AT));
				table_cell(t, value(res, i, H_APPLIED_BY));
			}
		}
		table_print(t, fleet_label(job));
		if (n == 0)
			info_msg("the database is at base: no revision is applied");
	}
	job_finish(job, true);
}

/* Count the failed jobs: the exit status */
static int
count_status(SvJob **jobs, int njobs)
{
	for (int i = 0; i < njobs; i++)
		if (!jobs[i]->ok)
			return EXIT_FAILED;
	return EXIT_OK;
}

/* The end table of a fleet: database, one column, result */
static void
fleet_table(SvJob **jobs, int njobs, const char *column,
			char *(*cell) (SvJob *job))
{
	SvTable    *t;

	if (njobs < 2 || opts.json || opts.quiet)
		return;
	t = table_create(4, njobs, NULL);
	table_header(t, "database");
	table_header(t, column);
	table_header(t, "time");
	table_header(t, "result");
	for (int i = 0; i < njobs; i++)
	{
		char		secs[32];

		snprintf(secs, sizeof(secs), "%.3f s", jobs[i]->elapsed);
		table_cell(t, jobs[i]->label);
		table_cell(t, jobs[i]->ok ? cell(jobs[i]) : "");
		table_cell(t, jobs[i]->skipped ? "" : secs);
		table_cell(t, jobs[i]->skipped ? psprintf("skipped (%s)", jobs[i]->skip_reason) :
				   jobs[i]->ok ? "ok" :
				   psprintf("failed: %s", jobs[i]->error ? jobs[i]->error : ""));
	}
	table_print(t, NULL);
}

static char *
current_cell(SvJob *job)
{
	return job->after && job->after[0] ? job->after : "<base>";
}

/* After current: the table of a fleet */
int
current_finish(SvJob **jobs, int njobs)
{
	fleet_table(jobs, njobs, "current", current_cell);
	return count_status(jobs, njobs);
}

/* The status of a command on one database */
int
single_finish(SvJob **jobs, int njobs)
{
	return count_status(jobs, njobs);
}

/*
 * heads_step
 *		The heads of the graph, whether the database is at each, and their
 *		branch labels.
 */
void
heads_step(SvJob *job, PGresult *res)
{
	int			n = 0;
	SvTable    *t;

	if (!history_ready(job, res))
		return;
	json_history_rows(job, "heads", res, keep_head);
	for (int i = 0; i < PQntuples(res); i++)
		n += keep_head(res, i);
	if (!opts.json)
	{
		t = table_create(4, n, NULL);
		table_header(t, "revision");
		table_header(t, "current");
		table_header(t, "branch labels");
		table_header(t, "message");
		for (int i = 0; i < PQntuples(res); i++)
		{
			if (!keep_head(res, i))
				continue;
			table_cell(t, value(res, i, H_REVISION));
			table_cell(t, is_true(res, i, H_IS_CURRENT) ? "yes" : "no");
			table_cell(t, value(res, i, H_LABELS));
			table_cell(t, value(res, i, H_MESSAGE));
		}
		table_print(t, fleet_label(job));
	}
	job_finish(job, true);
}

/*
 * history_step
 *		Every revision, newest first: its parents, state and message (and
 *		with -v its labels, dependencies, when and by whom it was applied).
 */
void
history_step(SvJob *job, PGresult *res)
{
	SvTable    *t;

	if (!history_ready(job, res))
		return;
	json_history_rows(job, "history", res, NULL);
	if (!opts.json)
	{
		t = table_create(opts.verbose ? 8 : 4, PQntuples(res), NULL);
		table_header(t, "revision");
		table_header(t, "parents");
		table_header(t, "state");
		if (opts.verbose)
		{
			table_header(t, "branch labels");
			table_header(t, "depends on");
			table_header(t, "applied at");
			table_header(t, "applied by");
		}
		table_header(t, "message");
		for (int i = 0; i < PQntuples(res); i++)
		{
			const char *parents = value(res, i, H_PARENTS);

			table_cell(t, value(res, i, H_REVISION));
			table_cell(t, parents && parents[0] ? parents : "<base>");
			table_cell(t, state_of(res, i));
			if (opts.verbose)
			{
				table_cell(t, value(res, i, H_LABELS));
				table_cell(t, value(res, i, H_DEPENDS));
				table_cell(t, value(res, i, H_APPLIED_AT));
				table_cell(t, value(res, i, H_APPLIED_BY));
			}
			table_cell(t, value(res, i, H_MESSAGE));
		}
		table_print(t, fleet_label(job));
	}
	job_finish(job, true);
}

/*
 * resolve_revision
 *		The history row that rev names: "head" (the only head), "current"
 *		(the only current revision), an id, or a unique prefix of one.  -1
 *		after job_fail when there is none or several.
 */
int
resolve_revision(SvJob *job, PGresult *hist, const char *rev)
{
	int			found = -1;
	int			count = 0;
	PQExpBufferData names;
	int			col = -1;
	size_t		len = strlen(rev);

	if (strcmp(rev, "head") == 0)
		col = H_IS_HEAD;
	else if (strcmp(rev, "current") == 0)
		col = H_IS_CURRENT;
	for (int i = 0; col < 0 && i < PQntuples(hist); i++)
		if (strcmp(PQgetvalue(hist, i, H_REVISION), rev) == 0)
			return i;

	initPQExpBuffer(&names);
	for (int i = 0; i < PQntuples(hist); i++)
	{
		bool		match = col >= 0 ? is_true(hist, i, col) :
			strncmp(PQgetvalue(hist, i, H_REVISION), rev, len) == 0;

		if (!match)
			continue;
		appendPQExpBuffer(&names, "%s%s", count ? ", " : "", PQgetvalue(hist, i, H_REVISION));
		found = i;
		count++;
	}
	if (count == 1)
	{
		termPQExpBuffer(&names);
		return found;
	}
	if (count == 0 && col == H_IS_CURRENT)
		job_fail(job, "the database is at base: no revision is current");
	else if (count == 0 && col == H_IS_HEAD)
		job_fail(job, "no revision is registered");
	else if (count == 0)
		job_fail(job, "unknown revision \"%s\"", rev);
	else if (col >= 0)
		job_fail(job, "\"%s\" is ambiguous: there are %d of them (%s)", rev, count, names.data);
	else
		job_fail(job, "revision prefix \"%s\" is ambiguous: %s", rev, names.data);
	termPQExpBuffer(&names);
	return -1;
}

/*
 * show_step
 *		One revision: what history says of it, and from the catalog its
 *		SQL, checksum and registration.
 */
void
show_step(SvJob *job, PGresult *res)
{
	int			row;
	char	   *id;

	switch (job->step++)
	{
		case 0:
			send_history(job);
			return;
		case 1:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			if ((row = resolve_revision(job, res, opts.args[0])) < 0)
				return;
			id = pg_strdup(PQgetvalue(res, row, H_REVISION));
			{
				PQExpBufferData js;

				initPQExpBuffer(&js);
				appendPQExpBufferStr(&js, "{");
				json_field_string(&js, "revision", id);
				json_field_ids(&js, "down_revision", value(res, row, H_PARENTS));
				json_field_string(&js, "message", value(res, row, H_MESSAGE));
				json_field_ids(&js, "branch_labels", value(res, row, H_LABELS));
				json_field_ids(&js, "depends_on", value(res, row, H_DEPENDS));
				appendPQExpBuffer(&js, "\"is_head\": %s, \"is_current\": %s, \"applied\": %s, ",
								  is_true(res, row, H_IS_HEAD) ? "true" : "false",
								  is_true(res, row, H_IS_CURRENT) ? "true" : "false",
								  is_true(res, row, H_APPLIED) ? "true" : "false");
				json_field_string(&js, "applied_at", value(res, row, H_APPLIED_AT));
				json_field_string(&js, "applied_by", value(res, row, H_APPLIED_BY));
				job->data = js.data;
			}
			job->note = id;
			if (!opts.json)
			{
				const char *parents = value(res, row, H_PARENTS);
				const char *labels = value(res, row, H_LABELS);
				const char *deps = value(res, row, H_DEPENDS);

				job_print(job, stdout, "Revision:      %s", escape_line(id));
				job_print(job, stdout, "Parents:       %s", parents && parents[0] ? escape_line(parents) : "<base>");
				if (labels && labels[0])
					job_print(job, stdout, "Branch labels: %s", escape_line(labels));
				if (deps && deps[0])
					job_print(job, stdout, "Depends on:    %s", escape_line(deps));
				job_print(job, stdout, "Message:       %s",
						  value(res, row, H_MESSAGE) ? escape_line(value(res, row, H_MESSAGE)) : "");
				job_print(job, stdout, "State:         %s", state_of(res, row));
				if (is_true(res, row, H_APPLIED) && value(res, row, H_APPLIED_AT))
					job_print(job, stdout, "Applied:       %s by %s",
							  value(res, row, H_APPLIED_AT),
							  value(res, row, H_APPLIED_BY) ? escape_line(value(res, row, H_APPLIED_BY)) : "?");
			}
			{
				const char *params[1] = {job->note};

				job_send(job,
						 "SELECT r.checksum, r.registered_at, r.registered_by,"
						 " r.upgrade_sql, r.downgrade_sql"
						 " FROM ONLY schemaver.revision r WHERE r.revision OPERATOR(pg_catalog.=) $1",
						 1, params);
			}
			return;
		case 2:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			if (PQntuples(res) == 1)
			{
				PQExpBuffer js = createPQExpBuffer();

				appendPQExpBufferStr(js, (char *) job->data);
				json_field_string(js, "checksum", value(res, 0, 0));
				json_field_string(js, "registered_at", value(res, 0, 1));
				json_field_string(js, "registered_by", value(res, 0, 2));
				json_field_string(js, "upgrade", value(res, 0, 3));
				json_string(js, "downgrade");
				appendPQExpBufferStr(js, ": ");
				json_string(js, value(res, 0, 4));
				appendPQExpBufferChar(js, '}');
				json_field_raw(job->json, "revision", js->data);
				if (!opts.json)
				{
					job_print(job, stdout, "Checksum:      %s", value(res, 0, 0));
					job_print(job, stdout, "Registered:    %s by %s", value(res, 0, 1), escape_line(value(res, 0, 2)));
					job_print(job, stdout, "\nUpgrade SQL:\n%s", value(res, 0, 3));
					if (value(res, 0, 4))
						job_print(job, stdout, "\nDowngrade SQL:\n%s", value(res, 0, 4));
					else
						job_print(job, stdout, "\nDowngrade SQL: none (the revision is irreversible)");
				}
			}
			job_finish(job, true);
			return;
	}
}

/*
 * branches_step
 *		The branch points: revisions that more than one revision names as
 *		a parent, with those children; then the branch labels.
 */
void
branches_step(SvJob *job, PGresult *res)
{
	int			n;
	int		   *nchildren;
	char	  **children;
	int			npoints = 0;
	int			nlabels = 0;
	PQExpBufferData js;

	if (!history_ready(job, res))
		return;
	n = PQntuples(res);
	nchildren = pg_malloc0(sizeof(int) * (n + 1));
	children = pg_malloc0(sizeof(char *) * (n + 1));
	for (int c = 0; c < n; c++)
	{
		char	   *parents = pg_strdup(PQgetvalue(res, c, H_PARENTS));
		char	   *save;

		for (char *p = strtok_r(parents, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
			for (int i = 0; i < n; i++)
				if (strcmp(PQgetvalue(res, i, H_REVISION), p) == 0)
				{
					children[i] = children[i] ?
						psprintf("%s, %s", children[i], PQgetvalue(res, c, H_REVISION)) :
						pg_strdup(PQgetvalue(res, c, H_REVISION));
					nchildren[i]++;
				}
		free(parents);
	}
	initPQExpBuffer(&js);
	appendPQExpBufferChar(&js, '[');
	for (int i = 0; i < n; i++)
	{
		if (nchildren[i] < 2)
			continue;
		appendPQExpBuffer(&js, "%s{", npoints ? ", " : "");
		json_field_string(&js, "revision", PQgetvalue(res, i, H_REVISION));
		json_string(&js, "children");
		appendPQExpBufferStr(&js, ": ");
		json_ids(&js, children[i]);
		appendPQExpBufferChar(&js, '}');
		npoints++;
	}
	appendPQExpBufferChar(&js, ']');
	json_field_raw(job->json, "branch_points", js.data);
	termPQExpBuffer(&js);
	for (int i = 0; i < n; i++)
		nlabels += PQgetvalue(res, i, H_LABELS)[0] != '\0';

	if (!opts.json)
	{
		SvTable    *t = table_create(3, npoints, "Branch points");

		table_header(t, "revision");
		table_header(t, "children");
		table_header(t, "message");
		for (int i = 0; i < n; i++)
		{
			if (nchildren[i] < 2)
				continue;
			table_cell(t, PQgetvalue(res, i, H_REVISION));
			table_cell(t, children[i]);
			table_cell(t, value(res, i, H_MESSAGE));
		}
		table_print(t, fleet_label(job));
		if (nlabels > 0)
		{
			t = table_create(3, nlabels, "Branch labels");
			table_header(t, "branch label");
			table_header(t, "revision");
			table_header(t, "state");
			for (int i = 0; i < n; i++)
			{
				if (PQgetvalue(res, i, H_LABELS)[0] == '\0')
					continue;
				table_cell(t, PQgetvalue(res, i, H_LABELS));
				table_cell(t, PQgetvalue(res, i, H_REVISION));
				table_cell(t, state_of(res, i));
			}
			table_print(t, fleet_label(job));
		}
	}
	job_finish(job, true);
}

/* ---------- check ---------- */

/*
 * check_prepare
 *		Read the desired schema before any database.
 */
int
check_prepare(void)
{
	if (opts.nschemas > 0 && opts.desired == NULL)
	{
		error_msg("--schema goes with --desired");
		return EXIT_USAGE;
	}
	if (opts.desired && !load_desired())
		return EXIT_FAILED;
	return EXIT_OK;
}

/* The text[] literal of the --schema options */
char *
schemas_literal(void)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	appendPQExpBufferChar(&buf, '{');
	for (int i = 0; i < opts.nschemas; i++)
	{
		appendPQExpBuffer(&buf, "%s\"", i ? "," : "");
		for (const char *p = opts.schemas[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendPQExpBufferChar(&buf, '\\');
			appendPQExpBufferChar(&buf, *p);
		}
		appendPQExpBufferChar(&buf, '"');
	}
	appendPQExpBufferChar(&buf, '}');
	return buf.data;
}

/*
 * check_step
 *		Compare the directory with the catalog (schemaver_sync_compare,
 *		which changes nothing), then with --desired the live schema with the
 *		desired one (schemaver_diff), once the database is at head.  Every
 *		difference is printed; job->nrun counts them.
 */
void
check_step(SvJob *job, PGresult *res)
{
	SvDirectory *dir = fleet_directory();

	switch (job->step++)
	{
		case 0:
			if (dir)
			{
				const char *params[2];
				char	   *sql;

				revdir_literals(dir);
				params[0] = dir->names_literal;
				params[1] = dir->contents_literal;
				sql = psprintf("SELECT s.file, s.revision, s.status"
								   " FROM %s.schemaver_sync_compare($1::pg_catalog.text[], $2::pg_catalog.text[]) s",
								   job->schema);

				job_send(job, sql, 2, params);
				free(sql);
				return;
			}
			job->step++;
			/* FALLTHROUGH */
		case 1:
			if (dir)
			{
				PQExpBufferData js;
				int			nfiles = 0;

				if (!job_check(job, res, PGRES_TUPLES_OK))
					return;
				initPQExpBuffer(&js);
				appendPQExpBufferChar(&js, '[');
				for (int i = 0; i < PQntuples(res); i++)
				{
					const char *file = value(res, i, 0);
					const char *rev = value(res, i, 1);
					const char *status = value(res, i, 2);

					if (file)
						nfiles++;
					if (strcmp(status, "unchanged") == 0)
						continue;
					/* job->data counts the files the database lacks */
					if (strcmp(status, "new") == 0 || strcmp(status, "changed") == 0)
						job->data = (void *) ((intptr_t) job->data + 1);
					if (strcmp(status, "new") == 0)
						job_print(job, stdout, "not registered: %s (revision %s)", escape_line(file), escape_line(rev));
					else if (strcmp(status, "changed") == 0)
						job_print(job, stdout, "differs from its registered revision (not applied): %s (revision %s)", escape_line(file), escape_line(rev));
					else if (strcmp(status, "applied_changed") == 0)
						job_print(job, stdout, "changed after its revision was applied: %s (revision %s)", escape_line(file), escape_line(rev));
					else
						job_print(job, stdout, "registered revision with no file: %s", escape_line(rev));
					appendPQExpBuffer(&js, "%s{\"file\": ", job->nrun ? ", " : "");
					json_string(&js, file);
					appendPQExpBufferStr(&js, ", \"revision\": ");
					json_string(&js, rev);
					appendPQExpBufferStr(&js, ", \"status\": ");
					json_string(&js, status);
					appendPQExpBufferChar(&js, '}');
					job->nrun++;
				}
				appendPQExpBufferChar(&js, ']');
				json_field_raw(job->json, "files", js.data);
				termPQExpBuffer(&js);
				if (job->nrun == 0 && !opts.json)
					job_print(job, progress_stream(), "the %d revision files of %s match the catalog",
							  nfiles, dir->path);
			}
			if (opts.desired == NULL)
				break;
			{
				static const char *const names[] = {"schemaver_diff"};

				job_ask_functions(job, names, 1);
			}
			return;
		case 2:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
			{
				job_fail(job, "the server's schemaver (version %s) does not provide schemaver_diff(); ALTER EXTENSION schemaver UPDATE",
						 job->extversion);
				return;
			}
			{
				char	   *sql = psprintf("SELECT pg_catalog.count(*) FROM %s.schemaver_history() h WHERE NOT h.applied",
										   job->schema);

				job_send(job, sql, 0, NULL);
				free(sql);
			}
			return;
		case 3:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			{
				long		pending = atol(PQgetvalue(res, 0, 0)) + (long) (intptr_t) job->data;

				if (pending > 0)
				{
					job_print(job, stdout, "the database is not at head (%ld revisions are not applied or not registered): upgrade it before comparing its schema with %s",
							  pending, opts.desired);
					appendPQExpBuffer(job->json, "\"not_at_head\": %ld, ", pending);
					job->nrun++;
					break;
				}
			}
			{
				const char *params[2] = {desired_sql, schemas_literal()};
				char	   *sql = psprintf(opts.nschemas > 0 ?
										   "SELECT d.step, d.kind, d.object, d.hazard, d.upgrade"
										   " FROM %s.schemaver_diff(desired => $1, schemas => $2::pg_catalog.text[]) d ORDER BY d.step" :
										   "SELECT d.step, d.kind, d.object, d.hazard, d.upgrade"
										   " FROM %s.schemaver_diff(desired => $1) d ORDER BY d.step",
										   job->schema);

				job_send(job, sql, opts.nschemas > 0 ? 2 : 1, params);
				free(sql);
			}
			return;
		case 4:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			{
				PQExpBufferData js;

				initPQExpBuffer(&js);
				appendPQExpBufferChar(&js, '[');
				for (int i = 0; i < PQntuples(res); i++)
				{
					appendPQExpBuffer(&js, "%s{\"step\": %s, ", i ? ", " : "", PQgetvalue(res, i, 0));
					json_field_string(&js, "kind", value(res, i, 1));
					json_field_string(&js, "object", value(res, i, 2));
					json_field_string(&js, "hazard", value(res, i, 3));
					json_string(&js, "upgrade");
					appendPQExpBufferStr(&js, ": ");
					json_string(&js, value(res, i, 4));
					appendPQExpBufferChar(&js, '}');
				}
				appendPQExpBufferChar(&js, ']');
				json_field_raw(job->json, "schema_differences", js.data);
				termPQExpBuffer(&js);
			}
			if (PQntuples(res) > 0 && !opts.json)
			{
				SvTable    *t = table_create(5, PQntuples(res), "Schema differences with the desired schema");

				table_header(t, "step");
				table_header(t, "kind");
				table_header(t, "object");
				table_header(t, "hazard");
				table_header(t, "upgrade");
				for (int i = 0; i < PQntuples(res); i++)
					for (int c = 0; c < 5; c++)
						table_cell(t, value(res, i, c));
				table_print(t, fleet_label(job));
			}
			else if (!opts.json)
				job_print(job, progress_stream(), "the schema matches %s", opts.desired);
			job->nrun += PQntuples(res);
			break;
	}
	appendPQExpBuffer(job->json, "\"differences\": %d, ", job->nrun);
	if (!opts.json && !fleet_mode() && job->nrun > 0)
		info_msg("%d difference%s found", job->nrun, job->nrun == 1 ? "" : "s");
	else if (!opts.json && !fleet_mode())
		info_msg("no differences");
	job_finish(job, true);
}

/* A fleet table's cell for check and verify: how many rows the job found */
static char *
found_cell(SvJob *job)
{
	return job->nrun ? psprintf("%d", job->nrun) : "none";
}

/*
 * After check or verify: the fleet's table, with the count of what each
 * database's job found under the given header; status 1 when a job failed
 * or found anything.
 */
static int
found_finish(SvJob **jobs, int njobs, const char *header)
{
	fleet_table(jobs, njobs, header, found_cell);
	for (int i = 0; i < njobs; i++)
		if (!jobs[i]->ok || jobs[i]->nrun > 0)
			return EXIT_FAILED;
	return EXIT_OK;
}

/* After check: status 1 when anything differs */
int
check_finish(SvJob **jobs, int njobs)
{
	return found_finish(jobs, njobs, "differences");
}

/* ---------- verify ---------- */

/*
 * verify_step
 *		schemaver_verify(): no rows when the catalog and graph are sound.
 */
void
verify_step(SvJob *job, PGresult *res)
{
	PQExpBufferData js;

	if (job->step++ == 0)
	{
		char	   *sql = psprintf("SELECT v.revision, v.problem FROM %s.schemaver_verify() v",
								   job->schema);

		job_send(job, sql, 0, NULL);
		free(sql);
		return;
	}
	if (!job_check(job, res, PGRES_TUPLES_OK))
		return;
	job->nrun = PQntuples(res);
	initPQExpBuffer(&js);
	appendPQExpBufferChar(&js, '[');
	for (int i = 0; i < job->nrun; i++)
	{
		appendPQExpBuffer(&js, "%s{\"revision\": ", i ? ", " : "");
		json_string(&js, value(res, i, 0));
		appendPQExpBufferStr(&js, ", \"problem\": ");
		json_string(&js, value(res, i, 1));
		appendPQExpBufferChar(&js, '}');
	}
	appendPQExpBufferChar(&js, ']');
	json_field_raw(job->json, "problems", js.data);
	termPQExpBuffer(&js);
	if (!opts.json && job->nrun > 0)
	{
		SvTable    *t = table_create(2, job->nrun, NULL);

		table_header(t, "revision");
		table_header(t, "problem");
		for (int i = 0; i < job->nrun; i++)
		{
			table_cell(t, value(res, i, 0));
			table_cell(t, value(res, i, 1));
		}
		table_print(t, fleet_label(job));
	}
	if (!opts.json && !fleet_mode() && job->nrun > 0)
		info_msg("%d problem%s found", job->nrun, job->nrun == 1 ? "" : "s");
	else if (!opts.json && !fleet_mode())
		info_msg("the catalog and the revision graph are sound");
	job_finish(job, true);
}

/* After verify: status 1 when a problem was found */
int
verify_finish(SvJob **jobs, int njobs)
{
	return found_finish(jobs, njobs, "problems");
}
