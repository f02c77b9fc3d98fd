/* embedded: sample hooks and the example repository, built into the binary */
#ifndef OFFPEAK_EMBEDDED_H
#define OFFPEAK_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path;		/* source path: hooks/..., plans/examples/... */
	int	 mode;			/* 0755 or 0644 */
	const unsigned char *data;	/* NUL-terminated */
	size_t	 size;
};

/* Terminated by an entry whose path is NULL. */
extern const struct embedded_file embedded_files[];

#endif
