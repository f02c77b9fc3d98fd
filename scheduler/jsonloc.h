/* jsonloc: find where a value is in JSON text, for messages */
#ifndef OFFPEAK_JSONLOC_H
#define OFFPEAK_JSONLOC_H

#include <stddef.h>

/* One step of a path into a document: a member name, or an array index. */
struct jseg {
	const char *key;	/* member name; NULL for an array element */
	size_t	 index;		/* array index when key is NULL */
};

/*
 * Find the value at path (depth steps; depth 0 is the whole document) in
 * the JSON text, or with want_key the member name that holds it. Sets
 * 1-based *line and *column (column counted in characters) and returns 0;
 * returns -1 if the path is not there or the text is not valid JSON.
 * Where a member occurs twice, the last one counts (as in the parser).
 */
int	 jsonloc_find(const char *text, size_t len, const struct jseg *path,
	     size_t depth, int want_key, int *line, int *column);

/* Line and column (1-based, column in characters) of a byte offset. */
void	 jsonloc_offset(const char *text, size_t len, size_t offset,
	     int *line, int *column);

#endif
