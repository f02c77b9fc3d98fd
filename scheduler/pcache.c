/* pcache: parsed files kept by blob id, so unchanged files are not parsed again */
#include <sys/mman.h>
#include <sys/stat.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "pcache.h"
#include "repo.h"
#include "util.h"

/*
 * File: a header, an index sorted by blob id, then the entries' bytes.
 *   header (64 bytes): magic (16), build id length (4), build id (32,
 *     zero-padded), entry count (4), file size (8)
 *   index entry (40 bytes): blob id (20), checksum of the bytes (4),
 *     length (4), offset (8), zero (4)
 * Numbers are little-endian.
 */
#define PC_MAGIC	"offpeak-pcache3"	/* 15 characters and a NUL */
#define PC_HEADER	64
#define PC_INDEX	40
#define PC_BUILD_MAX	32
#define PC_ENTRY_MAX	(1024 * 1024)
#define PC_FILE_MAX	((size_t)512 * 1024 * 1024)

struct pc_new {
	unsigned char oid[20];
	char	*data;
	size_t	 len;
};

struct pcache {
	char	*path;
	const unsigned char *map;	/* the file read, or NULL */
	size_t	 size;
	uint32_t n;			/* its entries */
	unsigned char *used;		/* one per entry */
	pthread_mutex_t lock;		/* for news */
	struct pc_new *news;
	size_t	 nnew, anew;
};

static unsigned char build_id[PC_BUILD_MAX];
static size_t	 build_id_len;
static pthread_once_t build_once = PTHREAD_ONCE_INIT;

/* Find the GNU build id note of the executable (the first object). */
static int
find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	const ElfW(Phdr) *ph;
	const unsigned char *p, *end;
	const ElfW(Nhdr) *nh;
	size_t	 i, name, desc;

	for (i = 0; i < info->dlpi_phnum; i++) {
		ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof *nh <= end) {
			nh = (const ElfW(Nhdr) *)p;
			name = (nh->n_namesz + 3) & ~(size_t)3;
			desc = (nh->n_descsz + 3) & ~(size_t)3;
			if (p + sizeof *nh + name + desc > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(p + sizeof *nh, "GNU", 4) == 0 &&
			    nh->n_descsz > 0 && nh->n_descsz <= PC_BUILD_MAX) {
				memcpy(build_id, p + sizeof *nh + name,
				    nh->n_descsz);
				build_id_len = nh->n_descsz;
				return 1;
			}
			p += sizeof *nh + name + desc;
		}
	}
	return 1;	/* only the executable itself */
}

static void
load_build_id(void)
{
	dl_iterate_phdr(find_build_id, NULL);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/*
 * A checksum of an entry, in four lanes of eight bytes (the multiplies of
 * one lane do not wait for another's): it finds damage, not foes.
 */
static uint32_t
checksum(const unsigned char *p, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h[4] = { 0x243f6a8885a308d3ull ^ n, 0x13198a2e03707344ull,
	    0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull }, w;
	size_t	 i;

	for (; n >= 32; p += 32, n -= 32) {
		for (i = 0; i < 4; i++) {
			memcpy(&w, p + 8 * i, 8);
			h[i] = (h[i] ^ w) * k;
			h[i] ^= h[i] >> 29;
		}
	}
	for (i = 0; n > 0; i = (i + 1) % 4) {
		w = 0;
		memcpy(&w, p, n < 8 ? n : 8);
		h[i] = (h[i] ^ w) * k;
		h[i] ^= h[i] >> 29;
		p += n < 8 ? n : 8;
		n -= n < 8 ? n : 8;
	}
	w = (h[0] ^ (h[1] << 1) ^ (h[2] << 2) ^ (h[3] << 3)) * k;
	return (uint32_t)(w ^ w >> 32);
}

static int
oid_bin(const char *hex, unsigned char *out)
{
	int	 hi, lo;
	size_t	 i;

	for (i = 0; i < 20; i++) {
		if ((hi = hex_value(hex[2 * i])) < 0 ||
		    (lo = hex_value(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = hi << 4 | lo;
	}
	return hex[40] == '\0' ? 0 : -1;
}

/* Is the mapped file whole, ours and sorted? */
static int
file_valid(const unsigned char *m, size_t size)
{
	uint32_t n, i;
	uint64_t off, len;

	if (size < PC_HEADER || memcmp(m, PC_MAGIC, 16) != 0 ||
	    get32(m + 16) != build_id_len ||
	    memcmp(m + 20, build_id, build_id_len) != 0 ||
	    get64(m + 56) != size)
		return 0;
	n = get32(m + 52);
	if ((uint64_t)n * PC_INDEX > size - PC_HEADER)
		return 0;
	for (i = 0; i < n; i++) {
		const unsigned char *e = m + PC_HEADER + (size_t)i * PC_INDEX;

		len = get32(e + 24);
		off = get64(e + 28);
		if (off < PC_HEADER + (uint64_t)n * PC_INDEX || off > size ||
		    len > size - off ||
		    (i > 0 && memcmp(e - PC_INDEX, e, 20) >= 0))
			return 0;
	}
	return 1;
}

static void
map_file(struct pcache *c)
{
	struct stat sb;
	void	*m;
	int	 fd;

	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size >= PC_HEADER && (size_t)sb.st_size <= PC_FILE_MAX &&
	    (m = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) !=
	    MAP_FAILED) {
		if (file_valid(m, sb.st_size)) {
			c->map = m;
			c->size = sb.st_size;
			c->n = get32(c->map + 52);
			c->used = xcalloc(c->n + 1, 1);
		} else
			munmap(m, sb.st_size);
	}
	close(fd);
}

struct pcache *
pcache_open(struct repo *repo, const char *kind)
{
	struct pcache *c;
	const char *env = getenv("OFFPEAK_NO_CACHE");
	char	*name;

	if (env != NULL && *env != '\0')
		return NULL;
	pthread_once(&build_once, load_build_id);
	if (build_id_len == 0)
		return NULL;
	c = xcalloc(1, sizeof *c);
	name = xasprintf("offpeak/cache/%s", kind);
	c->path = repo_git_path(repo, name);
	free(name);
	pthread_mutex_init(&c->lock, NULL);
	map_file(c);
	return c;
}

int
pcache_get(struct pcache *c, const char *oid, struct unpack *u)
{
	unsigned char key[20];
	const unsigned char *e;
	uint32_t lo = 0, hi, mid, len;
	int	 cmp;

	if (c == NULL || c->map == NULL || oid_bin(oid, key) != 0)
		return 0;
	hi = c->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = c->map + PC_HEADER + (size_t)mid * PC_INDEX;
		if ((cmp = memcmp(key, e, 20)) == 0) {
			len = get32(e + 24);
			if (checksum(c->map + get64(e + 28), len) != get32(e + 20))
				return 0;	/* damaged: parse again */
			__atomic_store_n(&c->used[mid], 1, __ATOMIC_RELAXED);
			unpack_init(u, c->map + get64(e + 28), len);
			return 1;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

void
pcache_put(struct pcache *c, const char *oid, const struct buf *data)
{
	struct pc_new *nw;

	if (c == NULL || data->len > PC_ENTRY_MAX)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->nnew == c->anew) {
		c->anew = c->anew == 0 ? 64 : c->anew * 2;
		c->news = xreallocarray(c->news, c->anew, sizeof *c->news);
	}
	nw = &c->news[c->nnew];
	if (oid_bin(oid, nw->oid) == 0) {
		nw->data = xmalloc(data->len + 1);
		memcpy(nw->data, data->data, data->len);
		nw->len = data->len;
		c->nnew++;
	}
	pthread_mutex_unlock(&c->lock);
}

/* One entry of the file to write. */
struct pc_out {
	const unsigned char *oid;
	const unsigned char *data;
	size_t	 len;
	int	 fresh;		/* from this run */
};

static int
out_cmp(const void *a, const void *b)
{
	const struct pc_out *x = a, *y = b;
	int	 c = memcmp(x->oid, y->oid, 20);

	return c != 0 ? c : y->fresh - x->fresh;	/* fresh first */
}

static void
save(struct pcache *c, size_t nused)
{
	struct pc_out *out;
	unsigned char *file, *e;
	size_t	 n = 0, m = 0, i, total = PC_HEADER, off;
	char	*dir, *tmp, *why = NULL;

	out = xcalloc(nused + c->nnew + 1, sizeof *out);
	for (i = 0; i < c->n; i++) {
		if (!c->used[i])
			continue;
		e = (unsigned char *)c->map + PC_HEADER + i * PC_INDEX;
		out[n].oid = e;
		out[n].data = c->map + get64(e + 28);
		out[n++].len = get32(e + 24);
	}
	for (i = 0; i < c->nnew; i++) {
		out[n].oid = c->news[i].oid;
		out[n].data = (unsigned char *)c->news[i].data;
		out[n].len = c->news[i].len;
		out[n++].fresh = 1;
	}
	array_sort(out, n, sizeof *out, out_cmp);
	for (i = 0; i < n; i++) {
		if (m > 0 && memcmp(out[m - 1].oid, out[i].oid, 20) == 0)
			continue;
		out[m++] = out[i];
		total += PC_INDEX + out[i].len;
	}
	if (total > PC_FILE_MAX || m > UINT32_MAX) {
		free(out);
		return;
	}
	file = xcalloc(1, total);
	memcpy(file, PC_MAGIC, 16);
	put32(file + 16, build_id_len);
	memcpy(file + 20, build_id, build_id_len);
	put32(file + 52, m);
	put64(file + 56, total);
	off = PC_HEADER + m * PC_INDEX;
	for (i = 0; i < m; i++) {
		e = file + PC_HEADER + i * PC_INDEX;
		memcpy(e, out[i].oid, 20);
		put32(e + 20, checksum(out[i].data, out[i].len));
		put32(e + 24, out[i].len);
		put64(e + 28, off);
		memcpy(file + off, out[i].data, out[i].len);
		off += out[i].len;
	}
	/* not synced: after a crash a short file is no cache */
	dir = xstrdup(c->path);
	*strrchr(dir, '/') = '\0';
	tmp = xasprintf("%s.%ld.tmp", c->path, (long)getpid());
	if (mkdir_p(dir, 0755) != 0 ||
	    fs_write_file(tmp, file, total, 0644, &why) != 0 ||
	    rename(tmp, c->path) != 0)
		(void)unlink(tmp);
	free(why);
	free(tmp);
	free(dir);
	free(file);
	free(out);
}

void
pcache_close(struct pcache *c)
{
	size_t	 i, nused = 0;
	int	 saved_errno = errno;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		nused += c->used[i];
	if (c->nnew > 0 || (c->n > 16 && nused < c->n / 2))
		save(c, nused);
	for (i = 0; i < c->nnew; i++)
		free(c->news[i].data);
	free(c->news);
	if (c->map != NULL)
		munmap((void *)c->map, c->size);
	free(c->used);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c);
	errno = saved_errno;
}
