/* Unit tests: plan and policy parsing and validation */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "tap.h"
#include "util.h"

/* Parse a plan; return the diagnostics as one string "l:c: msg\n"... */
static char *
plan_problems(const char *json, struct plan **out)
{
	struct diags d;
	struct buf b = BUF_INIT;
	struct plan *p;
	size_t	 i;

	diags_init(&d);
	p = plan_parse_take("plans/t.json", xstrdup(json), strlen(json), &d);
	for (i = 0; i < d.n; i++)
		buf_addf(&b, "%d:%d: %s\n", d.items[i].line, d.items[i].column,
		    d.items[i].message);
	diags_release(&d);
	if (out != NULL)
		*out = p;
	else
		plan_free(p);
	return buf_detach(&b, NULL);
}

static char *
policy_problems(const char *json)
{
	struct diags d;
	struct buf b = BUF_INIT;
	size_t	 i;

	diags_init(&d);
	policy_free(policy_parse("offpeak.json", json, strlen(json), &d));
	for (i = 0; i < d.n; i++)
		buf_addf(&b, "%d:%d: %s\n", d.items[i].line, d.items[i].column,
		    d.items[i].message);
	diags_release(&d);
	return buf_detach(&b, NULL);
}

#define GOOD_PLAN \
	"{\"id\":\"t\",\"title\":\"T\",\"owner\":\"o@x\",\"systems\":[\"a\"]," \
	"\"impact\":\"none\",\"duration\":\"PT30M\"," \
	"\"backup\":{\"run\":[\"hooks/b\"]}," \
	"\"steps\":[{\"name\":\"s\",\"run\":[\"hooks/s\"],\"timeout\":\"PT5M\"}]," \
	"\"verify\":{\"run\":[[\"hooks/v\",\"x\"]]}"

/* GOOD_PLAN with the members of overrides (a JSON object) replaced. */
static char *
with(const char *overrides)
{
	json_t	*base, *over;
	char	*s;

	base = json_loads(GOOD_PLAN "}", 0, NULL);
	over = json_loads(overrides, 0, NULL);
	json_object_update(base, over);
	s = json_dumps(base, JSON_COMPACT);
	json_decref(base);
	json_decref(over);
	return s;
}

/* Problems of GOOD_PLAN with overrides. */
static char *
problems_with(const char *overrides)
{
	char	*doc = with(overrides), *e;

	e = plan_problems(doc, NULL);
	free(doc);
	return e;
}

static void
test_plan_good(void)
{
	struct plan *p;
	char	*e = plan_problems(GOOD_PLAN ",\"rollback\":{\"run\":[\"hooks/r\"]}}", &p);

	is_str(e, "", "a good plan has no problems");
	ok(p != NULL && strcmp(p->id, "t") == 0, "id read");
	is_int(p->duration, 1800, "duration in seconds");
	is_int(p->type, PLAN_NORMAL, "type defaults to normal");
	is_int(p->rollback_kind, ROLLBACK_UNTESTED, "rollback defaults to untested with a hook");
	is_int(p->nsteps, 1, "one step");
	is_int(p->steps[0].hook.timeout, 300, "step timeout");
	is_int(p->verify.nrun, 1, "one verify hook");
	is_str(p->verify.run[0].argv[1], "x", "verify argv");
	is_int(p->verify.run[0].depth, 4, "verify hook place depth");
	ok(p->verify.run[0].where[1].key != NULL &&
	    strcmp(p->verify.run[0].where[1].key, "run") == 0, "verify hook place is verify.run");
	plan_free(p);
	free(e);
}

static void
test_plan_bad(void)
{
	char	*e;

	e = problems_with("{\"sytems\":1}");
	ok(strstr(e, "unknown field 'sytems' (did you mean 'systems'?)") != NULL,
	    "unknown field with a hint");
	free(e);
	e = problems_with("{\"risk\":{\"rollback\":\"tested\"}}");
	ok(strstr(e, "risk.rollback: is 'tested' but the plan has no rollback hook") != NULL,
	    "rollback hook required unless none");
	free(e);
	e = plan_problems("{\"id\":\"t\"}", NULL);
	ok(strstr(e, "missing required field 'backup'") != NULL, "backup required");
	ok(strstr(e, "missing required field 'title'") != NULL, "title required");
	free(e);
	e = problems_with("{\"backup\":{}}");
	ok(strstr(e, "backup: is empty") != NULL, "empty backup");
	free(e);
	e = problems_with("{\"impact\":\"huge\"}");
	ok(strstr(e, "impact: 'huge' is not one of none, reduced-redundancy, degraded, outage") != NULL, "enum");
	free(e);
	e = plan_problems("{\"title\":\"a\\nb\",\"id\":\"Bad\"}", NULL);
	ok(strstr(e, "1:10: title: control character U+000A is not allowed (newlines are allowed only in the description)") != NULL,
	    "newline in title, with line and column");
	ok(strstr(e, "id: 'Bad' is not a valid name") != NULL, "bad id");
	free(e);
	e = plan_problems("{\n  \"id\": \"t\",\n  \"id\": \"u\"\n}", NULL);
	ok(strstr(e, "3:") != NULL && strstr(e, "invalid JSON") != NULL, "duplicate keys refused with a line");
	free(e);
	e = plan_problems("{\"id\": \"\xff\"}", NULL);
	ok(strstr(e, "1:9: invalid UTF-8") != NULL, "invalid UTF-8 with a column");
	free(e);
	e = plan_problems("[1]", NULL);
	ok(strstr(e, "must be a JSON object") != NULL, "array document");
	free(e);
	e = problems_with("{\"duration\":\"PT0M\",\"not_before\":\"2027-01-02T00:00:00Z\","
	    "\"not_after\":\"2027-01-01T00:00:00Z\"}");
	ok(strstr(e, "duration: 'PT0M': duration must be positive") != NULL, "zero duration");
	ok(strstr(e, "not_before: not_before is not before not_after") != NULL, "not_before after not_after");
	free(e);
	e = problems_with("{\"steps\":[{\"name\":\"x\",\"run\":\"hooks/s --now\"}]}");
	ok(strstr(e, "steps[0].run: must be an argv array") != NULL, "shell string refused");
	free(e);
	e = problems_with("{\"verify\":{\"http\":[{\"url\":\"ftp://x\"}]}}");
	ok(strstr(e, "verify.http[0].url: 'ftp://x' is not an http:// or https:// URL") != NULL, "url scheme");
	free(e);
}

#define GOOD_POLICY_HEAD \
	"{\"version\":1,\"provider\":\"P\",\"calendar\":{\"name\":\"C\",\"domain\":\"x.example\"}," \
	"\"timezone\":\"Europe/Berlin\",\"systems\":{\"a\":{\"group\":\"g\"}}," \
	"\"approvers\":[\"a@x\"]," \
	"\"risk\":{\"weights\":{\"impact.outage\":3},\"levels\":[{\"name\":\"low\",\"max_score\":2," \
	"\"notice\":\"P1D\",\"approvals\":1},{\"name\":\"high\",\"notice\":\"P7D\",\"approvals\":2}]}"
#define GOOD_WINDOWS \
	",\"windows\":[{\"name\":\"w\",\"groups\":[\"g\"],\"start\":\"2026-01-05T01:00:00\"," \
	"\"duration\":\"PT4H\",\"rrule\":\"FREQ=DAILY\"}]"

static void
test_policy(void)
{
	char	*e;

	e = policy_problems(GOOD_POLICY_HEAD GOOD_WINDOWS "}");
	is_str(e, "", "a good policy has no problems");
	free(e);
	e = policy_problems(GOOD_POLICY_HEAD ",\"windows\":[{\"name\":\"w\",\"groups\":[\"g\",\"h\"],"
	    "\"start\":\"2026-01-05T01:00:00\",\"timezone\":\"Mars/Olympus\","
	    "\"duration\":\"P8D\",\"rrule\":\"FREQ=SOMETIMES\"}]}");
	ok(strstr(e, "windows[0].groups[1]: no system is in group 'h'") != NULL, "unknown group");
	ok(strstr(e, "windows[0].timezone: 'Mars/Olympus' is not a time zone") != NULL, "bad zone");
	ok(strstr(e, "windows[0].duration: a window lasts at most 7 days") != NULL, "long window");
	ok(strstr(e, "windows[0].rrule: 'FREQ=SOMETIMES' is not a valid RRULE") != NULL, "bad rrule");
	free(e);
	e = policy_problems("{\"version\":1,\"provider\":\"P\",\"calendar\":{\"name\":\"C\",\"domain\":\"x.example\"},"
	    "\"timezone\":\"UTC\",\"systems\":{\"a\":{\"group\":\"g\"}},\"approvers\":[\"a@x\"]"
	    GOOD_WINDOWS ",\"risk\":{\"weights\":{\"impact.outag\":3},\"levels\":["
	    "{\"name\":\"low\",\"max_score\":5,\"notice\":\"P1D\",\"approvals\":0},"
	    "{\"name\":\"mid\",\"max_score\":4,\"notice\":\"P3D\",\"approvals\":1},"
	    "{\"name\":\"high\",\"notice\":\"P7D\",\"approvals\":2}]}}");
	ok(strstr(e, "risk.weights: unknown field 'impact.outag' (did you mean 'impact.outage'?)") != NULL, "weight typo");
	ok(strstr(e, "approvals: 0 is out of range (1 to 100)") != NULL, "approvals below 1");
	ok(strstr(e, "levels are not ordered: 'mid' max_score 4 is not above 'low' (5)") != NULL, "unordered levels");
	free(e);
}

int
main(void)
{
	test_plan_good();
	test_plan_bad();
	test_policy();
	return done_testing();
}
