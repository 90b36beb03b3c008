/*-------------------------------------------------------------------------
 *
 * register.c
 *	  Registering revisions: argument checks, identifiers, the content
 *	  checksum, and the insert-or-compare logic of schemaver_add_revision.
 *
 * Registering is idempotent so that an application may run all its
 * migration files at every start: the same content again is a no-op;
 * different content replaces the registration (with a NOTICE) while the
 * revision is not applied, and is an error once it is.  The graph is not
 * checked here: parents may be registered after their children, so the
 * graph is validated when it is used.  The content's checksum is
 * checksum.c's.
 *
 * src/register.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "schemaver.h"

static int	compare_cstrings(const void *a, const void *b);
static void check_not_self(const char *revision, ArrayType *ids,
						   const char *what);

/*
 * sv_valid_identifier
 *		Whether a revision id or branch label has the contract's shape:
 *		^[A-Za-z0-9_]{1,63}$ and not head, heads or base in any case.
 */
bool
sv_valid_identifier(const char *id)
{
	size_t		len = strlen(id);

	if (len == 0 || len > SV_MAX_ID_LEN)
		return false;
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len)
		return false;
	if (pg_strcasecmp(id, "head") == 0 || pg_strcasecmp(id, "heads") == 0 ||
		pg_strcasecmp(id, "base") == 0)
		return false;
	return true;
}

/*
 * sv_check_identifier
 *		Raise the error for an id or label that does not have the shape.
 *		"what" is "revision id" or "branch label".
 */
void
sv_check_identifier(const char *id, const char *what)
{
	if (sv_valid_identifier(id))
		return;
	if (pg_strcasecmp(id, "head") == 0 || pg_strcasecmp(id, "heads") == 0 ||
		pg_strcasecmp(id, "base") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_RESERVED_NAME),
				 errmsg("%s \"%s\" is reserved", what, id),
				 errdetail("\"head\", \"heads\" and \"base\" name positions in the graph, in any case.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", what, sv_shorten(id)),
			 errdetail("A %s has 1 to %d characters from A-Z, a-z, 0-9 and \"_\".",
					   what, SV_MAX_ID_LEN)));
}

/* qsort comparator for C strings */
static int
compare_cstrings(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * register_id_array
 *		Check an array argument of ids (parents, dependencies, labels) and
 *		return it as a plain one-dimensional text[] (empty for NULL).  NULL
 *		elements, bad ids, repeated ids and more than SV_MAX_IDS ids are
 *		errors.  Linear in the size of the array but for one sort, and
 *		interruptible.  revfile.c checks a revision file's arrays with it
 *		too, so that reading a file reports what registering it would.
 */
ArrayType *
register_id_array(ArrayType *arr, const char *argname, const char *what)
{
	Datum	   *elems;
	bool	   *isnull;
	char	  **ids;
	int			n;

	if (arr == NULL || ARR_NDIM(arr) == 0)
		return construct_empty_array(TEXTOID);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (n > SV_MAX_IDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s lists %d ids, more than the %d allowed", argname,
						n, SV_MAX_IDS),
				 errhint("Split a merge of that many revisions into merges of fewer.")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &isnull, &n);
	ids = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", argname)));
		ids[i] = TextDatumGetCString(elems[i]);
		sv_check_identifier(ids[i], what);
	}

	/* repeated ids are neighbours once sorted */
	qsort(ids, n, sizeof(char *), compare_cstrings);
	for (int i = 1; i < n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s lists \"%s\" more than once", argname, ids[i])));
	pfree(ids);
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * A revision that names itself as a parent or dependency is a cycle that can
 * be seen without the graph: refuse it at once.
 */
static void
check_not_self(const char *revision, ArrayType *ids, const char *what)
{
	Datum	   *elems;
	bool	   *isnull;
	int			n = 0;

	if (ARR_NDIM(ids) > 0)
		deconstruct_array(ids, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &isnull, &n);
	for (int i = 0; i < n; i++)
		if (strcmp(TextDatumGetCString(elems[i]), revision) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision \"%s\" cannot be %s", revision, what)));
}

/*
 * register_revision
 *		The body of schemaver_add_revision, for both forms of down_revision
 *		(parents is already an array here, NULL for a base).  The caller has
 *		refused a NULL revision or upgrade SQL.
 */
char *
register_revision(const char *revision, ArrayType *parents,
				  const char *upgrade_sql, const char *downgrade_sql,
				  const char *message, ArrayType *depends_on,
				  ArrayType *branch_labels)
{
	char	   *checksum;
	char	   *stored;
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};
	ArrayType  *parr;
	ArrayType  *darr;
	ArrayType  *larr;

	sv_check_identifier(revision, "revision id");
	parr = register_id_array(parents, "down_revision", "revision id");
	darr = register_id_array(depends_on, "depends_on", "revision id");
	larr = register_id_array(branch_labels, "branch_labels", "branch label");
	check_not_self(revision, parr, "its own parent");
	check_not_self(revision, darr, "a dependency of itself");
	checksum = sv_checksum(revision, parr, darr, larr, message, upgrade_sql,
						   downgrade_sql);

	values[0] = CStringGetTextDatum(revision);
	values[1] = PointerGetDatum(parr);
	values[2] = PointerGetDatum(darr);
	values[3] = PointerGetDatum(larr);
	if (message)
		values[4] = CStringGetTextDatum(message);
	else
		nulls[4] = true;
	values[5] = CStringGetTextDatum(upgrade_sql);
	if (downgrade_sql)
		values[6] = CStringGetTextDatum(downgrade_sql);
	else
		nulls[6] = true;
	values[7] = CStringGetTextDatum(checksum);

	run_lock();
	if (catalog_insert_revision(values, nulls))
		return pstrdup(revision);

	if (!catalog_get_checksum(revision, &stored))
		elog(ERROR, "revision \"%s\" vanished while it was locked", revision);
	if (strcmp(stored, checksum) == 0)
		return pstrdup(revision);

	{
		List	   *problems = NIL;
		SvGraph    *graph = catalog_load_graph_problems(&problems, true);
		int			idx = graph_find(graph, revision);

		if (idx >= 0 && graph->revs[idx].applied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is applied and its content has changed",
							revision),
					 errdetail("The registered checksum is %s; the new content's is %s.",
							   stored, checksum),
					 errhint("An applied revision cannot be changed: register the change as a new revision, or downgrade this one first.")));
	}
	catalog_update_revision(values, nulls);
	ereport(NOTICE,
			(errmsg("revision \"%s\" is registered with different content, replacing it",
					revision),
			 errdetail("The revision is not applied, so its new content will be used.")));
	return pstrdup(revision);
}
