/* diag: a list of problems found in files, each with a place */
#ifndef OFFPEAK_DIAG_H
#define OFFPEAK_DIAG_H

#include <stddef.h>

struct diag {
	char	*file;		/* path in the repository, or NULL */
	int	 line;		/* 1-based; 0 when unknown */
	int	 column;	/* 1-based; 0 when unknown */
	char	*message;
	size_t	 seq;		/* order of addition, for a stable sort */
	int	 tail;		/* the count of those not shown: after the rest */
};

/*
 * At most DIAGS_PER_FILE problems are kept for one file: a hostile file
 * with a hundred thousand of them is refused as fast as one with one, and
 * the rest are counted in one last line ("and N more problems").
 */
#define DIAGS_PER_FILE	100

struct diag_count {
	char	*file;
	size_t	 n;		/* problems reported for it */
};

struct diags {
	struct diag *items;
	size_t	 n;
	size_t	 alloc;
	struct diag_count *counts;	/* per file, for the cap */
	size_t	 ncounts;
	size_t	 last;			/* index in counts used last */
	size_t	 total;			/* every problem reported, shown or not */
};

void	 diags_init(struct diags *);
void	 diags_release(struct diags *);
/* Append a problem; file may be NULL; line and column 0 when unknown. */
void	 diags_add(struct diags *, const char *file, int line, int column,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Append, taking ownership of the message. */
void	 diags_add_take(struct diags *, const char *file, int line, int column,
	     char *message);
/* Move every problem of src, counted ones too, into d; src is released. */
void	 diags_merge_take(struct diags *d, struct diags *src);
/*
 * Has file had DIAGS_PER_FILE problems already? Then the next ones are
 * only counted: a caller may skip the work of placing them.
 */
int	 diags_full(struct diags *, const char *file);
/*
 * Add the "N more" line of every file over the cap, then sort by file,
 * line, column (stable for equal places). Call once, when all are in.
 */
void	 diags_sort(struct diags *);
/* One line: "<file>:<line>:<col>: <message>" (parts omitted when unknown). */
char	*diag_format(const struct diag *);

#endif
