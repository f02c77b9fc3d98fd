/* offpeak check: validate the policy and every plan at a ref */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "cli/cmd.h"
#include "fsutil.h"
#include "guard.h"
#include "policy.h"
#include "repo.h"
#include "sshsig.h"
#include "state.h"
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

/* Things the policy is accepted with, but worth a word: on stderr. */
static void
print_warnings(char *const *w)
{
	size_t	 i;

	for (i = 0; w != NULL && w[i] != NULL; i++)
		cmd_error("%s: warning: %s", POLICY_FILE, w[i]);
}

/* The allowed-signers path a tree's policy names, or NULL. */
static char *
signers_path(struct repo_tree *tree)
{
	char	*text = NULL, *cause = NULL, *path = NULL;
	size_t	 len;
	json_t	*o;

	if (repo_tree_read(tree, POLICY_FILE, CHECK_MAX_FILE, &text, &len, NULL,
	    &cause) == 0 && (o = json_loadb(text, len, 0, NULL)) != NULL) {
		if (json_is_string(json_object_get(o, "allowed_signers")))
			path = xstrdup(json_string_value(json_object_get(o,
			    "allowed_signers")));
		json_decref(o);
	}
	free(text);
	free(cause);
	return path;
}

/* The work tree's files offpeak reads, its allowed signers included. */
static struct repo_tree *
worktree(struct repo *repo, char **cause)
{
	struct repo_tree *tree = repo_tree_worktree(repo, NULL, cause);
	char	*extra;

	if (tree == NULL || (extra = signers_path(tree)) == NULL)
		return tree;
	repo_tree_free(tree);
	tree = repo_tree_worktree(repo, extra, cause);
	free(extra);
	return tree;
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

	tree = rev != NULL ? repo_tree_at(repo, rev, &cause) :
	    worktree(repo, &cause);
	if (tree == NULL) {
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
	if (res.policy != NULL)
		print_warnings(res.policy->warnings);
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

/* Say each broken rule on its own line; the exit code. */
static int
print_problems(const struct guard *g)
{
	size_t	 i;

	for (i = 0; i < g->n; i++)
		cmd_error("pre-receive: %.12s: %s%s%s", g->v[i].commit,
		    g->v[i].file != NULL ? g->v[i].file : "",
		    g->v[i].file != NULL ? ": " : "", g->v[i].rule);
	return g->n > 0 ? EXIT_INVALID : EXIT_DONE;
}

/* The tip the plans branch will have once this push is taken, or NULL. */
static char *
plans_tip(struct repo *repo, const char *branch, int guess,
    const struct update *v, size_t n)
{
	char	 oid[41], *cause = NULL;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (plans_ref(repo, branch, guess, &v[i]) &&
		    strcmp(v[i].new, ZERO_OID) != 0)
			return xstrdup(v[i].new);
	}
	if (repo_ref_commit(repo, branch, oid, &cause) == 0)
		return xstrdup(oid);
	free(cause);
	return NULL;
}

/* What a push leaves out of "new": the old tips of every pushed ref. */
static char **
old_tips(const struct update *v, size_t n)
{
	char	**hide = xcalloc(n + 1, sizeof *hide);
	size_t	 i, k = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].old, ZERO_OID) != 0)
			hide[k++] = xstrdup(v[i].old);
	}
	return hide;
}

/* The guard's part: the state branch, and signatures on the plans. */
static int
guard_updates(const struct ctx *ctx, struct repo *repo, const char *branch,
    int guess, const struct update *v, size_t n)
{
	struct guard g;
	struct sshsig_cache *cache;
	char	*path, *cause = NULL, *tip, *allow, *program, **hide;
	size_t	 i;
	int	 rc = EXIT_DONE;

	if ((program = repo_config_get(repo, "gpg.ssh.program")) != NULL)
		sshsig_set_program(program);
	free(program);
	path = repo_git_path(repo, "offpeak");
	(void)mkdir_p(path, 0755);
	free(path);
	path = repo_git_path(repo, "offpeak/verified");
	cache = sshsig_cache_open(path);
	free(path);
	guard_init(&g, repo, cache);
	tip = plans_tip(repo, branch, guess, v, n);
	g.plans_tip = tip;
	g.now = ctx->now;
	allow = repo_config_get(repo, "offpeak.allowSimulatedClock");
	g.allow_simulated = allow != NULL && (strcasecmp(allow, "true") == 0 ||
	    strcmp(allow, "1") == 0 || strcasecmp(allow, "yes") == 0);
	free(allow);
	hide = old_tips(v, n);
	for (i = 0; i < n && rc == EXIT_DONE; i++) {
		if (strcmp(v[i].ref, STATE_BRANCH) == 0) {
			if (tip == NULL)
				cmd_error("pre-receive: the plans branch %s does not "
				    "exist: the state cannot be checked against it",
				    branch);
			if (tip == NULL || guard_push(&g, v[i].old, v[i].new,
			    &cause) != 0)
				rc = tip == NULL ? EXIT_INVALID : EXIT_ENV;
		} else if (plans_ref(repo, branch, guess, &v[i]) &&
		    strcmp(v[i].new, ZERO_OID) != 0 &&
		    guard_plans_push(&g, hide, v[i].new, &cause) != 0)
			rc = EXIT_ENV;
	}
	if (cause != NULL) {
		cmd_error("pre-receive: %s", cause);
		free(cause);
	}
	if (rc == EXIT_DONE)
		rc = print_problems(&g);
	strv_free(hide);
	free(tip);
	guard_release(&g);
	sshsig_cache_free(cache);
	return rc;
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
	if ((r = guard_updates(ctx, repo, branch, guess, v, n)) != EXIT_DONE &&
	    rc == EXIT_DONE)
		rc = r;
	free(v);
	free(branch);
	return rc;
}

#define OPT_REF		CMD_LONG
#define OPT_PRE_RECEIVE	(CMD_LONG + 1)
#define OPT_WORKTREE	(CMD_LONG + 2)

static const struct cmd_option options[] = {
	{ OPT_REF, "ref", "REF", NULL, 0,
	    "check this branch, tag or commit (default HEAD)" },
	{ OPT_PRE_RECEIVE, "pre-receive", NULL, NULL, 0,
	    "run as a git pre-receive hook (see above)" },
	{ OPT_WORKTREE, "worktree", NULL, NULL, 0,
	    "check offpeak.json, plans/, hooks/ and the allowed signers as the "
	    "work tree has them" },
	{ 0 }
};

/* check reads HEAD: say so when the work tree holds other files. */
static void
note_worktree(struct repo *repo)
{
	struct repo_tree *head = repo_tree_at(repo, "HEAD", NULL);
	char	*extra = head != NULL ? signers_path(head) : NULL;
	char	**v = repo_worktree_changes(repo, extra);
	size_t	 i, n = strv_len(v);

	repo_tree_free(head);
	free(extra);
	if (n == 0) {
		strv_free(v);
		return;
	}
	fprintf(stderr, "offpeak: note: check read HEAD; %zu file%s in the "
	    "work tree differ%s from it and %s not checked (commit, or check "
	    "--worktree):\n", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
	    n == 1 ? "was" : "were");
	for (i = 0; i < n && i < 20; i++)
		fprintf(stderr, "offpeak:   %s\n", v[i]);
	if (n > 20)
		fprintf(stderr, "offpeak:   and %zu more\n", n - 20);
	strv_free(v);
}

static int
cmd_check_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *ref = cmd_value(args, OPT_REF);
	struct repo *repo;
	char	*cause;
	int	 hook = cmd_given(args, OPT_PRE_RECEIVE), rc;

	if (cmd_given(args, OPT_WORKTREE) && (ref != NULL || hook))
		return cmd_usage_error(&cmd_check_entry, "--worktree checks "
		    "the work tree: not with --ref or --pre-receive");
	if (ref == NULL && !cmd_given(args, OPT_WORKTREE))
		ref = "HEAD";
	if ((repo = repo_open(ctx->repo_path, hook, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	rc = hook ? pre_receive(ctx, repo) : check_rev(ctx, repo, ref, 0);
	if (!hook && cmd_value(args, OPT_REF) == NULL &&
	    !cmd_given(args, OPT_WORKTREE))
		note_worktree(repo);
	repo_free(repo);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "validate the policy and every plan",
	.help =
	    "Reads offpeak.json and plans/*.json straight from the git tree at REF\n"
	    "(default HEAD; the work tree is not read) and reports every problem,\n"
	    "one per line: offpeak: <path>:<line>:<col>: <message>; with the global\n"
	    "--json, as a JSON list on stdout. Without --ref, files offpeak reads\n"
	    "(offpeak.json, plans/, hooks/) that differ in the work tree are\n"
	    "named in a note: they were not checked; --worktree checks them as\n"
	    "they are (HEAD for everything else).\n\n"
	    "With --pre-receive it runs as a git pre-receive hook: it reads\n"
	    "\"<old> <new> <ref>\" lines on stdin and checks each new tip of the\n"
	    "plans branch (git config offpeak.branch, else HEAD's branch); when HEAD\n"
	    "names a branch that does not exist, every pushed branch with\n"
	    "offpeak.json at its root. It also guards the state branch\n"
	    "offpeak-state: deleting it or moving it other than forward is\n"
	    "refused, and every pushed commit must keep the rules of offpeak audit\n"
	    "(append-only approvals and records, workflow steps, approvals that\n"
	    "count, signed runs, slots with notice inside windows and outside\n"
	    "freezes). With signing required, new commits of the plans branch that\n"
	    "change offpeak.json, the allowed signers, plans/ or hooks/ must be\n"
	    "SSH-signed by an allowed signer. Commits made under --now are refused\n"
	    "unless git config offpeak.allowSimulatedClock is true.\n",
	.exec = cmd_check_exec
};
