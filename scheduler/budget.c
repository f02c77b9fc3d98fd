/* budget: planned unavailability held against the availability targets */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "datetime.h"
#include "jsonx.h"
#include "policy.h"
#include "state.h"
#include "tz.h"
#include "util.h"

#define LEDGER_BUCKETS	4096
/* Periods given as a duration count from this Monday, local midnight. */
#define PERIOD_ANCHOR	(4 * 86400)	/* 1970-01-05T00:00 as wall seconds */

struct entry {
	struct entry *next;
	size_t	 system, target;
	int64_t	 start;			/* of the period */
	int64_t	 planned, actual;	/* seconds */
};

struct budget_ledger {
	const struct policy *pol;
	const struct tz *tz;
	struct entry *b[LEDGER_BUCKETS];
};

static const struct tz *
zone_of(const struct policy *pol)
{
	char	*cause = NULL;
	const struct tz *tz = tz_get(pol->timezone != NULL ? pol->timezone :
	    "UTC", &cause);

	free(cause);
	return tz != NULL ? tz : tz_get("UTC", &cause);
}

/* --- periods */

static void
period_in(const struct tz *tz, const struct availability *a, int64_t t,
    struct budget_period *p)
{
	struct civil c, e;
	int64_t	 wall, idx;

	tz_utc_to_local(tz, t, &c, NULL);
	memset(&e, 0, sizeof e);
	switch (a->period) {
	case PERIOD_MONTH:
	case PERIOD_QUARTER:
		c.day = 1;
		c.hour = c.minute = c.second = 0;
		if (a->period == PERIOD_QUARTER)
			c.month = (c.month - 1) / 3 * 3 + 1;
		e = c;
		e.month += a->period == PERIOD_QUARTER ? 3 : 1;
		if (e.month > 12) {
			e.month -= 12;
			e.year++;
		}
		p->start = tz_local_to_utc(tz, &c);
		p->end = tz_local_to_utc(tz, &e);
		if (a->period == PERIOD_MONTH)
			snprintf(p->label, sizeof p->label, "%04d-%02d", c.year,
			    c.month);
		else
			snprintf(p->label, sizeof p->label, "%04d-Q%d", c.year,
			    (c.month - 1) / 3 + 1);
		break;
	case PERIOD_DURATION:
		wall = civil_to_utc(&c) - PERIOD_ANCHOR;
		idx = wall >= 0 ? wall / a->period_len :
		    -((-wall + a->period_len - 1) / a->period_len);
		wall = PERIOD_ANCHOR + idx * a->period_len;
		p->start = tz_wall_to_utc(tz, wall);
		p->end = tz_wall_to_utc(tz, wall + a->period_len);
		utc_to_civil(wall, &c);
		snprintf(p->label, sizeof p->label, "%04d-%02d-%02d+%s", c.year,
		    c.month, c.day, a->period_text != NULL ? a->period_text : "");
		break;
	}
}

void
budget_period_of(const struct policy *pol, const struct availability *a,
    int64_t t, struct budget_period *p)
{
	period_in(zone_of(pol), a, t, p);
}

int64_t
budget_allowance(const struct availability *a, const struct budget_period *p)
{
	int64_t	 len = p->end - p->start;

	/* whole seconds of (1 - target) of the length, exactly */
	return len / 1000000 * (1000000 - a->target_ppm) +
	    len % 1000000 * (1000000 - a->target_ppm) / 1000000;
}

int
budget_covers(const struct availability *a, const struct system *s)
{
	if (a->systems != NULL && strv_has(a->systems, s->name))
		return 1;
	if (a->groups != NULL && strv_has(a->groups, s->group))
		return 1;
	return a->systems == NULL && a->groups == NULL;
}

double
budget_share(const struct availability *a, const char *impact)
{
	if (impact == NULL)
		return 0;
	if (strcmp(impact, "outage") == 0)
		return 1;
	if (strcmp(impact, "degraded") == 0)
		return a->degraded;
	return 0;
}

int64_t
budget_spend(const struct availability *a, const char *impact, int64_t s,
    int64_t e, const struct budget_period *p)
{
	double	 share = budget_share(a, impact);
	int64_t	 from = s > p->start ? s : p->start, to = e < p->end ? e : p->end;

	if (share <= 0 || to <= from)
		return 0;
	return (int64_t)((double)(to - from) * share + 0.5);
}

char *
budget_minutes(int64_t secs)
{
	int64_t	 a = secs < 0 ? -secs : secs;
	const char *sign = secs < 0 ? "-" : "";
	char	 s[16] = "";

	if (a % 60 != 0)
		snprintf(s, sizeof s, " %lld s", (long long)(a % 60));
	if (a < 100 * 60)
		return xasprintf("%s%lld min%s", sign, (long long)(a / 60), s);
	return xasprintf("%s%lld h %lld min%s", sign, (long long)(a / 3600),
	    (long long)(a % 3600 / 60), s);
}

/* --- the ledger */

static unsigned
hash(size_t system, size_t target, int64_t start)
{
	uint64_t h = (uint64_t)system * 1000003u ^ (uint64_t)target * 7919u ^
	    (uint64_t)start * 2654435761u;

	return (unsigned)((h ^ (h >> 29)) % LEDGER_BUCKETS);
}

static struct entry *
entry_at(const struct budget_ledger *l, size_t system, size_t target,
    int64_t start, int make)
{
	struct entry **b = (struct entry **)&l->b[hash(system, target, start)];
	struct entry *e;

	for (e = *b; e != NULL; e = e->next) {
		if (e->system == system && e->target == target &&
		    e->start == start)
			return e;
	}
	if (!make)
		return NULL;
	e = xcalloc(1, sizeof *e);
	e->system = system;
	e->target = target;
	e->start = start;
	e->next = *b;
	*b = e;
	return e;
}

struct budget_ledger *
budget_ledger_new(const struct policy *pol)
{
	struct budget_ledger *l = xcalloc(1, sizeof *l);

	l->pol = pol;
	l->tz = zone_of(pol);
	return l;
}

void
budget_ledger_free(struct budget_ledger *l)
{
	struct entry *e, *next;
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < LEDGER_BUCKETS; i++) {
		for (e = l->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(l);
}

/* Every (target, period) [s, e) of impact touches on a system, in order. */
static void
each_period(const struct budget_ledger *l, size_t sys, const char *impact,
    int64_t s, int64_t e,
    int (*fn)(const struct budget_ledger *, size_t, size_t,
    const struct budget_period *, int64_t, void *), void *arg)
{
	const struct policy *pol = l->pol;
	const struct availability *a;
	struct budget_period p;
	size_t	 t;
	int64_t	 at;

	for (t = 0; t < pol->navailability; t++) {
		a = &pol->availability[t];
		if (!budget_covers(a, &pol->systems[sys]) ||
		    budget_share(a, impact) <= 0)
			continue;
		for (at = s; at < e; at = p.end) {
			period_in(l->tz, a, at, &p);
			if (p.end <= at)
				break;
			if (fn(l, sys, t, &p, budget_spend(a, impact, s, e, &p),
			    arg) != 0)
				return;
		}
	}
}

struct add_arg {
	int	 sign;
	int	 actual;
};

static int
add_one(const struct budget_ledger *l, size_t sys, size_t t,
    const struct budget_period *p, int64_t spend, void *arg)
{
	const struct add_arg *a = arg;
	struct entry *e = entry_at(l, sys, t, p->start, 1);

	if (a->actual)
		e->actual += a->sign * spend;
	else
		e->planned += a->sign * spend;
	return 0;
}

static void
ledger_put(struct budget_ledger *l, char *const *systems, const char *impact,
    int64_t s, int64_t e, int sign, int actual)
{
	const struct system *sys;
	struct add_arg a = { sign, actual };
	size_t	 i;

	if (l == NULL || l->pol->navailability == 0 || systems == NULL)
		return;
	for (i = 0; systems[i] != NULL; i++) {
		if ((sys = policy_system(l->pol, systems[i])) != NULL)
			each_period(l, (size_t)(sys - l->pol->systems), impact,
			    s, e, add_one, &a);
	}
}

void
budget_ledger_add(struct budget_ledger *l, char *const *systems,
    const char *impact, int64_t s, int64_t e, int sign)
{
	ledger_put(l, systems, impact, s, e, sign, 0);
}

void
budget_ledger_actual(struct budget_ledger *l, char *const *systems,
    const char *impact, int64_t s, int64_t e)
{
	ledger_put(l, systems, impact, s, e, 1, 1);
}

struct fit_arg {
	char	*why;
	int64_t	 next;
};

static int
fit_one(const struct budget_ledger *l, size_t sys, size_t t,
    const struct budget_period *p, int64_t spend, void *arg)
{
	struct fit_arg *f = arg;
	const struct entry *e = entry_at(l, sys, t, p->start, 0);
	int64_t	 planned = e != NULL ? e->planned : 0;
	int64_t	 allowed = budget_allowance(&l->pol->availability[t], p);
	char	*a, *b, *c;

	if (planned + spend <= allowed)
		return 0;
	a = budget_minutes(allowed);
	b = budget_minutes(planned);
	c = budget_minutes(spend);
	f->why = xasprintf("%s %s: %s budget, %s planned; this change needs %s",
	    l->pol->systems[sys].name, p->label, a, b, c);
	f->next = p->end;
	free(a);
	free(b);
	free(c);
	return 1;
}

int
budget_fits(const struct budget_ledger *l, char *const *systems,
    const char *impact, int64_t s, int64_t e, char **why, int64_t *next)
{
	const struct system *sys;
	struct fit_arg f = { NULL, 0 };
	size_t	 i;

	if (l == NULL || l->pol->navailability == 0 || systems == NULL)
		return 1;
	for (i = 0; f.why == NULL && systems[i] != NULL; i++) {
		if ((sys = policy_system(l->pol, systems[i])) != NULL)
			each_period(l, (size_t)(sys - l->pol->systems), impact,
			    s, e, fit_one, &f);
	}
	if (f.why == NULL)
		return 1;
	*why = f.why;
	*next = f.next;
	return 0;
}

int64_t
budget_planned(const struct budget_ledger *l, size_t system, size_t target,
    const struct budget_period *p)
{
	const struct entry *e = entry_at(l, system, target, p->start, 0);

	return e != NULL ? e->planned : 0;
}

static int64_t
actual_of(const struct budget_ledger *l, size_t system, size_t target,
    const struct budget_period *p)
{
	const struct entry *e = entry_at(l, system, target, p->start, 0);

	return e != NULL ? e->actual : 0;
}

/* Has the change's slot been given up (cancelled, released, missed)? */
static int
slot_spent(const struct plan_state *ps)
{
	if (!ps->has_slot)
		return 0;
	if (ps->slot_live)
		return 1;
	return ps->status == ST_COMPLETED || ps->status == ST_ROLLED_BACK ||
	    ps->status == ST_FAILED;
}

struct budget_ledger *
budget_ledger_of_state(const struct policy *pol, const struct state *st)
{
	struct budget_ledger *l = budget_ledger_new(pol);
	const struct plan_state *ps;
	size_t	 i;

	for (i = 0; st != NULL && i < st->n; i++) {
		ps = st->items[i];
		if (slot_spent(ps))
			budget_ledger_add(l, ps->snap.systems, ps->snap.impact,
			    ps->slot.start, ps->slot.end, 1);
	}
	return l;
}

/* --- the table */

size_t
budget_rows(const struct policy *pol, const struct budget_ledger *l,
    int64_t from, int64_t to, struct budget_row **out)
{
	const struct availability *a;
	struct budget_period p;
	struct budget_row *r;
	size_t	 t, s, n = 0;
	int64_t	 at, used;

	*out = NULL;
	for (t = 0; t < pol->navailability; t++) {
		a = &pol->availability[t];
		for (s = 0; s < pol->nsystems; s++) {
			if (!budget_covers(a, &pol->systems[s]))
				continue;
			for (at = from; at < to; at = p.end) {
				period_in(l->tz, a, at, &p);
				if (p.end <= at)
					break;
				*out = xreallocarray(*out, n + 1, sizeof **out);
				r = &(*out)[n++];
				memset(r, 0, sizeof *r);
				r->system = pol->systems[s].name;
				r->target = t;
				r->period = p;
				r->budget = budget_allowance(a, &p);
				r->planned = budget_planned(l, s, t, &p);
				r->actual = actual_of(l, s, t, &p);
				used = r->actual > r->planned ? r->actual :
				    r->planned;
				r->left = r->budget - used;
				r->availability = 100.0 * (1.0 - (double)used /
				    (double)(p.end - p.start));
			}
		}
	}
	return n;
}

char *
budget_table_text(const struct policy *pol, const struct budget_row *r,
    size_t n)
{
	struct buf b = BUF_INIT;
	char	*v[4];
	size_t	 i, k;

	buf_addf(&b, "%-16s %-8s %-15s %-13s %-13s %-13s %-13s %s\n", "SYSTEM",
	    "TARGET", "PERIOD", "BUDGET", "PLANNED", "ACTUAL", "LEFT", "LEAVES");
	for (i = 0; i < n; i++) {
		v[0] = budget_minutes(r[i].budget);
		v[1] = budget_minutes(r[i].planned);
		v[2] = budget_minutes(r[i].actual);
		v[3] = budget_minutes(r[i].left);
		buf_addf(&b, "%-16s %-8s %-15s %-13s %-13s %-13s %-13s %.4f%%%s\n",
		    r[i].system, pol->availability[r[i].target].target,
		    r[i].period.label, v[0], v[1], v[2], v[3],
		    r[i].availability, r[i].left < 0 ? "  OVERSPENT" : "");
		for (k = 0; k < 4; k++)
			free(v[k]);
	}
	return buf_detach(&b, NULL);
}

struct json_t *
budget_table_json(const struct policy *pol, const struct budget_row *r,
    size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:o, "
		    "s:o, s:I, s:I, s:I, s:I, s:f, s:b}", "system", r[i].system,
		    "target", pol->availability[r[i].target].target, "period",
		    r[i].period.label, "period_kind",
		    pol->availability[r[i].target].period_text, "start",
		    jsonx_time(r[i].period.start), "end",
		    jsonx_time(r[i].period.end), "budget_seconds",
		    (json_int_t)r[i].budget, "planned_seconds",
		    (json_int_t)r[i].planned, "actual_seconds",
		    (json_int_t)r[i].actual, "left_seconds", (json_int_t)r[i].left,
		    "availability_pct", r[i].availability, "overspent",
		    r[i].left < 0));
	return a;
}
