/* The rule for untrusted paths: a path from the bundle is resolved to an
   O_PATH fd under the container's root with openat2(RESOLVE_IN_ROOT |
   RESOLVE_NO_MAGICLINKS), verified with fstat, and acted on through that
   fd, never by string. */
#ifndef HUSK_FS_H
#define HUSK_FS_H

#include <stdbool.h>
#include <sys/types.h>

#include "husk/error.h"

/* openat2 under root_fd (or, without openat2, the same resolution done
   in user space and verified).  `no_symlinks` also refuses symlinks anywhere in
   the path (for /proc and /sys destinations). */
int husk_open_in_root (int root_fd, const char *path, int flags, bool no_symlinks,
                       husk_err_t **err);

enum husk_mkpath_kind
{
  HUSK_MKPATH_DIR,
  HUSK_MKPATH_FILE,
};

/* Resolve path under root_fd, creating missing directories (and, for
   HUSK_MKPATH_FILE, an empty file as the last component) through verified
   parent fds.  Returns an O_PATH fd of the result. */
int husk_mkpath_in_root (int root_fd, const char *path, enum husk_mkpath_kind kind, mode_t mode,
                         bool no_symlinks, husk_err_t **err);

/* For tests only: resolve with the user-space fallback even where the
   kernel has openat2. */
void husk_fs_force_fallback (bool on);

/* "/proc/self/fd/N" for acting on an O_PATH fd (buf of at least 32 bytes). */
const char *husk_fd_path (int fd, char *buf);
#define HUSK_FD_PATH_MAX 32

#endif
