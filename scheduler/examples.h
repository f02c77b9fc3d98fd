/* examples: the embedded sample files, written out as a new repository */
#ifndef OFFPEAK_EXAMPLES_H
#define OFFPEAK_EXAMPLES_H

#include <stddef.h>
#include <stdint.h>

struct repo_file;

/*
 * Where embedded files go: from is a source path, or a prefix ending in
 * '/' that maps every file under it to the same place under to. A mode of
 * 0 keeps the embedded file's mode.
 */
struct example_map {
	const char *from;
	const char *to;
	int	 mode;
};

/* The sample hooks, executable, under hooks/ as in the source tree. */
#define EXAMPLES_HOOKS	{ "hooks/", "hooks/", 0755 }

/* The files a map selected, with their paths in the new repository. */
struct example_set {
	struct repo_file *files;
	char	**paths;	/* the memory behind files[].path */
	size_t	 n;
};

void	 examples_init(struct example_set *);
void	 examples_release(struct example_set *);

/*
 * Select the embedded files a map names, in map order. Fails when an entry
 * matches nothing or two files would land on the same path.
 */
int	 examples_select(struct example_set *, const struct example_map *,
	     size_t, char **cause);

/*
 * Create a repository at dir (missing or empty) holding the selected files,
 * committed with message at time when; set keeps what was written.
 */
int	 examples_create(const char *dir, const struct example_map *, size_t,
	     const char *message, int64_t when, struct example_set *,
	     char **cause);

#endif
