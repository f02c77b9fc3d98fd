/* offpeak log: the whole history of one plan, from both branches */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "datetime.h"
#include "repo.h"
#include "state.h"
#include "util.h"

/* One line of the history. */
struct event {
	int64_t	 when;
	int	 src;		/* 0 plan, 1 state: plan revisions come first */
	size_t	 commit_index;	/* walk order of its commit: newest first */
	size_t	 line;		/* line within its commit */
	char	 commit[13];
	char	*author;
	const char *source;	/* "plan" or "state" */
	char	*text;
};

struct history {
	struct repo *repo;
	const char *id;
	struct event *v;
	size_t	 n, alloc;
	size_t	 walked;	/* commits seen by the current walk */
	char	 newer[41];	/* blob of the newer revision seen last */
	struct repo_commit newer_commit;
	size_t	 newer_index;
	char	*newer_author;
	int	 have_newer;
};

static void
add_event(struct history *h, const struct repo_commit *c, const char *source,
    size_t index, char *text)
{
	struct event *e;

	if (h->n == h->alloc) {
		h->alloc = h->alloc ? h->alloc * 2 : 32;
		h->v = xreallocarray(h->v, h->alloc, sizeof *h->v);
	}
	e = &h->v[h->n];
	e->when = c->when;
	e->src = strcmp(source, "plan") != 0;
	e->commit_index = index;
	e->line = h->n;
	snprintf(e->commit, sizeof e->commit, "%.12s", c->id);
	e->author = xstrdup(c->author);
	e->source = source;
	e->text = text;
	h->n++;
}

/* The top-level members that differ between two revisions of a plan. */
static char *
what_changed(struct repo *repo, const char *old, const char *new)
{
	struct buf b = BUF_INIT;
	json_t	*a = NULL, *z = NULL, *v;
	const char *key;
	char	*t1 = NULL, *t2 = NULL, *cause = NULL;
	size_t	 l1, l2;

	if (repo_blob_read(repo, old, 1 << 20, &t1, &l1, &cause) == 0 &&
	    repo_blob_read(repo, new, 1 << 20, &t2, &l2, &cause) == 0) {
		a = json_loadb(t1, l1, 0, NULL);
		z = json_loadb(t2, l2, 0, NULL);
	}
	free(cause);
	if (json_is_object(a) && json_is_object(z)) {
		json_object_foreach(z, key, v) {
			if (!json_equal(v, json_object_get(a, key)))
				buf_addf(&b, "%s%s", b.len ? ", " : "", key);
		}
		json_object_foreach(a, key, v) {
			if (json_object_get(z, key) == NULL)
				buf_addf(&b, "%s-%s", b.len ? ", " : "", key);
		}
	}
	json_decref(a);
	json_decref(z);
	free(t1);
	free(t2);
	return buf_detach(&b, NULL);
}

/*
 * Walking newest first, a revision shows when the blob differs from the
 * one of the newer commit seen before: that newer commit made it.
 */
static void
flush_revision(struct history *h, const char *older_blob)
{
	char	*changes, *text;

	if (!h->have_newer || strcmp(h->newer, older_blob) == 0)
		return;
	if (h->newer[0] == '\0')
		text = xstrdup("plan file removed");
	else if (older_blob[0] == '\0')
		text = xasprintf("plan submitted (blob %.12s)", h->newer);
	else {
		changes = what_changed(h->repo, older_blob, h->newer);
		text = xasprintf("plan revised (blob %.12s): %s", h->newer,
		    *changes ? changes : "formatting");
		free(changes);
	}
	h->newer_commit.author = h->newer_author;
	add_event(h, &h->newer_commit, "plan", h->newer_index, text);
}

static int
on_plan_commit(const struct repo_commit *c, void *arg)
{
	struct history *h = arg;

	h->walked++;
	flush_revision(h, c->blob);
	memcpy(h->newer, c->blob, sizeof h->newer);
	h->newer_commit = *c;
	h->newer_index = h->walked;
	free(h->newer_author);
	h->newer_author = xstrdup(c->author);
	h->have_newer = 1;
	return 0;
}

/* State commits: every message line "<verb> <id> ..." about this plan. */
static int
on_state_commit(const struct repo_commit *c, void *arg)
{
	struct history *h = arg;
	const char *line = c->message, *end, *sp;
	size_t	 idlen = strlen(h->id);

	h->walked++;
	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		sp = memchr(line, ' ', end - line);
		if (sp != NULL && (size_t)(end - sp - 1) >= idlen &&
		    strncmp(sp + 1, h->id, idlen) == 0 &&
		    (sp[1 + idlen] == ' ' || sp[1 + idlen] == ':' ||
		    sp + 1 + idlen == end))
			add_event(h, c, "state", h->walked, xstrndup(line,
			    end - line));
	}
	return 0;
}

static int
event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	if (x->src != y->src)
		return x->src - y->src;
	if (x->commit_index != y->commit_index)
		return x->commit_index > y->commit_index ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static void
print_history(const struct ctx *ctx, const struct history *h)
{
	json_t	*out = json_array();
	char	*t;
	size_t	 i;

	for (i = 0; i < h->n; i++) {
		const struct event *e = &h->v[i];
		t = dt_format_utc(e->when);
		if (ctx->json)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, "
			    "s:s, s:s}", "time", t, "source", e->source, "commit",
			    e->commit, "author", e->author, "text", e->text));
		else
			printf("%s  %-5s %s  %s\n      by %s\n", t, e->source,
			    e->commit, e->text, e->author);
		free(t);
	}
	if (ctx->json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(out);
}

static int
cmd_log_exec(struct ctx *ctx, int argc, char **argv)
{
	struct history h;
	char	*cause = NULL, *path;
	size_t	 i;
	int	 c, rc = EXIT_DONE;

	while ((c = cmd_getopt(&cmd_log_entry, argc, argv, "", NULL)) != -1) {
		if (c == 'h')
			return cmd_help(&cmd_log_entry);
		return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cmd_usage(&cmd_log_entry);
	if (!name_valid(argv[optind])) {
		cmd_error("'%s' is not a plan id", argv[optind]);
		return EXIT_INVALID;
	}
	memset(&h, 0, sizeof h);
	h.id = argv[optind];
	if ((h.repo = repo_open(ctx->repo_path, 0, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	path = xasprintf("plans/%s.json", h.id);
	if (repo_walk(h.repo, "HEAD", path, on_plan_commit, &h, &cause) < 0 ||
	    (h.walked = 0, repo_walk(h.repo, STATE_BRANCH, NULL,
	    on_state_commit, &h, &cause)) < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_ENV;
	} else {
		flush_revision(&h, "");	/* the oldest revision: its first add */
		if (h.n == 0) {
			cmd_error("no history for a plan '%s'", h.id);
			rc = EXIT_INVALID;
		} else {
			qsort(h.v, h.n, sizeof *h.v, event_cmp);
			print_history(ctx, &h);
		}
	}
	for (i = 0; i < h.n; i++) {
		free(h.v[i].author);
		free(h.v[i].text);
	}
	free(h.v);
	free(h.newer_author);
	free(path);
	repo_free(h.repo);
	return rc;
}

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.usage = "ID",
	.summary = "the whole history of one plan",
	.help =
	    "Shows, oldest first, every revision of plans/ID.json on the plans\n"
	    "branch (commit, author, time, the fields that changed) and every\n"
	    "transition about it on the state branch: assessments, approvals and\n"
	    "rejections, schedules and moves with their notice times, runs and\n"
	    "their phases, cancellations.\n",
	.exec = cmd_log_exec
};
