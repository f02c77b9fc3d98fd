/*
 * fuzz-plan: a plan file as a team pushes it. The input is plans/fuzz.json;
 * it is read and validated against the base test policy, scored, and
 * taken through reconciliation into a state that is written out and read
 * back. Every problem must be one clear line with a place inside the
 * file, and whatever offpeak writes it must be able to read.
 */
#include "check.h"
#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "risk.h"
#include "state.h"
#include "trust.h"
#include "util.h"

#include "fuzz.h"

static struct policy *pol;

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*s;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		abort();
	rewind(f);
	s = xmalloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		abort();
	s[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return s;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diags d;
	char	*text;
	size_t	 len;

	(void)argc;
	(void)argv;
	diags_init(&d);
	text = slurp(FUZZ_SRCDIR "/tests/data/base/offpeak.json", &len);
	pol = policy_parse("offpeak.json", text, len, &d);
	fuzz_check(pol != NULL && d.n == 0);
	diags_release(&d);
	free(text);
	return 0;
}

static void
check_diags(const struct diags *d, size_t len)
{
	char	*line;
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		line = diag_format(&d->items[i]);
		fuzz_check_line(line);
		fuzz_check(d->items[i].line >= 0 && d->items[i].column >= 0);
		fuzz_check((size_t)d->items[i].line <= len + 1);
		free(line);
	}
}

/* What reconciliation writes about the plan must read back the same. */
static void
round_trip(struct plan *p)
{
	struct state st;
	struct trust t;
	struct plan_state *ps, *back;
	char	*text, *again, *cause = NULL;

	state_init(&st);
	trust_init(&t, pol, NULL, 0, NULL, NULL);
	p->added_at = 1764547200;
	memcpy(p->blob, "0123456789abcdef0123456789abcdef01234567", 41);
	state_reconcile(&st, &t, &p, 1, 1764547200 + 86400);
	trust_release(&t);
	if ((ps = state_find(&st, p->id)) != NULL) {
		text = state_to_json(ps);
		back = plan_state_new(p->id);
		if (state_from_json(back, text, strlen(text), &cause) != 0) {
			fprintf(stderr, "%s\n%s\n", cause, text);
			fuzz_check(!"a state offpeak wrote cannot be read");
		}
		again = state_to_json(back);
		fuzz_check(strcmp(text, again) == 0);
		free(again);
		free(text);
		plan_state_free(back);
	}
	state_release(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct plan *p;
	struct risk r;

	if (size > CHECK_MAX_FILE)
		return 0;
	diags_init(&d);
	p = plan_parse_take("plans/fuzz.json", fuzz_text(data, size), size, &d);
	check_diags(&d, size);
	if (p != NULL && d.n == 0 && p->id != NULL && name_valid(p->id)) {
		risk_assess(pol, p, &r);
		fuzz_check(r.level_name != NULL);
		round_trip(p);
	}
	plan_free(p);
	diags_release(&d);
	return 0;
}
