/* archive: finished changes leave the working set of the state branch */
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "datetime.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define MONTH_MAX	(31 * 86400)	/* the longest month */
#define QUARTER_MAX	(92 * 86400)	/* the longest quarter */

int
archive_final(enum status st)
{
	switch (st) {
	case ST_COMPLETED:
	case ST_ROLLED_BACK:
	case ST_FAILED:
	case ST_CANCELLED:
	case ST_EXPIRED:
	case ST_REJECTED:
	case ST_SUPERSEDED:
		return 1;
	default:
		return 0;
	}
}

int64_t
archive_age(const struct policy *pol)
{
	int64_t	 age = pol->calendar.retention, len;
	size_t	 i;

	for (i = 0; i < pol->navailability; i++) {
		switch (pol->availability[i].period) {
		case PERIOD_MONTH:
			len = MONTH_MAX;
			break;
		case PERIOD_QUARTER:
			len = QUARTER_MAX;
			break;
		default:
			len = pol->availability[i].period_len;
			break;
		}
		if (len > age)
			age = len;
	}
	return age;
}

int64_t
archive_ended(const struct plan_state *ps)
{
	int64_t	 t = ps->updated_at;

	if (ps->released_at > t)
		t = ps->released_at;
	if (ps->has_slot && ps->slot.end > t)
		t = ps->slot.end;
	return t;
}

/* Does the archive hold a change of that id already (an id used again)? */
static int
archived(struct session *s, const char *id)
{
	struct repo_tree *tree;
	char	*path, oid[41], *why = NULL;
	int	 rc = -1;

	if ((tree = repo_tree_cached(s->repo, s->st.commit, &why)) != NULL) {
		path = xasprintf("%s/state/%s.json", ARCHIVE_DIR, id);
		rc = repo_tree_oid(tree, path, oid, &why);
		free(path);
	}
	free(why);
	return rc != 1;		/* unsure: it stays */
}

/*
 * Is ps due to leave the working set? A second change under an id the
 * archive holds stays: the archive never changes.
 */
static int
due(struct session *s, const struct plan_state *ps, int64_t age)
{
	return archive_final(ps->status) && !ps->dirty &&
	    s->now >= archive_ended(ps) + age && session_plan(s, ps->id) == NULL &&
	    !archived(s, ps->id);
}

/* Copy one file of the state branch under archive/ and remove it. */
static int
move_file(struct session *s, const char *path, struct store_files *files,
    char **cause)
{
	char	*text;
	size_t	 len;
	int	 rc;

	if ((rc = store_read(s->repo, &s->st, path, &text, &len, cause)) != 0) {
		if (rc == 1)
			*cause = xasprintf("state branch: '%s' is missing", path);
		return -1;
	}
	store_files_add(files, xasprintf("%s/%s", ARCHIVE_DIR, path), text, len);
	store_files_add(files, xstrdup(path), NULL, 0);
	return 0;
}

/* Move a change's state and approvals. */
static int
move_change(struct session *s, const struct plan_state *ps,
    struct store_files *files, char **cause)
{
	char	*path, *dir, **names = NULL;
	size_t	 i;
	int	 rc;

	path = xasprintf("state/%s.json", ps->id);
	rc = move_file(s, path, files, cause);
	free(path);
	if (rc != 0 || ps->napprovals == 0)
		return rc;
	dir = xasprintf("approvals/%s", ps->id);
	if ((rc = store_list(s->repo, &s->st, dir, &names, cause)) == 0) {
		for (i = 0; rc == 0 && names[i] != NULL; i++) {
			path = xasprintf("%s/%s", dir, names[i]);
			rc = move_file(s, path, files, cause);
			free(path);
		}
	}
	strv_free(names);
	free(dir);
	return rc;
}

long
archive_due(struct session *s, struct store_files *files, char **cause)
{
	struct state *st = &s->st;
	struct plan_state *ps;
	int64_t	 age;
	size_t	 i, kept = 0;
	long	 moved = 0;
	char	*when;

	if (st->commit[0] == '\0' || s->chk.policy == NULL)
		return 0;
	age = archive_age(s->chk.policy);
	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		if (!due(s, ps, age)) {
			st->items[kept++] = ps;
			continue;
		}
		if (move_change(s, ps, files, cause) != 0) {
			/* what was not looked at yet stays */
			memmove(&st->items[kept], &st->items[i],
			    (st->n - i) * sizeof *st->items);
			st->n = kept + (st->n - i);
			return -1;
		}
		when = dt_format_utc(archive_ended(ps));
		state_log(st, NULL, "archive %s (%s, ended %s)", ps->id,
		    status_names[ps->status], when);
		free(when);
		plan_state_free(ps);
		moved++;
	}
	st->n = kept;
	return moved;
}

int
archive_load(struct repo *repo, struct state *st, char **cause)
{
	struct state old;
	struct plan_state **v;
	size_t	 i, n = 0;

	if (store_load_archive(repo, st, &old, cause) != 0) {
		state_release(&old);
		return -1;
	}
	v = xcalloc(st->n + old.n + 1, sizeof *v);
	for (i = 0; i < st->n; i++)
		v[n++] = st->items[i];
	for (i = 0; i < old.n; i++) {
		/* a plan submitted again under the same id: the working one */
		if (state_find(st, old.items[i]->id) != NULL)
			plan_state_free(old.items[i]);
		else
			v[n++] = old.items[i];
	}
	old.n = 0;
	state_adopt(st, v, n);
	state_release(&old);
	return 0;
}

char *
archive_said(struct repo *repo, const struct state *st, const char *id)
{
	struct plan_state *ps;
	char	*path, *text, *why = NULL, *when, *msg = NULL;
	size_t	 len;

	if (!name_valid(id))
		return NULL;
	path = xasprintf("%s/state/%s.json", ARCHIVE_DIR, id);
	if (store_read(repo, st, path, &text, &len, &why) != 0) {
		free(why);
		free(path);
		return NULL;
	}
	ps = plan_state_new(id);
	if (state_from_json(ps, text, len, &why) == 0) {
		when = dt_format_utc(archive_ended(ps));
		msg = xasprintf("plan '%s' has ended (%s, %s) and is archived: "
		    "'offpeak log %s' and 'offpeak report' tell its history", id,
		    status_names[ps->status], when, id);
		free(when);
	}
	free(why);
	plan_state_free(ps);
	free(text);
	free(path);
	return msg;
}
