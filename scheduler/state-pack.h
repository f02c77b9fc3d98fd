/* state-pack: a parsed state file in the parse cache's binary form */
#ifndef OFFPEAK_STATE_PACK_H
#define OFFPEAK_STATE_PACK_H

#include "pack.h"

struct plan_state;
struct approval;

/* Append what state_from_json read into ps (not its approvals) to b. */
void	 state_pack(const struct plan_state *, struct buf *);
/*
 * Fill ps (new, with its id) from u: 0, or -1 when u is malformed or was
 * packed for another plan id (ps is then to be freed).
 */
int	 state_unpack(struct unpack *, struct plan_state *);
/* The same for what approval_from_json read (not n or saved). */
void	 approval_pack(const struct approval *, struct buf *);
int	 approval_unpack(struct unpack *, struct approval *);
/*
 * Does the packed form unpack into one that packs the same? Only then is
 * it kept: what cannot come back whole is parsed every time.
 */
int	 state_repacks(const struct buf *, const char *id);
int	 approval_repacks(const struct buf *);

#endif
