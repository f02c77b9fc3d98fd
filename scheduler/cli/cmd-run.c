/* offpeak run: execute one approved change in its slot */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cmd.h"
#include "policy.h"
#include "repo.h"
#include "run.h"
#include "session.h"
#include "sshsig.h"
#include "util.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
print_output(const char *phase, const char *line, size_t len, void *arg)
{
	(void)arg;
	printf("%10s | %.*s\n", phase, (int)len, line);
	fflush(stdout);
}

static void
print_progress(const char *text, void *arg)
{
	(void)arg;
	printf("run: %s\n", text);
	fflush(stdout);
}

/* The operator: --operator, else the git identity, else $USER. */
static char *
operator_name(struct session *s, const char *given)
{
	char	*who;
	const char *user = getenv("USER");

	if (given != NULL)
		return xstrdup(given);
	if ((who = repo_config_get(s->repo, "user.email")) != NULL)
		return who;
	return xstrdup(user != NULL && *user != '\0' ? user : "unknown");
}

/*
 * With signing required, the operator is the principal of the signing
 * key; an --operator naming someone else is refused. 0, or -1 with *cause.
 */
static int
signing_operator(struct session *s, const char *given, const char *key,
    char **who, char **keyfile, char **cause)
{
	if (session_identity(s, key, SSHSIG_NS_RUN, who, keyfile, cause) != 0)
		return -1;
	if (given != NULL && strcasecmp(given, *who) != 0) {
		*cause = xasprintf("--operator '%s': with signing required the "
		    "operator is the principal of the signing key, '%s'", given,
		    *who);
		free(*who);
		free(*keyfile);
		*who = *keyfile = NULL;
		return -1;
	}
	return 0;
}

#define OPT_OPERATOR	CMD_LONG
#define OPT_RESUME	(CMD_LONG + 1)
#define OPT_KEY		(CMD_LONG + 2)
#define OPT_KILL	(CMD_LONG + 3)
#define OPT_WAIT	(CMD_LONG + 4)
#define OPT_DUE		(CMD_LONG + 5)
#define RUN_WAIT_S	30	/* for processes of an interrupted run */

static const struct cmd_option options[] = {
	{ OPT_DUE, "due", NULL, NULL, 0,
	    "run every automatic change that is due now, then exit" },
	{ OPT_OPERATOR, "operator", "NAME", NULL, 0,
	    "who runs it (default: git user.email, else $USER)" },
	{ OPT_RESUME, "resume", NULL, NULL, 0,
	    "continue an interrupted run from its first unfinished phase" },
	{ OPT_KEY, "key", "FILE", NULL, 0,
	    "sign the run with this SSH key (default: git config user.signingkey)" },
	{ OPT_KILL, "kill-orphans", NULL, NULL, 0,
	    "resume: end processes of the interrupted run first (TERM, then KILL)" },
	{ OPT_WAIT, "wait", "SECONDS", NULL, 0,
	    "resume: how long they may take to end before it refuses (default 30)" },
	{ 0 }
};

/* What run --due did, for its summary. */
struct due_tally {
	size_t	 completed, rolled_back, failed, deferred, refused, raced;
	int	 worst;		/* the exit code to give */
};

static void
tally(struct due_tally *t, const char *id, int rc, const char *cause,
    struct session *s)
{
	const struct plan_state *ps = state_find(&s->st, id);
	const char *outcome = ps != NULL && ps->run.outcome != NULL ?
	    ps->run.outcome : "";

	if (rc == EXIT_DONE)
		t->completed++;
	else if (rc == EXIT_FAILED && strcmp(outcome, "rolled-back") == 0)
		t->rolled_back++;
	else if (rc == EXIT_FAILED)
		t->failed++;
	else if (strcmp(outcome, "deferred") == 0)
		t->deferred++;
	else if (rc == EXIT_RACE)
		t->raced++;
	else
		t->refused++;
	if (rc != EXIT_DONE && cause != NULL)
		cmd_error("%s: %s", id, cause);
	if (rc == EXIT_FAILED || (rc > t->worst && t->worst != EXIT_FAILED &&
	    rc != EXIT_INVALID))
		t->worst = rc;
}

/*
 * run --due: every automatic change whose slot is open and whose gates
 * pass, in slot order, one after another, while fewer than max_concurrent
 * runs are in progress anywhere (the state branch counts them; the lock
 * commit decides between machines).
 */
static int
run_due_all(struct ctx *ctx, struct run_opts *ro,
    const struct run_events *ev)
{
	struct due_tally t;
	struct session s;
	char	**due, **tried = NULL, *cause;
	size_t	 running, i, ntried = 0, n;
	int	 rc, started;

	memset(&t, 0, sizeof t);
	for (;;) {
		if ((rc = cmd_session_open(&s, ctx, "run")) != EXIT_DONE)
			return rc;
		session_reconcile(&s);
		due = run_due(&s, &running);
		for (i = 0; due[i] != NULL; i++) {
			for (n = 0; n < ntried && strcmp(tried[n], due[i]) != 0; n++)
				;
			if (n == ntried)
				break;
		}
		started = due[i] != NULL && running < (size_t)s.chk.policy->max_concurrent;
		if (due[i] != NULL && !started)
			printf("run: max_concurrent %d reached; %s waits for the "
			    "next --due\n", s.chk.policy->max_concurrent, due[i]);
		if (started) {
			tried = xreallocarray(tried, ntried + 1, sizeof *tried);
			tried[ntried++] = xstrdup(due[i]);
			cause = NULL;
			rc = cmd_exit(run_change(&s, due[i], ro, ev, &cause));
			tally(&t, due[i], rc, cause, &s);
			free(cause);
		}
		strv_free(due);
		session_close(&s);
		if (!started || stop_requested)
			break;
	}
	for (i = 0; i < ntried; i++)
		free(tried[i]);
	free(tried);
	printf("run --due: %zu started: %zu completed, %zu rolled back, %zu "
	    "failed, %zu deferred by their precheck, %zu refused, %zu lost to "
	    "another machine\n", ntried, t.completed, t.rolled_back, t.failed,
	    t.deferred, t.refused, t.raced);
	return t.worst;
}

static int
cmd_run_exec(struct ctx *ctx, const struct cmd_args *args)
{
	const char *id = args->argv[0], *op = cmd_value(args, OPT_OPERATOR), *v;
	struct run_events ev = { print_output, print_progress, NULL };
	struct run_opts ro;
	struct session s;
	struct sigaction sa;
	char	*cause = NULL, *who = NULL, *key = NULL;
	int	 rc, due = cmd_given(args, OPT_DUE);

	memset(&ro, 0, sizeof ro);
	ro.resume = cmd_given(args, OPT_RESUME);
	ro.kill_orphans = cmd_given(args, OPT_KILL);
	ro.wait_ms = RUN_WAIT_S * 1000;
	if (due && (args->argc != 0 || ro.resume))
		return cmd_usage_error(&cmd_run_entry, "--due runs every change "
		    "that is due: give no ID, and no --resume");
	if (!due && args->argc != 1)
		return cmd_usage_error(&cmd_run_entry, "give the ID of the change "
		    "to run, or --due");
	if ((v = cmd_value(args, OPT_WAIT)) != NULL) {
		char	*end;
		long	 w = strtol(v, &end, 10);

		if (*v == '\0' || *end != '\0' || w < 0 || w > 86400)
			return cmd_usage_error(&cmd_run_entry, "--wait: '%s' is "
			    "not a number of seconds from 0 to 86400", v);
		ro.wait_ms = (int64_t)w * 1000;
	}
	if ((ro.kill_orphans || cmd_given(args, OPT_WAIT)) && !ro.resume)
		return cmd_usage_error(&cmd_run_entry, "--kill-orphans and --wait "
		    "go with --resume");
	if (op != NULL && (*op == '\0' || str_find_control(op, NULL, NULL) != NULL))
		return cmd_usage_error(&cmd_run_entry,
		    "--operator must be one line of text");
	if ((rc = cmd_session_open(&s, ctx, "run")) != EXIT_DONE)
		return rc;
	if (s.trust.required) {
		if (signing_operator(&s, op, cmd_value(args, OPT_KEY), &who,
		    &key, &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
			session_close(&s);
			return EXIT_INVALID;
		}
	} else
		who = operator_name(&s, op);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ro.operator = who;
	ro.key = key;
	ro.grace_ms = 10000;
	ro.stop = &stop_requested;
	if (due) {
		session_close(&s);
		rc = run_due_all(ctx, &ro, &ev);
	} else {
		rc = cmd_exit(run_change(&s, id, &ro, &ev, &cause));
		if (rc == EXIT_DONE)
			printf("run: %s completed\n", id);
		else if (cause != NULL)
			cmd_error("%s", cause);
		session_close(&s);
	}
	free(cause);
	free(who);
	free(key);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.args = "[ID]",
	.min_args = 0,
	.max_args = 1,
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_FAILED) |
	    CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "execute one approved change (gates, backup, steps, verify, rollback)",
	.help =
	    "Refuses (exit 1, naming the gate) unless the plan is approved for its\n"
	    "current revision, scheduled, now is inside its slot, its notice has\n"
	    "held, no freeze is in force and it has not completed; then takes the\n"
	    "run lock (a state commit; a second operator gets exit 4) and runs, from\n"
	    "an export of the plan's own revision: the precheck (the plan's, then\n"
	    "the policy's for its groups; when it fails nothing is changed, the\n"
	    "run is recorded as deferred, the slot is kept, exit 1), the backup\n"
	    "hook (which must exit 0 and leave a manifest at\n"
	    "$OFFPEAK_BACKUP_MANIFEST), the steps in order (a step whose timeout\n"
	    "would pass the slot's end is not started; one without a timeout may\n"
	    "take the rest of the slot), the verification hooks and HTTP checks,\n"
	    "and the rollback hook when any of them failed, then the verification\n"
	    "again unless the plan says \"verify_after_rollback\": false (exit 3:\n"
	    "rolled back, verified; rolled back, verification FAILED; or the\n"
	    "rollback failed). A hook past its timeout gets SIGTERM, then SIGKILL\n"
	    "after 10 s (or its timeout, when shorter). Ctrl-C, or 'offpeak abort'\n"
	    "from any clone (seen within seconds), ends the running hook, starts no\n"
	    "further step and rolls back. The maintenance record is committed as\n"
	    "every phase begins and ends, so a run that is killed can be resumed or\n"
	    "cancelled.\n\n"
	    "--due runs, one after another in slot order, every change whose plan\n"
	    "says \"execution\": \"automatic\" and whose slot is open and notice\n"
	    "held, while fewer than the policy's max_concurrent run anywhere; a\n"
	    "manual change is never started by it. It prints one summary line;\n"
	    "its exit status is the worst of its changes' (3 when one rolled back\n"
	    "or failed), where a refusal or a deferral counts as 0: a deferred\n"
	    "change is tried again at the next --due inside its slot. The\n"
	    "offpeak-run-due timer runs it every minute.\n\n"
	    "When the policy names \"operators\", only they may run the change\n"
	    "(per group where it says so). With \"signing\": \"required\", the\n"
	    "operator is the principal the allowed-signers file gives the signing\n"
	    "key (--key FILE, else git config user.signingkey), and the lock commit\n"
	    "carries the operator's signed statement of the plan, its revision, the\n"
	    "run and the slot (namespace offpeak-run); a resume signs one too.\n\n"
	    "A run owns its lock for as long as it and every process it started\n"
	    "live: each hook inherits it. --resume takes over only a run of this\n"
	    "host whose offpeak process is gone (the recorded pid with its start\n"
	    "time); while hooks of the old run still live it waits for them\n"
	    "(--wait, default 30 s), then refuses naming them (exit 4), or with\n"
	    "--kill-orphans ends them (TERM, then KILL after 10 s) and records\n"
	    "that it did. Hooks of a resumed run get OFFPEAK_RESUMED=1: a step\n"
	    "cut short by the kill may run again (at least once).\n\n"
	    "--resume continues an interrupted run from its first unfinished\n"
	    "phase (the backup again if it had not finished, the rollback if it\n"
	    "had begun), with the plan and hooks of the commit it began at; until\n"
	    "then, or a cancel, run refuses (exit 1).\n",
	.exec = cmd_run_exec
};
