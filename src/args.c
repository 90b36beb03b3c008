/*-------------------------------------------------------------------------
 *
 * args.c
 *	  Reading the arguments of schemaver's SQL-callable functions: NULL is
 *	  an error where the function needs a value, and a plan fingerprint
 *	  must look like one.  Shared by entry.c, script.c and scriptrun.c.
 *
 * This file is at the bottom: it calls no other file of schemaver but
 * escape.c, for showing a bad argument in a message.
 *
 * src/args.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "schemaver.h"

/*
 * sv_text_arg
 *		A text argument as a C string; NULL is an error when required, else
 *		returned as NULL.
 */
char *
sv_text_arg(FunctionCallInfo fcinfo, int argno, const char *argname,
			bool required)
{
	if (PG_ARGISNULL(argno))
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", argname)));
		return NULL;
	}
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * sv_int_arg
 *		A required integer argument.
 */
int32
sv_int_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", argname)));
	return PG_GETARG_INT32(argno);
}

/*
 * sv_fingerprint_arg
 *		A required plan fingerprint: 64 lower-case hexadecimal digits, as
 *		the header of a preview script shows it.
 */
char *
sv_fingerprint_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	char	   *fingerprint = sv_text_arg(fcinfo, argno, argname, true);

	if (strlen(fingerprint) != 64 ||
		strspn(fingerprint, "0123456789abcdef") != 64)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid plan fingerprint \"%s\"",
						sv_shorten(sv_printable(fingerprint))),
				 errdetail("A plan fingerprint is 64 hexadecimal digits, as the header of a preview script shows it."),
				 errhint("Get it from schemaver_upgrade_sql() or schemaver_downgrade_sql() for the same target.")));
	return fingerprint;
}
