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
	&cmd_abort_entry,
	&cmd_cancel_entry,
	&cmd_log_entry,
	&cmd_report_entry,
	&cmd_audit_entry,
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
cmd_exit(enum outcome o)
{
	switch (o) {
	case OUT_OK:
		return EXIT_DONE;
	case OUT_INVALID:
		return EXIT_INVALID;
	case OUT_BADARG:
		return EXIT_USAGE;
	case OUT_FAILED:
		return EXIT_FAILED;
	case OUT_RACE:
		return EXIT_RACE;
	case OUT_ENV:
	default:
		return EXIT_ENV;
	}
}

#define GLOBALS	"[-C REPO] [--now TIME] [--json] [--offline]"

static const char *const exit_meanings[] = {
	"done",
	"invalid input, or refused by a gate (the message names which)",
	"usage: the command line is wrong",
	"the change ran and failed (the message says whether the rollback "
	    "succeeded)",
	"lost a race: the state moved, or the lock is held elsewhere",
	"environment: repository, file system, network"
};

static size_t
noptions(const struct cmd_entry *e)
{
	size_t	 n = 0;

	while (e->options != NULL && e->options[n].key != 0)
		n++;
	return n;
}

static int
option_index(const struct cmd_entry *e, int key)
{
	size_t	 i;

	for (i = 0; i < noptions(e); i++)
		if (e->options[i].key == key)
			return (int)i;
	return -1;
}

const char *
cmd_value(const struct cmd_args *a, int key)
{
	int	 i = option_index(a->entry, key);

	return i >= 0 && a->given[i] ? a->value[i] : NULL;
}

int
cmd_given(const struct cmd_args *a, int key)
{
	int	 i = option_index(a->entry, key);

	return i >= 0 && a->given[i];
}

/* "-m MSG", "--format text|json|csv", "--resume". */
static void
add_option_form(struct buf *b, const struct cmd_option *o, int short_form)
{
	size_t	 i;

	if (short_form && o->key < CMD_LONG)
		buf_addf(b, "-%c", o->key);
	else
		buf_addf(b, "--%s", o->name);
	if (o->value == NULL)
		return;
	buf_addc(b, ' ');
	if (o->choices == NULL) {
		buf_adds(b, o->value);
		return;
	}
	for (i = 0; o->choices[i] != '\0'; i++)
		buf_addc(b, o->choices[i] == ' ' ? '|' : o->choices[i]);
}

char *
cmd_synopsis(const struct cmd_entry *e)
{
	struct buf b = BUF_INIT;
	size_t	 i;

	buf_adds(&b, e->name);
	if (e->args != NULL && *e->args != '\0')
		buf_addf(&b, " %s", e->args);
	for (i = 0; i < noptions(e); i++) {
		buf_adds(&b, e->options[i].required ? " " : " [");
		add_option_form(&b, &e->options[i], 1);
		if (!e->options[i].required)
			buf_addc(&b, ']');
	}
	return buf_detach(&b, NULL);
}

static void
print_usage(FILE *f, const struct cmd_entry *e)
{
	char	*syn = cmd_synopsis(e);

	fprintf(f, "usage: offpeak " GLOBALS " %s\n", syn);
	free(syn);
}

int
cmd_usage(const struct cmd_entry *e)
{
	print_usage(stderr, e);
	return EXIT_USAGE;
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cmd_error("%s: %s", e->name, msg);
	free(msg);
	return cmd_usage(e);
}

int
cmd_help(const struct cmd_entry *e)
{
	struct buf b = BUF_INIT;
	size_t	 i;
	unsigned exits = e->exits | CMD_EXIT(EXIT_DONE) | CMD_EXIT(EXIT_USAGE);

	print_usage(stdout, e);
	printf("\n%s\n", e->summary);
	if (e->help != NULL)
		printf("\n%s", e->help);
	printf("\noptions:\n");
	for (i = 0; i < noptions(e); i++) {
		buf_reset(&b);
		if (e->options[i].key < CMD_LONG)
			buf_addf(&b, "-%c, ", e->options[i].key);
		add_option_form(&b, &e->options[i], 0);
		printf("  %-28s %s%s\n", buf_str(&b), e->options[i].help,
		    e->options[i].required ? " (required)" : "");
	}
	printf("  %-28s %s\n", "-h, --help", "this help");
	buf_release(&b);
	printf("\nexit codes:\n");
	for (i = 0; i < nitems(exit_meanings); i++)
		if (exits & CMD_EXIT(i))
			printf("  %zu  %s\n", i, exit_meanings[i]);
	return EXIT_DONE;
}

/* "text, json, csv" from "text json csv". */
static char *
choice_list(const char *choices)
{
	struct buf b = BUF_INIT;
	size_t	 i;

	for (i = 0; choices[i] != '\0'; i++) {
		if (choices[i] == ' ')
			buf_adds(&b, ", ");
		else
			buf_addc(&b, choices[i]);
	}
	return buf_detach(&b, NULL);
}

static int
among(const char *choices, const char *v)
{
	size_t	 n = strlen(v);
	const char *p = choices;

	while (n > 0 && *p != '\0') {
		if (strncmp(p, v, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return 0;
}

/* The option getopt says is missing its value. */
static int
missing_value(const struct cmd_entry *e, char **argv, int key)
{
	int	 i = option_index(e, key);
	const struct cmd_option *o;
	char	*list;

	if (i < 0)
		return cmd_usage_error(e, "an option needs a value");
	o = &e->options[i];
	list = o->choices != NULL ? choice_list(o->choices) : xstrdup(o->value);
	cmd_error("%s: option '%s' needs a value (%s)", e->name,
	    argv[optind - 1] != NULL && argv[optind - 1][0] == '-' ?
	    argv[optind - 1] : o->name, list);
	free(list);
	return cmd_usage(e);
}

static int
unknown_option(const struct cmd_entry *e, char **argv)
{
	struct buf b = BUF_INIT;
	size_t	 i;
	char	*typed;
	int	 rc;

	if (optopt != 0 && optopt < CMD_LONG)
		typed = xasprintf("-%c", optopt);
	else
		typed = xstrdup(argv[optind - 1]);
	typed[strcspn(typed, "=")] = '\0';
	for (i = 0; i < noptions(e); i++)
		buf_addf(&b, "%s--%s", i ? ", " : "", e->options[i].name);
	if (noptions(e) == 0)
		rc = cmd_usage_error(e, "unknown option '%s' (it takes none "
		    "but --help)", typed);
	else
		rc = cmd_usage_error(e, "unknown option '%s' (it takes %s)",
		    typed, buf_str(&b));
	buf_release(&b);
	free(typed);
	return rc;
}

/* Values among their choices, required options given, operands counted. */
static int
check_args(const struct cmd_entry *e, const struct cmd_args *a)
{
	const struct cmd_option *o;
	char	*list, *form;
	struct buf b = BUF_INIT;
	size_t	 i;

	for (i = 0; i < noptions(e); i++) {
		o = &e->options[i];
		if (a->given[i] && o->choices != NULL &&
		    !among(o->choices, a->value[i])) {
			list = choice_list(o->choices);
			cmd_usage_error(e, "unknown %s '%s' (%s)", o->name,
			    a->value[i], list);
			free(list);
			return EXIT_USAGE;
		}
		if (!a->given[i] && o->required) {
			add_option_form(&b, o, 1);
			form = buf_detach(&b, NULL);
			cmd_usage_error(e, "%s is required: %s", form, o->help);
			free(form);
			return EXIT_USAGE;
		}
	}
	if (a->argc < e->min_args)
		return cmd_usage_error(e, "missing %s", e->args);
	if (e->max_args >= 0 && a->argc > e->max_args) {
		if (e->max_args == 0)
			return cmd_usage_error(e, "unexpected argument '%s' "
			    "(it takes none)", a->argv[e->max_args]);
		return cmd_usage_error(e, "unexpected argument '%s' (it takes "
		    "%s)", a->argv[e->max_args], e->args);
	}
	return EXIT_DONE;
}

int
cmd_run(const struct cmd_entry *e, struct ctx *ctx, int argc, char **argv)
{
	struct option longopts[CMD_MAX_OPTIONS + 2];
	struct cmd_args a;
	struct buf shortopts = BUF_INIT;
	size_t	 i, n = noptions(e);
	int	 c, k, rc;

	if (n > CMD_MAX_OPTIONS)
		abort();	/* a table larger than the parser: a build error */
	memset(&a, 0, sizeof a);
	a.entry = e;
	buf_adds(&shortopts, ":h");
	for (i = 0; i < n; i++) {
		longopts[i].name = e->options[i].name;
		longopts[i].has_arg = e->options[i].value != NULL ?
		    required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = e->options[i].key;
		if (e->options[i].key < CMD_LONG)
			buf_addf(&shortopts, "%c%s", e->options[i].key,
			    e->options[i].value != NULL ? ":" : "");
	}
	longopts[n].name = "help";
	longopts[n].has_arg = no_argument;
	longopts[n].flag = NULL;
	longopts[n].val = 'h';
	memset(&longopts[n + 1], 0, sizeof longopts[n + 1]);
	opterr = 0;
	optind = 0;
	rc = -1;
	while (rc < 0 && (c = getopt_long(argc, argv, buf_str(&shortopts),
	    longopts, NULL)) != -1) {
		if (c == 'h' && option_index(e, 'h') < 0)
			rc = cmd_help(e);
		else if (c == ':')
			rc = missing_value(e, argv, optopt);
		else if (c == '?')
			rc = unknown_option(e, argv);
		else if ((k = option_index(e, c)) >= 0) {
			a.given[k] = 1;
			a.value[k] = optarg;
		}
	}
	buf_release(&shortopts);
	if (rc >= 0)
		return rc;
	a.argc = argc - optind;
	a.argv = argv + optind;
	if ((rc = check_args(e, &a)) != EXIT_DONE)
		return rc;
	return e->exec(ctx, &a);
}

static int
session_open_flags(struct session *s, const struct ctx *ctx,
    const char *command, int flags)
{
	char	*cause = NULL, *line;
	size_t	 i;
	int	 rc;

	rc = cmd_exit(session_open(s, ctx->repo_path, ctx->now, flags |
	    (ctx->simulated ? SESSION_SIMULATED : 0) |
	    (ctx->offline ? SESSION_OFFLINE : 0), &cause));
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

	if ((rc = cmd_exit(session_commit(s, extra, n, &cause))) != EXIT_DONE) {
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
