/* offpeak audit: replay the state branch and the plans history against the rules */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "guard.h"
#include "repo.h"
#include "session.h"
#include "state.h"
#include "util.h"

#define OPT_SINCE	CMD_LONG

static const struct cmd_option options[] = {
	{ OPT_SINCE, "since", "REV", NULL, 0,
	    "check the state commits after this one (default: from the root)" },
	{ 0 }
};

static void
print_json(const struct guard *g)
{
	json_t	*o = json_object(), *v = json_array();
	size_t	 i;

	for (i = 0; i < g->n; i++)
		json_array_append_new(v, json_pack("{s:s, s:s?, s:s}", "commit",
		    g->v[i].commit, "file", g->v[i].file, "rule", g->v[i].rule));
	json_object_set_new(o, "commits", json_integer((json_int_t)g->commits));
	json_object_set_new(o, "plans_commits",
	    json_integer((json_int_t)g->plans_commits));
	json_object_set_new(o, "simulated", json_integer((json_int_t)g->simulated));
	json_object_set_new(o, "violations", v);
	json_object_set_new(o, "clean", json_boolean(g->n == 0));
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(o);
}

static void
print_text(const struct guard *g)
{
	size_t	 i;

	for (i = 0; i < g->n; i++)
		printf("%.12s %s %s\n", g->v[i].commit, g->v[i].file != NULL ?
		    g->v[i].file : "-", g->v[i].rule);
	printf("audit: %zu plans commit%s and %zu state commit%s checked%s, "
	    "%zu violation%s\n", g->plans_commits, g->plans_commits == 1 ? "" :
	    "s", g->commits, g->commits == 1 ? "" : "s", g->simulated > 0 ?
	    " (some made under a simulated clock)" : "", g->n,
	    g->n == 1 ? "" : "s");
}

/* The commit since names, as hex; NULL with a message when it is none. */
static char *
resolve_since(struct session *s, const char *since)
{
	struct repo_tree *t;
	char	*cause = NULL, *hex;

	if ((t = repo_tree_at(s->repo, since, &cause)) == NULL) {
		cmd_error("--since: %s", cause);
		free(cause);
		return NULL;
	}
	hex = xstrdup(repo_tree_commit(t));
	repo_tree_free(t);
	return hex;
}

static int
cmd_audit_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *since_arg = cmd_value(args, OPT_SINCE);
	struct session s;
	struct guard g;
	char	*cause = NULL, *since = NULL;
	int	 rc;

	if ((rc = cmd_session_read(&s, ctx, "audit")) != EXIT_DONE)
		return rc;
	if (since_arg != NULL && (since = resolve_since(&s, since_arg)) == NULL) {
		session_close(&s);
		return EXIT_USAGE;
	}
	guard_init(&g, s.repo, s.sigcache);
	g.allow_simulated = 1;
	if (guard_audit(&g, repo_tree_commit(s.tree), s.st.commit, since,
	    &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_ENV;
	} else {
		if (ctx->json)
			print_json(&g);
		else
			print_text(&g);
		rc = g.n == 0 ? EXIT_DONE : EXIT_INVALID;
	}
	guard_release(&g);
	free(since);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "replay the state branch against the rules; 1 when broken",
	.help =
	    "Replays the state branch offpeak-state from its root (or after\n"
	    "--since REV) against the history of the plans branch, with the rules\n"
	    "the server's pre-receive hook applies to every push: each commit is\n"
	    "offpeak state made from plans on the plans branch; approvals and run\n"
	    "records are append-only; every status change is a step of the\n"
	    "workflow; approved and scheduled plans hold approvals that count (by\n"
	    "approvers, not the author, signed and verified with signing\n"
	    "required); runs are locked by an operator's signed statement;\n"
	    "outcomes follow their run; every new or moved slot keeps its notice,\n"
	    "lies in an off-peak window and outside freezes (unless break-glass).\n"
	    "With signing required, every commit of the plans branch that changes\n"
	    "what offpeak reads must be signed by an allowed signer.\n\n"
	    "Prints one line per broken rule — commit, file, rule — and a summary;\n"
	    "with --json, {\"commits\", \"violations\": [...], \"clean\"}. Exit 0\n"
	    "when the trail is clean, 1 otherwise.\n",
	.exec = cmd_audit_exec
};
