/*-------------------------------------------------------------------------
 *
 * fleet.c
 *	  Connections and the engine that drives each database through a
 *	  command, one or many at once, with libpq's asynchronous API.
 *
 * Every command that works on databases runs here, for one database or a
 * fleet (-d repeated, --fleet FILE): each database is a job, with its own
 * connection and its own transactions.  Up to -j jobs run at once in one
 * thread: connections are opened with PQconnectStartParams/PQconnectPoll,
 * queries sent with PQsendQueryParams, and one poll() waits on every busy
 * socket, so that NOTICE lines (progress) are printed as they arrive.
 *
 * A job goes through phases:
 *
 *	 probe		one query on the catalogs: is schemaver installed, in which
 *				schema (every later call is qualified with it, so that no
 *				function earlier on the search_path can stand in), at which
 *				version, does it have the synchronisation's functions, may
 *				the role read schemaver.version;
 *	 sync check	for commands that synchronise the directory:
 *				schemaver_sync_check(digest), one round trip;
 *	 sync		only when the directory is not known to the server:
 *				schemaver_sync(names, contents) registers it (src/sync.c);
 *	 command	the command's own steps (cmd_*.c), each a query and a
 *				callback with its result.
 *
 * Every value sent is a query parameter; the only text put into queries is
 * the extension's schema name as the server reported it, quoted with
 * PQescapeIdentifier.
 *
 * src/client/fleet.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "common/string.h"

#include "client.h"

/* Where a job is */
#define JOB_WAITING		0		/* not started */
#define JOB_CONNECTING	1
#define JOB_IDLE		2		/* connected, nothing in flight */
#define JOB_BUSY		3		/* a query is in flight */
#define JOB_DONE		4

/* What a connected job is doing */
#define PHASE_PROBE		0
#define PHASE_SYNC_CHECK 1
#define PHASE_SYNC		2
#define PHASE_COMMAND	3

static SvJob **jobs;
static int	njobs;
static const SvCommand *command;
static SvDirectory directory;
static bool have_directory = false;
static char *password = NULL;
static int	nactive = 0;
static bool any_failed = false;

/*
 * Ctrl-C cancels what runs, as in psql: the handler sends a cancel request
 * for every busy connection (PQcancel is safe in a signal handler), no
 * other database starts, and a second Ctrl-C ends the program at once.
 */
static PGcancel *volatile *cancels = NULL;
static volatile sig_atomic_t interrupted = 0;

/*
 * The probe: cheap on purpose (it is the first query of a new session, and
 * the catalogs it reads must be loaded into its caches): no planning of
 * joins on pg_proc, a lookup of one function by its signature.
 */
static const char *probe_sql =
"SELECT e.extversion, n.nspname,"
" pg_catalog.to_regprocedure(pg_catalog.quote_ident(n.nspname)"
"   OPERATOR(pg_catalog.||) '.schemaver_sync_check(pg_catalog.text)') IS NOT NULL,"
" COALESCE(pg_catalog.has_table_privilege("
"   pg_catalog.to_regclass('schemaver.version'), 'SELECT'), false)"
" FROM pg_catalog.pg_extension e, pg_catalog.pg_namespace n"
" WHERE e.extname OPERATOR(pg_catalog.=) 'schemaver'"
" AND n.oid OPERATOR(pg_catalog.=) e.extnamespace";

static char *spec_label(const char *spec, char **hostpart);
static void make_labels(void);
static void start_job(SvJob *job);
static void connect_done(SvJob *job);
static void read_results(SvJob *job);
static void dispatch(SvJob *job, PGresult *res);
static void probe_done(SvJob *job, PGresult *res);
static void sync_done(SvJob *job, PGresult *res);
static void notice_receiver(void *arg, const PGresult *res);
static void print_lines(SvJob *job, FILE *out, const char *text);
static char *format_va(const char *fmt, va_list ap) pg_attribute_printf(1, 0);
static void print_json(int status);
static void handle_sigint(int signo);

/* SIGINT: cancel every running query; the next SIGINT is the default */
static void
handle_sigint(int signo)
{
	int			save_errno = errno;
	char		errbuf[256];

	(void) signo;
	interrupted = 1;
	signal(SIGINT, SIG_DFL);
	for (int i = 0; cancels && i < njobs; i++)
		if (cancels[i] != NULL)
			(void) PQcancel(cancels[i], errbuf, sizeof(errbuf));
	errno = save_errno;
}

/* Seconds on a monotonic clock */
double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether several databases are worked on (output names each) */
bool
fleet_mode(void)
{
	return njobs > 1;
}

/*
 * The label that prefixes a job's table lines: its database's when several
 * databases are worked on, else none.
 */
const char *
fleet_label(SvJob *job)
{
	return fleet_mode() ? job->label : NULL;
}

/* The directory read for synchronisation (NULL when it was not read) */
SvDirectory *
fleet_directory(void)
{
	return have_directory ? &directory : NULL;
}

/*
 * How output names a database: its name, from the conninfo string or URI
 * (or the defaults when none was given); *hostpart gets "host:port".
 */
static char *
spec_label(const char *spec, char **hostpart)
{
	PQconninfoOption *o = NULL;
	const char *dbname = NULL;
	const char *host = opts.host;
	const char *port = opts.port;
	char	   *label;

	if (spec != NULL && (strchr(spec, '=') != NULL ||
						 strncmp(spec, "postgresql://", 13) == 0 ||
						 strncmp(spec, "postgres://", 11) == 0))
		o = PQconninfoParse(spec, NULL);
	else if (spec != NULL)
		dbname = spec;
	else
		o = PQconndefaults();
	for (PQconninfoOption *p = o; p && p->keyword; p++)
	{
		if (p->val == NULL || p->val[0] == '\0')
			continue;
		if (strcmp(p->keyword, "dbname") == 0)
			dbname = p->val;
		else if (strcmp(p->keyword, "host") == 0)
			host = p->val;
		else if (strcmp(p->keyword, "port") == 0)
			port = p->val;
		else if (strcmp(p->keyword, "user") == 0 && dbname == NULL && spec == NULL)
			dbname = p->val;
	}
	if (host == NULL)
		host = getenv("PGHOST");
	if (port == NULL)
		port = getenv("PGPORT");
	if (dbname == NULL)
		dbname = getenv("PGDATABASE");
	if (dbname == NULL)
		dbname = opts.user ? opts.user : getenv("PGUSER");
	label = escape_line(dbname ? dbname : "(default)");
	*hostpart = psprintf("%s:%s", host ? host : "", port ? port : "");
	if (o)
		PQconninfoFree(o);
	return label;
}

/*
 * Give every job a label; when two databases have the same name, their
 * labels get the host and port, and a number when that is not enough.
 */
static void
make_labels(void)
{
	char	  **hosts = pg_malloc(sizeof(char *) * njobs);

	for (int i = 0; i < njobs; i++)
		jobs[i]->label = spec_label(jobs[i]->spec, &hosts[i]);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < njobs; i++)
		{
			bool		dup = false;

			for (int j = 0; j < njobs; j++)
				if (j != i && strcmp(jobs[i]->label, jobs[j]->label) == 0)
					dup = true;
			if (!dup)
				continue;
			for (int j = 0; j < njobs; j++)
			{
				char	   *base = pg_strdup(jobs[j]->label);

				if (j != i && strcmp(jobs[i]->label, jobs[j]->label) != 0)
				{
					free(base);
					continue;
				}
				if (pass == 0)
					jobs[j]->label = psprintf("%s/%s", escape_line(hosts[j]), base);
				else
					jobs[j]->label = psprintf("%s#%d", base, j + 1);
				free(base);
			}
		}
}

/* Open the connection of a job (asynchronously) */
static void
start_job(SvJob *job)
{
	const char *kw[8];
	const char *val[8];
	int			n = 0;

	if (opts.host)
		kw[n] = "host", val[n++] = opts.host;
	if (opts.port)
		kw[n] = "port", val[n++] = opts.port;
	if (opts.user)
		kw[n] = "user", val[n++] = opts.user;
	if (password)
		kw[n] = "password", val[n++] = password;
	if (job->spec)
		kw[n] = "dbname", val[n++] = job->spec;
	kw[n] = "fallback_application_name", val[n++] = "schemaver";
	kw[n] = "client_encoding", val[n++] = "UTF8";
	kw[n] = NULL, val[n] = NULL;

	if (job->state == JOB_WAITING)
	{
		job->started = now_seconds();
		nactive++;
	}
	job->state = JOB_CONNECTING;
	job->conn = PQconnectStartParams(kw, val, 1);
	if (job->conn == NULL)
	{
		error_msg("out of memory");
		exit(EXIT_FAILED);
	}
	job->poll = PGRES_POLLING_WRITING;
	if (PQstatus(job->conn) == CONNECTION_BAD)
		connect_done(job);
}

/*
 * The connection attempt ended (PQconnectPoll said OK or FAILED, or the
 * start failed): start the probe, or ask for a password and try again, or
 * fail.
 */
static void
connect_done(SvJob *job)
{
	if (PQstatus(job->conn) == CONNECTION_OK)
	{
		PQsetNoticeReceiver(job->conn, notice_receiver, job);
		cancels[job->index] = PQgetCancel(job->conn);
		job->state = JOB_IDLE;
		job->phase = PHASE_PROBE;
		job_send(job, probe_sql, 0, NULL);
		return;
	}
	if (PQconnectionNeedsPassword(job->conn) && password == NULL &&
		!opts.no_password && isatty(fileno(stdin)))
	{
		PQfinish(job->conn);
		job->conn = NULL;
		password = simple_prompt("Password: ", false);
		start_job(job);
		return;
	}
	{
		char	   *msg = pg_strdup(PQerrorMessage(job->conn));
		size_t		len = strlen(msg);
		char	   *reason;
		char	   *nl;

		while (len > 0 && msg[len - 1] == '\n')
			msg[--len] = '\0';
		/* the end table shows the reason: what follows libpq's "failed: " */
		reason = pg_strdup(msg);
		if ((nl = strchr(reason, '\n')) != NULL)
			*nl = '\0';
		if (strstr(reason, "failed: ") != NULL)
			reason = strstr(reason, "failed: ") + strlen("failed: ");
		job->error = psprintf("could not connect: %s", escape_line(reason));
		job_fail(job, "could not connect to database \"%s\": %s", job->label, msg);
		free(msg);
	}
}

/*
 * job_send
 *		Send one query with text parameters; the command's step is called
 *		again with its result.
 */
void
job_send(SvJob *job, const char *sql, int nparams, const char *const *params)
{
	if (!PQsendQueryParams(job->conn, sql, nparams, NULL, params, NULL, NULL, 0))
	{
		job_print_error(job, NULL);
		job_finish(job, false);
		return;
	}
	job->state = JOB_BUSY;
}

/*
 * Read what arrived on a busy connection; when the query's results are
 * complete, hand the result (the first error, else the last result) to
 * the job's current phase.
 */
static void
read_results(SvJob *job)
{
	if (!PQconsumeInput(job->conn))
	{
		job_print_error(job, NULL);
		job_finish(job, false);
		return;
	}
	while (!PQisBusy(job->conn))
	{
		PGresult   *r = PQgetResult(job->conn);

		if (r == NULL)
		{
			PGresult   *res = job->result;

			job->result = NULL;
			job->state = JOB_IDLE;
			dispatch(job, res);
			PQclear(res);
			return;
		}
		if (job->result == NULL ||
			PQresultStatus(job->result) != PGRES_FATAL_ERROR)
		{
			PQclear(job->result);
			job->result = r;
		}
		else
			PQclear(r);
	}
}

/*
 * job_has_functions
 *		Whether the extension's schema has a function of each of the given
 *		names (the release 1.1 functions that commands such as check
 *		--desired need); the query is sent, the answer comes to the step as
 *		one row of booleans.
 */
void
job_ask_functions(SvJob *job, const char *const *names, int n)
{
	PQExpBufferData sql;

	initPQExpBuffer(&sql);
	appendPQExpBufferStr(&sql, "SELECT ");
	for (int i = 0; i < n; i++)
		appendPQExpBuffer(&sql, "%sEXISTS (SELECT FROM pg_catalog.pg_proc p"
						  " WHERE p.pronamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace($%d)"
						  " AND p.proname OPERATOR(pg_catalog.=) $%d)",
						  i ? ", " : "", 2 * i + 1, 2 * i + 2);
	{
		const char **params = pg_malloc(sizeof(char *) * 2 * n);
		char	   *nsp = pg_strdup(job->schema);

		for (int i = 0; i < n; i++)
		{
			params[2 * i] = nsp;
			params[2 * i + 1] = names[i];
		}
		job_send(job, sql.data, 2 * n, params);
		free(params);
	}
	termPQExpBuffer(&sql);
}

/* Pass a result to the phase that waits for it */
static void
dispatch(SvJob *job, PGresult *res)
{
	switch (job->phase)
	{
		case PHASE_PROBE:
			probe_done(job, res);
			break;
		case PHASE_SYNC_CHECK:
		case PHASE_SYNC:
			sync_done(job, res);
			break;
		default:
			command->step(job, res);
			break;
	}
	if (job->state == JOB_IDLE)
	{
		/* a step that neither sent a query nor finished: a bug */
		job_fail(job, "internal error: the %s command stopped without a result",
				 command->name);
	}
}

/* Enter the command's own steps */
static void
start_command(SvJob *job)
{
	job->phase = PHASE_COMMAND;
	job->step = 0;
	command->step(job, NULL);
}

/*
 * The probe's answer: where the extension is and what it provides; then
 * the synchronisation or the command.
 */
static void
probe_done(SvJob *job, PGresult *res)
{
	if (!job_check(job, res, PGRES_TUPLES_OK))
		return;
	if (PQntuples(res) == 0)
	{
		if (command->prepare == init_prepare)
		{
			start_command(job);
			return;
		}
		job_fail(job, "schemaver is not installed in database \"%s\"", job->label);
		job_print(job, stderr, "HINT:  Run \"%s init\" (or CREATE EXTENSION schemaver) first.",
				  progname);
		return;
	}
	job->extversion = pg_strdup(PQgetvalue(res, 0, 0));
	job->schema = PQescapeIdentifier(job->conn, PQgetvalue(res, 0, 1),
									 strlen(PQgetvalue(res, 0, 1)));
	job->has_sync = (strcmp(PQgetvalue(res, 0, 2), "t") == 0);
	job->reads_version = (strcmp(PQgetvalue(res, 0, 3), "t") == 0);
	json_field_string(job->json, "schemaver_version", job->extversion);

	if (command->sync != SV_SYNC_NONE && !opts.no_sync && !job->has_sync)
	{
		job_fail(job, "the server's schemaver (version %s) does not provide schemaver_sync_check(); ALTER EXTENSION schemaver UPDATE",
				 job->extversion);
		job_print(job, stderr, "HINT:  Or run with --no-sync, after registering the files with psql.");
		return;
	}
	if (command->sync == SV_SYNC_REGISTER && !opts.no_sync)
	{
		const char *params[1] = {directory.digest};
		char	   *extra = command->sync_extra ? command->sync_extra(job) : NULL;
		char	   *sql = psprintf("SELECT %s.schemaver_sync_check($1)%s%s", job->schema,
								   extra ? ", " : "", extra ? extra : "");

		job->phase = PHASE_SYNC_CHECK;
		job_send(job, sql, 1, params);
		free(sql);
		return;
	}
	start_command(job);
}

/*
 * The synchronisation's answers: the check (true: nothing to send), then,
 * if needed, the registration of the directory, whose new and changed
 * files are reported.
 */
static void
sync_done(SvJob *job, PGresult *res)
{
	if (job->phase == PHASE_SYNC_CHECK)
	{
		if (!job_check(job, res, PGRES_TUPLES_OK))
			return;
		/* the command's own items, read in the same round trip */
		job->nextra = PQnfields(res) - 1;
		job->extra = pg_malloc0(sizeof(char *) * (job->nextra + 1));
		for (int i = 0; i < job->nextra; i++)
			job->extra[i] = PQgetisnull(res, 0, i + 1) ? NULL :
				pg_strdup(PQgetvalue(res, 0, i + 1));
		if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		{
			json_field_raw(job->json, "synchronised", "[]");
			start_command(job);
		}
		else
		{
			const char *params[2];
			char	   *sql;

			revdir_literals(&directory);
			params[0] = directory.names_literal;
			params[1] = directory.contents_literal;
			sql = psprintf("SELECT s.file, s.revision, s.status"
							   " FROM %s.schemaver_sync($1::pg_catalog.text[], $2::pg_catalog.text[]) s",
							   job->schema);

			job->phase = PHASE_SYNC;
			job_send(job, sql, 2, params);
			free(sql);
		}
		return;
	}

	if (!job_check(job, res, PGRES_TUPLES_OK))
		return;
	{
		PQExpBufferData js;
		bool		first = true;

		initPQExpBuffer(&js);
		appendPQExpBufferChar(&js, '[');
		for (int i = 0; i < PQntuples(res); i++)
		{
			const char *file = PQgetvalue(res, i, 0);
			const char *rev = PQgetvalue(res, i, 1);
			const char *status = PQgetvalue(res, i, 2);

			if (strcmp(status, "unchanged") == 0)
				continue;
			if (!opts.quiet)
			{
				if (strcmp(status, "registered") == 0)
					job_print(job, progress_stream(), "registered %s (revision %s)",
							  escape_line(file), escape_line(rev));
				else
					job_print(job, progress_stream(), "registered %s again: revision %s changed and is not applied",
							  escape_line(file), escape_line(rev));
			}
			appendPQExpBuffer(&js, "%s{\"file\": ", first ? "" : ", ");
			json_string(&js, file);
			appendPQExpBufferStr(&js, ", \"revision\": ");
			json_string(&js, rev);
			appendPQExpBufferStr(&js, ", \"status\": ");
			json_string(&js, status);
			appendPQExpBufferChar(&js, '}');
			first = false;
		}
		appendPQExpBufferChar(&js, ']');
		json_field_raw(job->json, "synchronised", js.data);
		termPQExpBuffer(&js);
	}
	start_command(job);
}

/*
 * Print NOTICEs as they arrive: a step's progress line ("upgrade a -> b:
 * message") as it is, other notices with their severity, DETAIL and HINT.
 * Warnings go to standard error even with --quiet.
 */
static void
notice_receiver(void *arg, const PGresult *res)
{
	SvJob	   *job = (SvJob *) arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	bool		warning = sev && strcmp(sev, "WARNING") == 0;
	FILE	   *out = warning ? stderr : progress_stream();

	if (msg == NULL || (opts.quiet && !warning))
		return;
	if (!warning && strstr(msg, " -> ") != NULL &&
		(strncmp(msg, "upgrade ", 8) == 0 || strncmp(msg, "downgrade ", 10) == 0 ||
		 strncmp(msg, "stamp ", 6) == 0))
	{
		char	   *line = escape_line(msg);

		job_print(job, out, "%s", line);
		free(line);
		return;
	}
	/* the primary message is one line: no text of its can pass for another */
	job_print(job, out, "%s:  %s", sev ? sev : "NOTICE", escape_line(msg));
	if (detail)
		job_print(job, out, "DETAIL:  %s", detail);
	if (hint)
		job_print(job, out, "HINT:  %s", hint);
}

/* printf into a new string (malloc'd) */
static char *
format_va(const char *fmt, va_list ap)
{
	size_t		len = 256;

	for (;;)
	{
		char	   *buf = pg_malloc(len);
		va_list		copy;
		size_t		need;

		va_copy(copy, ap);
		need = pvsnprintf(buf, len, fmt, copy);
		va_end(copy);
		if (need < len)
			return buf;
		free(buf);
		len = need;
	}
}

/* Print text (escaped, line breaks kept) with the job's prefix per line */
static void
print_lines(SvJob *job, FILE *out, const char *text)
{
	char	   *esc = escape_text(text);
	char	   *p = esc;

	while (*p)
	{
		char	   *nl = strchr(p, '\n');
		int			len = nl ? (int) (nl - p) : (int) strlen(p);

		if (job && fleet_mode())
			fprintf(out, "[%s] %.*s\n", job->label, len, p);
		else
			fprintf(out, "%.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
	fflush(out);
	free(esc);
}

/*
 * job_print
 *		Print a line (or lines) about a job, prefixed with its database
 *		when several are worked on.  The text is escaped.
 */
void
job_print(SvJob *job, FILE *out, const char *fmt,...)
{
	va_list		ap;
	char	   *text;

	va_start(ap, fmt);
	text = format_va(fmt, ap);
	va_end(ap);
	print_lines(job, out, text);
	free(text);
}

/*
 * job_print_error
 *		Print a server error as psql does with VERBOSITY verbose (the
 *		SQLSTATE after the severity), with DETAIL, HINT and CONTEXT, and
 *		keep it for the end table and JSON.  res NULL: the connection's
 *		error (it was lost, or a query could not be sent).
 */
void
job_print_error(SvJob *job, const PGresult *res)
{
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *sev = res ? PQresultErrorField(res, PG_DIAG_SEVERITY) : NULL;
	const char *fields[3][2] = {
		{"DETAIL", res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL},
		{"HINT", res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL},
		{"CONTEXT", res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL},
	};
	PQExpBufferData js;
	char	   *line;

	if (msg == NULL)
	{
		char	   *m = pg_strdup(res && PQresultErrorMessage(res)[0] ?
								  PQresultErrorMessage(res) :
								  job->conn ? PQerrorMessage(job->conn) : "unknown error");
		size_t		len = strlen(m);

		while (len > 0 && m[len - 1] == '\n')
			m[--len] = '\0';
		job_fail(job, "%s", m);
		free(m);
		return;
	}
	if (sqlstate)
		job_print(job, stderr, "%s:  %s: %s", sev ? sev : "ERROR", sqlstate, escape_line(msg));
	else
		job_print(job, stderr, "%s:  %s", sev ? sev : "ERROR", escape_line(msg));
	for (int i = 0; i < 3; i++)
		if (fields[i][1])
			job_print(job, stderr, "%s:  %s", fields[i][0], fields[i][1]);

	line = escape_line(msg);
	job->error = sqlstate ? psprintf("%s: %s", sqlstate, line) : pg_strdup(line);
	free(line);
	initPQExpBuffer(&js);
	appendPQExpBufferStr(&js, "{\"sqlstate\": ");
	json_string(&js, sqlstate);
	appendPQExpBufferStr(&js, ", \"message\": ");
	json_string(&js, msg);
	for (int i = 0; i < 3; i++)
	{
		appendPQExpBuffer(&js, ", \"%s\": ", i == 0 ? "detail" : i == 1 ? "hint" : "context");
		json_string(&js, fields[i][1]);
	}
	appendPQExpBufferChar(&js, '}');
	json_field_raw(job->json, "error", js.data);
	termPQExpBuffer(&js);
}

/*
 * job_fail
 *		The job failed for a reason of the program's (not a server error):
 *		print it and finish the job.
 */
void
job_fail(SvJob *job, const char *fmt,...)
{
	va_list		ap;
	char	   *text;
	char	   *line;

	va_start(ap, fmt);
	text = format_va(fmt, ap);
	va_end(ap);
	job_print(job, stderr, "%s: error: %s", progname, text);
	line = escape_line(text);
	if (job->error == NULL || strstr(job->json->data, "\"error\":") == NULL)
	{
		PQExpBufferData js;

		if (job->error == NULL)
			job->error = line;
		initPQExpBuffer(&js);
		appendPQExpBufferStr(&js, "{\"sqlstate\": null, \"message\": ");
		json_string(&js, text);
		appendPQExpBufferStr(&js, "}");
		json_field_raw(job->json, "error", js.data);
		termPQExpBuffer(&js);
	}
	free(text);
	if (job->state != JOB_DONE)
		job_finish(job, false);
}

/*
 * job_check
 *		Whether res has the expected status; if not, print the error and
 *		finish the job as failed.
 */
bool
job_check(SvJob *job, PGresult *res, int expected)
{
	if (res != NULL && (int) PQresultStatus(res) == expected)
		return true;
	if (job->state == JOB_DONE)
		return false;
	job_print_error(job, res);
	if (job->state != JOB_DONE)
		job_finish(job, false);
	return false;
}

/*
 * job_finish
 *		The job is over: close its connection and record the outcome.
 */
void
job_finish(SvJob *job, bool ok)
{
	if (job->state == JOB_DONE)
		return;
	if (cancels[job->index] != NULL)
	{
		PGcancel   *c = cancels[job->index];

		cancels[job->index] = NULL;
		PQfreeCancel(c);
	}
	if (job->conn)
		PQfinish(job->conn);
	job->conn = NULL;
	job->elapsed = now_seconds() - job->started;
	job->ok = ok;
	job->done = true;
	job->state = JOB_DONE;
	nactive--;
	if (!ok)
		any_failed = true;
}

/* The result as JSON, on standard output */
static void
print_json(int status)
{
	PQExpBufferData out;

	initPQExpBuffer(&out);
	appendPQExpBufferStr(&out, "{\"command\": ");
	json_string(&out, command->name);
	appendPQExpBuffer(&out, ", \"ok\": %s, \"databases\": [",
					  status == EXIT_OK ? "true" : "false");
	for (int i = 0; i < njobs; i++)
	{
		SvJob	   *job = jobs[i];

		appendPQExpBuffer(&out, "%s\n  {\"database\": ", i ? "," : "");
		json_string(&out, job->label);
		appendPQExpBuffer(&out, ", %s\"result\": \"%s\", \"elapsed_s\": %.3f}",
						  job->json->data,
						  job->skipped ? "skipped" : job->ok ? "ok" : "failed",
						  job->elapsed);
	}
	appendPQExpBufferStr(&out, "\n]}\n");
	fputs(out.data, stdout);
	fflush(stdout);
	termPQExpBuffer(&out);
}

/*
 * fleet_run
 *		Run a command on every database: read the directory if the command
 *		synchronises it, connect to -j databases at a time, drive each
 *		through its phases, then let the command print its tables and
 *		summary.  Returns the exit status.
 */
int
fleet_run(const SvCommand *cmd)
{
	int			next = 0;
	int			ndone = 0;
	int			status;
	struct pollfd *fds;
	SvJob	  **polled;

	command = cmd;
	if (cmd->sync != SV_SYNC_NONE && !opts.no_sync)
	{
		if (!revdir_load(opts.dir, &directory))
			return EXIT_FAILED;
		have_directory = true;
	}

	njobs = opts.ndbnames > 0 ? opts.ndbnames : 1;
	jobs = pg_malloc0(sizeof(SvJob *) * njobs);
	for (int i = 0; i < njobs; i++)
	{
		jobs[i] = pg_malloc0(sizeof(SvJob));
		jobs[i]->index = i;
		jobs[i]->spec = opts.ndbnames > 0 ? opts.dbnames[i] : NULL;
		jobs[i]->json = createPQExpBuffer();
		jobs[i]->state = JOB_WAITING;
	}
	make_labels();
	if (opts.force_password)
		password = simple_prompt("Password: ", false);
	cancels = pg_malloc0(sizeof(PGcancel *) * njobs);
	signal(SIGINT, handle_sigint);

	fds = pg_malloc(sizeof(struct pollfd) * njobs);
	polled = pg_malloc(sizeof(SvJob *) * njobs);
	while (ndone < njobs)
	{
		int			nfds = 0;

		/* start what may start */
		while (next < njobs && nactive < opts.jobs &&
			   !(opts.fail_fast && any_failed) && !interrupted)
			start_job(jobs[next++]);
		if ((opts.fail_fast && any_failed) || interrupted)
			for (; next < njobs; next++)
			{
				jobs[next]->skipped = true;
				jobs[next]->skip_reason = interrupted ? "interrupted" : "--fail-fast";
				jobs[next]->done = true;
				jobs[next]->state = JOB_DONE;
			}

		ndone = 0;
		for (int i = 0; i < njobs; i++)
		{
			SvJob	   *job = jobs[i];

			if (job->state == JOB_DONE)
			{
				ndone++;
				continue;
			}
			if (job->state == JOB_CONNECTING || job->state == JOB_BUSY)
			{
				fds[nfds].fd = PQsocket(job->conn);
				fds[nfds].events = (job->state == JOB_CONNECTING &&
									job->poll == PGRES_POLLING_WRITING) ? POLLOUT : POLLIN;
				fds[nfds].revents = 0;
				polled[nfds++] = job;
			}
		}
		if (nfds == 0)
			continue;
		if (poll(fds, nfds, -1) < 0)
		{
			if (errno == EINTR)
				continue;
			error_msg("poll() failed: %s", strerror(errno));
			return EXIT_FAILED;
		}
		for (int k = 0; k < nfds; k++)
		{
			SvJob	   *job = polled[k];

			if (fds[k].revents == 0)
				continue;
			if (job->state == JOB_CONNECTING)
			{
				job->poll = PQconnectPoll(job->conn);
				if (job->poll == PGRES_POLLING_OK || job->poll == PGRES_POLLING_FAILED)
					connect_done(job);
			}
			else if (job->state == JOB_BUSY)
				read_results(job);
		}
	}

	status = cmd->finish(jobs, njobs);
	if (opts.json)
		print_json(status);
	return status;
}
