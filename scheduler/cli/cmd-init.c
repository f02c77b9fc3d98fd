/* offpeak init: a new plan repository with a policy, a plan and hooks */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "digest.h"
#include "examples.h"
#include "repo.h"
#include "sshsig.h"
#include "util.h"

#define SIGNERS_PATH	"keys/allowed_signers"

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
init_report(const char *dir, const struct repo_file *files, size_t n,
    int signing)
{
	size_t	 i;

	printf("Created a plan repository in %s (branch main, one %scommit):\n",
	    dir, signing ? "signed " : "");
	for (i = 0; i < n; i++) {
		printf("  %s%s\n", files[i].path,
		    files[i].mode & 0111 ? " (executable)" : "");
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
	if (signing)
		printf("  5. Signing is required: add every approver's, operator's "
		    "and author's\n     public key to %s, sign "
		    "your commits (git config\n     gpg.format ssh; git config "
		    "commit.gpgsign true).\n", SIGNERS_PATH);
}

/* One commit signed as git does: ssh-keygen -Y sign -n git. */
static int
sign_commit(void *arg, const char *data, size_t len, char **sig, char **cause)
{
	return sshsig_sign(arg, SSHSIG_NS_GIT, data, len, sig, cause);
}

/* "principal keytype base64" for the key's public half. */
static char *
signers_line(const char *email, const char *key, char **cause)
{
	unsigned char *blob;
	size_t	 len, tlen;
	char	*b64, *line;

	if (sshsig_public_key(key, &blob, &len, cause) != 0)
		return NULL;
	tlen = len >= 4 ? (size_t)blob[0] << 24 | (size_t)blob[1] << 16 |
	    (size_t)blob[2] << 8 | blob[3] : 0;
	if (tlen == 0 || tlen > len - 4) {
		*cause = xasprintf("'%s' is not an SSH public key", key);
		free(blob);
		return NULL;
	}
	b64 = base64_text(blob, len, 0);
	line = xasprintf("%s %.*s %s\n", email, (int)tlen, (char *)blob + 4, b64);
	free(b64);
	free(blob);
	return line;
}

/* The policy asking for signatures against the allowed-signers file. */
static char *
signing_policy(const struct repo_file *f, char **cause)
{
	json_error_t err;
	json_t	*o = json_loadb(f->data, f->size, 0, &err);
	char	*text;

	if (o == NULL) {
		*cause = xasprintf("the embedded policy: %s", err.text);
		return NULL;
	}
	json_object_set_new(o, "signing", json_string("required"));
	json_object_set_new(o, "allowed_signers", json_string(SIGNERS_PATH));
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

/*
 * With --signing: the policy requires signing, keys/allowed_signers holds
 * the public half of git's user.signingkey for user.email, and the first
 * commit is signed with it.
 */
static int
init_signed(const char *dir, struct example_set *set, int64_t when,
    char **cause)
{
	struct repo_signer signer;
	struct repo_file *files;
	char	*key = repo_config_global("user.signingkey");
	char	*email = repo_config_global("user.email");
	char	*line = NULL, *policy = NULL;
	size_t	 i;
	int	 rc = -1;

	if (key == NULL || email == NULL) {
		*cause = xstrdup("--signing needs your SSH key and e-mail: git "
		    "config --global user.signingkey ~/.ssh/id_ed25519 and git "
		    "config --global user.email you@example.com");
		goto out;
	}
	if ((line = signers_line(email, key, cause)) == NULL)
		goto out;
	files = xcalloc(set->n + 2, sizeof *files);
	memcpy(files, set->files, set->n * sizeof *files);
	for (i = 0; i < set->n; i++) {
		if (strcmp(files[i].path, "offpeak.json") != 0)
			continue;
		if ((policy = signing_policy(&files[i], cause)) == NULL) {
			free(files);
			goto out;
		}
		files[i].data = policy;
		files[i].size = strlen(policy);
	}
	files[set->n].path = SIGNERS_PATH;
	files[set->n].mode = 0644;
	files[set->n].data = line;
	files[set->n].size = strlen(line);
	signer.sign = sign_commit;
	signer.arg = key;
	rc = repo_create_signed(dir, files, set->n + 1, "offpeak init: policy, "
	    "example plan, sample hooks and allowed signers", when, &signer,
	    cause);
	if (rc == 0)
		init_report(dir, files, set->n + 1, 1);
	free(files);
out:
	free(key);
	free(email);
	free(line);
	free(policy);
	return rc;
}

#define OPT_SIGNING	CMD_LONG

static const struct cmd_option options[] = {
	{ OPT_SIGNING, "signing", NULL, NULL, 0,
	    "require SSH signatures, trusting your git user.signingkey" },
	{ 0 }
};

static int
cmd_init_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct example_set set;
	char	*dir, *cause = NULL;
	int	 rc;

	dir = init_dir(ctx, args->argc > 0 ? args->argv[0] : NULL);
	examples_init(&set);
	if (cmd_given(args, OPT_SIGNING))
		rc = examples_select(&set, init_map, nitems(init_map), &cause) ||
		    init_signed(dir, &set, ctx->now, &cause);
	else if ((rc = examples_create(dir, init_map, nitems(init_map),
	    "offpeak init: policy, example plan and sample hooks", ctx->now,
	    &set, &cause)) == 0)
		init_report(dir, set.files, set.n, 0);
	if (rc != 0) {
		cmd_error("init: %s", cause);
		free(cause);
	}
	examples_release(&set);
	free(dir);
	return rc != 0 ? EXIT_ENV : EXIT_DONE;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.args = "[DIR]",
	.max_args = 1,
	.options = options,
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
	    "holds anything: it exits 5, leaving it as it was.\n\n"
	    "With --signing the policy requires SSH signatures (\"signing\":\n"
	    "\"required\"), keys/allowed_signers names your git user.email with\n"
	    "the public half of your user.signingkey, and the commit is signed\n"
	    "with that key (as git commit -S with gpg.format ssh).\n",
	.exec = cmd_init_exec
};
