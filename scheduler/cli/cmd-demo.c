/* offpeak demo: build the bundled example repository and run the pipeline */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cmd.h"
#include "datetime.h"
#include "diag.h"
#include "examples.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "util.h"

static const struct example_map demo_map[] = {
	{ "plans/examples/offpeak.json", "offpeak.json", 0644 },
	{ "plans/examples/plans/", "plans/", 0644 },
	EXAMPLES_HOOKS
};

/* The directory to build in: DIR, or a new one under $TMPDIR or /tmp. */
static char *
demo_dir(const char *arg)
{
	const char *tmp = getenv("TMPDIR");
	char	*dir;

	if (arg != NULL)
		return xstrdup(arg);
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	dir = xasprintf("%s/offpeak-demo.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		cmd_error("demo: cannot create a directory in '%s': %s", tmp,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static int
demo_build(const char *dir)
{
	struct example_set set;
	char	*cause;
	int	 r;

	examples_init(&set);
	r = examples_create(dir, demo_map, nitems(demo_map),
	    "offpeak demo: the example plan repository", &set, &cause);
	if (r != 0) {
		cmd_error("demo: %s", cause);
		free(cause);
	} else
		printf("demo: example repository in %s (%zu files)\n", dir,
		    set.n);
	examples_release(&set);
	return r != 0 ? EXIT_ENV : EXIT_DONE;
}

static void
demo_check_report(struct check_result *res)
{
	struct buf what = BUF_INIT;
	size_t	 i, ngroups = 0;
	char	*line;

	diags_sort(&res->diags);
	for (i = 0; i < res->diags.n; i++) {
		line = diag_format(&res->diags.items[i]);
		cmd_error("%s", line);
		free(line);
	}
	buf_addf(&what, "%zu plan%s", res->nplans, res->nplans == 1 ? "" : "s");
	if (res->policy != NULL) {
		while (res->policy->groups != NULL &&
		    res->policy->groups[ngroups] != NULL)
			ngroups++;
		buf_addf(&what, ", %zu systems, %zu groups",
		    res->policy->nsystems, ngroups);
	}
	if (res->diags.n == 0)
		printf("check: %s: no problems\n", buf_str(&what));
	else
		printf("check: %s: %zu problem%s\n", buf_str(&what),
		    res->diags.n, res->diags.n == 1 ? "" : "s");
	buf_release(&what);
}

/* Validate the policy and plans at the repository's HEAD. */
static int
demo_check(struct repo *repo)
{
	struct check_result res;
	struct repo_tree *tree;
	char	*cause;
	int	 status;

	if ((tree = repo_tree_at(repo, "HEAD", &cause)) == NULL) {
		cmd_error("demo: %s", cause);
		free(cause);
		return EXIT_ENV;
	}
	memset(&res, 0, sizeof res);
	if (check_tree(repo, tree, &res, &cause) != 0) {
		cmd_error("demo: %s", cause);
		free(cause);
		status = EXIT_ENV;
	} else {
		demo_check_report(&res);
		status = res.diags.n == 0 ? EXIT_DONE : EXIT_INVALID;
	}
	check_result_release(&res);
	repo_tree_free(tree);
	return status;
}

/* The demo's clock when none is given: before the example plans' ranges. */
#define DEMO_NOW "2026-11-30T09:00:00+01:00"

/* Run another command on the demo repository, as a user would type it. */
static int
demo_run(struct ctx *ctx, int argc, const char **argv)
{
	const struct cmd_entry *e;
	char	*copy[8];
	int	 ambiguous, status, i;

	/* getopt reorders what it is given: pass a fresh copy each time */
	for (i = 0; i < argc && i < 7; i++)
		copy[i] = (char *)argv[i];
	copy[i] = NULL;
	e = cmd_find(argv[0], &ambiguous);
	printf("\n$ offpeak --now %s", DEMO_NOW);
	for (i = 0; i < argc; i++)
		printf(strchr(argv[i], ' ') != NULL ? " '%s'" : " %s", argv[i]);
	printf("\n");
	fflush(stdout);
	optind = 0;
	status = e->exec(ctx, argc, copy);
	fflush(stdout);
	return status;
}

/*
 * Approve every assessed plan as the policy's approvers would, each with
 * their own git identity, as many as the plan's risk level asks.
 */
static int
demo_approve(struct ctx *ctx, struct repo *repo)
{
	struct session s;
	const char *argv[] = { "approve", NULL, "-m", "approved in the demo", NULL };
	char	**ids = NULL, *cause;
	size_t	 i, n = 0, k;
	int	 status, need;

	if ((status = cmd_session_open(&s, ctx, "demo")) != EXIT_DONE)
		return status;
	session_reconcile(&s);
	ids = xcalloc(s.st.n + 1, sizeof *ids);
	for (i = 0; i < s.st.n; i++) {
		if (s.st.items[i]->status == ST_ASSESSED)
			ids[n++] = xstrdup(s.st.items[i]->id);
	}
	for (k = 0; status == EXIT_DONE && s.chk.policy->approvers[k] != NULL; k++) {
		if (repo_config_set(repo, "user.email",
		    s.chk.policy->approvers[k], &cause) != 0) {
			cmd_error("demo: %s", cause);
			free(cause);
			status = EXIT_ENV;
			break;
		}
		for (i = 0; i < n && status == EXIT_DONE; i++) {
			need = state_find(&s.st, ids[i])->risk.approvals;
			if ((int)k >= need)
				continue;
			argv[1] = ids[i];
			status = demo_run(ctx, 4, argv);
		}
	}
	session_close(&s);
	strv_free(ids);
	return status;
}

/* Where the feeds are, and how a calendar client subscribes to them. */
static void
demo_feeds_hint(const char *dir, const char *feeds)
{
	printf("\nThe notices: %s/all.ics (every change), systems/<name>.ics,\n"
	    "groups/<name>.ics and windows.ics in %s/.\n"
	    "To subscribe from a calendar client, serve them with\n"
	    "  offpeak -C %s serve --listen 127.0.0.1:8080\n"
	    "and add webcal://127.0.0.1:8080/all.ics\n", feeds, feeds, dir);
}

/* check is done; then assess, approve, schedule, show the status, write the feeds. */
static int
demo_pipeline(const struct ctx *given, const char *dir, struct repo *repo)
{
	struct ctx ctx = *given;
	const char *assess[] = { "assess", NULL }, *sched[] = { "schedule", NULL };
	const char *status_argv[] = { "status", NULL };
	const char *cal[] = { "calendar", "-o", NULL, NULL };
	char	*feeds;
	int	 status;

	ctx.repo_path = dir;
	ctx.json = 0;
	if (!ctx.simulated) {
		char *cause = NULL;
		dt_parse_instant(DEMO_NOW, &ctx.now, NULL, &cause);
		free(cause);
		ctx.simulated = 1;
	}
	if ((status = demo_run(&ctx, 1, assess)) != EXIT_DONE ||
	    (status = demo_approve(&ctx, repo)) != EXIT_DONE ||
	    (status = demo_run(&ctx, 1, sched)) != EXIT_DONE ||
	    (status = demo_run(&ctx, 1, status_argv)) != EXIT_DONE)
		return status;
	cal[2] = feeds = xasprintf("%s/feeds", dir);
	if ((status = demo_run(&ctx, 3, cal)) == EXIT_DONE)
		demo_feeds_hint(dir, feeds);
	free(feeds);
	if (status != EXIT_DONE)
		return status;
	printf("\nThe audit trail: git -C %s log offpeak-state\n", dir);
	return EXIT_DONE;
}

static int
cmd_demo_exec(struct ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e = &cmd_demo_entry;
	struct repo *repo;
	char	*dir, *cause;
	int	 c, status;

	while ((c = cmd_getopt(e, argc, argv, "", NULL)) != -1) {
		if (c == 'h')
			return cmd_help(e);
		return EXIT_USAGE;
	}
	if (argc - optind > 1)
		return cmd_usage(e);
	if ((dir = demo_dir(optind < argc ? argv[optind] : NULL)) == NULL)
		return EXIT_ENV;
	if ((status = demo_build(dir)) != EXIT_DONE) {
		free(dir);
		return status;
	}
	if ((repo = repo_open(dir, 0, &cause)) == NULL) {
		cmd_error("demo: %s", cause);
		free(cause);
		free(dir);
		return EXIT_ENV;
	}
	status = demo_check(repo);
	if (status == EXIT_DONE)
		status = demo_pipeline(ctx, dir, repo);
	repo_free(repo);
	free(dir);
	return status;
}

const struct cmd_entry cmd_demo_entry = {
	.name = "demo",
	.usage = "[DIR]",
	.summary = "builds the bundled example repository and runs check, "
	    "assess, schedule, calendar",
	.help =
	    "Writes the bundled example plan repository (a policy, a dozen\n"
	    "plans and the sample hooks) into DIR, which must be missing or\n"
	    "empty, or into a new directory $TMPDIR/offpeak-demo.XXXXXX\n"
	    "(default /tmp) whose name it prints, commits it on branch main,\n"
	    "then runs the pipeline on it, printing each step's result.\n"
	    "\n"
	    "exit status: 0 every step passed; 1 a step found problems;\n"
	    "2 bad arguments; 5 DIR is not empty or cannot be written.\n",
	.exec = cmd_demo_exec
};
