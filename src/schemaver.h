/*-------------------------------------------------------------------------
 *
 * schemaver.h
 *	  Declarations shared by the files of schemaver.
 *
 * A call such as schemaver_upgrade('head') reads top-down through these
 * files: entry.c checks the arguments, run.c takes the lock (lock.c),
 * catalog.c loads the rows, graph.c turns them into a validated graph,
 * target.c resolves the target against it, plan.c computes the steps (and
 * their fingerprint), run.c executes them through SPI and records each one
 * (catalog.c again).  register.c owns schemaver_add_revision, inspect.c the
 * read-only functions, script.c writes the preview scripts and scriptrun.c
 * runs them, guard.c holds the hooks that keep revision SQL away from the
 * extension itself.  fastpath.c answers "nothing to do" for an upgrade to
 * head without loading the graph, when it can.  lint.c owns
 * schemaver_lint() and the lint check an upgrade makes before it runs
 * anything (the schemaver.lint settings, directives, reports);
 * lint_rules.c the rules, one walk over each statement's raw parse tree;
 * lint_catalog.c what the rules ask the live catalog (names as the
 * revision sees them, table sizes, dependents); lint_defs.h is their
 * private header.
 *
 * Authoring (release 1.1): authoring.c owns schemaver_diff,
 * schemaver_autogenerate and schemaver_revision (and the revision-file
 * text); desired.c runs the desired schema text in a throw-away
 * subtransaction, with the live schemas renamed out of the way and fresh
 * ones created under the real names; describe.c reads a canonical
 * description of every object of the managed schemas from pg_catalog;
 * diff.c matches two descriptions and produces the ordered (upgrade,
 * downgrade, hazard) rows.
 *
 * Production safety (release 1.1): run.c reads each revision's directives
 * (directive.c): it runs a non-transactional revision through a background
 * worker (nontx.c, nontxworker.c), and one that may retry after a lock
 * timeout in a subtransaction (locktimeout.c).
 *
 * At the bottom, calling no other file: lock.c (schemaver's lock),
 * checksum.c (content checksums, plan fingerprints), escape.c (showing user
 * text safely), args.c (reading the functions' arguments), guard.c.  A file
 * calls only files below it.
 *
 * src/schemaver.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAVER_H
#define SCHEMAVER_H

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "utils/timestamp.h"

/* compat.h: what differs between PostgreSQL 15, 16, 17 and 18 */
#include "compat.h"

/* Longest revision id or branch label, as in the contract */
#define SV_MAX_ID_LEN 63

/*
 * Most parents, dependencies or branch labels one revision may list: the
 * catalog's CHECK constraints say the same (schemaver--1.1.sql).
 */
#define SV_MAX_IDS 1000

/* Name of the schema that holds the catalog */
#define SV_SCHEMA "schemaver"

/* What a step does */
typedef enum SvOperation
{
	SV_OP_UPGRADE,
	SV_OP_DOWNGRADE,
	SV_OP_STAMP_UP,				/* stamp that marks a revision applied */
	SV_OP_STAMP_DOWN			/* stamp that marks a revision not applied */
} SvOperation;

/*
 * One registered revision, as the graph sees it: its shape, not its SQL,
 * message or checksum, which catalog_fetch_steps reads only for the steps a
 * plan runs (a cached graph of 100,000 revisions must stay small).  Edges
 * are indexes into SvGraph.revs; an edge to an unregistered revision is -1
 * (kept so that schemaver_verify can report it).  Arrays with no element
 * are NULL.
 */
typedef struct SvRevision
{
	const char *id;
	const char **parent_ids;
	const char **depends_ids;
	const char **labels;
	int		   *parents;
	int		   *depends;
	/* filled by graph_build */
	int		   *children;
	int		   *dependents;
	int			nparents;
	int			ndepends;
	int			nlabels;
	int			nchildren;
	int			ndependents;
	int			loaded;			/* its row's place in the loading query */
	bool		reversible;		/* has downgrade SQL */
	bool		applied;		/* in the applied set (ancestor of a current
								 * head, or one) */
	bool		current;		/* listed in schemaver.version */
} SvRevision;

/*
 * A bump allocator: small pieces carved one after another from blocks of
 * 64 kB or more of one memory context, never freed one by one but with the
 * context.  Much smaller than palloc for many small pieces, which adds a
 * chunk header and power-of-two rounding to each (graph.c).
 */
typedef struct SvArena
{
	MemoryContext cxt;
	char	   *next;
	Size		left;
} SvArena;

/*
 * The whole registered graph plus the database's position in it.  Its
 * strings and edge arrays come from its arena, in the memory context it was
 * created in, and go with that context.
 */
typedef struct SvGraph
{
	int			nrevs;
	SvRevision *revs;			/* sorted by id (byte order) */
	int			ncurrent;
	int		   *current;		/* rows of schemaver.version, sorted */
	int			nlabels;
	struct SvLabel *labels;		/* every branch label, sorted by label */
	int		   *by_load;		/* revs index of each loaded row, in the
								 * order the rows came */
	SvArena		arena;			/* what the graph's pieces live in */
	int			maxrevs;		/* room in revs (graph_add_revision) */
} SvGraph;

/* A branch label and the revision that carries it */
typedef struct SvLabel
{
	const char *label;
	int			rev;
} SvLabel;

/* One problem found by graph_build, for errors and schemaver_verify */
typedef struct SvProblem
{
	char	   *revision;		/* NULL: not about one revision */
	char	   *problem;
} SvProblem;

/*
 * Where a target leads: nothing applied (is_base), or a set of revisions.
 * For a downgrade, "label@base" removes one branch only: base_of is the
 * revision whose branch goes (and all above it), -1 otherwise; and a
 * labelled target undoes only revisions of that branch (and what depends
 * on them).
 */
typedef struct SvDestination
{
	bool		is_base;
	int			base_of;
	int			nrevs;
	int		   *revs;
	bool	   *scope;			/* "label@...": the label's branch, which a
								 * downgrade stays on; NULL: everything */
} SvDestination;

/*
 * What one step of a plan runs and records, read from the catalog for the
 * steps about to run (catalog_fetch_steps).
 */
typedef struct SvStepText
{
	char	   *sql;			/* upgrade or downgrade SQL; NULL for a stamp */
	char	   *message;		/* NULL when none */
	char	   *checksum;
} SvStepText;

/* The steps of one call, in the order they run */
typedef struct SvStep
{
	int			rev;
	SvOperation op;
} SvStep;

typedef struct SvPlan
{
	int			nsteps;
	SvStep	   *steps;
} SvPlan;

/* Which entry point a plan is for */
typedef enum SvDirection
{
	SV_DIR_UPGRADE,
	SV_DIR_DOWNGRADE,
	SV_DIR_STAMP
} SvDirection;

/* catalog.c */
extern void catalog_init(void);
extern void catalog_invalidate(Relation rel);
extern Oid	catalog_schema_oid(bool missing_ok);
extern SvGraph *catalog_load_graph(void);
extern SvGraph *catalog_graph(bool fresh, List **problems);
extern SvGraph *catalog_load_graph_problems(List **problems, bool fresh);
extern bool catalog_graph_is_cached(uint64 *generation);
extern void catalog_pin_graph(void);
extern void catalog_unpin_graph(void);
extern void catalog_check_read_access(void);
extern char **catalog_read_version(int *n, bool fresh);
extern bool catalog_read_heads(char ***heads, int *n, bool fresh);
extern void catalog_store_heads(SvGraph *graph);
extern void catalog_forget_heads(void);
extern void catalog_check_checksums(List **problems);
extern void catalog_check_applied(SvGraph *graph, List **problems);
extern bool catalog_snapshot_is_current(void);
extern SvStepText *catalog_fetch_steps(SvGraph *graph, SvPlan *plan,
									   int first, int count);
extern void catalog_record_steps(int n, Datum *revision, Datum *operation,
								 Datum *heads_before, Datum *heads_after,
								 Datum *started_at, Datum *elapsed,
								 Datum *checksum, bool *checksum_null,
								 bool *up, ArrayType *removed_heads,
								 ArrayType *added_heads);
extern bool catalog_insert_revision(Datum *values, bool *nulls);
extern bool catalog_get_checksum(const char *revision, char **checksum);
extern void catalog_update_revision(Datum *values, bool *nulls);
extern void catalog_receiver_init(DestReceiver *dest,
								  bool (*receive) (TupleTableSlot *slot,
												   DestReceiver *self));
extern void catalog_history_rows(DestReceiver *revisions,
								 DestReceiver *applied);
extern void catalog_last_applied(SvGraph *graph, TimestampTz *applied_at,
								 char **applied_by, bool *found);

/* graph.c */
extern void arena_init(SvArena *arena, MemoryContext cxt);
extern void *arena_alloc(SvArena *arena, Size size);
extern SvGraph *graph_create(void);
extern void graph_reserve(SvGraph *graph, int n);
extern SvRevision *graph_add_revision(SvGraph *graph, const char *id);
extern void graph_build(SvGraph *graph, List **problems);
extern void graph_set_current(SvGraph *graph, char **current, int ncurrent,
							  List **problems);
extern void graph_check_usable(List *problems);
extern int	graph_find(SvGraph *graph, const char *id);
extern int	graph_find_hinted(SvGraph *graph, const char *id, int load_pos);
extern int	graph_heads(SvGraph *graph, int **heads);
extern bool *graph_closure(SvGraph *graph, const int *start, int nstart,
						   bool upward, bool with_dependencies,
						   bool include_start);
extern int	graph_order(SvGraph *graph, const bool *members, bool upward,
						int *out);
extern const char *graph_label_owner_id(SvGraph *graph, const char *label,
										int *owner);
extern char *graph_describe_revs(SvGraph *graph, const int *revs, int nrevs);

/* target.c */
extern SvDestination *target_resolve(SvGraph *graph, const char *target);
extern char *target_relative_steps(int steps);

/* plan.c */
extern const char *plan_operation_name(SvOperation op);
extern SvPlan *plan_make(SvGraph *graph, SvDestination *dest,
						 SvDirection direction);
extern char *plan_fingerprint(SvGraph *graph, SvPlan *plan,
							  SvDirection direction);
extern void plan_check_step(SvGraph *graph, SvStep *step);
extern void plan_check_fingerprint(SvGraph *graph, SvPlan *plan,
								   SvDirection direction,
								   const char *expected,
								   const char *funcname);

/*
 * Where in a revision's SQL an error happened, for the error context that
 * run.c (running it) and script.c (checking it for a script) both add.
 */
typedef struct SvRevisionErrorContext
{
	const char *revision;
	const char *operation;		/* "upgrade", "downgrade" */
	const char *sql;
	int			statement;		/* 1-based; 0 while parsing */
} SvRevisionErrorContext;

/* run.c */
extern void run_revision_error_callback(void *arg);
extern void run_push_revision_context(SvRevisionErrorContext *ctx,
									  ErrorContextCallback *errcb,
									  const char *revision,
									  const char *operation, const char *sql);
extern void run_lock(void);
extern void run_lock_session(void);
extern void run_unlock_session(void);
extern void run_plan(SvGraph *graph, SvPlan *plan, SvDirection direction,
					 bool stepwise, Tuplestorestate *tupstore,
					 TupleDesc tupdesc);
extern char *run_step_arrow(SvGraph *graph, SvStep *step);

/* register.c */
extern bool sv_valid_identifier(const char *id);
extern void sv_check_identifier(const char *id, const char *what);
extern ArrayType *register_id_array(ArrayType *arr, const char *argname,
									 const char *what);
extern char *register_revision(const char *revision, ArrayType *parents,
							   const char *upgrade_sql,
							   const char *downgrade_sql,
							   const char *message, ArrayType *depends_on,
							   ArrayType *branch_labels);

/* scriptrun.c */
extern void scriptrun_init(void);

/* inspect.c */
extern void inspect_current(SvGraph *graph, Tuplestorestate *tupstore,
							TupleDesc tupdesc);
extern void inspect_heads(SvGraph *graph, Tuplestorestate *tupstore,
						  TupleDesc tupdesc);
extern void inspect_history(SvGraph *graph, Tuplestorestate *tupstore,
							TupleDesc tupdesc);
extern void inspect_verify(SvGraph *graph, List *problems,
						   Tuplestorestate *tupstore, TupleDesc tupdesc);

/* script.c (it shares run.c's bookkeeping of heads, defined in run.c) */
extern void apply_step_to_state(SvGraph *graph, SvStep *step,
								int *removed, int *nremoved,
								int *added, int *nadded);


/* fastpath.c */
extern bool fastpath_nothing_to_do(const char *target, SvDirection direction,
								   bool *store_heads);
extern void fastpath_check(SvGraph *graph, List **problems);

/* lock.c */
extern void lock_init(void);
extern Oid	lock_extension_oid(void);
extern void lock_acquire(bool session);
extern void lock_release_session(void);
extern void lock_check_held(void);

/* checksum.c */
extern char *sv_checksum(const char *revision, ArrayType *parents,
						 ArrayType *depends_on, ArrayType *branch_labels,
						 const char *message, const char *upgrade_sql,
						 const char *downgrade_sql);
extern char *sv_plan_fingerprint(const char *direction, int nheads,
								 const char **heads, int nsteps,
								 const char **ops, const char **revisions,
								 const char **checksums);

/* args.c */
extern char *sv_text_arg(FunctionCallInfo fcinfo, int argno,
						 const char *argname, bool required);
extern int32 sv_int_arg(FunctionCallInfo fcinfo, int argno,
						const char *argname);
extern char *sv_fingerprint_arg(FunctionCallInfo fcinfo, int argno,
								const char *argname);

/* escape.c */
extern int	sv_invisible_length(const char *s, bool newlines);
extern void sv_append_escaped_char(StringInfo buf, const char *s, int len);
extern char *sv_printable(const char *s);
extern char *sv_shorten(const char *s);
extern char *sv_printable_text(const char *s);
extern bool sv_has_invisible(const char *s);
/* lint.c */
extern void lint_init(void);
extern void lint_check_plan(SvGraph *graph, SvPlan *plan);

/* guard.c */
extern void guard_install(void);
extern void guard_prepare(void);
extern void guard_enter_revision(void);
extern void guard_leave_revision(void);
extern bool guard_in_revision(void);
extern void guard_set_toplevel(bool toplevel);
extern void guard_set_desired(bool desired);
extern void guard_begin_internal(void);
extern void guard_end_internal(void);
extern void guard_check_not_nested(const char *funcname);

/*
 * Authoring: a description of the managed schemas (describe.c), built once
 * for the live schemas and once for the desired ones (desired.c), and the
 * rows that turn one into the other (diff.c).
 */
typedef enum SvKind
{
	SVK_SCHEMA,
	SVK_EXTENSION,
	SVK_TYPE,					/* enum, composite, domain, range */
	SVK_DOMAIN_CONSTRAINT,
	SVK_FUNCTION,				/* functions, procedures, aggregates */
	SVK_SEQUENCE,
	SVK_TABLE,
	SVK_COLUMN,
	SVK_DEFAULT,
	SVK_CONSTRAINT,
	SVK_INDEX,
	SVK_VIEW,					/* views and materialized views */
	SVK_TRIGGER,
	SVK_RULE,
	SVK_POLICY,
	SVK_OWNED_BY,				/* ALTER SEQUENCE ... OWNED BY */
	SVK_COMMENT,
	SVK_PRIVILEGES,
	SVK_NKINDS
} SvKind;

/* Number of kind-specific text fields of an object (SvObject.f) */
#define SV_NFIELDS 24

/*
 * One object of a description.  ident is its key ("table public.users");
 * def is what is compared; the f[] fields hold the pieces diff.c builds
 * statements from (their meaning depends on the kind: see describe.c).
 */
typedef struct SvObject
{
	SvKind		kind;
	const char *kind_name;		/* "table", "column", "materialized view" */
	char	   *ident;
	char	   *name;			/* qualified name shown in the object column */
	char	   *parent;			/* ident of the object it belongs to, or NULL */
	char	   *def;
	char	   *create;			/* statement(s) that create it */
	char	   *drop;			/* statement that drops it */
	char	   *target;			/* "TABLE public.t": for COMMENT ON and GRANT */
	char	   *owner;			/* owner role (not compared) */
	char	   *f[SV_NFIELDS];
	List	   *labels;			/* enum labels, in order */
	List	   *acl;			/* privileges: canonical entries */
	List	   *deps;			/* SvObject * it depends on (same description) */
	List	   *dependants;		/* SvObject * that depend on it */
	struct SvObject *parent_obj;
	struct SvObject *table;		/* the table a sub-object belongs to */
	Oid			classid;
	Oid			objid;
	int32		objsubid;
	double		reltuples;		/* tables: -1 when unknown */
	int64		relbytes;		/* tables: -1 when unknown */
	int			seq;			/* place in the description */
	int			action;			/* diff.c's bookkeeping */
	int			node_drop;
	int			node_create;
	int			node_alter;
} SvObject;

typedef struct SvDescription
{
	MemoryContext cxt;
	List	   *objects;		/* SvObject *, in the order read */
	struct HTAB *by_ident;
	struct HTAB *by_addr;
	List	   *unsupported;	/* char *: objects of kinds not compared */
} SvDescription;

/* One row of schemaver_diff */
typedef struct SvDiffRow
{
	const char *kind;
	const char *object;
	char	   *upgrade;
	char	   *downgrade;
	char	   *hazard;
} SvDiffRow;

/*
 * Meaning of SvObject.f[] (describe.c fills them, diff.c builds statements
 * from them).  F_QNAME is the quoted, qualified name of the object (of its
 * table for sub-objects of a table); the others depend on the kind.
 */
#define F_QNAME 0
#define F_NAME 1				/* quoted own name (columns, constraints...) */
/* tables */
#define T_RELKIND 2
#define T_PERSIST 3
#define T_PARTKEY 4
#define T_PARTOF 5
#define T_BOUND 6
#define T_INHERITS 7
#define T_OPTIONS 8
#define T_RLS 9
#define T_FORCE 10
#define T_AM 11
/* columns */
#define C_TYPE 2
#define C_COLLATE 3
#define C_NOTNULL 4
#define C_IDENTITY 5
#define C_IDOPTS 6
#define C_GENERATED 7
#define C_STATS 8
#define C_STORAGE 9
#define C_COMPRESSION 10
#define C_OPTIONS 11
#define C_TYPEOID 12
#define C_TYPSTORAGE 13			/* the type's default storage */
#define C_GENKIND 14			/* attgenerated: s (stored) or v (virtual) */
/* defaults */
#define D_EXPR 2
/* constraints and domain constraints */
#define K_DEF 2
#define K_VALID 3
#define K_TYPE 4
#define K_ON 5					/* "TABLE" or "DOMAIN" */
/* types */
#define Y_TYPTYPE 2
#define Y_FMT 3
#define Y_DOMDEFAULT 4
#define Y_DOMNOTNULL 5
#define Y_BASE 6				/* domain: base type and collation */
#define Y_NSP 7					/* schema and name, unquoted */
#define Y_NAME 8
/* sequences */
#define S_OPTIONS 2
#define S_PERSIST 3
/* functions */
#define P_RESULT 2
#define P_ARGS 3
#define P_KIND 4
/* triggers */
#define G_ENABLED 2
#define G_DEF 3
/* views */
#define V_RELKIND 2
/* extensions */
#define E_SCHEMA 2
#define E_VERSION 3
/* sequence owned by */
#define O_COLUMN 2
/* comments */
#define M_TEXT 2

/* describe.c */
extern SvDescription *describe_schemas(List *schema_names, bool live,
									   List *desired_extensions);
extern SvObject *describe_find(SvDescription *desc, const char *ident);
extern char *describe_escape(const char *s);
extern void describe_pin_settings(void);
extern void describe_table_sizes(List *tables);
extern void describe_rolled_back(void (*fn) (void *arg), void *arg);

/* desired.c */
extern void desired_describe(const char *desired, List *schema_names,
							 SvDescription **live, SvDescription **want);
extern List *desired_schema_list(ArrayType *schemas);

/* diff.c */
extern List *diff_descriptions(SvDescription *a, SvDescription *b);
extern char *diff_grant_statements(const char *target, const char *owner_sql,
								   const char *column, List *from, List *to);

/*
 * directive.c: the "-- schemaver: key=value" lines at the start of a
 * revision's upgrade or downgrade SQL (per-revision options).
 */
typedef struct SvDirectives
{
	bool		transactional;	/* false: transaction=off */
	bool		given_transaction;
	int			lock_timeout;	/* ms; -1: not given (0 is off) */
	int			lock_retries;	/* -1: not given */
	int			lock_retry_delay;	/* ms; -1: not given */
	int			lock_retries_line;	/* where lock_retries was given */
} SvDirectives;

extern void directives_init(SvDirectives *d);
extern void directives_parse(const char *sql, const char *revision,
							 const char *which, SvDirectives *out);
extern void directives_check(const char *revision, const char *upgrade,
							 const char *downgrade);

/*
 * locktimeout.c: schemaver.lock_timeout, lock_retries, lock_retry_delay;
 * which lock a revision waited for; rolling it back and trying again.
 */
typedef struct SvLockPolicy
{
	bool		set_timeout;	/* set lock_timeout for the revision */
	int			timeout;		/* ms; 0: off */
	int			retries;
	int			delay;			/* ms before the first retry */
} SvLockPolicy;

extern void locktimeout_init(void);
extern void locktimeout_policy(const SvDirectives *d, SvLockPolicy *policy);
extern void locktimeout_apply(const SvLockPolicy *policy, bool session);
extern void locktimeout_next_statement(void);
extern void locktimeout_disarm(void);
pg_noreturn extern void locktimeout_rethrow(MemoryContext cxt, int statement);
extern void locktimeout_run_retrying(const char *revision, const char *operation,
									 const SvLockPolicy *policy, bool stepwise,
									 void (*fn) (void *arg), void *arg,
									 int *statement);

/*
 * nontx.c: non-transactional revisions ("-- schemaver: transaction=off"),
 * run by a background worker (nontxworker.c) for the stepwise procedures.
 */
extern void nontx_run(const char *revision, const char *operation,
					  const char *sql, const SvDirectives *d, bool stepwise);
extern void nontx_check_plan(SvGraph *graph, SvPlan *plan,
							 SvDirection direction, bool stepwise,
							 const char *funcname);

/*
 * revfile.c and sync.c: the server side of the schemaver command (the
 * client in src/client/).  revfile.c reads a revision file with the
 * server's parser into what it registers (NULL arrays: not given,
 * registered as empty); sync.c registers a directory of them and remembers
 * its digest.
 */
typedef struct SvRevisionFile
{
	char	   *revision;
	ArrayType  *down_revision;	/* NULL: a base revision */
	char	   *upgrade;
	char	   *downgrade;		/* NULL: irreversible */
	char	   *message;
	ArrayType  *depends_on;
	ArrayType  *branch_labels;
} SvRevisionFile;

extern SvRevisionFile *revfile_parse(const char *file, const char *content);

#endif							/* SCHEMAVER_H */
