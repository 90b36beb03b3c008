/*-------------------------------------------------------------------------
 *
 * client.h
 *	  Declarations shared by the files of the schemaver command.
 *
 * The command reads top-down through these files: main.c parses the
 * command line and picks the command; revdir.c reads the directory of
 * revision files and computes its digest; fleet.c opens one connection per
 * database and drives every database through the command's steps with
 * libpq's asynchronous API (several at once with -j), synchronising the
 * directory first; cmd_move.c (upgrade, downgrade, stamp), cmd_look.c
 * (current, heads, history, show, branches, check, verify) and
 * cmd_author.c (init, revision, merge) are the commands' steps; output.c
 * prints (escaping, tables in psql's aligned style, JSON); revwrite.c
 * writes revision files; import.c converts other tools' migrations
 * (one import_<tool>.c each, over the helpers of import_common.c).
 *
 * src/client/client.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAVER_CLIENT_H
#define SCHEMAVER_CLIENT_H

#include <stdio.h>

#include "libpq-fe.h"
#include "pqexpbuffer.h"

/* Exit statuses */
#define EXIT_OK			0
#define EXIT_FAILED		1
#define EXIT_USAGE		2

/* Default directory of revision files */
#define SV_DEFAULT_DIR "migrations"

/* ---------- main.c: the command line ---------- */

typedef struct SvJob SvJob;

/* What a command is and how it runs */
typedef struct SvCommand
{
	const char *name;
	const char *synopsis;		/* arguments, for usage lines */
	const char *summary;		/* one line for the list of commands */
	const char *help;			/* the text of "schemaver CMD --help" */
	int			min_args;
	int			max_args;		/* -1: any number */
	unsigned	options;		/* SV_O_* bits it accepts besides the global ones */
	bool		database;		/* works on databases */
	bool		fleet;			/* on several databases at once */
	int			sync;			/* SV_SYNC_* */
	/* before any database: checks and local work; returns an exit status */
	int			(*prepare) (void);
	/* one step of the command on one database (fleet.c calls it) */
	void		(*step) (SvJob *job, PGresult *res);
	/*
	 * optional: more select-list items for the query of the sync check,
	 * whose values the step then finds in job->extra (saves a round trip)
	 */
	char	   *(*sync_extra) (SvJob *job);
	/* after every database: tables and the summary; returns the status */
	int			(*finish) (SvJob **jobs, int njobs);
	/* without a database: the whole command */
	int			(*run) (void);
} SvCommand;

/* How a command synchronises the directory before its steps */
#define SV_SYNC_NONE	0
#define SV_SYNC_REGISTER 1		/* schemaver_sync: register what is new */
#define SV_SYNC_COMPARE 2		/* schemaver_sync_compare: change nothing */

/* Command options (bits of SvCommand.options) */
#define SV_O_SQL		(1u << 0)
#define SV_O_OUTPUT_DIR (1u << 1)
#define SV_O_STEPWISE	(1u << 2)
#define SV_O_VERBOSE	(1u << 3)
#define SV_O_MESSAGE	(1u << 4)
#define SV_O_AUTOGEN	(1u << 5)
#define SV_O_DESIRED	(1u << 6)
#define SV_O_HEAD		(1u << 7)
#define SV_O_DEPENDS	(1u << 8)
#define SV_O_LABEL		(1u << 9)
#define SV_O_REV_ID		(1u << 10)
#define SV_O_FROM		(1u << 11)
#define SV_O_SCHEMA		(1u << 12)

/* Everything the command line said */
typedef struct SvOptions
{
	const SvCommand *command;
	char	  **args;			/* the command's arguments */
	int			nargs;

	/* connections */
	char	  **dbnames;		/* -d (repeated) and --fleet lines */
	int			ndbnames;
	char	   *host;
	char	   *port;
	char	   *user;
	bool		no_password;	/* -w */
	bool		force_password; /* -W */
	int			jobs;			/* -j */
	bool		fail_fast;

	/* output */
	bool		quiet;
	bool		json;

	/* the directory */
	char	   *dir;
	bool		no_sync;

	/* command options */
	bool		sql;
	char	   *output_dir;
	bool		stepwise;
	bool		verbose;
	char	   *message;
	bool		autogenerate;
	char	   *desired;		/* the file's name */
	char	   *head;
	char	  **depends_on;
	int			ndepends_on;
	char	  **branch_labels;
	int			nbranch_labels;
	char	  **schemas;
	int			nschemas;
	char	   *rev_id;
	char	   *from;
} SvOptions;

extern SvOptions opts;
extern const char *progname;

/* ---------- revdir.c: the directory of revision files ---------- */

typedef struct SvDirFile
{
	char	   *name;			/* base name */
	char	   *content;
	size_t		len;
} SvDirFile;

typedef struct SvDirectory
{
	const char *path;
	int			nfiles;
	SvDirFile  *files;
	char		digest[65];		/* SHA-256, hex */
	char	   *names_literal;	/* the names as a text[] literal */
	char	   *contents_literal;	/* the contents as a text[] literal */
} SvDirectory;

extern bool revdir_load(const char *path, SvDirectory *dir);
extern void revdir_literals(SvDirectory *dir);
extern char *revdir_path(const char *dir, const char *name);
extern bool revdir_names(const char *path, char ***names, int *n);
extern char *read_file(const char *path, size_t *len, bool text);
extern char *read_untrusted_file(const char *path, size_t *len, bool text);
extern char *next_revision_number(char **ids, int nids);
extern char *slug(const char *message, int maxlen);
extern bool valid_identifier(const char *id);
extern char *ids_literal(char **ids, int n);
extern bool load_desired(void);
extern char *desired_sql;

/* ---------- fleet.c: connections and the asynchronous engine ---------- */

/* What fleet.c tracks for each database */
struct SvJob
{
	int			index;
	char	   *spec;			/* what -d or the fleet file said; NULL: defaults */
	char	   *label;			/* how output names it */
	PGconn	   *conn;
	int			state;			/* JOB_* in fleet.c */
	int			phase;			/* PHASE_* in fleet.c */
	int			step;			/* the command's own progress */
	bool		ok;
	bool		done;
	bool		skipped;
	const char *skip_reason;	/* "--fail-fast", "interrupted" */
	double		started;
	double		elapsed;
	PGresult   *result;			/* being collected */
	PostgresPollingStatusType poll;

	/* what the probe found */
	char	   *schema;			/* the extension's schema, quoted */
	char	   *extversion;
	bool		has_sync;
	bool		reads_version;	/* may SELECT from schemaver.version */

	/* for the end table and JSON */
	char	   *before;
	char	   *after;
	int			nrun;
	char	   *error;			/* one line, for the end table */
	char	   *note;			/* what the result column says when ok */
	PQExpBuffer json;			/* fields of the database's JSON object */
	char	  **extra;			/* values of the command's sync_extra items */
	int			nextra;
	void	   *data;			/* the command's own state */
};

extern int	fleet_run(const SvCommand *cmd);
extern bool fleet_mode(void);
extern const char *fleet_label(SvJob *job);
extern void job_send(SvJob *job, const char *sql, int nparams,
					 const char *const *params);
extern void job_finish(SvJob *job, bool ok);
extern bool job_check(SvJob *job, PGresult *res, int expected);
extern void job_fail(SvJob *job, const char *fmt,...) pg_attribute_printf(2, 3);
extern void job_print(SvJob *job, FILE *out, const char *fmt,...) pg_attribute_printf(3, 4);
extern void job_print_error(SvJob *job, const PGresult *res);
extern void job_ask_functions(SvJob *job, const char *const *names, int n);
extern double now_seconds(void);
extern SvDirectory *fleet_directory(void);

/* ---------- output.c: printing ---------- */

extern FILE *progress_stream(void);
extern char *escape_line(const char *s);
extern char *escape_text(const char *s);
extern void json_string(PQExpBuffer buf, const char *s);
extern void json_field_string(PQExpBuffer buf, const char *key,
							  const char *value);
extern void json_field_raw(PQExpBuffer buf, const char *key,
						   const char *value);
extern void json_ids(PQExpBuffer buf, const char *commalist);
extern void json_field_ids(PQExpBuffer buf, const char *key,
						   const char *commalist);
extern void error_msg(const char *fmt,...) pg_attribute_printf(1, 2);
extern void warning_msg(const char *fmt,...) pg_attribute_printf(1, 2);
extern void info_msg(const char *fmt,...) pg_attribute_printf(1, 2);

/* A table in psql's aligned format */
typedef struct SvTable SvTable;
extern SvTable *table_create(int ncolumns, int nrows, const char *title);
extern void table_header(SvTable *t, const char *name);
extern void table_cell(SvTable *t, const char *value);
extern void table_print(SvTable *t, const char *label);

/* ---------- revwrite.c: writing revision files ---------- */

typedef struct SvNewRevision
{
	const char *id;
	char	  **parents;		/* none: a base revision */
	int			nparents;
	const char *message;
	const char *upgrade;
	const char *downgrade;		/* NULL: irreversible */
	char	  **depends_on;
	int			ndepends_on;
	char	  **branch_labels;
	int			nbranch_labels;
	const char *comment;		/* lines for the header comment, or NULL */
} SvNewRevision;

extern char *revwrite_format(const SvNewRevision *r);
extern bool revwrite_file(const char *path, const char *text);

/* ---------- the commands ---------- */

/* cmd_move.c */
extern int	move_prepare(void);
extern void move_step(SvJob *job, PGresult *res);
extern char *move_sync_extra(SvJob *job);
extern char *current_heads_sql(SvJob *job);
extern int	move_finish(SvJob **jobs, int njobs);

/* cmd_look.c */
extern void current_step(SvJob *job, PGresult *res);
extern int	current_finish(SvJob **jobs, int njobs);
extern void heads_step(SvJob *job, PGresult *res);
extern void history_step(SvJob *job, PGresult *res);
extern void show_step(SvJob *job, PGresult *res);
extern void branches_step(SvJob *job, PGresult *res);
extern int	check_prepare(void);
extern void check_step(SvJob *job, PGresult *res);
extern int	check_finish(SvJob **jobs, int njobs);
extern void verify_step(SvJob *job, PGresult *res);
extern int	verify_finish(SvJob **jobs, int njobs);
extern int	single_finish(SvJob **jobs, int njobs);
extern int	resolve_revision(SvJob *job, PGresult *hist, const char *rev);
extern char *schemas_literal(void);

/* cmd_author.c */
extern int	init_prepare(void);
extern void init_step(SvJob *job, PGresult *res);
extern int	init_finish(SvJob **jobs, int njobs);
extern int	revision_prepare(void);
extern void revision_step(SvJob *job, PGresult *res);
extern void merge_step(SvJob *job, PGresult *res);

/* ---------- import*.c: other tools' migrations ---------- */

/* One migration of another tool, as a converter found it */
typedef struct SvImport
{
	char	   *name;			/* its name in the tool (unique) */
	char	   *message;		/* the revision's message */
	char	   *upgrade;
	char	   *downgrade;		/* NULL: none, the revision is irreversible */
	char	  **parents;		/* names; used when explicit_parents */
	int			nparents;
	bool		explicit_parents;	/* else: the previous migration */
	char	  **depends;		/* names of migrations it requires */
	int			ndepends;
	bool		strip_transaction;	/* remove an outer BEGIN; ... COMMIT; */
	bool		no_transaction; /* the tool ran it outside a transaction */
	bool		down_no_transaction;	/* and its way back too */
	char	   *why_no_transaction;
	char	   *origin;			/* where it came from, for the file's comment */
	char	   *id;				/* the revision id (import.c) */
} SvImport;

typedef struct SvImportSet
{
	const char *tool;			/* as --from says */
	const char *display;		/* "Sqitch", "Diesel", ... */
	const char *unit;			/* "change", "migration", "revision" */
	SvImport   *items;
	int			n;
	int			alloc;
} SvImportSet;

/* import.c */
extern int	import_run(void);
extern SvImport *import_add(SvImportSet *set, const char *name);
extern void import_add_depend(SvImport *imp, const char *name);
extern void import_add_parent(SvImport *imp, const char *name);
extern char *import_read(const char *path, bool missing_ok);
extern bool import_is_dir(const char *path);
extern bool import_is_file(const char *path);
extern char *import_words(const char *name);
extern int	import_compare_versions(const char *a, const char *b);
extern bool import_strip_outer_transaction(char **sql);
extern void import_warn_meta_commands(const char *tool, const char *file,
									  const char *sql);
extern void import_list_dir(const char *path, char ***names, int *n);

/* the converters: false after printing why */
extern bool import_sqitch(const char *src, SvImportSet *set);
extern bool import_diesel(const char *src, SvImportSet *set);
extern bool import_golang_migrate(const char *src, SvImportSet *set);
extern bool import_flyway(const char *src, SvImportSet *set);
extern bool import_alembic_sql(const char *src, SvImportSet *set);

#endif							/* SCHEMAVER_CLIENT_H */
