/* t-fsutil: durable writes of one file and of a set, with pruning */
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

/* A path in one of a few static buffers (the test makes many). */
static const char *
P(const char *fmt, ...)
{
	static char buf[4][4096];
	static int n;
	va_list	 ap;
	char	*b = buf[n++ % 4];

	va_start(ap, fmt);
	vsnprintf(b, sizeof buf[0], fmt, ap);
	va_end(ap);
	return b;
}

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "rb");
	char	 buf[4096];
	size_t	 n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Files whose name starts with '.' (temporary files) in dir. */
static int
hidden_in(const char *dir)
{
	struct dirent *de;
	DIR	*d = opendir(dir);
	int	 n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
file_is(const char *dir, const char *rel, const char *want)
{
	char	*path = xasprintf("%s/%s", dir, rel), *got = slurp(path);
	int	 same = got != NULL && strcmp(got, want) == 0;

	free(got);
	free(path);
	return same;
}

int
main(void)
{
	static const char *const prune[] = { "systems", NULL };
	char	 tmpl[] = "/tmp/t-fsutil.XXXXXX", *dir, *path, *cause = NULL;
	struct fs_file one[] = {
		{ "all.ics", "A1", 2 },
		{ "systems/a.ics", "SA", 2 },
		{ "systems/b.ics", "SB", 2 },
	};
	struct fs_file two[] = {
		{ "all.ics", "A2", 2 },
		{ "systems/a.ics", "SA", 2 },
	};
	struct stat sb;
	size_t	 changed;

	if ((dir = mkdtemp(tmpl)) == NULL)
		return 1;
	path = xasprintf("%s/out", dir);

	ok(fs_write_set(path, one, 3, prune, ".ics", 0644, &changed, &cause) == 0,
	    "a set is written into a new directory");
	is_int(changed, 3, "... three files");
	ok(file_is(path, "all.ics", "A1") && file_is(path, "systems/b.ics", "SB"),
	    "... with their bytes");
	ok(stat(P("%s/all.ics", path), &sb) == 0 && (sb.st_mode & 0777) == 0644,
	    "... and the mode asked for");
	sh("touch '%s/systems/keep.txt'", path);
	ok(fs_write_set(path, two, 2, prune, ".ics", 0644, &changed, &cause) == 0,
	    "the next set");
	is_int(changed, 2, "one file rewritten, one removed, one unchanged left alone");
	ok(file_is(path, "all.ics", "A2"), "the changed file has its new bytes");
	ok(access(P("%s/systems/b.ics", path), F_OK) != 0,
	    "a file the set no longer has is pruned");
	ok(access(P("%s/systems/keep.txt", path), F_OK) == 0,
	    "... but not one without the suffix");
	ok(hidden_in(path) == 0 && hidden_in(P("%s/systems", path)) == 0,
	    "no temporary file is left");
	ok(fs_write_set(path, two, 2, prune, ".ics", 0644, &changed, &cause) == 0 &&
	    changed == 0, "an unchanged set writes nothing");

	/* a place that cannot be written: refused, nothing half-done */
	sh("chmod 0555 '%s/systems'", path);
	if (geteuid() != 0) {
		struct fs_file three[] = { { "systems/a.ics", "NEW", 3 } };
		ok(fs_write_set(path, three, 1, NULL, ".ics", 0644, &changed,
		    &cause) != 0 && cause != NULL, "an unwritable directory: refused (%s)",
		    cause ? cause : "-");
		ok(file_is(path, "systems/a.ics", "SA"), "... and the old file stays");
	} else {
		ok(1, "# SKIP as root every directory is writable");
		ok(1, "# SKIP as root every directory is writable");
	}
	sh("chmod 0755 '%s/systems'", path);

	ok(fs_write_atomic(P("%s/single", dir), "hello", 5, 0600) == 0 &&
	    file_is(dir, "single", "hello"), "fs_write_atomic writes one file");
	ok(fs_write_atomic(P("%s/missing/single", dir), "x", 1, 0600) != 0,
	    "... and fails in a missing directory");
	sh("rm -rf '%s'", dir);
	free(path);
	free(cause);
	return done_testing();
}
