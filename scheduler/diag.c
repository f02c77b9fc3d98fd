/* diag: a list of problems found in files, each with a place */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof *d);
}

void
diags_release(struct diags *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		free(d->items[i].file);	/* messages may have been taken: NULL */
		free(d->items[i].message);
	}
	free(d->items);
	for (i = 0; i < d->ncounts; i++)
		free(d->counts[i].file);
	free(d->counts);
	diags_init(d);
}

/* The counter of a file (NULL: problems of no file are never capped). */
static struct diag_count *
count_of(struct diags *d, const char *file)
{
	size_t	 i;

	if (file == NULL)
		return NULL;
	if (d->last < d->ncounts && strcmp(d->counts[d->last].file, file) == 0)
		return &d->counts[d->last];
	for (i = 0; i < d->ncounts; i++) {
		if (strcmp(d->counts[i].file, file) == 0)
			return &d->counts[d->last = i];
	}
	d->counts = xreallocarray(d->counts, d->ncounts + 1, sizeof *d->counts);
	d->counts[d->ncounts].file = xstrdup(file);
	d->counts[d->ncounts].n = 0;
	d->last = d->ncounts;
	return &d->counts[d->ncounts++];
}

int
diags_full(struct diags *d, const char *file)
{
	struct diag_count *c = count_of(d, file);

	return c != NULL && c->n >= DIAGS_PER_FILE;
}

static void
push(struct diags *d, const char *file, int line, int column, char *message,
    int tail)
{
	struct diag *g;

	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 16;
		d->items = xreallocarray(d->items, d->alloc, sizeof *d->items);
	}
	g = &d->items[d->n++];
	/* text from a document may hold controls: a message stays one line */
	g->file = file != NULL ? str_quote(file, 200) : NULL;
	g->line = line;
	g->column = column;
	g->message = str_quote(message, 1000);
	free(message);
	g->seq = d->n - 1;
	g->tail = tail;
}

void
diags_add_take(struct diags *d, const char *file, int line, int column,
    char *message)
{
	struct diag_count *c = count_of(d, file);

	d->total++;
	if (c != NULL && c->n++ >= DIAGS_PER_FILE) {
		free(message);
		return;
	}
	push(d, file, line, column, message, 0);
}

void
diags_merge_take(struct diags *d, struct diags *src)
{
	struct diag_count *c;
	size_t	 i, shown;

	for (i = 0; i < src->n; i++) {
		diags_add_take(d, src->items[i].file, src->items[i].line,
		    src->items[i].column, src->items[i].message);
		src->items[i].message = NULL;
	}
	for (i = 0; i < src->ncounts; i++) {
		shown = src->counts[i].n < DIAGS_PER_FILE ? src->counts[i].n :
		    DIAGS_PER_FILE;
		c = count_of(d, src->counts[i].file);
		c->n += src->counts[i].n - shown;
		d->total += src->counts[i].n - shown;
	}
	diags_release(src);
}

void
diags_add(struct diags *d, const char *file, int line, int column,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diags_add_take(d, file, line, column, msg);
}

static int
diag_cmp(const void *va, const void *vb)
{
	const struct diag *a = va, *b = vb;
	int	 c;

	if (a->file == NULL || b->file == NULL)
		c = (a->file == NULL) - (b->file == NULL);
	else
		c = strcmp(a->file, b->file);
	if (c != 0)
		return c;
	if (a->tail != b->tail)
		return a->tail - b->tail;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
diags_sort(struct diags *d)
{
	size_t	 i, more;

	for (i = 0; i < d->ncounts; i++) {
		if (d->counts[i].n <= DIAGS_PER_FILE)
			continue;
		more = d->counts[i].n - DIAGS_PER_FILE;
		push(d, d->counts[i].file, 0, 0, xasprintf("and %zu more "
		    "problem%s in this file, not shown (at most %d are)", more,
		    more == 1 ? "" : "s", DIAGS_PER_FILE), 1);
		d->counts[i].n = DIAGS_PER_FILE;	/* said once */
	}
	array_sort(d->items, d->n, sizeof *d->items, diag_cmp);
}

char *
diag_format(const struct diag *g)
{
	struct buf b = BUF_INIT;

	if (g->file != NULL) {
		buf_adds(&b, g->file);
		if (g->line > 0) {
			buf_addf(&b, ":%d", g->line);
			if (g->column > 0)
				buf_addf(&b, ":%d", g->column);
		}
		buf_adds(&b, ": ");
	}
	buf_adds(&b, g->message);
	return buf_detach(&b, NULL);
}
