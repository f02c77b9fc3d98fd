/* load: how many changes run at each minute, for max_concurrent */
#include <stdlib.h>

#include "load.h"
#include "util.h"

/*
 * A segment tree with range add and range max/min: placing a change and
 * asking "is any minute of this slot full?" are both O(log n), so the
 * scheduler stays n log n however many changes overlap.
 */
struct load {
	int64_t	 from;
	long	 n;		/* minutes */
	int	*max, *min, *lazy;
};

struct load *
load_new(int64_t from, int64_t to)
{
	struct load *l = xcalloc(1, sizeof *l);

	l->from = from;
	l->n = (long)((to - from + 59) / 60);
	if (l->n < 1)
		l->n = 1;
	l->max = xcalloc(4 * (size_t)l->n, sizeof *l->max);
	l->min = xcalloc(4 * (size_t)l->n, sizeof *l->min);
	l->lazy = xcalloc(4 * (size_t)l->n, sizeof *l->lazy);
	return l;
}

void
load_free(struct load *l)
{
	if (l == NULL)
		return;
	free(l->max);
	free(l->min);
	free(l->lazy);
	free(l);
}

static void
push(struct load *l, long node)
{
	int	 z = l->lazy[node];
	long	 c;

	if (z == 0)
		return;
	for (c = 2 * node; c <= 2 * node + 1; c++) {
		l->max[c] += z;
		l->min[c] += z;
		l->lazy[c] += z;
	}
	l->lazy[node] = 0;
}

static void
pull(struct load *l, long node)
{
	long	 a = 2 * node, b = a + 1;

	l->max[node] = l->max[a] > l->max[b] ? l->max[a] : l->max[b];
	l->min[node] = l->min[a] < l->min[b] ? l->min[a] : l->min[b];
}

static void
add(struct load *l, long node, long lo, long hi, long a, long b, int d)
{
	long	 mid;

	if (b < lo || hi < a)
		return;
	if (a <= lo && hi <= b) {
		l->max[node] += d;
		l->min[node] += d;
		l->lazy[node] += d;
		return;
	}
	push(l, node);
	mid = (lo + hi) / 2;
	add(l, 2 * node, lo, mid, a, b, d);
	add(l, 2 * node + 1, mid + 1, hi, a, b, d);
	pull(l, node);
}

static int
query_max(struct load *l, long node, long lo, long hi, long a, long b)
{
	long	 mid;
	int	 x, y;

	if (b < lo || hi < a)
		return 0;
	if (a <= lo && hi <= b)
		return l->max[node];
	push(l, node);
	mid = (lo + hi) / 2;
	x = query_max(l, 2 * node, lo, mid, a, b);
	y = query_max(l, 2 * node + 1, mid + 1, hi, a, b);
	return x > y ? x : y;
}

/* First index in [a, b] with load >= limit (want_high) or < limit. */
static long
find(struct load *l, long node, long lo, long hi, long a, long b, int limit,
    int want_high)
{
	long	 mid, r;

	if (b < lo || hi < a)
		return -1;
	if (want_high ? l->max[node] < limit : l->min[node] >= limit)
		return -1;
	if (lo == hi)
		return lo;
	push(l, node);
	mid = (lo + hi) / 2;
	if ((r = find(l, 2 * node, lo, mid, a, b, limit, want_high)) != -1)
		return r;
	return find(l, 2 * node + 1, mid + 1, hi, a, b, limit, want_high);
}

/* Minutes [*a, *b] touched by [start, end), clipped; 0 when none. */
static int
span(const struct load *l, int64_t start, int64_t end, long *a, long *b)
{
	int64_t	 s = start - l->from, e = end - l->from;

	if (e <= 0 || s >= (int64_t)l->n * 60 || end <= start)
		return 0;
	*a = s < 0 ? 0 : (long)(s / 60);
	*b = (long)((e + 59) / 60) - 1;
	if (*b >= l->n)
		*b = l->n - 1;
	return 1;
}

void
load_add(struct load *l, int64_t start, int64_t end, int delta)
{
	long	 a, b;

	if (span(l, start, end, &a, &b))
		add(l, 1, 0, l->n - 1, a, b, delta);
}

int
load_max(struct load *l, int64_t start, int64_t end)
{
	long	 a, b;

	return span(l, start, end, &a, &b) ?
	    query_max(l, 1, 0, l->n - 1, a, b) : 0;
}

int64_t
load_first_at_least(struct load *l, int64_t start, int64_t end, int limit)
{
	long	 a, b, m;

	if (!span(l, start, end, &a, &b))
		return -1;
	m = find(l, 1, 0, l->n - 1, a, b, limit, 1);
	return m < 0 ? -1 : l->from + (int64_t)m * 60;
}

int64_t
load_next_below(struct load *l, int64_t t, int limit)
{
	long	 a, b, m;

	if (!span(l, t, l->from + (int64_t)l->n * 60, &a, &b))
		return t;
	m = find(l, 1, 0, l->n - 1, a, b, limit, 0);
	if (m < 0)
		return l->from + (int64_t)l->n * 60;
	return l->from + (int64_t)m * 60 > t ? l->from + (int64_t)m * 60 : t;
}
