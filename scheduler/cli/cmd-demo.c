/* offpeak demo */
#include <getopt.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "util.h"

static int
cmd_demo_exec(struct ctx *ctx, int argc, char **argv)
{
	(void)ctx; (void)argc; (void)argv;
	cmd_error("demo: not yet");
	return EXIT_ENV;
}

const struct cmd_entry cmd_demo_entry = {
	.name = "demo",
	.usage = "",
	.summary = "demo",
	.exec = cmd_demo_exec
};
