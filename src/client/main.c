/*-------------------------------------------------------------------------
 *
 * main.c
 *	  The schemaver command: the command line, the list of commands and
 *	  their --help.
 *
 *	  schemaver [OPTION]... COMMAND [ARGUMENT]... [OPTION]...
 *
 * Options may come before or after the command, as with git or alembic;
 * "--" ends them.  An argument that looks like a negative number ("-1",
 * "-2") is a target, not an option, so that "schemaver downgrade -1" reads
 * as Alembic's "alembic downgrade -1".  Bad usage exits with status 2,
 * before anything is connected to.
 *
 * src/client/main.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "client.h"

SvOptions	opts;
const char *progname = "schemaver";

/* The options of the command line */
typedef enum OptId
{
	OPT_DBNAME, OPT_HOST, OPT_PORT, OPT_USER, OPT_NO_PASSWORD, OPT_PASSWORD,
	OPT_FLEET, OPT_JOBS, OPT_FAIL_FAST, OPT_DIR, OPT_QUIET, OPT_JSON,
	OPT_NO_SYNC, OPT_HELP, OPT_VERSION,
	OPT_SQL, OPT_OUTPUT_DIR, OPT_STEPWISE, OPT_VERBOSE, OPT_MESSAGE,
	OPT_AUTOGEN, OPT_DESIRED, OPT_HEAD, OPT_DEPENDS, OPT_LABEL, OPT_REV_ID,
	OPT_FROM, OPT_SCHEMA
} OptId;

typedef struct OptDef
{
	const char *long_name;
	char		short_name;
	bool		has_arg;
	OptId		id;
	unsigned	bit;			/* SV_O_* for a command option; 0: global */
} OptDef;

static const OptDef optdefs[] = {
	{"dbname", 'd', true, OPT_DBNAME, 0},
	{"host", 'h', true, OPT_HOST, 0},
	{"port", 'p', true, OPT_PORT, 0},
	{"username", 'U', true, OPT_USER, 0},
	{"no-password", 'w', false, OPT_NO_PASSWORD, 0},
	{"password", 'W', false, OPT_PASSWORD, 0},
	{"fleet", 0, true, OPT_FLEET, 0},
	{"jobs", 'j', true, OPT_JOBS, 0},
	{"fail-fast", 0, false, OPT_FAIL_FAST, 0},
	{"dir", 0, true, OPT_DIR, 0},
	{"quiet", 'q', false, OPT_QUIET, 0},
	{"json", 0, false, OPT_JSON, 0},
	{"no-sync", 0, false, OPT_NO_SYNC, 0},
	{"help", '?', false, OPT_HELP, 0},
	{"version", 'V', false, OPT_VERSION, 0},
	{"sql", 0, false, OPT_SQL, SV_O_SQL},
	{"output-dir", 'o', true, OPT_OUTPUT_DIR, SV_O_OUTPUT_DIR},
	{"stepwise", 0, false, OPT_STEPWISE, SV_O_STEPWISE},
	{"verbose", 'v', false, OPT_VERBOSE, SV_O_VERBOSE},
	{"message", 'm', true, OPT_MESSAGE, SV_O_MESSAGE},
	{"autogenerate", 0, false, OPT_AUTOGEN, SV_O_AUTOGEN},
	{"desired", 0, true, OPT_DESIRED, SV_O_DESIRED},
	{"head", 0, true, OPT_HEAD, SV_O_HEAD},
	{"depends-on", 0, true, OPT_DEPENDS, SV_O_DEPENDS},
	{"branch-label", 0, true, OPT_LABEL, SV_O_LABEL},
	{"rev-id", 0, true, OPT_REV_ID, SV_O_REV_ID},
	{"from", 0, true, OPT_FROM, SV_O_FROM},
	{"schema", 0, true, OPT_SCHEMA, SV_O_SCHEMA},
};

#define COMMON_DB_HELP \
"\nConnection options (as psql's; PG* environment variables and ~/.pgpass apply):\n" \
"  -d, --dbname=CONNINFO     database name, conninfo string or URI; repeat it\n" \
"                            for several databases\n" \
"  -h, --host=HOST           server host or socket directory\n" \
"  -p, --port=PORT           server port\n" \
"  -U, --username=USER       user name\n" \
"  -w, --no-password         never prompt for a password\n" \
"  -W, --password            prompt for a password before connecting\n"

#define FLEET_HELP \
"  --fleet=FILE              the databases, one conninfo per line (# comments)\n" \
"  -j, --jobs=N              work on N databases at once (default 1)\n" \
"  --fail-fast               start no other database after one failed\n"

#define DIR_HELP \
"  --dir=DIR                 directory of revision files (default migrations)\n" \
"  --no-sync                 do not register the directory's files first\n"

#define OUTPUT_HELP \
"  -q, --quiet               print only errors (and the output asked for)\n" \
"  --json                    print the result as JSON\n" \
"  --help                    show this help, then exit\n"

static const SvCommand commands[] = {
	{
		"upgrade", "[TARGET]", "apply revisions up to TARGET (default head)",
		"Apply every revision up to TARGET (default: head) in one transaction per\n"
		"database, after registering the directory's new and changed files.\n"
		"TARGET is schemaver's target grammar: head, heads, an id or a unique prefix\n"
		"of one, +N, ID+N, LABEL@head, ...\n"
		"\nOptions:\n"
		"  --sql                     print the script of the upgrade instead of running\n"
		"                            it (schemaver upgrade head --sql > migration.sql)\n"
		"  -o, --output-dir=DIR      with --sql: write one script per database into DIR\n"
		"  --stepwise                commit after each revision\n"
		"                            (CALL schemaver_upgrade_stepwise)\n",
		0, 1, SV_O_SQL | SV_O_OUTPUT_DIR | SV_O_STEPWISE, true, true,
		SV_SYNC_REGISTER, move_prepare, move_step, move_sync_extra, move_finish, NULL
	},
	{
		"downgrade", "TARGET", "undo revisions down to TARGET (-1, base, an id)",
		"Undo applied revisions down to TARGET in one transaction per database:\n"
		"-1 (one step), -N, base, an id (which stays applied), LABEL@-1, ...\n"
		"\nOptions:\n"
		"  --sql                     print the script of the downgrade instead of running\n"
		"                            it (schemaver downgrade -1 --sql > rollback.sql)\n"
		"  -o, --output-dir=DIR      with --sql: write one script per database into DIR\n"
		"  --stepwise                commit after each revision\n"
		"                            (CALL schemaver_downgrade_stepwise)\n",
		1, 1, SV_O_SQL | SV_O_OUTPUT_DIR | SV_O_STEPWISE, true, true,
		SV_SYNC_REGISTER, move_prepare, move_step, move_sync_extra, move_finish, NULL
	},
	{
		"stamp", "TARGET", "set the version to TARGET without running SQL",
		"Mark the database as being at TARGET (head, base, an id, ...) without\n"
		"running any revision SQL: to adopt a database whose schema already is at\n"
		"that revision, or to forget the applied state (stamp base).\n",
		1, 1, 0, true, true,
		SV_SYNC_REGISTER, move_prepare, move_step, move_sync_extra, move_finish, NULL
	},
	{
		"current", "", "show the current revision(s)",
		"Show the revisions the database is at (no rows: base).\n"
		"\nOptions:\n"
		"  -v, --verbose             also when and by whom they were applied\n",
		0, 0, SV_O_VERBOSE, true, true,
		SV_SYNC_REGISTER, NULL, current_step, NULL, current_finish, NULL
	},
	{
		"heads", "", "show the heads of the revision graph",
		"Show the heads of the registered revision graph (after registering the\n"
		"directory's files), and whether the database is at each.\n",
		0, 0, 0, true, false,
		SV_SYNC_REGISTER, NULL, heads_step, NULL, single_finish, NULL
	},
	{
		"history", "", "list the revisions, newest first",
		"List the registered revisions, newest first, with their parents, state\n"
		"(current, applied, pending) and message.\n"
		"\nOptions:\n"
		"  -v, --verbose             also branch labels, dependencies, when and by whom\n",
		0, 0, SV_O_VERBOSE, true, false,
		SV_SYNC_REGISTER, NULL, history_step, NULL, single_finish, NULL
	},
	{
		"show", "REV", "show one revision (an id, a prefix, head or current)",
		"Show one revision: its parents, labels, dependencies, state, checksum and\n"
		"its upgrade and downgrade SQL.  REV is an id, a unique prefix of one, head\n"
		"or current.\n",
		1, 1, 0, true, false,
		SV_SYNC_REGISTER, NULL, show_step, NULL, single_finish, NULL
	},
	{
		"branches", "", "show the branch points of the graph",
		"Show the revisions that more than one revision builds on, with their\n"
		"children, and the branch labels.\n",
		0, 0, 0, true, false,
		SV_SYNC_REGISTER, NULL, branches_step, NULL, single_finish, NULL
	},
	{
		"check", "", "compare the directory (and a desired schema) with the database",
		"Compare the directory with the catalog, changing nothing: files not\n"
		"registered, files that differ from their registered revision (an error if\n"
		"it is applied), registered revisions with no file; with --desired, the\n"
		"difference between the live schema and the desired one (schemaver_diff).\n"
		"Exits with status 1 when anything differs.\n"
		"\nOptions:\n"
		"  --desired=FILE            SQL that creates the schema as it should be\n"
		"  --schema=NAME             schema to compare (repeatable; default public)\n",
		0, 0, SV_O_DESIRED | SV_O_SCHEMA, true, true,
		SV_SYNC_COMPARE, check_prepare, check_step, NULL, check_finish, NULL
	},
	{
		"verify", "", "check the catalog and the graph (schemaver_verify)",
		"Check that the catalog and the revision graph are sound.  Exits with\n"
		"status 1 when schemaver_verify() reports a problem.\n",
		0, 0, 0, true, true,
		SV_SYNC_NONE, NULL, verify_step, NULL, verify_finish, NULL
	},
	{
		"revision", "", "write a new revision file",
		"Write a new revision file into the directory and print its path.  Its\n"
		"parent is the head of the graph (after registering the directory), its id\n"
		"the next number and a slug of the message (003_add_user_preferences).\n"
		"The file is registered by the next command that synchronises.\n"
		"\nOptions:\n"
		"  -m, --message=MSG         what the revision does (required)\n"
		"  --autogenerate            fill in the SQL from --desired (schemaver_revision)\n"
		"  --desired=FILE            SQL that creates the schema as it should be\n"
		"  --schema=NAME             schema to compare (repeatable; default public)\n"
		"  --head=REV                the parent (an id, or base for a new root)\n"
		"  --depends-on=REV          a dependency (repeatable)\n"
		"  --branch-label=LABEL      a branch label (repeatable)\n"
		"  --rev-id=ID               the id to use\n",
		0, 0, SV_O_MESSAGE | SV_O_AUTOGEN | SV_O_DESIRED | SV_O_SCHEMA |
		SV_O_HEAD | SV_O_DEPENDS | SV_O_LABEL | SV_O_REV_ID, true, false,
		SV_SYNC_REGISTER, revision_prepare, revision_step, NULL, single_finish, NULL
	},
	{
		"merge", "[REV]...", "write a revision that merges heads",
		"Write a revision file whose parents are the given revisions (default: every\n"
		"head), to join branches into one head.\n"
		"\nOptions:\n"
		"  -m, --message=MSG         what the merge does (required)\n"
		"  --rev-id=ID               the id to use\n",
		0, -1, SV_O_MESSAGE | SV_O_REV_ID, true, false,
		SV_SYNC_REGISTER, revision_prepare, merge_step, NULL, single_finish, NULL
	},
	{
		"init", "", "create the extension and the directory",
		"Create the extension in the database if it is missing (CREATE EXTENSION\n"
		"schemaver) and the directory of revision files with a README.\n",
		0, 0, 0, true, true,
		SV_SYNC_NONE, init_prepare, init_step, NULL, init_finish, NULL
	},
	{
		"import", "DIR", "convert another tool's migrations into revision files",
		"Convert the migrations of another tool found in DIR into revision files of\n"
		"the directory (--dir), one per migration, chained in the tool's order;\n"
		"then \"schemaver stamp\" lets a database the tool migrated adopt them.\n"
		"\nOptions:\n"
		"  --from=TOOL               sqitch, diesel, golang-migrate, flyway or\n"
		"                            alembic-sql (the output of alembic upgrade --sql;\n"
		"                            DIR may be that file)\n",
		1, 1, SV_O_FROM, false, false,
		SV_SYNC_NONE, NULL, NULL, NULL, NULL, import_run
	},
};

#define NCOMMANDS lengthof(commands)

static void usage(FILE *out);
static void command_help(const SvCommand *cmd);
static int	usage_error(const char *fmt,...) pg_attribute_printf(1, 2);
static const OptDef *find_long(const char *name);
static const OptDef *find_short(char c);
static bool is_number_argument(const char *arg);
static void add_string(char ***list, int *n, const char *value);
static bool read_fleet_file(const char *path);
static int	apply_option(const OptDef *def, const char *value, unsigned *seen);

/* The list of commands and the options every command takes */
static void
usage(FILE *out)
{
	fprintf(out,
			"%s moves PostgreSQL databases along the revisions of the schemaver extension,\n"
			"from a directory of revision files (Alembic's commands, backed by the server).\n\n"
			"Usage:\n  %s [OPTION]... COMMAND [ARGUMENT]...\n\nCommands:\n",
			progname, progname);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %-10s %s\n", commands[i].name,
				commands[i].synopsis, commands[i].summary);
	fprintf(out, "%s", COMMON_DB_HELP FLEET_HELP "\nOther options:\n" DIR_HELP OUTPUT_HELP);
	fprintf(out,
			"\n\"%s COMMAND --help\" describes a command.  Exit status: 0 success, 1 failure\n"
			"(or differences found by check), 2 bad usage.\n", progname);
}

/* The --help of one command */
static void
command_help(const SvCommand *cmd)
{
	printf("%s %s: %s\n\nUsage:\n  %s %s [OPTION]... %s\n\n%s",
		   progname, cmd->name, cmd->summary, progname, cmd->name,
		   cmd->synopsis, cmd->help);
	if (cmd->database)
	{
		printf("%s", COMMON_DB_HELP);
		if (cmd->fleet)
			printf("%s", FLEET_HELP);
		printf("\nOther options:\n");
		if (cmd->sync != SV_SYNC_NONE || cmd->prepare == revision_prepare)
			printf("%s", DIR_HELP);
		else if (cmd->prepare == init_prepare)
			printf("  --dir=DIR                 directory to create (default migrations)\n");
	}
	else
		printf("\nOther options:\n"
			   "  --dir=DIR                 directory to write into (default migrations)\n");
	printf("%s", OUTPUT_HELP);
}

/* Report bad usage; returns the usage exit status */
static int
usage_error(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"%s --help\" for more information.\n", progname);
	return EXIT_USAGE;
}

static const OptDef *
find_long(const char *name)
{
	for (size_t i = 0; i < lengthof(optdefs); i++)
		if (strcmp(optdefs[i].long_name, name) == 0)
			return &optdefs[i];
	return NULL;
}

static const OptDef *
find_short(char c)
{
	for (size_t i = 0; i < lengthof(optdefs); i++)
		if (optdefs[i].short_name == c)
			return &optdefs[i];
	return NULL;
}

/* "-1", "-12": a relative target, not an option */
static bool
is_number_argument(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	for (const char *p = arg + 1; *p; p++)
		if (!isdigit((unsigned char) *p))
			return false;
	return true;
}

/* Append a copy of value to a growing list */
static void
add_string(char ***list, int *n, const char *value)
{
	*list = pg_realloc(*list, sizeof(char *) * (*n + 1));
	(*list)[(*n)++] = pg_strdup(value);
}

/*
 * Add the databases of a fleet file: one conninfo (or URI, or database
 * name) per line; blank lines and lines starting with # are skipped, and
 * so is the rest of a line after " #" (a conninfo has no such sequence
 * unless quoted, which a fleet file does not support).
 */
static bool
read_fleet_file(const char *path)
{
	size_t		len;
	char	   *text = read_file(path, &len, true);
	char	   *line;
	char	   *save;
	int			before = opts.ndbnames;

	if (text == NULL)
		return false;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *end;
		char	   *hash;

		while (isspace((unsigned char) *line))
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		hash = strstr(line, " #");
		if (hash)
			*hash = '\0';
		end = line + strlen(line);
		while (end > line && isspace((unsigned char) end[-1]))
			*--end = '\0';
		if (*line)
			add_string(&opts.dbnames, &opts.ndbnames, line);
	}
	free(text);
	if (opts.ndbnames == before)
	{
		error_msg("fleet file \"%s\" names no database", path);
		return false;
	}
	return true;
}

/* Store one option; returns EXIT_OK, or the exit status to end with */
static int
apply_option(const OptDef *def, const char *value, unsigned *seen)
{
	*seen |= def->bit;
	switch (def->id)
	{
		case OPT_DBNAME:
			add_string(&opts.dbnames, &opts.ndbnames, value);
			break;
		case OPT_HOST:
			opts.host = pg_strdup(value);
			break;
		case OPT_PORT:
			opts.port = pg_strdup(value);
			break;
		case OPT_USER:
			opts.user = pg_strdup(value);
			break;
		case OPT_NO_PASSWORD:
			opts.no_password = true;
			break;
		case OPT_PASSWORD:
			opts.force_password = true;
			break;
		case OPT_FLEET:
			if (!read_fleet_file(value))
				return EXIT_USAGE;
			break;
		case OPT_JOBS:
			{
				char	   *end;
				long		n = strtol(value, &end, 10);

				if (*value == '\0' || *end != '\0' || n < 1 || n > 1000)
					return usage_error("-j/--jobs must be a number from 1 to 1000, not \"%s\"",
									   value);
				opts.jobs = (int) n;
			}
			break;
		case OPT_FAIL_FAST:
			opts.fail_fast = true;
			break;
		case OPT_DIR:
			opts.dir = pg_strdup(value);
			break;
		case OPT_QUIET:
			opts.quiet = true;
			break;
		case OPT_JSON:
			opts.json = true;
			break;
		case OPT_NO_SYNC:
			opts.no_sync = true;
			break;
		case OPT_SQL:
			opts.sql = true;
			break;
		case OPT_OUTPUT_DIR:
			opts.output_dir = pg_strdup(value);
			break;
		case OPT_STEPWISE:
			opts.stepwise = true;
			break;
		case OPT_VERBOSE:
			opts.verbose = true;
			break;
		case OPT_MESSAGE:
			opts.message = pg_strdup(value);
			break;
		case OPT_AUTOGEN:
			opts.autogenerate = true;
			break;
		case OPT_DESIRED:
			opts.desired = pg_strdup(value);
			break;
		case OPT_HEAD:
			opts.head = pg_strdup(value);
			break;
		case OPT_DEPENDS:
			add_string(&opts.depends_on, &opts.ndepends_on, value);
			break;
		case OPT_LABEL:
			add_string(&opts.branch_labels, &opts.nbranch_labels, value);
			break;
		case OPT_SCHEMA:
			add_string(&opts.schemas, &opts.nschemas, value);
			break;
		case OPT_REV_ID:
			opts.rev_id = pg_strdup(value);
			break;
		case OPT_FROM:
			opts.from = pg_strdup(value);
			break;
		case OPT_HELP:
		case OPT_VERSION:
			break;
	}
	return EXIT_OK;
}

/*
 * Parse the command line, check it, and run the command.
 */
int
main(int argc, char **argv)
{
	char	  **positional = pg_malloc(sizeof(char *) * (argc + 1));
	int			npositional = 0;
	unsigned	seen = 0;
	bool		help = false;
	bool		version = false;
	bool		options_done = false;
	const SvCommand *cmd = NULL;
	const char *fleet_only = NULL;

	progname = "schemaver";
	opts.jobs = 1;

	for (int i = 1; i < argc; i++)
	{
		char	   *arg = argv[i];
		const OptDef *def;
		const char *value = NULL;
		int			rc;

		if (options_done || arg[0] != '-' || arg[1] == '\0' ||
			is_number_argument(arg))
		{
			positional[npositional++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0)
		{
			options_done = true;
			continue;
		}
		if (arg[1] == '-')
		{
			char	   *name = pg_strdup(arg + 2);
			char	   *eq = strchr(name, '=');

			if (eq)
				*eq = '\0';
			def = find_long(name);
			if (def == NULL)
				return usage_error("unknown option \"--%s\"", name);
			if (def->has_arg)
			{
				if (eq)
					value = arg + 2 + (eq - name) + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return usage_error("option \"--%s\" needs a value", name);
			}
			else if (eq)
				return usage_error("option \"--%s\" takes no value", name);
		}
		else
		{
			def = find_short(arg[1]);
			if (def == NULL)
				return usage_error("unknown option \"-%c\"", arg[1]);
			if (def->has_arg)
			{
				if (arg[2])
					value = arg + 2;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return usage_error("option \"-%c\" needs a value", arg[1]);
			}
			else if (arg[2])
				return usage_error("option \"-%c\" takes no value (\"%s\")",
								   arg[1], arg);
		}
		if (def->id == OPT_HELP)
			help = true;
		else if (def->id == OPT_VERSION)
			version = true;
		else if (def->id == OPT_FLEET || def->id == OPT_JOBS ||
				 def->id == OPT_FAIL_FAST)
			fleet_only = def->long_name;
		if ((rc = apply_option(def, value, &seen)) != EXIT_OK)
			return rc;
	}

	if (version)
	{
		printf("schemaver (client of the schemaver extension) 1.1\n");
		return EXIT_OK;
	}
	if (npositional == 0)
	{
		if (help)
		{
			usage(stdout);
			return EXIT_OK;
		}
		return usage_error("no command given");
	}
	if (strcmp(positional[0], "help") == 0)
	{
		if (npositional == 1)
		{
			usage(stdout);
			return EXIT_OK;
		}
		positional++;
		npositional--;
		help = true;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, positional[0]) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
		return usage_error("unknown command \"%s\"", positional[0]);
	if (help)
	{
		command_help(cmd);
		return EXIT_OK;
	}

	/* the command's arguments and options */
	opts.command = cmd;
	opts.args = positional + 1;
	opts.nargs = npositional - 1;
	if (opts.nargs < cmd->min_args)
		return usage_error("%s needs %s", cmd->name, cmd->synopsis);
	if (cmd->max_args >= 0 && opts.nargs > cmd->max_args)
		return usage_error("too many arguments for %s: \"%s\"", cmd->name,
						   opts.args[cmd->max_args]);
	if (seen & ~cmd->options)
	{
		for (size_t i = 0; i < lengthof(optdefs); i++)
			if (seen & ~cmd->options & optdefs[i].bit)
				return usage_error("option --%s is not valid for %s",
								   optdefs[i].long_name, cmd->name);
	}
	if (!cmd->database && (opts.ndbnames || opts.host || opts.port || opts.user))
		return usage_error("%s works on files only: it takes no database options",
						   cmd->name);
	if (fleet_only && !cmd->fleet)
		return usage_error("option --%s is not valid for %s, which works on one database",
						   fleet_only, cmd->name);
	if (cmd->database && !cmd->fleet && opts.ndbnames > 1)
		return usage_error("%s works on one database; %d were given",
						   cmd->name, opts.ndbnames);
	if (opts.output_dir && !opts.sql)
		return usage_error("--output-dir goes with --sql");
	if (opts.sql && opts.stepwise)
		return usage_error("--sql and --stepwise cannot be used together");
	if (opts.sql && opts.ndbnames > 1 && opts.output_dir == NULL)
		return usage_error("--sql with several databases writes one script per database: give --output-dir");
	if (opts.dir == NULL)
		opts.dir = SV_DEFAULT_DIR;

	if (cmd->run)
		return cmd->run();
	if (cmd->prepare)
	{
		int			rc = cmd->prepare();

		if (rc != EXIT_OK)
			return rc;
	}
	return fleet_run(cmd);
}
