/* The new mount API (open_tree, move_mount, mount_setattr, fsopen,
   fsconfig, fsmount): glibc 2.36 has the constants but not every wrapper.
   Private to src/lib. */
#ifndef HUSK_MOUNT_API_H
#define HUSK_MOUNT_API_H

#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int
sys_open_tree (int dfd, const char *path, unsigned flags)
{
  return (int)syscall (SYS_open_tree, dfd, path, flags);
}

static inline int
sys_move_mount (int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
  return (int)syscall (SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int
sys_mount_setattr (int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
  struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
  return (int)syscall (SYS_mount_setattr, dfd, path, flags, &attr, sizeof attr);
}

/* Attach the detached tree on the mount point dst_fd refers to. */
static inline int
sys_move_mount_fd (int tree, int dst_fd)
{
  return sys_move_mount (tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

#endif
