/* publish: the notices pushed to a CalDAV collection, a webhook and by mail */
#ifndef OFFPEAK_PUBLISH_H
#define OFFPEAK_PUBLISH_H

#include <stddef.h>

struct session;
struct store_file;

/* What the state branch remembers of each target. */
#define PUBLISH_CALDAV_FILE	"publish/caldav.json"
#define PUBLISH_WEBHOOK_FILE	"publish/webhook.json"
#define PUBLISH_SMTP_FILE	"publish/smtp.json"

#define PUBLISH_TRIES		5	/* attempts per webhook event */
#define PUBLISH_BACKOFF_MS	1000	/* before the second; doubled after */

/* Where to publish, with the secrets the environment gave. */
struct publish_opts {
	const char *caldav;		/* collection URL, or NULL */
	const char *caldav_user;	/* when the URL has none; may be NULL */
	const char *caldav_password;
	const char *webhook;		/* URL, or NULL */
	const char *webhook_secret;	/* the HMAC key; needed with webhook */
	const char *webhook_format;	/* "json" (NULL), "slack", "teams" */
	const char *smtp;		/* smtp:// or smtps:// URL, or NULL */
	const char *smtp_user;		/* when the URL has none; may be NULL */
	const char *smtp_password;
	long	 backoff_ms;		/* 0: PUBLISH_BACKOFF_MS */
	int	 tries;			/* 0: PUBLISH_TRIES */
};

/* What one target did. */
struct publish_count {
	int	 used;
	char	*url;			/* as shown: no credentials */
	size_t	 created, updated, deleted, unchanged;	/* CalDAV resources */
	size_t	 sent;			/* webhook events, messages */
	size_t	 retries;		/* webhook attempts after a failure */
	size_t	 failed;		/* problems */
};

struct publish_result {
	struct publish_count caldav, webhook, smtp;
	char	**done;			/* one line per action, NULL-terminated */
	char	**problems;		/* one message per failure, NULL-terminated */
	char	**log;			/* lines for the state commit */
	struct store_file *files;	/* the records to commit */
	size_t	 nfiles;
	char	**texts;		/* the records' data, owned */
};

/*
 * Check the URLs of opts before anything is read or sent: 0, or -1
 * with *cause.
 */
int	 publish_check(const struct publish_opts *, char **cause);
int	 publish_webhook_unsigned(const struct publish_opts *);

/*
 * Publish the session's state at its clock to every target of opts, each
 * starting from what the state branch remembers of it. A target that
 * fails stops there, keeping what it did; the others go on. Returns 0
 * when everything is published, 1 when some of it failed (res->problems
 * says what), -1 with *cause when nothing could start (a record that
 * cannot be read). res->files and res->log hold what to commit: the
 * records of everything that was done, also after a failure.
 */
int	 publish_run(struct session *, const struct publish_opts *,
	     struct publish_result *, char **cause);
void	 publish_result_release(struct publish_result *);

#endif
