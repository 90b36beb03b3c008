/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  The revision graph: building it from catalog rows, checking it, and
 *	  the walks over it (heads, ancestors, descendants, topological order).
 *
 * Revisions are kept in one array sorted by id, so that a lookup, exact or
 * by prefix, is a binary search and every order derived from the array is
 * deterministic.  Edges are array indexes.  Two kinds of edge exist, as in
 * Alembic: parents (down_revision), which shape the graph and decide what a
 * head is, and dependencies (depends_on), which only add ordering
 * constraints.  Every walk is iterative (a chain of 100,000 revisions must
 * not recurse 100,000 deep) and visits each revision and edge once, so
 * planning is linear in the size of the graph.
 *
 * The graph lives in the memory context that was current when graph_create
 * was called; the caller decides how long that is (catalog.c keeps the one
 * the moving functions use for the life of the backend, until the catalog
 * changes).  Its many small pieces (ids, labels, edge arrays) are carved
 * from large blocks (arena_alloc) rather than palloc'd one by one, which
 * would add a chunk header and power-of-two rounding to each: a cached
 * graph of 100,000 revisions is about a quarter of the size that way.
 *
 * src/graph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "schemaver.h"

static int	compare_revision_ids(const void *a, const void *b);
static int	compare_ints(const void *a, const void *b);
static void add_problem(List **problems, const char *revision,
						const char *fmt,...) pg_attribute_printf(3, 4);
static int *resolve_edges(SvGraph *graph, SvRevision *rev, const char **ids,
						  int nids, const char *what, List **problems,
						  int *mark, int stamp);
static void link_reverse_edges(SvGraph *graph);
static void push_neighbours(SvRevision *r, bool upward, bool with_dependencies,
							bool *seen, int *stack, int *top);
static void check_cycles(SvGraph *graph, List **problems);
static int	compare_labels(const void *a, const void *b);
static void check_labels(SvGraph *graph, List **problems);

/*
 * qsort comparator: revisions by id, in byte order (independent of the
 * database's collation, so that every installation orders alike).
 */
static int
compare_revision_ids(const void *a, const void *b)
{
	return strcmp(((const SvRevision *) a)->id, ((const SvRevision *) b)->id);
}

/* qsort comparator for plain ints */
static int
compare_ints(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/* Append one formatted problem to *problems */
static void
add_problem(List **problems, const char *revision, const char *fmt,...)
{
	SvProblem  *p = palloc(sizeof(SvProblem));
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	p->revision = revision ? pstrdup(revision) : NULL;
	p->problem = buf.data;
	*problems = lappend(*problems, p);
}

/*
 * graph_find
 *		Index of the revision with exactly this id, or -1.
 */
int
graph_find(SvGraph *graph, const char *id)
{
	int			lo = 0;
	int			hi = graph->nrevs - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(graph->revs[mid].id, id);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * graph_find_hinted
 *		graph_find for a reader that goes through the revisions in about the
 *		order the graph was loaded in (the table's order): load_pos is the
 *		place of the row in that order, which is tried first.
 */
int
graph_find_hinted(SvGraph *graph, const char *id, int load_pos)
{
	if (load_pos >= 0 && load_pos < graph->nrevs)
	{
		int			guess = graph->by_load[load_pos];

		if (strcmp(graph->revs[guess].id, id) == 0)
			return guess;
	}
	return graph_find(graph, id);
}

/*
 * Turn a list of ids (parents or dependencies) into indexes, reporting the
 * ones that are unknown, repeated or the revision itself.  mark is an array
 * indexed like graph->revs in which this call stamps each revision it
 * resolves with stamp (a value no other call uses), which finds repeated
 * ids in linear time.
 */
static int *
resolve_edges(SvGraph *graph, SvRevision *rev, const char **ids, int nids,
			  const char *what, List **problems, int *mark, int stamp)
{
	int		   *edges;

	if (nids == 0)
		return NULL;
	edges = arena_alloc(&graph->arena, sizeof(int) * nids);

	for (int i = 0; i < nids; i++)
	{
		edges[i] = graph_find(graph, ids[i]);
		if (edges[i] < 0)
			add_problem(problems, rev->id, "%s \"%s\" is not a registered revision",
						what, ids[i]);
		else if (strcmp(ids[i], rev->id) == 0)
		{
			add_problem(problems, rev->id, "%s \"%s\" is the revision itself",
						what, ids[i]);
			edges[i] = -1;
		}
		else if (mark[edges[i]] == stamp)
		{
			add_problem(problems, rev->id, "%s \"%s\" is listed twice",
						what, ids[i]);
			edges[i] = -1;
		}
		else
			mark[edges[i]] = stamp;
	}
	return edges;
}

/*
 * Fill the children and dependents arrays from the parent and dependency
 * edges.  Two passes (count, then fill) keep it linear and the lists in
 * index order.
 */
static void
link_reverse_edges(SvGraph *graph)
{
	int			n = graph->nrevs;
	int		   *nchild = palloc0(sizeof(int) * Max(n, 1));
	int		   *ndep = palloc0(sizeof(int) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		SvRevision *r = &graph->revs[i];

		for (int j = 0; j < r->nparents; j++)
			if (r->parents[j] >= 0)
				nchild[r->parents[j]]++;
		for (int j = 0; j < r->ndepends; j++)
			if (r->depends[j] >= 0)
				ndep[r->depends[j]]++;
	}
	for (int i = 0; i < n; i++)
	{
		graph->revs[i].children = nchild[i] == 0 ? NULL :
			arena_alloc(&graph->arena, sizeof(int) * nchild[i]);
		graph->revs[i].dependents = ndep[i] == 0 ? NULL :
			arena_alloc(&graph->arena, sizeof(int) * ndep[i]);
		graph->revs[i].nchildren = 0;
		graph->revs[i].ndependents = 0;
	}
	for (int i = 0; i < n; i++)
	{
		SvRevision *r = &graph->revs[i];

		for (int j = 0; j < r->nparents; j++)
		{
			SvRevision *p;

			if (r->parents[j] < 0)
				continue;
			p = &graph->revs[r->parents[j]];
			p->children[p->nchildren++] = i;
		}
		for (int j = 0; j < r->ndepends; j++)
		{
			SvRevision *d;

			if (r->depends[j] < 0)
				continue;
			d = &graph->revs[r->depends[j]];
			d->dependents[d->ndependents++] = i;
		}
	}
	pfree(nchild);
	pfree(ndep);
}

/*
 * Find cycles over parent and dependency edges with Kahn's algorithm: what
 * cannot be peeled off from the roots is on a cycle or above one.
 */
static void
check_cycles(SvGraph *graph, List **problems)
{
	int			n = graph->nrevs;
	int		   *indegree = palloc0(sizeof(int) * Max(n, 1));
	int		   *queue = palloc(sizeof(int) * Max(n, 1));
	int			head = 0,
				tail = 0;

	for (int i = 0; i < n; i++)
	{
		SvRevision *r = &graph->revs[i];

		for (int j = 0; j < r->nparents; j++)
			if (r->parents[j] >= 0)
				indegree[i]++;
		for (int j = 0; j < r->ndepends; j++)
			if (r->depends[j] >= 0)
				indegree[i]++;
		if (indegree[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail)
	{
		SvRevision *r = &graph->revs[queue[head++]];

		for (int j = 0; j < r->nchildren; j++)
			if (--indegree[r->children[j]] == 0)
				queue[tail++] = r->children[j];
		for (int j = 0; j < r->ndependents; j++)
			if (--indegree[r->dependents[j]] == 0)
				queue[tail++] = r->dependents[j];
	}
	if (tail < n)
	{
		for (int i = 0; i < n; i++)
			if (indegree[i] > 0)
				add_problem(problems, graph->revs[i].id,
							"revision is part of a cycle or descends from one");
	}
	pfree(indegree);
	pfree(queue);
}

/* qsort comparator: labels by name, then by carrying revision */
static int
compare_labels(const void *a, const void *b)
{
	const SvLabel *x = (const SvLabel *) a;
	const SvLabel *y = (const SvLabel *) b;
	int			c = strcmp(x->label, y->label);

	if (c != 0)
		return c;
	return (x->rev > y->rev) - (x->rev < y->rev);
}

/*
 * Index the branch labels (sorted, for binary search) and check them: a
 * branch label names one branch, so it may be carried by one revision only,
 * and must not equal a revision id (Alembic refuses that too, since "x@head"
 * would then be ambiguous).
 */
static void
check_labels(SvGraph *graph, List **problems)
{
	int			n = 0;

	for (int i = 0; i < graph->nrevs; i++)
		n += graph->revs[i].nlabels;
	graph->labels = arena_alloc(&graph->arena, sizeof(SvLabel) * Max(n, 1));
	for (int i = 0; i < graph->nrevs; i++)
		for (int j = 0; j < graph->revs[i].nlabels; j++)
		{
			graph->labels[graph->nlabels].label = graph->revs[i].labels[j];
			graph->labels[graph->nlabels].rev = i;
			graph->nlabels++;
		}
	qsort(graph->labels, graph->nlabels, sizeof(SvLabel), compare_labels);

	for (int k = 0; k < graph->nlabels; k++)
	{
		SvLabel    *l = &graph->labels[k];

		if (k > 0 && strcmp(graph->labels[k - 1].label, l->label) == 0)
			add_problem(problems, graph->revs[l->rev].id,
						"branch label \"%s\" is also carried by revision \"%s\"",
						l->label, graph->revs[graph->labels[k - 1].rev].id);
		if (graph_find(graph, l->label) >= 0)
			add_problem(problems, graph->revs[l->rev].id,
						"branch label \"%s\" is also a revision id", l->label);
	}
}

/*
 * graph_set_current
 *		Place the database on the graph: resolve the rows of
 *		schemaver.version and derive the applied set, every ancestor of a
 *		current head (through parents), the heads included.  Called for each
 *		call on a graph that may be cached, so it starts by clearing what the
 *		previous call left.
 *
 * A row that is an ancestor of another row, or an applied revision whose
 * dependency is not applied, means the catalog was edited by hand: the
 * applied set is still well defined, but the problem is reported.
 */
void
graph_set_current(SvGraph *graph, char **current, int ncurrent,
				  List **problems)
{
	bool	   *applied;
	int			n = 0;

	/* room for every revision as a head: run.c moves the heads in place */
	if (graph->current == NULL)
		graph->current = arena_alloc(&graph->arena, sizeof(int) * Max(graph->nrevs, 1));
	for (int i = 0; i < graph->nrevs; i++)
		graph->revs[i].current = graph->revs[i].applied = false;

	for (int i = 0; i < ncurrent; i++)
	{
		int			idx = graph_find(graph, current[i]);

		if (idx < 0)
		{
			add_problem(problems, current[i],
						"schemaver.version names a revision that is not registered");
			continue;
		}
		graph->revs[idx].current = true;
		graph->current[n++] = idx;
	}
	qsort(graph->current, n, sizeof(int), compare_ints);
	graph->ncurrent = n;

	applied = graph_closure(graph, graph->current, n, true, false, true);
	for (int i = 0; i < graph->nrevs; i++)
		graph->revs[i].applied = applied[i];
	pfree(applied);

	for (int i = 0; i < n; i++)
	{
		SvRevision *r = &graph->revs[graph->current[i]];

		for (int j = 0; j < r->nchildren; j++)
			if (graph->revs[r->children[j]].applied)
			{
				add_problem(problems, r->id,
							"schemaver.version lists this revision although its child \"%s\" is applied",
							graph->revs[r->children[j]].id);
				break;
			}
	}
	for (int i = 0; i < graph->nrevs; i++)
	{
		SvRevision *r = &graph->revs[i];

		if (!r->applied)
			continue;
		for (int j = 0; j < r->ndepends; j++)
			if (r->depends[j] >= 0 && !graph->revs[r->depends[j]].applied)
				add_problem(problems, r->id,
							"revision is applied but its dependency \"%s\" is not",
							graph->revs[r->depends[j]].id);
	}
}

/*
 * arena_init
 *		Start an empty arena in cxt.
 */
void
arena_init(SvArena *arena, MemoryContext cxt)
{
	arena->cxt = cxt;
	arena->next = NULL;
	arena->left = 0;
}

/*
 * arena_alloc
 *		size bytes (MAXALIGN'd) that live as long as the arena's context.
 */
void *
arena_alloc(SvArena *arena, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > arena->left)
	{
		Size		block = Max(size, 64 * 1024);

		arena->next = MemoryContextAlloc(arena->cxt, block);
		arena->left = block;
	}
	p = arena->next;
	arena->next += size;
	arena->left -= size;
	return p;
}

/*
 * graph_create
 *		An empty graph in the current memory context, for catalog.c to add
 *		the revisions to (graph_add_revision) and then build (graph_build).
 */
SvGraph *
graph_create(void)
{
	SvGraph    *graph = palloc0(sizeof(SvGraph));

	arena_init(&graph->arena, CurrentMemoryContext);
	return graph;
}

/*
 * graph_reserve
 *		Make room for n revisions at once, so that adding them does not
 *		grow the array step by step.
 */
void
graph_reserve(SvGraph *graph, int n)
{
	if (n <= graph->maxrevs)
		return;
	graph->maxrevs = n;
	graph->revs = graph->revs == NULL ?
		MemoryContextAlloc(graph->arena.cxt, sizeof(SvRevision) * n) :
		repalloc(graph->revs, sizeof(SvRevision) * n);
}

/*
 * graph_add_revision
 *		Append a revision with this id (copied) and no edges; the caller fills
 *		in its parent, dependency and label ids (allocated in graph->arena)
 *		and its reversibility.
 */
SvRevision *
graph_add_revision(SvGraph *graph, const char *id)
{
	SvRevision *r;
	Size		len = strlen(id) + 1;
	char	   *copy;

	if (graph->nrevs == graph->maxrevs)
		graph_reserve(graph, Max(1024, graph->maxrevs * 2));
	r = &graph->revs[graph->nrevs];
	memset(r, 0, sizeof(SvRevision));
	r->loaded = graph->nrevs++;
	copy = arena_alloc(&graph->arena, len);
	memcpy(copy, id, len);
	r->id = copy;
	return r;
}

/*
 * graph_build
 *		Build the graph from the revisions catalog.c added (then place the
 *		database on it with graph_set_current).
 *
 * The revisions are sorted in place.  Every problem found is appended to
 * *problems; the graph is usable by the moving functions only when there is
 * none (graph_check_usable), while schemaver_verify lists them all.
 */
void
graph_build(SvGraph *graph, List **problems)
{
	SvRevision *revs = graph->revs;
	int			nrevs = graph->nrevs;
	int		   *mark;

	if (nrevs > 0)
		qsort(revs, nrevs, sizeof(SvRevision), compare_revision_ids);
	graph->by_load = arena_alloc(&graph->arena, sizeof(int) * Max(nrevs, 1));
	for (int i = 0; i < nrevs; i++)
		graph->by_load[revs[i].loaded] = i;

	/*
	 * Revision i stamps its parents with 2i + 1 and its dependencies with
	 * 2i + 2 in mark, and a dependency found stamped 2i + 1 is also a parent:
	 * every check is linear in the number of edges.
	 */
	mark = palloc0(sizeof(int) * Max(nrevs, 1));
	for (int i = 0; i < nrevs; i++)
	{
		SvRevision *r = &revs[i];

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		r->parents = resolve_edges(graph, r, r->parent_ids, r->nparents,
								   "parent", problems, mark, 2 * i + 1);
		for (int k = 0; k < r->ndepends; k++)
		{
			int			d = graph_find(graph, r->depends_ids[k]);

			if (d >= 0 && mark[d] == 2 * i + 1)
				add_problem(problems, r->id,
							"\"%s\" is both a parent and a dependency",
							r->depends_ids[k]);
		}
		r->depends = resolve_edges(graph, r, r->depends_ids, r->ndepends,
								   "dependency", problems, mark, 2 * i + 2);
	}
	pfree(mark);
	link_reverse_edges(graph);
	check_cycles(graph, problems);
	check_labels(graph, problems);
}

/*
 * graph_check_usable
 *		Raise an error when the graph has a problem: moving the database
 *		along a broken graph could apply revisions in a wrong order.
 */
void
graph_check_usable(List *problems)
{
	SvProblem  *first;

	if (problems == NIL)
		return;
	first = linitial(problems);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("the revision graph is not valid"),
			 first->revision ?
			 errdetail_plural("Revision \"%s\": %s. %d problem was found in all.",
							  "Revision \"%s\": %s. %d problems were found in all.",
							  list_length(problems),
							  first->revision, first->problem,
							  list_length(problems)) :
			 errdetail("%s.", first->problem),
			 errhint("Run SELECT * FROM schemaver_verify(); to list every problem, then register the missing or corrected revisions.")));
}

/*
 * graph_heads
 *		The heads of the registered graph: revisions that are nobody's
 *		parent.  Dependencies do not count, as in Alembic.  Returns the count
 *		and sets *heads to a palloc'd array in id order.
 */
int
graph_heads(SvGraph *graph, int **heads)
{
	int			n = 0;

	*heads = palloc(sizeof(int) * Max(graph->nrevs, 1));
	for (int i = 0; i < graph->nrevs; i++)
		if (graph->revs[i].nchildren == 0)
			(*heads)[n++] = i;
	return n;
}

/*
 * Mark and push the not yet seen neighbours of one revision, for
 * graph_closure.  Each revision is pushed at most once (when first seen), so
 * the stack never holds more than nrevs entries.
 */
static void
push_neighbours(SvRevision *r, bool upward, bool with_dependencies,
				bool *seen, int *stack, int *top)
{
	for (int pass = 0; pass < (with_dependencies ? 2 : 1); pass++)
	{
		int			cnt = upward ? (pass ? r->ndepends : r->nparents)
			: (pass ? r->ndependents : r->nchildren);
		int		   *edges = upward ? (pass ? r->depends : r->parents)
			: (pass ? r->dependents : r->children);

		for (int j = 0; j < cnt; j++)
			if (edges[j] >= 0 && !seen[edges[j]])
			{
				seen[edges[j]] = true;
				stack[(*top)++] = edges[j];
			}
	}
}

/*
 * graph_closure
 *		Everything reachable from the start revisions: ancestors when upward
 *		(through parents, and dependencies if with_dependencies), descendants
 *		otherwise (children, and dependents).  The start revisions are in the
 *		result when include_start, or when reachable from another start.
 *		Returns a palloc'd bool array indexed like graph->revs.
 */
bool *
graph_closure(SvGraph *graph, const int *start, int nstart, bool upward,
			  bool with_dependencies, bool include_start)
{
	int			n = graph->nrevs;
	bool	   *seen = palloc0(sizeof(bool) * Max(n, 1));
	int		   *stack = palloc(sizeof(int) * Max(n, 1));
	int			top = 0;

	for (int i = 0; i < nstart; i++)
		if (start[i] >= 0)
			push_neighbours(&graph->revs[start[i]], upward, with_dependencies,
							seen, stack, &top);
	while (top > 0)
		push_neighbours(&graph->revs[stack[--top]], upward, with_dependencies,
						seen, stack, &top);
	if (include_start)
		for (int i = 0; i < nstart; i++)
			if (start[i] >= 0)
				seen[start[i]] = true;
	pfree(stack);
	return seen;
}

/*
 * graph_order
 *		Put the member revisions in the order a plan runs them, into out[],
 *		and return how many there are.
 *
 * upward: parents and dependencies before the revisions that need them (an
 * upgrade); otherwise children and dependents first (a downgrade).  It is
 * the post-order of a depth-first walk that follows edges in the order they
 * were registered and starts from members in id order, so the result is
 * deterministic and each branch is walked in one piece.
 */
int
graph_order(SvGraph *graph, const bool *members, bool upward, int *out)
{
	int			n = graph->nrevs;
	char	   *state = palloc0(Max(n, 1));	/* 0 new, 1 open, 2 done */
	int		   *stack = palloc(sizeof(int) * Max(n, 1));
	int		   *edgepos = palloc(sizeof(int) * Max(n, 1));
	int			nout = 0;

	for (int s = 0; s < n; s++)
	{
		int			top = 0;

		if (!members[s] || state[s] != 0)
			continue;
		stack[top] = s;
		edgepos[top] = 0;
		top++;
		state[s] = 1;
		while (top > 0)
		{
			SvRevision *r = &graph->revs[stack[top - 1]];
			int			first = upward ? r->nparents : r->nchildren;
			int			second = upward ? r->ndepends : r->ndependents;
			int			pos = edgepos[top - 1];
			int			next = -1;

			/* find the next unvisited member along this revision's edges */
			while (pos < first + second)
			{
				int			e;

				if (pos < first)
					e = upward ? r->parents[pos] : r->children[pos];
				else
					e = upward ? r->depends[pos - first]
						: r->dependents[pos - first];
				pos++;
				if (e >= 0 && members[e] && state[e] == 0)
				{
					next = e;
					break;
				}
			}
			edgepos[top - 1] = pos;
			if (next >= 0)
			{
				state[next] = 1;
				stack[top] = next;
				edgepos[top] = 0;
				top++;
			}
			else
			{
				state[stack[top - 1]] = 2;
				out[nout++] = stack[top - 1];
				top--;
			}
		}
	}
	pfree(state);
	pfree(stack);
	pfree(edgepos);
	return nout;
}

/*
 * graph_label_owner_id
 *		Find the revision that carries a branch label (the first one, by id,
 *		if a broken graph has it twice).  Returns its id and sets *owner to
 *		its index, or returns NULL and sets *owner to -1.
 */
const char *
graph_label_owner_id(SvGraph *graph, const char *label, int *owner)
{
	int			lo = 0;
	int			hi = graph->nlabels;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (strcmp(graph->labels[mid].label, label) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < graph->nlabels && strcmp(graph->labels[lo].label, label) == 0)
	{
		*owner = graph->labels[lo].rev;
		return graph->revs[*owner].id;
	}
	*owner = -1;
	return NULL;
}

/*
 * graph_describe_revs
 *		A list of revision ids for a message: "a", "b", "c" (at most ten,
 *		then how many more), so that a DETAIL stays readable.
 */
char *
graph_describe_revs(SvGraph *graph, const int *revs, int nrevs)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < nrevs && i < 10; i++)
		appendStringInfo(&buf, "%s\"%s\"", i ? ", " : "",
						 graph->revs[revs[i]].id);
	if (nrevs > 10)
		appendStringInfo(&buf, " and %d more", nrevs - 10);
	return buf.data;
}
