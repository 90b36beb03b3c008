/*-------------------------------------------------------------------------
 *
 * inspect.c
 *	  The read-only views of the graph: schemaver_current, schemaver_heads,
 *	  schemaver_history and schemaver_verify.
 *
 * They work on a graph loaded without raising its problems, so that a DBA
 * can still look at a broken catalog (schemaver_verify lists the problems;
 * the others show what can be shown).  None of them takes the lock.
 *
 * src/inspect.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "schemaver.h"

static Datum cstrings_to_array(char **items, int n);

/* A text[] datum of C strings */
static Datum
cstrings_to_array(char **items, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * inspect_current
 *		The rows of schemaver.version, in id order.
 */
void
inspect_current(SvGraph *graph, Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	for (int i = 0; i < graph->ncurrent; i++)
	{
		Datum		value = CStringGetTextDatum(graph->revs[graph->current[i]].id);
		bool		isnull = false;

		tuplestore_putvalues(tupstore, tupdesc, &value, &isnull);
	}
}

/*
 * inspect_heads
 *		The heads of the registered graph, in id order.
 */
void
inspect_heads(SvGraph *graph, Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	int		   *heads;
	int			n = graph_heads(graph, &heads);

	for (int i = 0; i < n; i++)
	{
		Datum		value = CStringGetTextDatum(graph->revs[heads[i]].id);
		bool		isnull = false;

		tuplestore_putvalues(tupstore, tupdesc, &value, &isnull);
	}
}

/*
 * inspect_history
 *		Every revision, newest first (children before parents, as
 *		`alembic history` prints), with its flags and when and by whom it was
 *		applied, from the log.
 */
void
inspect_history(SvGraph *graph, Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	int			n = graph->nrevs;
	bool	   *all = palloc(sizeof(bool) * Max(n, 1));
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	TimestampTz *applied_at = palloc(sizeof(TimestampTz) * Max(n, 1));
	char	  **applied_by = palloc0(sizeof(char *) * Max(n, 1));
	bool	   *found = palloc(sizeof(bool) * Max(n, 1));
	int			norder;

	for (int i = 0; i < n; i++)
		all[i] = true;
	norder = graph_order(graph, all, false, order);
	catalog_last_applied(graph, applied_at, applied_by, found);

	for (int k = 0; k < norder; k++)
	{
		SvRevision *r = &graph->revs[order[k]];
		Datum		values[10];
		bool		nulls[10];
		bool		logged = r->applied && found[order[k]];

		memset(nulls, false, sizeof(nulls));
		values[0] = CStringGetTextDatum(r->id);
		values[1] = cstrings_to_array(r->parent_ids, r->nparents);
		if (r->message)
			values[2] = CStringGetTextDatum(r->message);
		else
			nulls[2] = true;
		values[3] = cstrings_to_array(r->labels, r->nlabels);
		values[4] = cstrings_to_array(r->depends_ids, r->ndepends);
		values[5] = BoolGetDatum(r->nchildren == 0);
		values[6] = BoolGetDatum(r->current);
		values[7] = BoolGetDatum(r->applied);
		if (logged)
		{
			values[8] = TimestampTzGetDatum(applied_at[order[k]]);
			values[9] = NameGetDatum((Name) applied_by[order[k]]);
		}
		else
			nulls[8] = nulls[9] = true;
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}
}

/*
 * inspect_verify
 *		One row per problem of the graph and the catalog; none when sound.
 */
void
inspect_verify(SvGraph *graph, List *problems, Tuplestorestate *tupstore,
			   TupleDesc tupdesc)
{
	ListCell   *lc;

	catalog_check_checksums(&problems);
	catalog_check_applied(graph, &problems);
	fastpath_check(graph, &problems);
	foreach(lc, problems)
	{
		SvProblem  *p = lfirst(lc);
		Datum		values[2];
		bool		nulls[2] = {false, false};

		if (p->revision)
			values[0] = CStringGetTextDatum(p->revision);
		else
			nulls[0] = true;
		values[1] = CStringGetTextDatum(p->problem);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}
}
