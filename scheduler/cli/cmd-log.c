/* offpeak log: the whole history of one plan, from both branches */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "datetime.h"
#include "repo.h"
#include "session.h"
#include "state.h"
#include "util.h"

/* One line of the history. */
struct event {
	int64_t	 when;
	char	 commit[13];
	char	*author;
	const char *source;	/* "plan" or "state" */
	char	*text;
	char	 blob[41];	/* plan: the revision it made; state: the one known */
	size_t	 after;		/* state: how many plan events come before it */
};

struct events {
	struct event *v;
	size_t	 n, alloc;
};

struct history {
	struct repo *repo;
	const char *id;
	struct events plan;	/* newest first while walking */
	struct events state;	/* newest first while walking */
	char	**plan_commits;	/* the plans branch's first-parent walk */
	size_t	 nplan_commits;
	size_t	*by_id;		/* positions in plan_commits, sorted by id */
	char	 newer[41];	/* blob of the newer revision seen last */
	struct repo_commit newer_commit;
	size_t	 newer_index;	/* its walk position */
	char	*newer_author;
	int	 have_newer;
	char	 state_blob[41];	/* last state/<id>.json read, and its revision */
	char	 state_rev[41];
};

static struct event *
add_event(struct events *l, const struct repo_commit *c, const char *source,
    char *text)
{
	struct event *e;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 32;
		l->v = xreallocarray(l->v, l->alloc, sizeof *l->v);
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->when = c->when;
	snprintf(e->commit, sizeof e->commit, "%.12s", c->id);
	e->author = xstrdup(c->author);
	e->source = source;
	e->text = text;
	return e;
}

static void
events_release(struct events *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].author);
		free(l->v[i].text);
	}
	free(l->v);
}

/* Reverse the events from index `from` on. */
static void
events_reverse(struct events *l, size_t from)
{
	struct event t;
	size_t	 i, n = l->n - from;

	for (i = 0; i < n / 2; i++) {
		t = l->v[from + i];
		l->v[from + i] = l->v[l->n - 1 - i];
		l->v[l->n - 1 - i] = t;
	}
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
	struct event *e;
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
	e = add_event(&h->plan, &h->newer_commit, "plan", text);
	memcpy(e->blob, h->newer, sizeof e->blob);
	/* where the revision stands in the walk: its commit's position */
	e->after = h->newer_index;
}

static int
on_plan_commit(const struct repo_commit *c, void *arg)
{
	struct history *h = arg;

	h->plan_commits = xreallocarray(h->plan_commits, h->nplan_commits + 1,
	    sizeof *h->plan_commits);
	h->plan_commits[h->nplan_commits++] = xstrdup(c->id);
	flush_revision(h, c->blob);
	memcpy(h->newer, c->blob, sizeof h->newer);
	h->newer_commit = *c;
	h->newer_index = h->nplan_commits - 1;
	free(h->newer_author);
	h->newer_author = xstrdup(c->author);
	h->have_newer = 1;
	return 0;
}

/* The value of a trailer line "Name: value" of a commit message, or NULL. */
static char *
trailer(const char *message, const char *name)
{
	size_t	 n = strlen(name);
	const char *l;

	for (l = message; l != NULL && *l != '\0'; l = strchr(l, '\n'),
	    l = l != NULL ? l + 1 : NULL) {
		if (strncmp(l, name, n) == 0 && l[n] == ':' && l[n + 1] == ' ')
			return xstrndup(l + n + 2, strcspn(l + n + 2, "\n"));
	}
	return NULL;
}

static const struct history *sort_h;

static int
by_id_cmp(const void *a, const void *b)
{
	return strcmp(sort_h->plan_commits[*(const size_t *)a],
	    sort_h->plan_commits[*(const size_t *)b]);
}

static void
index_plan_commits(struct history *h)
{
	size_t	 i;

	h->by_id = xreallocarray(NULL, h->nplan_commits + 1, sizeof *h->by_id);
	for (i = 0; i < h->nplan_commits; i++)
		h->by_id[i] = i;
	sort_h = h;
	array_sort(h->by_id, h->nplan_commits, sizeof *h->by_id, by_id_cmp);
}

/* The walk position of a plans commit, plus one; 0 when not on the walk. */
static size_t
plan_position(const struct history *h, const char *id)
{
	size_t	 lo = 0, hi = h->nplan_commits, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(h->plan_commits[h->by_id[mid]], id)) == 0)
			return h->by_id[mid] + 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The plan revision a state file names (cached: it rarely changes). */
static void
state_revision(struct history *h, const char *blob, char *rev)
{
	char	*text = NULL, *cause = NULL;
	size_t	 len;
	json_t	*o;

	rev[0] = '\0';
	if (*blob == '\0')
		return;
	if (strcmp(blob, h->state_blob) != 0) {
		memcpy(h->state_blob, blob, sizeof h->state_blob);
		h->state_rev[0] = '\0';
		if (repo_blob_read(h->repo, blob, 1 << 20, &text, &len,
		    &cause) == 0 && (o = json_loadb(text, len, 0, NULL)) != NULL) {
			snprintf(h->state_rev, sizeof h->state_rev, "%s",
			    json_string_value(json_object_get(o, "revision")) ?
			    json_string_value(json_object_get(o, "revision")) : "");
			json_decref(o);
		}
		free(text);
		free(cause);
	}
	memcpy(rev, h->state_rev, 41);
}

/*
 * State commits: every message line "<verb> <id> ..." about this plan,
 * before the trailers. Each remembers what it knew of the plans: the
 * plans commit of its Offpeak-Plans trailer (as a walk position, kept in
 * after + 1, 0 when unknown) and the revision its state file names.
 */
static int
on_state_commit(const struct repo_commit *c, void *arg)
{
	struct history *h = arg;
	const char *line = c->message, *end, *sp;
	struct event *e;
	size_t	 idlen = strlen(h->id), pos = 0, first = h->state.n;
	char	*plans, rev[41];

	if ((plans = trailer(c->message, "Offpeak-Plans")) != NULL) {
		pos = plan_position(h, plans);
		free(plans);
	}
	state_revision(h, c->blob, rev);
	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (strncmp(line, "Offpeak-", 8) == 0)
			break;	/* the trailers */
		sp = memchr(line, ' ', end - line);
		if (sp != NULL && (size_t)(end - sp - 1) >= idlen &&
		    strncmp(sp + 1, h->id, idlen) == 0 &&
		    (sp[1 + idlen] == ' ' || sp[1 + idlen] == ':' ||
		    sp + 1 + idlen == end)) {
			e = add_event(&h->state, c, "state", xstrndup(line,
			    end - line));
			memcpy(e->blob, rev, sizeof e->blob);
			e->after = pos;
		}
	}
	/* newest commit first, but its own lines newest first too */
	events_reverse(&h->state, first);
	return 0;
}

/*
 * How many plan events (oldest first) a state event comes after, at least
 * `floor`: all those made at or before its plans commit when it names one
 * on this branch, else up to the first revision (from the floor on) that
 * its state file names, else just the floor.
 */
static size_t
state_after(const struct history *h, const struct event *e, size_t floor)
{
	size_t	 i, n = 0;

	if (e->after != 0) {
		/* plan events stand at walk positions; older is larger */
		for (i = 0; i < h->plan.n; i++) {
			if (h->plan.v[i].after >= e->after - 1)
				n = i + 1;
		}
		return n > floor ? n : floor;
	}
	if (e->blob[0] != '\0') {
		for (i = floor > 0 ? floor - 1 : 0; i < h->plan.n; i++) {
			if (strcmp(h->plan.v[i].blob, e->blob) == 0)
				return i + 1 > floor ? i + 1 : floor;
		}
	}
	return floor;
}

static void
print_event(const struct ctx *ctx, const struct event *e, json_t *out)
{
	char	*t = dt_format_utc(e->when);

	if (ctx->json)
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "time", t, "source", e->source, "commit", e->commit,
		    "author", e->author, "text", e->text));
	else
		printf("%s  %-5s %s  %s\n      by %s\n", t, e->source, e->commit,
		    e->text, e->author);
	free(t);
}

/*
 * Oldest first, in causal order: plan revisions in the order of the plans
 * branch, transitions in the order of the state branch and of their
 * commits' lines, each transition after the revisions it knew of. Commit
 * times do not decide anything: a simulated clock may stand anywhere.
 */
static void
print_history(const struct ctx *ctx, const struct history *h)
{
	json_t	*out = json_array();
	size_t	 i, p = 0, after = 0;

	for (i = 0; i < h->state.n; i++) {
		after = state_after(h, &h->state.v[i], after);
		for (; p < after && p < h->plan.n; p++)
			print_event(ctx, &h->plan.v[p], out);
		print_event(ctx, &h->state.v[i], out);
	}
	for (; p < h->plan.n; p++)
		print_event(ctx, &h->plan.v[p], out);
	if (ctx->json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(out);
}

static int
cmd_log_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct history h;
	char	*cause = NULL, *path, *state_path, *plans = NULL, *warning = NULL;
	char	 origin_state[41];
	size_t	 i;
	int	 rc = EXIT_DONE;

	if (!name_valid(args->argv[0])) {
		cmd_error("'%s' is not a plan id", args->argv[0]);
		return EXIT_INVALID;
	}
	memset(&h, 0, sizeof h);
	h.id = args->argv[0];
	if ((h.repo = repo_open(ctx->repo_path, 0, &cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_ENV;
	}
	if (session_sync(h.repo, ctx->now, SESSION_READONLY |
	    (ctx->offline ? SESSION_OFFLINE : 0), &plans, origin_state,
	    &warning, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		repo_free(h.repo);
		return EXIT_ENV;
	}
	if (warning != NULL)
		cmd_error("warning: %s", warning);
	free(warning);
	path = xasprintf("plans/%s.json", h.id);
	state_path = xasprintf("state/%s.json", h.id);
	if (repo_walk(h.repo, plans != NULL ? plans : "HEAD", path,
	    on_plan_commit, &h, &cause) < 0 ||
	    (index_plan_commits(&h), 0) ||
	    repo_walk(h.repo, STATE_BRANCH, state_path, on_state_commit, &h,
	    &cause) < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_ENV;
	} else {
		flush_revision(&h, "");	/* the oldest revision: its first add */
		if (h.plan.n + h.state.n == 0) {
			cmd_error("no history for a plan '%s'", h.id);
			rc = EXIT_INVALID;
		} else {
			events_reverse(&h.plan, 0);
			events_reverse(&h.state, 0);
			print_history(ctx, &h);
		}
	}
	events_release(&h.plan);
	events_release(&h.state);
	for (i = 0; i < h.nplan_commits; i++)
		free(h.plan_commits[i]);
	free(h.plan_commits);
	free(h.by_id);
	free(h.newer_author);
	free(path);
	free(state_path);
	free(plans);
	repo_free(h.repo);
	return rc;
}

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_ENV),
	.summary = "the whole history of one plan",
	.help =
	    "Shows, oldest first, every revision of plans/ID.json on the plans\n"
	    "branch (commit, author, time, the fields that changed) and every\n"
	    "transition about it on the state branch: assessments, approvals and\n"
	    "rejections, schedules and moves with their notice times, runs and\n"
	    "their phases, cancellations.\n"
	    "\n"
	    "The order is causal, not by date: revisions in the order of the\n"
	    "plans branch, transitions in the order of the state branch, each\n"
	    "after the revisions its state commit was made from.\n",
	.exec = cmd_log_exec
};
