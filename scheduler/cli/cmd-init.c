/* offpeak init */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "util.h"

static int
cmd_init_exec(struct ctx *ctx, int argc, char **argv)
{
	(void)ctx; (void)argc; (void)argv;
	cmd_error("init: not yet");
	return EXIT_ENV;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "",
	.summary = "init",
	.exec = cmd_init_exec
};
