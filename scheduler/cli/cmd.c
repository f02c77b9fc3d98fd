/* cli: the command table, lookup and shared helpers for commands */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "datetime.h"
#include "session.h"
#include "tz.h"
#include "util.h"

const struct cmd_entry *cmd_table[] = {
	&cmd_init_entry,
	&cmd_demo_entry,
	&cmd_check_entry,
	&cmd_assess_entry,
	&cmd_approve_entry,
	&cmd_schedule_entry,
	&cmd_status_entry,
	&cmd_run_entry,
	&cmd_cancel_entry,
	&cmd_log_entry,
	&cmd_report_entry,
	&cmd_calendar_entry,
	&cmd_serve_entry,
	&cmd_publish_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name, int *ambiguous)
{
	const struct cmd_entry **e, *found = NULL;
	size_t	 n = strlen(name);

	*ambiguous = 0;
	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0)
			return *e;
		if (strncmp((*e)->name, name, n) == 0) {
			if (found != NULL)
				*ambiguous = 1;
			found = *e;
		}
	}
	return *ambiguous ? NULL : found;
}

void
cmd_error(const char *fmt, ...)
{
	va_list	 ap;

	fputs("offpeak: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cmd_usage(const struct cmd_entry *e)
{
	fprintf(stderr, "usage: offpeak [-C REPO] [--now TIME] [--json] "
	    "[--offline] %s%s%s\n", e->name, *e->usage ? " " : "", e->usage);
	return EXIT_USAGE;
}

int
cmd_help(const struct cmd_entry *e)
{
	printf("usage: offpeak [-C REPO] [--now TIME] [--json] [--offline] "
	    "%s%s%s\n\n%s\n", e->name, *e->usage ? " " : "", e->usage, e->summary);
	if (e->help != NULL)
		printf("\n%s", e->help);
	return EXIT_DONE;
}

int
cmd_getopt(const struct cmd_entry *e, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	int	 c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts,
	    longopts != NULL ? longopts : help_only, NULL);
	if (c == '?' || c == ':') {
		if (optopt != 0 && c == ':')
			cmd_error("%s: option -%c needs a value", e->name, optopt);
		else if (optopt != 0)
			cmd_error("%s: unknown option -%c", e->name, optopt);
		else
			cmd_error("%s: unknown option '%s'", e->name,
			    argv[optind - 1]);
		cmd_usage(e);
		return '?';
	}
	return c;
}

static int
session_open_flags(struct session *s, const struct ctx *ctx,
    const char *command, int flags)
{
	char	*cause = NULL, *line;
	size_t	 i;
	int	 rc;

	rc = session_open(s, ctx->repo_path, ctx->now, flags |
	    (ctx->simulated ? SESSION_SIMULATED : 0) |
	    (ctx->offline ? SESSION_OFFLINE : 0), &cause);
	if (s->warning != NULL)
		cmd_error("warning: %s", s->warning);
	cmd_print_warnings(s->st.warnings);
	s->st.command = command;
	if (rc == EXIT_INVALID) {
		for (i = 0; i < s->chk.diags.n; i++) {
			line = diag_format(&s->chk.diags.items[i]);
			cmd_error("%s", line);
			free(line);
		}
		cmd_error("the plans do not pass 'offpeak check'; nothing was done");
	} else if (rc != EXIT_DONE) {
		cmd_error("%s", cause);
		free(cause);
	}
	if (rc != EXIT_DONE)
		session_close(s);
	return rc;
}

int
cmd_session_open(struct session *s, const struct ctx *ctx, const char *command)
{
	return session_open_flags(s, ctx, command, 0);
}

int
cmd_session_read(struct session *s, const struct ctx *ctx, const char *command)
{
	return session_open_flags(s, ctx, command, SESSION_READONLY);
}

int
cmd_no_plan(const struct session *s, const char *id)
{
	char	*msg = session_no_plan(s, id);

	cmd_error("%s", msg);
	free(msg);
	return EXIT_INVALID;
}

int
cmd_session_commit(struct session *s, const struct store_file *extra, size_t n)
{
	char	*cause = NULL;
	int	 rc;

	if ((rc = session_commit(s, extra, n, &cause)) != EXIT_DONE) {
		cmd_error("%s", cause);
		free(cause);
	}
	return rc;
}

char *
cmd_local_time(int64_t t, const char *zone)
{
	const struct tz *z = NULL;
	struct civil c;
	char	*cause = NULL;
	int	 off = 0;

	if (zone != NULL)
		z = tz_get(zone, &cause);
	free(cause);
	if (z != NULL)
		tz_utc_to_local(z, t, &c, &off);
	else
		utc_to_civil(t, &c);
	return xasprintf("%04d-%02d-%02d %02d:%02d %s (%s)", c.year, c.month,
	    c.day, c.hour, c.minute, z != NULL ? tz_abbr_at(z, t) : "UTC",
	    z != NULL ? zone : "UTC");
}

void
cmd_print_warnings(char *const *w)
{
	for (; w != NULL && *w != NULL; w++)
		cmd_error("warning: %s", *w);
}
