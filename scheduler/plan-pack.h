/* plan-pack: a parsed plan in the parse cache's binary form */
#ifndef OFFPEAK_PLAN_PACK_H
#define OFFPEAK_PLAN_PACK_H

#include "pack.h"

struct plan;

/*
 * Append the plan as parsed (not its file, blob, added_at or text) to b:
 * 0, or -1 when it cannot be packed (then it is not cached).
 */
int	 plan_pack(const struct plan *, struct buf *);
/*
 * The plan packed in u, named file, without its text (NULL: read the
 * blob again when a message needs a line); NULL when u is malformed.
 */
struct plan *plan_unpack(struct unpack *, const char *file);

#endif
