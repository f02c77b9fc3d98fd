/* offpeak schedule: place approved plans and publish their notices */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cli/cmd.h"
#include "datetime.h"
#include "freezefeed.h"
#include "plan.h"
#include "record.h"
#include "schedule.h"
#include "session.h"
#include "util.h"

static json_t *
result_json(const struct session *s, const struct schedule_stats *st,
    long archived, int dry_run)
{
	json_t	*o, *plans = json_array();
	const struct plan_state *ps;
	char	*a, *b;
	size_t	 i;

	for (i = 0; i < s->st.n; i++) {
		ps = s->st.items[i];
		o = json_pack("{s:s, s:s}", "id", ps->id, "status",
		    status_names[ps->status]);
		if (ps->slot_live) {
			a = dt_format_utc(ps->slot.start);
			b = dt_format_utc(ps->slot.end);
			json_object_set_new(o, "start", json_string(a));
			json_object_set_new(o, "end", json_string(b));
			json_object_set_new(o, "window", json_string(ps->slot.window));
			free(a);
			free(b);
		}
		if (ps->reason != NULL)
			json_object_set_new(o, "reason", json_string(ps->reason));
		json_array_append_new(plans, o);
	}
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
	    "dry_run", dry_run, "placed", (json_int_t)st->placed, "moved",
	    (json_int_t)st->moved, "kept", (json_int_t)st->kept, "expired",
	    (json_int_t)st->expired, "waiting", (json_int_t)st->blocked,
	    "missed", (json_int_t)st->missed, "archived", (json_int_t)archived,
	    "plans", plans);
}

static void
print_result(const struct session *s, const struct schedule_stats *st,
    long archived, int dry_run, const char *log)
{
	const struct plan_state *ps;
	char	*when;
	size_t	 i;
	int	 first = 1;

	printf("%sschedule: %zu placed, %zu moved, %zu kept, %zu expired, "
	    "%zu waiting%s\n", dry_run ? "(dry run) " : "", st->placed, st->moved,
	    st->kept, st->expired, st->blocked, "");
	if (st->missed > 0)
		printf("schedule: %zu slot%s ended without a run (missed): "
		    "placed anew with a new notice where it could\n", st->missed,
		    st->missed == 1 ? "" : "s");
	if (archived > 0)
		printf("schedule: %ld finished change%s archived (state and "
		    "approvals moved under archive/)\n", archived,
		    archived == 1 ? "" : "s");
	if (*log != '\0')
		printf("\n%s", log);
	for (i = 0; i < s->st.n; i++) {
		ps = s->st.items[i];
		if (!ps->slot_live || !status_has_slot(ps->status))
			continue;
		when = cmd_local_time(ps->slot.start, ps->slot.timezone);
		printf("%s%-28s %s  %s\n", first ? "\n" : "", ps->id, when,
		    ps->slot.window);
		first = 0;
		free(when);
	}
}

/* A record of each slot that ended without a run, in the same commit. */
static void
missed_records(struct session *s, const struct schedule_stats *st,
    struct store_files *files)
{
	const struct plan_state *ps;
	char	*run, *text;
	size_t	 i;

	for (i = 0; i < st->missed; i++) {
		ps = state_find(&s->st, st->missed_ids[i]);
		text = record_missed(st->missed_ids[i], ps != NULL ?
		    ps->snap.title : NULL, st->missed_start[i], st->missed_end[i],
		    ps != NULL ? ps->slot.window : NULL, s->now, &run);
		store_files_add(files, xasprintf("records/%s/%s.json",
		    st->missed_ids[i], run), text, strlen(text));
		free(run);
	}
}

#define OPT_DRY_RUN	CMD_LONG

static const struct cmd_option options[] = {
	{ OPT_DRY_RUN, "dry-run", NULL, NULL, 0,
	    "print the result, write nothing" },
	{ 0 }
};

static int
cmd_schedule_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct session s;
	struct schedule_input in;
	struct schedule_stats stats = { 0 };
	struct freeze_feeds ff;
	char	*cause = NULL, *log;
	long	 archived = 0;
	int	 dry_run = cmd_given(args, OPT_DRY_RUN), rc;

	if ((rc = cmd_session_open(&s, ctx, "schedule")) != EXIT_DONE)
		return rc;
	session_reconcile(&s);
	if ((rc = cmd_exit(freeze_feeds_load(&s, &ff, &cause))) != EXIT_DONE) {
		cmd_error("%s", cause);
		free(cause);
		session_close(&s);
		return rc;
	}
	cmd_print_warnings(ff.warnings);
	memset(&in, 0, sizeof in);
	in.policy = s.chk.policy;
	in.plans = s.chk.plans;
	in.nplans = s.chk.nplans;
	in.now = s.now;
	in.extra = ff.events;
	in.nextra = ff.nevents;
	if (schedule_solve(&in, &s.st, &stats, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_INVALID;
	} else if ((archived = archive_due(&s, &ff.files, &cause)) < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_ENV;
	} else {
		/* durable first: the state commit, then what it holds */
		log = xstrdup(buf_str(&s.st.log));
		missed_records(&s, &stats, &ff.files);
		if (!dry_run)
			rc = cmd_session_commit(&s, ff.files.v, ff.files.n);
		if (rc == EXIT_DONE && ctx->json) {
			json_t *o = result_json(&s, &stats, archived, dry_run);
			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
		} else if (rc == EXIT_DONE)
			print_result(&s, &stats, archived, dry_run, log);
		free(log);
	}
	freeze_feeds_release(&ff);
	schedule_stats_release(&stats);
	session_close_at_exit(&s);
	return rc;
}

const struct cmd_entry cmd_schedule_entry = {
	.name = "schedule",
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "place approved plans and publish their notices",
	.help =
	    "Places every approved plan at its earliest start that fits in one\n"
	    "off-peak window open to all its systems' groups, at least the notice\n"
	    "period from now, outside freezes, without overlapping another change\n"
	    "on a shared system, within max_concurrent, after its dependencies and\n"
	    "within not_before/not_after. Placed changes keep their slots unless\n"
	    "the slot became invalid. Publishing and scheduling are one state\n"
	    "commit: a slot's notice clock starts at that commit, and the result\n"
	    "is printed once that commit is written. The same commit moves\n"
	    "finished changes whose plan file is gone and whose retention has\n"
	    "passed under archive/ on the state branch (status no longer lists\n"
	    "them; report still reads them).\n",
	.exec = cmd_schedule_exec
};
