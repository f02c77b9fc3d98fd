/* feedstamp: which feeds of an output directory are still as they were written */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "feedstamp.h"
#include "fsutil.h"
#include "notice.h"
#include "repo.h"
#include "util.h"

#define STAMP_MAGIC	"offpeak-feedstamp 1\n"
#define STAMP_MAX	(64 * 1024 * 1024)

struct stamp {
	char	*path;			/* under dir */
	unsigned char digest[SHA256_LEN];
	unsigned long long size, dev, ino, sec, nsec;
};

struct feedstamp {
	char	*dir;			/* the output directory */
	char	*file;			/* where the stamps are kept */
	struct stamp *v;		/* sorted by path */
	size_t	 n;
};

static int
stamp_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stamp *)a)->path,
	    ((const struct stamp *)b)->path);
}

/* The file that keeps the stamps of dir: by a digest of its real path. */
static char *
stamp_file(struct repo *repo, const char *dir)
{
	char	 real[PATH_MAX], hex[SHA256_HEX], *name, *path;

	if (realpath(dir, real) == NULL)
		snprintf(real, sizeof real, "%s", dir);
	digest_hex(real, strlen(real), hex);
	hex[32] = '\0';
	name = xasprintf("offpeak/cache/feeds-%s", hex);
	path = repo_git_path(repo, name);
	free(name);
	return path;
}

static int
hex_bytes(const char *hex, unsigned char *out, size_t n)
{
	int	 hi, lo;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if ((hi = hex_value(hex[2 * i])) < 0 ||
		    (lo = hex_value(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = hi << 4 | lo;
	}
	return 0;
}

/* One line: digest size dev ino sec nsec path. */
static int
parse_line(char *line, struct stamp *s)
{
	char	 hex[65], path[256];

	if (sscanf(line, "%64s %llu %llu %llu %llu %llu %255s", hex, &s->size,
	    &s->dev, &s->ino, &s->sec, &s->nsec, path) != 7 ||
	    strlen(hex) != 64 || hex_bytes(hex, s->digest, SHA256_LEN) != 0)
		return -1;
	s->path = xstrdup(path);
	return 0;
}

static void
read_stamps(struct feedstamp *fs)
{
	char	*text, *why = NULL, *line, *next;
	size_t	 len, alloc = 0;

	if (fs_read_file(fs->file, STAMP_MAX, &text, &len, &why) != 0) {
		free(why);
		return;
	}
	if (strncmp(text, STAMP_MAGIC, strlen(STAMP_MAGIC)) == 0) {
		for (line = text + strlen(STAMP_MAGIC); *line != '\0';
		    line = next) {
			if ((next = strchr(line, '\n')) == NULL)
				break;	/* a last line cut short */
			*next++ = '\0';
			if (fs->n == alloc) {
				alloc = alloc ? alloc * 2 : 256;
				fs->v = xreallocarray(fs->v, alloc, sizeof *fs->v);
			}
			if (parse_line(line, &fs->v[fs->n]) == 0)
				fs->n++;
		}
	}
	free(text);
	array_sort(fs->v, fs->n, sizeof *fs->v, stamp_cmp);
}

struct feedstamp *
feedstamp_load(struct repo *repo, const char *dir)
{
	const char *env = getenv("OFFPEAK_NO_CACHE");
	struct feedstamp *fs;

	if (env != NULL && *env != '\0')
		return NULL;
	fs = xcalloc(1, sizeof *fs);
	fs->dir = xstrdup(dir);
	fs->file = stamp_file(repo, dir);
	read_stamps(fs);
	return fs;
}

/* The stamp a file has now: 0, or -1 when it is not a regular file. */
static int
stamp_now(const char *dir, const char *path, struct stamp *s)
{
	struct stat sb;
	char	*full = xasprintf("%s/%s", dir, path);
	int	 rc;

	rc = lstat(full, &sb) == 0 && S_ISREG(sb.st_mode) ? 0 : -1;
	free(full);
	if (rc == 0) {
		s->size = (unsigned long long)sb.st_size;
		s->dev = (unsigned long long)sb.st_dev;
		s->ino = (unsigned long long)sb.st_ino;
		s->sec = (unsigned long long)sb.st_mtim.tv_sec;
		s->nsec = (unsigned long long)sb.st_mtim.tv_nsec;
	}
	return rc;
}

int
feedstamp_has(void *arg, const char *path, const unsigned char *digest,
    size_t len)
{
	struct feedstamp *fs = arg;
	struct stamp key, *s, now;

	key.path = (char *)path;
	if (fs == NULL || fs->n == 0 || (s = bsearch(&key, fs->v, fs->n,
	    sizeof *fs->v, stamp_cmp)) == NULL)
		return 0;
	return memcmp(s->digest, digest, SHA256_LEN) == 0 && s->size == len &&
	    stamp_now(fs->dir, path, &now) == 0 && now.size == s->size &&
	    now.dev == s->dev && now.ino == s->ino && now.sec == s->sec &&
	    now.nsec == s->nsec;
}

void
feedstamp_save(struct feedstamp *fs, const struct notice_set *set)
{
	struct buf b = BUF_INIT;
	struct stamp s;
	char	 hex[SHA256_HEX], *dir, *why = NULL, *tmp;
	size_t	 i;

	if (fs == NULL)
		return;
	buf_adds(&b, STAMP_MAGIC);
	for (i = 0; i < set->n; i++) {
		if (stamp_now(fs->dir, set->feeds[i].path, &s) != 0 ||
		    s.size != set->feeds[i].len ||
		    strchr(set->feeds[i].path, ' ') != NULL)
			continue;
		hex_encode(set->feeds[i].digest, SHA256_LEN, hex);
		buf_addf(&b, "%s %llu %llu %llu %llu %llu %s\n", hex, s.size,
		    s.dev, s.ino, s.sec, s.nsec, set->feeds[i].path);
	}
	/* not synced: a short file only knows less */
	dir = xstrdup(fs->file);
	*strrchr(dir, '/') = '\0';
	tmp = xasprintf("%s.%ld.tmp", fs->file, (long)getpid());
	if (mkdir_p(dir, 0755) != 0 ||
	    fs_write_file(tmp, b.data, b.len, 0644, &why) != 0 ||
	    rename(tmp, fs->file) != 0)
		(void)unlink(tmp);
	free(why);
	free(tmp);
	free(dir);
	buf_release(&b);
}

void
feedstamp_free(struct feedstamp *fs)
{
	size_t	 i;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->n; i++)
		free(fs->v[i].path);
	free(fs->v);
	free(fs->dir);
	free(fs->file);
	free(fs);
}
