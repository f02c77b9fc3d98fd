/* offpeak cancel: withdraw a change before it completes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "run.h"
#include "session.h"
#include "store.h"
#include "util.h"

/* Cancel ps: release its slot; close the record of an interrupted run. */
static int
cancel(struct session *s, struct plan_state *ps, const char *msg)
{
	struct store_file rec;
	char	*why, *cause = NULL;
	int	 rc;

	why = xasprintf("cancelled: %s", msg);
	if (run_cancel_record(s, ps, why, s->now, &rec, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(why);
		return EXIT_ENV;
	}
	free(why);
	state_cancel(&s->st, ps, msg, s->now);
	rc = cmd_session_commit(s, rec.path != NULL ? &rec : NULL,
	    rec.path != NULL ? 1 : 0);
	free((char *)rec.path);
	free((char *)rec.data);
	if (rc == EXIT_DONE)
		printf("%s: cancelled; its notice now says CANCELLED\n", ps->id);
	return rc;
}

static const struct cmd_option options[] = {
	{ 'm', "message", "MSG", NULL, 1,
	    "a message saying why, kept in the state and the audit trail" },
	{ 0 }
};

static int
cmd_cancel_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *id = args->argv[0], *msg = cmd_value(args, 'm');
	struct session s;
	struct plan_state *ps;
	char	*cause = NULL, **orphans, *live;
	int	 rc;

	if (*msg == '\0' || str_find_control(msg, NULL, NULL) != NULL)
		return cmd_usage_error(&cmd_cancel_entry,
		    "the message must be one line of text");
	if ((rc = cmd_session_open(&s, ctx, "cancel")) != EXIT_DONE)
		return rc;
	session_reconcile(&s);
	rc = EXIT_INVALID;
	if ((ps = state_find(&s.st, id)) == NULL)
		cmd_no_plan(&s, id);
	else if (state_cancellable(ps, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
	} else if (run_alive_here(ps)) {
		cmd_error("run %s of '%s' is in progress (process %ld on this "
		    "host): stop it first (Ctrl-C or kill -TERM %ld rolls it "
		    "back)", ps->run.id, ps->id, ps->run.pid, ps->run.pid);
		rc = EXIT_RACE;
	} else if ((orphans = run_orphans(&s, ps)) != NULL) {
		live = strv_join((const char *const *)orphans, ", ");
		cmd_error("run %s of '%s' was interrupted but processes it "
		    "started still run: %s; wait for them or end them (or 'offpeak "
		    "run %s --resume --kill-orphans'), then cancel", ps->run.id,
		    ps->id, live, ps->id);
		free(live);
		strv_free(orphans);
		rc = EXIT_RACE;
	} else
		rc = cancel(&s, ps, msg);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_cancel_entry = {
	.name = "cancel",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "cancel a change before it completes",
	.help =
	    "Cancels a plan in any state before completion: its slot is released\n"
	    "and its notice becomes a cancellation (STATUS:CANCELLED, a higher\n"
	    "SEQUENCE) for the policy's retention period. An interrupted run is\n"
	    "closed as cancelled, in the state and in its maintenance record; a\n"
	    "run still in progress on this host, or one whose hooks still run\n"
	    "after offpeak was killed, is refused (exit 4). Edit the\n"
	    "plan to ask for it again.\n",
	.exec = cmd_cancel_exec
};
