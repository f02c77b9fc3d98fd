/* pcache: parsed files kept by blob id, so unchanged files are not parsed again */
#ifndef OFFPEAK_PCACHE_H
#define OFFPEAK_PCACHE_H

#include "pack.h"

struct repo;
struct pcache;

/*
 * The parse cache of one kind of file (its name: "plans", "state",
 * "approvals", ...) in <git dir>/offpeak/cache/. An entry is the packed
 * result of parsing one blob that parsed without a problem, keyed by the
 * blob's id and valid only for the executable that wrote it (its GNU
 * build id): the same bytes parsed by the same code give the same result,
 * so a hit is exactly what parsing would give. Files with problems are
 * never kept, so their messages always come from parsing.
 *
 * NULL (no cache) when the executable has no build id or OFFPEAK_NO_CACHE
 * is set; every function takes NULL. A missing, unreadable, foreign or
 * damaged cache file is an empty cache. get and put may be called from
 * several threads at once.
 */
struct pcache *pcache_open(struct repo *, const char *kind);
/* 1 with *u over the entry of blob oid (40 hex digits), or 0. */
int	 pcache_get(struct pcache *, const char *oid, struct unpack *u);
/* Keep data as the entry of blob oid. */
void	 pcache_put(struct pcache *, const char *oid, const struct buf *data);
/*
 * Write the cache back when it gained entries or holds mostly entries
 * this run did not use (those are dropped), then free it. Failing to
 * write is not an error: the next run parses again.
 */
void	 pcache_close(struct pcache *);

#endif
