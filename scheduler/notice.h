/* notice: the iCalendar feeds of changes, windows and freezes (libical) */
#ifndef OFFPEAK_NOTICE_H
#define OFFPEAK_NOTICE_H

#include <stddef.h>
#include <stdint.h>

struct policy;
struct state;
struct plan_state;

#define NOTICE_ALL	"all.ics"
#define NOTICE_WINDOWS	"windows.ics"

/* What a subscriber's calendar shows for one change. */
struct notice_view {
	const char *status;	/* STATUS: TENTATIVE, CONFIRMED, CANCELLED */
	const char *maintnote;	/* X-MAINTNOTE-STATUS (the BCOP's words) */
	const char *outcome;	/* "completed", "rolled-back", "failed",
				   "missed", or NULL while none */
	int	 sequence;	/* SEQUENCE */
	int64_t	 stamp;		/* DTSTAMP and LAST-MODIFIED */
};

/* One rendered feed. */
struct notice_feed {
	char	*path;		/* under the feed directory: "systems/web-1.ics" */
	char	*data;		/* the VCALENDAR text; NULL: known, not made */
	size_t	 len;
	size_t	 nevents;	/* VEVENTs in it */
	unsigned char digest[32]; /* SHA-256 of the text, when asked for */
};

/*
 * Where the feeds go already holds some of them: has() says whether the
 * output holds path with this SHA-256 and length, so the text need not be
 * made (data stays NULL). Called from several threads at once.
 */
struct notice_known {
	int	(*has)(void *, const char *path, const unsigned char *digest,
		    size_t len);
	void	*arg;
};

/* Every feed, sorted by path. */
struct notice_set {
	struct notice_feed *feeds;
	size_t	 n;
};

/*
 * How the feeds show a plan at now: 1 with *view filled, or 0 when it is
 * not in the feeds (it never had a slot, or its retention ran out). A
 * slot that ended without a run is missed from that moment, whether or
 * not a schedule has released it yet: CANCELLED, one SEQUENCE up, dated
 * at the slot's end (what the release will commit), so that every output
 * says the same at any now.
 */
int	 notice_view(const struct plan_state *, const struct policy *,
	     int64_t now, struct notice_view *);

/*
 * Render all.ics, systems/<name>.ics, groups/<name>.ics and windows.ics
 * from the policy and the state at now, byte for byte the same for the
 * same input. Returns 0, or -1 with *cause (an unknown zone, a window
 * libical cannot read).
 */
int	 notice_render(const struct policy *, const struct state *, int64_t now,
	     struct notice_set *, char **cause);
/*
 * The same, taking the text of every event whose inputs are unchanged
 * from cache (pcache.h; NULL: none) and keeping the new ones there.
 */
struct pcache;
int	 notice_render_cached(const struct policy *, const struct state *,
	     int64_t now, struct pcache *, const struct notice_known *,
	     struct notice_set *, char **cause);
void	 notice_set_release(struct notice_set *);

/*
 * Write the feeds into dir (created if missing): each file that differs
 * from what is there is written to a temporary file beside it, synced and
 * renamed over it, so readers see the old or the new feed, never a part.
 * Feeds under systems/ and groups/ that the set no longer has are removed.
 * *changed gets the number of files written or removed. Returns 0, or -1
 * with *cause.
 */
int	 notice_write(const struct notice_set *, const char *dir,
	     size_t *changed, char **cause);


/*
 * Render one feed, all.ics, holding only the changes that touch one of
 * the systems or a system of one of the groups (NULL-terminated; either
 * may be NULL), shown as notice_render shows them: a subscriber's feed.
 * *out is released with free() of its path and data. Returns 0, or -1
 * with *cause.
 */
int	 notice_render_filter(const struct policy *, const struct state *,
	     int64_t now, char *const *systems, char *const *groups,
	     struct notice_feed *out, char **cause);

/*
 * One change as a VCALENDAR of its own: its VEVENT as the feeds show it at
 * now, with the VTIMEZONE it uses. With method ("REQUEST", "CANCEL") the
 * calendar has that METHOD and, with attendee (a mailto: URI; cn its name
 * or NULL), the event an ATTENDEE who is informed, not asked (iMIP); with
 * neither it is a CalDAV resource. NULL when the change is not in the
 * feeds.
 */
char	*notice_event(const struct policy *, const struct plan_state *,
	     int64_t now, const char *method, const char *attendee,
	     const char *cn);

#endif
