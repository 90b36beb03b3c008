/*-------------------------------------------------------------------------
 *
 * import_sqitch.c
 *	  "schemaver import --from sqitch": a Sqitch project.
 *
 * Reads sqitch.conf (its [core] and [engine "pg"] top_dir, plan_file,
 * deploy_dir and revert_dir; the defaults otherwise) and the plan:
 *
 *	  %syntax-version=1.0.0
 *	  %project=voice_agent
 *	  users [appschema] 2025-11-01T10:05:00Z Li Wei <li.wei@example.invalid> # Creates users.
 *	  @v1.0 2025-11-06T12:00:00Z Li Wei <li.wei@example.invalid> # Tag v1.0.
 *	  users [users@v1.0] 2025-11-09T08:00:00Z ... # Reworks users.
 *
 * One revision per change, in plan order, each the child of the one before
 * (Sqitch deploys the plan in order); its requirements ([a b], a@tag, @tag)
 * become depends_on, conflicts (!a) and other projects' changes (proj:a)
 * are left out with a warning.  A reworked change is two revisions: the
 * older one from the scripts named change@TAG.sql (TAG the first tag after
 * it whose scripts exist, as Sqitch looks them up), called change_TAG, the
 * newer from change.sql.  deploy/ gives the upgrade SQL, revert/ the
 * downgrade; verify/ scripts have no counterpart and are not imported.
 * Sqitch's templates wrap each script in BEGIN; ... COMMIT;, which is
 * removed; a deploy script without it ran statement by statement under
 * psql, outside a transaction, and is marked so.
 *
 * src/client/import_sqitch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "client.h"

/* One line of the plan that matters: a change or a tag */
typedef struct PlanEntry
{
	bool		is_tag;
	char	   *name;
	char	  **deps;
	int			ndeps;
	char	   *note;
	int			line;
	int			change;			/* for a tag: the index of its change */
	char	   *key;			/* for a change: its name in the import */
	char	   *script;			/* for a change: its scripts' base name */
} PlanEntry;

typedef struct SqitchConfig
{
	char	   *top_dir;
	char	   *plan_file;
	char	   *deploy_dir;
	char	   *revert_dir;
} SqitchConfig;

static void read_config(const char *src, SqitchConfig *conf);
static char *trim(char *s);
static bool parse_plan(const char *path, PlanEntry **entries, int *n);
static char *resolve_dep(PlanEntry *e, int n, int at, const char *dep);

/* Remove leading and trailing white space, in place */
static char *
trim(char *s)
{
	char	   *end;

	while (isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		*--end = '\0';
	return s;
}

/*
 * The directories and plan file that sqitch.conf names, relative to the
 * project's directory; [engine "pg"] overrides [core].
 */
static void
read_config(const char *src, SqitchConfig *conf)
{
	char	   *path = revdir_path(src, "sqitch.conf");
	char	   *text = import_read(path, true);
	char	   *save;
	bool		relevant = false;

	memset(conf, 0, sizeof(*conf));
	if (text == NULL)
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *l = trim(line);
		char	   *eq;
		char	   *key;
		char	   *val;

		if (*l == '#' || *l == ';' || *l == '\0')
			continue;
		if (*l == '[')
		{
			relevant = strncmp(l, "[core]", 6) == 0 ||
				strncmp(l, "[engine \"pg\"]", 13) == 0;
			continue;
		}
		if (!relevant || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		key = trim(l);
		val = trim(eq + 1);
		if (strcmp(key, "top_dir") == 0)
			conf->top_dir = pg_strdup(val);
		else if (strcmp(key, "plan_file") == 0)
			conf->plan_file = pg_strdup(val);
		else if (strcmp(key, "deploy_dir") == 0)
			conf->deploy_dir = pg_strdup(val);
		else if (strcmp(key, "revert_dir") == 0)
			conf->revert_dir = pg_strdup(val);
	}
}

/*
 * Read the plan's changes and tags: "name [deps] timestamp planner <email>
 * # note", tags starting with "@"; pragmas (%...), comments and blank
 * lines are skipped.
 */
static bool
parse_plan(const char *path, PlanEntry **entries, int *n)
{
	char	   *text = import_read(path, false);
	char	   *p;
	int			lineno = 0;
	int			alloc = 16;
	int			last_change = -1;

	if (text == NULL)
		return false;
	*entries = pg_malloc(sizeof(PlanEntry) * alloc);
	*n = 0;
	for (p = text; p && *p;)
	{
		char	   *eol = strchr(p, '\n');
		char	   *line;
		char	   *name;
		char	   *rest;
		char	   *gt;
		char	   *hash;
		PlanEntry  *e;

		if (eol)
			*eol = '\0';
		line = trim(p);
		p = eol ? eol + 1 : NULL;
		lineno++;
		if (*line == '\0' || *line == '#' || *line == '%')
			continue;
		if (*n == alloc)
			*entries = pg_realloc(*entries, sizeof(PlanEntry) * (alloc *= 2));
		e = &(*entries)[*n];
		memset(e, 0, sizeof(*e));
		e->line = lineno;
		e->is_tag = (*line == '@');
		if (*line == '@' || *line == '+')
			line++;
		else if (*line == '-')
		{
			warning_msg("sqitch: %s, line %d: a revert entry; it is not imported", path, lineno);
			continue;
		}
		name = line;
		while (*line && !isspace((unsigned char) *line) && *line != '[')
			line++;
		rest = line;
		e->name = pnstrdup(name, rest - name);
		rest = trim(rest);
		if (!e->is_tag && *rest == '[')
		{
			char	   *close = strchr(rest, ']');
			char	   *save;

			if (close == NULL)
			{
				error_msg("sqitch: %s, line %d: \"[\" without \"]\"", path, lineno);
				return false;
			}
			*close = '\0';
			for (char *d = strtok_r(rest + 1, " \t", &save); d; d = strtok_r(NULL, " \t", &save))
			{
				e->deps = pg_realloc(e->deps, sizeof(char *) * (e->ndeps + 1));
				e->deps[e->ndeps++] = pg_strdup(d);
			}
			rest = close + 1;
		}
		gt = strchr(rest, '>');
		hash = strchr(gt ? gt : rest, '#');
		if (hash)
			e->note = pg_strdup(trim(hash + 1));
		if (e->name[0] == '\0')
		{
			error_msg("sqitch: %s, line %d: no change name", path, lineno);
			return false;
		}
		if (e->is_tag)
		{
			if (last_change < 0)
			{
				warning_msg("sqitch: %s, line %d: tag @%s before any change is ignored", path, lineno, e->name);
				continue;
			}
			e->change = last_change;
		}
		else
			last_change = *n;
		(*n)++;
	}
	return true;
}

/*
 * The import name of what a change's requirement designates: "x" is the
 * latest x planned before the change, "x@tag" the x that tag covers,
 * "@tag" the change the tag is on.  NULL (after a warning) for a conflict,
 * another project's change or an unknown one.
 */
static char *
resolve_dep(PlanEntry *e, int n, int at, const char *dep)
{
	const char *tag = strchr(dep, '@');
	char	   *name = tag ? pnstrdup(dep, tag - dep) : pg_strdup(dep);

	if (dep[0] == '!')
	{
		warning_msg("sqitch: %s conflicts with %s: schemaver has no conflicts, left out",
					e[at].name, dep + 1);
		return NULL;
	}
	if (strchr(dep, ':') != NULL)
	{
		warning_msg("sqitch: %s requires %s of another project: left out",
					e[at].name, dep);
		return NULL;
	}
	if (tag)
	{
		int			tagpos = -1;

		for (int i = 0; i < n; i++)
			if (e[i].is_tag && strcmp(e[i].name, tag + 1) == 0)
				tagpos = i;
		if (tagpos < 0)
		{
			warning_msg("sqitch: %s requires %s, an unknown tag: left out", e[at].name, dep);
			return NULL;
		}
		if (name[0] == '\0')
			return e[e[tagpos].change].key;
		for (int i = tagpos; i >= 0; i--)
			if (!e[i].is_tag && strcmp(e[i].name, name) == 0)
				return e[i].key;
	}
	else
		for (int i = at - 1; i >= 0; i--)
			if (!e[i].is_tag && strcmp(e[i].name, name) == 0)
				return e[i].key;
	warning_msg("sqitch: %s requires %s, which is not planned before it: left out",
				e[at].name, dep);
	return NULL;
}

/*
 * import_sqitch
 *		Convert the Sqitch project in src.
 */
bool
import_sqitch(const char *src, SvImportSet *set)
{
	SqitchConfig conf;
	char	   *top;
	char	   *plan;
	char	   *deploy;
	char	   *revert;
	PlanEntry  *e;
	int			n;
	bool		verify_seen = false;

	read_config(src, &conf);
	top = conf.top_dir && strcmp(conf.top_dir, ".") != 0 ?
		revdir_path(src, conf.top_dir) : pg_strdup(src);
	plan = conf.plan_file ? revdir_path(src, conf.plan_file) : revdir_path(top, "sqitch.plan");
	deploy = conf.deploy_dir ? revdir_path(src, conf.deploy_dir) : revdir_path(top, "deploy");
	revert = conf.revert_dir ? revdir_path(src, conf.revert_dir) : revdir_path(top, "revert");
	if (!import_is_file(plan))
	{
		error_msg("sqitch: no plan file \"%s\"", plan);
		return false;
	}
	if (!parse_plan(plan, &e, &n))
		return false;

	/* the scripts of each change: name@TAG.sql when reworked later */
	for (int i = 0; i < n; i++)
	{
		int			next = -1;

		if (e[i].is_tag)
			continue;
		for (int j = i + 1; j < n && next < 0; j++)
			if (!e[j].is_tag && strcmp(e[j].name, e[i].name) == 0)
				next = j;
		if (next < 0)
		{
			e[i].script = e[i].name;
			e[i].key = e[i].name;
			continue;
		}
		for (int j = i + 1; j < next && e[i].script == NULL; j++)
		{
			char	   *script;
			char	   *path;

			if (!e[j].is_tag)
				continue;
			script = psprintf("%s@%s", e[i].name, e[j].name);
			path = revdir_path(deploy, psprintf("%s.sql", script));
			if (import_is_file(path))
			{
				e[i].script = script;
				e[i].key = script;
			}
		}
		if (e[i].script == NULL)
		{
			error_msg("sqitch: change %s is reworked at line %d, but no deploy script %s/%s@TAG.sql names a tag between the two",
					  e[i].name, e[next].line, deploy, e[i].name);
			return false;
		}
	}

	for (int i = 0; i < n; i++)
	{
		SvImport   *imp;
		char	   *up;
		char	   *down;
		char	   *up_path;
		char	   *down_path;

		if (e[i].is_tag)
			continue;
		up_path = revdir_path(deploy, psprintf("%s.sql", e[i].script));
		down_path = revdir_path(revert, psprintf("%s.sql", e[i].script));
		if ((up = import_read(up_path, false)) == NULL)
			return false;
		down = import_read(down_path, true);
		imp = import_add(set, e[i].key);
		imp->upgrade = up;
		imp->downgrade = down;
		imp->message = e[i].note && e[i].note[0] ?
			psprintf("%s: %s", e[i].key, e[i].note) : pg_strdup(e[i].key);
		imp->origin = psprintf("%s (line %d), %s%s", plan, e[i].line, up_path,
							   down ? psprintf(", %s", down_path) : "");
		import_warn_meta_commands("sqitch", up_path, up);
		if (down)
			import_warn_meta_commands("sqitch", down_path, down);
		imp->strip_transaction = false;
		if (!import_strip_outer_transaction(&imp->upgrade))
		{
			imp->no_transaction = true;
			imp->why_no_transaction = "its deploy script has no BEGIN/COMMIT, so psql ran each statement on its own";
		}
		if (imp->downgrade && !import_strip_outer_transaction(&imp->downgrade))
			imp->down_no_transaction = true;
		for (int k = 0; k < e[i].ndeps; k++)
		{
			char	   *dep = resolve_dep(e, n, i, e[i].deps[k]);

			if (dep)
				import_add_depend(imp, dep);
		}
		if (!verify_seen)
		{
			char	   *vdir = revdir_path(top, "verify");

			if (import_is_dir(vdir))
			{
				verify_seen = true;
				warning_msg("sqitch: the verify scripts of %s have no counterpart in schemaver and are not imported",
							vdir);
			}
		}
	}
	return true;
}
