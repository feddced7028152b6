/* Internal to fs.c: the user-space twin of openat2(RESOLVE_IN_ROOT |
   RESOLVE_NO_MAGICLINKS) for kernels without openat2 (before 5.6). */
#ifndef HUSK_FS_RESOLVE_H
#define HUSK_FS_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

/* Resolve `path` under root_fd like openat2 would and open the result
   with `flags` (`mode` if created).  Returns an fd, or -1 with errno set;
   EXDEV when the result turned out not to be under the root. */
int husk_resolve_in_root_fallback (int root_fd, const char *path, int flags, mode_t mode,
                                   bool no_symlinks);

struct stat;
/* The "verified" part: 0 if the directory dir_fd reaches the root (of
   which root_st is the stat) by "..", else -1 with errno EXDEV. */
int husk_verify_under_root (int dir_fd, const struct stat *root_st);

#endif
