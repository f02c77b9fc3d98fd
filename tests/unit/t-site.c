/* t-site: what serve answers with — feeds, tags, gzip, tokens, the page */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "datetime.h"
#include "diag.h"
#include "policy.h"
#include "site.h"
#include "state.h"
#include "statuspage.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

#define DAY	INT64_C(86400)
#define COMMIT	"0123456789abcdef0123456789abcdef01234567"

/* sha256("secret-token") */
#define TOKEN_SHA "930bbdc51b6aed5c2a5678fd6e28dee7a05e8a4b643cfc0b4427c3efb86c0d94"

static const char policy_head[] =
    "{ \"version\": 1, \"provider\": \"Test & Co\",\n"
    "  \"calendar\": { \"name\": \"Test <maintenance>\", \"domain\": \"ops.test.example\" },\n"
    "  \"timezone\": \"Europe/Berlin\",\n"
    "  \"systems\": { \"db-1\": { \"group\": \"db\", \"criticality\": \"high\" },\n"
    "               \"web-1\": { \"group\": \"web\", \"criticality\": \"low\" } },\n"
    "  \"windows\": [ { \"name\": \"nights\", \"groups\": [\"db\", \"web\"],\n"
    "    \"start\": \"2026-01-05T01:00:00\", \"duration\": \"PT4H\",\n"
    "    \"rrule\": \"FREQ=DAILY\" } ],\n"
    "  \"freezes\": [ { \"name\": \"year-end\", \"groups\": [\"db\"],\n"
    "    \"start\": \"2026-12-21T00:00:00+01:00\", \"end\": \"2027-01-04T00:00:00+01:00\" } ],\n"
    "  \"risk\": { \"weights\": { \"impact.outage\": 3 },\n"
    "    \"levels\": [ { \"name\": \"low\", \"notice\": \"P3D\", \"approvals\": 1 } ] },\n"
    "  \"approvers\": [\"alice@example.com\"],\n"
    "  \"subscribers\": [ { \"name\": \"dba\", \"systems\": [\"db-1\"],\n"
    "    \"token_sha256\": \"" TOKEN_SHA "\" } ],\n";

static struct policy *
make_policy(int public_feeds)
{
	struct policy *pol;
	struct diags d;
	char	*text, *line;
	size_t	 i;

	text = xasprintf("%s  \"public_feeds\": %s }\n", policy_head,
	    public_feeds ? "true" : "false");
	diags_init(&d);
	pol = policy_parse("offpeak.json", text, strlen(text), &d);
	for (i = 0; i < d.n; i++) {
		line = diag_format(&d.items[i]);
		printf("# policy: %s\n", line);
		free(line);
	}
	ok(pol != NULL && d.n == 0, "the test policy passes (public_feeds %s)",
	    public_feeds ? "true" : "false");
	diags_release(&d);
	free(text);
	return pol;
}

static void
add_plan(struct state *st, const char *id, const char *title,
    const char *system, int64_t start, int64_t published)
{
	struct plan_state *ps = state_get(st, id);

	ps->status = ST_SCHEDULED;
	strcpy(ps->revision, COMMIT);
	ps->sequence = 2;
	ps->updated_at = published;
	ps->has_slot = ps->slot_live = 1;
	ps->slot.start = start;
	ps->slot.end = start + 3600;
	ps->slot.window = xstrdup("nights");
	ps->slot.timezone = xstrdup("Europe/Berlin");
	ps->published_at = published;
	ps->assessed = 1;
	ps->risk.level = xstrdup("low");
	ps->risk.notice = 3 * DAY;
	ps->risk.approvals = 1;
	ps->snap.title = xstrdup(title);
	ps->snap.owner = xstrdup("ops@test.example");
	ps->snap.type = xstrdup("normal");
	ps->snap.impact = xstrdup("outage");
	ps->snap.rollback = xstrdup("tested");
	ps->snap.systems = xcalloc(2, sizeof *ps->snap.systems);
	ps->snap.systems[0] = xstrdup(system);
}

static int
gunzip_equals(const struct site_doc *d)
{
	z_stream z;
	char	*out = xmalloc(d->len + 1);
	int	 rc, same;

	memset(&z, 0, sizeof z);
	inflateInit2(&z, 15 + 16);
	z.next_in = (Bytef *)d->gz;
	z.avail_in = (uInt)d->gzlen;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)d->len + 1;
	rc = inflate(&z, Z_FINISH);
	same = rc == Z_STREAM_END && z.total_out == d->len &&
	    memcmp(out, d->data, d->len) == 0;
	inflateEnd(&z);
	free(out);
	return same;
}

static struct site_source
source(const struct policy *pol, const struct state *st, int64_t now)
{
	struct site_source src;

	memset(&src, 0, sizeof src);
	src.pol = pol;
	src.st = st;
	src.commit = COMMIT;
	src.commit_time = at("2026-11-30T08:00:00Z");
	src.plans_time = at("2026-11-29T08:00:00Z");
	src.now = now;
	src.simulated = 1;
	return src;
}

static void
test_feeds(const struct site *s)
{
	const struct site_doc *all = site_feed(s, "/calendar/all.ics");

	ok(all != NULL && s->nchanges == 2, "all.ics is there with both changes");
	ok(site_feed(s, "/calendar/systems/db-1.ics") != NULL &&
	    site_feed(s, "/calendar/groups/web.ics") != NULL &&
	    site_feed(s, "/calendar/windows.ics") != NULL,
	    "feeds per system and group, and windows.ics");
	ok(site_feed(s, "/calendar/systems/nope.ics") == NULL &&
	    site_feed(s, "/calendar/../all.ics") == NULL &&
	    site_feed(s, "all.ics") == NULL, "nothing else is found");
	if (all == NULL)
		return;
	ok(strncmp(all->etag, "\"0123456789ab-", 14) == 0 &&
	    all->etag[strlen(all->etag) - 1] == '"' && strlen(all->etag) == 31,
	    "ETag: the commit and a hash of the bytes, quoted (%s)", all->etag);
	ok(strcmp(all->etag_gz + strlen(all->etag_gz) - 4, "-gz\"") == 0 &&
	    strncmp(all->etag_gz, all->etag, strlen(all->etag) - 1) == 0,
	    "the gzip copy's ETag is the same with -gz");
	ok(all->gz != NULL && all->gzlen < all->len && gunzip_equals(all),
	    "the gzip copy is smaller and inflates to the feed");
	is_int(all->modified, at("2026-11-30T08:00:00Z"),
	    "Last-Modified: the state commit's time");
}

static void
test_tokens(const struct site *s)
{
	const struct site_sub *sub = site_subscriber(s, "secret-token");

	ok(sub != NULL && strcmp(sub->name, "dba") == 0,
	    "the right token finds its subscriber");
	ok(sub != NULL && strstr(sub->feed.data, "UID:db-change@") != NULL &&
	    strstr(sub->feed.data, "UID:web-change@") == NULL,
	    "the subscriber's feed holds only changes on its systems");
	ok(site_subscriber(s, "secret-tokem") == NULL &&
	    site_subscriber(s, "") == NULL &&
	    site_subscriber(s, TOKEN_SHA) == NULL,
	    "other tokens, the empty one and the hash itself find nobody");
}

static void
test_page(const struct site *s)
{
	char	*page;
	size_t	 len;
	json_t	*j;

	ok(strstr(s->page, "Drain &lt;web&gt; &amp; &quot;fix&quot; it") != NULL &&
	    strstr(s->page, "<web>") == NULL, "titles are escaped on the page");
	ok(strstr(s->page, "<title>Test &lt;maintenance&gt;") != NULL,
	    "so is the calendar's name");
	page = statuspage_for_host(s->page, s->pagelen, "h\"x<y>", &len);
	ok(strstr(page, "href=\"webcal://h&quot;x&lt;y&gt;/calendar/all.ics\"") != NULL &&
	    strchr(page, STATUSPAGE_HOST) == NULL && len == strlen(page),
	    "the host goes into every link, escaped");
	free(page);
	ok(strstr(s->page, "complete in 2 days") != NULL,
	    "the notice countdown (published a day ago, three days' notice)");
	j = json_loadb(s->json.data, s->json.len, 0, NULL);
	ok(j != NULL && json_array_size(json_object_get(j, "upcoming")) == 2 &&
	    json_is_true(json_object_get(j, "public_feeds")),
	    "the JSON parses and lists both upcoming changes");
	json_decref(j);
}

int
main(void)
{
	struct policy *pol = make_policy(1), *closed = make_policy(0);
	struct state st;
	struct site s, s2, s3;
	struct site_source src;
	const struct site_doc *a, *b;
	char	*cause = NULL;
	int64_t	 now = at("2026-11-30T09:00:00+01:00");

	if (pol == NULL || closed == NULL)
		return done_testing();
	state_init(&st);
	add_plan(&st, "db-change", "Patch db-1", "db-1",
	    at("2026-12-05T01:00:00+01:00"), at("2026-11-29T09:00:00+01:00"));
	add_plan(&st, "web-change", "Drain <web> & \"fix\" it", "web-1",
	    at("2026-12-06T01:00:00+01:00"), at("2026-11-29T09:00:00+01:00"));

	src = source(pol, &st, now);
	ok(site_build(&s, &src, NULL, &cause) == 0, "site_build");
	test_feeds(&s);
	test_tokens(&s);
	test_page(&s);

	/* the same input once more: the same bytes and tags */
	ok(site_build(&s2, &src, &s, &cause) == 0, "site_build again");
	a = site_feed(&s, "/calendar/all.ics");
	b = site_feed(&s2, "/calendar/all.ics");
	ok(a != NULL && b != NULL && strcmp(a->etag, b->etag) == 0 &&
	    a->modified == b->modified && a->len == b->len &&
	    memcmp(a->data, b->data, a->len) == 0, "deterministic");
	site_release(&s2);

	/* three days later the notice has held: new bytes, a later time */
	src.now = now + 3 * DAY;
	ok(site_build(&s2, &src, &s, &cause) == 0, "site_build three days on");
	b = site_feed(&s2, "/calendar/all.ics");
	ok(b != NULL && strcmp(a->etag, b->etag) != 0 &&
	    strstr(b->data, "STATUS:CONFIRMED") != NULL,
	    "the clock alone changes the feed and its ETag");
	ok(b != NULL && b->modified == at("2026-12-02T09:00:00+01:00"),
	    "Last-Modified is when the notice period ended");
	site_release(&s2);

	src = source(closed, &st, now);
	ok(site_build(&s3, &src, NULL, &cause) == 0 && !s3.public_feeds &&
	    strstr(s3.page, "webcal://") == NULL &&
	    strstr(s3.page, "Public calendar feeds are switched off") != NULL,
	    "public_feeds false: no subscribe links");
	ok(site_subscriber(&s3, "secret-token") != NULL,
	    "... and private feeds are still made");
	site_release(&s3);

	site_release(&s);
	site_release(&s);	/* twice is fine */
	state_release(&st);
	policy_free(pol);
	policy_free(closed);
	free(cause);
	return done_testing();
}
