/* offpeak assess: risk score, level, factors, notice and approvals needed */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "datetime.h"
#include "plan.h"
#include "session.h"
#include "util.h"

static json_t *
assessment_json(const struct plan_state *ps)
{
	const struct assessment *a = &ps->risk;
	json_t	*f = json_array(), *o;
	char	*notice = dur_iso(a->notice);
	size_t	 i;

	for (i = 0; i < a->nfactors; i++)
		json_array_append_new(f, json_pack("{s:s, s:I}", "factor",
		    a->factors[i].name, "weight", (json_int_t)a->factors[i].weight));
	o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:b, s:o}", "id", ps->id,
	    "type", ps->snap.type, "score", (json_int_t)a->score, "level",
	    a->level, "notice", notice, "approvals", a->approvals, "emergency",
	    a->emergency, "factors", f);
	free(notice);
	return o;
}

static void
print_assessment(const struct plan_state *ps)
{
	const struct assessment *a = &ps->risk;
	char	*notice = dur_human(a->notice);
	size_t	 i;

	printf("%s: %s risk (score %lld), notice %s, %d approval%s%s%s\n",
	    ps->id, a->level, a->score, notice, a->approvals,
	    a->approvals == 1 ? "" : "s",
	    strcmp(ps->snap.type, "standard") == 0 ? " (standard change: "
	    "pre-approved)" : "", a->emergency ? "  ** EMERGENCY **" : "");
	for (i = 0; i < a->nfactors; i++)
		printf("  %-26s %+lld\n", a->factors[i].name, a->factors[i].weight);
	free(notice);
}

static int
cmd_assess_exec(struct ctx *ctx, const struct cmd_args *args)
{
	char	**argv = args->argv;
	int	 argc = args->argc, optind = 0;
	struct session s;
	struct plan_state *ps;
	json_t	*out;
	size_t	 i;
	int	 rc;

	if ((rc = cmd_session_open(&s, ctx, "assess")) != EXIT_DONE)
		return rc;
	for (i = optind; i < (size_t)argc; i++) {
		if (session_plan(&s, argv[i]) == NULL) {
			rc = cmd_no_plan(&s, argv[i]);
			session_close(&s);
			return rc;
		}
	}
	session_reconcile(&s);
	/* durable first: the assessments are on the state branch, then shown */
	if ((rc = cmd_session_commit(&s, NULL, 0)) != EXIT_DONE) {
		session_close(&s);
		return rc;
	}
	out = json_array();
	for (i = 0; i < s.chk.nplans; i++) {
		int want = optind == argc, j;
		for (j = optind; j < argc && !want; j++)
			want = strcmp(argv[j], s.chk.plans[i]->id) == 0;
		if (!want || (ps = state_find(&s.st, s.chk.plans[i]->id)) == NULL)
			continue;
		if (ctx->json)
			json_array_append_new(out, assessment_json(ps));
		else
			print_assessment(ps);
	}
	if (ctx->json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(out);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_assess_entry = {
	.name = "assess",
	.args = "[ID...]",
	.max_args = -1,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "risk score, level, factors, notice period, approvals needed",
	.help =
	    "Scores every plan (or the named ones) with the policy's weights and\n"
	    "records the assessment on the state branch. Each factor that applies\n"
	    "is listed with its weight; the score's level gives the notice period\n"
	    "and the approvals needed. Standard changes need no approval; emergency\n"
	    "changes take the policy's emergency_notice when it is shorter.\n",
	.exec = cmd_assess_exec
};
