/*
 * trust: who a decision or a run is by, and whether it counts — signed
 * statements, the allowed signers, separation of duties, approver lists
 * and rules, break-glass and operators
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "policy.h"
#include "record.h"
#include "repo.h"
#include "sshsig.h"
#include "state.h"
#include "trust.h"
#include "util.h"

#define MATCH_MAX	64	/* quota units a rule set may ask for */

void
trust_init(struct trust *t, const struct policy *pol, const char *text,
    size_t len, const char *problem, struct sshsig_cache *cache)
{
	struct diags d;

	memset(t, 0, sizeof *t);
	t->pol = pol;
	t->required = pol != NULL && pol->signing == SIGNING_REQUIRED;
	t->cache = cache;
	if (text != NULL) {
		diags_init(&d);
		signers_parse(&t->signers, "allowed signers", text, len, &d);
		diags_release(&d);
		t->signers_text = xstrndup(text, len);
		t->signers_len = len;
		t->have_signers = 1;
	} else
		t->signers_problem = xstrdup(problem != NULL ? problem :
		    "the policy names no \"allowed_signers\" file");
}

void
trust_release(struct trust *t)
{
	signers_release(&t->signers);
	free(t->signers_text);
	free(t->signers_problem);
	memset(t, 0, sizeof *t);
}

char *
trust_approval_statement(const char *id, const struct approval *a)
{
	char	*at = dt_format_utc(a->at), *s;

	s = xasprintf("offpeak-approval 1\nplan %s\nrevision %s\n"
	    "decision %s\nbreak-glass %s\nprincipal %s\ntime %s\ncomment %s\n",
	    id, a->revision, a->reject ? "reject" : "approve",
	    a->break_glass ? "yes" : "no", a->approver, at,
	    a->comment != NULL ? a->comment : "");
	free(at);
	return s;
}

char *
trust_run_statement(const struct run_statement *r)
{
	char	*start = dt_format_utc(r->start), *end = dt_format_utc(r->end);
	char	*at = dt_format_utc(r->at), *s;

	s = xasprintf("offpeak-run 1\nplan %s\nrevision %s\nrun %s\n"
	    "slot %s/%s\nprincipal %s\ntime %s\naction %s\n", r->plan,
	    r->revision, r->run, start, end, r->principal, at, r->action);
	free(start);
	free(end);
	free(at);
	return s;
}

char *
trust_principal_of_key(struct trust *t, const unsigned char *key,
    size_t keylen, const char *ns, const char *prefer, char **why)
{
	const char **v;
	char	*who = NULL;
	size_t	 i;

	if (!t->have_signers) {
		*why = xstrdup(t->signers_problem);
		return NULL;
	}
	v = signers_principals(&t->signers, key, keylen, ns);
	for (i = 0; prefer != NULL && v[i] != NULL && who == NULL; i++) {
		if (strcasecmp(v[i], prefer) == 0)
			who = xstrdup(v[i]);
	}
	if (who == NULL && v[0] != NULL)
		who = xstrdup(v[0]);
	free(v);
	if (who == NULL)
		*why = xasprintf("the key is not in the allowed signers for %s",
		    ns);
	return who;
}

char *
trust_signer_of(struct trust *t, const char *sig, const char *ns,
    const char *prefer, char **why)
{
	struct sshsig_info info;
	char	*who, *cause = NULL;

	if (!t->have_signers) {
		*why = xstrdup(t->signers_problem);
		return NULL;
	}
	if (sshsig_parse(sig, &info, &cause) != 0) {
		*why = cause;
		return NULL;
	}
	if ((who = trust_principal_of_key(t, info.key, info.keylen, ns, prefer,
	    &cause)) == NULL) {
		*why = xasprintf("key %s %s is not in the allowed signers for "
		    "%s", info.keytype, info.fingerprint, ns);
		free(cause);
	}
	sshsig_info_release(&info);
	return who;
}

int
trust_verify(struct trust *t, const char *principal, const char *ns,
    const char *sig, const char *statement, int64_t at, char **why)
{
	struct sshsig_info info;
	char	*cause = NULL;
	int	 rc;

	if (!t->have_signers) {
		*why = xstrdup(t->signers_problem);
		return -1;
	}
	if (sig == NULL || *sig == '\0') {
		*why = xstrdup("it is not signed");
		return -1;
	}
	if (sshsig_parse(sig, &info, &cause) != 0) {
		*why = cause;
		return -1;
	}
	if (strcmp(info.ns, ns) != 0) {
		char	*q = str_quote(info.ns, 40);

		*why = xasprintf("the signature is for namespace '%s', not %s",
		    q, ns);
		free(q);
		sshsig_info_release(&info);
		return -1;
	}
	if (!signers_allows(&t->signers, info.key, info.keylen, principal, ns)) {
		*why = xasprintf("key %s %s is not in the allowed signers for "
		    "'%s'", info.keytype, info.fingerprint, principal);
		sshsig_info_release(&info);
		return -1;
	}
	sshsig_info_release(&info);
	rc = sshsig_verify(t->cache, t->signers_text, t->signers_len, principal,
	    ns, sig, statement, strlen(statement), at, &cause);
	if (rc != 0) {
		*why = xasprintf("the signature does not verify: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

char *
trust_commit_signer(struct trust *t, struct repo *repo, const char *commit,
    char **why)
{
	struct repo_commit_info ci;
	char	*sig = NULL, *data = NULL, *who, *cause = NULL;
	size_t	 len;
	int	 rc;

	if ((rc = repo_commit_signature(repo, commit, &sig, &data, &len,
	    why)) != 0) {
		if (rc == 1)
			*why = xasprintf("commit %.12s is not signed", commit);
		return NULL;
	}
	if (strstr(sig, "-----BEGIN SSH SIGNATURE-----") == NULL) {
		*why = xasprintf("commit %.12s is not signed with an SSH key "
		    "(git config gpg.format ssh)", commit);
		free(sig);
		free(data);
		return NULL;
	}
	if (repo_commit_info(repo, commit, &ci, why) != 0) {
		free(sig);
		free(data);
		return NULL;
	}
	who = trust_signer_of(t, sig, "git", ci.author_email, &cause);
	if (who != NULL && (rc = sshsig_verify(t->cache, t->signers_text,
	    t->signers_len, who, "git", sig, data, len, ci.when, &cause)) != 0) {
		free(who);
		who = NULL;
	}
	if (who == NULL) {
		*why = xasprintf("commit %.12s: %s", commit, cause);
		free(cause);
	}
	repo_commit_info_release(&ci);
	free(sig);
	free(data);
	return who;
}

int
trust_verify_record(struct trust *t, const struct record *rec, size_t i,
    char **why)
{
	struct record_signature sg;
	struct run_statement st;
	char	*text;
	int	 rc;

	if (record_signature(rec, i, &sg) != 0) {
		*why = xstrdup("a malformed signature entry");
		return -1;
	}
	memset(&st, 0, sizeof st);
	st.plan = record_str(rec, "plan");
	st.revision = record_str(rec, "revision");
	st.run = record_str(rec, "run");
	st.start = record_time(rec, "slot_start");
	st.end = record_time(rec, "slot_end");
	st.principal = sg.principal;
	st.at = sg.at;
	st.action = sg.action;
	if (st.plan == NULL || st.revision == NULL || st.run == NULL) {
		*why = xstrdup("the record lacks its plan, revision or run");
		return -1;
	}
	text = trust_run_statement(&st);
	rc = trust_verify(t, sg.principal, "offpeak-run", sg.signature, text,
	    sg.at, why);
	free(text);
	return rc;
}

/* The author of the revision being vetted, learnt once. */
struct author {
	int	 known;
	char	*who;		/* NULL: unknown */
	char	*why;		/* why unknown */
};

static void
author_release(struct author *au)
{
	free(au->who);
	free(au->why);
}

/*
 * Is who the plan's owner or the author of its revision? 1 or 0; -1 with
 * *why when signing is required and the author cannot be told.
 */
static int
is_self(struct trust *t, const struct plan_state *ps, const char *who,
    struct author *au, char **why)
{
	if (ps->snap.owner != NULL && strcasecmp(ps->snap.owner, who) == 0)
		return 1;
	if (!t->required)
		return 0;	/* without signatures, nobody is known to sign */
	if (!au->known && t->author != NULL) {
		au->who = t->author(t->arg, ps->id, ps->revision, &au->why);
		au->known = 1;
	}
	if (au->who == NULL) {
		*why = xasprintf("the author of revision %.12s of '%s' cannot be "
		    "told: %s", ps->revision, ps->id, au->why != NULL ? au->why :
		    "unknown");
		return -1;
	}
	return au->who != NULL && strcasecmp(au->who, who) == 0;
}

static int
vet(struct trust *t, const struct plan_state *ps, struct approval *a,
    unsigned flags, struct author *au, char **why)
{
	const struct policy *pol = t->pol;
	char	*statement, *cause = NULL;
	int	 rc;

	if (a->break_glass && !policy_is_break_glass(pol, a->approver)) {
		*why = xasprintf("'%s' is not on the break-glass list",
		    a->approver);
		return -1;
	}
	if (!a->break_glass && !policy_is_approver(pol, a->approver)) {
		*why = xasprintf("'%s' is not an approver in offpeak.json",
		    a->approver);
		return -1;
	}
	if (!a->reject && !policy_self_approval(pol, ps->risk.level,
	    ps->snap.type)) {
		if ((rc = is_self(t, ps, a->approver, au, why)) < 0)
			return -1;
		if (rc > 0) {
			*why = xasprintf("'%s' is the plan's %s: a change is "
			    "approved by someone else", a->approver,
			    ps->snap.owner != NULL && strcasecmp(ps->snap.owner,
			    a->approver) == 0 ? "owner" : "author");
			return -1;
		}
	}
	if (!t->required || (flags & TRUST_UNSIGNED))
		return 0;
	statement = trust_approval_statement(ps->id, a);
	rc = trust_verify(t, a->approver, "offpeak-approval", a->signature,
	    statement, a->at, &cause);
	free(statement);
	if (rc != 0) {
		*why = xasprintf("the %s by '%s' does not count: %s",
		    a->reject ? "rejection" : "approval", a->approver, cause);
		free(cause);
		return -1;
	}
	return 0;
}

int
trust_vet_one(struct trust *t, const struct plan_state *ps,
    struct approval *a, unsigned flags, char **why)
{
	struct author au = { 0, NULL, NULL };
	int	 rc;

	rc = vet(t, ps, a, flags, &au, why);
	author_release(&au);
	return rc;
}

void
trust_vet(struct trust *t, struct plan_state *ps, const char *blob)
{
	struct approval *a;
	struct author au = { 0, NULL, NULL };
	char	*why;
	size_t	 i;

	for (i = 0; i < ps->napprovals; i++) {
		a = &ps->approvals[i];
		if (strcmp(a->revision, blob) != 0)
			continue;
		free(a->problem);
		a->problem = NULL;
		why = NULL;
		a->vetted = vet(t, ps, a, 0, &au, &why) == 0;
		a->problem = why;
	}
	author_release(&au);
}

/* The groups of the plan's systems, as the snapshot names them. */
static char **
plan_groups(const struct policy *pol, const struct plan_state *ps)
{
	const struct system *sys;
	char	**v = xcalloc(strv_len(ps->snap.systems) + 1, sizeof *v);
	size_t	 i, n = 0;

	for (i = 0; ps->snap.systems != NULL && ps->snap.systems[i] != NULL; i++) {
		if ((sys = policy_system(pol, ps->snap.systems[i])) != NULL &&
		    sys->group != NULL)
			v[n++] = sys->group;
	}
	return v;
}

static int
rule_applies(const struct approval_rule *r, char *const *groups,
    const char *level)
{
	size_t	 i;
	int	 g = r->groups == NULL;

	for (i = 0; !g && groups[i] != NULL; i++)
		g = strv_has(r->groups, groups[i]);
	return g && (r->levels == NULL || (level != NULL &&
	    strv_has(r->levels, level)));
}

/* The quota of every list over the rules that apply (the largest asked). */
static size_t
quotas(const struct policy *pol, const struct plan_state *ps,
    struct list_quota *out, size_t max)
{
	char	**groups = plan_groups(pol, ps);
	size_t	 i, j, k, n = 0;

	for (i = 0; i < pol->nrules; i++) {
		if (!rule_applies(&pol->rules[i], groups, ps->risk.level))
			continue;
		for (j = 0; j < pol->rules[i].nquota; j++) {
			const struct list_quota *q = &pol->rules[i].quota[j];

			for (k = 0; k < n && strcmp(out[k].list, q->list) != 0; k++)
				;
			if (k == n && n < max)
				out[n++] = *q;
			else if (k < n && q->n > out[k].n)
				out[k].n = q->n;
		}
	}
	free(groups);
	return n;
}

/* Matching of quota units to approvers (each fills one unit at most). */
struct matching {
	const struct policy *pol;
	const char *unit_list[MATCH_MAX];
	size_t	 nunits;
	const char **who;
	size_t	 nwho;
	int	 owner[MATCH_MAX];	/* the approver filling a unit, or -1 */
	int	 seen[MATCH_MAX];
};

static int
augment(struct matching *m, size_t w)
{
	size_t	 u;

	for (u = 0; u < m->nunits; u++) {
		if (m->seen[u] || !policy_in_list(m->pol, m->unit_list[u],
		    m->who[w]))
			continue;
		m->seen[u] = 1;
		if (m->owner[u] < 0 || augment(m, (size_t)m->owner[u])) {
			m->owner[u] = (int)w;
			return 1;
		}
	}
	return 0;
}

/* The units left unfilled, as "1 from dba, 2 from change-board". */
static char *
match_missing(const struct policy *pol, const struct plan_state *ps,
    const char **who, size_t nwho)
{
	struct list_quota q[MATCH_MAX];
	struct matching m;
	struct buf b = BUF_INIT;
	size_t	 nq = quotas(pol, ps, q, MATCH_MAX), i, j, w, left;

	memset(&m, 0, sizeof m);
	m.pol = pol;
	m.who = who;
	m.nwho = nwho;
	for (i = 0; i < nq; i++) {
		for (j = 0; j < (size_t)q[i].n && m.nunits < MATCH_MAX; j++)
			m.unit_list[m.nunits++] = q[i].list;
	}
	for (i = 0; i < m.nunits; i++)
		m.owner[i] = -1;
	for (w = 0; w < nwho; w++) {
		memset(m.seen, 0, sizeof m.seen);
		augment(&m, w);
	}
	buf_init(&b);
	for (i = 0; i < nq; i++) {
		for (j = 0, left = 0; j < m.nunits; j++) {
			if (m.owner[j] < 0 && strcmp(m.unit_list[j], q[i].list) == 0)
				left++;
		}
		if (left > 0)
			buf_addf(&b, "%s%zu from %s", b.len > 0 ? ", " : "", left,
			    q[i].list);
	}
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
seen_ci(const char **v, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

void
trust_count(const struct policy *pol, const struct plan_state *ps,
    struct approval_count *c)
{
	const struct approval *a;
	const char **who = xcalloc(ps->napprovals + 1, sizeof *who);
	const char **bg = xcalloc(ps->napprovals + 1, sizeof *bg);
	size_t	 i, n = 0, nbg = 0;

	memset(c, 0, sizeof *c);
	c->needed = ps->risk.approvals;
	for (i = 0; i < ps->napprovals; i++) {
		a = &ps->approvals[i];
		if (!a->vetted || strcmp(a->revision, ps->revision) != 0)
			continue;
		if (a->reject) {
			c->rejected = 1;
			free(c->rejected_by);
			c->rejected_by = xstrdup(a->approver);
			continue;
		}
		if (a->break_glass && !seen_ci(bg, nbg, a->approver))
			bg[nbg++] = a->approver;
		if (policy_is_approver(pol, a->approver) &&
		    !seen_ci(who, n, a->approver))
			who[n++] = a->approver;
	}
	c->n = (int)n;
	c->break_glass = (int)nbg;
	c->break_glass_by = nbg > 0 ? strv_join(bg, ", ") : NULL;
	c->missing = match_missing(pol, ps, who, n);
	c->rules_met = c->missing == NULL;
	c->approved = !c->rejected && c->n >= c->needed && c->rules_met;
	free(who);
	free(bg);
}

void
approval_count_release(struct approval_count *c)
{
	free(c->missing);
	free(c->rejected_by);
	free(c->break_glass_by);
	memset(c, 0, sizeof *c);
}

int
trust_break_glass(const struct policy *pol, const struct approval_count *c)
{
	return pol->break_glass.approvers != NULL && !c->rejected &&
	    c->break_glass >= pol->break_glass.approvals;
}
