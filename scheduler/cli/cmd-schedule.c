/* offpeak schedule: place approved plans and publish their notices */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "datetime.h"
#include "freezefeed.h"
#include "plan.h"
#include "schedule.h"
#include "session.h"
#include "util.h"

static json_t *
result_json(const struct session *s, const struct schedule_stats *st,
    int dry_run)
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
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "dry_run", dry_run,
	    "placed", (json_int_t)st->placed, "moved", (json_int_t)st->moved,
	    "kept", (json_int_t)st->kept, "expired", (json_int_t)st->expired,
	    "waiting", (json_int_t)st->blocked, "plans", plans);
}

static void
print_result(const struct session *s, const struct schedule_stats *st,
    int dry_run)
{
	const struct plan_state *ps;
	char	*when;
	size_t	 i;
	int	 first = 1;

	printf("%sschedule: %zu placed, %zu moved, %zu kept, %zu expired, "
	    "%zu waiting\n", dry_run ? "(dry run) " : "", st->placed, st->moved,
	    st->kept, st->expired, st->blocked);
	if (s->st.log.len > 0)
		printf("\n%s", buf_str(&s->st.log));
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

static int
cmd_schedule_exec(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s;
	struct schedule_input in;
	struct schedule_stats stats;
	struct freeze_feeds ff;
	char	*cause = NULL;
	int	 c, dry_run = 0, rc;

	while ((c = cmd_getopt(&cmd_schedule_entry, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'n': dry_run = 1; break;
		case 'h': return cmd_help(&cmd_schedule_entry);
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_schedule_entry);
	if ((rc = cmd_session_open(&s, ctx, "schedule")) != EXIT_DONE)
		return rc;
	session_reconcile(&s);
	if ((rc = freeze_feeds_load(&s, &ff, &cause)) != EXIT_DONE) {
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
	} else {
		if (ctx->json) {
			json_t *o = result_json(&s, &stats, dry_run);
			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
		} else
			print_result(&s, &stats, dry_run);
		if (!dry_run)
			rc = cmd_session_commit(&s, ff.files.v, ff.files.n);
	}
	freeze_feeds_release(&ff);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_schedule_entry = {
	.name = "schedule",
	.usage = "[--dry-run]",
	.summary = "place approved plans and publish their notices",
	.help =
	    "Places every approved plan at its earliest start that fits in one\n"
	    "off-peak window open to all its systems' groups, at least the notice\n"
	    "period from now, outside freezes, without overlapping another change\n"
	    "on a shared system, within max_concurrent, after its dependencies and\n"
	    "within not_before/not_after. Placed changes keep their slots unless\n"
	    "the slot became invalid. Publishing and scheduling are one state\n"
	    "commit: a slot's notice clock starts at that commit.\n\n"
	    "  --dry-run       print the result, write nothing\n",
	.exec = cmd_schedule_exec
};
