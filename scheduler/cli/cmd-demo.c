/* offpeak demo: build the bundled example repository and run the pipeline */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cmd.h"
#include "diag.h"
#include "examples.h"
#include "policy.h"
#include "repo.h"
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
