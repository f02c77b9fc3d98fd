/* offpeak: upgrade and change-window scheduler */
#include <getopt.h>
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
	    "Run 'offpeak COMMAND --help' for a command's options.\n");
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

static int
parse_global(struct ctx *ctx, int argc, char **argv)
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

	if ((env = getenv("OFFPEAK_NOW")) != NULL && *env != '\0' &&
	    set_clock(ctx, env) != 0)
		return -EXIT_USAGE;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+C:", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			ctx->repo_path = optarg;
			break;
		case 'n':
			if (set_clock(ctx, optarg) != 0)
				return -EXIT_USAGE;
			break;
		case 'j':
			ctx->json = 1;
			break;
		case 'o':
			ctx->offline = 1;
			break;
		case 'h':
			usage(stdout);
			return -EXIT_DONE - 100;
		case 'V':
			printf("offpeak %s\n", PACKAGE_VERSION);
			return -EXIT_DONE - 100;
		default:
			if (optopt != 0)
				cmd_error("unknown option -%c", optopt);
			else
				cmd_error("unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return -EXIT_USAGE;
		}
	}
	return optind;
}

int
main(int argc, char **argv)
{
	struct ctx ctx;
	const struct cmd_entry *e;
	int	 first, ambiguous;

	memset(&ctx, 0, sizeof ctx);
	ctx.argv0 = argv[0];
	ctx.now = (int64_t)time(NULL);
	first = parse_global(&ctx, argc, argv);
	if (first == -EXIT_DONE - 100)
		return EXIT_DONE;
	if (first < 0)
		return -first;
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	e = cmd_find(argv[first], &ambiguous);
	if (e == NULL) {
		cmd_error("%s command: %s", ambiguous ? "ambiguous" : "unknown",
		    argv[first]);
		return EXIT_USAGE;
	}
	optind = 0;
	return e->exec(&ctx, argc - first, argv + first);
}
