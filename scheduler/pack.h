/* pack: a compact binary form of parsed values, for the parse cache */
#ifndef OFFPEAK_PACK_H
#define OFFPEAK_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Writing appends to a struct buf. Reading never goes past the end: a
 * short or malformed input sets bad, and every later read gives zero or
 * NULL, so a reader checks bad once at the end.
 */
void	 pack_u64(struct buf *, uint64_t);
void	 pack_i64(struct buf *, int64_t);
void	 pack_str(struct buf *, const char *);	/* NULL is kept as NULL */
void	 pack_strv(struct buf *, char *const *);	/* NULL-terminated, or NULL */
void	 pack_oid(struct buf *, const char *);	/* "" or 40 hex digits */

struct unpack {
	const unsigned char *p, *end;
	int	 bad;
};

void	 unpack_init(struct unpack *, const void *, size_t);
uint64_t unpack_u64(struct unpack *);
int64_t	 unpack_i64(struct unpack *);
/* An int from 0 to max, or bad. */
int	 unpack_int(struct unpack *, int max);
char	*unpack_str(struct unpack *);		/* allocated, or NULL */
char	**unpack_strv(struct unpack *);
void	 unpack_oid(struct unpack *, char *out);	/* 41 bytes */
/* The input ended exactly here, and nothing was bad. */
int	 unpack_done(const struct unpack *);

#endif
