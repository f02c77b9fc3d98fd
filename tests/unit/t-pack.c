/*
 * t-pack: the parse cache's binary forms (plans, states, approvals) give
 * back exactly what parsing gave, refuse every truncated or damaged
 * input without harm, and the cache file (pcache) keeps entries for this
 * build only, taking a damaged file for an empty one.
 */
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "pcache.h"
#include "plan.h"
#include "plan-pack.h"
#include "repo.h"
#include "state.h"
#include "state-pack.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

static const char plan_json[] =
    "{\n"
    "  \"id\": \"web-upgrade\",\n"
    "  \"title\": \"Upgrade nginx \\u00e9t\\u00e9\",\n"
    "  \"description\": \"Rolling.\\nOne node at a time.\",\n"
    "  \"owner\": \"web@example.com\",\n"
    "  \"type\": \"normal\",\n"
    "  \"systems\": [\"web-1\", \"web-2\"],\n"
    "  \"depends_on\": [\"db-patch\"],\n"
    "  \"impact\": \"degraded\",\n"
    "  \"duration\": \"PT45M\",\n"
    "  \"not_before\": \"2027-01-01T00:00:00Z\",\n"
    "  \"risk\": { \"rollback\": \"tested\", \"data_migration\": true,\n"
    "            \"tested_in_staging\": true },\n"
    "  \"execution\": \"automatic\",\n"
    "  \"precheck\": { \"run\": [[\"hooks/pre\", \"a\"]] },\n"
    "  \"backup\": { \"run\": [\"hooks/backup\", \"--what\", \"config\"],\n"
    "              \"timeout\": \"PT10M\" },\n"
    "  \"steps\": [ { \"name\": \"upgrade\", \"run\": [\"hooks/step\", \"nginx\"],\n"
    "                \"timeout\": \"PT20M\" },\n"
    "              { \"name\": \"restart\", \"run\": [\"hooks/step\"] } ],\n"
    "  \"verify\": { \"run\": [[\"hooks/verify\"], [\"hooks/verify\", \"2\"]],\n"
    "              \"http\": [ { \"url\": \"https://web.test.example/health\",\n"
    "                          \"status\": 200, \"max_ms\": 500,\n"
    "                          \"contains\": \"ok\", \"within\": \"PT5M\" } ] },\n"
    "  \"rollback\": { \"run\": [\"hooks/rollback\"], \"timeout\": \"PT20M\" }\n"
    "}\n";

static struct plan *
parse_plan(void)
{
	struct diags d;
	struct plan *p;

	diags_init(&d);
	p = plan_parse_take("plans/web-upgrade.json", xstrdup(plan_json),
	    strlen(plan_json), &d);
	ok(p != NULL && d.n == 0, "the plan parses without a problem");
	diags_release(&d);
	return p;
}

static void
test_plan(void)
{
	struct plan *p = parse_plan(), *q;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct unpack u;
	size_t	 cut, bad = 0, i;

	if (p == NULL)
		return;
	ok(plan_pack(p, &a) == 0, "the plan packs");
	unpack_init(&u, a.data, a.len);
	q = plan_unpack(&u, "plans/web-upgrade.json");
	ok(q != NULL, "... and unpacks");
	if (q == NULL)
		return;
	ok(plan_pack(q, &b) == 0 && a.len == b.len &&
	    memcmp(a.data, b.data, a.len) == 0, "... into a plan that packs the same");
	is_str(q->title, p->title, "title");
	is_str(q->description, p->description, "description with a newline");
	is_str(q->systems[1], "web-2", "systems");
	is_str(q->depends_on[0], "db-patch", "depends_on");
	is_int(q->duration, 45 * 60, "duration");
	is_int(q->not_before, p->not_before, "not_before");
	is_int(q->has_not_before, 1, "has not_before");
	is_int(q->data_migration, 1, "data_migration");
	is_int(q->execution, EXEC_AUTOMATIC, "execution");
	is_int(q->nsteps, 2, "two steps");
	is_str(q->steps[0].hook.argv[1], "nginx", "a step's argv");
	is_int(q->steps[0].hook.timeout, 20 * 60, "... and timeout");
	ok(q->steps[1].hook.depth == p->steps[1].hook.depth &&
	    q->steps[1].hook.where[0].key != NULL &&
	    strcmp(q->steps[1].hook.where[0].key, "steps") == 0 &&
	    q->steps[1].hook.where[1].key == NULL &&
	    q->steps[1].hook.where[1].index == 1,
	    "a hook's place in the document is kept (steps[1])");
	is_int(q->verify.nrun, 2, "two verify hooks");
	is_int(q->verify.nhttp, 1, "one HTTP check");
	is_str(q->verify.http[0].url, "https://web.test.example/health", "its URL");
	is_int(q->verify.http[0].max_ms, 500, "its max_ms");
	is_int(q->verify.http[0].within, 300, "its within");
	is_int(q->precheck.nrun, 1, "the precheck");
	ok(q->text == NULL, "an unpacked plan has no text (read again for messages)");
	plan_free(q);

	for (cut = 0; cut < a.len; cut++) {
		unpack_init(&u, a.data, cut);
		if ((q = plan_unpack(&u, "x")) != NULL) {
			bad++;
			plan_free(q);
		}
	}
	is_int(bad, 0, "every one of %zu truncations is refused", a.len);
	/* flipped bytes: refused or a plan, never harm (ASan and valgrind see) */
	for (i = 0; i < a.len; i++) {
		a.data[i] ^= 0xa5;
		unpack_init(&u, a.data, a.len);
		plan_free(plan_unpack(&u, "x"));
		a.data[i] ^= 0xa5;
	}
	ok(1, "%zu damaged copies unpacked without harm", a.len);
	buf_release(&a);
	buf_release(&b);
	plan_free(p);
}

/* A state with every field set, as JSON. */
static char *
full_state(void)
{
	struct plan_state *ps = plan_state_new("web-upgrade");
	char	*text;

	ps->status = ST_SCHEDULED;
	memcpy(ps->revision, "0123456789abcdef0123456789abcdef01234567", 41);
	ps->submitted_at = 1790000000;
	ps->updated_at = 1790003600;
	ps->sequence = 7;
	ps->assessed = 1;
	ps->risk.score = 4;
	ps->risk.level = xstrdup("high");
	ps->risk.notice = 3 * 86400;
	ps->risk.approvals = 2;
	ps->risk.emergency = 1;
	ps->risk.factors = xcalloc(3, sizeof *ps->risk.factors);
	ps->risk.factors[0].name = xstrdup("impact.outage");
	ps->risk.factors[0].weight = 3;
	ps->risk.factors[1].name = xstrdup("criticality.high");
	ps->risk.factors[1].weight = -1;
	ps->risk.nfactors = 2;
	ps->has_slot = 1;
	ps->slot_live = 0;
	ps->slot.start = 1790100000;
	ps->slot.end = 1790103600;
	ps->slot.window = xstrdup("nights");
	ps->slot.timezone = xstrdup("Europe/Berlin");
	ps->published_at = 1790003600;
	ps->released_at = 1790050000;
	ps->reason = xstrdup("cancelled: \"quoted\"\tand tabbed");
	ps->snap.title = xstrdup("Upgrade nginx été");
	ps->snap.owner = xstrdup("web@example.com");
	ps->snap.type = xstrdup("emergency");
	ps->snap.impact = xstrdup("outage");
	ps->snap.rollback = xstrdup("untested");
	ps->snap.systems = xcalloc(3, sizeof *ps->snap.systems);
	ps->snap.systems[0] = xstrdup("web-1");
	ps->snap.systems[1] = xstrdup("web-2");
	ps->snap.description = xstrdup("two\nlines");
	ps->run.id = xstrdup("r1");
	ps->run.operator = xstrdup("ops@example.com");
	ps->run.host = xstrdup("host-1");
	ps->run.pid = 4242;
	ps->run.pid_start = 123456789;
	ps->run.started = 1790100100;
	ps->run.outcome = xstrdup("rolled-back");
	ps->break_glass.by = xcalloc(2, sizeof *ps->break_glass.by);
	ps->break_glass.by[0] = xstrdup("alice@example.com");
	ps->break_glass.freezes = xcalloc(2, sizeof *ps->break_glass.freezes);
	ps->break_glass.freezes[0] = xstrdup("year-end");
	ps->break_glass.outside_window = 1;
	ps->break_glass.overspend = xstrdup("db 2027-01");
	text = state_to_json(ps);
	plan_state_free(ps);
	return text;
}

static void
test_state(void)
{
	struct plan_state *ps = plan_state_new("web-upgrade"), *qs;
	struct buf a = BUF_INIT;
	struct unpack u;
	char	*text = full_state(), *again, *why = NULL;
	size_t	 cut, bad = 0, i;

	ok(state_from_json(ps, text, strlen(text), &why) == 0,
	    "a full state parses");
	state_pack(ps, &a);
	ok(state_repacks(&a, "web-upgrade"), "... packs, and packs back the same");
	qs = plan_state_new("web-upgrade");
	unpack_init(&u, a.data, a.len);
	ok(state_unpack(&u, qs) == 0, "... unpacks");
	again = state_to_json(qs);
	is_str(again, text, "... and writes the same JSON as the file it came from");
	free(again);
	plan_state_free(qs);
	qs = plan_state_new("another-id");
	unpack_init(&u, a.data, a.len);
	ok(state_unpack(&u, qs) != 0, "the same bytes under another plan id are refused");
	plan_state_free(qs);
	for (cut = 0; cut < a.len; cut++) {
		qs = plan_state_new("web-upgrade");
		unpack_init(&u, a.data, cut);
		bad += state_unpack(&u, qs) == 0;
		plan_state_free(qs);
	}
	is_int(bad, 0, "every one of %zu truncations is refused", a.len);
	for (i = 0; i < a.len; i++) {
		a.data[i] ^= 0x5a;
		qs = plan_state_new("web-upgrade");
		unpack_init(&u, a.data, a.len);
		(void)state_unpack(&u, qs);
		plan_state_free(qs);
		a.data[i] ^= 0x5a;
	}
	ok(1, "%zu damaged copies unpacked without harm", a.len);
	buf_release(&a);
	plan_state_free(ps);
	free(text);
	free(why);
}

static void
test_approval(void)
{
	struct approval a, b;
	struct buf p = BUF_INIT;
	struct unpack u;
	char	*text, *again, *why = NULL;
	size_t	 cut, bad = 0;

	memset(&a, 0, sizeof a);
	a.approver = xstrdup("alice@example.com");
	a.break_glass = 1;
	memcpy(a.revision, "0123456789abcdef0123456789abcdef01234567", 41);
	a.comment = xstrdup("rollback rehearsed");
	a.at = 1790000000;
	a.signature = xstrdup("-----BEGIN SSH SIGNATURE-----\nU1NI\n-----END SSH SIGNATURE-----\n");
	text = approval_to_json(&a);
	approval_release(&a);
	ok(approval_from_json(&a, text, strlen(text), &why) == 0, "an approval parses");
	approval_pack(&a, &p);
	ok(approval_repacks(&p), "... packs back the same");
	memset(&b, 0, sizeof b);
	unpack_init(&u, p.data, p.len);
	ok(approval_unpack(&u, &b) == 0, "... unpacks");
	again = approval_to_json(&b);
	is_str(again, text, "... and writes the same JSON");
	free(again);
	approval_release(&b);
	for (cut = 0; cut < p.len; cut++) {
		memset(&b, 0, sizeof b);
		unpack_init(&u, p.data, cut);
		bad += approval_unpack(&u, &b) == 0;
		approval_release(&b);
	}
	is_int(bad, 0, "every one of %zu truncations is refused", p.len);
	buf_release(&p);
	approval_release(&a);
	free(text);
	free(why);
}

static void
test_cache(void)
{
	const char *oid1 = "1111111111111111111111111111111111111111";
	const char *oid2 = "2222222222222222222222222222222222222222";
	char	*dir = capture("mktemp -d"), *path, *cause = NULL;
	struct repo *repo;
	struct pcache *c;
	struct buf b = BUF_INIT;
	struct unpack u;
	FILE	*f;

	if (sh("git init -q %s", dir) != 0 ||
	    (repo = repo_open(dir, 0, &cause)) == NULL) {
		ok(0, "a repository for the cache: %s", cause != NULL ? cause : "?");
		free(cause);
		free(dir);
		return;
	}
	path = xasprintf("%s/.git/offpeak/cache/test", dir);
	c = pcache_open(repo, "test");
	ok(c != NULL, "this build has a build id, so a cache");
	ok(!pcache_get(c, oid1, &u), "an empty cache has nothing");
	buf_adds(&b, "first entry");
	pcache_put(c, oid1, &b);
	buf_reset(&b);
	buf_adds(&b, "second");
	pcache_put(c, oid2, &b);
	pcache_close(c);
	c = pcache_open(repo, "test");
	ok(pcache_get(c, oid2, &u) && (size_t)(u.end - u.p) == 6 &&
	    memcmp(u.p, "second", 6) == 0, "an entry is kept across runs");
	ok(pcache_get(c, oid1, &u) && (size_t)(u.end - u.p) == 11,
	    "... every entry");
	ok(!pcache_get(c, "not hex", &u), "a key that is no id finds nothing");
	pcache_close(c);
	/* damage the first entry's bytes: it is parsed again */
	if ((f = fopen(path, "r+b")) != NULL) {
		fseek(f, -3, SEEK_END);
		fputc('X', f);
		fclose(f);
	}
	c = pcache_open(repo, "test");
	ok(pcache_get(c, oid1, &u), "an untouched entry still counts");
	ok(!pcache_get(c, oid2, &u), "a damaged entry does not");
	pcache_close(c);
	ok(sh("head -c 70 %s > %s.t && mv %s.t %s", path, path, path, path) == 0,
	    "the file cut short");
	c = pcache_open(repo, "test");
	ok(!pcache_get(c, oid1, &u), "a short file is an empty cache");
	pcache_close(c);
	setenv("OFFPEAK_NO_CACHE", "1", 1);
	ok(pcache_open(repo, "test") == NULL, "OFFPEAK_NO_CACHE: no cache");
	unsetenv("OFFPEAK_NO_CACHE");
	pcache_get(NULL, oid1, &u);
	pcache_put(NULL, oid1, &b);
	pcache_close(NULL);
	ok(1, "no cache takes every call");
	buf_release(&b);
	repo_free(repo);
	sh("rm -rf %s", dir);
	free(path);
	free(dir);
}

int
main(void)
{
	test_plan();
	test_state();
	test_approval();
	test_cache();
	return done_testing();
}
