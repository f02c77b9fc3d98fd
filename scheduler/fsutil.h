/* fsutil: removing and creating directory trees */
#ifndef OFFPEAK_FSUTIL_H
#define OFFPEAK_FSUTIL_H

#include <sys/types.h>

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

#endif
