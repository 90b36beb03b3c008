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
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "schemaver.h"

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
 * The stored columns of one revision for history, kept until it is output:
 * revision, down_revision, message, branch_labels, depends_on (from
 * schemaver.revision), applied_at, applied_by (from schemaver.applied).
 */
#define HISTORY_STORED_COLUMNS 7
#define HISTORY_APPLIED_AT 5

typedef struct HistoryRow
{
	bool		present;
	Datum		values[HISTORY_STORED_COLUMNS];
	bool		nulls[HISTORY_STORED_COLUMNS];
} HistoryRow;

/*
 * The receiver of catalog_history_rows' two queries: each row is put aside
 * at its revision's place in the graph, its values copied into an arena.
 * Both queries start with the revision id; their other columns go to
 * HistoryRow columns first_column, first_column + 1, ...
 */
typedef struct HistoryReceiver
{
	DestReceiver pub;
	SvGraph    *graph;
	HistoryRow *rows;			/* indexed like graph->revs */
	int			first_column;	/* 1: the revision query, which also stores
								 * the id and marks the row present */
	int			received;		/* rows so far: where to look first */
	SvArena    *arena;
} HistoryReceiver;

/* DestReceiver callback: put one catalog row aside */
static bool
history_receive(TupleTableSlot *slot, DestReceiver *self)
{
	HistoryReceiver *recv = (HistoryReceiver *) self;
	TupleDesc	desc = slot->tts_tupleDescriptor;
	text	   *id;
	char		cid[SV_MAX_ID_LEN + 1];
	int			len;
	int			idx;
	HistoryRow *row;

	slot_getallattrs(slot);
	if (slot->tts_isnull[0])
		return true;
	id = DatumGetTextPP(slot->tts_values[0]);
	len = VARSIZE_ANY_EXHDR(id);
	if (len > SV_MAX_ID_LEN)
		return true;			/* the table's check refuses such an id */
	memcpy(cid, VARDATA_ANY(id), len);
	cid[len] = '\0';
	idx = graph_find_hinted(recv->graph, cid, recv->received++);
	if (idx < 0)
		return true;

	row = &recv->rows[idx];
	if (recv->first_column == 1)
		row->present = true;
	for (int c = recv->first_column == 1 ? 0 : 1; c < desc->natts; c++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, c);
		int			to = c == 0 ? 0 : recv->first_column + c - 1;
		Size		size;
		void	   *copy;
		Datum		value;

		row->nulls[to] = slot->tts_isnull[c];
		if (row->nulls[to] || att->attbyval)
		{
			row->values[to] = slot->tts_values[c];
			continue;
		}
		/*
		 * A compressed or out-of-line value is detoasted: the copy must be
		 * the value itself, not a TOAST pointer into the table.
		 */
		value = slot->tts_values[c];
		if (att->attlen == -1)
			value = PointerGetDatum(PG_DETOAST_DATUM_PACKED(value));
		size = datumGetSize(value, false, att->attlen);
		copy = arena_alloc(recv->arena, size);
		memcpy(copy, DatumGetPointer(value), size);
		row->values[to] = PointerGetDatum(copy);
	}
	return true;
}

/*
 * inspect_history
 *		Every revision, newest first (children before parents, as
 *		`alembic history` prints), with its flags and when and by whom it was
 *		applied, from the log.
 *
 * The graph gives the order and the flags; the columns stored in the
 * catalog (ids, message, labels, applied_at and _by) come from one query,
 * whose rows are put aside in graph order as they arrive (rather than
 * copied into an SPI result first) and passed through as stored.  Having
 * the query join the graph's order and sort was measured slower.  A
 * revision that only one of the two knows of (the graph is read with a
 * newer snapshot than the statement's when another session registers
 * meanwhile) is left out.
 */
void
inspect_history(SvGraph *graph, Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	int			n = graph->nrevs;
	bool	   *all = palloc(sizeof(bool) * Max(n, 1));
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	HistoryRow *rows;
	HistoryReceiver recv[2];
	SvArena		arena;
	int			norder;

	for (int i = 0; i < n; i++)
		all[i] = true;
	norder = graph_order(graph, all, false, order);

	rows = palloc0(sizeof(HistoryRow) * Max(n, 1));
	for (int i = 0; i < n; i++)
		rows[i].nulls[HISTORY_APPLIED_AT] =
			rows[i].nulls[HISTORY_APPLIED_AT + 1] = true;
	arena_init(&arena, CurrentMemoryContext);
	for (int q = 0; q < 2; q++)
	{
		catalog_receiver_init(&recv[q].pub, history_receive);
		recv[q].graph = graph;
		recv[q].rows = rows;
		recv[q].first_column = q == 0 ? 1 : HISTORY_APPLIED_AT;
		recv[q].arena = &arena;
		recv[q].received = 0;
	}
	catalog_history_rows(&recv[0].pub, &recv[1].pub);

	for (int k = 0; k < norder; k++)
	{
		SvRevision *r = &graph->revs[order[k]];
		HistoryRow *row = &rows[order[k]];
		Datum		values[10];
		bool		nulls[10];

		if (!row->present)
			continue;
		/* revision, down_revision, message, branch_labels, depends_on */
		memcpy(values, row->values, sizeof(Datum) * 5);
		memcpy(nulls, row->nulls, sizeof(bool) * 5);
		values[5] = BoolGetDatum(r->nchildren == 0);
		values[6] = BoolGetDatum(r->current);
		values[7] = BoolGetDatum(r->applied);
		nulls[5] = nulls[6] = nulls[7] = false;
		/* applied_at, applied_by: only for a revision that is applied */
		values[8] = row->values[HISTORY_APPLIED_AT];
		values[9] = row->values[HISTORY_APPLIED_AT + 1];
		nulls[8] = nulls[9] = (!r->applied ||
							   row->nulls[HISTORY_APPLIED_AT] ||
							   row->nulls[HISTORY_APPLIED_AT + 1]);
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
