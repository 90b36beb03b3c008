/*-------------------------------------------------------------------------
 *
 * schemaver.h
 *	  Declarations shared by the files of schemaver.
 *
 * A call such as schemaver_upgrade('head') reads top-down through these
 * files: entry.c checks the arguments, run.c takes the lock, catalog.c loads
 * the rows, graph.c turns them into a validated graph, target.c resolves the
 * target against it, plan.c computes the steps, run.c executes them through
 * SPI and records each one (catalog.c again).  register.c owns
 * schemaver_add_revision, inspect.c the read-only functions, script.c the
 * preview scripts and guard.c the hooks that keep revision SQL away from the
 * extension itself.  fastpath.c answers "nothing to do" for an upgrade to
 * head without loading the graph, when it can.
 *
 * src/schemaver.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAVER_H
#define SCHEMAVER_H

#include "fmgr.h"
#include "funcapi.h"
#include "nodes/pg_list.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "utils/timestamp.h"

/* Longest revision id or branch label, as in the contract */
#define SV_MAX_ID_LEN 63

/* Name of the schema that holds the catalog */
#define SV_SCHEMA "schemaver"

/*
 * The transaction-level (and, for the stepwise procedures, session-level)
 * advisory lock that serializes every call that changes the catalog or the
 * version.  Its two keys spell "sver" and "lock"; README.md documents them so
 * that a DBA can find the holder in pg_locks.
 */
#define SV_LOCK_KEY1 0x73766572
#define SV_LOCK_KEY2 0x6c6f636b

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
extern SvPlan *plan_make(SvGraph *graph, SvDestination *dest,
						 SvDirection direction);

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
extern void run_acquire_lock(void);
extern void run_lock(void);
extern void run_lock_session(void);
extern void run_unlock_session(void);
extern void run_plan(SvGraph *graph, SvPlan *plan, SvDirection direction,
					 bool stepwise, Tuplestorestate *tupstore,
					 TupleDesc tupdesc);
extern const char *run_operation_name(SvOperation op);
extern char *run_step_arrow(SvGraph *graph, SvStep *step);

/* register.c */
extern bool sv_valid_identifier(const char *id);
extern char *sv_shorten(const char *s);
extern void sv_check_identifier(const char *id, const char *what);
extern char *register_revision(const char *revision, ArrayType *parents,
							   const char *upgrade_sql,
							   const char *downgrade_sql,
							   const char *message, ArrayType *depends_on,
							   ArrayType *branch_labels);
extern char *sv_checksum(const char *revision, ArrayType *parents,
						 ArrayType *depends_on, ArrayType *branch_labels,
						 const char *message, const char *upgrade_sql,
						 const char *downgrade_sql);

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

/* entry.c */
extern char *sv_text_arg(FunctionCallInfo fcinfo, int argno,
						 const char *argname, bool required);

/* fastpath.c */
extern bool fastpath_nothing_to_do(const char *target, SvDirection direction,
								   bool *store_heads);
extern void fastpath_check(SvGraph *graph, List **problems);

/* guard.c */
extern void guard_install(void);
extern void guard_prepare(void);
extern void guard_enter_revision(void);
extern void guard_leave_revision(void);
extern bool guard_in_revision(void);
extern void guard_check_not_nested(const char *funcname);

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
