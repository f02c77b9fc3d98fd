/* feedstamp: which feeds of an output directory are still as they were written */
#ifndef OFFPEAK_FEEDSTAMP_H
#define OFFPEAK_FEEDSTAMP_H

struct repo;
struct notice_set;
struct feedstamp;

/*
 * What was written into dir last time: for each feed, the SHA-256 of its
 * text with the size, device, inode and modification time its file had
 * then (in <git dir>/offpeak/cache/, one file per output directory). A
 * feed whose new text has the same digest and whose file still has the
 * same identity and time is there already: it need not be made, read or
 * compared. NULL when OFFPEAK_NO_CACHE is set; a missing or damaged file
 * knows nothing.
 */
struct feedstamp *feedstamp_load(struct repo *, const char *dir);
/* notice_known's has(): does dir hold path with this digest and length? */
int	 feedstamp_has(void *, const char *path, const unsigned char *digest,
	     size_t len);
/* Record the feeds of set as they now are in dir (their digests asked for). */
void	 feedstamp_save(struct feedstamp *, const struct notice_set *);
void	 feedstamp_free(struct feedstamp *);

#endif
