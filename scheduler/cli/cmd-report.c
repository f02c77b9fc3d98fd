/* offpeak report: maintenance records of a period and compliance figures */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "archive.h"
#include "budget.h"
#include "cli/cmd.h"
#include "datetime.h"
#include "fsutil.h"
#include "guard.h"
#include "jsonx.h"
#include "policy.h"
#include "report.h"
#include "reporthtml.h"
#include "repo.h"
#include "session.h"
#include "timeline.h"
#include "util.h"

#include <errno.h>

#define AVAIL_BACK	(366 * 86400)	/* an open period's availability */
#define TL_DEFAULT	(28 * 86400)	/* an open period's timeline */

/* What a report adds to its records: budgets and recommendations. */
struct extras {
	struct budget_row *avail;
	size_t	 navail;
	struct advice_set advice;
};

/* A day ("2026-12-01", UTC midnight) or an RFC 3339 date-time. */
static int
parse_when(const char *opt, const char *s, int64_t *t)
{
	struct civil c;
	char	*cause = NULL, *full, *q;
	int	 rc;

	if (strlen(s) == 10) {
		full = xasprintf("%sT00:00:00", s);
		rc = dt_parse_civil(full, &c, &cause);
		free(full);
		if (rc == 0)
			*t = civil_to_utc(&c);
	} else
		rc = dt_parse_instant(s, t, NULL, &cause);
	if (rc != 0) {
		q = str_quote(s, 40);
		cmd_usage_error(&cmd_report_entry, "--%s: '%s' is not a day or "
		    "a date-time: give a day (2026-11-06, midnight UTC) or an "
		    "RFC 3339 date-time (2026-11-06T09:00:00+01:00)", opt, q);
		free(q);
		free(cause);
	}
	return rc;
}

static double
share(size_t part, size_t whole)
{
	return whole == 0 ? 0.0 : 100.0 * (double)part / (double)whole;
}

/* The audit of the period's state commits, for the report's own proof. */
struct audit_result {
	size_t	 commits, violations;
	char	 state[41];	/* the state commit the report was made from */
	char	*first;		/* the first violation, or NULL */
};

static int
audit_period(struct session *s, int64_t from, int64_t to,
    struct audit_result *a, char **cause)
{
	struct guard g;
	int	 rc;

	memset(a, 0, sizeof *a);
	snprintf(a->state, sizeof a->state, "%s", s->st.commit);
	guard_init(&g, s->repo, s->sigcache);
	g.allow_simulated = 1;
	g.from = from;
	g.to = to;
	if ((rc = guard_audit(&g, repo_tree_commit(s->tree), s->st.commit, NULL,
	    cause)) == 0) {
		a->commits = g.commits;
		a->violations = g.n;
		if (g.n > 0)
			a->first = xasprintf("%.12s %s %s", g.v[0].commit,
			    g.v[0].file != NULL ? g.v[0].file : "-", g.v[0].rule);
	}
	guard_release(&g);
	return rc;
}

static void
print_audit_text(const struct audit_result *a)
{
	printf("  audit of the period:    %zu state commit%s checked, %zu "
	    "violation%s (offpeak audit); state commit %.12s\n", a->commits,
	    a->commits == 1 ? "" : "s", a->violations,
	    a->violations == 1 ? "" : "s", a->state[0] != '\0' ? a->state : "-");
	if (a->first != NULL)
		printf("    first: %s\n", a->first);
}

/* The records and figures for people: times local to the policy's zone. */
static void
print_extras_text(const struct policy *pol, const struct extras *x)
{
	char	*t;
	size_t	 i;

	if (pol->navailability > 0) {
		t = budget_table_text(pol, x->avail, x->navail);
		printf("\nAvailability (clause 3.1)\n%s", t);
		free(t);
	}
	printf("\nRecommendations (clause 4.3)\n");
	if (x->advice.n == 0)
		printf("  none: nothing in the period's figures asks for a change\n");
	for (i = 0; i < x->advice.n; i++)
		printf("  %zu. %s\n     suggested: %s\n", i + 1,
		    x->advice.v[i].text, x->advice.v[i].action);
}

static void
print_text(const struct report *r, const char *zone,
    const struct audit_result *a, const struct policy *pol,
    const struct extras *x)
{
	char	*t, *d, *p;
	size_t	 i;

	printf("Maintenance records: %zu run%s\n\n", r->n, r->n == 1 ? "" : "s");
	for (i = 0; i < r->n; i++) {
		const struct report_row *w = &r->rows[i];
		t = cmd_local_time(w->started, zone);
		printf("%s  %-24s %-12s %s%s%s\n", t, w->plan, w->outcome,
		    w->title, w->emergency ? "  [EMERGENCY]" : "",
		    w->simulated ? "  [simulated clock]" : "");
		if (w->problem != NULL)
			printf("    problem:    %s\n", w->problem);
		if (w->resolution != NULL)
			printf("    resolution: %s\n", w->resolution);
		printf("    operator %s, run %s%s%s\n", w->operator, w->run,
		    w->inside_window ? "" : ", OUTSIDE its window",
		    w->notice_held ? "" : ", notice NOT held");
		free(t);
	}
	d = dur_human(r->mean_duration);
	p = dur_human(r->mean_planned);
	printf("\nCompliance\n"
	    "  changes run:            %zu (completed %zu, rolled back %zu, "
	    "failed %zu, deferred %zu, other %zu)\n"
	    "  inside their window:    %.1f%%\n"
	    "  notice held:            %.1f%%\n"
	    "  mean duration:          %s (planned %s)\n", r->n, r->completed,
	    r->rolled_back, r->failed, r->deferred, r->other, share(r->inside, r->n),
	    share(r->notice, r->n), d, p);
	free(d);
	free(p);
	if (r->worst_plan != NULL) {
		d = dur_human(r->worst_over);
		printf("  worst against plan:     %s (%s%s)\n", r->worst_plan,
		    r->worst_over >= 0 ? "+" : "", d);
		free(d);
	}
	printf("  verification latency:   p50 %lld ms, p95 %lld ms over %zu "
	    "attempts (median max_ms %ld; %zu over the limit)\n",
	    (long long)r->p50_ms, (long long)r->p95_ms, r->nlatency,
	    r->max_ms_p50, r->over_max);
	printf("  emergency changes:      %zu\n", r->emergencies);
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].emergency)
			printf("    %s (%s)\n", r->rows[i].plan, r->rows[i].outcome);
	}
	printf("  failed verification after a rollback: %zu\n", r->unverified);
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].unverified)
			printf("    %s (run %s): rolled back, but the service did "
			    "not verify after it\n", r->rows[i].plan, r->rows[i].run);
	}
	printf("  missed slots:           %zu\n", r->nmissed);
	for (i = 0; i < r->nmissed; i++) {
		t = cmd_local_time(r->missed[i].slot_start, zone);
		printf("    %s: the slot of %s ended without a run\n",
		    r->missed[i].plan, t);
		free(t);
	}
	printf("  break-glass changes:    %zu\n", r->break_glass);
	for (i = 0; i < r->n; i++) {
		if (r->rows[i].break_glass != NULL)
			printf("    %s: %s\n", r->rows[i].plan,
			    r->rows[i].break_glass);
	}
	if (r->simulated > 0)
		printf("  records made under a simulated clock: %zu\n", r->simulated);
	print_audit_text(a);
	print_extras_text(pol, x);
}

static json_t *
row_json(const struct report_row *w)
{
	char	*s = dt_format_utc(w->started), *e = w->ended ?
	    dt_format_utc(w->ended) : NULL;
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:I, "
	    "s:b, s:b, s:b, s:b}", "plan", w->plan, "run", w->run, "title",
	    w->title, "operator", w->operator, "outcome", w->outcome,
	    "started_at", s, "ended_at", e, "problem", w->problem, "resolution",
	    w->resolution, "planned_seconds", (json_int_t)w->planned,
	    "inside_window", w->inside_window, "notice_held", w->notice_held,
	    "emergency", w->emergency, "simulated", w->simulated);
	if (w->break_glass != NULL)
		json_object_set_new(o, "break_glass", json_string(w->break_glass));
	free(s);
	free(e);
	return o;
}

static void
print_json(const struct report *r, const struct audit_result *a,
    const struct policy *pol, const struct extras *x)
{
	json_t	*rows = json_array(), *o, *miss, *adv;
	size_t	 i;

	for (i = 0; i < r->n; i++)
		json_array_append_new(rows, row_json(&r->rows[i]));
	o = json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:I, "
	    "s:s?, s:I, s:I, s:I, s:I, s:I, s:I}}", "records", rows, "figures",
	    "runs", (json_int_t)r->n, "completed", (json_int_t)r->completed,
	    "rolled_back", (json_int_t)r->rolled_back, "failed",
	    (json_int_t)r->failed, "other", (json_int_t)r->other,
	    "inside_window_pct", share(r->inside, r->n), "notice_held_pct",
	    share(r->notice, r->n), "mean_seconds", (json_int_t)r->mean_duration,
	    "mean_planned_seconds", (json_int_t)r->mean_planned, "worst_plan",
	    r->worst_plan, "worst_over_seconds", (json_int_t)r->worst_over,
	    "latency_p50_ms", (json_int_t)r->p50_ms, "latency_p95_ms",
	    (json_int_t)r->p95_ms, "latency_attempts", (json_int_t)r->nlatency,
	    "over_max_ms", (json_int_t)r->over_max, "emergency",
	    (json_int_t)r->emergencies);
	json_object_set_new(json_object_get(o, "figures"), "break_glass",
	    json_integer((json_int_t)r->break_glass));
	json_object_set_new(json_object_get(o, "figures"), "missed",
	    json_integer((json_int_t)r->nmissed));
	json_object_set_new(json_object_get(o, "figures"), "deferred",
	    json_integer((json_int_t)r->deferred));
	json_object_set_new(json_object_get(o, "figures"),
	    "failed_verification_after_rollback",
	    json_integer((json_int_t)r->unverified));
	miss = json_array();
	for (i = 0; i < r->nmissed; i++)
		json_array_append_new(miss, json_pack("{s:s, s:o, s:o}", "plan",
		    r->missed[i].plan, "slot_start",
		    jsonx_time(r->missed[i].slot_start), "slot_end",
		    jsonx_time(r->missed[i].slot_end)));
	json_object_set_new(o, "missed", miss);
	json_object_set_new(o, "audit", json_pack("{s:I, s:I, s:s, s:b}",
	    "commits", (json_int_t)a->commits, "violations",
	    (json_int_t)a->violations, "state_commit", a->state,
	    "clean", a->violations == 0));
	json_object_set_new(o, "availability", budget_table_json(pol, x->avail,
	    x->navail));
	adv = json_array();
	for (i = 0; i < x->advice.n; i++)
		json_array_append_new(adv, json_pack("{s:s, s:s, s:s, s:s}",
		    "kind", x->advice.v[i].kind, "subject",
		    x->advice.v[i].subject, "text", x->advice.v[i].text,
		    "action", x->advice.v[i].action));
	json_object_set_new(o, "recommendations", adv);
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

/* One CSV field, quoted when it must be (RFC 4180). */
static void
csv_field(const char *s, int last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	putchar(last ? '\n' : ',');
}

static void
print_csv(const struct report *r)
{
	char	*s, *e;
	size_t	 i;

	printf("started_at,ended_at,plan,run,title,operator,outcome,problem,"
	    "resolution,inside_window,notice_held,emergency,simulated\n");
	for (i = 0; i < r->n; i++) {
		const struct report_row *w = &r->rows[i];
		s = dt_format_utc(w->started);
		e = w->ended ? dt_format_utc(w->ended) : xstrdup("");
		csv_field(s, 0); csv_field(e, 0); csv_field(w->plan, 0);
		csv_field(w->run, 0); csv_field(w->title, 0);
		csv_field(w->operator, 0); csv_field(w->outcome, 0);
		csv_field(w->problem, 0); csv_field(w->resolution, 0);
		csv_field(w->inside_window ? "yes" : "no", 0);
		csv_field(w->notice_held ? "yes" : "no", 0);
		csv_field(w->emergency ? "yes" : "no", 0);
		csv_field(w->simulated ? "yes" : "no", 1);
		free(s);
		free(e);
	}
}

#define OPT_FROM	CMD_LONG
#define OPT_TO		(CMD_LONG + 1)
#define OPT_FORMAT	(CMD_LONG + 2)

static const struct cmd_option options[] = {
	{ OPT_FROM, "from", "D", NULL, 0,
	    "from this day (2026-12-01, UTC) or RFC 3339 time, included" },
	{ OPT_TO, "to", "D", NULL, 0, "to this day or time, excluded" },
	{ OPT_FORMAT, "format", "FORMAT", "text json csv html", 0,
	    "text (default), json (also the global --json), csv, or html: a "
	    "printable page for the client" },
	{ 'o', "output", "FILE", NULL, 0,
	    "with --format html: write the page to FILE (atomically)" },
	{ 0 }
};

/* The budgets of the period and the recommendations. */
static int
make_extras(struct session *s, const struct report *rep, int64_t from,
    int64_t to, struct extras *x, char **cause)
{
	struct budget_ledger *l;
	int64_t	 afrom = from > 0 ? from : s->now - AVAIL_BACK;
	int64_t	 ato = to < INT64_MAX ? to : s->now + 1;

	memset(x, 0, sizeof *x);
	l = budget_ledger_of_state(s->chk.policy, &s->st);
	report_actuals(rep, &s->st, l);
	if (afrom < ato)
		x->navail = budget_rows(s->chk.policy, l, afrom, ato, &x->avail);
	budget_ledger_free(l);
	return advice_make(s->chk.policy, &s->st, rep, x->avail, x->navail,
	    from, to, s->now, &x->advice, cause);
}

static void
extras_release(struct extras *x)
{
	free(x->avail);
	advice_release(&x->advice);
}

/* The timeline of the period (its last 26 weeks), no links; or NULL. */
static char *
period_timeline(struct session *s, int64_t from, int64_t to)
{
	struct timeline *tl;
	int64_t	 tto = to < INT64_MAX ? to : s->now, tfrom, d0, d1;
	char	*svg, *cause = NULL;

	tfrom = from > 0 ? from : tto - TL_DEFAULT;
	if (tto - tfrom > (int64_t)TIMELINE_MAX_WEEKS * 7 * 86400)
		tfrom = tto - (int64_t)TIMELINE_MAX_WEEKS * 7 * 86400;
	if ((tl = timeline_new(s->chk.policy, &s->st, s->now, tfrom - 86400,
	    tto + 2 * 86400, NULL, 0, &cause)) == NULL) {
		free(cause);
		return NULL;
	}
	d0 = timeline_day(tl, tfrom);
	d1 = timeline_days_after(tl, timeline_day(tl, tto - 1), 1);
	svg = timeline_svg(tl, d0, d1, NULL, NULL);
	timeline_free(tl);
	return svg;
}

static int
print_html(struct session *s, const struct report *rep,
    const struct audit_result *a, const struct extras *x, int64_t from,
    int64_t to, const char *out)
{
	struct report_page pg;
	char	*page, *svg = period_timeline(s, from, to);
	size_t	 len;
	int	 rc = EXIT_DONE;

	memset(&pg, 0, sizeof pg);
	pg.pol = s->chk.policy;
	pg.rep = rep;
	pg.from = from;
	pg.to = to;
	pg.now = s->now;
	pg.simulated = s->simulated;
	pg.audit_commits = a->commits;
	pg.audit_violations = a->violations;
	pg.state_commit = a->state;
	pg.audit_first = a->first;
	pg.avail = x->avail;
	pg.navail = x->navail;
	pg.advice = &x->advice;
	pg.timeline = svg;
	page = report_html(&pg, &len);
	if (out == NULL)
		fwrite(page, 1, len, stdout);
	else if (fs_write_atomic(out, page, len, 0644) != 0) {
		cmd_error("report: cannot write %s: %s", out, strerror(errno));
		rc = EXIT_ENV;
	} else
		printf("report: %zu run%s, %zu recommendation%s, written to %s\n",
		    rep->n, rep->n == 1 ? "" : "s", x->advice.n,
		    x->advice.n == 1 ? "" : "s", out);
	free(page);
	free(svg);
	return rc;
}

static int
cmd_report_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct session s;
	struct report rep;
	struct audit_result audit;
	struct extras x;
	const char *format = cmd_value(args, OPT_FORMAT), *v;
	int64_t	 from = 0, to = INT64_MAX;
	char	*cause = NULL;
	int	 rc;

	if (format == NULL)
		format = ctx->json ? "json" : "text";
	if ((v = cmd_value(args, OPT_FROM)) != NULL &&
	    parse_when("from", v, &from) != 0)
		return EXIT_USAGE;
	if ((v = cmd_value(args, OPT_TO)) != NULL &&
	    parse_when("to", v, &to) != 0)
		return EXIT_USAGE;
	if (from >= to)
		return cmd_usage_error(&cmd_report_entry, "the period is empty: "
		    "--from %s is not before --to %s",
		    cmd_given(args, OPT_FROM) ? cmd_value(args, OPT_FROM) :
		    "(the beginning)", cmd_given(args, OPT_TO) ?
		    cmd_value(args, OPT_TO) : "(the end)");
	if (cmd_value(args, 'o') != NULL && strcmp(format, "html") != 0)
		return cmd_usage_error(&cmd_report_entry, "-o FILE goes with "
		    "--format html");
	if ((rc = cmd_session_read(&s, ctx, "report")) != EXIT_DONE)
		return rc;
	if (archive_load(s.repo, &s.st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		session_close(&s);
		return EXIT_ENV;
	}
	memset(&audit, 0, sizeof audit);
	memset(&x, 0, sizeof x);
	if (report_build(s.repo, &s.st,
	    s.chk.policy != NULL ? s.chk.policy->redactor : NULL, from, to,
	    &rep, &cause) != 0 || (strcmp(format, "csv") != 0 &&
	    (audit_period(&s, from == 0 ? 1 : from, to, &audit, &cause) != 0 ||
	    make_extras(&s, &rep, from, to, &x, &cause) != 0))) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_ENV;
	} else if (strcmp(format, "json") == 0)
		print_json(&rep, &audit, s.chk.policy, &x);
	else if (strcmp(format, "csv") == 0)
		print_csv(&rep);
	else if (strcmp(format, "html") == 0)
		rc = print_html(&s, &rep, &audit, &x, from, to,
		    cmd_value(args, 'o'));
	else
		print_text(&rep, s.chk.policy->timezone, &audit, s.chk.policy,
		    &x);
	extras_release(&x);
	free(audit.first);
	report_release(&rep);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "maintenance records and compliance figures",
	.help =
	    "Lists the maintenance records of the runs that started in the period\n"
	    "(time, change, problem, resolution, operator) and the compliance\n"
	    "figures: changes run, completed, rolled back, failed; the share run\n"
	    "inside their window and whose notice held; mean and worst duration\n"
	    "against the plan; verification latency p50/p95 against max_ms;\n"
	    "emergency and break-glass changes apart; and the audit of the state\n"
	    "commits of the period (as offpeak audit: commits checked, violations,\n"
	    "the state commit the report was made from), so that the report\n"
	    "carries its own proof. Records made under a simulated clock are\n"
	    "marked. The period is [from, to). Changes moved under archive/ on\n"
	    "the state branch are read too.\n\n"
	    "With availability targets in the policy it adds the table of clause\n"
	    "3.1 for the periods of the report (budget, planned, actual, left, the\n"
	    "availability the work leaves), and always the recommendations of\n"
	    "clause 4.3, each with its figures: windows full or never used,\n"
	    "systems with repeated rollbacks or failures, changes much longer than\n"
	    "planned (and a duration to plan), plans waiting longest for approval\n"
	    "and from whom, the notice margins, budgets nearly spent. --format\n"
	    "html -o FILE writes all of it, with the timeline of the period, as\n"
	    "one self-contained page to print for the client.\n",
	.exec = cmd_report_exec
};
