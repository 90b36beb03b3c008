/*-------------------------------------------------------------------------
 *
 * checksum.c
 *	  Checksums: of a revision's content (stored with it, compared when it
 *	  is registered again, recorded in the log), and of a plan (the
 *	  fingerprint that binds a reviewed preview script to the call that
 *	  applies it).
 *
 * Both are SHA-256, in hex, over a serialization in which every field is
 * length-prefixed, so that no two different contents serialize alike.
 *
 * This file is at the bottom: it calls no other file of schemaver.
 *
 * src/checksum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "schemaver.h"

static void append_field(StringInfo buf, const char *value);
static void append_array(StringInfo buf, ArrayType *arr);
static char *sha256_hex(StringInfo input, const char *what);

/* Append one length-prefixed field ("-" for NULL) to the checksum input */
static void
append_field(StringInfo buf, const char *value)
{
	if (value == NULL)
		appendStringInfoString(buf, "-;");
	else
	{
		appendStringInfo(buf, "%zu:", strlen(value));
		appendStringInfoString(buf, value);
		appendStringInfoChar(buf, ';');
	}
}

/* Append a text[] as a count followed by its elements */
static void
append_array(StringInfo buf, ArrayType *arr)
{
	Datum	   *elems;
	bool	   *isnull;
	int			n = 0;

	if (ARR_NDIM(arr) > 0)
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &isnull, &n);
	appendStringInfo(buf, "[%d]", n);
	for (int i = 0; i < n; i++)
		append_field(buf, isnull[i] ? NULL : TextDatumGetCString(elems[i]));
}

/* SHA-256 of the input, in hex; what names it in an error */
static char *
sha256_hex(StringInfo input, const char *what)
{
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);

	ctx = pg_cryptohash_create(PG_SHA256);
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) input->data, input->len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not compute the checksum of %s: %s",
						what, pg_cryptohash_error(ctx))));
	pg_cryptohash_free(ctx);
	hex_encode((char *) digest, sizeof(digest), hex);
	hex[PG_SHA256_DIGEST_LENGTH * 2] = '\0';
	return hex;
}

/*
 * sv_checksum
 *		SHA-256 (hex) of a revision's content: every argument of
 *		schemaver_add_revision.
 */
char *
sv_checksum(const char *revision, ArrayType *parents, ArrayType *depends_on,
			ArrayType *branch_labels, const char *message,
			const char *upgrade_sql, const char *downgrade_sql)
{
	StringInfoData buf;
	char	   *hex;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "schemaver-1;");
	append_field(&buf, revision);
	append_array(&buf, parents);
	append_array(&buf, depends_on);
	append_array(&buf, branch_labels);
	append_field(&buf, message);
	append_field(&buf, upgrade_sql);
	append_field(&buf, downgrade_sql);
	hex = sha256_hex(&buf, psprintf("revision \"%s\"", revision));
	pfree(buf.data);
	return hex;
}

/*
 * sv_plan_fingerprint
 *		SHA-256 (hex) of a plan: the operation it is for, the heads it starts
 *		from, and each step's operation, revision id and content checksum,
 *		in order.  Two plans with the same fingerprint run the same SQL in
 *		the same order from the same state.
 */
char *
sv_plan_fingerprint(const char *direction, int nheads, const char **heads,
					int nsteps, const char **ops, const char **revisions,
					const char **checksums)
{
	StringInfoData buf;
	char	   *hex;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "schemaver-plan-1;");
	append_field(&buf, direction);
	appendStringInfo(&buf, "[%d]", nheads);
	for (int i = 0; i < nheads; i++)
		append_field(&buf, heads[i]);
	appendStringInfo(&buf, "[%d]", nsteps);
	for (int i = 0; i < nsteps; i++)
	{
		append_field(&buf, ops[i]);
		append_field(&buf, revisions[i]);
		append_field(&buf, checksums[i]);
	}
	hex = sha256_hex(&buf, "a plan");
	pfree(buf.data);
	return hex;
}
