/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  What differs between the PostgreSQL major versions schemaver builds
 *	  against (15, 16, 17 and 18), in one place.
 *
 * The other files are written against one spelling of each server interface
 * and use the macros here where the server's spelling changed between
 * versions; nothing else in src/ tests PG_VERSION_NUM.  Each block says in
 * which version the interface changed.  15, 17 and 18 are built and tested
 * (test/run-tests.sh); 16 is built by the same guards but its headers are
 * not packaged for the machines the project is tested on, so it is
 * untested.  README.md's "Versions" section lists the same differences.
 *
 * schemaver.h includes this file, so every .c file sees it.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAVER_COMPAT_H
#define SCHEMAVER_COMPAT_H

#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "storage/proc.h"
#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"
#endif

#if PG_VERSION_NUM < 150000
#error "schemaver needs PostgreSQL 15 or later"
#endif

/*
 * SV_MY_LXID: the local transaction id of this backend's current top-level
 * transaction.  PostgreSQL 17 moved it from PGPROC.lxid into PGPROC.vxid.
 */
#if PG_VERSION_NUM >= 170000
#define SV_MY_LXID (MyProc->vxid.lxid)
#else
#define SV_MY_LXID (MyProc->lxid)
#endif

/*
 * SV_RTE_REQUIRED_PERMS(pstmt, rte): the privileges (ACL_SELECT,
 * ACL_INSERT, ...) that the executor checks for range table entry rte of
 * the planned statement pstmt; 0 when it checks none.  Up to 15 they are in
 * the entry itself; 16 moved them to RTEPermissionInfo nodes, listed in
 * PlannedStmt.permInfos, which an entry points to by its 1-based
 * perminfoindex (0: no permission check for it).
 */
#if PG_VERSION_NUM >= 160000
#define SV_RTE_REQUIRED_PERMS(pstmt, rte) \
	((rte)->perminfoindex != 0 ? \
	 getRTEPermissionInfo((pstmt)->permInfos, (rte))->requiredPerms : \
	 (AclMode) 0)
#else
#define SV_RTE_REQUIRED_PERMS(pstmt, rte) ((rte)->requiredPerms)
#endif

/*
 * pg_noreturn: marks a function that never returns.  PostgreSQL 18 replaced
 * the suffix pg_attribute_noreturn() by the prefix pg_noreturn (C11's
 * _Noreturn where available).  Before 18 the prefix is the same GCC
 * attribute (or nothing, where the server defines none), which GCC and
 * clang accept at the start of a declaration too.
 */
/*
 * LockHeldByMe: 17 added "orstronger" (a stronger lock also counts); before,
 * only the mode itself.
 */
#if PG_VERSION_NUM >= 170000
#define SV_LOCK_HELD_BY_ME(tag, mode) LockHeldByMe((tag), (mode), false)
#else
#define SV_LOCK_HELD_BY_ME(tag, mode) LockHeldByMe((tag), (mode))
#endif

#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * InitMaterializedSRF: sets up a set-returning function that returns its
 * rows in a tuplestore.  15.0 called it SetSingleFuncCall (with flags
 * SRF_SINGLE_*); 15.1 renamed it (flags MAT_SRF_*) and 16 dropped the old
 * name.  The flag macro tells which spelling the headers have.
 */
#ifndef MAT_SRF_USE_EXPECTED_DESC
#define InitMaterializedSRF(fcinfo, flags) SetSingleFuncCall((fcinfo), (flags))
#define MAT_SRF_USE_EXPECTED_DESC SRF_SINGLE_USE_EXPECTED
#define MAT_SRF_BLESS SRF_SINGLE_BLESS
#endif

#endif							/* SCHEMAVER_COMPAT_H */
