/* offpeak approve: approve or reject the current revision of a plan */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "plan.h"
#include "repo.h"
#include "session.h"
#include "util.h"

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
	struct decision d;
	const char *msg = NULL;
	char	*who, *cause = NULL;
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
	else {
		session_reconcile(&s);
		ps = state_find(&s.st, argv[optind]);
		d.who = who;
		d.reject = reject;
		d.comment = msg;
		if (state_approve(&s.st, ps, s.chk.policy, &d, s.now,
		    &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
		} else {
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
