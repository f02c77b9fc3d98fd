/* session: what a command works on — the plans at a ref and the state */
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

int
session_open(struct session *s, const char *repo_path, int64_t now,
    int simulated, char **cause)
{
	memset(s, 0, sizeof *s);
	state_init(&s->st);
	s->now = now;
	s->simulated = simulated;
	if ((s->repo = repo_open(repo_path, 0, cause)) == NULL ||
	    (s->tree = repo_tree_at(s->repo, "HEAD", cause)) == NULL ||
	    check_tree(s->repo, s->tree, &s->chk, cause) != 0)
		return EXIT_ENV;
	if (s->chk.diags.n != 0 || s->chk.policy == NULL)
		return EXIT_INVALID;
	if (store_load(s->repo, &s->st, cause) != 0 || fill_added(s, cause) != 0)
		return EXIT_ENV;
	return EXIT_DONE;
}

void
session_close(struct session *s)
{
	check_result_release(&s->chk);
	state_release(&s->st);
	repo_tree_free(s->tree);
	repo_free(s->repo);
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

int
session_commit(struct session *s, const struct store_file *extra, size_t n,
    char **cause)
{
	char	 oid[41];
	int	 rc;

	test_pause("commit");
	rc = store_save(s->repo, &s->st, extra, n, s->now, s->simulated, oid,
	    cause);
	if (rc == REPO_TXN_RACE) {
		*cause = xstrdup("the state branch moved while this command ran "
		    "(another operator or scheduler won); nothing was written");
		return EXIT_RACE;
	}
	return rc == 0 ? EXIT_DONE : EXIT_ENV;
}
