/* jarena: let jansson allocate from a per-thread arena while parsing */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "jarena.h"
#include "util.h"

#define ARENA_BLOCK	(64 * 1024)	/* below malloc's mmap threshold */

struct block {
	struct block *next;
	size_t	 used, size;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct block *blocks;	/* newest first */
	int	 open;
};

static __thread struct arena arena;

static void *
arena_take(size_t n)
{
	struct block *b = arena.blocks;
	size_t	 want = (n + 15) & ~(size_t)15, size;

	if (b == NULL || b->used + want > b->size) {
		size = want > ARENA_BLOCK ? want : ARENA_BLOCK;
		b = xmalloc(sizeof *b + size);
		b->used = 0;
		b->size = size;
		b->next = arena.blocks;
		arena.blocks = b;
	}
	b->used += want;
	return b->data + b->used - want;
}

static void *
jarena_malloc(size_t n)
{
	return arena.open ? arena_take(n) : malloc(n);
}

/* Is p inside one of this thread's arena blocks? */
static int
in_arena(const void *p)
{
	const struct block *b;
	const unsigned char *c = p;

	for (b = arena.blocks; b != NULL; b = b->next) {
		if (c >= b->data && c < b->data + b->size)
			return 1;
	}
	return 0;
}

/*
 * What jansson frees outside an arena (json_dumps results too, which
 * callers give to free()) is plain malloc memory; arena memory comes back
 * all at once, in jarena_end.
 */
static void
jarena_free(void *p)
{
	if (p != NULL && !in_arena(p))
		free(p);
}

/* Installed before main, so no jansson value ever predates it. */
__attribute__((constructor)) static void
jarena_install(void)
{
	json_set_alloc_funcs(jarena_malloc, jarena_free);
}

void
jarena_begin(void)
{
	arena.open = 1;
}

void
jarena_end(void)
{
	struct block *b, *next;

	arena.open = 0;
	for (b = arena.blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	arena.blocks = NULL;
}
