/*
 * policy-trust: the policy's fields on who may do what — signing, the
 * allowed-signers file, approver lists and rules, self-approval,
 * operators and break-glass — read and validated, and the questions
 * asked of them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "field.h"
#include "plan.h"
#include "policy-int.h"
#include "policy.h"
#include "util.h"

static void
warn(struct policy *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(struct policy *p, const char *fmt, ...)
{
	size_t	 n = strv_len(p->warnings);
	va_list	 ap;

	p->warnings = xreallocarray(p->warnings, n + 2, sizeof *p->warnings);
	va_start(ap, fmt);
	p->warnings[n] = xvasprintf(fmt, ap);
	va_end(ap);
	p->warnings[n + 1] = NULL;
}

/* A principal: one line of text without white space. */
static int
principal_valid(const char *s)
{
	return *s != '\0' && strpbrk(s, " \t") == NULL &&
	    str_find_control(s, NULL, NULL) == NULL;
}

static void
read_signing(struct jdoc *d, json_t *root, struct policy *p)
{
	static const char *const modes[] = { "off", "required", NULL };
	const char *s;
	int	 legacy = 0, m;

	if (json_object_get(root, "signed_approvals") != NULL &&
	    jd_bool(d, root, "signed_approvals", 0, &legacy) == 0) {
		if (json_object_get(root, "signing") != NULL) {
			jdoc_push_key(d, "signed_approvals");
			jdoc_error(d, 1, "give \"signing\" alone: "
			    "\"signed_approvals\" is its old name");
			jdoc_pop(d);
		} else
			warn(p, "\"signed_approvals\" is replaced by \"signing\": "
			    "read as \"signing\": \"%s\"", legacy ? "required" :
			    "off");
		p->signing = legacy ? SIGNING_REQUIRED : SIGNING_OFF;
	}
	if ((m = jd_enum(d, root, "signing", modes, 0)) >= 0)
		p->signing = m == 1 ? SIGNING_REQUIRED : SIGNING_OFF;
	if ((s = jd_string(d, root, "allowed_signers", JD_ANY, 4096, 0)) != NULL) {
		const char *why = path_problem(s, PATH_STRICT);

		if (why != NULL) {
			jdoc_push_key(d, "allowed_signers");
			jdoc_error(d, 0, "'%s' %s", s, why);
			jdoc_pop(d);
		} else
			p->allowed_signers = xstrdup(s);
	}
	if (p->signing == SIGNING_REQUIRED && p->allowed_signers == NULL &&
	    json_object_get(root, "allowed_signers") == NULL)
		jdoc_error(d, 0, "signing is required but no \"allowed_signers\" "
		    "file is named (\"allowed_signers\": \"keys/allowed_signers\")");
}

static void
read_lists(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*obj = jd_get(d, root, "approver_lists", JSON_OBJECT, 0), *v;
	const char *key;

	if (obj == NULL)
		return;
	jdoc_push_key(d, "approver_lists");
	p->lists = xcalloc(json_object_size(obj) + 1, sizeof *p->lists);
	json_object_foreach(obj, key, v) {
		struct approver_list *l = &p->lists[p->nlists];

		jdoc_push_key(d, key);
		if (!name_valid(key))
			jdoc_error(d, 1, "list name '%s' must match "
			    "^[a-z0-9][a-z0-9._-]{0,63}$", key);
		jdoc_pop(d);
		if (jd_strings(d, obj, key, JD_EMAIL, 1, 1, 1, &l->members) < 0)
			continue;
		l->name = xstrdup(key);
		p->nlists++;
	}
	jdoc_pop(d);
}

static const struct approver_list *
find_list(const struct policy *p, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->nlists; i++) {
		if (strcmp(p->lists[i].name, name) == 0)
			return &p->lists[i];
	}
	return NULL;
}

static int
has_level(const struct policy *p, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->nlevels; i++) {
		if (p->levels[i].name != NULL && strcmp(p->levels[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/* Every element of the array key names a group of the inventory. */
static void
known_groups(struct jdoc *d, const struct policy *p, const char *key,
    char *const *groups)
{
	size_t	 i;

	for (i = 0; groups != NULL && groups[i] != NULL; i++) {
		if (p->nsystems == 0 || policy_has_group(p, groups[i]))
			continue;
		jdoc_push_key(d, key);
		jdoc_push_index(d, i);
		jdoc_error(d, 0, "unknown group '%s'", groups[i]);
		jdoc_pop(d);
		jdoc_pop(d);
	}
}

static void
read_quota(struct jdoc *d, json_t *v, const struct policy *p,
    struct approval_rule *r)
{
	json_t	*obj = jd_get(d, v, "require", JSON_OBJECT, 1), *n;
	const char *key;

	if (obj == NULL)
		return;
	jdoc_push_key(d, "require");
	if (json_object_size(obj) == 0)
		jdoc_error(d, 0, "must name at least one approver list");
	r->quota = xcalloc(json_object_size(obj) + 1, sizeof *r->quota);
	json_object_foreach(obj, key, n) {
		jdoc_push_key(d, key);
		if (find_list(p, key) == NULL)
			jdoc_error(d, 1, "unknown approver list '%s' (see "
			    "\"approver_lists\")", key);
		else if (!json_is_integer(n) || json_integer_value(n) < 1 ||
		    json_integer_value(n) > 100)
			jdoc_error(d, 0, "must be a whole number from 1 to 100");
		else {
			r->quota[r->nquota].list = xstrdup(key);
			r->quota[r->nquota++].n = (int)json_integer_value(n);
		}
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_rule(struct jdoc *d, json_t *v, const struct policy *p,
    struct approval_rule *r)
{
	static const char *const known[] = { "groups", "levels", "require",
	    NULL };
	size_t	 i;

	jd_known(d, v, known);
	if (json_object_get(v, "groups") != NULL) {
		jd_strings(d, v, "groups", JD_NAME, 1, 1, 0, &r->groups);
		known_groups(d, p, "groups", r->groups);
	}
	if (json_object_get(v, "levels") != NULL)
		jd_strings(d, v, "levels", JD_NAME, 1, 1, 0, &r->levels);
	for (i = 0; r->levels != NULL && r->levels[i] != NULL; i++) {
		if (p->nlevels == 0 || has_level(p, r->levels[i]))
			continue;
		jdoc_push_key(d, "levels");
		jdoc_push_index(d, i);
		jdoc_error(d, 0, "unknown risk level '%s'", r->levels[i]);
		jdoc_pop(d);
		jdoc_pop(d);
	}
	read_quota(d, v, p, r);
}

static void
read_rules(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "approval_rules", JSON_ARRAY, 0), *v;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "approval_rules");
	p->rules = xcalloc(json_array_size(arr) + 1, sizeof *p->rules);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v))
			jdoc_error(d, 0, "must be an object");
		else
			read_rule(d, v, p, &p->rules[p->nrules++]);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

/* Principals of an array member key, each checked. */
static void
read_principals(struct jdoc *d, json_t *obj, const char *key, char ***out)
{
	json_t	*arr = jd_get(d, obj, key, JSON_ARRAY, 1), *v;
	size_t	 i, n = 0;

	*out = NULL;
	if (arr == NULL)
		return;
	jdoc_push_key(d, key);
	*out = xcalloc(json_array_size(arr) + 1, sizeof **out);
	if (json_array_size(arr) == 0)
		jdoc_error(d, 0, "must name at least one principal");
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_string(v) || !principal_valid(json_string_value(v)))
			jdoc_error(d, 0, "must be a principal: one word, as "
			    "the allowed-signers file or git's user.email "
			    "names a person");
		else
			(*out)[n++] = xstrdup(json_string_value(v));
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_operator(struct jdoc *d, json_t *v, const struct policy *p,
    struct operator_rule *o)
{
	static const char *const known[] = { "groups", "members", NULL };

	if (json_is_string(v)) {
		if (!principal_valid(json_string_value(v)))
			jdoc_error(d, 0, "must be a principal (one word)");
		o->members = xcalloc(2, sizeof *o->members);
		o->members[0] = xstrdup(json_string_value(v));
		return;
	}
	if (!json_is_object(v)) {
		jdoc_error(d, 0, "must be a principal or an object with "
		    "\"groups\" and \"members\"");
		return;
	}
	jd_known(d, v, known);
	jd_strings(d, v, "groups", JD_NAME, 1, 1, 1, &o->groups);
	known_groups(d, p, "groups", o->groups);
	read_principals(d, v, "members", &o->members);
}

static void
read_operators(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "operators", JSON_ARRAY, 0), *v;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "operators");
	if (json_array_size(arr) == 0)
		jdoc_error(d, 0, "must name at least one operator (leave it out "
		    "to let anyone run changes)");
	p->operators = xcalloc(json_array_size(arr) + 1, sizeof *p->operators);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		read_operator(d, v, p, &p->operators[p->noperators++]);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_break_glass(struct jdoc *d, json_t *root, struct policy *p)
{
	static const char *const known[] = { "approvers", "approvals",
	    "outside_windows", NULL };
	json_t	*obj = jd_get(d, root, "break_glass", JSON_OBJECT, 0);
	long long n = 1;

	if (obj == NULL)
		return;
	jdoc_push_key(d, "break_glass");
	jd_known(d, obj, known);
	jd_strings(d, obj, "approvers", JD_EMAIL, 1, 1, 1,
	    &p->break_glass.approvers);
	if (json_object_get(obj, "approvals") != NULL)
		jd_int(d, obj, "approvals", 1, 100, 0, &n);
	p->break_glass.approvals = (int)n;
	if (p->break_glass.approvers != NULL &&
	    (size_t)n > strv_len(p->break_glass.approvers))
		jdoc_error(d, 0, "%lld break-glass approvals are needed but the "
		    "list names %zu people", n, strv_len(p->break_glass.approvers));
	jd_bool(d, obj, "outside_windows", 0, &p->break_glass.outside_windows);
	jdoc_pop(d);
}

static void
read_self_approval(struct jdoc *d, json_t *root, struct policy *p)
{
	size_t	 i;

	if (json_object_get(root, "self_approval") == NULL)
		return;
	jd_strings(d, root, "self_approval", JD_NAME, 1, 0, 0, &p->self_approval);
	for (i = 0; p->self_approval != NULL && p->self_approval[i] != NULL; i++) {
		const char *s = p->self_approval[i];

		if (has_level(p, s) || strcmp(s, "standard") == 0 ||
		    strcmp(s, "normal") == 0 || strcmp(s, "emergency") == 0 ||
		    p->nlevels == 0)
			continue;
		jdoc_push_key(d, "self_approval");
		jdoc_push_index(d, i);
		jdoc_error(d, 0, "'%s' is neither a risk level nor a plan type "
		    "(standard, normal, emergency)", s);
		jdoc_pop(d);
		jdoc_pop(d);
	}
}

void
policy_read_trust(struct jdoc *d, json_t *root, struct policy *p)
{
	read_signing(d, root, p);
	read_lists(d, root, p);
	read_rules(d, root, p);
	read_operators(d, root, p);
	read_break_glass(d, root, p);
	read_self_approval(d, root, p);
}

void
policy_free_trust(struct policy *p)
{
	size_t	 i, j;

	free(p->allowed_signers);
	strv_free(p->self_approval);
	for (i = 0; i < p->nlists; i++) {
		free(p->lists[i].name);
		strv_free(p->lists[i].members);
	}
	free(p->lists);
	for (i = 0; i < p->nrules; i++) {
		strv_free(p->rules[i].groups);
		strv_free(p->rules[i].levels);
		for (j = 0; j < p->rules[i].nquota; j++)
			free(p->rules[i].quota[j].list);
		free(p->rules[i].quota);
	}
	free(p->rules);
	for (i = 0; i < p->noperators; i++) {
		strv_free(p->operators[i].groups);
		strv_free(p->operators[i].members);
	}
	free(p->operators);
	strv_free(p->break_glass.approvers);
	strv_free(p->warnings);
}

static int
strv_has_ci(char *const *v, const char *s)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		if (strcasecmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

int
policy_is_approver(const struct policy *pol, const char *who)
{
	size_t	 i;

	if (strv_has_ci(pol->approvers, who))
		return 1;
	for (i = 0; i < pol->nlists; i++) {
		if (strv_has_ci(pol->lists[i].members, who))
			return 1;
	}
	return 0;
}

int
policy_in_list(const struct policy *pol, const char *list, const char *who)
{
	const struct approver_list *l = find_list(pol, list);

	return l != NULL && strv_has_ci(l->members, who);
}

int
policy_is_break_glass(const struct policy *pol, const char *who)
{
	return strv_has_ci(pol->break_glass.approvers, who);
}

/* Does the operator rule cover group? */
static int
rule_covers(const struct operator_rule *o, const char *group)
{
	size_t	 i;

	if (o->groups == NULL)
		return 1;
	for (i = 0; o->groups[i] != NULL; i++) {
		if (strcmp(o->groups[i], group) == 0)
			return 1;
	}
	return 0;
}

int
policy_is_operator(const struct policy *pol, const char *who,
    char *const *groups)
{
	size_t	 i, j;
	int	 ok;

	if (pol->operators == NULL)
		return 1;
	for (i = 0; groups != NULL && groups[i] != NULL; i++) {
		for (j = 0, ok = 0; j < pol->noperators && !ok; j++)
			ok = rule_covers(&pol->operators[j], groups[i]) &&
			    strv_has_ci(pol->operators[j].members, who);
		if (!ok)
			return 0;
	}
	/* a change with no group (none known) needs an operator of all */
	if (groups == NULL || groups[0] == NULL) {
		for (j = 0; j < pol->noperators; j++) {
			if (pol->operators[j].groups == NULL &&
			    strv_has_ci(pol->operators[j].members, who))
				return 1;
		}
		return 0;
	}
	return 1;
}

int
policy_self_approval(const struct policy *pol, const char *level,
    const char *type)
{
	return (level != NULL && strv_has_ci(pol->self_approval, level)) ||
	    (type != NULL && strv_has_ci(pol->self_approval, type));
}
