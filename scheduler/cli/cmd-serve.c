/* offpeak serve: the feeds, a status page and its JSON over HTTP */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "serve.h"
#include "util.h"

static void
log_line(void *arg, const char *line)
{
	/* one write per line: lines from several threads do not mix */
	fprintf(stderr, "offpeak: %s\n", line);
}

static int
number(const char *s, long max, long *out)
{
	char	*end;

	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && *out >= 0 && *out <= max ? 0 : -1;
}

/* Serve until SIGTERM or SIGINT, reloading as the state moves. */
static int
serve_loop(struct serve_options *o)
{
	struct server *sv;
	struct timespec tick = { 1, 0 };
	sigset_t set;
	char	*cause = NULL;
	int	 rc, sig;

	/* every thread inherits the mask; only sigtimedwait takes them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((rc = cmd_exit(serve_start(o, &sv, &cause))) != EXIT_DONE) {
		cmd_error("serve: %s", cause);
		free(cause);
		return rc;
	}
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		serve_poll(sv);
	}
	cmd_error("serve: %s: finishing requests in flight",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	serve_stop(sv);
	return EXIT_DONE;
}

#define OPT_MAX_CONN	CMD_LONG
#define OPT_PER_IP	(CMD_LONG + 1)
#define OPT_HEADER_TO	(CMD_LONG + 2)
#define OPT_IDLE_TO	(CMD_LONG + 3)

static const struct cmd_option options[] = {
	{ 'l', "listen", "ADDR:PORT", NULL, 0, "where to listen (default "
	    SERVE_LISTEN "; [::1]:8080 for IPv6, port 0 for any)" },
	{ 'f', "fetch-interval", "SECONDS", NULL, 0,
	    "fetch from origin this often (default 60; 0 never)" },
	{ 't', "threads", "N", NULL, 0, "worker threads (default: one per core)" },
	{ 'v', "verbose", NULL, NULL, 0, "log every request" },
	{ OPT_MAX_CONN, "max-connections", "N", NULL, 0,
	    "connections at once (default 4096)" },
	{ OPT_PER_IP, "max-per-ip", "N", NULL, 0, "connections at once from "
	    "one address, 127.0.0.1 and ::1 aside (default 64; 0 no limit)" },
	{ OPT_HEADER_TO, "header-timeout", "SECONDS", NULL, 0,
	    "a request's line and headers must arrive within this (default 10)" },
	{ OPT_IDLE_TO, "idle-timeout", "SECONDS", NULL, 0, "a kept-alive "
	    "connection's wait for its next request, and the longest silence "
	    "while one is answered (default 15)" },
	{ 0 }
};

/* A numeric option from 0 to max; -1 after the usage error. */
static int
number_option(const struct cmd_args *args, int key, const char *name,
    long max, long *out)
{
	const char *v = cmd_value(args, key);

	if (v == NULL)
		return 0;
	if (number(v, max, out) != 0) {
		cmd_usage_error(&cmd_serve_entry, "--%s: '%s' is not a number "
		    "from 0 to %ld", name, v, max);
		return -1;
	}
	return 1;
}

static int
cmd_serve_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct serve_options o;
	long	 n;
	int	 rc;

	memset(&o, 0, sizeof o);
	o.repo_path = ctx->repo_path;
	o.listen = SERVE_LISTEN;
	o.now = ctx->now;
	o.simulated = ctx->simulated;
	o.offline = ctx->offline;
	o.fetch_interval = SERVE_FETCH_INTERVAL;
	o.log = log_line;
	if (cmd_value(args, 'l') != NULL)
		o.listen = cmd_value(args, 'l');
	if ((rc = number_option(args, 'f', "fetch-interval", 86400, &n)) < 0)
		return EXIT_USAGE;
	if (rc > 0)
		o.fetch_interval = (int)n;
	if ((rc = number_option(args, 't', "threads", 64, &n)) < 0)
		return EXIT_USAGE;
	if (rc > 0)
		o.threads = (unsigned)n;
	o.max_per_ip = SERVE_MAX_PER_IP;
	if ((rc = number_option(args, OPT_MAX_CONN, "max-connections", 1000000,
	    &n)) < 0)
		return EXIT_USAGE;
	if (rc > 0 && n < 1)
		return cmd_usage_error(&cmd_serve_entry, "--max-connections: at "
		    "least 1");
	if (rc > 0)
		o.max_connections = (unsigned)n;
	if ((rc = number_option(args, OPT_PER_IP, "max-per-ip", 1000000,
	    &n)) < 0)
		return EXIT_USAGE;
	if (rc > 0)
		o.max_per_ip = (unsigned)n;
	if ((rc = number_option(args, OPT_HEADER_TO, "header-timeout", 3600,
	    &n)) < 0)
		return EXIT_USAGE;
	if (rc > 0 && n < 1)
		return cmd_usage_error(&cmd_serve_entry, "--header-timeout: at "
		    "least 1 second");
	if (rc > 0)
		o.header_timeout = (unsigned)n;
	if ((rc = number_option(args, OPT_IDLE_TO, "idle-timeout", 3600,
	    &n)) < 0)
		return EXIT_USAGE;
	if (rc > 0 && n < 1)
		return cmd_usage_error(&cmd_serve_entry, "--idle-timeout: at "
		    "least 1 second");
	if (rc > 0)
		o.idle_timeout = (unsigned)n;
	o.verbose = cmd_given(args, 'v');
	return serve_loop(&o);
}

const struct cmd_entry cmd_serve_entry = {
	.name = "serve",
	.options = options,
	.exits = CMD_EXIT(EXIT_ENV),
	.summary = "serve the feeds, a status page and its JSON over HTTP",
	.help =
	    "Answers from the state branch and the policy at HEAD, rendered once\n"
	    "per version of the state:\n"
	    "  /                               the status page: upcoming changes,\n"
	    "                                  changes running, recent outcomes,\n"
	    "                                  windows and freezes, subscribe links\n"
	    "  /api/status.json                the same as JSON\n"
	    "  /calendar/all.ics               the feeds of 'offpeak calendar':\n"
	    "  /calendar/windows.ics           also systems/<name>.ics and\n"
	    "                                  groups/<name>.ics (404 when the\n"
	    "                                  policy has \"public_feeds\": false)\n"
	    "  /calendar/private/TOKEN/all.ics a subscriber's changes only\n"
	    "  /healthz                        \"ok\" and the state commit\n"
	    "Feeds carry ETag and Last-Modified and answer If-None-Match and\n"
	    "If-Modified-Since with 304; gzip when the client accepts it. The\n"
	    "refs are looked at every 2 seconds and everything is rendered\n"
	    "again when the state branch or the plans moved; with an origin\n"
	    "remote (and without --offline) it is also fetched on an interval.\n"
	    "Under the real clock the feeds are rendered again every minute, so a\n"
	    "change turns CONFIRMED when its notice period ends; --now fixes the\n"
	    "clock. SIGTERM or SIGINT stops it after the requests in flight.\n\n"
	    "Built to face many clients and hostile ones: a request must arrive\n"
	    "whole (line and headers) within --header-timeout of the connection\n"
	    "opening (or of its request line, on a kept-alive connection), so\n"
	    "slow senders are dropped; a kept-alive connection waits at most\n"
	    "--idle-timeout for its next request; one address holds at most\n"
	    "--max-per-ip connections (a reverse proxy on 127.0.0.1 or ::1 is\n"
	    "not limited: limit at the proxy). A request line over 32 KiB gets\n"
	    "414 (a path over 1024 bytes too), headers over 32 KiB 431, a body\n"
	    "on a GET 413, another method 405 (its body never read), a path with\n"
	    "a NUL or control byte, raw or %-encoded, 400; such a connection is\n"
	    "drained for 2 s before it closes, so the client reads the answer.\n"
	    "With -v every request is logged, each byte from the client escaped\n"
	    "and nothing under /calendar/private/ past the word private.\n",
	.exec = cmd_serve_exec
};
