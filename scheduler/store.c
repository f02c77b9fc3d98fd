/* store: the state branch read into a struct state, and written back */
#include <stdlib.h>
#include <string.h>

#include "repo.h"
#include "state.h"
#include "store.h"
#include "util.h"

#define STATE_MAX_FILE (4 * 1024 * 1024)

static int
load_state_file(struct repo *repo, struct state *st,
    const struct repo_entry *e, char **cause)
{
	struct plan_state *ps;
	char	*text, *id, *why;
	size_t	 len;
	int	 rc;

	if (!str_endswith(e->name, ".json"))
		return 0;
	id = xstrndup(e->name, strlen(e->name) - 5);
	rc = repo_blob_read(repo, e->oid, STATE_MAX_FILE, &text, &len, cause);
	if (rc != 0) {
		if (rc > 0)
			*cause = xasprintf("state/%s is too large", e->name);
		free(id);
		return -1;
	}
	ps = state_get(st, id);
	if (state_from_json(ps, text, len, &why) != 0) {
		*cause = xasprintf("state branch: cannot read 'state/%s': %s",
		    e->name, why);
		free(why);
		rc = -1;
	}
	free(text);
	free(id);
	return rc;
}

static int
load_approvals_of(struct repo *repo, struct repo_tree *tree, struct state *st,
    const char *id, char **cause)
{
	struct repo_entry *ents;
	struct plan_state *ps;
	struct approval *a;
	char	*dir, *text, *why;
	size_t	 n, i, len;
	int	 rc = 0;

	dir = xasprintf("approvals/%s", id);
	if (repo_tree_list(tree, dir, &ents, &n, cause) == -1) {
		free(dir);
		return -1;
	}
	ps = state_get(st, id);
	ps->approvals = xreallocarray(ps->approvals, ps->napprovals + n + 1,
	    sizeof *ps->approvals);
	for (i = 0; i < n && rc == 0; i++) {
		if (!str_endswith(ents[i].name, ".json"))
			continue;
		if (repo_blob_read(repo, ents[i].oid, STATE_MAX_FILE, &text,
		    &len, cause) != 0)
			return -1;
		a = &ps->approvals[ps->napprovals];
		memset(a, 0, sizeof *a);
		a->n = atoi(ents[i].name);
		if (approval_from_json(a, text, len, &why) != 0) {
			*cause = xasprintf("state branch: cannot read '%s/%s': %s",
			    dir, ents[i].name, why);
			free(why);
			rc = -1;
		} else
			ps->napprovals++;
		free(text);
	}
	repo_entries_free(ents, n);
	free(dir);
	return rc;
}

static int
approval_cmp(const void *a, const void *b)
{
	return ((const struct approval *)a)->n - ((const struct approval *)b)->n;
}

int
store_load(struct repo *repo, struct state *st, char **cause)
{
	struct repo_tree *tree;
	struct repo_entry *ents;
	size_t	 n, i;
	int	 rc;

	if ((rc = repo_ref_commit(repo, STATE_BRANCH, st->commit, cause)) != 0)
		return rc == 1 ? 0 : -1;
	if ((tree = repo_tree_at(repo, st->commit, cause)) == NULL)
		return -1;
	rc = repo_tree_list(tree, "state", &ents, &n, cause);
	for (i = 0; rc != -1 && i < n; i++)
		rc = load_state_file(repo, st, &ents[i], cause);
	if (rc != -1)
		repo_entries_free(ents, n);
	if (rc != -1 && (rc = repo_tree_list(tree, "approvals", &ents, &n,
	    cause)) != -1) {
		for (i = 0; rc != -1 && i < n; i++) {
			if (ents[i].mode == 040000)
				rc = load_approvals_of(repo, tree, st,
				    ents[i].name, cause);
		}
		repo_entries_free(ents, n);
	}
	for (i = 0; i < st->n; i++)
		qsort(st->items[i]->approvals, st->items[i]->napprovals,
		    sizeof *st->items[i]->approvals, approval_cmp);
	repo_tree_free(tree);
	return rc == -1 ? -1 : 0;
}

struct repo_tree *
store_tree(struct repo *repo, const struct state *st, char **cause)
{
	if (st->commit[0] == '\0')
		return NULL;
	return repo_tree_at(repo, st->commit, cause);
}

/* Write dirty states and new approvals into the transaction. */
static void
stage_states(struct repo_txn *txn, struct state *st)
{
	struct plan_state *ps;
	char	*path, *text;
	size_t	 i, j;
	int	 top;

	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		top = 0;
		for (j = 0; j < ps->napprovals; j++) {
			if (ps->approvals[j].n > top)
				top = ps->approvals[j].n;
		}
		for (j = 0; j < ps->napprovals; j++) {
			if (ps->approvals[j].n != 0)
				continue;
			ps->approvals[j].n = ++top;
			path = xasprintf("approvals/%s/%d.json", ps->id, top);
			text = approval_to_json(&ps->approvals[j]);
			repo_txn_put(txn, path, text, strlen(text));
			free(text);
			free(path);
		}
		if (!ps->dirty)
			continue;
		path = xasprintf("state/%s.json", ps->id);
		text = state_to_json(ps);
		repo_txn_put(txn, path, text, strlen(text));
		free(text);
		free(path);
	}
}

int
store_save(struct repo *repo, struct state *st, const struct store_file *extra,
    size_t nextra, int64_t now, int simulated, char *oid, char **cause)
{
	struct repo_txn *txn;
	struct buf msg = BUF_INIT;
	size_t	 i;
	int	 rc;

	oid[0] = '\0';
	if (st->log.len == 0 && nextra == 0)
		return 0;
	txn = repo_txn_new(repo, st->commit);
	stage_states(txn, st);
	for (i = 0; i < nextra; i++) {
		if (extra[i].data == NULL)
			repo_txn_remove(txn, extra[i].path);
		else
			repo_txn_put(txn, extra[i].path, extra[i].data, extra[i].len);
	}
	/* one transition: it is the subject; more: a summary, then each */
	if (st->nlog != 1)
		buf_addf(&msg, "%s: %zu transition%s\n\n", st->command != NULL ?
		    st->command : "offpeak", st->nlog, st->nlog == 1 ? "" : "s");
	buf_adds(&msg, buf_str(&st->log));
	if (simulated)
		buf_adds(&msg, "\nOffpeak-Clock: simulated\n");
	rc = repo_txn_commit(txn, STATE_BRANCH, buf_str(&msg), now, oid, cause);
	repo_txn_free(txn);
	buf_release(&msg);
	if (rc == 0)
		memcpy(st->commit, oid, sizeof st->commit);
	return rc;
}
