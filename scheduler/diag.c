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
	diags_init(d);
}

/*
 * Text that came from a document may hold control characters or invalid
 * UTF-8: show them as \xNN so that a message stays one line of valid text.
 */
static char *
sanitize_take(char *s)
{
	struct buf b = BUF_INIT;
	size_t	 len = strlen(s), i = 0, ok;

	while (i < len) {
		ok = utf8_valid_prefix(s + i, len - i);
		for (size_t k = 0; k < ok; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (c < 0x20 || c == 0x7f)
				buf_addf(&b, "\\x%02x", c);
			else
				buf_addc(&b, (char)c);
		}
		i += ok;
		if (i < len)
			buf_addf(&b, "\\x%02x", (unsigned char)s[i++]);
	}
	free(s);
	return buf_detach(&b, NULL);
}

void
diags_add_take(struct diags *d, const char *file, int line, int column,
    char *message)
{
	struct diag *g;

	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 16;
		d->items = xreallocarray(d->items, d->alloc, sizeof *d->items);
	}
	g = &d->items[d->n++];
	g->file = file != NULL ? sanitize_take(xstrdup(file)) : NULL;
	g->line = line;
	g->column = column;
	g->message = sanitize_take(message);
	g->seq = d->n - 1;
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
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
diags_sort(struct diags *d)
{
	if (d->n > 1)
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
