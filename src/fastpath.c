/*-------------------------------------------------------------------------
 *
 * fastpath.c
 *	  "Nothing to do" for schemaver_upgrade('head') without loading the graph.
 *
 * Applications call schemaver_upgrade('head') at every start, nearly always
 * with nothing to do, and nearly always from a new session, whose backend
 * has no cached graph (catalog.c) yet: reading and building thousands of
 * revisions would cost it tens of milliseconds.  Instead, the heads of the
 * registered graph are kept in schemaver.graph_heads by the last call that
 * loaded the whole graph and found it sound, and emptied by the trigger on
 * schemaver.revision whenever the revisions change.  When heads are stored
 * and the rows of schemaver.version are exactly those heads, an upgrade to
 * head (or heads) has nothing to do: the graph cannot hold a revision above
 * a head.
 *
 * The fast path keeps every guarantee of the slow one: it runs after the
 * lock is taken (and, in REPEATABLE READ, after the check that the snapshot
 * is current), reads with a new snapshot, and checks the caller's right to
 * read the revisions.  Anything it is not sure about goes the slow way.
 *
 * src/fastpath.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "schemaver.h"

/*
 * fastpath_nothing_to_do
 *		Whether a call that moves the database (upgrade, downgrade or stamp
 *		to target) certainly has nothing to do, decided from the stored
 *		heads and the version rows alone.  Called with the lock held,
 *		connected to SPI.
 *
 * Only an upgrade to head or heads can be answered so.  false means "load
 * the graph and plan": another call, this backend's cached graph is up to
 * date (planning from it costs less than reading the stored heads), no
 * heads are stored, or the database is not at them.  *store_heads tells the
 * caller to store the heads of the graph it is about to load, because none
 * are stored; a backend with a cached graph checks that once per graph, so
 * that the heads get stored even where every call finds the graph cached.
 */
bool
fastpath_nothing_to_do(const char *target, SvDirection direction,
					   bool *store_heads)
{
	static uint64 checked_generation = 0;
	uint64		generation;
	bool		cached;
	bool		answerable;
	bool		all_heads = (strcmp(target, "heads") == 0);
	char	  **heads;
	int			nheads;
	char	  **current;
	int			ncurrent;

	*store_heads = false;
	answerable = direction == SV_DIR_UPGRADE &&
		(all_heads || strcmp(target, "head") == 0);

	cached = catalog_graph_is_cached(&generation);
	if (cached && checked_generation == generation)
		return false;

	/* the slow path would read the revisions: the caller must be allowed to */
	catalog_check_read_access();

	if (!catalog_read_heads(&heads, &nheads, true))
	{
		*store_heads = true;
		return false;
	}
	if (cached)
	{
		checked_generation = generation;
		return false;
	}
	if (!answerable)
		return false;

	/* "head" with several heads is an error the slow path reports */
	if (!all_heads && nheads != 1)
		return false;

	current = catalog_read_version(&ncurrent, true);
	if (ncurrent != nheads)
		return false;
	qsort(heads, nheads, sizeof(char *), pg_qsort_strcmp);
	qsort(current, ncurrent, sizeof(char *), pg_qsort_strcmp);
	for (int i = 0; i < nheads; i++)
		if (strcmp(heads[i], current[i]) != 0)
			return false;
	return true;
}

/*
 * fastpath_check
 *		For schemaver_verify: report stored heads that are not the graph's.
 *		The trigger on schemaver.revision keeps them right; only a change
 *		made with that trigger disabled can leave them wrong, and then an
 *		upgrade to head could answer "nothing to do" wrongly.
 */
void
fastpath_check(SvGraph *graph, List **problems)
{
	char	  **stored;
	int			nstored;
	int		   *heads;
	int			nheads = graph_heads(graph, &heads);
	bool		same;
	SvProblem  *p;
	StringInfoData detail;

	if (!catalog_read_heads(&stored, &nstored, false))
		return;
	qsort(stored, nstored, sizeof(char *), pg_qsort_strcmp);
	same = (nstored == nheads);
	for (int i = 0; same && i < nheads; i++)
		same = (strcmp(stored[i], graph->revs[heads[i]].id) == 0);
	if (same)
		return;

	initStringInfo(&detail);
	appendStringInfoString(&detail, "schemaver.graph_heads holds heads {");
	for (int i = 0; i < nstored; i++)
		appendStringInfo(&detail, "%s%s", i ? "," : "", stored[i]);
	appendStringInfoString(&detail, "} but the graph's heads are {");
	for (int i = 0; i < nheads; i++)
		appendStringInfo(&detail, "%s%s", i ? "," : "",
						 graph->revs[heads[i]].id);
	appendStringInfoString(&detail, "}: schemaver.revision was changed with its trigger disabled; DELETE FROM schemaver.graph_heads to rebuild it");
	p = palloc(sizeof(SvProblem));
	p->revision = NULL;
	p->problem = detail.data;
	*problems = lappend(*problems, p);
}
