/* site: everything serve answers with, made once per version of the state */
#ifndef OFFPEAK_SITE_H
#define OFFPEAK_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

struct extra_freeze;
struct policy;
struct state;
struct timeline;
struct budget_ledger;

/* One document served as it is, with its gzip copy and validators. */
struct site_doc {
	char	*path;		/* URL path: "/calendar/all.ics" */
	char	*data;
	size_t	 len;
	char	*gz;		/* gzip of data, or NULL when not smaller */
	size_t	 gzlen;
	unsigned char hash[SHA256_LEN];	/* of data */
	char	 etag[48];	/* strong, quoted: "\"<commit>-<hash>\"" */
	char	 etag_gz[52];	/* the gzip copy's */
	int64_t	 modified;	/* Last-Modified */
};

/* A subscriber's private feed. */
struct site_sub {
	char	*name;
	unsigned char digest[SHA256_LEN];	/* SHA-256 of the token */
	struct site_doc feed;	/* path "all.ics" */
};

/* What a site is made from. */
struct site_source {
	const struct policy *pol;
	const struct state *st;
	const char *commit;		/* state branch commit, "" when none */
	int64_t	 commit_time;
	int64_t	 plans_time;		/* of the plans commit (the policy) */
	int64_t	 now;
	int	 simulated;
	const struct extra_freeze *extra; /* cached events of URL freezes */
	size_t	 nextra;
	const struct budget_ledger *ledger; /* availability budgets, or NULL */
	struct pcache *cache;		/* event texts (pcache.h), or NULL */
};

struct site {
	char	 commit[41];
	int64_t	 now;
	int	 public_feeds;
	struct site_doc *feeds;	/* every feed of the calendar command, by path */
	size_t	 nfeeds;
	size_t	 nchanges;	/* events in all.ics */
	struct site_sub *subs;
	size_t	 nsubs;
	struct site_doc json;	/* /api/status.json */
	struct timeline *tl;	/* the model of the timeline pictures */
	struct site_doc timeline;	/* /timeline.svg: the coming weeks */
	int64_t	 tl_from, tl_to;	/* ... its range */
	char	*page;		/* the status page, host markers in it */
	size_t	 pagelen;
};

/*
 * Render every feed, each subscriber's feed, the status page and its
 * JSON, with gzip copies, entity tags from the commit and the bytes, and
 * Last-Modified: the commit's time or the moment the clock last changed
 * what a feed shows, kept from prev (may be NULL) for bytes that did not
 * change. Returns 0, or -1 with *cause.
 */
int	 site_build(struct site *, const struct site_source *,
	     const struct site *prev, char **cause);
void	 site_release(struct site *);

/* The feed at a URL path ("/calendar/all.ics"), or NULL. */
const struct site_doc *site_feed(const struct site *, const char *path);
/*
 * The subscriber whose token it is, or NULL: the token's SHA-256 is
 * compared in constant time with every subscriber's.
 */
const struct site_sub *site_subscriber(const struct site *, const char *token);

/* gzip of a buffer (allocated); 0, or -1 with *cause. */
int	 site_gzip(const char *, size_t, char **out, size_t *outlen,
	     char **cause);

#endif
