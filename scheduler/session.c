/* session: what a command works on — the plans at a ref and the state */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "repo.h"
#include "session.h"
#include "util.h"

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

int
session_open(struct session *s, const char *repo_path, int64_t now,
    int flags, char **cause)
{
	char	*plans = NULL;

	memset(s, 0, sizeof *s);
	state_init(&s->st);
	s->now = now;
	s->simulated = (flags & SESSION_SIMULATED) != 0;
	s->offline = (flags & SESSION_OFFLINE) != 0;
	if ((s->repo = repo_open(repo_path, 0, cause)) == NULL)
		return EXIT_ENV;
	s->origin = repo_remote_url(s->repo);
	if (s->origin != NULL && !s->offline &&
	    session_fetch(s->repo, &plans, s->origin_state, cause) != 0)
		return EXIT_ENV;
	s->tree = repo_tree_at(s->repo, plans != NULL ? plans : "HEAD", cause);
	free(plans);
	if (s->tree == NULL ||
	    check_tree(s->repo, s->tree, &s->chk, cause) != 0)
		return EXIT_ENV;
	if (s->chk.diags.n != 0 || s->chk.policy == NULL)
		return EXIT_INVALID;
	if (store_load(s->repo, &s->st, cause) != 0 || fill_added(s, cause) != 0)
		return EXIT_ENV;
	snprintf(s->st.plans, sizeof s->st.plans, "%s",
	    repo_tree_commit(s->tree));
	return EXIT_DONE;
}

void
session_close(struct session *s)
{
	check_result_release(&s->chk);
	state_release(&s->st);
	repo_tree_free(s->tree);
	repo_free(s->repo);
	free(s->origin);
	memset(s, 0, sizeof *s);
}

void
session_reconcile(struct session *s)
{
	state_reconcile(&s->st, s->chk.policy, s->chk.plans, s->chk.nplans,
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
		return EXIT_DONE;
	}
	repo_ref_set(s->repo, STATE_BRANCH, base, oid, NULL);
	memcpy(s->st.commit, base, sizeof s->st.commit);
	if (rc == -1) {
		*cause = xasprintf("%s; nothing was written", why);
		free(why);
		return EXIT_ENV;
	}
	if (session_fetch(s->repo, NULL, s->origin_state, &again) != 0) {
		*cause = xasprintf("%s; nothing was written", again);
		free(again);
		free(why);
		return EXIT_ENV;
	}
	if (rc == REPO_TXN_RACE || strcmp(before, s->origin_state) != 0) {
		free(why);
		*cause = xasprintf("another operator or scheduler updated the "
		    "state on origin ('%s') first; nothing was written",
		    s->origin);
		return EXIT_RACE;
	}
	*cause = xasprintf("%s; nothing was written", why);
	free(why);
	return EXIT_ENV;
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
		return EXIT_ENV;
	}
	memcpy(base, s->st.commit, sizeof base);
	test_pause("commit");
	rc = store_save(s->repo, &s->st, extra, n, s->now, s->simulated, oid,
	    cause);
	if (rc == REPO_TXN_RACE) {
		*cause = xstrdup("the state branch moved while this command ran "
		    "(another operator or scheduler won); nothing was written");
		return EXIT_RACE;
	}
	if (rc != 0)
		return EXIT_ENV;
	if (!shared || s->offline || oid[0] == '\0')
		return EXIT_DONE;
	return session_push(s, base, oid, cause);
}
