/* offpeak check: validate the policy and every plan at a ref */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cmd.h"
#include "repo.h"
#include "util.h"

#define ZERO_OID "0000000000000000000000000000000000000000"

/* Print problems: lines on stderr, or a JSON list on stdout. */
static void
print_diags(const struct ctx *ctx, const struct diags *d)
{
	json_t	*arr, *o;
	char	*line;
	size_t	 i;

	if (!ctx->json) {
		for (i = 0; i < d->n; i++) {
			line = diag_format(&d->items[i]);
			cmd_error("%s", line);
			free(line);
		}
		return;
	}
	arr = json_array();
	for (i = 0; i < d->n; i++) {
		o = json_pack("{s:s?, s:i, s:i, s:s}", "file", d->items[i].file,
		    "line", d->items[i].line, "column", d->items[i].column,
		    "message", d->items[i].message);
		json_array_append_new(arr, o);
	}
	json_dumpf(arr, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(arr);
}

/* Check the tree at rev; returns an exit code. */
static int
check_rev(const struct ctx *ctx, struct repo *repo, const char *rev,
    int quiet)
{
	struct repo_tree *tree;
	struct check_result res;
	char	*cause;
	int	 rc;

	if ((tree = repo_tree_at(repo, rev, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	if (check_tree(repo, tree, &res, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		repo_tree_free(tree);
		return EXIT_ENV;
	}
	print_diags(ctx, &res.diags);
	rc = res.diags.n == 0 ? EXIT_DONE : EXIT_INVALID;
	if (rc == EXIT_DONE && !quiet && !ctx->json)
		printf("check: %zu plan%s: no problems\n", res.nplans,
		    res.nplans == 1 ? "" : "s");
	else if (rc != EXIT_DONE && !ctx->json)
		fprintf(stderr, "offpeak: %zu problem%s found\n", res.diags.n,
		    res.diags.n == 1 ? "" : "s");
	check_result_release(&res);
	repo_tree_free(tree);
	return rc;
}

/*
 * As a pre-receive hook: every "<old> <new> <ref>" line that updates the
 * plans branch must pass; pushes elsewhere are not checked here.
 */
static int
pre_receive(const struct ctx *ctx, struct repo *repo)
{
	char	 line[1024], old[64], new[64], ref[900], *branch, *cause;
	int	 rc = EXIT_DONE, r;

	if ((branch = repo_plans_branch(repo, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	while (fgets(line, sizeof line, stdin) != NULL) {
		if (sscanf(line, "%63s %63s %899s", old, new, ref) != 3) {
			cmd_error("pre-receive: unexpected input line");
			rc = EXIT_USAGE;
			continue;
		}
		if (strcmp(ref, branch) != 0)
			continue;
		if (strcmp(new, ZERO_OID) == 0) {
			cmd_error("pre-receive: refusing to delete the plans "
			    "branch %s", ref);
			rc = EXIT_INVALID;
			continue;
		}
		if ((r = check_rev(ctx, repo, new, 1)) != EXIT_DONE)
			rc = r;
	}
	free(branch);
	return rc;
}

static int
cmd_check_exec(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ref", required_argument, NULL, 'r' },
		{ "pre-receive", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ref = "HEAD";
	struct repo *repo;
	char	*cause;
	int	 c, hook = 0, rc;

	while ((c = cmd_getopt(&cmd_check_entry, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'r': ref = optarg; break;
		case 'p': hook = 1; break;
		case 'h': return cmd_help(&cmd_check_entry);
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_check_entry);
	if ((repo = repo_open(ctx->repo_path, hook, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	rc = hook ? pre_receive(ctx, repo) : check_rev(ctx, repo, ref, 0);
	repo_free(repo);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.usage = "[--ref REF] [--pre-receive]",
	.summary = "validate the policy and every plan",
	.help =
	    "Reads offpeak.json and plans/*.json straight from the git tree at REF\n"
	    "(default HEAD; the work tree is not read) and reports every problem,\n"
	    "one per line: offpeak: <path>:<line>:<col>: <message>.\n\n"
	    "  --ref REF       check this branch, tag or commit\n"
	    "  --pre-receive   run as a git pre-receive hook: read \"<old> <new> <ref>\"\n"
	    "                  lines on stdin and check each new tip of the plans branch\n"
	    "                  (git config offpeak.branch, else HEAD's branch)\n"
	    "  --json          (global) print the problems as a JSON list on stdout\n\n"
	    "Exit status: 0 no problems, 1 problems found, 2 usage, 5 repository error.\n",
	.exec = cmd_check_exec
};
