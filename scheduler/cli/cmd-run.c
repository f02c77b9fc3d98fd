/* offpeak run: execute one approved change in its slot */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "repo.h"
#include "run.h"
#include "session.h"
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

static int
cmd_run_exec(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "operator", required_argument, NULL, 'o' },
		{ "resume", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run_events ev = { print_output, print_progress, NULL };
	struct run_opts ro;
	struct session s;
	struct sigaction sa;
	const char *op = NULL;
	char	*cause = NULL, *who;
	int	 c, rc;

	memset(&ro, 0, sizeof ro);
	while ((c = cmd_getopt(&cmd_run_entry, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'o': op = optarg; break;
		case 'r': ro.resume = 1; break;
		case 'h': return cmd_help(&cmd_run_entry);
		default: return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cmd_usage(&cmd_run_entry);
	if (op != NULL && (*op == '\0' || str_find_control(op, NULL, NULL) != NULL)) {
		cmd_error("run: --operator must be one line of text");
		return EXIT_USAGE;
	}
	if ((rc = cmd_session_open(&s, ctx, "run")) != EXIT_DONE)
		return rc;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	who = operator_name(&s, op);
	ro.operator = who;
	ro.grace_ms = 10000;
	ro.stop = &stop_requested;
	rc = run_change(&s, argv[optind], &ro, &ev, &cause);
	if (rc == EXIT_DONE)
		printf("run: %s completed\n", argv[optind]);
	else if (cause != NULL)
		cmd_error("%s", cause);
	free(cause);
	free(who);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "ID [--operator NAME] [--resume]",
	.summary = "execute one approved change (gates, backup, steps, verify, rollback)",
	.help =
	    "Refuses (exit 1, naming the gate) unless the plan is approved for its\n"
	    "current revision, scheduled, now is inside its slot, its notice has\n"
	    "held, no freeze is in force and it has not completed; then takes the\n"
	    "run lock (a state commit; a second operator gets exit 4) and runs, from\n"
	    "an export of the plan's own revision: the backup hook (which must exit\n"
	    "0 and leave a manifest at $OFFPEAK_BACKUP_MANIFEST), the steps in order\n"
	    "(a step whose timeout would pass the slot's end is not started; one\n"
	    "without a timeout may take the rest of the slot), the verification\n"
	    "hooks and HTTP checks, and the rollback hook when any of them failed\n"
	    "(exit 3, saying whether the rollback succeeded). A hook past its\n"
	    "timeout gets SIGTERM, then SIGKILL after 10 s (or its timeout, when\n"
	    "shorter). Ctrl-C ends the running hook, starts no further step and\n"
	    "rolls back. The maintenance record is committed as every phase begins\n"
	    "and ends, so a run that is killed can be resumed or cancelled.\n\n"
	    "  --operator NAME   who runs it (default: git user.email, else $USER)\n"
	    "  --resume          continue an interrupted run from its first\n"
	    "                    unfinished phase (the backup again if it had not\n"
	    "                    finished, the rollback if it had begun), with\n"
	    "                    the plan and hooks of the commit it began at\n"
	    "\n"
	    "exit status: 0 completed; 1 refused by a gate (or an interrupted run\n"
	    "waits for --resume or cancel); 3 the change failed; 4 another run\n"
	    "holds the lock or took it first; 5 environment.\n",
	.exec = cmd_run_exec
};
