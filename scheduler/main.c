/* offpeak: upgrade and change-window scheduler */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "datetime.h"
#include "util.h"

static void
usage(FILE *f)
{
	const struct cmd_entry **e;

	fprintf(f, "usage: offpeak [-C REPO] [--now TIME] [--json] [--offline] COMMAND [ARGS]\n\n"
	    "Plan, approve, schedule, announce and run upgrades in off-peak windows.\n\n"
	    "commands:\n");
	for (e = cmd_table; *e != NULL; e++)
		fprintf(f, "  %-10s %s\n", (*e)->name, (*e)->summary);
	fprintf(f, "\noptions:\n"
	    "  -C REPO       the plan repository (default: current directory)\n"
	    "  --now TIME    use TIME (RFC 3339) as the clock; also OFFPEAK_NOW\n"
	    "  --json        machine-readable output on stdout\n"
	    "  --offline     do not fetch from or push to origin\n"
	    "  --version     print the version\n\n"
	    "Run 'offpeak help COMMAND' (or 'offpeak COMMAND --help') for a\n"
	    "command's options and exit codes.\n");
}

/* offpeak help [COMMAND] */
static int
help(int argc, char **argv)
{
	const struct cmd_entry *e;
	int	 ambiguous;

	if (argc == 1) {
		usage(stdout);
		return EXIT_DONE;
	}
	if (argc > 2) {
		cmd_error("help: one command at most");
		return EXIT_USAGE;
	}
	if ((e = cmd_find(argv[1], &ambiguous)) == NULL) {
		cmd_error("help: %s command: %s", ambiguous ? "ambiguous" :
		    "unknown", argv[1]);
		return EXIT_USAGE;
	}
	return cmd_help(e);
}

static int
set_clock(struct ctx *ctx, const char *arg)
{
	char	*cause;

	if (dt_parse_instant(arg, &ctx->now, NULL, &cause) != 0) {
		cmd_error("--now: %s", cause);
		free(cause);
		return -1;
	}
	ctx->simulated = 1;
	return 0;
}

/*
 * The global options: the index of the command word in *first, and
 * EXIT_DONE to go on; another exit code to stop (done says that --help or
 * --version answered).
 */
static int
parse_global(struct ctx *ctx, int argc, char **argv, int *first, int *done)
{
	static const struct option opts[] = {
		{ "now", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "offline", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *env;
	int	 c;

	*done = 0;
	if ((env = getenv("OFFPEAK_NOW")) != NULL && *env != '\0' &&
	    set_clock(ctx, env) != 0)
		return EXIT_USAGE;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+C:", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			ctx->repo_path = optarg;
			break;
		case 'n':
			if (set_clock(ctx, optarg) != 0)
				return EXIT_USAGE;
			break;
		case 'j':
			ctx->json = 1;
			break;
		case 'o':
			ctx->offline = 1;
			break;
		case 'h':
			usage(stdout);
			*done = 1;
			return EXIT_DONE;
		case 'V':
			printf("offpeak %s\n", PACKAGE_VERSION);
			*done = 1;
			return EXIT_DONE;
		default:
			if (optopt != 0)
				cmd_error("unknown option -%c", optopt);
			else
				cmd_error("unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	*first = optind;
	return EXIT_DONE;
}

int
main(int argc, char **argv)
{
	struct ctx ctx;
	const struct cmd_entry *e;
	int	 first = 0, ambiguous, done, rc;

	/*
	 * A reader that goes away (offpeak status | head -1) costs the rest
	 * of the output, never the work: a run goes on to its end and every
	 * state commit is written before anything is printed about it.
	 */
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof ctx);
	ctx.argv0 = argv[0];
	ctx.now = (int64_t)time(NULL);
	if ((rc = parse_global(&ctx, argc, argv, &first, &done)) != EXIT_DONE ||
	    done)
		return rc;
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[first], "help") == 0)
		return help(argc - first, argv + first);
	e = cmd_find(argv[first], &ambiguous);
	if (e == NULL) {
		cmd_error("%s command: %s", ambiguous ? "ambiguous" : "unknown",
		    argv[first]);
		return EXIT_USAGE;
	}
	return cmd_run(e, &ctx, argc - first, argv + first);
}
