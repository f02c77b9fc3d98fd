/* offpeak approve: approve or reject the current revision of a plan */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "plan.h"
#include "repo.h"
#include "session.h"
#include "util.h"

#define OPT_REJECT	CMD_LONG

static const struct cmd_option options[] = {
	{ OPT_REJECT, "reject", NULL, NULL, 0,
	    "reject: the plan stays rejected until it changes" },
	{ 'm', "message", "MSG", NULL, 0, "a comment kept with the decision" },
	{ 0 }
};

static int
cmd_approve_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *id = args->argv[0];
	struct session s;
	struct plan_state *ps;
	struct decision d;
	const char *msg = cmd_value(args, 'm');
	char	*who, *cause = NULL;
	int	 reject = cmd_given(args, OPT_REJECT), rc, n, rej;

	if (msg != NULL && str_find_control(msg, NULL, NULL) != NULL)
		return cmd_usage_error(&cmd_approve_entry,
		    "the message must be one line of text");
	if ((rc = cmd_session_open(&s, ctx, "approve")) != EXIT_DONE)
		return rc;
	rc = EXIT_INVALID;
	who = repo_config_get(s.repo, "user.email");
	if (session_plan(&s, id) == NULL)
		cmd_no_plan(&s, id);
	else if (who == NULL)
		cmd_error("no git identity: set user.email (git config user.email "
		    "you@example.com)");
	else {
		session_reconcile(&s);
		ps = state_find(&s.st, id);
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
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "approve or reject the current revision of a plan",
	.help =
	    "Records an approval (or with --reject a rejection) by your git identity\n"
	    "(user.email), bound to the plan file's current blob id. Only the policy's\n"
	    "approvers count, each once; any edit of the plan voids earlier approvals.\n",
	.exec = cmd_approve_exec
};
