/* offpeak approve: approve or reject the current revision of a plan */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cmd.h"
#include "plan.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "util.h"

static int
is_approver(const struct policy *pol, const char *who)
{
	size_t	 i;

	for (i = 0; pol->approvers[i] != NULL; i++) {
		if (strcasecmp(pol->approvers[i], who) == 0)
			return 1;
	}
	return 0;
}

/* Refuse what cannot be approved; returns an exit code. */
static int
approvable(const struct plan_state *ps, const char *who, int reject)
{
	size_t	 i;

	if (ps->status == ST_BACKING_UP || ps->status == ST_EXECUTING ||
	    ps->status == ST_VERIFYING || ps->status == ST_COMPLETED ||
	    ps->status == ST_CANCELLED || ps->status == ST_EXPIRED) {
		cmd_error("plan '%s' is %s; edit the plan to start a new revision",
		    ps->id, status_names[ps->status]);
		return EXIT_INVALID;
	}
	for (i = 0; i < ps->napprovals; i++) {
		const struct approval *a = &ps->approvals[i];
		if (strcmp(a->revision, ps->revision) == 0 && a->reject == reject &&
		    strcasecmp(a->approver, who) == 0) {
			cmd_error("%s already %s revision %.12s of '%s'", who,
			    reject ? "rejected" : "approved", ps->revision, ps->id);
			return EXIT_INVALID;
		}
	}
	return EXIT_DONE;
}

static void
add_approval(struct session *s, struct plan_state *ps, const char *who,
    int reject, const char *msg)
{
	struct approval *a;

	ps->approvals = xreallocarray(ps->approvals, ps->napprovals + 1,
	    sizeof *ps->approvals);
	a = &ps->approvals[ps->napprovals++];
	memset(a, 0, sizeof *a);
	a->approver = xstrdup(who);
	a->reject = reject;
	memcpy(a->revision, ps->revision, sizeof a->revision);
	a->comment = msg != NULL ? xstrdup(msg) : NULL;
	a->at = s->now;
	state_log(&s->st, ps, "%s %s by %s (revision %.12s)%s%s",
	    reject ? "rejection" : "approval", ps->id, who, ps->revision,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
}

static int
cmd_approve_exec(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reject", no_argument, NULL, 'r' },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s;
	struct plan_state *ps;
	const char *msg = NULL;
	char	*who;
	int	 c, reject = 0, rc, n, rej;

	while ((c = cmd_getopt(&cmd_approve_entry, argc, argv, "m:", opts)) != -1) {
		switch (c) {
		case 'r': reject = 1; break;
		case 'm': msg = optarg; break;
		case 'h': return cmd_help(&cmd_approve_entry);
		default: return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cmd_usage(&cmd_approve_entry);
	if (msg != NULL && str_find_control(msg, NULL, NULL) != NULL) {
		cmd_error("approve: the message must be one line of text");
		return EXIT_USAGE;
	}
	if ((rc = cmd_session_open(&s, ctx, "approve")) != EXIT_DONE)
		return rc;
	rc = EXIT_INVALID;
	who = repo_config_get(s.repo, "user.email");
	if (session_plan(&s, argv[optind]) == NULL)
		cmd_no_plan(&s, argv[optind]);
	else if (who == NULL)
		cmd_error("no git identity: set user.email (git config user.email "
		    "you@example.com)");
	else if (!is_approver(s.chk.policy, who))
		cmd_error("'%s' is not an approver in offpeak.json", who);
	else if (s.chk.policy->signed_approvals)
		cmd_error("offpeak.json asks for signed approvals "
		    "(\"signed_approvals\": true), which this offpeak cannot "
		    "make or verify; nothing was recorded");
	else {
		session_reconcile(&s);
		ps = state_find(&s.st, argv[optind]);
		if ((rc = approvable(ps, who, reject)) == EXIT_DONE) {
			add_approval(&s, ps, who, reject, msg);
			session_reconcile(&s);
			n = state_count_approvals(ps, s.chk.policy, &rej, NULL);
			if ((rc = cmd_session_commit(&s, NULL, 0)) == EXIT_DONE)
				printf("%s: %s by %s; %d/%d approvals; now %s\n",
				    ps->id, reject ? "rejected" : "approved", who,
				    n, ps->risk.approvals,
				    status_names[ps->status]);
		}
	}
	free(who);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_approve_entry = {
	.name = "approve",
	.usage = "ID [--reject] [-m MSG]",
	.summary = "approve or reject the current revision of a plan",
	.help =
	    "Records an approval (or with --reject a rejection) by your git identity\n"
	    "(user.email), bound to the plan file's current blob id. Only the policy's\n"
	    "approvers count, each once; any edit of the plan voids earlier approvals.\n\n"
	    "  --reject        reject: the plan stays rejected until it changes\n"
	    "  -m, --message   a comment kept with the decision\n",
	.exec = cmd_approve_exec
};
