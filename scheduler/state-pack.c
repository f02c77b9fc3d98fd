/* state-pack: a parsed state file in the parse cache's binary form */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "state.h"
#include "state-pack.h"

#define MAX_FACTORS	100000	/* more is a malformed entry */

void
state_pack(const struct plan_state *ps, struct buf *b)
{
	const struct assessment *a = &ps->risk;
	size_t	 i;

	pack_str(b, ps->id);
	pack_u64(b, ps->status);
	pack_oid(b, ps->revision);
	pack_i64(b, ps->submitted_at);
	pack_i64(b, ps->updated_at);
	pack_u64(b, ps->assessed);
	pack_i64(b, a->score);
	pack_str(b, a->level);
	pack_i64(b, a->notice);
	pack_u64(b, a->approvals);
	pack_u64(b, a->emergency);
	pack_u64(b, a->factors == NULL ? 0 : a->nfactors + 1);
	for (i = 0; i < a->nfactors; i++) {
		pack_str(b, a->factors[i].name);
		pack_i64(b, a->factors[i].weight);
	}
	pack_u64(b, ps->has_slot);
	pack_u64(b, ps->slot_live);
	pack_i64(b, ps->slot.start);
	pack_i64(b, ps->slot.end);
	pack_str(b, ps->slot.window);
	pack_str(b, ps->slot.timezone);
	pack_i64(b, ps->published_at);
	pack_i64(b, ps->released_at);
	pack_u64(b, ps->sequence);
	pack_str(b, ps->reason);
	pack_str(b, ps->snap.title);
	pack_str(b, ps->snap.owner);
	pack_str(b, ps->snap.type);
	pack_str(b, ps->snap.impact);
	pack_str(b, ps->snap.rollback);
	pack_strv(b, ps->snap.systems);
	pack_str(b, ps->snap.description);
	pack_str(b, ps->run.id);
	pack_str(b, ps->run.operator);
	pack_str(b, ps->run.host);
	pack_i64(b, ps->run.pid);
	pack_i64(b, ps->run.pid_start);
	pack_i64(b, ps->run.started);
	pack_str(b, ps->run.outcome);
	pack_strv(b, ps->break_glass.by);
	pack_strv(b, ps->break_glass.freezes);
	pack_u64(b, ps->break_glass.outside_window);
	pack_str(b, ps->break_glass.overspend);
}

int
state_unpack(struct unpack *u, struct plan_state *ps)
{
	struct assessment *a = &ps->risk;
	char	*id = unpack_str(u);
	size_t	 i, n;

	if (id == NULL || strcmp(id, ps->id) != 0) {
		free(id);
		return -1;	/* the same bytes under another name */
	}
	free(id);
	ps->status = unpack_int(u, ST_COUNT - 1);
	unpack_oid(u, ps->revision);
	ps->submitted_at = unpack_i64(u);
	ps->updated_at = unpack_i64(u);
	ps->assessed = unpack_int(u, 1);
	a->score = unpack_i64(u);
	a->level = unpack_str(u);
	a->notice = unpack_i64(u);
	a->approvals = unpack_int(u, INT_MAX);
	a->emergency = unpack_int(u, 1);
	if ((n = unpack_int(u, MAX_FACTORS + 1)) > 0) {
		a->factors = xcalloc(n, sizeof *a->factors);
		for (i = 0; i + 1 < n && !u->bad; i++) {
			a->factors[i].name = unpack_str(u);
			a->factors[i].weight = unpack_i64(u);
			a->nfactors++;
		}
	}
	ps->has_slot = unpack_int(u, 1);
	ps->slot_live = unpack_int(u, 1);
	ps->slot.start = unpack_i64(u);
	ps->slot.end = unpack_i64(u);
	ps->slot.window = unpack_str(u);
	ps->slot.timezone = unpack_str(u);
	ps->published_at = unpack_i64(u);
	ps->released_at = unpack_i64(u);
	ps->sequence = unpack_int(u, INT_MAX);
	ps->reason = unpack_str(u);
	ps->snap.title = unpack_str(u);
	ps->snap.owner = unpack_str(u);
	ps->snap.type = unpack_str(u);
	ps->snap.impact = unpack_str(u);
	ps->snap.rollback = unpack_str(u);
	ps->snap.systems = unpack_strv(u);
	ps->snap.description = unpack_str(u);
	ps->run.id = unpack_str(u);
	ps->run.operator = unpack_str(u);
	ps->run.host = unpack_str(u);
	ps->run.pid = unpack_i64(u);
	ps->run.pid_start = unpack_i64(u);
	ps->run.started = unpack_i64(u);
	ps->run.outcome = unpack_str(u);
	ps->break_glass.by = unpack_strv(u);
	ps->break_glass.freezes = unpack_strv(u);
	ps->break_glass.outside_window = unpack_int(u, 1);
	ps->break_glass.overspend = unpack_str(u);
	return unpack_done(u) ? 0 : -1;
}

void
approval_pack(const struct approval *a, struct buf *b)
{
	pack_str(b, a->approver);
	pack_u64(b, a->reject);
	pack_u64(b, a->break_glass);
	pack_oid(b, a->revision);
	pack_str(b, a->comment);
	pack_i64(b, a->at);
	pack_str(b, a->signature);
}

int
approval_unpack(struct unpack *u, struct approval *a)
{
	a->approver = unpack_str(u);
	a->reject = unpack_int(u, 1);
	a->break_glass = unpack_int(u, 1);
	unpack_oid(u, a->revision);
	a->comment = unpack_str(u);
	a->at = unpack_i64(u);
	a->signature = unpack_str(u);
	return unpack_done(u) && a->approver != NULL ? 0 : -1;
}

int
state_repacks(const struct buf *b, const char *id)
{
	struct plan_state *ps = plan_state_new(id);
	struct unpack u;
	struct buf again;
	int	 same = 0;

	unpack_init(&u, b->data, b->len);
	buf_init(&again);
	if (state_unpack(&u, ps) == 0) {
		state_pack(ps, &again);
		same = again.len == b->len &&
		    memcmp(again.data, b->data, b->len) == 0;
	}
	buf_release(&again);
	plan_state_free(ps);
	return same;
}

int
approval_repacks(const struct buf *b)
{
	struct approval a;
	struct unpack u;
	struct buf again;
	int	 same = 0;

	memset(&a, 0, sizeof a);
	unpack_init(&u, b->data, b->len);
	buf_init(&again);
	if (approval_unpack(&u, &a) == 0) {
		approval_pack(&a, &again);
		same = again.len == b->len &&
		    memcmp(again.data, b->data, b->len) == 0;
	}
	buf_release(&again);
	approval_release(&a);
	return same;
}
