/* offpeak demo: build the bundled example repository and run the pipeline */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/cmd.h"
#include "datetime.h"
#include "diag.h"
#include "digest.h"
#include "examples.h"
#include "fsutil.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "sshsig.h"
#include "tz.h"
#include "util.h"

static const struct example_map demo_map[] = {
	{ "plans/examples/offpeak.json", "offpeak.json", 0644 },
	{ "plans/examples/plans/", "plans/", 0644 },
	EXAMPLES_HOOKS
};

/* The directory to build in: DIR, or a new one under $TMPDIR or /tmp. */
static char *
demo_dir(const char *arg)
{
	const char *tmp = getenv("TMPDIR");
	char	*dir;

	if (arg != NULL)
		return xstrdup(arg);
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	dir = xasprintf("%s/offpeak-demo.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		cmd_error("demo: cannot create a directory in '%s': %s", tmp,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static int
demo_build(const char *dir, int64_t now)
{
	struct example_set set;
	char	*cause;
	int	 r;

	examples_init(&set);
	r = examples_create(dir, demo_map, nitems(demo_map),
	    "offpeak demo: the example plan repository", now, &set, &cause);
	if (r != 0) {
		cmd_error("demo: %s", cause);
		free(cause);
	} else
		printf("demo: example repository in %s (%zu files)\n", dir,
		    set.n);
	examples_release(&set);
	return r != 0 ? EXIT_ENV : EXIT_DONE;
}

static void
demo_check_report(struct check_result *res)
{
	struct buf what = BUF_INIT;
	size_t	 i, ngroups = 0;
	char	*line;

	diags_sort(&res->diags);
	for (i = 0; i < res->diags.n; i++) {
		line = diag_format(&res->diags.items[i]);
		cmd_error("%s", line);
		free(line);
	}
	buf_addf(&what, "%zu plan%s", res->nplans, res->nplans == 1 ? "" : "s");
	if (res->policy != NULL) {
		while (res->policy->groups != NULL &&
		    res->policy->groups[ngroups] != NULL)
			ngroups++;
		buf_addf(&what, ", %zu systems, %zu groups",
		    res->policy->nsystems, ngroups);
	}
	if (res->diags.n == 0)
		printf("check: %s: no problems\n", buf_str(&what));
	else
		printf("check: %s: %zu problem%s\n", buf_str(&what),
		    res->diags.n, res->diags.n == 1 ? "" : "s");
	buf_release(&what);
}

/* Validate the policy and plans at the repository's HEAD. */
static int
demo_check(struct repo *repo)
{
	struct check_result res;
	struct repo_tree *tree;
	char	*cause;
	int	 status;

	if ((tree = repo_tree_at(repo, "HEAD", &cause)) == NULL) {
		cmd_error("demo: %s", cause);
		free(cause);
		return EXIT_ENV;
	}
	memset(&res, 0, sizeof res);
	if (check_tree(repo, tree, &res, &cause) != 0) {
		cmd_error("demo: %s", cause);
		free(cause);
		status = EXIT_ENV;
	} else {
		demo_check_report(&res);
		status = res.diags.n == 0 ? EXIT_DONE : EXIT_INVALID;
	}
	check_result_release(&res);
	repo_tree_free(tree);
	return status;
}

/* The demo's clock when none is given: before the example plans' ranges. */
#define DEMO_NOW "2026-11-30T09:00:00+01:00"
#define DEMO_ZONE "Europe/Berlin"	/* the example policy's */

/* The clock as the commands are shown: local to the example's zone. */
static char *
demo_clock(int64_t t)
{
	const struct tz *z;
	char	*cause = NULL;

	if ((z = tz_get(DEMO_ZONE, &cause)) == NULL) {
		free(cause);
		return dt_format_utc(t);
	}
	return dt_format_offset(t, tz_offset_at(z, t));
}

/*
 * Run another command on a demo repository, as a user would type it (with
 * -C repo when it is not the example's).
 */
static int
demo_run(struct ctx *ctx, const char *repo, int argc, const char **argv)
{
	const struct cmd_entry *e;
	char	*copy[8];
	int	 ambiguous, status, i;
	char	*now;

	/* getopt reorders what it is given: pass a fresh copy each time */
	for (i = 0; i < argc && i < 7; i++)
		copy[i] = (char *)argv[i];
	copy[i] = NULL;
	e = cmd_find(argv[0], &ambiguous);
	now = demo_clock(ctx->now);
	printf("\n$ offpeak%s%s --now %s", repo != NULL ? " -C " : "",
	    repo != NULL ? repo : "", now);
	free(now);
	for (i = 0; i < argc; i++)
		printf(strchr(argv[i], ' ') != NULL ? " '%s'" : " %s", argv[i]);
	printf("\n");
	fflush(stdout);
	status = cmd_run(e, ctx, argc, copy);
	fflush(stdout);
	return status;
}

/*
 * Approve every assessed plan as the policy's approvers would, each with
 * their own git identity, as many as the plan's risk level asks.
 */
static int
demo_approve(struct ctx *ctx, struct repo *repo)
{
	struct session s;
	const char *argv[] = { "approve", NULL, "-m", "approved in the demo", NULL };
	char	**ids = NULL, *cause;
	size_t	 i, n = 0, k;
	int	 status, need;

	if ((status = cmd_session_open(&s, ctx, "demo")) != EXIT_DONE)
		return status;
	session_reconcile(&s);
	ids = xcalloc(s.st.n + 1, sizeof *ids);
	for (i = 0; i < s.st.n; i++) {
		if (s.st.items[i]->status == ST_ASSESSED)
			ids[n++] = xstrdup(s.st.items[i]->id);
	}
	for (k = 0; status == EXIT_DONE && s.chk.policy->approvers[k] != NULL; k++) {
		if (repo_config_set(repo, "user.email",
		    s.chk.policy->approvers[k], &cause) != 0) {
			cmd_error("demo: %s", cause);
			free(cause);
			status = EXIT_ENV;
			break;
		}
		for (i = 0; i < n && status == EXIT_DONE; i++) {
			need = state_find(&s.st, ids[i])->risk.approvals;
			if ((int)k >= need)
				continue;
			argv[1] = ids[i];
			status = demo_run(ctx, NULL, 4, argv);
		}
	}
	session_close(&s);
	strv_free(ids);
	return status;
}

/* Where the feeds are, and how a calendar client subscribes to them. */
static void
demo_feeds_hint(const char *dir, const char *feeds)
{
	printf("\nThe notices: %s/all.ics (every change), systems/<name>.ics,\n"
	    "groups/<name>.ics and windows.ics in %s/.\n"
	    "To subscribe from a calendar client, serve them with\n"
	    "  offpeak -C %s serve --listen 127.0.0.1:8080\n"
	    "and add webcal://127.0.0.1:8080/calendar/all.ics (with \"public_feeds\":\n"
	    "true in offpeak.json), or a subscriber's own\n"
	    "webcal://127.0.0.1:8080/calendar/private/<token>/all.ics\n",
	    feeds, feeds, dir);
}

/*
 * The execution part: one change run end to end on a file tree standing
 * in for a web server, in a plan repository of its own (the example's
 * policy and hooks, one plan made here) so that the example's feeds stay
 * as the pipeline wrote them.
 */
#define DEMO_PLAN	"site-release"
#define DEMO_V1		"<h1>Nordwind shop, version 1</h1>\n"

static const struct example_map demo_exec_map[] = {
	{ "plans/examples/offpeak.json", "offpeak.json", 0644 },
	EXAMPLES_HOOKS
};

/* A loopback port nothing listens on: one the kernel just handed out. */
static int
demo_dead_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int	 fd, port = 9;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return port;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static int
demo_write(const char *dir, const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(path, "w");
	int	 rc = -1;

	if (f != NULL) {
		rc = fputs(text, f) < 0 ? -1 : 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc != 0)
		cmd_error("demo: cannot write '%s': %s", path, strerror(errno));
	free(path);
	return rc;
}

/* The "system": the site in version 1, and the files of version 2. */
static int
demo_system(const char *sys)
{
	char	*www = xasprintf("%s/www", sys);
	char	*rel = xasprintf("%s/release-2", sys);
	int	 rc = -1;

	if (mkdir_p(www, 0755) != 0 || mkdir_p(rel, 0755) != 0)
		cmd_error("demo: cannot create '%s': %s", sys, strerror(errno));
	else if (demo_write(www, "index.html", DEMO_V1) == 0 &&
	    demo_write(www, "app.conf", "version = 1\nworkers = 8\n") == 0 &&
	    demo_write(rel, "index.html",
	    "<h1>Nordwind shop, version 2</h1>\n") == 0 &&
	    demo_write(rel, "app.conf", "version = 2\nworkers = 16\n") == 0)
		rc = 0;
	free(www);
	free(rel);
	return rc;
}

/*
 * The plan: back the site up, install version 2, check it over HTTP where
 * nothing answers (on purpose), and so roll back.
 */
static char *
demo_plan(const char *sys, int port)
{
	char	*www = xasprintf("%s/www", sys);
	char	*rel = xasprintf("%s/release-2/.", sys);
	char	*bak = xasprintf("%s/backups", sys);
	char	*url = xasprintf("http://127.0.0.1:%d/healthz", port);
	char	*text;
	json_t	*p;

	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, "
	    "s:{s:s, s:b, s:b}, s:{s:[s, s, s, s], s:s}, "
	    "s:[{s:s, s:[s, s, s, s, s, s], s:s}], "
	    "s:{s:[[s, s, s, s, s, s]]}, s:{s:[s, s], s:s}, s:b}",
	    "id", DEMO_PLAN, "title", "Release version 2 of the demo shop",
	    "description", "Made by offpeak demo: a file tree stands in for "
	    "web-3. The HTTP check fails on purpose (nothing listens on its "
	    "port), so the rollback restores the files from the backup.",
	    "owner", "web-team@nordwind.example", "type", "normal",
	    "systems", "web-3", "impact", "none", "duration", "PT15M",
	    "risk", "rollback", "tested", "data_migration", 0,
	    "tested_in_staging", 1,
	    "backup", "run", "hooks/backup-files", "--to", bak, www,
	    "timeout", "PT5M",
	    "steps", "name", "install version 2", "run", "hooks/upgrade-step",
	    "--", "cp", "-R", rel, www, "timeout", "PT5M",
	    "verify", "run", "hooks/verify-http", url, "--contains",
	    "version 2", "--timeout", "2",
	    "rollback", "run", "hooks/rollback-files", www, "timeout", "PT5M",
	    /* the check that failed would fail again: nothing listens */
	    "verify_after_rollback", 0);
	text = json_dumps(p, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(p);
	free(www);
	free(rel);
	free(bak);
	free(url);
	return text;
}

/*
 * The signed part: a key each for the plan's author, an approver and the
 * operator, made here, and the allowed-signers file naming them, each
 * for what they sign (commits, approvals, runs).
 */
static const char *const demo_people[][3] = {
	{ "web-team", "web-team@nordwind.example", "git" },
	{ "anna", "anna.schmidt@nordwind.example", "offpeak-approval" },
	{ "ops-lead", "ops-lead@nordwind.example", "offpeak-run" }
};

static char *
demo_keys(const char *top, char **cause)
{
	struct buf b = BUF_INIT;
	unsigned char *blob;
	char	*dir = xasprintf("%s/keys", top), *path, *b64;
	size_t	 i, len;

	if (mkdir_p(dir, 0700) != 0) {
		*cause = xasprintf("cannot create '%s': %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	for (i = 0; i < nitems(demo_people); i++) {
		path = xasprintf("%s/%s", dir, demo_people[i][0]);
		if (sshsig_keygen(path, demo_people[i][1], cause) != 0 ||
		    sshsig_public_key(path, &blob, &len, cause) != 0) {
			free(path);
			free(dir);
			buf_release(&b);
			return NULL;
		}
		b64 = base64_text(blob, len, 0);
		buf_addf(&b, "%s namespaces=\"%s\" ssh-ed25519 %s\n",
		    demo_people[i][1], demo_people[i][2], b64);
		free(b64);
		free(blob);
		free(path);
	}
	free(dir);
	return buf_detach(&b, NULL);
}

/* The example's policy, asking for signatures and naming the operator. */
static char *
demo_signed_policy(const struct repo_file *f)
{
	json_t	*o = json_loadb(f->data, f->size, 0, NULL);
	char	*text;

	json_object_set_new(o, "signing", json_string("required"));
	json_object_set_new(o, "allowed_signers",
	    json_string("keys/allowed_signers"));
	json_object_set_new(o, "operators",
	    json_pack("[s]", "ops-lead@nordwind.example"));
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

static int
demo_sign_commit(void *arg, const char *data, size_t len, char **sig,
    char **cause)
{
	return sshsig_sign(arg, SSHSIG_NS_GIT, data, len, sig, cause);
}

/*
 * The repository: the example's policy (signing required) and hooks, the
 * allowed signers and the plan, in one commit signed by the plan's author.
 */
static int
demo_exec_repo(const char *dir, const char *top, const char *plan,
    int64_t now)
{
	struct example_set set;
	struct repo_file *files;
	struct repo_signer signer;
	char	*cause = NULL, *signers = NULL, *policy = NULL, *key;
	size_t	 i;
	int	 r;

	examples_init(&set);
	key = xasprintf("%s/keys/web-team", top);
	if ((r = examples_select(&set, demo_exec_map, nitems(demo_exec_map),
	    &cause)) == 0 && (signers = demo_keys(top, &cause)) == NULL)
		r = -1;
	if (r == 0) {
		files = xcalloc(set.n + 2, sizeof *files);
		memcpy(files, set.files, set.n * sizeof *files);
		for (i = 0; i < set.n; i++) {
			if (strcmp(files[i].path, "offpeak.json") == 0) {
				policy = demo_signed_policy(&files[i]);
				files[i].data = policy;
				files[i].size = strlen(policy);
			}
		}
		files[set.n].path = "plans/" DEMO_PLAN ".json";
		files[set.n].mode = 0644;
		files[set.n].data = plan;
		files[set.n].size = strlen(plan);
		files[set.n + 1].path = "keys/allowed_signers";
		files[set.n + 1].mode = 0644;
		files[set.n + 1].data = signers;
		files[set.n + 1].size = strlen(signers);
		signer.sign = demo_sign_commit;
		signer.arg = key;
		r = repo_create_signed(dir, files, set.n + 2,
		    "offpeak demo: a change to execute", now, &signer, &cause);
		free(files);
	}
	if (r != 0) {
		cmd_error("demo: %s", cause);
		free(cause);
	} else
		printf("demo: a plan repository for it in %s (the policy with "
		    "\"signing\": \"required\", the hooks, keys/allowed_signers "
		    "and plans/%s.json, in a commit signed by the plan's author; "
		    "the keys are in %s/keys)\n", dir, DEMO_PLAN, top);
	examples_release(&set);
	free(signers);
	free(policy);
	free(key);
	return r != 0 ? EXIT_ENV : EXIT_DONE;
}

/* Five minutes into the plan's slot. */
static int
demo_in_slot(struct ctx *ctx)
{
	struct session s;
	struct plan_state *ps;
	int	 status;

	if ((status = cmd_session_open(&s, ctx, "demo")) != EXIT_DONE)
		return status;
	if ((ps = state_find(&s.st, DEMO_PLAN)) == NULL || !ps->slot_live) {
		cmd_error("demo: '%s' was not scheduled", DEMO_PLAN);
		status = EXIT_INVALID;
	} else
		ctx->now = ps->slot.start + 5 * 60;
	session_close(&s);
	return status;
}

/* Did the rollback put version 1 back? */
static int
demo_restored(const char *sys)
{
	char	*path = xasprintf("%s/www/index.html", sys), buf[256];
	FILE	*f = fopen(path, "r");
	size_t	 n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	free(path);
	return f != NULL && strcmp(buf, DEMO_V1) == 0;
}

static int
demo_execute(const struct ctx *given, const char *dir)
{
	struct ctx ctx = *given;
	const char *sched[] = { "schedule", NULL }, *audit[] = { "audit", NULL };
	const char *approve[] = { "approve", DEMO_PLAN, "--key", NULL, "-m",
	    "signed in the demo", NULL };
	const char *run[] = { "run", DEMO_PLAN, "--key", NULL, NULL };
	char	*top, *sys, *repo, *plan, *anna, *ops;
	int	 status, port = demo_dead_port();

	if ((top = realpath(dir, NULL)) == NULL) {
		cmd_error("demo: '%s': %s", dir, strerror(errno));
		return EXIT_ENV;
	}
	sys = xasprintf("%s/system", top);
	repo = xasprintf("%s/execution", top);
	approve[3] = anna = xasprintf("%s/keys/anna", top);
	run[3] = ops = xasprintf("%s/keys/ops-lead", top);
	printf("\nOne change end to end, on a file tree standing in for "
	    "web-3: %s/www\n", sys);
	plan = demo_plan(sys, port);
	if ((status = demo_system(sys)) != 0)
		status = EXIT_ENV;
	else if ((status = demo_exec_repo(repo, top, plan, ctx.now)) ==
	    EXIT_DONE) {
		ctx.repo_path = repo;
		if ((status = demo_run(&ctx, repo, 6, approve)) == EXIT_DONE &&
		    (status = demo_run(&ctx, repo, 1, sched)) == EXIT_DONE &&
		    (status = demo_in_slot(&ctx)) == EXIT_DONE)
			status = demo_run(&ctx, repo, 4, run);
		if (status == EXIT_FAILED && demo_restored(sys)) {
			printf("\nThe check failed as planned (nothing listens "
			    "on 127.0.0.1:%d) and the rollback restored the "
			    "files: %s/www/index.html is version 1 again.\n"
			    "The maintenance record: offpeak -C %s report\n",
			    port, sys, repo);
			status = demo_run(&ctx, repo, 1, audit);
		} else if (status == EXIT_DONE || status == EXIT_FAILED) {
			cmd_error("demo: the change was to fail its check and "
			    "be rolled back, restoring %s/www", sys);
			status = EXIT_INVALID;
		}
	}
	free(plan);
	free(top);
	free(sys);
	free(repo);
	free(anna);
	free(ops);
	return status;
}

/* check is done; then assess, approve, schedule, show the status, write the feeds. */
static int
demo_pipeline(const struct ctx *given, const char *dir, struct repo *repo)
{
	struct ctx ctx = *given;
	const char *assess[] = { "assess", NULL }, *sched[] = { "schedule", NULL };
	const char *status_argv[] = { "status", NULL };
	const char *cal[] = { "calendar", "-o", NULL, NULL };
	char	*feeds;
	int	 status;

	ctx.repo_path = dir;
	ctx.json = 0;
	if ((status = demo_run(&ctx, NULL, 1, assess)) != EXIT_DONE ||
	    (status = demo_approve(&ctx, repo)) != EXIT_DONE ||
	    (status = demo_run(&ctx, NULL, 1, sched)) != EXIT_DONE ||
	    (status = demo_run(&ctx, NULL, 1, status_argv)) != EXIT_DONE)
		return status;
	cal[2] = feeds = xasprintf("%s/feeds", dir);
	if ((status = demo_run(&ctx, NULL, 3, cal)) == EXIT_DONE)
		demo_feeds_hint(dir, feeds);
	free(feeds);
	if (status != EXIT_DONE)
		return status;
	printf("\nThe audit trail: git -C %s log offpeak-state\n", dir);
	return demo_execute(&ctx, dir);
}

static int
cmd_demo_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct repo *repo;
	char	*dir, *cause;
	int	 status;

	if ((dir = demo_dir(args->argc > 0 ? args->argv[0] : NULL)) == NULL)
		return EXIT_ENV;
	if (!ctx->simulated) {
		/* the demo has a clock of its own, so it shows the same anytime */
		cause = NULL;
		dt_parse_instant(DEMO_NOW, &ctx->now, NULL, &cause);
		free(cause);
		ctx->simulated = 1;
	}
	if ((status = demo_build(dir, ctx->now)) != EXIT_DONE) {
		free(dir);
		return status;
	}
	if ((repo = repo_open(dir, 0, &cause)) == NULL) {
		cmd_error("demo: %s", cause);
		free(cause);
		free(dir);
		return EXIT_ENV;
	}
	status = demo_check(repo);
	if (status == EXIT_DONE)
		status = demo_pipeline(ctx, dir, repo);
	repo_free(repo);
	free(dir);
	return status;
}

const struct cmd_entry cmd_demo_entry = {
	.name = "demo",
	.args = "[DIR]",
	.max_args = 1,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "build the example repository, run the pipeline on it and "
	    "one change end to end",
	.help =
	    "Writes the bundled example plan repository (a policy, a dozen\n"
	    "plans and the sample hooks) into DIR, which must be missing or\n"
	    "empty, or into a new directory $TMPDIR/offpeak-demo.XXXXXX\n"
	    "(default /tmp) whose name it prints, commits it on branch main,\n"
	    "then runs the pipeline on it, printing each step's result.\n"
	    "\n"
	    "Then it executes one change end to end on a file tree standing in\n"
	    "for a web server, DIR/system/www, with signing required: it makes\n"
	    "SSH keys for the plan's author, an approver and the operator in\n"
	    "DIR/keys, and a plan repository of its own, DIR/execution, whose\n"
	    "policy names them in keys/allowed_signers and whose commit the\n"
	    "author signs; the approver approves with a signed statement, it\n"
	    "schedules the plan and the operator runs it inside its slot with a\n"
	    "signed run statement; the backup archives the files, the step\n"
	    "changes them, the HTTP check fails on purpose and the rollback\n"
	    "restores them; offpeak audit then finds the trail clean. It exits\n"
	    "1 when a step found problems, 5 when DIR is not empty or cannot be\n"
	    "written.\n",
	.exec = cmd_demo_exec
};
