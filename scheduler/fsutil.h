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
/* fsync the directory that holds path; 0 or -1 with errno set. */
int	 fs_sync_parent(const char *path);

#endif
