/*-------------------------------------------------------------------------
 *
 * sync.c
 *	  The server side of the schemaver command's directory synchronisation:
 *	  schemaver_sync, schemaver_sync_compare, schemaver_sync_check and the
 *	  trigger that forgets synchronised directories.
 *
 * Before most commands, the schemaver command makes sure that every
 * revision file of its directory is registered with the content it has
 * now.  Sending every file at every start would cost a deploy that has
 * nothing to do most of its time, so the server remembers directories:
 * schemaver.synced_directory holds the digest (SHA-256 over the file names
 * and contents, computed here from what was registered, never taken from
 * the client) of each directory synchronised since the revisions last
 * changed, and the trigger on schemaver.revision empties it at every
 * change (as schemaver.graph_heads is emptied).  The client computes the
 * digest of its directory the same way and asks schemaver_sync_check(): one
 * round trip when nothing is new.  Otherwise it sends the names and
 * contents of all its files to schemaver_sync(), which, holding schemaver's
 * lock:
 *
 *	 1. reads every file with the server's parser (revfile.c), refusing a
 *		file that is not one call of schemaver_add_revision;
 *	 2. compares each with the registered revision: a file whose revision
 *		is applied and whose content differs is an error that names the
 *		file and the revision, raised before anything is registered;
 *	 3. registers the new and changed files by calling
 *		schemaver_add_revision (with the caller's rights and all its checks);
 *	 4. remembers the directory's digest.
 *
 * schemaver_sync_compare() does steps 1 and 2 only and changes nothing, for
 * "schemaver check"; it also lists registered revisions that no file
 * registers.
 *
 * The digests table is a cache of the extension, read and written only by
 * this file's code, as the table's owner (as catalog.c does with
 * schemaver.graph_heads): no role needs a grant on it, and no role can
 * store a digest without registering the files it describes, since the
 * digest is computed here from the files registered.
 *
 * src/sync.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "schemaver.h"

PG_FUNCTION_INFO_V1(schemaver_sync);
PG_FUNCTION_INFO_V1(schemaver_sync_compare);
PG_FUNCTION_INFO_V1(schemaver_sync_check);
PG_FUNCTION_INFO_V1(schemaver_forget_synced_directories);

/* How a file compares with the catalog */
typedef enum SyncStatus
{
	SYNC_NEW,					/* its revision is not registered */
	SYNC_UNCHANGED,				/* registered with the same content */
	SYNC_CHANGED,				/* registered with other content, not applied */
	SYNC_APPLIED_CHANGED		/* registered with other content, applied */
} SyncStatus;

/* One file sent by the client */
typedef struct SyncFile
{
	char	   *name;
	char	   *content;
	SvRevisionFile *rf;
	SyncStatus	status;
} SyncFile;

/* Where schemaver_forget_synced_directories last emptied the table */
static LocalTransactionId forgot_in_xact = InvalidLocalTransactionId;
static SubTransactionId forgot_in_subxact = InvalidSubTransactionId;

static SyncFile *read_files(FunctionCallInfo fcinfo, int *nfiles);
static int	compare_revisions(const void *a, const void *b);
static char *directory_digest(SyncFile *files, int nfiles);
static bool same_ids(Datum stored, ArrayType *file);
static bool same_text(HeapTuple tup, TupleDesc desc, int col,
					  const char *file);
static void compare_files(SyncFile *files, int nfiles);
static void check_no_applied_change(SyncFile *files, int nfiles);
static void register_files(SyncFile *files, int nfiles, Oid nsp);
static void register_error_callback(void *arg);
static Oid	digests_owner(void);
static void execute_as_owner(const char *sql, int nargs, Oid *argtypes,
							 Datum *values, Snapshot snapshot, bool read_only);
static void put_row(ReturnSetInfo *rsinfo, const char *file,
					const char *revision, const char *status);

/*
 * Check and read the (files text[], contents text[]) arguments: two
 * one-dimensional arrays of the same length, without NULL, the names
 * distinct, non-empty and in ascending byte order (the order the digest
 * is computed in), then each file read by revfile_parse.
 */
static SyncFile *
read_files(FunctionCallInfo fcinfo, int *nfiles)
{
	ArrayType  *names;
	ArrayType  *contents;
	Datum	   *nd;
	Datum	   *cd;
	bool	   *nn;
	bool	   *cn;
	int			n;
	int			m;
	SyncFile   *files;
	SyncFile  **by_revision;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("files and contents must not be NULL")));
	names = PG_GETARG_ARRAYTYPE_P(0);
	contents = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(names) > 1 || ARR_NDIM(contents) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("files and contents must be one-dimensional arrays")));
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &nd, &nn, &n);
	deconstruct_array(contents, TEXTOID, -1, false, TYPALIGN_INT, &cd, &cn, &m);
	if (n != m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("files and contents must have the same number of elements"),
				 errdetail("files has %d elements, contents %d.", n, m)));

	files = palloc0(sizeof(SyncFile) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (nn[i] || cn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("files and contents must not contain NULL")));
		files[i].name = TextDatumGetCString(nd[i]);
		files[i].content = TextDatumGetCString(cd[i]);
		if (files[i].name[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a file name must not be empty")));
		/* names are quoted as they are in later messages: no control characters */
		if (strcmp(sv_printable(files[i].name), files[i].name) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("file name \"%s\" contains control characters",
							sv_shorten(files[i].name)),
					 errhint("Rename the file.")));
		if (i > 0 && strcmp(files[i - 1].name, files[i].name) >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("file names must be distinct and in ascending byte order"),
					 errdetail("\"%s\" comes after \"%s\".",
							   sv_shorten(files[i].name),
							   sv_shorten(files[i - 1].name))));
	}
	for (int i = 0; i < n; i++)
		files[i].rf = revfile_parse(files[i].name, files[i].content);

	/* two files registering one revision would replace each other */
	by_revision = palloc(sizeof(SyncFile *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		by_revision[i] = &files[i];
	qsort(by_revision, n, sizeof(SyncFile *), compare_revisions);
	for (int i = 1; i < n; i++)
		if (compare_revisions(&by_revision[i - 1], &by_revision[i]) == 0)
		{
			SyncFile   *a = by_revision[i - 1];
			SyncFile   *b = by_revision[i];

			if (strcmp(a->name, b->name) > 0)
			{
				a = by_revision[i];
				b = by_revision[i - 1];
			}
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("revision files \"%s\" and \"%s\" both register revision \"%s\"",
							a->name, b->name, sv_shorten(a->rf->revision))));
		}
	*nfiles = n;
	return files;
}

/* qsort and bsearch comparator of SyncFile pointers by revision id */
static int
compare_revisions(const void *a, const void *b)
{
	return strcmp((*(SyncFile *const *) a)->rf->revision,
				  (*(SyncFile *const *) b)->rf->revision);
}

/*
 * The digest of a directory: SHA-256 (hex) over a version tag and, for
 * each file in name order, its name, a NUL, the length of its content in
 * decimal, a NUL and the content.  The schemaver command computes it the
 * same way (src/client/sync.c).
 */
static char *
directory_digest(SyncFile *files, int nfiles)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);
	static const char tag[] = "schemaver-directory-1\n";
	bool		ok;

	ok = pg_cryptohash_init(ctx) == 0 &&
		pg_cryptohash_update(ctx, (const uint8 *) tag, strlen(tag)) == 0;
	for (int i = 0; ok && i < nfiles; i++)
	{
		char		len[32];

		snprintf(len, sizeof(len), "%zu", strlen(files[i].content));
		ok = pg_cryptohash_update(ctx, (const uint8 *) files[i].name,
								  strlen(files[i].name) + 1) == 0 &&
			pg_cryptohash_update(ctx, (const uint8 *) len, strlen(len) + 1) == 0 &&
			pg_cryptohash_update(ctx, (const uint8 *) files[i].content,
								 strlen(files[i].content)) == 0;
	}
	if (!ok || pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not compute the digest of the revision files: %s",
						pg_cryptohash_error(ctx))));
	pg_cryptohash_free(ctx);
	hex_encode((char *) digest, sizeof(digest), hex);
	hex[PG_SHA256_DIGEST_LENGTH * 2] = '\0';
	return hex;
}

/*
 * Whether a stored id array (never NULL in the catalog) holds the same ids,
 * in the same order, as a file's (NULL: none).
 */
static bool
same_ids(Datum stored, ArrayType *file)
{
	Datum	   *se;
	Datum	   *fe = NULL;
	bool	   *sn;
	bool	   *fn;
	int			ns;
	int			nf = 0;

	deconstruct_array(DatumGetArrayTypeP(stored), TEXTOID, -1, false,
					  TYPALIGN_INT, &se, &sn, &ns);
	if (file != NULL && ARR_NDIM(file) > 0)
		deconstruct_array(file, TEXTOID, -1, false, TYPALIGN_INT,
						  &fe, &fn, &nf);
	if (ns != nf)
		return false;
	for (int i = 0; i < ns; i++)
		if (sn[i] || fn[i] ||
			strcmp(TextDatumGetCString(se[i]), TextDatumGetCString(fe[i])) != 0)
			return false;
	return true;
}

/* Whether two nullable strings are equal */
static bool
same_text(HeapTuple tup, TupleDesc desc, int col, const char *file)
{
	char	   *stored = SPI_getvalue(tup, desc, col);

	if (stored == NULL || file == NULL)
		return stored == NULL && file == NULL;
	return strcmp(stored, file) == 0;
}

/*
 * Set each file's status from the registered revision of the same id, read
 * with the caller's rights.  A revision is applied when schemaver.applied
 * lists it (the same set as the graph's; schemaver_verify checks that).
 */
static void
compare_files(SyncFile *files, int nfiles)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(nfiles, 1));
	Datum		values[1];
	Oid			argtypes[1] = {TEXTARRAYOID};
	int			rc;
	SyncFile  **by_revision;

	for (int i = 0; i < nfiles; i++)
	{
		ids[i] = CStringGetTextDatum(files[i].rf->revision);
		files[i].status = SYNC_NEW;
	}
	values[0] = PointerGetDatum(construct_array(ids, nfiles, TEXTOID, -1,
												false, TYPALIGN_INT));
	rc = SPI_execute_with_args(
							   "SELECT r.revision, r.down_revision, r.depends_on, r.branch_labels,"
							   " r.message, r.upgrade_sql, r.downgrade_sql,"
							   " EXISTS (SELECT FROM ONLY schemaver.applied a"
							   "  WHERE a.revision OPERATOR(pg_catalog.=) r.revision)"
							   " FROM ONLY schemaver.revision r"
							   " WHERE r.revision OPERATOR(pg_catalog.=) ANY ($1)",
							   1, argtypes, values, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the registered revisions failed: %s",
			 SPI_result_code_string(rc));

	/* the files by revision id (read_files checked that ids are distinct) */
	by_revision = palloc(sizeof(SyncFile *) * Max(nfiles, 1));
	for (int i = 0; i < nfiles; i++)
		by_revision[i] = &files[i];
	qsort(by_revision, nfiles, sizeof(SyncFile *), compare_revisions);

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		SvRevisionFile key_rf;
		SyncFile	key;
		SyncFile   *keyp = &key;
		SyncFile  **found;
		SvRevisionFile *rf;
		bool		isnull;
		bool		same;

		key_rf.revision = SPI_getvalue(tup, desc, 1);
		key.rf = &key_rf;
		found = bsearch(&keyp, by_revision, nfiles, sizeof(SyncFile *),
						compare_revisions);
		if (found == NULL)
			continue;
		rf = (*found)->rf;
		same = same_ids(SPI_getbinval(tup, desc, 2, &isnull), rf->down_revision) &&
			same_ids(SPI_getbinval(tup, desc, 3, &isnull), rf->depends_on) &&
			same_ids(SPI_getbinval(tup, desc, 4, &isnull), rf->branch_labels) &&
			same_text(tup, desc, 5, rf->message) &&
			same_text(tup, desc, 6, rf->upgrade) &&
			same_text(tup, desc, 7, rf->downgrade);
		if (same)
			(*found)->status = SYNC_UNCHANGED;
		else if (DatumGetBool(SPI_getbinval(tup, desc, 8, &isnull)))
			(*found)->status = SYNC_APPLIED_CHANGED;
		else
			(*found)->status = SYNC_CHANGED;
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The error for files changed after their revision was applied: the first
 * one in the message, every one in the detail.
 */
static void
check_no_applied_change(SyncFile *files, int nfiles)
{
	StringInfoData all;
	int			count = 0;
	SyncFile   *first = NULL;

	initStringInfo(&all);
	for (int i = 0; i < nfiles; i++)
	{
		if (files[i].status != SYNC_APPLIED_CHANGED)
			continue;
		if (first == NULL)
			first = &files[i];
		appendStringInfo(&all, "%s\"%s\" (revision \"%s\")", count ? ", " : "",
						 files[i].name, files[i].rf->revision);
		count++;
	}
	if (first == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("revision file \"%s\" has changed since revision \"%s\" was applied",
					first->name, first->rf->revision),
			 count > 1 ?
			 errdetail("%d files changed after their revision was applied: %s. Nothing was registered.",
					   count, all.data) :
			 errdetail("The file's content differs from the registered revision's. Nothing was registered."),
			 errhint("An applied revision cannot be changed: restore the file (for example with git checkout) and put the change into a new revision.")));
}

/* Error context while one file is registered */
static void
register_error_callback(void *arg)
{
	errcontext("registering revision file \"%s\"", (const char *) arg);
}

/*
 * Register the new and changed files through schemaver_add_revision, in
 * the extension's schema nsp, so that the caller needs the right to execute
 * it and every check of registration applies.
 */
static void
register_files(SyncFile *files, int nfiles, Oid nsp)
{
	char	   *sql;
	Oid			argtypes[7] = {TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTARRAYOID, TEXTARRAYOID};
	SPIPlanPtr	plan = NULL;

	for (int i = 0; i < nfiles; i++)
	{
		SvRevisionFile *rf = files[i].rf;
		Datum		values[7];
		char		nulls[7];
		ErrorContextCallback errcb;
		int			rc;

		if (files[i].status != SYNC_NEW && files[i].status != SYNC_CHANGED)
			continue;
		memset(nulls, ' ', sizeof(nulls));
		if (plan == NULL)
		{
			sql = psprintf("SELECT %s.schemaver_add_revision($1, $2, $3, $4, $5, $6, $7)",
						   quote_identifier(get_namespace_name(nsp)));
			plan = SPI_prepare(sql, 7, argtypes);
			if (plan == NULL)
				elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
					 SPI_result_code_string(SPI_result));
		}
		values[0] = CStringGetTextDatum(rf->revision);
		values[1] = PointerGetDatum(rf->down_revision);
		nulls[1] = rf->down_revision ? ' ' : 'n';
		values[2] = CStringGetTextDatum(rf->upgrade);
		values[3] = rf->downgrade ? CStringGetTextDatum(rf->downgrade) : (Datum) 0;
		nulls[3] = rf->downgrade ? ' ' : 'n';
		values[4] = rf->message ? CStringGetTextDatum(rf->message) : (Datum) 0;
		nulls[4] = rf->message ? ' ' : 'n';
		values[5] = PointerGetDatum(rf->depends_on);
		nulls[5] = rf->depends_on ? ' ' : 'n';
		values[6] = PointerGetDatum(rf->branch_labels);
		nulls[6] = rf->branch_labels ? ' ' : 'n';

		errcb.callback = register_error_callback;
		errcb.arg = files[i].name;
		errcb.previous = error_context_stack;
		error_context_stack = &errcb;
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
		error_context_stack = errcb.previous;
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "registering \"%s\" failed: %s", files[i].name,
				 SPI_result_code_string(rc));
	}
	if (plan != NULL)
		SPI_freeplan(plan);
}

/*
 * The owner of schemaver.synced_directory; an error when the table does
 * not exist (a database still at release 1.0).
 */
static Oid
digests_owner(void)
{
	Oid			relid = get_relname_relid("synced_directory",
										  catalog_schema_oid(false));
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("schemaver's catalog has no table \"synced_directory\""),
				 errhint("Update the extension: ALTER EXTENSION schemaver UPDATE.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Run one statement on schemaver.synced_directory as the table's owner
 * (the statements are this file's constants; the values are parameters).
 * snapshot: the one to run with, or InvalidSnapshot for SPI's usual one.
 */
static void
execute_as_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
				 Snapshot snapshot, bool read_only)
{
	Oid			owner = digests_owner();
	Oid			save_userid;
	int			save_sec_context;
	SPIPlanPtr	plan;
	int			rc;

	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	/* an error on the way restores the user at (sub)transaction abort */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	rc = SPI_execute_snapshot(plan, values, NULL, snapshot, InvalidSnapshot,
							  read_only, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (rc < 0)
		elog(ERROR, "SPI_execute_snapshot failed for \"%s\": %s", sql,
			 SPI_result_code_string(rc));
	SPI_freeplan(plan);
}

/* Add one (file, revision, status) row to the result */
static void
put_row(ReturnSetInfo *rsinfo, const char *file, const char *revision,
		const char *status)
{
	Datum		values[3];
	bool		nulls[3] = {file == NULL, revision == NULL, false};

	values[0] = file ? CStringGetTextDatum(file) : (Datum) 0;
	values[1] = revision ? CStringGetTextDatum(revision) : (Datum) 0;
	values[2] = CStringGetTextDatum(status);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * schemaver_sync(files text[], contents text[])
 *		Register the revision files of a directory (names and contents, in
 *		ascending name order) and remember the directory's digest.  One row
 *		per file: (file, revision, status), status 'registered' (new),
 *		'replaced' (changed, not applied) or 'unchanged'.  A file changed
 *		after its revision was applied is an error, before anything is
 *		registered.
 */
Datum
schemaver_sync(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SyncFile   *files;
	int			nfiles;

	guard_check_not_nested("schemaver_sync()");
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	run_lock();
	files = read_files(fcinfo, &nfiles);
	compare_files(files, nfiles);
	check_no_applied_change(files, nfiles);
	/* schemaver_add_revision is where this function is: the extension's schema */
	register_files(files, nfiles, get_func_namespace(fcinfo->flinfo->fn_oid));

	/*
	 * Remember the directory, unless this transaction cannot write or reads
	 * from one snapshot for its life (a digest another session stored after
	 * that snapshot would make the upsert fail, for the sake of a cache).
	 */
	if (!XactReadOnly && !IsolationUsesXactSnapshot())
	{
		Oid			argtypes[2] = {TEXTOID, NAMEOID};
		Datum		values[2];

		values[0] = CStringGetTextDatum(directory_digest(files, nfiles));
		values[1] = DirectFunctionCall1(namein,
										CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
		execute_as_owner("INSERT INTO schemaver.synced_directory AS s"
						 " (digest, synced_at, synced_by)"
						 " VALUES ($1, pg_catalog.now(), $2)"
						 " ON CONFLICT (digest) DO UPDATE"
						 " SET synced_at = EXCLUDED.synced_at, synced_by = EXCLUDED.synced_by",
						 2, argtypes, values, InvalidSnapshot, false);
		/* a later change in this transaction must forget it again */
		forgot_in_xact = InvalidLocalTransactionId;
	}

	/* the files live in SPI's memory: output them before it goes */
	for (int i = 0; i < nfiles; i++)
		put_row(rsinfo, files[i].name, files[i].rf->revision,
				files[i].status == SYNC_NEW ? "registered" :
				files[i].status == SYNC_CHANGED ? "replaced" : "unchanged");
	SPI_finish();
	return (Datum) 0;
}

/*
 * schemaver_sync_compare(files text[], contents text[])
 *		Compare a directory with the catalog, changing nothing: one row per
 *		file (file, revision, status), status 'new', 'unchanged', 'changed'
 *		(not applied) or 'applied_changed', then one row (NULL, revision,
 *		'no_file') per registered revision that no file registers.
 */
Datum
schemaver_sync_compare(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const char *const names[] = {
		[SYNC_NEW] = "new",
		[SYNC_UNCHANGED] = "unchanged",
		[SYNC_CHANGED] = "changed",
		[SYNC_APPLIED_CHANGED] = "applied_changed"
	};
	SyncFile   *files;
	int			nfiles;
	Datum	   *ids;
	Datum		values[1];
	Oid			argtypes[1] = {TEXTARRAYOID};
	int			rc;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	files = read_files(fcinfo, &nfiles);
	compare_files(files, nfiles);
	for (int i = 0; i < nfiles; i++)
		put_row(rsinfo, files[i].name, files[i].rf->revision,
				names[files[i].status]);

	ids = palloc(sizeof(Datum) * Max(nfiles, 1));
	for (int i = 0; i < nfiles; i++)
		ids[i] = CStringGetTextDatum(files[i].rf->revision);
	values[0] = PointerGetDatum(construct_array(ids, nfiles, TEXTOID, -1,
												false, TYPALIGN_INT));
	rc = SPI_execute_with_args("SELECT r.revision FROM ONLY schemaver.revision r"
							   " WHERE NOT EXISTS (SELECT FROM pg_catalog.unnest($1) AS f(id)"
							   "  WHERE f.id OPERATOR(pg_catalog.=) r.revision)"
							   " ORDER BY r.revision COLLATE pg_catalog.\"C\"",
							   1, argtypes, values, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the registered revisions failed: %s",
			 SPI_result_code_string(rc));
	for (uint64 r = 0; r < SPI_processed; r++)
		put_row(rsinfo, NULL,
				SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1),
				"no_file");
	SPI_finish();
	return (Datum) 0;
}

/*
 * schemaver_sync_check(digest text) RETURNS boolean
 *		Whether a directory with this digest was synchronised since the
 *		revisions last changed: then every one of its files is registered
 *		with its content, and the client has nothing to send.
 */
Datum
schemaver_sync_check(PG_FUNCTION_ARGS)
{
	char	   *digest = sv_text_arg(fcinfo, 0, "digest", true);
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	bool		found;

	values[0] = CStringGetTextDatum(digest);
	SPI_connect();
	execute_as_owner("SELECT FROM ONLY schemaver.synced_directory s"
					 " WHERE s.digest OPERATOR(pg_catalog.=) $1",
					 1, argtypes, values, InvalidSnapshot, true);
	found = (SPI_processed > 0);
	SPI_finish();
	PG_RETURN_BOOL(found);
}

/*
 * schemaver.forget_synced_directories(): statement trigger on
 * schemaver.revision that empties schemaver.synced_directory, since the
 * revisions no longer are what any remembered directory registered.
 *
 * It takes schemaver's lock first (schemaver_sync holds it while it
 * registers and stores a digest), then deletes with the latest snapshot,
 * so that a digest stored and committed by a sync that ran before the lock
 * was granted goes too.  Once per (sub)transaction is enough while the
 * lock is held, except after this transaction stored a digest itself
 * (schemaver_sync resets the marker).
 */
Datum
schemaver_forget_synced_directories(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("schemaver.forget_synced_directories() must be called as a trigger")));
	if (forgot_in_xact == SV_MY_LXID &&
		forgot_in_subxact == GetCurrentSubTransactionId())
		return PointerGetDatum(NULL);

	lock_acquire(false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	execute_as_owner("DELETE FROM ONLY schemaver.synced_directory", 0, NULL, NULL,
					 GetLatestSnapshot(), false);
	SPI_finish();
	forgot_in_xact = SV_MY_LXID;
	forgot_in_subxact = GetCurrentSubTransactionId();
	return PointerGetDatum(NULL);
}
