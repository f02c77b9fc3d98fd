/* fsutil: removing and creating directory trees, durable file writes */
#ifndef OFFPEAK_FSUTIL_H
#define OFFPEAK_FSUTIL_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Remove path and everything below it, like rm -rf: symlinks are removed,
 * never followed, and directories without write or search permission are
 * opened up first. A missing path is not an error. Returns 0, or -1 with
 * errno set (what could be removed is gone).
 */
int	 rmtree(const char *path);

/*
 * Create a directory and any missing parents with mode (less the umask for
 * the parents, as mkdir -p). An existing directory is fine. Returns 0, or
 * -1 with errno set (ENOTDIR when a component is not a directory).
 */
int	 mkdir_p(const char *path, mode_t mode);

/*
 * Replace the file at path with data, durably: written to a temporary file
 * in the same directory (mode, less nothing), flushed with fsync, renamed
 * over path, and the directory flushed. Readers see the old file or the
 * new one, never a part; after a crash, one of the two. Returns 0, or -1
 * with errno set (the temporary file is gone, path untouched).
 */
int	 fs_write_atomic(const char *path, const void *data, size_t len,
	     mode_t mode);
/*
 * Read a whole regular file of at most max bytes: 0 with *data (allocated,
 * NUL-terminated) and *len, or -1 with *cause (missing, unreadable, not a
 * regular file, larger than max).
 */
int	 fs_read_file(const char *path, size_t max, char **data, size_t *len,
	     char **cause);
/*
 * Create (or truncate) a file with mode and write data to it; not synced,
 * for scratch files. 0, or -1 with *cause.
 */
int	 fs_write_file(const char *path, const void *data, size_t len,
	     mode_t mode, char **cause);
/* fsync the directory that holds path; 0 or -1 with errno set. */
int	 fs_sync_parent(const char *path);

/*
 * One file of a set: its path relative to the set's directory, its bytes
 * (NULL: the file is there as it should be; it is left alone).
 */
struct fs_file {
	const char *path;
	const void *data;
	size_t	 len;
};

/*
 * Make the n files under dir what they say, durably: each file that
 * differs from what is there is written to a temporary file beside it
 * (with mode), all of them are made durable (fsync, or one syncfs when they
 * are many) before any is renamed over its place, so readers see the old
 * or the new file and a crash leaves one of the two; then in each of the
 * prune directories (relative to dir, NULL-terminated, may be NULL) every
 * file ending in suffix that the set does not have is removed, and the
 * directories are synced. Missing directories are created. *changed is
 * the number of files written or removed. Returns 0, or -1 with *cause
 * (the temporary files are gone).
 */
int	 fs_write_set(const char *dir, const struct fs_file *, size_t n,
	     const char *const *prune, const char *suffix, mode_t mode,
	     size_t *changed, char **cause);

#endif
