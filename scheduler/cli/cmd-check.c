/* offpeak check */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "util.h"

static int
cmd_check_exec(struct ctx *ctx, int argc, char **argv)
{
	(void)ctx; (void)argc; (void)argv;
	cmd_error("check: not yet");
	return EXIT_ENV;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.usage = "",
	.summary = "check",
	.exec = cmd_check_exec
};
