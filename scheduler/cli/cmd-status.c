/* offpeak status: every plan's state, slot, notice, approvals, next action */
#include <sys/ioctl.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "jsonx.h"
#include "datetime.h"
#include "plan.h"
#include "policy.h"
#include "run.h"
#include "budget.h"
#include "freezefeed.h"
#include "report.h"
#include "session.h"
#include "timeline.h"
#include "trust.h"
#include "util.h"

#define OPT_TIMELINE	CMD_LONG
#define OPT_WEEKS	(CMD_LONG + 1)
#define TEXT_WIDTH	100	/* columns when stdout is not a terminal */

static const struct cmd_option options[] = {
	{ OPT_TIMELINE, "timeline", NULL, NULL, 0,
	    "draw the coming weeks: a row per system, the windows, freezes "
	    "and changes" },
	{ OPT_WEEKS, "weeks", "N", NULL, 0,
	    "with --timeline: how many weeks (default 4, at most 26)" },
	{ 0 }
};

#define AVAIL_AHEAD	(90 * 86400)	/* periods shown from now */
#define AVAIL_BACK	(370 * 86400)	/* runs read for what they spent */

/*
 * The ledger of the state's slots with what the runs measured: the
 * availability budgets as they stand. NULL (said why) when the records
 * cannot be read.
 */
static struct budget_ledger *
ledger_now(struct session *s)
{
	struct budget_ledger *l = budget_ledger_of_state(s->chk.policy, &s->st);
	struct report rep;
	char	*cause = NULL;

	memset(&rep, 0, sizeof rep);
	if (report_build_working(s->repo, &s->st, s->chk.policy->redactor,
	    s->now - AVAIL_BACK, s->now + AVAIL_AHEAD, &rep, &cause) != 0) {
		cmd_error("status: the run records: %s", cause);
		free(cause);
		budget_ledger_free(l);
		return NULL;
	}
	report_actuals(&rep, &s->st, l);
	report_release(&rep);
	return l;
}

/* The availability budgets of the periods from now on (clause 3.1). */
static int
print_availability(struct session *s)
{
	struct budget_ledger *l;
	struct budget_row *rows;
	char	*text;
	size_t	 n;

	if (s->chk.policy->navailability == 0)
		return EXIT_DONE;
	if ((l = ledger_now(s)) == NULL)
		return EXIT_ENV;
	n = budget_rows(s->chk.policy, l, s->now, s->now + AVAIL_AHEAD, &rows);
	text = budget_table_text(s->chk.policy, rows, n);
	printf("\nAvailability budgets (planned unavailability against each "
	    "target, this period and the next)\n%s", text);
	free(text);
	free(rows);
	budget_ledger_free(l);
	return EXIT_DONE;
}

/* status --timeline: the picture of the coming weeks, for a terminal. */
static int
print_timeline(struct session *s, long weeks)
{
	struct timeline *tl;
	struct extra_freeze *extra;
	struct winsize ws;
	size_t	 nextra;
	int64_t	 day, end;
	char	*text, *cause = NULL;
	int	 tty = isatty(STDOUT_FILENO), width = TEXT_WIDTH;

	if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	end = s->now + (weeks * 7 + 2) * 86400;
	freeze_feeds_cached(s, s->now - 2 * 86400, end, &extra, &nextra);
	tl = timeline_new(s->chk.policy, &s->st, s->now, s->now - 2 * 86400,
	    end, extra, nextra, &cause);
	free(extra);
	if (tl == NULL) {
		cmd_error("status: %s", cause);
		free(cause);
		return EXIT_INVALID;
	}
	day = timeline_day(tl, s->now);
	text = timeline_text(tl, day, timeline_days_after(tl, day,
	    (int)weeks * 7), width, tty && getenv("NO_COLOR") == NULL);
	fputs(text, stdout);
	free(text);
	timeline_free(tl);
	return EXIT_DONE;
}

/* A run in progress, or one interrupted (see run_interrupted). */
static char *
run_in_progress(const struct plan_state *ps)
{
	if (run_interrupted(ps))
		return xasprintf("INTERRUPTED run %s: 'offpeak run %s --resume' "
		    "or 'offpeak cancel %s'", ps->run.id, ps->id, ps->id);
	return xasprintf("running: run %s by %s on %s", ps->run.id,
	    ps->run.operator, ps->run.host);
}

/* What someone should do next about a plan. */
static char *
next_action(const struct session *s, const struct plan_state *ps,
    const struct approval_count *c)
{
	int64_t	 held = ps->published_at + ps->risk.notice;

	switch (ps->status) {
	case ST_SUBMITTED:
		return xstrdup("assess");
	case ST_ASSESSED:
		if (c->n >= c->needed && c->missing != NULL)
			return xasprintf("needs approval: %s", c->missing);
		return xasprintf("needs %d more approval%s%s%s",
		    c->needed - c->n, c->needed - c->n == 1 ? "" : "s",
		    c->missing != NULL ? ", with " : "",
		    c->missing != NULL ? c->missing : "");
	case ST_APPROVED:
		return xstrdup("schedule");
	case ST_SCHEDULED:
		if (state_slot_missed(ps, s->now))
			return xstrdup("missed: its slot ended without a run; the "
			    "next 'offpeak schedule' gives it a new slot and notice");
		if (s->now < held)
			return xstrdup("wait for the notice period");
		if (s->now < ps->slot.start)
			return xstrdup("run in its slot");
		return xstrdup("run now (inside its slot)");
	case ST_BACKING_UP:
	case ST_EXECUTING:
	case ST_VERIFYING:
		return run_in_progress(ps);
	case ST_REJECTED:
		return xstrdup("edit the plan to ask again");
	case ST_EXPIRED:
		return xstrdup("edit not_after or the plan");
	case ST_ROLLED_BACK:
	case ST_FAILED:
		return xstrdup("investigate; edit the plan to try again");
	default:
		return xstrdup("-");
	}
}

static json_t *
state_json(const struct session *s, const struct plan_state *ps)
{
	json_t	*o;
	char	*text, *next, *t, **orphans;
	struct approval_count c;

	trust_count(s->chk.policy, ps, &c);
	text = state_to_json(ps);
	o = json_loads(text, 0, NULL);
	free(text);
	json_object_set_new(o, "approvals_given", json_integer(c.n));
	if (state_slot_missed(ps, s->now)) {
		/* the slot no longer holds, whatever the last commit said */
		json_object_set_new(o, "slot_live", json_false());
		json_object_set_new(o, "missed", json_true());
	}
	if (c.missing != NULL)
		json_object_set_new(o, "approvals_missing",
		    json_string(c.missing));
	next = next_action(s, ps, &c);
	approval_count_release(&c);
	json_object_set_new(o, "next", json_string(next));
	if ((orphans = run_orphans((struct session *)s, ps)) != NULL) {
		json_object_set_new(o, "orphans", jsonx_strv(orphans));
		strv_free(orphans);
	}
	free(next);
	if (ps->slot_live && !state_slot_missed(ps, s->now)) {
		t = dt_format_utc(ps->published_at + ps->risk.notice);
		json_object_set_new(o, "notice_held_from", json_string(t));
		json_object_set_new(o, "notice_held", json_boolean(s->now >=
		    ps->published_at + ps->risk.notice));
		free(t);
	}
	return o;
}

/* Live slots first, by start; then the rest by id. */
static int
slot_order(const void *a, const void *b)
{
	const struct plan_state *x = *(struct plan_state *const *)a;
	const struct plan_state *y = *(struct plan_state *const *)b;
	int	 lx = x->slot_live && x->has_slot, ly = y->slot_live && y->has_slot;

	if (lx != ly)
		return lx ? -1 : 1;
	if (lx && x->slot.start != y->slot.start)
		return x->slot.start < y->slot.start ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void
print_row(const struct session *s, const struct plan_state *ps)
{
	char	*slot = NULL, *notice = NULL, *next, *when, *bg, level[32];
	char	**orphans;
	size_t	 k;
	struct approval_count c;
	int64_t	 held = ps->published_at + ps->risk.notice;

	if (ps->slot_live) {
		slot = cmd_local_time(ps->slot.start, ps->slot.timezone);
		when = cmd_local_time(held, ps->slot.timezone);
		/* "2026-12-02 01:00 CST": the zone is the slot's, named there */
		when[strcspn(when, "(")] = '\0';
		for (k = strlen(when); k > 0 && when[k - 1] == ' '; k--)
			when[k - 1] = '\0';
		notice = xasprintf("%s %s", s->now >= held ? "held since" :
		    "holds from", when);
		free(when);
	}
	trust_count(s->chk.policy, ps, &c);
	next = next_action(s, ps, &c);
	/* emergency changes are flagged here as in every feed and page */
	snprintf(level, sizeof level, "%s%s", ps->risk.level != NULL ?
	    ps->risk.level : "-", ps->risk.emergency || (ps->snap.type != NULL &&
	    strcmp(ps->snap.type, "emergency") == 0) ? " !E" : "");
	printf("%-24s %-11s %-9s %-40s %-31s %d/%-2d %s\n", ps->id,
	    state_slot_missed(ps, s->now) ? "missed" : status_names[ps->status],
	    level,
	    slot != NULL ? slot : "-", notice != NULL ? notice : "-",
	    c.n < c.needed ? c.n : c.needed, c.needed, next);
	approval_count_release(&c);
	if (ps->reason != NULL)
		printf("%-24s   %s\n", "", ps->reason);
	if ((bg = state_break_glass_text(ps)) != NULL) {
		printf("%-24s   %s\n", "", bg);
		free(bg);
	}
	if ((orphans = run_orphans((struct session *)s, ps)) != NULL) {
		bg = strv_join((const char *const *)orphans, ", ");
		printf("%-24s   processes of the interrupted run still alive: "
		    "%s\n", "", bg);
		free(bg);
		strv_free(orphans);
	}
	free(slot);
	free(notice);
	free(next);
}

static void
print_detail(const struct session *s, const struct plan_state *ps)
{
	const struct approval *a;
	char	*t;
	size_t	 i;

	print_row(s, ps);
	printf("\n  title:      %s\n  owner:      %s\n  type:       %s\n"
	    "  impact:     %s\n  revision:   %s\n  sequence:   %d\n",
	    ps->snap.title, ps->snap.owner, ps->snap.type, ps->snap.impact,
	    ps->revision, ps->sequence);
	printf("  systems:   ");
	for (i = 0; ps->snap.systems != NULL && ps->snap.systems[i] != NULL; i++)
		printf(" %s", ps->snap.systems[i]);
	printf("\n  risk:       %s (score %lld)\n", ps->risk.level, ps->risk.score);
	for (i = 0; i < ps->risk.nfactors; i++)
		printf("    %-26s %+lld\n", ps->risk.factors[i].name,
		    ps->risk.factors[i].weight);
	if (ps->has_slot) {
		t = cmd_local_time(ps->slot.end, ps->slot.timezone);
		printf("  slot:       %s, ends %s, window '%s'\n",
		    ps->slot_live ? "live" : "released", t, ps->slot.window);
		free(t);
		t = dt_format_utc(ps->published_at);
		printf("  published:  %s\n", t);
		free(t);
	}
	if (ps->run.id != NULL) {
		t = dt_format_utc(ps->run.started);
		printf("  run:        %s by %s on %s since %s: %s\n", ps->run.id,
		    ps->run.operator, ps->run.host, t, ps->run.outcome);
		free(t);
	}
	for (i = 0; i < ps->napprovals; i++) {
		a = &ps->approvals[i];
		t = dt_format_utc(a->at);
		printf("  %s %s by %s on %.12s%s%s%s\n", t, a->reject ?
		    "rejected" : "approved", a->approver, a->revision,
		    strcmp(a->revision, ps->revision) != 0 ? " (earlier revision)" : "",
		    a->comment != NULL ? ": " : "", a->comment != NULL ? a->comment : "");
		free(t);
	}
}

static int
cmd_status_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct session s;
	struct plan_state *ps;
	struct plan_state **byslot;
	json_t	*out;
	size_t	 i;
	int	 rc;

	const char *w = cmd_value(args, OPT_WEEKS);
	char	*end;
	long	 weeks = TIMELINE_WEEKS;

	if (w != NULL) {
		weeks = strtol(w, &end, 10);
		if (*w == '\0' || *end != '\0' || weeks < 1 ||
		    weeks > TIMELINE_MAX_WEEKS)
			return cmd_usage_error(&cmd_status_entry, "--weeks: '%s' "
			    "is not a number from 1 to %d", w, TIMELINE_MAX_WEEKS);
	}
	if ((w != NULL || cmd_given(args, OPT_TIMELINE)) &&
	    (args->argc > 0 || ctx->json || !cmd_given(args, OPT_TIMELINE)))
		return cmd_usage_error(&cmd_status_entry, "--timeline draws every "
		    "plan, as text: not with an ID or --json; --weeks goes with "
		    "--timeline");
	if ((rc = cmd_session_read(&s, ctx, "status")) != EXIT_DONE)
		return rc;
	session_reconcile(&s);
	if (cmd_given(args, OPT_TIMELINE)) {
		rc = print_timeline(&s, weeks);
		session_close(&s);
		return rc;
	}
	if (args->argc > 0) {
		if ((ps = state_find(&s.st, args->argv[0])) == NULL) {
			rc = cmd_no_plan(&s, args->argv[0]);
			session_close(&s);
			return rc;
		}
		if (ctx->json) {
			out = state_json(&s, ps);
			json_dumpf(out, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(out);
		} else
			print_detail(&s, ps);
		session_close(&s);
		return EXIT_DONE;
	}
	out = json_array();
	if (!ctx->json)
		printf("%-24s %-11s %-9s %-40s %-31s %-4s %s\n", "PLAN", "STATE",
		    "RISK", "SLOT", "NOTICE", "APPR", "NEXT");
	byslot = xcalloc(s.st.n + 1, sizeof *byslot);
	memcpy(byslot, s.st.items, s.st.n * sizeof *byslot);
	if (!ctx->json)
		array_sort(byslot, s.st.n, sizeof *byslot, slot_order);
	for (i = 0; i < s.st.n; i++) {
		if (ctx->json)
			json_array_append_new(out, state_json(&s, byslot[i]));
		else
			print_row(&s, byslot[i]);
	}
	free(byslot);
	if (!ctx->json) {
		printf("\n(!E: emergency change; times are local to each slot's "
		    "window)\n");
		rc = print_availability(&s);
	}
	if (ctx->json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(out);
	session_close_at_exit(&s);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.args = "[ID]",
	.max_args = 1,
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "each plan's state, slot, notice, approvals and next action",
	.help =
	    "Shows every plan as the state branch and the plans at HEAD make it:\n"
	    "state, risk level, slot in local time, since when the notice has held,\n"
	    "approvals given and needed, what happens next and why it is blocked.\n"
	    "With an ID, the full detail of one plan. Nothing is written.\n\n"
	    "--timeline draws the coming weeks (--weeks N, default 4) in the\n"
	    "policy's time zone: a row of block characters per system, grouped by\n"
	    "group, with the off-peak windows, the freezes and every change\n"
	    "(tentative, confirmed, running, its outcome, cancelled) and a line at\n"
	    "now; as wide as the terminal (100 columns when not one), in colour\n"
	    "on a terminal unless NO_COLOR is set, with a legend.\n",
	.exec = cmd_status_exec
};
