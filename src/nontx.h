/*-------------------------------------------------------------------------
 *
 * nontx.h
 *	  What the caller of a non-transactional revision (nontx.c) and the
 *	  background worker that runs it (nontxworker.c) share: the layout of
 *	  the dynamic shared memory segment between them, and the messages the
 *	  worker sends besides errors and notices.
 *
 * src/nontx.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAVER_NONTX_H
#define SCHEMAVER_NONTX_H

#include "schemaver.h"

/* Magic number of the segment's table of contents */
#define NONTX_MAGIC			0x53564e54

/* Keys of the table of contents */
#define NONTX_KEY_FIXED		1
#define NONTX_KEY_SQL		2
#define NONTX_KEY_GUC		3
#define NONTX_KEY_QUEUE		4

/* Size of the worker's message queue (longer messages go in pieces) */
#define NONTX_QUEUE_SIZE	16384

/*
 * Message types the worker sends through the queue, besides the protocol's
 * 'E' (error) and 'N' (notice) that pq_redirect_to_shm_mq sends.
 */
#define NONTX_MSG_STATEMENT 'p'	/* int32: number of the statement that
								 * starts */
#define NONTX_MSG_DONE		'X' /* int32: statements run; all committed */

/* Who the worker is and what it runs, set by the caller */
typedef struct NontxShared
{
	Oid			database_id;
	Oid			authenticated_user_id;
	Oid			outer_user_id;	/* SET ROLE, or InvalidOid */
	bool		outer_is_superuser;
	Oid			current_user_id;
	int			sec_context;
	SvLockPolicy policy;		/* lock_timeout of the revision */
	int			caller_pid;
	char		operation[16];	/* "upgrade", "downgrade" */
	char		revision[SV_MAX_ID_LEN + 1];
} NontxShared;

#endif							/* SCHEMAVER_NONTX_H */
