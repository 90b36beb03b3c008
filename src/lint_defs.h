/*-------------------------------------------------------------------------
 *
 * lint_defs.h
 *	  Declarations shared by the three files of the linter: lint.c (the
 *	  driver: settings, schemaver_lint(), the upgrade hook, reading the
 *	  revisions, splitting them into statements, the lint-ignore
 *	  directives and the reports), lint_rules.c (the rules: one walk over
 *	  each raw parse tree, and how a finding is made or silenced) and
 *	  lint_catalog.c (what the rules ask the live
 *	  catalog: names as the revision will see them, table sizes,
 *	  dependencies, volatility, type changes, check constraints).
 *
 * Only lint.c's entry points are part of the rest of schemaver (see the
 * "lint.c" block of schemaver.h); this header is private to the linter.
 *
 * src/lint_defs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAVER_LINT_H
#define SCHEMAVER_LINT_H

#include "nodes/parsenodes.h"
#include "utils/hsearch.h"

/* How bad a finding is (schemaver.lint = error refuses on LINT_ERROR only) */
typedef enum LintSeverity
{
	LINT_WARNING,
	LINT_ERROR
} LintSeverity;

/*
 * The rules.  Names, severities and hints are in lint_rules[] (lint_rules.c);
 * README.md has one entry per rule.  The order here is the order of the
 * README table; a rule's name never changes once released.
 */
typedef enum LintRuleId
{
	LR_ADD_COLUMN_VOLATILE_DEFAULT,
	LR_ADD_COLUMN_IDENTITY,
	LR_ADD_COLUMN_GENERATED,
	LR_ADD_COLUMN_REQUIRED,
	LR_ADD_COLUMN_JSON,
	LR_CHANGE_COLUMN_TYPE,
	LR_SET_NOT_NULL,
	LR_ADD_FOREIGN_KEY,
	LR_ADD_CHECK_CONSTRAINT,
	LR_VALIDATE_CONSTRAINT_SAME_REVISION,
	LR_ADD_UNIQUE_CONSTRAINT,
	LR_ADD_EXCLUSION_CONSTRAINT,
	LR_CREATE_INDEX_NON_CONCURRENTLY,
	LR_DROP_INDEX_NON_CONCURRENTLY,
	LR_REINDEX_NON_CONCURRENTLY,
	LR_VACUUM_FULL,
	LR_CLUSTER,
	LR_LOCK_TABLE,
	LR_DETACH_PARTITION_NON_CONCURRENTLY,
	LR_RENAME_TABLE,
	LR_RENAME_COLUMN,
	LR_RENAME_SCHEMA,
	LR_RENAME_ENUM_VALUE,
	LR_DROP_TABLE,
	LR_DROP_COLUMN,
	LR_BREAKS_DEPENDENTS,
	LR_BACKFILL_WITH_DDL,
	LR_NON_TRANSACTIONAL_STATEMENT,
	LR_MISSING_DOWNGRADE,
	LR_LINT_DIRECTIVE,
	LR_COUNT
} LintRuleId;

/* What lint_rules[] says about a rule */
typedef struct LintRuleDef
{
	const char *name;
	LintSeverity severity;		/* some rules lower it to a warning below
								 * the size threshold: see the rule */
	bool		revision_level; /* about the revision, not one statement */
	bool		review_only;	/* schemaver_lint() only, not the upgrade
								 * check: see lint_rules.c */
	const char *hint;			/* the safe alternative, in one sentence */
} LintRuleDef;

extern const LintRuleDef lint_rules[LR_COUNT];

/*
 * Live facts about one existing table: its estimated rows (pg_class.reltuples)
 * and its size (pg_total_relation_size), summed over its partitions or
 * inheritance children when the statement reaches them too.
 */
typedef struct LintFacts
{
	Oid			relid;
	bool		recurse;		/* children included */
	char		relkind;
	char	   *name;			/* schema-qualified, quoted where needed */
	bool		rows_known;		/* false: never analyzed or vacuumed */
	double		rows;
	int64		bytes;
	bool		bytes_estimated;	/* from relpages: a lock was in the way */
	bool		big;			/* at or above a threshold */
} LintFacts;

/* One finding, as schemaver_lint() returns it */
typedef struct LintFinding
{
	const char *revision;
	int			statement;		/* 1-based; 0 for the revision itself */
	int			seq;			/* order of making, within the revision */
	LintRuleId	rule;
	LintSeverity severity;
	char	   *message;
	LintFacts  *facts;			/* NULL when no table is involved */
} LintFinding;

/* What a name means to the revision at the statement being linted */
typedef enum LintRelState
{
	LREL_MISSING,				/* not there (yet): nothing to say */
	LREL_NEW,					/* created earlier in this revision */
	LREL_EXISTING				/* an existing relation, relid */
} LintRelState;

typedef struct LintRel
{
	LintRelState state;
	Oid			relid;
	Oid			nspid;			/* where the name was found or created */
	char		relkind;
} LintRel;

/* A function whose body is text, for the rules about renames and drops */
typedef struct LintFunction
{
	Oid			oid;
	char	   *name;			/* regprocedure text */
	char	   *body;			/* prosrc, lower-cased */
	int			ntriggers;
	Oid		   *trigger_rels;	/* tables it is a trigger function of */
} LintFunction;

/*
 * Per-call state, shared by every revision one call lints: the thresholds,
 * read once, the cache of facts (relid and recursion -> LintFacts), and the
 * functions whose body is text, read once when a rule first needs them.
 */
typedef struct LintContext
{
	double		threshold_rows; /* < 0: not a criterion */
	int64		threshold_bytes;	/* < 0: not a criterion */
	HTAB	   *facts;
	bool		functions_read;
	int			nfunctions;
	LintFunction *functions;
	MemoryContext cxt;			/* holds the caches; lives for the call */
} LintContext;

/* A column an earlier statement of the revision added */
typedef struct LintColumn
{
	Oid			relid;
	char	   *name;
} LintColumn;

/* A constraint the revision added, validated or named, for later rules */
typedef struct LintConstraint
{
	Oid			relid;
	char	   *name;			/* NULL when unnamed */
	char	   *notnull_column; /* CHECK (col IS NOT NULL): col, else NULL */
	bool		added_not_valid;	/* added NOT VALID in this revision */
	bool		validated;		/* valid by the end of what was linted */
} LintConstraint;

/*
 * Per-revision state: the statement being linted, the names the revision
 * created, dropped or renamed so far (the overlay over the live catalog),
 * and the findings.
 */
typedef struct LintRevision
{
	LintContext *ctx;
	const char *revision;
	const char *sql;
	bool		transactional;	/* false: a non-transactional revision (the
								 * catalog has no such revision yet: always
								 * true until it does) */
	bool		no_downgrade;
	int			statement;		/* 1-based number of the current statement */
	uint64		ignore_statement;	/* rules silenced for this statement */
	uint64		ignore_revision;	/* revision-level rules silenced */
	List	   *overlay;		/* LintOverlay, newest last */
	List	   *constraints;	/* LintConstraint */
	List	   *dropped_functions;	/* OIDs the revision drops earlier */
	List	   *added_columns;	/* LintColumn: columns it added earlier */
	bool		ddl_on_existing;	/* a statement took a strong lock on an
									 * existing table */
	List	   *backfills;		/* LintFinding waiting for the end */
	List	   *findings;		/* LintFinding, sorted by statement at the
								 * end */
	int			nmade;			/* findings made so far (their seq) */
} LintRevision;

/* lint_rules.c: the rules, and how a finding is made and silenced */
extern void lint_add_finding(LintRevision *rev, LintRuleId rule,
							 LintSeverity severity, LintFacts *facts,
							 const char *fmt,...) pg_attribute_printf(5, 6);
extern LintFinding *lint_make_finding(LintRevision *rev, LintRuleId rule,
									  LintSeverity severity, LintFacts *facts,
									  const char *fmt,...) pg_attribute_printf(5, 6);
extern bool lint_silenced(LintRevision *rev, LintRuleId rule);
extern void lint_statement(LintRevision *rev, Node *stmt);
extern void lint_finish_revision(LintRevision *rev);
extern int	lint_rule_by_name(const char *name);

/* lint_catalog.c */
extern LintRel lint_resolve(LintRevision *rev, RangeVar *rv);
extern LintRel lint_resolve_index(LintRevision *rev, RangeVar *rv, Oid *table);
extern void lint_note_created(LintRevision *rev, RangeVar *rv);
extern void lint_note_gone(LintRevision *rev, LintRel *rel, const char *name);
extern void lint_note_renamed(LintRevision *rev, LintRel *rel,
							  const char *oldname, Oid newnsp,
							  const char *newname);
extern LintFacts *lint_facts(LintContext *ctx, Oid relid, bool recurse);
extern char *lint_volatile_culprit(Node *raw_expr);
extern bool lint_type_change_rewrites(Oid relid, const char *colname,
									  ColumnDef *def, char **why);
extern bool lint_not_null_proven(LintRevision *rev, Oid relid,
								 const char *colname);
extern char *lint_dependents(Oid relid, AttrNumber attnum,
							 bool constraints);
extern char *lint_text_users(LintRevision *rev, Oid relid, const char *table,
							 const char *column);
extern void lint_note_dropped_function(LintRevision *rev, ObjectType objtype,
									   ObjectWithArgs *func);
extern bool lint_type_is(TypeName *tn, Oid typid);
extern char *lint_qualified_relname(Oid relid);

#endif							/* SCHEMAVER_LINT_H */
