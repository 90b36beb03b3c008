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
 *	- in a transactional revision, statements that cannot run in a
 *	  transaction block (CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY,
 *	  REINDEX CONCURRENTLY, VACUUM, ALTER SYSTEM, CREATE DATABASE, ...),
 *	  with schemaver's own message and a hint about "-- schemaver:
 *	  transaction=off" (check_transaction_block); any other statement the
 *	  server refuses for that reason gets the same hint;
 *	- attaching anything to the catalog that would change what the
 *	  extension reads or writes: a table that inherits from a catalog table
 *	  or a catalog table made a child or a partition, a foreign key that
 *	  references one, a policy, extended statistics, a publication, a
 *	  comment or security label on its objects;
 *	- calling any schemaver function (guard_check_not_nested): a nested call
 *	  would run under the outer call's lock and bookkeeping, and reload the
 *	  graph the outer call is walking.
 *
 * The catalog stays guarded after the revisions of a transaction have run,
 * until that transaction ends: a deferred constraint trigger that a revision
 * created fires at the caller's COMMIT, and a trigger or rule a revision put
 * on its own table fires on the caller's later statements, both after
 * revision SQL has returned.  Until the end of a transaction that ran
 * revision SQL, only schemaver's own statements (guard_begin_internal) may
 * write the catalog.
 *
 * Outside such a transaction the hooks do nothing but pass the call on, so
 * a DBA can still repair the catalog by hand and pg_restore can load it.
 * The hooks are installed when the library is loaded, which always happens
 * before any revision runs, since only schemaver's functions run revisions.
 *
 * src/guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "parser/parse_func.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "schemaver.h"

static int	revision_depth = 0;
static int	revisions_level = 0;	/* the outermost (sub)transaction
										 * nest level whose work includes
										 * revision SQL; 0: none */
static int	internal_depth = 0;	/* schemaver's own catalog statements */
static Oid	guarded_namespace = InvalidOid;
static Oid	guarded_extension = InvalidOid;
static bool desired_text = false;	/* the SQL is a desired schema text
										 * (desired.c), not a revision's */
static bool toplevel_revision = false;	/* revision SQL runs at top level
										 * (nontxworker.c) */

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
static bool guard_active(void);
static void guard_xact_callback(XactEvent event, void *arg);
static void guard_subxact_callback(SubXactEvent event,
								   SubTransactionId mySubid,
								   SubTransactionId parentSubid, void *arg);
pg_noreturn static void refuse(const char *what);
static void check_rangevar(RangeVar *rv, const char *what);
static void check_foreign_keys(List *constraints);
static void check_table_elements(List *elts);
static void check_alter_table(AlterTableStmt *stmt);
static void check_object(ObjectType objtype, Node *object, const char *what);
static void check_publication_objects(List *objects);
static bool names_schemaver(List *names);
static Oid	creation_namespace(const char *schemaname);
static void check_creation(RangeVar *rv);
static void check_creation_names(List *names);
static void check_grant(GrantStmt *grant);
static const char *needs_top_level(Node *stmt);
static void check_transaction_block(Node *stmt);
static bool is_transaction_block_error(ErrorData *edata);
static void run_utility_with_hint(PlannedStmt *pstmt, const char *queryString,
								  bool readOnlyTree,
								  ProcessUtilityContext context,
								  ParamListInfo params,
								  QueryEnvironment *queryEnv,
								  DestReceiver *dest, QueryCompletion *qc);

/* The hint of every refusal of a statement that needs its own transaction */
#define DESIRED_NONTX_HINT \
	"Leave it out: the desired schema text says what the schema is, not how to build it (write CREATE INDEX without CONCURRENTLY)."
#define NONTX_HINT \
	"Make it a non-transactional revision: begin its SQL with the line \"-- schemaver: transaction=off\" and apply it with CALL schemaver_upgrade_stepwise() (or schemaver_downgrade_stepwise()), which runs each of its statements on its own, outside any transaction block."

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
	RegisterXactCallback(guard_xact_callback, NULL);
	RegisterSubXactCallback(guard_subxact_callback, NULL);
}

/*
 * Whether the guards apply now: while revision SQL runs, and, until the
 * transaction ends, to everything but schemaver's own statements once
 * revision SQL has run in it (see the file header).
 */
static bool
guard_active(void)
{
	return revision_depth > 0 ||
		(revisions_level > 0 && internal_depth == 0);
}

/*
 * End of transaction: the catalog is no longer guarded for it.  COMMIT and
 * PREPARE come after the deferred triggers have fired, so those still ran
 * guarded.
 */
static void
guard_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			revisions_level = 0;
			internal_depth = 0;
			break;
		default:
			break;
	}
}

/*
 * End of a subtransaction: if it is rolled back with the revision SQL that
 * ran in it, so are the triggers and deferred events that SQL created, and
 * the catalog is no longer guarded for it; if it commits, its revision SQL
 * now belongs to its parent.
 */
static void
guard_subxact_callback(SubXactEvent event,
					   SubTransactionId mySubid pg_attribute_unused(),
					   SubTransactionId parentSubid pg_attribute_unused(),
					   void *arg pg_attribute_unused())
{
	int			level = GetCurrentTransactionNestLevel();

	if (event == SUBXACT_EVENT_ABORT_SUB && revisions_level >= level)
		revisions_level = 0;
	else if (event == SUBXACT_EVENT_COMMIT_SUB && revisions_level == level)
		revisions_level = level - 1;
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
	guarded_namespace = get_namespace_oid(SV_SCHEMA, true);
	guarded_extension = get_extension_oid("schemaver", true);
}

/*
 * guard_enter_revision
 *		Revision SQL starts running.
 */
void
guard_enter_revision(void)
{
	int			level = GetCurrentTransactionNestLevel();

	revision_depth++;
	if (revisions_level == 0 || level < revisions_level)
		revisions_level = level;
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
 * guard_set_toplevel
 *		Revision SQL runs at top level, each statement in a transaction of
 *		its own (a non-transactional revision, in nontxworker.c): statements
 *		that need that are no longer refused.  Every other guard applies.
 */
void
guard_set_toplevel(bool toplevel)
{
	toplevel_revision = toplevel;
}

/*
 * guard_set_desired
 *		The SQL about to run is a desired schema text (desired.c), guarded
 *		as revision SQL; only the refusals' words differ.
 */
void
guard_set_desired(bool desired)
{
	desired_text = desired;
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
 * guard_begin_internal
 *		One of schemaver's own statements on its catalog starts: after
 *		revision SQL has run in the transaction, only these may write it.
 */
void
guard_begin_internal(void)
{
	internal_depth++;
}

/*
 * guard_end_internal
 *		schemaver's own statement has finished (or failed: the caller calls
 *		this from PG_FINALLY; the end of the transaction resets it too).
 */
void
guard_end_internal(void)
{
	if (internal_depth > 0)
		internal_depth--;
}

/*
 * guard_check_not_nested
 *		Refuse any schemaver function called from revision SQL.  One that
 *		moves the database or registers would run under the outer call's
 *		lock and bookkeeping and leave both inconsistent; even one that only
 *		reads would reload, and so free or reset, the graph the outer call
 *		is walking.
 */
void
guard_check_not_nested(const char *funcname)
{
	if (revision_depth > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("%s cannot be called from revision SQL", funcname),
				 errdetail("A revision is being applied or undone by schemaver, and its SQL cannot call schemaver's functions."),
				 errhint("Call it before or after the migration.")));
}

/*
 * Raise the error for SQL that touches the extension: revision SQL, or a
 * statement that runs later in a transaction that ran revision SQL (a
 * deferred trigger at COMMIT, a trigger a revision created).
 */
static void
refuse(const char *what)
{
	if (revision_depth > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("revision SQL cannot %s", what),
				 errdetail("The schemaver extension is running the revision and owns that object."),
				 errhint("Change the schemaver catalog only through the schemaver functions, outside revision SQL.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_IN_USE),
			 errmsg("cannot %s in a transaction that ran revision SQL", what),
			 errdetail("Until a transaction that applied or undid revisions ends, only schemaver's functions may change its catalog; this statement (for example a trigger a revision created, or a deferred constraint trigger firing at COMMIT) tried to."),
			 errhint("Change the schemaver catalog in a transaction of its own.")));
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
 * Refuse foreign keys, among table constraints, that reference a catalog
 * table: the catalog would get the referential triggers of a table a user
 * owns, which could block schemaver's own deletes.
 */
static void
check_foreign_keys(List *constraints)
{
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Node	   *node = lfirst(lc);

		if (IsA(node, Constraint) &&
			((Constraint *) node)->contype == CONSTR_FOREIGN)
			check_rangevar(((Constraint *) node)->pktable,
						   "reference the schemaver catalog in a foreign key");
	}
}

/* The same for the column and table constraints of CREATE TABLE */
static void
check_table_elements(List *elts)
{
	ListCell   *lc;

	foreach(lc, elts)
	{
		Node	   *node = lfirst(lc);

		if (IsA(node, ColumnDef))
			check_foreign_keys(((ColumnDef *) node)->constraints);
		else
			check_foreign_keys(list_make1(node));
	}
}

/*
 * ALTER TABLE: of a catalog table, or one that ties a table to the catalog
 * (inheritance, partitions, foreign keys).
 */
static void
check_alter_table(AlterTableStmt *stmt)
{
	ListCell   *lc;

	check_rangevar(stmt->relation, "alter the schemaver catalog");
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddInherit:
			case AT_DropInherit:
				check_rangevar((RangeVar *) cmd->def,
							   "inherit from the schemaver catalog");
				break;
			case AT_AttachPartition:
			case AT_DetachPartition:
			case AT_DetachPartitionFinalize:
				if (cmd->def && IsA(cmd->def, PartitionCmd))
					check_rangevar(((PartitionCmd *) cmd->def)->name,
								   "make the schemaver catalog a partition");
				break;
			case AT_AddConstraint:
				if (cmd->def)
					check_foreign_keys(list_make1(cmd->def));
				break;
			case AT_AddColumn:
				if (cmd->def && IsA(cmd->def, ColumnDef))
					check_foreign_keys(((ColumnDef *) cmd->def)->constraints);
				break;
			default:
				break;
		}
	}
}

/*
 * Refuse a statement on an object named as COMMENT and SECURITY LABEL name
 * it, when it is the extension, its schema, a relation in that schema (or
 * one of its columns) or one of its functions.  Missing objects are left to
 * the statement itself to report.
 */
static void
check_object(ObjectType objtype, Node *object, const char *what)
{
	ObjectAddress addr;
	Relation	rel = NULL;

	addr = get_object_address(objtype, object, &rel, AccessShareLock, true);
	if (rel != NULL)
	{
		if (RelationGetNamespace(rel) == guarded_namespace)
			refuse(what);
		relation_close(rel, NoLock);
	}
	if (!OidIsValid(addr.objectId))
		return;
	if ((addr.classId == ExtensionRelationId && addr.objectId == guarded_extension) ||
		(addr.classId == NamespaceRelationId && addr.objectId == guarded_namespace) ||
		(addr.classId == RelationRelationId &&
		 get_rel_namespace(addr.objectId) == guarded_namespace) ||
		(addr.classId == ProcedureRelationId && OidIsValid(guarded_extension) &&
		 getExtensionOfObject(ProcedureRelationId, addr.objectId) == guarded_extension))
		refuse(what);
}

/*
 * Refuse publishing a catalog table, or the schemaver schema, in CREATE or
 * ALTER PUBLICATION.
 */
static void
check_publication_objects(List *objects)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		PublicationObjSpec *obj = lfirst_node(PublicationObjSpec, lc);

		switch (obj->pubobjtype)
		{
			case PUBLICATIONOBJ_TABLE:
				if (obj->pubtable)
					check_rangevar(obj->pubtable->relation,
								   "publish the schemaver catalog");
				break;
			case PUBLICATIONOBJ_TABLES_IN_SCHEMA:
				if (obj->name && strcmp(obj->name, SV_SCHEMA) == 0)
					refuse("publish the schemaver catalog");
				break;
			case PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA:
				if (OidIsValid(guarded_namespace) &&
					creation_namespace(NULL) == guarded_namespace)
					refuse("publish the schemaver catalog");
				break;
			default:
				break;
		}
	}
}

/*
 * ProcessUtility hook: statements that the object access hook does not see,
 * and statements that cannot run in a transaction block, which PostgreSQL
 * would refuse as "cannot be executed from a function", without saying
 * what to do instead.
 */
static void
guard_process_utility(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree, ProcessUtilityContext context,
					  ParamListInfo params, QueryEnvironment *queryEnv,
					  DestReceiver *dest, QueryCompletion *qc)
{
	if (guard_active())
	{
		Node	   *stmt = pstmt->utilityStmt;

		if (revision_depth > 0 && !toplevel_revision)
			check_transaction_block(stmt);
		switch (nodeTag(stmt))
		{
			case T_IndexStmt:
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
				check_alter_table((AlterTableStmt *) stmt);
				break;
			case T_CreatePolicyStmt:
				check_rangevar(((CreatePolicyStmt *) stmt)->table,
							   "create a policy on the schemaver catalog");
				break;
			case T_AlterPolicyStmt:
				check_rangevar(((AlterPolicyStmt *) stmt)->table,
							   "alter a policy on the schemaver catalog");
				break;
			case T_CommentStmt:
				check_object(((CommentStmt *) stmt)->objtype,
							 ((CommentStmt *) stmt)->object,
							 "comment on the objects of the schemaver extension");
				break;
			case T_SecLabelStmt:
				check_object(((SecLabelStmt *) stmt)->objtype,
							 ((SecLabelStmt *) stmt)->object,
							 "label the objects of the schemaver extension");
				break;
			case T_CreatePublicationStmt:
				check_publication_objects(((CreatePublicationStmt *) stmt)->pubobjects);
				break;
			case T_AlterPublicationStmt:
				check_publication_objects(((AlterPublicationStmt *) stmt)->pubobjects);
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
				{
					CreateStmt *create = (CreateStmt *) stmt;
					ListCell   *lc;

					check_creation(create->relation);
					foreach(lc, create->inhRelations)
						check_rangevar(lfirst_node(RangeVar, lc),
									   "inherit from the schemaver catalog");
					check_table_elements(create->tableElts);
					check_foreign_keys(create->constraints);
				}
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
				{
					ListCell   *lc;

					check_creation_names(((CreateStatsStmt *) stmt)->defnames);
					foreach(lc, ((CreateStatsStmt *) stmt)->relations)
						if (IsA(lfirst(lc), RangeVar))
							check_rangevar(lfirst_node(RangeVar, lc),
										   "create statistics on the schemaver catalog");
				}
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

	if (revision_depth > 0 && !toplevel_revision)
		run_utility_with_hint(pstmt, queryString, readOnlyTree, context,
							  params, queryEnv, dest, qc);
	else if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context,
							 params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/*
 * The name of a statement that cannot run in a transaction block, as the
 * server names it, or NULL.  These are the statements whose command calls
 * PreventInTransactionBlock whatever its table or state; those that do so
 * only in some states (CLUSTER or REINDEX of a partitioned table,
 * subscriptions that create or drop a slot) are caught by
 * run_utility_with_hint instead.
 */
static const char *
needs_top_level(Node *stmt)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
				return "CREATE INDEX CONCURRENTLY";
			break;
		case T_DropStmt:
			if (((DropStmt *) stmt)->concurrent)
				return "DROP INDEX CONCURRENTLY";
			break;
		case T_ReindexStmt:
			{
				ReindexStmt *reindex = (ReindexStmt *) stmt;

				foreach(lc, reindex->params)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "concurrently") == 0 &&
						(opt->arg == NULL || defGetBoolean(opt)))
						return "REINDEX CONCURRENTLY";
				}
				if (reindex->kind == REINDEX_OBJECT_SCHEMA)
					return "REINDEX SCHEMA";
				if (reindex->kind == REINDEX_OBJECT_SYSTEM)
					return "REINDEX SYSTEM";
				if (reindex->kind == REINDEX_OBJECT_DATABASE)
					return "REINDEX DATABASE";
			}
			break;
		case T_VacuumStmt:
			if (((VacuumStmt *) stmt)->is_vacuumcmd)
				return "VACUUM";
			break;
		case T_ClusterStmt:
			if (((ClusterStmt *) stmt)->relation == NULL)
				return "CLUSTER";
			break;
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_AlterDatabaseStmt:
			foreach(lc, ((AlterDatabaseStmt *) stmt)->options)
				if (strcmp(lfirst_node(DefElem, lc)->defname, "tablespace") == 0)
					return "ALTER DATABASE SET TABLESPACE";
			break;
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_DiscardStmt:
			if (((DiscardStmt *) stmt)->target == DISCARD_ALL)
				return "DISCARD ALL";
			break;
		default:
			break;
	}
	return NULL;
}

/*
 * Refuse, in a transactional revision, a statement that cannot run in a
 * transaction block, before it runs, with schemaver's own message: the
 * server would say "cannot be executed from a function" (revision SQL runs
 * from schemaver's functions), which is not what the user wrote.
 */
static void
check_transaction_block(Node *stmt)
{
	const char *what = needs_top_level(stmt);

	if (what == NULL)
		return;
	if (desired_text)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run in a desired schema text", what),
				 errdetail("schemaver runs the desired schema text inside a transaction block, and %s cannot run in one.",
						   what),
				 errhint(DESIRED_NONTX_HINT)));
	ereport(ERROR,
			(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
			 errmsg("%s cannot run in a transactional revision", what),
			 errdetail("schemaver runs a revision's SQL inside a transaction block unless the revision says otherwise, and %s cannot run in one.",
					   what),
			 errhint(NONTX_HINT)));
}

/*
 * Whether an error is the server's refusal of a statement that cannot run
 * in a transaction block (PreventInTransactionBlock), told by its
 * untranslated message.
 */
static bool
is_transaction_block_error(ErrorData *edata)
{
	static const char *const formats[] = {
		"%s cannot run inside a transaction block",
		"%s cannot run inside a subtransaction",
		"%s cannot be executed from a function",
		"%s cannot be executed within a pipeline",
	};

	if (edata->sqlerrcode != ERRCODE_ACTIVE_SQL_TRANSACTION ||
		edata->message_id == NULL)
		return false;
	for (size_t i = 0; i < lengthof(formats); i++)
		if (strcmp(edata->message_id, formats[i]) == 0)
			return true;
	return false;
}

/*
 * Run a utility statement of a transactional revision; if the server
 * refuses it because it cannot run in a transaction block (a case that
 * needs_top_level does not know), add schemaver's hint to that error.
 */
static void
run_utility_with_hint(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree, ProcessUtilityContext context,
					  ParamListInfo params, QueryEnvironment *queryEnv,
					  DestReceiver *dest, QueryCompletion *qc)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context,
								 params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		MemoryContext errcxt = MemoryContextSwitchTo(cxt);

		edata = CopyErrorData();
		MemoryContextSwitchTo(errcxt);
		if (!is_transaction_block_error(edata) || edata->hint != NULL)
			PG_RE_THROW();
		FlushErrorState();
		edata->hint = pstrdup(desired_text ? DESIRED_NONTX_HINT : NONTX_HINT);
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * ExecutorStart hook: refuse INSERT, UPDATE, DELETE and MERGE on the
 * schemaver tables, including through a data-modifying CTE or a function.
 */
static void
guard_executor_start(QueryDesc *queryDesc, int eflags)
{
	if (guard_active() && OidIsValid(guarded_namespace) &&
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

	if (!guard_active() ||
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
