/* cli: the command table, lookup and shared helpers for commands */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "util.h"

const struct cmd_entry *cmd_table[] = {
	&cmd_init_entry,
	&cmd_demo_entry,
	&cmd_check_entry,
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
	fprintf(stderr, "usage: offpeak [-C REPO] [--now TIME] [--json] %s%s%s\n",
	    e->name, *e->usage ? " " : "", e->usage);
	return EXIT_USAGE;
}

int
cmd_help(const struct cmd_entry *e)
{
	printf("usage: offpeak [-C REPO] [--now TIME] [--json] %s%s%s\n\n%s\n",
	    e->name, *e->usage ? " " : "", e->usage, e->summary);
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
