/* statmount(2): see include/husk/statmount.h.  Debian 12's kernel headers
   predate these calls, so the ABI pieces used are spelled out here. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/statmount.h"
#include "husk/util.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#if defined(__x86_64__) || defined(__aarch64__)
#define NR_STATMOUNT 457 /* both use the unified syscall table */
#endif

#define STATMOUNT_MNT_ROOT  0x00000008U
#define STATMOUNT_MNT_POINT 0x00000010U

struct mnt_id_req_v0
{
  uint32_t size;
  uint32_t spare;
  uint64_t mnt_id;
  uint64_t param; /* the STATMOUNT_* fields asked for */
};

/* The fixed part of struct statmount (include/uapi/linux/mount.h). */
struct statmount_head
{
  uint32_t size;
  uint32_t mnt_opts;
  uint64_t mask;
  uint32_t sb_dev_major, sb_dev_minor;
  uint64_t sb_magic;
  uint32_t sb_flags;
  uint32_t fs_type;
  uint64_t mnt_id, mnt_parent_id;
  uint32_t mnt_id_old, mnt_parent_id_old;
  uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
  uint32_t mnt_root;  /* offset into str[] */
  uint32_t mnt_point; /* offset into str[] */
  uint64_t spare2[50];
  /* char str[] follows */
};
_Static_assert(offsetof (struct statmount_head, mnt_root) == 104, "statmount ABI");
_Static_assert(sizeof (struct statmount_head) == 512, "statmount ABI");

int
husk_statmount_root (const char *path, char **root)
{
#ifdef NR_STATMOUNT
  struct statx stx;
  if (statx (AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE, &stx) < 0
      || !(stx.stx_mask & STATX_MNT_ID_UNIQUE))
    return -1;
  struct mnt_id_req_v0 req = {
    .size = sizeof req,
    .mnt_id = stx.stx_mnt_id,
    .param = STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT,
  };
  union
  {
    struct statmount_head head;
    char bytes[sizeof (struct statmount_head) + 2 * 4096];
  } buf;
  if (syscall (NR_STATMOUNT, &req, &buf, sizeof buf, 0) < 0)
    return -1;
  const struct statmount_head *sm = &buf.head;
  const uint64_t want = STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT;
  if ((sm->mask & want) != want || sm->size <= sizeof *sm || sm->size > sizeof buf)
    return -1;
  size_t max = sm->size - sizeof *sm; /* the strings the kernel wrote */
  if (sm->mnt_root >= max || sm->mnt_point >= max)
    return -1;
  const char *str = buf.bytes + sizeof *sm;
  if (memchr (str + sm->mnt_root, '\0', max - sm->mnt_root) == NULL
      || memchr (str + sm->mnt_point, '\0', max - sm->mnt_point) == NULL)
    return -1;
  /* `path` must be the mount point, not a directory further down */
  if (strcmp (str + sm->mnt_point, path) != 0)
    return -1;
  *root = xstrdup (str + sm->mnt_root);
  return 0;
#else
  (void)path;
  (void)root;
  errno = ENOSYS;
  return -1;
#endif
}
