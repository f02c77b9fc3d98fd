/* offpeak publish: the notices to CalDAV, a webhook and subscribers' mail */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "publish.h"
#include "session.h"
#include "state.h"
#include "util.h"

/* The options and the secrets the environment holds. */
static void
read_env(struct publish_opts *o)
{
	const char *v;

	o->caldav_user = getenv("OFFPEAK_CALDAV_USER");
	o->caldav_password = getenv("OFFPEAK_CALDAV_PASSWORD");
	o->webhook_secret = getenv("OFFPEAK_WEBHOOK_SECRET");
	o->smtp_user = getenv("OFFPEAK_SMTP_USER");
	o->smtp_password = getenv("OFFPEAK_SMTP_PASSWORD");
	if ((v = getenv("OFFPEAK_PUBLISH_RETRY_MS")) != NULL)
		o->backoff_ms = strtol(v, NULL, 10);
}

/*
 * Commit the records. When another writer moved the state branch first,
 * the records (files only publish writes) go on top of its commit: what
 * was sent must not be forgotten.
 */
static int
commit_records(struct session *s, const struct ctx *ctx,
    const struct publish_result *res)
{
	char	*cause = NULL;
	size_t	 i;
	int	 rc, tries;

	for (tries = 0;; tries++) {
		for (i = 0; res->log != NULL && res->log[i] != NULL; i++)
			state_log(&s->st, NULL, "%s", res->log[i]);
		rc = cmd_exit(session_commit(s, res->files, res->nfiles,
		    &cause));
		if (rc != EXIT_RACE || tries == 2)
			break;
		free(cause);
		cause = NULL;
		session_close(s);
		if ((rc = cmd_session_open(s, ctx, "publish")) != EXIT_DONE)
			return rc;
	}
	if (rc != EXIT_DONE) {
		cmd_error("publish: what was sent could not be recorded: %s", cause);
		free(cause);
	}
	return rc;
}

static void
print_count(const char *what, const struct publish_count *c, int caldav)
{
	if (!c->used || c->url == NULL)
		return;
	if (caldav)
		printf("publish: caldav %s: %zu created, %zu updated, %zu deleted, "
		    "%zu unchanged%s\n", c->url, c->created, c->updated,
		    c->deleted, c->unchanged, c->failed ? ", with problems" : "");
	else
		printf("publish: %s %s: %zu %s%s %s, %zu retr%s%s\n", what,
		    c->url, c->sent, strcmp(what, "smtp") == 0 ? "message" :
		    "event", c->sent == 1 ? "" : "s", strcmp(what, "smtp") == 0 ?
		    "sent" : "delivered", c->retries, c->retries == 1 ? "y" : "ies",
		    c->failed ? ", with problems" : "");
}

static json_t *
count_json(const struct publish_count *c)
{
	if (!c->used)
		return json_null();
	return json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "url",
	    c->url, "created", (json_int_t)c->created, "updated",
	    (json_int_t)c->updated, "deleted", (json_int_t)c->deleted,
	    "unchanged", (json_int_t)c->unchanged, "sent", (json_int_t)c->sent,
	    "retries", (json_int_t)c->retries, "problems", (json_int_t)c->failed);
}

static void
print_result(const struct ctx *ctx, const struct publish_result *res)
{
	json_t	*o, *a;
	size_t	 i;

	if (ctx->json) {
		a = json_array();
		for (i = 0; res->problems != NULL && res->problems[i] != NULL; i++)
			json_array_append_new(a, json_string(res->problems[i]));
		o = json_pack("{s:o, s:o, s:o, s:o}", "caldav",
		    count_json(&res->caldav), "webhook", count_json(&res->webhook),
		    "smtp", count_json(&res->smtp), "problems", a);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		for (i = 0; res->done != NULL && res->done[i] != NULL; i++)
			printf("%s\n", res->done[i]);
		print_count("caldav", &res->caldav, 1);
		print_count("webhook", &res->webhook, 0);
		print_count("smtp", &res->smtp, 0);
	}
	for (i = 0; res->problems != NULL && res->problems[i] != NULL; i++)
		cmd_error("%s", res->problems[i]);
}

static int
publish(struct ctx *ctx, const struct publish_opts *o)
{
	struct session s;
	struct publish_result res;
	char	*cause = NULL;
	int	 rc, prc;

	if ((rc = cmd_session_open(&s, ctx, "publish")) != EXIT_DONE)
		return rc;
	if ((prc = publish_run(&s, o, &res, &cause)) == -1) {
		cmd_error("publish: %s", cause);
		free(cause);
		session_close(&s);
		return EXIT_ENV;
	}
	rc = commit_records(&s, ctx, &res);
	print_result(ctx, &res);
	if (prc == 1) {
		cmd_error("publish: %zu problem%s; what succeeded %s, and the "
		    "next publish resumes from there", strv_len(res.problems),
		    strv_len(res.problems) == 1 ? "" : "s", rc == EXIT_DONE ?
		    "is recorded" : "was not recorded");
		if (rc == EXIT_DONE)
			rc = EXIT_ENV;
	}
	publish_result_release(&res);
	session_close(&s);
	return rc;
}

#define OPT_CALDAV	CMD_LONG
#define OPT_WEBHOOK	(CMD_LONG + 1)
#define OPT_SMTP	(CMD_LONG + 2)
#define OPT_FORMAT	(CMD_LONG + 3)

static const struct cmd_option options[] = {
	{ OPT_CALDAV, "caldav", "URL", NULL, 0, "a CalDAV collection" },
	{ OPT_WEBHOOK, "webhook", "URL", NULL, 0,
	    "a JSON POST per transition, signed" },
	{ OPT_SMTP, "smtp", "URL", NULL, 0,
	    "iMIP mail to the policy's subscribers (smtp:// or smtps://)" },
	{ OPT_FORMAT, "webhook-format", "FORMAT", "json slack teams", 0,
	    "the webhook's body: offpeak's signed JSON (default), or a Slack or "
	    "Microsoft Teams incoming-webhook message" },
	{ 0 }
};

static int
cmd_publish_exec(struct ctx *ctx, const struct cmd_args *args)
{
	struct publish_opts o;
	char	*cause = NULL;

	memset(&o, 0, sizeof o);
	o.caldav = cmd_value(args, OPT_CALDAV);
	o.webhook = cmd_value(args, OPT_WEBHOOK);
	o.smtp = cmd_value(args, OPT_SMTP);
	o.webhook_format = cmd_value(args, OPT_FORMAT);
	if (o.webhook_format != NULL && o.webhook == NULL)
		return cmd_usage_error(&cmd_publish_entry, "--webhook-format goes "
		    "with --webhook URL");
	if (o.caldav == NULL && o.webhook == NULL && o.smtp == NULL)
		return cmd_usage_error(&cmd_publish_entry, "name at least one "
		    "target: --caldav URL, --webhook URL or --smtp URL");
	read_env(&o);
	if (o.webhook != NULL && !publish_webhook_unsigned(&o) &&
	    (o.webhook_secret == NULL ||
	    *o.webhook_secret == '\0')) {
		cmd_error("publish: OFFPEAK_WEBHOOK_SECRET is not set: every "
		    "webhook event is signed with it; nothing was sent");
		return EXIT_INVALID;
	}
	if (publish_check(&o, &cause) != 0) {
		cmd_error("publish: %s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	return publish(ctx, &o);
}

const struct cmd_entry cmd_publish_entry = {
	.name = "publish",
	.options = options,
	.exits = CMD_EXIT(EXIT_INVALID) | CMD_EXIT(EXIT_RACE) | CMD_EXIT(EXIT_ENV),
	.summary = "push the notices to CalDAV, a webhook and subscribers' mail",
	.help =
	    "Sends what changed since the last publish, as the state branch\n"
	    "holds it at --now, and records on the state branch what each target\n"
	    "has (publish/caldav.json, publish/webhook.json, publish/smtp.json),\n"
	    "so that a second run sends nothing and a run that failed part-way\n"
	    "resumes where it stopped.\n\n"
	    "  --caldav URL   a CalDAV collection: each change in the feeds is the\n"
	    "                 resource <uid>.ics, created with If-None-Match: *,\n"
	    "                 updated with If-Match and deleted once it leaves the\n"
	    "                 feeds; a resource changed on the server is reported\n"
	    "                 and left alone. Credentials: in the URL, or\n"
	    "                 OFFPEAK_CALDAV_USER and OFFPEAK_CALDAV_PASSWORD\n"
	    "  --webhook URL  a JSON POST per transition of the state branch\n"
	    "                 (approval-needed, rejected, scheduled, moved,\n"
	    "                 released, missed, cancelled, superseded, expired,\n"
	    "                 break-glass, started, deferred, abort-requested,\n"
	    "                 completed, rolled-back, failed), then an\n"
	    "                 interrupted event for each run whose process is\n"
	    "                 gone, and a reminder at each of the calendar's\n"
	    "                 reminders before a change starts, each once,\n"
	    "                 in order, signed in X-Offpeak-Signature:\n"
	    "                 sha256=<HMAC-SHA256 of the body> with the secret in\n"
	    "                 OFFPEAK_WEBHOOK_SECRET, with an Idempotency-Key;\n"
	    "                 retried 5 times with a doubling delay (from\n"
	    "                 OFFPEAK_PUBLISH_RETRY_MS, default 1000) until a 2xx;\n"
	    "                 --webhook-format slack or teams sends each as a\n"
	    "                 Slack or Microsoft Teams incoming-webhook message\n"
	    "                 (signed only when OFFPEAK_WEBHOOK_SECRET is set)\n"
	    "  --smtp URL     smtp:// or smtps://: each policy subscriber with an\n"
	    "                 email gets an iMIP message per change on their\n"
	    "                 systems or groups, METHOD:REQUEST when it is new or\n"
	    "                 changed and METHOD:CANCEL when it is cancelled, from\n"
	    "                 the policy's calendar.organizer. Credentials: in the\n"
	    "                 URL, or OFFPEAK_SMTP_USER and OFFPEAK_SMTP_PASSWORD\n\n"
	    "Exit 5 when some of it failed: what succeeded is recorded first.\n",
	.exec = cmd_publish_exec
};
