/*-------------------------------------------------------------------------
 *
 * target.c
 *	  Parsing targets ('head', 'base', 'ae1027a6+2', 'net@-1', ...) and
 *	  resolving them against the revision graph.
 *
 * The target language is Alembic's:
 *
 *		target	:= [ label '@' ] point
 *		point	:= anchor [ ('+' | '-') digits ]  |  ('+' | '-') digits
 *		anchor	:= 'head' | 'heads' | 'base' | id | unique prefix of an id
 *
 * A point without an anchor is relative to the current revision.  A label
 * restricts everything to the branch that carries it which, as in Alembic,
 * is the labelled revision, its descendants, and its ancestors down to (not
 * including) the preceding branch point: the label's "lineage".  Parsing
 * knows nothing
 * of the graph; resolving turns the parsed target into an SvDestination: a
 * set of revisions, or base (optionally the base of one branch only).
 * Whether that destination is above or below the current state is plan.c's
 * business.
 *
 * src/target.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"
#include "schemaver.h"

typedef enum AnchorKind
{
	ANCHOR_NONE,				/* relative to the current revision */
	ANCHOR_HEAD,
	ANCHOR_HEADS,
	ANCHOR_BASE,
	ANCHOR_REVISION				/* id or prefix */
} AnchorKind;

typedef struct ParsedTarget
{
	const char *text;			/* the whole target, for messages */
	char	   *label;			/* NULL when no "label@" */
	AnchorKind	anchor;
	char	   *anchor_text;	/* for ANCHOR_REVISION */
	bool		has_step;
	int			step;			/* signed */
} ParsedTarget;

/* A resolved point: a revision, or base (rev = -1) */
typedef struct Point
{
	int			rev;
	int			branch_root;	/* for base reached by walking down: the last
								 * revision passed, else -1 */
} Point;

static void parse_target(const char *text, ParsedTarget *t);
static bool *label_lineage(SvGraph *graph, ParsedTarget *t, int *owner,
						   int *bottom);
static int	find_revision(SvGraph *graph, ParsedTarget *t, const bool *lineage);
static int	single_head(SvGraph *graph, ParsedTarget *t, const bool *lineage);
static Point walk(SvGraph *graph, ParsedTarget *t, Point from, int steps,
				  const bool *lineage);
static Point relative_start(SvGraph *graph, ParsedTarget *t,
							const bool *lineage, int owner, int bottom);
static SvDestination *make_destination(Point p, bool *scope);
static int	filter_lineage(const int *in, int n, const bool *lineage, int *out);

/*
 * Parse a target into its parts, or raise an error that says what is wrong
 * with it.  Nothing here looks at the graph.
 */
static void
parse_target(const char *text, ParsedTarget *t)
{
	const char *at;
	const char *point;
	const char *sign;
	size_t		anchor_len;

	memset(t, 0, sizeof(ParsedTarget));
	t->text = sv_shorten(text);

	if (text[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must not be empty"),
				 errhint("Use 'head', 'heads', 'base', a revision id, or a relative target such as '-1'.")));

	at = strchr(text, '@');
	if (at != NULL)
	{
		if (strchr(at + 1, '@') != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid target \"%s\"", t->text),
					 errdetail("A target contains at most one \"@\", after a branch label.")));
		t->label = pnstrdup(text, at - text);
		if (!sv_valid_identifier(t->label))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid branch label \"%s\" in target \"%s\"",
							sv_shorten(t->label), t->text),
					 errdetail("A branch label has 1 to %d characters from A-Z, a-z, 0-9 and \"_\", and is not \"head\", \"heads\" or \"base\".",
							   SV_MAX_ID_LEN)));
		point = at + 1;
	}
	else
		point = text;

	sign = strpbrk(point, "+-");
	anchor_len = sign ? (size_t) (sign - point) : strlen(point);

	if (sign != NULL)
	{
		const char *digits = sign + 1;
		long		value = 0;

		if (*digits == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid target \"%s\"", t->text),
					 errdetail("A relative step needs a number after \"%c\".",
							   *sign)));
		for (const char *c = digits; *c; c++)
		{
			if (*c < '0' || *c > '9')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid target \"%s\"", t->text),
						 errdetail("A relative step is \"+\" or \"-\" followed by digits only.")));
			value = value * 10 + (*c - '0');
			if (value > INT_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("relative step in target \"%s\" is out of range",
								t->text),
						 errdetail("A step is at most %d.", INT_MAX)));
		}
		t->has_step = true;
		t->step = (*sign == '-') ? -(int) value : (int) value;
	}

	if (anchor_len == 0)
	{
		if (!t->has_step)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid target \"%s\"", t->text),
					 errdetail("Nothing follows the \"@\" of the branch label."),
					 errhint("Write \"%s@head\", \"%s@base\", \"%s@-1\" or \"%s@<revision>\".",
							 t->label, t->label, t->label, t->label)));
		t->anchor = ANCHOR_NONE;
		return;
	}

	t->anchor_text = pnstrdup(point, anchor_len);
	if (pg_strcasecmp(t->anchor_text, "head") == 0)
		t->anchor = ANCHOR_HEAD;
	else if (pg_strcasecmp(t->anchor_text, "heads") == 0)
		t->anchor = ANCHOR_HEADS;
	else if (pg_strcasecmp(t->anchor_text, "base") == 0)
		t->anchor = ANCHOR_BASE;
	else
	{
		t->anchor = ANCHOR_REVISION;
		if (anchor_len > SV_MAX_ID_LEN ||
			strspn(t->anchor_text,
				   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
			!= anchor_len)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid target \"%s\"", t->text),
					 errdetail("A revision id has 1 to %d characters from A-Z, a-z, 0-9 and \"_\".",
							   SV_MAX_ID_LEN),
					 errhint("Use 'head', 'heads', 'base', a revision id or prefix, '+N', '-N', '<id>+N', '<id>-N', or '<label>@...'.")));
	}
	if (t->anchor == ANCHOR_HEADS && t->has_step)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid target \"%s\"", t->text),
				 errdetail("A relative step cannot start from \"heads\", which may be several revisions."),
				 errhint("Start from one revision instead, for example \"head-1\" or \"<label>@head-1\".")));
}

/*
 * When the target names a branch label, the lineage of the revision that
 * carries it: itself, its descendants (through parents), and its ancestors
 * as long as each is the parent of one revision only.  A bool array indexed
 * like graph->revs; NULL when there is no label.  *bottom is set to the
 * lowest revision of the lineage (-1 if it has several).
 */
static bool *
label_lineage(SvGraph *graph, ParsedTarget *t, int *owner, int *bottom)
{
	bool	   *lineage;
	int		   *stack;
	int			top = 0;

	*owner = -1;
	*bottom = -1;
	if (t->label == NULL)
		return NULL;
	if (graph_label_owner_id(graph, t->label, owner) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("branch label \"%s\" does not exist", t->label),
				 errhint("SELECT revision, branch_labels FROM schemaver_history() WHERE branch_labels <> '{}'; lists the labels.")));
	lineage = graph_closure(graph, owner, 1, false, false, true);

	/* down from the labelled revision until a branch point */
	stack = palloc(sizeof(int) * Max(graph->nrevs, 1));
	stack[top++] = *owner;
	while (top > 0)
	{
		SvRevision *r = &graph->revs[stack[--top]];

		for (int i = 0; i < r->nparents; i++)
		{
			int			p = r->parents[i];

			if (p >= 0 && !lineage[p] && graph->revs[p].nchildren == 1)
			{
				lineage[p] = true;
				stack[top++] = p;
			}
		}
	}
	pfree(stack);

	for (int i = 0; i < graph->nrevs; i++)
	{
		SvRevision *r = &graph->revs[i];
		bool		lowest = lineage[i];

		for (int j = 0; j < r->nparents && lowest; j++)
			if (r->parents[j] >= 0 && lineage[r->parents[j]])
				lowest = false;
		if (lowest)
		{
			if (*bottom >= 0)
			{
				*bottom = -1;
				break;
			}
			*bottom = i;
		}
	}
	return lineage;
}

/* Keep the revisions of in[] that are on the lineage (all when NULL) */
static int
filter_lineage(const int *in, int n, const bool *lineage, int *out)
{
	int			m = 0;

	for (int i = 0; i < n; i++)
		if (lineage == NULL || lineage[in[i]])
			out[m++] = in[i];
	return m;
}

/*
 * Find the revision an id or a unique prefix of one names (restricted to the
 * label's lineage when there is a label).  An exact id always wins over a
 * longer id it is a prefix of.
 */
static int
find_revision(SvGraph *graph, ParsedTarget *t, const bool *lineage)
{
	const char *prefix = t->anchor_text;
	size_t		len = strlen(prefix);
	int			exact = graph_find(graph, prefix);
	int			lo = 0,
				hi = graph->nrevs;
	int			ncand = 0;
	int		   *cand;

	if (exact >= 0)
	{
		if (lineage && !lineage[exact])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision \"%s\" is not on the branch labelled \"%s\"",
							prefix, t->label)));
		return exact;
	}

	/* binary search for the first id >= prefix, then scan the matches */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (strcmp(graph->revs[mid].id, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	cand = palloc(sizeof(int) * Max(graph->nrevs, 1));
	for (int i = lo; i < graph->nrevs &&
		 strncmp(graph->revs[i].id, prefix, len) == 0; i++)
		if (lineage == NULL || lineage[i])
			cand[ncand++] = i;

	if (ncand == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 t->label ?
				 errmsg("no revision \"%s\" on the branch labelled \"%s\"",
						prefix, t->label) :
				 errmsg("revision \"%s\" does not exist", prefix),
				 errhint("SELECT revision FROM schemaver_history(); lists the registered revisions.")));
	if (ncand > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("revision prefix \"%s\" is ambiguous", prefix),
				 errdetail("It matches revisions %s.",
						   graph_describe_revs(graph, cand, ncand)),
				 errhint("Give more characters of the revision id.")));
	return cand[0];
}

/*
 * The one head of the graph (or of the label's branch).  Several is an error
 * naming them, as in Alembic; none (an empty graph) is -1, i.e. base.
 */
static int
single_head(SvGraph *graph, ParsedTarget *t, const bool *lineage)
{
	int		   *heads;
	int			n = graph_heads(graph, &heads);

	n = filter_lineage(heads, n, lineage, heads);
	if (n > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 t->label ?
				 errmsg("the branch labelled \"%s\" has %d heads", t->label, n) :
				 errmsg("the revision graph has %d heads", n),
				 errdetail("The heads are %s.", graph_describe_revs(graph, heads, n)),
				 errhint("Name one head, use \"<label>@head\" for one branch, 'heads' for all of them, or register a merge revision.")));
	return n == 1 ? heads[0] : -1;
}

/*
 * Where a relative step without an anchor starts: the current revision (on
 * the label's branch).  When nothing of the branch is applied, the branch
 * is at its base: "label@+0" is "label@base", a step up starts where the
 * branch leaves the rest of the graph if that is applied (else at base, if
 * the branch starts there), and a step down is an error, since no revision
 * of the branch can be undone.  That step must never start from the branch
 * point, which other branches share: walking down from there would undo
 * them.
 */
static Point
relative_start(SvGraph *graph, ParsedTarget *t, const bool *lineage,
			   int owner, int bottom)
{
	int		   *cur = palloc(sizeof(int) * Max(graph->ncurrent, 1));
	int			n = filter_lineage(graph->current, graph->ncurrent, lineage, cur);
	Point		p = {-1, -1};

	if (n > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("relative target \"%s\" is ambiguous", t->text),
				 errdetail("The database has %d current heads: %s.", n,
						   graph_describe_revs(graph, cur, n)),
				 errhint("Start from one of them, as in \"%s%+d\", or use a branch label.",
						 graph->revs[cur[0]].id, t->step)));
	if (n == 1)
		p.rev = cur[0];
	else if (lineage && t->step < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relative target \"%s\" has no starting point", t->text),
				 errdetail("Nothing of the branch labelled \"%s\" is applied, so none of its revisions can be undone.",
						   t->label),
				 errhint("Other branches are not affected by \"%s@...\"; name their label or a revision to move them.",
						 t->label)));
	else if (lineage && t->step == 0)
		p.branch_root = bottom >= 0 ? bottom : owner;
	else if (lineage && bottom >= 0 && graph->revs[bottom].nparents == 1 &&
			 graph->revs[bottom].parents[0] >= 0 &&
			 graph->revs[graph->revs[bottom].parents[0]].applied)
		p.rev = graph->revs[bottom].parents[0];
	else if (lineage && bottom >= 0 && graph->revs[bottom].nparents > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relative target \"%s\" has no starting point", t->text),
				 errdetail("Nothing of the branch labelled \"%s\" is applied, and the branch does not start at base.",
						   t->label),
				 errhint("Apply the revision the branch starts from first, or name a revision.")));
	return p;
}

/*
 * Walk |steps| revisions up (steps > 0, through children) or down (through
 * parents) from a point, staying on the label's lineage.  A branch point or a
 * merge on the way is an error: the step would have several answers.
 */
static Point
walk(SvGraph *graph, ParsedTarget *t, Point from, int steps,
	 const bool *lineage)
{
	int		   *cand = palloc(sizeof(int) * Max(graph->nrevs, 1));
	int			todo = steps < 0 ? -steps : steps;
	Point		p = from;

	for (int done = 0; done < todo; done++)
	{
		int			n;

		if (steps > 0)
		{
			if (p.rev < 0 && p.branch_root >= 0)
			{
				/* up from the base of one branch: its first revision */
				n = 1;
				cand[0] = p.branch_root;
			}
			else if (p.rev < 0)
			{
				/* up from base: the roots */
				n = 0;
				for (int i = 0; i < graph->nrevs; i++)
					if (graph->revs[i].nparents == 0 &&
						(lineage == NULL || lineage[i]))
						cand[n++] = i;
			}
			else
				n = filter_lineage(graph->revs[p.rev].children,
								   graph->revs[p.rev].nchildren, lineage, cand);
			if (n == 0)
			{
				if (p.rev < 0 && lineage)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("relative target \"%s\" has no starting point", t->text),
							 errdetail("Nothing of the branch labelled \"%s\" is applied, and the branch does not start at base.",
									   t->label),
							 errhint("Apply the revision the branch starts from first, or name a revision.")));
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("relative target \"%s\" goes beyond the head", t->text),
						 p.rev >= 0 ?
						 errdetail("Revision \"%s\" is a head after %d of %d steps.",
								   graph->revs[p.rev].id, done, todo) :
						 errdetail("No revision is registered.")));
			}
			if (n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("relative target \"%s\" is ambiguous", t->text),
						 p.rev >= 0 ?
						 errdetail("Revision \"%s\" has several children: %s.",
								   graph->revs[p.rev].id,
								   graph_describe_revs(graph, cand, n)) :
						 errdetail("The graph has several bases: %s.",
								   graph_describe_revs(graph, cand, n)),
						 errhint("Name the revision to go to, or use a branch label such as \"<label>@+%d\".",
								 todo)));
			p.rev = cand[0];
		}
		else
		{
			if (p.rev < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("relative target \"%s\" goes below base", t->text),
						 done == 0 ?
						 errdetail("The starting point is base already.") :
						 errdetail("Base is reached after %d of %d steps.",
								   done, todo)));
			/*
			 * Off the label's branch, on the point it grows from: that is the
			 * branch's base, which other branches share.  Going further down
			 * would leave the branch.
			 */
			if (lineage && !lineage[p.rev])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("relative target \"%s\" goes below base", t->text),
						 errdetail("The base of the branch labelled \"%s\" (revision \"%s\", which it grows from) is reached after %d of %d steps.",
								   t->label, graph->revs[p.rev].id, done, todo)));
			n = filter_lineage(graph->revs[p.rev].parents,
							   graph->revs[p.rev].nparents, lineage, cand);
			/* below the bottom of a branch is the point it leaves from */
			if (n == 0 && lineage && graph->revs[p.rev].nparents == 1)
				n = filter_lineage(graph->revs[p.rev].parents, 1, NULL, cand);
			if (n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("relative target \"%s\" is ambiguous", t->text),
						 errdetail("Revision \"%s\" is a merge of %s.",
								   graph->revs[p.rev].id,
								   graph_describe_revs(graph, cand, n)),
						 errhint("Name the revision to go to, or use a branch label such as \"<label>@-%d\".",
								 todo)));
			if (n == 0)
			{
				p.branch_root = p.rev;
				p.rev = -1;
			}
			else
				p.rev = cand[0];
		}
	}
	pfree(cand);
	return p;
}

/* A destination holding one point */
static SvDestination *
make_destination(Point p, bool *scope)
{
	SvDestination *d = palloc0(sizeof(SvDestination));

	d->base_of = -1;
	d->scope = scope;
	if (p.rev < 0)
	{
		d->is_base = true;
		d->base_of = p.branch_root;
	}
	else
	{
		d->nrevs = 1;
		d->revs = palloc(sizeof(int));
		d->revs[0] = p.rev;
	}
	return d;
}

/*
 * target_resolve
 *		Parse a target and resolve it against the graph.
 */
SvDestination *
target_resolve(SvGraph *graph, const char *text)
{
	ParsedTarget t;
	bool	   *lineage;
	int			owner;
	int			bottom;
	Point		p = {-1, -1};

	parse_target(text, &t);
	lineage = label_lineage(graph, &t, &owner, &bottom);

	switch (t.anchor)
	{
		case ANCHOR_HEADS:
			{
				SvDestination *d = palloc0(sizeof(SvDestination));

				d->base_of = -1;
				d->scope = lineage;
				d->nrevs = graph_heads(graph, &d->revs);
				d->nrevs = filter_lineage(d->revs, d->nrevs, lineage, d->revs);
				d->is_base = (d->nrevs == 0);
				return d;
			}
		case ANCHOR_BASE:
			/* "label@base": the branch's part of the graph */
			p.branch_root = bottom >= 0 ? bottom : owner;
			if (lineage && bottom < 0 && t.has_step && t.step > 0)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("relative target \"%s\" is ambiguous", t.text),
						 errdetail("The branch labelled \"%s\" starts with several revisions.",
								   t.label),
						 errhint("Name the revision to go to.")));
			break;
		case ANCHOR_HEAD:
			p.rev = single_head(graph, &t, lineage);
			break;
		case ANCHOR_REVISION:
			p.rev = find_revision(graph, &t, lineage);
			break;
		case ANCHOR_NONE:
			p = relative_start(graph, &t, lineage, owner, bottom);
			break;
	}

	if (t.has_step && t.step != 0)
		p = walk(graph, &t, p, t.step, lineage);
	return make_destination(p, lineage);
}

/*
 * target_relative_steps
 *		The target text that schemaver_downgrade(steps) means: "-N".
 */
char *
target_relative_steps(int steps)
{
	if (steps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of steps must be at least 1, not %d", steps),
				 errhint("To move up, use schemaver_upgrade('+N').")));
	return psprintf("-%d", steps);
}
