/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  Hooks that keep revision SQL away from the extension itself.
 *
 * While a revision's SQL runs (between guard_enter_revision and
 * guard_leave_revision), these refuse, with a clean error:
 *
 *	- dropping or altering the schemaver extension, its schema, its tables,
 *	  or its functions (object_access_hook), and DDL aimed at them that the
 *	  object access hook does not see (TRUNCATE, COPY FROM, ALTER TABLE,
 *	  CREATE TRIGGER, GRANT, objects created in or moved into its schema:
 *	  ProcessUtility_hook);
 *	- writing to the schemaver tables (ExecutorStart_hook);
 *	- CREATE INDEX CONCURRENTLY, with a hint on what to do instead;
 *	- calling a schemaver function that moves the database
 *	  (guard_check_not_nested).
 *
 * Outside revision SQL the hooks do nothing but pass the call on, so a DBA
 * can still repair the catalog by hand and pg_restore can load it.  The
 * hooks are installed when the library is loaded, which always happens
 * before any revision runs, since only schemaver's functions run revisions.
 *
 * src/guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "parser/parse_func.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "schemaver.h"

static int	revision_depth = 0;
static Oid	guarded_namespace = InvalidOid;
static Oid	guarded_extension = InvalidOid;

static ProcessUtility_hook_type prev_process_utility = NULL;
static ExecutorStart_hook_type prev_executor_start = NULL;
static object_access_hook_type prev_object_access = NULL;

static void guard_process_utility(PlannedStmt *pstmt, const char *queryString,
								  bool readOnlyTree,
								  ProcessUtilityContext context,
								  ParamListInfo params,
								  QueryEnvironment *queryEnv,
								  DestReceiver *dest, QueryCompletion *qc);
static void guard_executor_start(QueryDesc *queryDesc, int eflags);
static void guard_object_access(ObjectAccessType access, Oid classId,
								Oid objectId, int subId, void *arg);
pg_noreturn static void refuse(const char *what);
static void check_rangevar(RangeVar *rv, const char *what);
static bool names_schemaver(List *names);
static Oid	creation_namespace(const char *schemaname);
static void check_creation(RangeVar *rv);
static void check_creation_names(List *names);
static void check_grant(GrantStmt *grant);

/*
 * guard_install
 *		Chain our hooks in front of whatever was there.  Called once, from
 *		_PG_init.
 */
void
guard_install(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = guard_process_utility;
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = guard_executor_start;
	prev_object_access = object_access_hook;
	object_access_hook = guard_object_access;
}

/*
 * guard_prepare
 *		Note what to protect: the catalog schema and the extension.  Called
 *		once per call, before its revisions run (a lookup per revision would
 *		be a catalog scan per revision).
 */
void
guard_prepare(void)
{
	guarded_namespace = catalog_schema_oid(true);
	guarded_extension = get_extension_oid("schemaver", true);
}

/*
 * guard_enter_revision
 *		Revision SQL starts running.
 */
void
guard_enter_revision(void)
{
	revision_depth++;
}

/*
 * guard_leave_revision
 *		Revision SQL has finished (or failed: run.c calls this from
 *		PG_FINALLY).
 */
void
guard_leave_revision(void)
{
	if (revision_depth > 0)
		revision_depth--;
}

/*
 * guard_in_revision
 *		Whether revision SQL is running right now.
 */
bool
guard_in_revision(void)
{
	return revision_depth > 0;
}

/*
 * guard_check_not_nested
 *		Refuse a schemaver function that changes the catalog when it is
 *		called from revision SQL: it would run under the outer call's lock
 *		and bookkeeping and leave both inconsistent.
 */
void
guard_check_not_nested(const char *funcname)
{
	if (revision_depth > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("%s cannot be called from revision SQL", funcname),
				 errdetail("A revision is being applied or undone by schemaver.")));
}

/* Raise the error for a revision that touches the extension */
static void
refuse(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_IN_USE),
			 errmsg("revision SQL cannot %s", what),
			 errdetail("The schemaver extension is running the revision and owns that object."),
			 errhint("Change the schemaver catalog only through the schemaver functions, outside revision SQL.")));
}

/* Refuse a statement that names a relation in the schemaver schema */
static void
check_rangevar(RangeVar *rv, const char *what)
{
	Oid			relid;

	if (rv == NULL)
		return;
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (OidIsValid(relid) && get_rel_namespace(relid) == guarded_namespace)
		refuse(what);
}

/* Whether a list of schema names (String nodes) names the schemaver schema */
static bool
names_schemaver(List *names)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(strVal(lfirst(lc)), SV_SCHEMA) == 0)
			return true;
	return false;
}

/*
 * The schema an object named so would be created in, or InvalidOid: the
 * named schema, else the first schema of the search_path.  Unlike the
 * server's own lookup it raises no error, so that a name the server will
 * refuse gets the server's own message.
 */
static Oid
creation_namespace(const char *schemaname)
{
	List	   *path;
	Oid			result;

	if (schemaname)
		return get_namespace_oid(schemaname, true);
	path = fetch_search_path(false);
	result = path != NIL ? linitial_oid(path) : InvalidOid;
	list_free(path);
	return result;
}

/*
 * Refuse creating a relation or type in the schemaver schema, named with
 * the schema or reached through the search_path.
 */
static void
check_creation(RangeVar *rv)
{
	if (rv && rv->relpersistence != RELPERSISTENCE_TEMP &&
		OidIsValid(guarded_namespace) &&
		creation_namespace(rv->schemaname) == guarded_namespace)
		refuse("create objects in the schemaver schema");
}

/* The same for objects named by a (possibly qualified) name list */
static void
check_creation_names(List *names)
{
	char	   *schema;
	char	   *name;

	if (names == NIL || !OidIsValid(guarded_namespace))
		return;
	DeconstructQualifiedName(names, &schema, &name);
	if (creation_namespace(schema) == guarded_namespace)
		refuse("create objects in the schemaver schema");
}

/*
 * Refuse GRANT and REVOKE on the extension's schema, its tables and
 * sequences, and its functions.
 */
static void
check_grant(GrantStmt *grant)
{
	ListCell   *lc;

	if (grant->targtype == ACL_TARGET_ALL_IN_SCHEMA)
	{
		if (names_schemaver(grant->objects))
			refuse("change privileges in the schemaver schema");
		return;
	}
	if (grant->targtype != ACL_TARGET_OBJECT)
		return;
	foreach(lc, grant->objects)
	{
		Node	   *obj = lfirst(lc);

		switch (grant->objtype)
		{
			case OBJECT_TABLE:
			case OBJECT_SEQUENCE:
				check_rangevar((RangeVar *) obj,
							   "change privileges on the schemaver catalog");
				break;
			case OBJECT_SCHEMA:
				if (strcmp(strVal(obj), SV_SCHEMA) == 0)
					refuse("change privileges on the schemaver schema");
				break;
			case OBJECT_FUNCTION:
			case OBJECT_PROCEDURE:
			case OBJECT_ROUTINE:
				{
					Oid			func = LookupFuncWithArgs(grant->objtype,
														  (ObjectWithArgs *) obj,
														  true);

					if (OidIsValid(func) && OidIsValid(guarded_extension) &&
						getExtensionOfObject(ProcedureRelationId, func) == guarded_extension)
						refuse("change privileges on the functions of the schemaver extension");
				}
				break;
			default:
				break;
		}
	}
}

/*
 * ProcessUtility hook: statements that the object access hook does not see,
 * and CREATE INDEX CONCURRENTLY, which PostgreSQL would refuse without
 * saying what to do instead.
 */
static void
guard_process_utility(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree, ProcessUtilityContext context,
					  ParamListInfo params, QueryEnvironment *queryEnv,
					  DestReceiver *dest, QueryCompletion *qc)
{
	if (revision_depth > 0)
	{
		Node	   *stmt = pstmt->utilityStmt;

		switch (nodeTag(stmt))
		{
			case T_IndexStmt:
				if (((IndexStmt *) stmt)->concurrent)
					ereport(ERROR,
							(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
							 errmsg("CREATE INDEX CONCURRENTLY cannot run in revision SQL"),
							 errdetail("Revision SQL runs inside a transaction block, and CREATE INDEX CONCURRENTLY cannot."),
							 errhint("Use a plain CREATE INDEX in the revision (it locks writes to the table while it builds), or build the index with CREATE INDEX CONCURRENTLY outside schemaver before the migration and write CREATE INDEX IF NOT EXISTS in the revision.")));
				check_rangevar(((IndexStmt *) stmt)->relation,
							   "create an index on the schemaver catalog");
				break;
			case T_TruncateStmt:
				{
					ListCell   *lc;

					foreach(lc, ((TruncateStmt *) stmt)->relations)
						check_rangevar(lfirst_node(RangeVar, lc),
									   "truncate the schemaver catalog");
				}
				break;
			case T_CopyStmt:
				if (((CopyStmt *) stmt)->is_from)
					check_rangevar(((CopyStmt *) stmt)->relation,
								   "write to the schemaver catalog");
				break;
			case T_AlterTableStmt:
				check_rangevar(((AlterTableStmt *) stmt)->relation,
							   "alter the schemaver catalog");
				break;
			case T_CreateTrigStmt:
				check_rangevar(((CreateTrigStmt *) stmt)->relation,
							   "create a trigger on the schemaver catalog");
				break;
			case T_RuleStmt:
				check_rangevar(((RuleStmt *) stmt)->relation,
							   "create a rule on the schemaver catalog");
				break;
			case T_DropStmt:
				{
					DropStmt   *drop = (DropStmt *) stmt;
					ListCell   *lc;

					if (drop->removeType == OBJECT_EXTENSION)
						foreach(lc, drop->objects)
							if (strcmp(strVal(lfirst(lc)), "schemaver") == 0)
								refuse("drop the schemaver extension");
				}
				break;
			case T_GrantStmt:
				check_grant((GrantStmt *) stmt);
				break;
			case T_AlterDefaultPrivilegesStmt:
				{
					ListCell   *lc;

					foreach(lc, ((AlterDefaultPrivilegesStmt *) stmt)->options)
					{
						DefElem    *opt = lfirst_node(DefElem, lc);

						if (strcmp(opt->defname, "schemas") == 0 &&
							names_schemaver((List *) opt->arg))
							refuse("change privileges in the schemaver schema");
					}
				}
				break;
			case T_CreateStmt:
			case T_CreateForeignTableStmt:
				check_creation(((CreateStmt *) stmt)->relation);
				break;
			case T_ViewStmt:
				check_creation(((ViewStmt *) stmt)->view);
				break;
			case T_CreateTableAsStmt:
				check_creation(((CreateTableAsStmt *) stmt)->into->rel);
				break;
			case T_CreateSeqStmt:
				check_creation(((CreateSeqStmt *) stmt)->sequence);
				break;
			case T_CompositeTypeStmt:
				check_creation(((CompositeTypeStmt *) stmt)->typevar);
				break;
			case T_CreateFunctionStmt:
				check_creation_names(((CreateFunctionStmt *) stmt)->funcname);
				break;
			case T_CreateEnumStmt:
				check_creation_names(((CreateEnumStmt *) stmt)->typeName);
				break;
			case T_CreateRangeStmt:
				check_creation_names(((CreateRangeStmt *) stmt)->typeName);
				break;
			case T_CreateDomainStmt:
				check_creation_names(((CreateDomainStmt *) stmt)->domainname);
				break;
			case T_DefineStmt:
				check_creation_names(((DefineStmt *) stmt)->defnames);
				break;
			case T_CreateStatsStmt:
				check_creation_names(((CreateStatsStmt *) stmt)->defnames);
				break;
			case T_CreateConversionStmt:
				check_creation_names(((CreateConversionStmt *) stmt)->conversion_name);
				break;
			case T_CreateOpFamilyStmt:
				check_creation_names(((CreateOpFamilyStmt *) stmt)->opfamilyname);
				break;
			case T_CreateOpClassStmt:
				check_creation_names(((CreateOpClassStmt *) stmt)->opclassname);
				break;
			case T_ImportForeignSchemaStmt:
				if (strcmp(((ImportForeignSchemaStmt *) stmt)->local_schema, SV_SCHEMA) == 0)
					refuse("create objects in the schemaver schema");
				break;
			case T_AlterObjectSchemaStmt:
				if (strcmp(((AlterObjectSchemaStmt *) stmt)->newschema, SV_SCHEMA) == 0)
					refuse("move objects into the schemaver schema");
				break;
			case T_AlterExtensionStmt:
				if (strcmp(((AlterExtensionStmt *) stmt)->extname, "schemaver") == 0)
					refuse("alter the schemaver extension");
				break;
			case T_AlterExtensionContentsStmt:
				if (strcmp(((AlterExtensionContentsStmt *) stmt)->extname, "schemaver") == 0)
					refuse("alter the schemaver extension");
				break;
			default:
				break;
		}
	}

	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context,
							 params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/*
 * ExecutorStart hook: refuse INSERT, UPDATE, DELETE and MERGE on the
 * schemaver tables, including through a data-modifying CTE or a function.
 */
static void
guard_executor_start(QueryDesc *queryDesc, int eflags)
{
	if (revision_depth > 0 && OidIsValid(guarded_namespace) &&
		queryDesc->plannedstmt != NULL)
	{
		ListCell   *lc;

		foreach(lc, queryDesc->plannedstmt->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION &&
				(SV_RTE_REQUIRED_PERMS(queryDesc->plannedstmt, rte) &
				 (ACL_INSERT | ACL_UPDATE | ACL_DELETE)) != 0 &&
				get_rel_namespace(rte->relid) == guarded_namespace)
				refuse("write to the schemaver catalog");
		}
	}

	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * Object access hook: refuse dropping or altering the extension, its
 * schema, anything in its schema, and its member functions; and creating
 * objects in its schema.
 */
static void
guard_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					int subId, void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);

	if (revision_depth == 0 ||
		(access != OAT_DROP && access != OAT_POST_ALTER &&
		 access != OAT_POST_CREATE))
		return;

	if (classId == ExtensionRelationId && objectId == guarded_extension)
		refuse(access == OAT_DROP ? "drop the schemaver extension"
			   : "alter the schemaver extension");
	if (classId == NamespaceRelationId && objectId == guarded_namespace)
		refuse(access == OAT_DROP ? "drop the schemaver schema"
			   : "alter the schemaver schema");
	if (classId == RelationRelationId && OidIsValid(guarded_namespace) &&
		get_rel_namespace(objectId) == guarded_namespace)
		refuse(access == OAT_DROP ? "drop objects of the schemaver catalog"
			   : access == OAT_POST_CREATE ? "create objects in the schemaver schema"
			   : "alter the schemaver catalog");
	if (classId == ProcedureRelationId && OidIsValid(guarded_extension) &&
		getExtensionOfObject(ProcedureRelationId, objectId) == guarded_extension)
		refuse(access == OAT_DROP ? "drop functions of the schemaver extension"
			   : access == OAT_POST_CREATE ? "replace functions of the schemaver extension"
			   : "alter functions of the schemaver extension");
}
