/* offpeak calendar: write the iCalendar feeds from the state branch */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cmd.h"
#include "diag.h"
#include "feedstamp.h"
#include "notice.h"
#include "pcache.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "state.h"
#include "store.h"
#include "timeline.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>

#define CALENDAR_DIR	"offpeak/feeds"	/* in the git directory */

/* The policy at rev; prints why not and returns the exit code. */
static int
read_policy(struct repo *repo, const char *rev, struct policy **out)
{
	struct repo_tree *tree;
	struct diags d;
	char	*text, *cause = NULL, *line;
	size_t	 len, i;
	int	 r;

	*out = NULL;
	if ((tree = repo_tree_at(repo, rev, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	r = repo_tree_read(tree, POLICY_FILE, CHECK_MAX_FILE, &text, &len,
	    NULL, &cause);
	repo_tree_free(tree);
	if (r != 0) {
		if (r == -1)
			cmd_error("%s", cause);
		else
			cmd_error("calendar: no readable '%s' at %s", POLICY_FILE,
			    rev);
		free(cause);
		return r == -1 ? EXIT_ENV : EXIT_INVALID;
	}
	diags_init(&d);
	*out = policy_parse(POLICY_FILE, text, len, &d);
	free(text);
	for (i = 0; i < d.n; i++) {
		line = diag_format(&d.items[i]);
		cmd_error("%s", line);
		free(line);
	}
	r = *out == NULL || d.n != 0;
	diags_release(&d);
	if (r) {
		policy_free(*out);
		*out = NULL;
		cmd_error("calendar: the policy does not pass 'offpeak check'; "
		    "no feed was written");
		return EXIT_INVALID;
	}
	return EXIT_DONE;
}

static void
print_result(const struct ctx *ctx, const struct notice_set *set,
    const char *dir, size_t changed)
{
	json_t	*o, *a;
	size_t	 i, nall = 0;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->feeds[i].path, NOTICE_ALL) == 0)
			nall = set->feeds[i].nevents;
	}
	if (!ctx->json) {
		printf("calendar: %zu feed%s, %zu change%s in %s, %zu file%s "
		    "written or removed, in %s/\n", set->n, set->n == 1 ? "" : "s",
		    nall, nall == 1 ? "" : "s", NOTICE_ALL, changed,
		    changed == 1 ? "" : "s", dir);
		return;
	}
	a = json_array();
	for (i = 0; i < set->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "path",
		    set->feeds[i].path, "events", (json_int_t)set->feeds[i].nevents,
		    "bytes", (json_int_t)set->feeds[i].len));
	o = json_pack("{s:s, s:I, s:I, s:o}", "dir", dir, "events",
	    (json_int_t)nall, "changed", (json_int_t)changed, "feeds", a);
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

/*
 * timeline.svg beside the feeds: the coming weeks as serve draws them,
 * without links (there is no page beside it). Written only when it
 * changed; *changed counts it.
 */
static int
write_timeline(const struct ctx *ctx, const struct policy *pol,
    const struct state *st, const char *dir, size_t *changed, char **cause)
{
	struct timeline *tl;
	int64_t	 day;
	char	*svg, *path, *old = NULL, *why = NULL;
	size_t	 len, oldlen;
	int	 rc = 0;

	if ((tl = timeline_new(pol, st, ctx->now, ctx->now - 2 * 86400,
	    ctx->now + (TIMELINE_WEEKS * 7 + 2) * 86400, NULL, 0, cause)) == NULL)
		return -1;
	day = timeline_day(tl, ctx->now);
	svg = timeline_svg(tl, day, timeline_days_after(tl, day,
	    TIMELINE_WEEKS * 7), NULL, &len);
	timeline_free(tl);
	path = xasprintf("%s/timeline.svg", dir);
	if (fs_read_file(path, len + 1, &old, &oldlen, &why) != 0 ||
	    oldlen != len || memcmp(old, svg, len) != 0) {
		if (fs_write_atomic(path, svg, len, 0644) != 0) {
			*cause = xasprintf("cannot write %s: %s", path,
			    strerror(errno));
			rc = -1;
		} else
			(*changed)++;
	}
	free(why);
	free(old);
	free(path);
	free(svg);
	return rc;
}

static int
render_and_write(const struct ctx *ctx, struct repo *repo,
    const struct policy *pol, struct state *st, const char *dir, char **cause)
{
	struct pcache *cache;
	struct feedstamp *stamps;
	struct notice_known known;
	struct notice_set set;
	size_t	 changed;
	int	 rc = EXIT_DONE;

	memset(&set, 0, sizeof set);
	cmd_print_warnings(st->warnings);
	cache = pcache_open(repo, "events");
	/* feeds still there as written last time are not made again */
	stamps = feedstamp_load(repo, dir);
	known.has = feedstamp_has;
	known.arg = stamps;
	if (notice_render_cached(pol, st, ctx->now, cache, stamps != NULL ?
	    &known : NULL, &set, cause) != 0)
		rc = EXIT_INVALID;
	else if (notice_write(&set, dir, &changed, cause) != 0 ||
	    write_timeline(ctx, pol, st, dir, &changed, cause) != 0)
		rc = EXIT_ENV;
	else {
		feedstamp_save(stamps, &set);
		print_result(ctx, &set, dir, changed);
	}
	feedstamp_free(stamps);
	pcache_close(cache);
	notice_set_release(&set);
	return rc;
}

/* Render the feeds of the repository's state and write them into dir. */
static int
calendar_write(const struct ctx *ctx, const char *dir)
{
	struct repo *repo;
	struct policy *pol = NULL;
	struct state st;
	char	*cause = NULL, *warning = NULL, *plans = NULL, origin_state[41];
	char	*def = NULL;
	int	 rc;

	state_init(&st);
	if ((repo = repo_open(ctx->repo_path, 0, &cause)) == NULL)
		rc = EXIT_ENV;
	else if (session_sync(repo, ctx->now, SESSION_READONLY |
	    (ctx->offline ? SESSION_OFFLINE : 0), &plans, origin_state,
	    &warning, &cause) != 0)
		rc = EXIT_ENV;
	else {
		if (warning != NULL)
			cmd_error("warning: %s", warning);
		if ((rc = read_policy(repo, plans != NULL ? plans : "HEAD",
		    &pol)) != EXIT_DONE)
			;
		else if (store_load(repo, &st, &cause) != 0)
			rc = EXIT_ENV;
		else {
			/* by default beside the refs, never in the work tree */
			def = dir == NULL ? repo_git_path(repo, CALENDAR_DIR) :
			    NULL;
			rc = render_and_write(ctx, repo, pol, &st, def != NULL ? def :
			    dir, &cause);
			free(def);
		}
	}
	if (cause != NULL)
		cmd_error("calendar: %s", cause);
	free(cause);
	free(warning);
	state_release(&st);
	policy_free(pol);
	free(plans);
	repo_free(repo);
	return rc;
}

static const struct cmd_option options[] = {
	{ 'o', "output", "DIR", NULL, 0,
	    "write the feeds here (default: .git/" CALENDAR_DIR ")" },
	{ 0 }
};

static int
cmd_calendar_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *dir = cmd_value(args, 'o');

	if (dir != NULL && *dir == '\0')
		return cmd_usage_error(&cmd_calendar_entry,
		    "--output needs a directory, not an empty string");
	return calendar_write(ctx, dir);
}

const struct cmd_entry cmd_calendar_entry = {
	.name = "calendar",
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "write the iCalendar feeds from the state",
	.help =
	    "Renders the notices that 'schedule' published, as the state branch\n"
	    "holds them at --now, into DIR (default " CALENDAR_DIR " in the git\n"
	    "directory, so that the work tree stays clean; created if\n"
	    "missing): all.ics, systems/<name>.ics and groups/<name>.ics for every\n"
	    "system and group, and windows.ics with the off-peak windows and the\n"
	    "freezes (those read from a URL are not repeated). Plans are not read:\n"
	    "the feeds show what was published, and the policy at HEAD gives the\n"
	    "calendar settings.\n\n"
	    "A change is TENTATIVE until its notice period has passed, then\n"
	    "CONFIRMED; cancelled, superseded and expired changes stay as\n"
	    "CANCELLED, and completed ones as COMPLETED, for the policy's\n"
	    "cancelled_retention. The output is the same byte for byte for the\n"
	    "same state and clock; a feed that changed is written to a temporary\n"
	    "file beside it and renamed into place, and feeds of systems and\n"
	    "groups that no longer exist are removed.\n",
	.exec = cmd_calendar_exec
};
