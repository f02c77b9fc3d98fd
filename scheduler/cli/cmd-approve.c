/* offpeak approve: approve or reject the current revision of a plan */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "plan.h"
#include "session.h"
#include "sshsig.h"
#include "trust.h"
#include "util.h"

#define OPT_REJECT	CMD_LONG
#define OPT_KEY		(CMD_LONG + 1)
#define OPT_BREAK_GLASS	(CMD_LONG + 2)

static const struct cmd_option options[] = {
	{ OPT_REJECT, "reject", NULL, NULL, 0,
	    "reject: the plan stays rejected until it changes" },
	{ 'm', "message", "MSG", NULL, 0, "a comment kept with the decision" },
	{ OPT_KEY, "key", "FILE", NULL, 0,
	    "sign with this SSH key (default: git config user.signingkey)" },
	{ OPT_BREAK_GLASS, "break-glass", NULL, NULL, 0,
	    "a break-glass approval: lets an emergency change through a freeze" },
	{ 0 }
};

/* Sign the decision's statement when the policy asks for signatures. */
static int
sign(struct session *s, const char *id, const char *key, struct approval *a,
    char **cause)
{
	char	*statement;
	int	 rc;

	if (!s->trust.required)
		return 0;
	statement = trust_approval_statement(id, a);
	rc = sshsig_sign(key, SSHSIG_NS_APPROVAL, statement, strlen(statement),
	    &a->signature, cause);
	free(statement);
	return rc;
}

/* Make the decision: who, checks, signature, then the state. */
static int
decide(struct session *s, struct plan_state *ps, const struct cmd_args *args,
    char **cause)
{
	struct approval a;
	char	*key = NULL;
	int	 rc = -1;

	memset(&a, 0, sizeof a);
	if (session_identity(s, cmd_value(args, OPT_KEY), SSHSIG_NS_APPROVAL,
	    &a.approver, &key, cause) != 0)
		return -1;
	a.reject = cmd_given(args, OPT_REJECT);
	a.break_glass = cmd_given(args, OPT_BREAK_GLASS);
	memcpy(a.revision, ps->revision, sizeof a.revision);
	if (cmd_value(args, 'm') != NULL)
		a.comment = xstrdup(cmd_value(args, 'm'));
	a.at = s->now;
	if (state_decidable(ps, a.approver, a.reject, cause) == 0 &&
	    trust_vet_one(&s->trust, ps, &a, TRUST_UNSIGNED, cause) == 0 &&
	    sign(s, ps->id, key, &a, cause) == 0 &&
	    state_approve(&s->st, ps, &s->trust, &a, cause) == 0)
		rc = 0;
	approval_release(&a);
	free(key);
	return rc;
}

static void
print_decision(struct session *s, struct plan_state *ps, const char *who,
    int reject, int signed_)
{
	struct approval_count c;

	if (reject) {
		printf("%s: rejected by %s%s; now %s\n", ps->id, who,
		    signed_ ? " (signed)" : "", status_names[ps->status]);
		return;
	}
	trust_count(s->chk.policy, ps, &c);
	printf("%s: approved by %s%s; %d/%d approvals%s%s%s; now %s\n", ps->id,
	    who, signed_ ? " (signed)" : "", c.n < c.needed ? c.n : c.needed,
	    c.needed, c.missing != NULL ? "; still needs " : "",
	    c.missing != NULL ? c.missing : "",
	    c.break_glass > 0 ? "; break-glass" : "", status_names[ps->status]);
	approval_count_release(&c);
}

static int
cmd_approve_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *id = args->argv[0], *msg = cmd_value(args, 'm');
	struct session s;
	struct plan_state *ps;
	char	*cause = NULL, *who;
	int	 rc;

	if (msg != NULL && str_find_control(msg, NULL, NULL) != NULL)
		return cmd_usage_error(&cmd_approve_entry,
		    "the message must be one line of text");
	if (cmd_given(args, OPT_REJECT) && cmd_given(args, OPT_BREAK_GLASS))
		return cmd_usage_error(&cmd_approve_entry,
		    "--break-glass approves: not with --reject");
	if ((rc = cmd_session_open(&s, ctx, "approve")) != EXIT_DONE)
		return rc;
	rc = EXIT_INVALID;
	if (session_plan(&s, id) == NULL)
		cmd_no_plan(&s, id);
	else {
		session_reconcile(&s);
		ps = state_find(&s.st, id);
		if (decide(&s, ps, args, &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
		} else {
			const struct approval *a = &ps->approvals[ps->napprovals - 1];

			who = xstrdup(a->approver);
			session_reconcile(&s);
			if ((rc = cmd_session_commit(&s, NULL, 0)) == EXIT_DONE)
				print_decision(&s, ps, who,
				    cmd_given(args, OPT_REJECT),
				    s.trust.required);
			free(who);
		}
	}
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
	    "Records an approval (or with --reject a rejection), bound to the plan\n"
	    "file's current blob id; any edit of the plan voids earlier decisions.\n"
	    "Only the policy's approvers count (\"approvers\" and \"approver_lists\"),\n"
	    "each once, and never the plan's owner or the author of its revision\n"
	    "(unless \"self_approval\" allows it for its risk level or type).\n\n"
	    "With \"signing\": \"required\" the decision is a statement signed with\n"
	    "your SSH key (--key FILE, else git config user.signingkey) through\n"
	    "ssh-keygen -Y sign in the namespace offpeak-approval; you are the\n"
	    "principal the allowed-signers file gives that key. Without, you are\n"
	    "git config user.email.\n\n"
	    "--break-glass, by someone on the policy's break-glass list, lets an\n"
	    "approved emergency change be placed inside a freeze once the policy's\n"
	    "number of them is given.\n",
	.exec = cmd_approve_exec
};
