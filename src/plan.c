/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Planning: the steps that take the database from its current applied
 *	  set to a destination, in the order they must run.
 *
 * Every plan is computed the same way: work out the applied set after the
 * call, then the difference with the applied set now, ordered so that
 * parents and dependencies are applied before what needs them and undone
 * after it (graph_order).
 *
 *	upgrade to T:	applied + T and everything T needs (parents and
 *					dependencies, transitively).  A T that is applied but not
 *					a current head lies below the database: an error.
 *	downgrade to t: applied - everything above t: its children and,
 *					transitively, their children and what depends on them.
 *					What depends on t itself stays, since t does (as in
 *					Alembic).  t must be applied.  To base: nothing; to
 *					"label@base": applied - the labelled branch.
 *	stamp to T:		T and what it needs, plus the current heads that are on
 *					other branches than T, and what they need.  A head is on
 *					another branch when it is neither an ancestor nor a
 *					descendant of T, dependencies counted (as Alembic's stamp
 *					decides which heads it replaces).
 *
 * A labelled target ("label@...") keeps a downgrade or a stamp on the
 * label's branch: of the revisions above the target, only those of the
 * branch, and what depends on them, are undone or replaced.  That matters
 * when the target lies below the branch (one step below its first
 * revision is the branch point it grows from): other branches above that
 * point stay.  A labelled target on its branch plans as the revision it
 * names.
 *
 * Each step of the plan keeps the applied set closed under "needs", so the
 * bookkeeping of run.c can update the heads one step at a time.
 *
 * A plan's fingerprint (plan_fingerprint) names exactly what it runs: the
 * heads it starts from and each step's operation, revision and content
 * checksum.  A preview script carries it, and the online calls accept it
 * (plan => '...') to run only the plan that was reviewed.
 *
 * src/plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "schemaver.h"

static void append_steps(SvGraph *graph, SvPlan *plan, const bool *members,
						 bool upward, SvOperation op);
static SvPlan *plan_from_sets(SvGraph *graph, const bool *remove,
							  const bool *add, SvOperation down_op,
							  SvOperation up_op);
static void check_upgrade_targets(SvGraph *graph, SvDestination *dest);
static bool *branch_part(SvGraph *graph, int root);
static void check_reversible(SvGraph *graph, SvPlan *plan);
static char *describe_current(SvGraph *graph);
static bool *restrict_to_scope(SvGraph *graph, bool *remove,
							   const bool *scope);
static bool *above(SvGraph *graph, int rev);
static bool target_below_scope(SvGraph *graph, SvDestination *dest, int rev);
static bool *stamp_replaced(SvGraph *graph, SvDestination *dest);
static bool *stamp_keep(SvGraph *graph, SvDestination *dest);

/* Append the members of a set to the plan, in graph_order's order */
static void
append_steps(SvGraph *graph, SvPlan *plan, const bool *members, bool upward,
			 SvOperation op)
{
	int		   *order = palloc(sizeof(int) * Max(graph->nrevs, 1));
	int			n = graph_order(graph, members, upward, order);

	for (int i = 0; i < n; i++)
	{
		plan->steps[plan->nsteps].rev = order[i];
		plan->steps[plan->nsteps].op = op;
		plan->nsteps++;
	}
	pfree(order);
}

/*
 * Build the plan: first the revisions to remove (children first), then the
 * ones to add (parents first).
 */
static SvPlan *
plan_from_sets(SvGraph *graph, const bool *remove, const bool *add,
			   SvOperation down_op, SvOperation up_op)
{
	SvPlan	   *plan = palloc0(sizeof(SvPlan));

	plan->steps = palloc(sizeof(SvStep) * Max(graph->nrevs, 1));
	if (remove)
		append_steps(graph, plan, remove, false, down_op);
	if (add)
		append_steps(graph, plan, add, true, up_op);
	return plan;
}

/* The current heads as text for a DETAIL: "a", "b" or "base" */
static char *
describe_current(SvGraph *graph)
{
	if (graph->ncurrent == 0)
		return pstrdup("base");
	return graph_describe_revs(graph, graph->current, graph->ncurrent);
}

/*
 * An upgrade only moves up: a target that is applied but not a current head
 * (or base, when something is applied) is below the database.
 */
static void
check_upgrade_targets(SvGraph *graph, SvDestination *dest)
{
	if (dest->is_base)
	{
		bool	   *part = dest->base_of >= 0 ? branch_part(graph, dest->base_of) : NULL;

		for (int i = 0; i < graph->nrevs; i++)
			if (graph->revs[i].applied && (part == NULL || part[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("upgrade target is below the current revision"),
						 errdetail("The target is base; the database is at %s.",
								   describe_current(graph)),
						 errhint("To go down, use schemaver_downgrade().")));
		return;
	}
	for (int i = 0; i < dest->nrevs; i++)
	{
		SvRevision *r = &graph->revs[dest->revs[i]];

		if (!r->applied || r->current)
			continue;
		if (dest->scope == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("upgrade target \"%s\" is below the current revision",
							r->id),
					 errdetail("Revision \"%s\" is already applied; the database is at %s.",
							   r->id, describe_current(graph)),
					 errhint("To go back to it, use schemaver_downgrade('%s').",
							 r->id)));
		/* the branch point below a labelled branch: is the branch above it? */
		if (!target_below_scope(graph, dest, dest->revs[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("upgrade target \"%s\" is below the current revision of its branch",
							r->id),
					 errdetail("Revision \"%s\" is already applied and so is the branch above it; the database is at %s.",
							   r->id, describe_current(graph)),
					 errhint("To go back to it on that branch only, use schemaver_downgrade() with the same target.")));
	}
}

/*
 * Whether a labelled destination's revision rev lies below the label's
 * branch with nothing of the branch applied, that is, whether an upgrade to
 * it has nothing to do although rev is not a current head.  A revision of
 * the branch itself that is applied but not current always has an applied
 * revision of the branch above it.
 */
static bool
target_below_scope(SvGraph *graph, SvDestination *dest, int rev)
{
	if (dest->scope[rev])
		return false;
	for (int i = 0; i < graph->nrevs; i++)
		if (dest->scope[i] && graph->revs[i].applied)
			return false;
	return true;
}

/*
 * The part of the graph that "label@base" removes: the labelled revision and
 * everything above it (children and dependents, transitively).
 */
static bool *
branch_part(SvGraph *graph, int root)
{
	return graph_closure(graph, &root, 1, false, true, true);
}

/*
 * What a downgrade to rev undoes (before keeping the applied ones only):
 * its children and, transitively, their children and dependents.  Not
 * rev's own dependents: rev stays applied, so they keep what they need.
 */
static bool *
above(SvGraph *graph, int rev)
{
	SvRevision *r = &graph->revs[rev];

	return graph_closure(graph, r->children, r->nchildren, false, true, true);
}

/*
 * A labelled downgrade undoes only the revisions on the label's branch above
 * the target, and whatever depends on them: other branches above a shared
 * branch point stay, as in Alembic.
 */
static bool *
restrict_to_scope(SvGraph *graph, bool *remove, const bool *scope)
{
	int		   *starts = palloc(sizeof(int) * Max(graph->nrevs, 1));
	int			n = 0;
	bool	   *result;

	for (int i = 0; i < graph->nrevs; i++)
		if (remove[i] && scope[i] && graph->revs[i].applied)
			starts[n++] = i;
	result = graph_closure(graph, starts, n, false, true, true);
	pfree(starts);
	pfree(remove);
	return result;
}

/*
 * The revisions whose current heads a stamp to dest replaces: those that
 * share the target's lineage, i.e. its descendants through children and
 * dependents (its ancestors are kept by the target anyway).  Dependencies
 * count as in Alembic, whose stamp replaces a head that depends on the
 * target as well as one above it.  A label that names a revision of its
 * branch changes nothing to that; but a labelled target below the branch
 * (the branch point, one step below its first revision) replaces only the
 * revisions of the branch and what depends on them, since other branches
 * share that point.
 */
static bool *
stamp_replaced(SvGraph *graph, SvDestination *dest)
{
	bool	   *desc = graph_closure(graph, dest->revs, dest->nrevs, false,
									 true, true);
	int		   *starts;
	int			n = 0;
	bool	   *result;

	if (dest->scope == NULL)
		return desc;
	for (int i = 0; i < dest->nrevs; i++)
		if (dest->scope[dest->revs[i]])
			return desc;
	for (int i = 0; i < dest->nrevs; i++)
		desc[dest->revs[i]] = false;
	starts = palloc(sizeof(int) * Max(graph->nrevs, 1));
	for (int i = 0; i < graph->nrevs; i++)
		if (desc[i] && dest->scope[i])
			starts[n++] = i;
	result = graph_closure(graph, starts, n, false, true, true);
	pfree(starts);
	pfree(desc);
	return result;
}

/*
 * The applied set after a stamp to dest: the target and what it needs, and
 * the current heads it does not replace, and what they need.  A head that
 * stays needs nothing the stamp replaces: if it did, it would depend on a
 * replaced revision and be replaced itself.
 */
static bool *
stamp_keep(SvGraph *graph, SvDestination *dest)
{
	int		   *starts = palloc(sizeof(int) * (graph->nrevs + 1));
	int			nstarts = 0;
	bool	   *gone;
	bool	   *keep;

	if (dest->is_base && dest->base_of < 0)
		gone = NULL;			/* base: nothing stays */
	else if (dest->is_base)
		gone = branch_part(graph, dest->base_of);
	else
	{
		bool	   *anc = graph_closure(graph, dest->revs, dest->nrevs, true,
										true, true);

		gone = stamp_replaced(graph, dest);
		for (int i = 0; i < graph->nrevs; i++)
			gone[i] = gone[i] || anc[i];
		for (int i = 0; i < dest->nrevs; i++)
			starts[nstarts++] = dest->revs[i];
		pfree(anc);
	}
	if (gone != NULL)
		for (int i = 0; i < graph->ncurrent; i++)
			if (!gone[graph->current[i]])
				starts[nstarts++] = graph->current[i];
	keep = graph_closure(graph, starts, nstarts, true, true, true);
	pfree(starts);
	return keep;
}

/*
 * A downgrade must not start if any revision it would undo has no downgrade
 * SQL: checked before anything runs, so nothing is half done.
 */
static void
check_reversible(SvGraph *graph, SvPlan *plan)
{
	for (int i = 0; i < plan->nsteps; i++)
	{
		SvRevision *r = &graph->revs[plan->steps[i].rev];

		if (plan->steps[i].op == SV_OP_DOWNGRADE && !r->reversible)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" cannot be downgraded", r->id),
					 errdetail("It was registered without downgrade SQL, so it is irreversible. Nothing was changed."),
					 errhint("Downgrade to a revision above it, or use schemaver_stamp() to move the version without running SQL.")));
	}
}

/*
 * plan_make
 *		The steps that move the database to dest.
 */
SvPlan *
plan_make(SvGraph *graph, SvDestination *dest, SvDirection direction)
{
	int			n = graph->nrevs;
	bool	   *remove = NULL;
	bool	   *add = NULL;
	SvPlan	   *plan;

	switch (direction)
	{
		case SV_DIR_UPGRADE:
			check_upgrade_targets(graph, dest);
			if (!dest->is_base)
			{
				add = graph_closure(graph, dest->revs, dest->nrevs, true, true,
									true);
				for (int i = 0; i < n; i++)
					add[i] = add[i] && !graph->revs[i].applied;
			}
			return plan_from_sets(graph, NULL, add, SV_OP_DOWNGRADE,
								  SV_OP_UPGRADE);

		case SV_DIR_DOWNGRADE:
			if (dest->is_base)
				remove = dest->base_of >= 0 ? branch_part(graph, dest->base_of)
					: graph_closure(graph, NULL, 0, false, true, false);
			else
			{
				SvRevision *t;

				if (dest->nrevs != 1)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("downgrade target must be one revision or base"),
							 errdetail("The target names %d revisions: %s.",
									   dest->nrevs,
									   graph_describe_revs(graph, dest->revs,
														   dest->nrevs)),
							 errhint("Downgrade one branch at a time, for example with \"<label>@-1\".")));
				t = &graph->revs[dest->revs[0]];
				if (!t->applied)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("downgrade target \"%s\" is not applied", t->id),
							 errdetail("A downgrade only goes back to an applied revision; the database is at %s.",
									   describe_current(graph)),
							 errhint("To apply it, use schemaver_upgrade('%s').",
									 t->id)));
				remove = above(graph, dest->revs[0]);
				if (dest->scope)
					remove = restrict_to_scope(graph, remove, dest->scope);
			}
			if (dest->is_base && dest->base_of < 0)
				for (int i = 0; i < n; i++)
					remove[i] = true;
			for (int i = 0; i < n; i++)
				remove[i] = remove[i] && graph->revs[i].applied;
			plan = plan_from_sets(graph, remove, NULL, SV_OP_DOWNGRADE,
								  SV_OP_UPGRADE);
			check_reversible(graph, plan);
			return plan;

		case SV_DIR_STAMP:
			{
				bool	   *keep = stamp_keep(graph, dest);

				remove = palloc(sizeof(bool) * Max(n, 1));
				add = palloc(sizeof(bool) * Max(n, 1));
				for (int i = 0; i < n; i++)
				{
					remove[i] = graph->revs[i].applied && !keep[i];
					add[i] = !graph->revs[i].applied && keep[i];
				}
				return plan_from_sets(graph, remove, add, SV_OP_STAMP_DOWN,
									  SV_OP_STAMP_UP);
			}
	}
	pg_unreachable();
}

/*
 * plan_fingerprint
 *		The fingerprint of a plan made from the graph's current state (see
 *		the file header): SHA-256 in hex.  direction is the call it is for.
 *		The checksums of the steps are read from the catalog.
 */
char *
plan_fingerprint(SvGraph *graph, SvPlan *plan, SvDirection direction)
{
	const char **heads = palloc(sizeof(char *) * Max(graph->ncurrent, 1));
	const char **ops = palloc(sizeof(char *) * Max(plan->nsteps, 1));
	const char **ids = palloc(sizeof(char *) * Max(plan->nsteps, 1));
	const char **checksums = palloc(sizeof(char *) * Max(plan->nsteps, 1));
	SvStepText *texts = NULL;

	for (int i = 0; i < graph->ncurrent; i++)
		heads[i] = graph->revs[graph->current[i]].id;
	if (plan->nsteps > 0)
		texts = catalog_fetch_steps(graph, plan, 0, plan->nsteps);
	for (int i = 0; i < plan->nsteps; i++)
	{
		SvStep	   *step = &plan->steps[i];

		ops[i] = step->op == SV_OP_UPGRADE ? "upgrade" :
			step->op == SV_OP_DOWNGRADE ? "downgrade" :
			step->op == SV_OP_STAMP_UP ? "stamp up" : "stamp down";
		ids[i] = graph->revs[step->rev].id;
		checksums[i] = texts[i].checksum;
	}
	return sv_plan_fingerprint(direction == SV_DIR_UPGRADE ? "upgrade" :
							   direction == SV_DIR_DOWNGRADE ? "downgrade" :
							   "stamp",
							   graph->ncurrent, heads, plan->nsteps, ops, ids,
							   checksums);
}

/*
 * plan_check_fingerprint
 *		Refuse to go on when a plan is not the one whose fingerprint a
 *		caller reviewed (expected; NULL: no check).  funcname is the call,
 *		for the message.
 */
void
plan_check_fingerprint(SvGraph *graph, SvPlan *plan, SvDirection direction,
					   const char *expected, const char *funcname)
{
	char	   *actual;

	if (expected == NULL)
		return;
	actual = plan_fingerprint(graph, plan, direction);
	if (strcmp(actual, expected) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the plan of %s is not the plan that was reviewed", funcname),
				 errdetail("From the current state (%s), its %d step%s %s fingerprint %s, not %s. Nothing was changed.",
						   graph->ncurrent == 0 ? "base" :
						   graph_describe_revs(graph, graph->current, graph->ncurrent),
						   plan->nsteps, plan->nsteps == 1 ? "" : "s",
						   plan->nsteps == 1 ? "has" : "have",
						   actual, sv_printable(expected)),
				 errhint("The database moved, or a revision was registered again with other content, since the preview was made: generate the preview again and review it.")));
}

/*
 * plan_check_step
 *		Refuse a single step that cannot run from the graph's current state:
 *		an upgrade of a revision that is applied, or whose parents and
 *		dependencies are not all applied; a downgrade of a revision that is
 *		not a current head, or on which an applied revision depends.  A
 *		script's steps are checked so before each runs (scriptrun.c), so that
 *		running them out of their order can never record a state that no
 *		plan leads to.
 */
void
plan_check_step(SvGraph *graph, SvStep *step)
{
	SvRevision *r = &graph->revs[step->rev];
	bool		ok = true;

	if (step->op == SV_OP_UPGRADE)
	{
		ok = !r->applied;
		for (int i = 0; ok && i < r->nparents; i++)
			ok = r->parents[i] >= 0 && graph->revs[r->parents[i]].applied;
		for (int i = 0; ok && i < r->ndepends; i++)
			ok = r->depends[i] >= 0 && graph->revs[r->depends[i]].applied;
	}
	else if (step->op == SV_OP_DOWNGRADE)
	{
		ok = r->applied && r->current;
		for (int i = 0; ok && i < r->ndependents; i++)
			ok = !graph->revs[r->dependents[i]].applied;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the %s of revision \"%s\" cannot run from the current state",
						step->op == SV_OP_UPGRADE ? "upgrade" : "downgrade", r->id),
				 errdetail("The database is at %s.", describe_current(graph))));
}

/*
 * plan_operation_name
 *		The word for an operation in result rows, the log and NOTICEs.
 */
const char *
plan_operation_name(SvOperation op)
{
	switch (op)
	{
		case SV_OP_UPGRADE:
			return "upgrade";
		case SV_OP_DOWNGRADE:
			return "downgrade";
		case SV_OP_STAMP_UP:
		case SV_OP_STAMP_DOWN:
			return "stamp";
	}
	pg_unreachable();
}
