/* offpeak abort: ask a running change to stop and roll back */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "run.h"
#include "session.h"
#include "repo.h"
#include "util.h"

static const struct cmd_option options[] = {
	{ 'm', "message", "MSG", NULL, 1,
	    "why it must stop, kept in the record and the audit trail" },
	{ 0 }
};

static int
cmd_abort_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *id = args->argv[0], *msg = cmd_value(args, 'm');
	struct session s;
	struct plan_state *ps;
	struct store_file f;
	char	*cause = NULL, *who = NULL;
	const char *user = getenv("USER");
	int	 rc;

	if (*msg == '\0' || str_find_control(msg, NULL, NULL) != NULL)
		return cmd_usage_error(&cmd_abort_entry,
		    "the message must be one line of text");
	if ((rc = cmd_session_open(&s, ctx, "abort")) != EXIT_DONE)
		return rc;
	session_reconcile(&s);
	rc = EXIT_INVALID;
	if ((ps = state_find(&s.st, id)) == NULL)
		cmd_no_plan(&s, id);
	else if ((who = repo_config_get(s.repo, "user.email")) == NULL &&
	    (user == NULL || (who = xstrdup(user)) == NULL))
		cmd_error("no git identity: set user.email (git config "
		    "user.email you@example.com)");
	else if (run_abort_request(&s, ps, who, msg, &f, &cause) != 0)
		cmd_error("%s", cause);
	else {
		if ((rc = cmd_session_commit(&s, &f, 1)) == EXIT_DONE)
			printf("abort: asked run %s of '%s' to stop: it rolls back "
			    "at its next look (within a few seconds)\n", ps->run.id,
			    id);
		free((char *)f.path);
		free((char *)f.data);
	}
	free(who);
	free(cause);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_abort_entry = {
	.name = "abort",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "ask a running change to stop and roll back",
	.help =
	    "Asks the run of ID in progress, wherever it runs, to stop: a state\n"
	    "commit (aborts/<id>/<run>.json, pushed to origin when shared) that\n"
	    "the running 'offpeak run' looks for between steps and every few\n"
	    "seconds within a step. It then ends the running hook (SIGTERM, as\n"
	    "Ctrl-C does), starts no further step, rolls back, and records who\n"
	    "aborted it and why. When the policy names operators, only they may\n"
	    "abort. A run that is not in progress is refused: an interrupted one\n"
	    "is cancelled or resumed.\n",
	.exec = cmd_abort_exec
};
