/* offpeak init: a new plan repository with a policy, a plan and hooks */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "examples.h"
#include "repo.h"
#include "util.h"

static const struct example_map init_map[] = {
	{ "plans/examples/init-policy.json", "offpeak.json", 0644 },
	{ "plans/examples/init-plan.json", "plans/example-upgrade.json", 0644 },
	EXAMPLES_HOOKS
};

/* DIR is relative to -C REPO when given, as with git -C. */
static char *
init_dir(const struct ctx *ctx, const char *arg)
{
	if (arg == NULL)
		arg = ".";
	if (ctx->repo_path == NULL || *arg == '/')
		return xstrdup(arg);
	return xasprintf("%s/%s", ctx->repo_path, arg);
}

static void
init_report(const char *dir, const struct example_set *set)
{
	size_t	 i;

	printf("Created a plan repository in %s (branch main, one commit):\n",
	    dir);
	for (i = 0; i < set->n; i++) {
		printf("  %s%s\n", set->files[i].path,
		    set->files[i].mode & 0111 ? " (executable)" : "");
	}
	printf("\nNext steps:\n"
	    "  1. Describe your systems, off-peak windows, freezes and "
	    "approvers in\n     %s/offpeak.json.\n"
	    "  2. Write one plans/<id>.json per change; "
	    "plans/example-upgrade.json shows\n     every field. "
	    "Adapt or replace the sample hooks in hooks/.\n"
	    "  3. After each edit run 'offpeak -C %s check', then commit.\n"
	    "  4. To refuse bad plans on your git server, install "
	    "hooks/pre-receive\n     in the server's repository "
	    "(see the comment at its top).\n", dir, dir);
}

static int
cmd_init_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct example_set set;
	char	*dir, *cause;

	dir = init_dir(ctx, args->argc > 0 ? args->argv[0] : NULL);
	examples_init(&set);
	if (examples_create(dir, init_map, nitems(init_map),
	    "offpeak init: policy, example plan and sample hooks", ctx->now,
	    &set, &cause) != 0) {
		cmd_error("init: %s", cause);
		free(cause);
		examples_release(&set);
		free(dir);
		return EXIT_ENV;
	}
	init_report(dir, &set);
	examples_release(&set);
	free(dir);
	return EXIT_DONE;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.args = "[DIR]",
	.max_args = 1,
	.exits = CMD_EXIT(EXIT_ENV),
	.summary = "new plan repository with a policy, an example plan and "
	    "sample hooks",
	.help =
	    "Creates a git repository in DIR (default: the current directory,\n"
	    "or REPO given with -C) on branch main, with one commit holding:\n"
	    "  offpeak.json     the policy to adapt\n"
	    "  plans/example-upgrade.json\n"
	    "                   an example plan\n"
	    "  hooks/           sample backup, verify, rollback and step\n"
	    "                   hooks, and the git pre-receive hook\n"
	    "'offpeak check' passes on the result as it is. DIR must be\n"
	    "missing or empty: init never writes into a directory that\n"
	    "holds anything: it exits 5, leaving it as it was.\n",
	.exec = cmd_init_exec
};
