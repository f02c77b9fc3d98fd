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
};

struct diags {
	struct diag *items;
	size_t	 n;
	size_t	 alloc;
};

void	 diags_init(struct diags *);
void	 diags_release(struct diags *);
/* Append a problem; file may be NULL; line and column 0 when unknown. */
void	 diags_add(struct diags *, const char *file, int line, int column,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Append, taking ownership of the message. */
void	 diags_add_take(struct diags *, const char *file, int line, int column,
	     char *message);
/* Sort by file, line, column (stable for equal places). */
void	 diags_sort(struct diags *);
/* One line: "<file>:<line>:<col>: <message>" (parts omitted when unknown). */
char	*diag_format(const struct diag *);

#endif
