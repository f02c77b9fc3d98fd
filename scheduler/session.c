/* session: what a command works on — the plans at a ref and the state */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "datetime.h"
#include "fsutil.h"
#include "plan.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "sshsig.h"
#include "util.h"

#define SIGNERS_MAX	(1024 * 1024)

/* Where a clone keeps when it last fetched, and origin's plans branch. */
#define FETCH_NOTE "offpeak-fetch"

/* Give plans that offpeak has not seen yet their first-commit time. */
static int
note_added(const char *name, int64_t when, void *arg)
{
	struct session *s = arg;
	struct plan *p;
	char	*id;

	if (!str_endswith(name, ".json"))
		return 0;
	id = xstrndup(name, strlen(name) - 5);
	if ((p = session_plan(s, id)) != NULL && p->added_at == 0)
		p->added_at = when;
	free(id);
	return 0;
}

static int
fill_added(struct session *s, char **cause)
{
	size_t	 i;

	for (i = 0; i < s->chk.nplans; i++) {
		if (state_find(&s->st, s->chk.plans[i]->id) == NULL)
			break;
	}
	if (i == s->chk.nplans)
		return 0;	/* every plan already has its submission time */
	return repo_first_added(s->repo, repo_tree_commit(s->tree), "plans",
	    note_added, s, cause);
}

/*
 * Fetch from origin and make the local state branch origin's: it only
 * caches what origin accepted. When origin has no state branch, a local
 * one it had before goes too; one it never had is kept for the next push.
 */
int
session_fetch(struct repo *repo, char **plans, char *origin_state,
    char **cause)
{
	char	*tracking = repo_tracking_ref(STATE_BRANCH), *why = NULL;
	char	 before[41];
	int	 had, rc = -1;

	if ((had = repo_ref_commit(repo, tracking, before, &why)) == -1 ||
	    repo_fetch(repo, plans, STATE_BRANCH, &why) != 0)
		goto out;
	switch (repo_ref_commit(repo, tracking, origin_state, &why)) {
	case 0:
		rc = repo_ref_set(repo, STATE_BRANCH, origin_state, NULL, &why);
		break;
	case 1:
		rc = had == 0 ? repo_ref_set(repo, STATE_BRANCH, "", NULL,
		    &why) : 0;
		break;
	}
out:
	if (rc != 0)
		*cause = why != NULL ? why : xstrdup("cannot fetch the state");
	free(tracking);
	return rc == 0 ? 0 : -1;
}

/* Remember a good fetch: its time (the command's clock) and the plans ref. */
static void
note_fetch(struct repo *repo, int64_t now, const char *plans)
{
	char	*path = repo_git_path(repo, FETCH_NOTE);
	char	*text = xasprintf("at %lld\nplans %s\n", (long long)now, plans);

	(void)fs_write_atomic(path, text, strlen(text), 0644);	/* a hint only */
	free(text);
	free(path);
}

/*
 * The last good fetch: *plans the remote-tracking ref of origin's plans
 * branch (allocated; from the note, else origin's HEAD as a clone left
 * it), *at its time or -1 when unknown. Returns 0, or -1 when the clone
 * holds no copy of origin's plans at all.
 */
static int
last_fetch(struct repo *repo, char **plans, int64_t *at)
{
	char	*path = repo_git_path(repo, FETCH_NOTE), ref[1024], *b, *full;
	char	 oid[41], *cause = NULL;
	long long t;
	FILE	*f;

	*plans = NULL;
	*at = -1;
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "at %lld plans %1023s", &t, ref) == 2) {
			*plans = xstrdup(ref);
			*at = t;
		}
		fclose(f);
	}
	free(path);
	if (*plans == NULL && (b = repo_config_get(repo,
	    "offpeak.branch")) != NULL) {
		full = strncmp(b, "refs/heads/", 11) == 0 ? xstrdup(b) :
		    xasprintf("refs/heads/%s", b);
		*plans = repo_tracking_ref(full);
		free(full);
		free(b);
	}
	if (*plans == NULL)
		*plans = repo_symbolic_target(repo, "refs/remotes/" REPO_REMOTE
		    "/HEAD");
	if (*plans != NULL && repo_ref_commit(repo, *plans, oid, &cause) == 0)
		return 0;
	free(cause);
	free(*plans);
	*plans = NULL;
	return -1;
}

static char *
fetched_when(int64_t at, int64_t now)
{
	char	*t, *age, *s;

	if (at < 0)
		return xstrdup("at an unknown time");
	t = dt_format_utc(at);
	if (now >= at) {
		age = dur_human(now - at);
		s = xasprintf("%s ago (%s)", age, t);
		free(age);
	} else
		s = xasprintf("at %s", t);
	free(t);
	return s;
}

int
session_sync(struct repo *repo, int64_t now, int flags, char **plans,
    char *origin_state, char **warning, char **cause)
{
	char	*url, *why = NULL, *when;
	int64_t	 at;

	*plans = NULL;
	*warning = NULL;
	origin_state[0] = '\0';
	if ((url = repo_remote_url(repo)) == NULL)
		return 0;
	if (flags & SESSION_OFFLINE) {
		if (last_fetch(repo, plans, &at) != 0)
			*plans = NULL;	/* nothing fetched yet: HEAD */
		free(url);
		return 0;
	}
	if (session_fetch(repo, plans, origin_state, &why) == 0) {
		note_fetch(repo, now, *plans);
		free(url);
		return 0;
	}
	if (!(flags & SESSION_READONLY) || last_fetch(repo, plans, &at) != 0) {
		*cause = why;
		free(url);
		return -1;
	}
	when = fetched_when(at, now);
	*warning = xasprintf("%s; answering from the copy of '%s' fetched %s",
	    why, url, when);
	free(when);
	free(why);
	free(url);
	return 0;
}

int
session_identity(struct session *s, const char *key, const char *ns,
    char **who, char **keyfile, char **cause)
{
	char	*email = repo_config_get(s->repo, "user.email"), *k, *why = NULL;
	unsigned char *blob;
	size_t	 len;

	*who = *keyfile = NULL;
	if (!s->trust.required) {
		if (email == NULL) {
			*cause = xstrdup("no git identity: set user.email (git "
			    "config user.email you@example.com)");
			return -1;
		}
		*who = email;
		return 0;
	}
	k = key != NULL ? xstrdup(key) : repo_config_get(s->repo,
	    "user.signingkey");
	if (k == NULL) {
		*cause = xstrdup("signing is required: name your SSH key with git "
		    "config user.signingkey ~/.ssh/id_ed25519, or give --key FILE");
		free(email);
		return -1;
	}
	if (sshsig_public_key(k, &blob, &len, cause) != 0) {
		free(k);
		free(email);
		return -1;
	}
	*who = trust_principal_of_key(&s->trust, blob, len, ns, email, &why);
	free(blob);
	free(email);
	if (*who == NULL) {
		*cause = xasprintf("key '%s': %s ('%s' on the plans branch)", k,
		    why, s->chk.policy->allowed_signers != NULL ?
		    s->chk.policy->allowed_signers : "no allowed_signers");
		free(why);
		free(k);
		return -1;
	}
	*keyfile = k;
	return 0;
}

char *
session_no_plan(const struct session *s, const char *id)
{
	char	*archived;

	if (state_find(&s->st, id) == NULL &&
	    (archived = archive_said(s->repo, &s->st, id)) != NULL)
		return archived;
	if (s->origin == NULL || s->plans_ref == NULL)
		return xasprintf("no plan has the id '%s'", id);
	if (s->offline || s->stale)
		return xasprintf("no plan has the id '%s' in the local copy of "
		    "origin's plans branch (%s, fetched %s); a command without "
		    "--offline fetches it from '%s'", id, s->plans_ref,
		    s->fetched, s->origin);
	return xasprintf("no plan has the id '%s' on origin's plans branch "
	    "(%s)", id, s->plans_ref + (strncmp(s->plans_ref,
	    "refs/remotes/", 13) == 0 ? 13 : 0));
}

/* Who made the current revision of each plan file: one history walk. */
struct author_entry {
	char	*id;
	char	 commit[41];
	char	*email;		/* the commit's author */
	int	 signer_known;
	char	*signer;	/* with signing: its verified principal */
	char	*why;		/* why there is none */
};

struct authors {
	struct author_entry *v;
	size_t	 n;
};

static void
author_found(const char *name, const char *commit, const char *email,
    void *arg)
{
	struct authors *au = arg;
	struct author_entry *e;

	if (!str_endswith(name, ".json"))
		return;
	au->v = xreallocarray(au->v, au->n + 1, sizeof *au->v);
	e = &au->v[au->n++];
	memset(e, 0, sizeof *e);
	e->id = xstrndup(name, strlen(name) - 5);
	snprintf(e->commit, sizeof e->commit, "%s", commit);
	e->email = xstrdup(email != NULL ? email : "");
}

static int
author_cmp(const void *a, const void *b)
{
	return strcmp(((const struct author_entry *)a)->id,
	    ((const struct author_entry *)b)->id);
}

static void
authors_free(struct authors *au)
{
	size_t	 i;

	if (au == NULL)
		return;
	for (i = 0; i < au->n; i++) {
		free(au->v[i].id);
		free(au->v[i].email);
		free(au->v[i].signer);
		free(au->v[i].why);
	}
	free(au->v);
	free(au);
}

static struct authors *
authors_find(struct session *s, char **why)
{
	char	**names = xcalloc(s->chk.nplans + 1, sizeof *names);
	size_t	 i;

	for (i = 0; i < s->chk.nplans; i++)
		names[i] = xasprintf("%s.json", s->chk.plans[i]->id);
	s->authors = xcalloc(1, sizeof *s->authors);
	if (repo_blob_origins(s->repo, repo_tree_commit(s->tree), "plans",
	    names, author_found, s->authors, why) != 0) {
		strv_free(names);
		return NULL;
	}
	strv_free(names);
	array_sort(s->authors->v, s->authors->n, sizeof *s->authors->v,
	    author_cmp);
	return s->authors;
}

/* trust's question: who made revision blob of plan id? */
static char *
session_author(void *arg, const char *id, const char *blob, char **why)
{
	struct session *s = arg;
	struct plan *p = session_plan(s, id);
	struct author_entry key, *e;

	if (p == NULL || strcmp(p->blob, blob) != 0) {
		*why = xasprintf("revision %.12s is not the plan's on the plans "
		    "branch", blob);
		return NULL;
	}
	if (s->authors == NULL && authors_find(s, why) == NULL)
		return NULL;
	key.id = (char *)id;
	if (s->authors->n == 0 || (e = bsearch(&key, s->authors->v,
	    s->authors->n, sizeof *e, author_cmp)) == NULL) {
		*why = xasprintf("no commit of plans/%s.json was found", id);
		return NULL;
	}
	if (!e->signer_known) {
		e->signer = trust_commit_signer(&s->trust, s->repo, e->commit,
		    &e->why);
		e->signer_known = 1;
	}
	if (e->signer == NULL) {
		*why = xstrdup(e->why);
		return NULL;
	}
	return xstrdup(e->signer);
}

/* Set up who counts: the allowed signers of the plans branch, the cache. */
static void
session_trust(struct session *s)
{
	const struct policy *pol = s->chk.policy;
	char	*program, *path, *text = NULL, *problem = NULL, *cause = NULL;
	size_t	 len = 0;
	int	 r = 1;

	if ((program = repo_config_get(s->repo, "gpg.ssh.program")) != NULL)
		sshsig_set_program(program);
	free(program);
	path = repo_git_path(s->repo, "offpeak");
	(void)mkdir_p(path, 0755);	/* without it, nothing is cached */
	free(path);
	path = repo_git_path(s->repo, "offpeak/verified");
	s->sigcache = sshsig_cache_open(path);
	free(path);
	if (pol->allowed_signers != NULL && (r = repo_tree_read(s->tree,
	    pol->allowed_signers, SIGNERS_MAX, &text, &len, NULL, &cause)) != 0)
		problem = r == 1 ? xasprintf("'%s' is not on the plans branch",
		    pol->allowed_signers) : r == 2 ? xasprintf("'%s' is larger "
		    "than 1 MiB", pol->allowed_signers) : xstrdup(cause);
	trust_init(&s->trust, pol, r == 0 ? text : NULL, len, problem,
	    s->sigcache);
	s->trust.author = session_author;
	s->trust.arg = s;
	free(text);
	free(problem);
	free(cause);
}

int
session_open(struct session *s, const char *repo_path, int64_t now,
    int flags, char **cause)
{
	char	*plans = NULL;
	int64_t	 at;

	memset(s, 0, sizeof *s);
	state_init(&s->st);
	s->now = now;
	s->simulated = (flags & SESSION_SIMULATED) != 0;
	s->offline = (flags & SESSION_OFFLINE) != 0;
	if ((s->repo = repo_open(repo_path, 0, cause)) == NULL)
		return OUT_ENV;
	s->origin = repo_remote_url(s->repo);
	if (s->origin != NULL && session_sync(s->repo, now, flags, &plans,
	    s->origin_state, &s->warning, cause) != 0)
		return OUT_ENV;
	s->stale = s->warning != NULL;
	if (s->origin != NULL && (s->offline || s->stale)) {
		free(plans);
		if (last_fetch(s->repo, &plans, &at) != 0)
			plans = NULL;
		s->fetched = fetched_when(at, now);
	}
	s->plans_ref = plans;
	s->tree = repo_tree_at(s->repo, plans != NULL ? plans : "HEAD", cause);
	if (s->tree == NULL ||
	    check_tree(s->repo, s->tree, &s->chk, cause) != 0)
		return OUT_ENV;
	if (s->chk.diags.n != 0 || s->chk.policy == NULL)
		return OUT_INVALID;
	session_trust(s);
	if (store_load(s->repo, &s->st, cause) != 0 || fill_added(s, cause) != 0)
		return OUT_ENV;
	snprintf(s->st.plans, sizeof s->st.plans, "%s",
	    repo_tree_commit(s->tree));
	return OUT_OK;
}

/*
 * What session_close_at_exit leaves to the end of the process: reachable
 * from here, so that leak checkers count none of it as lost.
 */
struct kept_session {
	struct check_result chk;
	struct state st;
	struct kept_session *next;
};
static struct kept_session *kept_sessions;

void
session_close_at_exit(struct session *s)
{
	struct kept_session *k = xcalloc(1, sizeof *k);

	k->chk = s->chk;
	k->st = s->st;
	k->next = kept_sessions;
	kept_sessions = k;
	memset(&s->chk, 0, sizeof s->chk);
	state_init(&s->st);
	session_close(s);
}

void
session_close(struct session *s)
{
	trust_release(&s->trust);
	sshsig_cache_free(s->sigcache);
	authors_free(s->authors);
	check_result_release(&s->chk);
	state_release(&s->st);
	repo_tree_free(s->tree);
	repo_free(s->repo);
	free(s->origin);
	free(s->plans_ref);
	free(s->warning);
	free(s->fetched);
	memset(s, 0, sizeof *s);
}

void
session_reconcile(struct session *s)
{
	state_reconcile(&s->st, &s->trust, s->chk.plans, s->chk.nplans,
	    s->now);
}

struct plan *
session_plan(const struct session *s, const char *id)
{
	size_t	 lo = 0, hi = s->chk.nplans, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(s->chk.plans[mid]->id, id)) == 0)
			return s->chk.plans[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Push the commit made on base to origin. When origin does not take it,
 * the local branch goes back to base, then follows origin again.
 */
static int
session_push(struct session *s, const char *base, const char *oid,
    char **cause)
{
	char	 before[41], *why = NULL, *again = NULL;
	int	 rc;

	test_pause("push");
	memcpy(before, s->origin_state, sizeof before);
	if ((rc = repo_push(s->repo, STATE_BRANCH, before, &why)) == 0) {
		memcpy(s->origin_state, oid, sizeof s->origin_state);
		return OUT_OK;
	}
	repo_ref_set(s->repo, STATE_BRANCH, base, oid, NULL);
	memcpy(s->st.commit, base, sizeof s->st.commit);
	if (rc == -1) {
		*cause = xasprintf("%s; nothing was written", why);
		free(why);
		return OUT_ENV;
	}
	if (session_fetch(s->repo, NULL, s->origin_state, &again) != 0) {
		*cause = xasprintf("%s; nothing was written", again);
		free(again);
		free(why);
		return OUT_ENV;
	}
	if (rc == REPO_TXN_RACE || strcmp(before, s->origin_state) != 0) {
		free(why);
		*cause = xasprintf("another operator or scheduler updated the "
		    "state on origin ('%s') first; nothing was written",
		    s->origin);
		return OUT_RACE;
	}
	*cause = xasprintf("%s; nothing was written", why);
	free(why);
	return OUT_ENV;
}

int
session_commit(struct session *s, const struct store_file *extra, size_t n,
    char **cause)
{
	char	 base[41], oid[41];
	int	 shared = s->origin != NULL, rc;

	if (shared && s->offline && (s->st.log.len != 0 || n != 0)) {
		*cause = xasprintf("--offline: the state is shared through "
		    "'%s' and only changes there; nothing was written",
		    s->origin);
		return OUT_ENV;
	}
	if (shared && s->stale && (s->st.log.len != 0 || n != 0)) {
		*cause = xasprintf("origin '%s' cannot be reached and the state "
		    "only changes there; nothing was written", s->origin);
		return OUT_ENV;
	}
	memcpy(base, s->st.commit, sizeof base);
	test_pause("commit");
	rc = store_save(s->repo, &s->st, extra, n, s->now, s->simulated, oid,
	    cause);
	if (rc == REPO_TXN_RACE) {
		*cause = xstrdup("the state branch moved while this command ran "
		    "(another operator or scheduler won); nothing was written");
		return OUT_RACE;
	}
	if (rc != 0)
		return OUT_ENV;
	if (!shared || s->offline || oid[0] == '\0')
		return OUT_OK;
	return session_push(s, base, oid, cause);
}
