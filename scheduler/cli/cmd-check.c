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
		fprintf(stderr, "offpeak: %zu problem%s found\n", res.diags.total,
		    res.diags.total == 1 ? "" : "s");
	check_result_release(&res);
	repo_tree_free(tree);
	return rc;
}

/* One "<old> <new> <ref>" line of a push. */
struct update {
	char	 old[64], new[64], ref[900];
};

static int
read_updates(struct update **v, size_t *n)
{
	char	 line[1024];
	struct update u;
	int	 rc = EXIT_DONE;

	*v = NULL;
	*n = 0;
	while (fgets(line, sizeof line, stdin) != NULL) {
		if (sscanf(line, "%63s %63s %899s", u.old, u.new, u.ref) != 3) {
			cmd_error("pre-receive: unexpected input line");
			rc = EXIT_USAGE;
			continue;
		}
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = u;
	}
	return rc;
}

/* Does the tree of commit new have offpeak.json at its root? */
static int
has_policy(struct repo *repo, const char *new)
{
	struct repo_tree *tree;
	char	*cause = NULL, *data = NULL;
	size_t	 len;
	int	 r;

	if ((tree = repo_tree_at(repo, new, &cause)) == NULL) {
		free(cause);
		return 1;	/* let check_rev say what is wrong */
	}
	r = repo_tree_read(tree, "offpeak.json", 1, &data, &len, NULL, &cause);
	free(data);
	free(cause);
	repo_tree_free(tree);
	return r != 1;
}

/*
 * Which pushed refs to check. The plans branch is offpeak.branch, else the
 * branch HEAD names when it exists or this push creates it. When HEAD
 * names a branch that exists nowhere (a bare repository made with plain
 * "git init --bare" names master), the hook cannot tell the plans branch,
 * so it checks every pushed branch whose tip has offpeak.json at its root:
 * a validation hook never lets through what it did not look at.
 */
static int
plans_ref(struct repo *repo, const char *branch, int guess,
    const struct update *u)
{
	if (!guess)
		return strcmp(u->ref, branch) == 0;
	return strncmp(u->ref, "refs/heads/", 11) == 0 &&
	    strcmp(u->new, ZERO_OID) != 0 && has_policy(repo, u->new);
}

static int
pre_receive(const struct ctx *ctx, struct repo *repo)
{
	struct update *v;
	char	*branch, *cause = NULL, *configured, oid[41];
	size_t	 n, i;
	int	 rc, r, guess = 0;

	if ((branch = repo_plans_branch(repo, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	rc = read_updates(&v, &n);
	configured = repo_config_get(repo, "offpeak.branch");
	if (configured == NULL && repo_ref_commit(repo, branch, oid, &cause) == 1) {
		for (i = 0; i < n && strcmp(v[i].ref, branch) != 0; i++)
			;
		if ((guess = i == n))
			cmd_error("pre-receive: HEAD names %s, which does not "
			    "exist: checking every pushed branch with "
			    "offpeak.json (name the plans branch with git -C "
			    "<server repository> config offpeak.branch main)",
			    branch);
	}
	free(configured);
	free(cause);
	for (i = 0; i < n; i++) {
		if (!plans_ref(repo, branch, guess, &v[i]))
			continue;
		if (strcmp(v[i].new, ZERO_OID) == 0) {
			cmd_error("pre-receive: refusing to delete the plans "
			    "branch %s", v[i].ref);
			rc = EXIT_INVALID;
			continue;
		}
		if ((r = check_rev(ctx, repo, v[i].new, 1)) != EXIT_DONE)
			rc = r;
	}
	free(v);
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
	    "                  (git config offpeak.branch, else HEAD's branch); when HEAD\n"
	    "                  names a branch that does not exist, every pushed branch\n"
	    "                  with offpeak.json at its root\n"
	    "  --json          (global) print the problems as a JSON list on stdout\n\n"
	    "Exit status: 0 no problems, 1 problems found, 2 usage, 5 repository error.\n",
	.exec = cmd_check_exec
};
