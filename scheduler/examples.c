/* examples: the embedded sample files, written out as a new repository */
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "examples.h"
#include "repo.h"
#include "util.h"

void
examples_init(struct example_set *set)
{
	memset(set, 0, sizeof *set);
}

void
examples_release(struct example_set *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		free(set->paths[i]);
	free(set->paths);
	free(set->files);
	examples_init(set);
}

/* Where an embedded path goes under one map entry, or NULL. */
static char *
example_dest(const struct example_map *m, const char *path)
{
	size_t	 len = strlen(m->from);

	if (len != 0 && m->from[len - 1] == '/') {
		if (strncmp(path, m->from, len) != 0 || path[len] == '\0')
			return NULL;
		return xasprintf("%s%s", m->to, path + len);
	}
	return strcmp(path, m->from) == 0 ? xstrdup(m->to) : NULL;
}

static int
example_taken(const struct example_set *set, const char *path)
{
	size_t	 i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->paths[i], path) == 0)
			return 1;
	}
	return 0;
}

static void
example_add(struct example_set *set, const struct embedded_file *ef,
    char *dest, int mode)
{
	struct repo_file *f;

	set->files = xreallocarray(set->files, set->n + 1, sizeof *set->files);
	set->paths = xreallocarray(set->paths, set->n + 1, sizeof *set->paths);
	f = &set->files[set->n];
	f->path = dest;
	f->mode = mode != 0 ? mode : ef->mode;
	f->data = ef->data;
	f->size = ef->size;
	set->paths[set->n++] = dest;
}

int
examples_select(struct example_set *set, const struct example_map *map,
    size_t nmap, char **cause)
{
	const struct embedded_file *ef;
	size_t	 i, before;
	char	*dest;

	for (i = 0; i < nmap; i++) {
		before = set->n;
		for (ef = embedded_files; ef->path != NULL; ef++) {
			if ((dest = example_dest(&map[i], ef->path)) == NULL)
				continue;
			if (example_taken(set, dest)) {
				*cause = xasprintf("two embedded files map to "
				    "'%s'", dest);
				free(dest);
				return -1;
			}
			example_add(set, ef, dest, map[i].mode);
		}
		if (set->n == before) {
			*cause = xasprintf("no embedded file matches '%s'",
			    map[i].from);
			return -1;
		}
	}
	return 0;
}

int
examples_create(const char *dir, const struct example_map *map, size_t nmap,
    const char *message, int64_t when, struct example_set *set, char **cause)
{
	if (examples_select(set, map, nmap, cause) != 0)
		return -1;
	return repo_create(dir, set->files, set->n, message, when, cause);
}
