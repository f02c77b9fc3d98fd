/*
 * publish-int: what publish and its transports (publish-caldav,
 * publish-webhook, publish-smtp) share; private to them.
 */
#ifndef OFFPEAK_PUBLISH_INT_H
#define OFFPEAK_PUBLISH_INT_H

#include <jansson.h>

#include "http.h"
#include "publish.h"

struct plan_state;

/* A target's URL taken apart. */
struct target {
	char	*url;		/* without credentials or fragment: what is used */
	char	*shown;		/* for messages and records */
	char	*key;		/* of its entry in the record */
	char	*user;		/* from the URL, else the environment */
	char	*password;
	char	*scheme;
};

/* A record file of the state branch, as read and as it becomes. */
struct pub_record {
	const char *path;
	char	*orig;		/* the text read, NULL when absent */
	json_t	*j;
};

/* One publish run. */
struct pub {
	struct session *s;
	const struct publish_opts *o;
	struct publish_result *res;
	const struct policy *pol;
	int64_t	 now;
};

/* The schemes a kind of target speaks. */
struct schemes {
	const char *names[3];
	const char *text;	/* for messages */
};

extern const struct schemes pub_http_schemes, pub_smtp_schemes;

/* A problem of a target (counted as a failure), or what was done. */
void	 pub_problem(struct pub *, struct publish_count *, const char *, ...)
	     __attribute__((format(printf, 3, 4)));
void	 pub_done(struct pub *, const char *, ...)
	     __attribute__((format(printf, 2, 3)));
/* What a response said, for a message: "HTTP 404: no such item". */
char	*pub_status_text(const struct http_response *);
int	 pub_ok_status(long status);

/*
 * Take a target's URL apart: its credentials out (user and password when
 * it has none), the fragment dropped, a collection's path ending in '/'.
 */
int	 pub_target_parse(const char *what, const char *url,
	     const struct schemes *, int collection, const char *user,
	     const char *password, struct target *, char **cause);
void	 pub_target_release(struct target *);
/* Key the record by a hash of the URL and show only its origin. */
void	 pub_target_hide(struct target *);

/* A record file of the state branch: read it, and finish it (logline). */
int	 pub_record_read(struct pub *, struct pub_record *, const char *path,
	     char **cause);
void	 pub_record_finish(struct pub *, struct pub_record *, int acted,
	     const char *logline);
/* The object under key (made when missing), and the keys of an object. */
json_t	*pub_object_at(json_t *, const char *key);
char	**pub_object_keys(json_t *);
/* The UID of a change's notice, and the change a UID names (or NULL). */
char	*pub_uid_of(const struct pub *, const struct plan_state *);
const struct plan_state *pub_state_of_uid(const struct pub *, const char *uid);
/* The value of a property in an iCalendar text (allocated), or NULL. */
char	*pub_ics_value(const char *text, const char *name);

/* The transports. */
void	 pub_caldav(struct pub *, struct pub_record *);
void	 pub_webhook(struct pub *, struct pub_record *);
void	 pub_smtp(struct pub *, struct pub_record *);

#endif
