/*-------------------------------------------------------------------------
 *
 * cmd_move.c
 *	  The commands that move a database: upgrade, downgrade and stamp, and
 *	  their --sql previews.
 *
 * On each database, after the directory is synchronised (fleet.c):
 *
 *	 0. read the current heads ("before"), in the synchronisation's round
 *		trip when there is one (move_sync_extra);
 *	 1. run schemaver_upgrade / schemaver_downgrade / schemaver_stamp (one
 *		transaction: the server's, in autocommit), or CALL the _stepwise
 *		procedure, or, with --sql, ask for the preview script;
 *	 2. read the heads again ("after") when something ran, also after a
 *		failure, so that the end table says where each database is.
 *
 * "Nothing to do" thus costs three queries: the probe, the sync check with
 * "before", and the call.
 *
 * The NOTICE of each step is printed by fleet.c as it arrives; this file
 * prints one summary line (one database) or the end table (a fleet):
 * database, before, after, revisions run, time, result.
 *
 * src/client/cmd_move.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>

#include "common/file_perm.h"

#include "client.h"

/* A database's state in this command */
typedef struct MoveState
{
	char	   *log_id;			/* schemaver.log's last id before (stepwise) */
	bool		failed;			/* the move failed; "after" is still read */
	char	   *script_file;	/* --sql --output-dir: where the script went */
} MoveState;

static char *script_path(SvJob *job);
static const char *verb(void);
static char *result_text(SvJob *job);
static char *before_items(SvJob *job);
static void send_move(SvJob *job, const char *before, const char *log_id);
static void finish_move(SvJob *job);

/*
 * move_prepare
 *		Before any database: the directory for --sql --output-dir.
 */
int
move_prepare(void)
{
	if (opts.output_dir)
	{
		struct stat st;

		if (stat(opts.output_dir, &st) != 0 &&
			mkdir(opts.output_dir, pg_dir_create_mode) != 0)
		{
			error_msg("could not create directory \"%s\": %s",
					  opts.output_dir, strerror(errno));
			return EXIT_FAILED;
		}
	}
	return EXIT_OK;
}

/* The past tense of the command, for summaries */
static const char *
verb(void)
{
	const char *name = opts.command->name;

	return strcmp(name, "upgrade") == 0 ? "upgraded" :
		strcmp(name, "downgrade") == 0 ? "downgraded" : "stamped";
}

/*
 * The file a database's script goes to with --output-dir: its label with
 * every character other than letters, digits, ".", "_" and "-" replaced,
 * numbered when two labels give the same name.
 */
static char *
script_path(SvJob *job)
{
	static char **used = NULL;
	static int	nused = 0;
	PQExpBufferData name;
	char	   *path;

	initPQExpBuffer(&name);
	for (const char *p = job->label; *p; p++)
		appendPQExpBufferChar(&name,
							  ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
							   (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
							   (*p == '.' && p != job->label)) ? *p : '_');
	for (int i = 0; i < nused; i++)
		if (strcmp(used[i], name.data) == 0)
		{
			appendPQExpBuffer(&name, "-%d", job->index + 1);
			break;
		}
	used = pg_realloc(used, sizeof(char *) * (nused + 1));
	used[nused++] = pg_strdup(name.data);
	path = psprintf("%s/%s.%s.sql", opts.output_dir, name.data,
					opts.command->name);
	termPQExpBuffer(&name);
	return path;
}

/*
 * The query of "before": the current heads (and, for --stepwise, the last
 * log id, to count the revisions the procedure runs).
 */
static char *
before_items(SvJob *job)
{
	return psprintf(opts.stepwise ?
					"%s, (SELECT COALESCE(pg_catalog.max(l.id), 0) FROM ONLY schemaver.log l)" :
					"%s",
					current_heads_sql(job));
}

/*
 * current_heads_sql
 *		An expression: the current heads, as "a, b".  They are the rows of
 *		schemaver.version, which a role that may read it reads directly; in
 *		a new session schemaver_current() would first load the whole graph
 *		(thousands of revisions) for the same answer.
 */
char *
current_heads_sql(SvJob *job)
{
	if (job->reads_version)
		return pg_strdup("pg_catalog.array_to_string(ARRAY(SELECT v.revision FROM ONLY schemaver.version v"
						 " ORDER BY v.revision COLLATE pg_catalog.\"C\"), ', ')");
	return psprintf("pg_catalog.array_to_string(ARRAY(SELECT c FROM %s.schemaver_current() c"
					" ORDER BY c COLLATE pg_catalog.\"C\"), ', ')", job->schema);
}

/*
 * move_sync_extra
 *		"before" is read with the synchronisation's check, in its round
 *		trip: the synchronisation registers revisions but does not move the
 *		version, so the heads are the same before and after it.
 */
char *
move_sync_extra(SvJob *job)
{
	return before_items(job);
}

/* Keep "before" and send the move (or the preview) */
static void
send_move(SvJob *job, const char *before, const char *log_id)
{
	MoveState  *st = job->data;
	const char *name = opts.command->name;
	const char *params[1] = {opts.nargs > 0 ? opts.args[0] : "head"};
	char	   *sql;

	job->before = pg_strdup(before ? before : "");
	if (opts.stepwise)
		st->log_id = pg_strdup(log_id ? log_id : "0");
	json_field_ids(job->json, "before", job->before);
	if (opts.sql)
		sql = psprintf("SELECT %s.schemaver_%s_sql($1::pg_catalog.text)",
					   job->schema, name);
	else if (opts.stepwise)
		sql = psprintf("CALL %s.schemaver_%s_stepwise($1::pg_catalog.text)",
					   job->schema, name);
	else
		sql = psprintf("SELECT m.revision, m.operation, m.message,"
					   " pg_catalog.round(CAST(pg_catalog.date_part('epoch', m.elapsed) OPERATOR(pg_catalog.*) 1000 AS pg_catalog.numeric), 1)"
					   " FROM %s.schemaver_%s($1::pg_catalog.text) m",
					   job->schema, name);
	job_send(job, sql, 1, params);
	free(sql);
}

/* The database is where it is ("after" known): summary, and finish */
static void
finish_move(SvJob *job)
{
	MoveState  *st = job->data;

	json_field_ids(job->json, "after", job->after);
	appendPQExpBuffer(job->json, "\"revisions_run\": %d, ", job->nrun);
	if (!st->failed && !opts.quiet && !opts.json && !fleet_mode())
	{
		const char *before = job->before[0] ? job->before : "<base>";
		const char *after = job->after[0] ? job->after : "<base>";

		if (job->nrun == 0)
			info_msg("nothing to do: the database is at %s", after);
		else
			info_msg("%s %d revision%s: %s -> %s (%.3f s)", verb(), job->nrun,
					 job->nrun == 1 ? "" : "s", before, after,
					 now_seconds() - job->started);
	}
	else if (st->failed && !opts.quiet && !opts.json && !fleet_mode())
	{
		if (opts.stepwise && job->nrun > 0)
			info_msg("%s failed after %d revision%s (committed): the database is at %s",
					 opts.command->name, job->nrun, job->nrun == 1 ? "" : "s",
					 job->after[0] ? job->after : "<base>");
		else
			info_msg("%s failed: nothing was changed; the database is at %s",
					 opts.command->name, job->after[0] ? job->after : "<base>");
	}
	job_finish(job, !st->failed);
}

/*
 * move_step
 *		One step of upgrade, downgrade or stamp on one database: "before"
 *		(read with the synchronisation's check when there was one), the
 *		move, then "after" (unless nothing moved).
 */
void
move_step(SvJob *job, PGresult *res)
{
	MoveState  *st = job->data;
	char	   *sql;

	switch (job->step++)
	{
		case 0:
			job->data = st = pg_malloc0(sizeof(MoveState));
			if (job->nextra > 0)
			{
				job->step++;
				send_move(job, job->extra[0], job->nextra > 1 ? job->extra[1] : NULL);
				return;
			}
			sql = psprintf("SELECT %s", before_items(job));
			job_send(job, sql, 0, NULL);
			free(sql);
			return;

		case 1:
			if (!job_check(job, res, PGRES_TUPLES_OK))
				return;
			send_move(job, PQgetvalue(res, 0, 0), opts.stepwise ? PQgetvalue(res, 0, 1) : NULL);
			return;

		case 2:
			if (opts.sql)
			{
				const char *script;

				if (!job_check(job, res, PGRES_TUPLES_OK))
					return;
				script = PQgetvalue(res, 0, 0);
				if (opts.output_dir)
				{
					FILE	   *f;

					st->script_file = script_path(job);
					f = fopen(st->script_file, "w");
					if (f == NULL || fputs(script, f) < 0 || fclose(f) != 0)
					{
						job_fail(job, "could not write \"%s\": %s",
								 st->script_file, strerror(errno));
						return;
					}
					json_field_string(job->json, "script_file", st->script_file);
					if (!opts.quiet && !fleet_mode())
						info_msg("wrote %s", st->script_file);
				}
				else if (opts.json)
					json_field_string(job->json, "script", script);
				else
				{
					/* the server's script, as it is: it is what the user asked for */
					fputs(script, stdout);
					fflush(stdout);
				}
				job_finish(job, true);
				return;
			}
			if (PQresultStatus(res) == PGRES_TUPLES_OK ||
				PQresultStatus(res) == PGRES_COMMAND_OK)
			{
				PQExpBufferData js;

				job->nrun = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
				initPQExpBuffer(&js);
				appendPQExpBufferChar(&js, '[');
				for (int i = 0; i < job->nrun; i++)
				{
					appendPQExpBuffer(&js, "%s{\"revision\": ", i ? ", " : "");
					json_string(&js, PQgetvalue(res, i, 0));
					appendPQExpBufferStr(&js, ", \"operation\": ");
					json_string(&js, PQgetvalue(res, i, 1));
					appendPQExpBufferStr(&js, ", \"message\": ");
					json_string(&js, PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2));
					appendPQExpBuffer(&js, ", \"elapsed_ms\": %s}", PQgetvalue(res, i, 3));
				}
				appendPQExpBufferChar(&js, ']');
				if (!opts.stepwise)
					json_field_raw(job->json, "revisions", js.data);
				termPQExpBuffer(&js);
				/* nothing ran: the database is where it was */
				if (job->nrun == 0 && !opts.stepwise)
				{
					job->after = pg_strdup(job->before);
					finish_move(job);
					return;
				}
			}
			else
			{
				/* print the error, then still read where the database is */
				job_print_error(job, res);
				if (job->conn == NULL)
					return;
				st->failed = true;
			}
			{
				const char *params[1] = {st->log_id ? st->log_id : "0"};

				sql = psprintf(opts.stepwise ?
							   "SELECT %s,"
							   " (SELECT pg_catalog.count(*) FROM ONLY schemaver.log l WHERE l.id OPERATOR(pg_catalog.>) $1::pg_catalog.int8)" :
							   "SELECT %s",
							   current_heads_sql(job));
				job_send(job, sql, opts.stepwise ? 1 : 0, params);
				free(sql);
			}
			return;

		case 3:
			if (PQresultStatus(res) != PGRES_TUPLES_OK)
			{
				if (st->failed)
					job_finish(job, false);
				else
					job_check(job, res, PGRES_TUPLES_OK);
				return;
			}
			job->after = pg_strdup(PQgetvalue(res, 0, 0));
			if (opts.stepwise)
				job->nrun = atoi(PQgetvalue(res, 0, 1));
			finish_move(job);
			return;
	}
}

/* What the result column of the end table says about a database */
static char *
result_text(SvJob *job)
{
	MoveState  *st = job->data;

	if (job->skipped)
		return psprintf("skipped (%s)", job->skip_reason);
	if (!job->ok)
	{
		const char *e = job->error ? job->error : "failed";

		if (strlen(e) > 80)
			return psprintf("failed: %.77s...", e);
		return psprintf("failed: %s", e);
	}
	if (st && st->script_file)
		return psprintf("ok: wrote %s", st->script_file);
	if (opts.sql)
		return pg_strdup("ok");
	return pg_strdup(job->nrun == 0 ? "ok (nothing to do)" : "ok");
}

/*
 * move_finish
 *		After every database: the end table of a fleet and its count; the
 *		exit status.
 */
int
move_finish(SvJob **jobs, int njobs)
{
	int			nok = 0;
	int			nfailed = 0;
	int			nskipped = 0;

	for (int i = 0; i < njobs; i++)
	{
		if (jobs[i]->skipped)
			nskipped++;
		else if (jobs[i]->ok)
			nok++;
		else
			nfailed++;
	}
	if (njobs > 1 && !opts.json && !opts.quiet)
	{
		SvTable    *t = table_create(6, njobs, NULL);

		table_header(t, "database");
		table_header(t, "before");
		table_header(t, "after");
		table_header(t, "revisions run");
		table_header(t, "time");
		table_header(t, "result");
		for (int i = 0; i < njobs; i++)
		{
			SvJob	   *job = jobs[i];
			char		n[16];
			char		secs[32];

			snprintf(n, sizeof(n), "%d", job->nrun);
			snprintf(secs, sizeof(secs), "%.3f s", job->elapsed);
			table_cell(t, job->label);
			table_cell(t, job->before ? (job->before[0] ? job->before : "<base>") : "");
			table_cell(t, job->after ? (job->after[0] ? job->after : "<base>") : "");
			table_cell(t, job->after ? n : "");
			table_cell(t, job->skipped ? "" : secs);
			table_cell(t, result_text(job));
		}
		table_print(t, NULL);
		info_msg("%d database%s: %d succeeded, %d failed%s", njobs,
				 njobs == 1 ? "" : "s", nok, nfailed,
				 nskipped ? psprintf(", %d skipped", nskipped) : "");
	}
	return (nfailed || nskipped) ? EXIT_FAILED : EXIT_OK;
}
