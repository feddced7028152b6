/* The container's filesystem: rootfs bind, config mounts, pivot_root,
   masked and read-only paths (/dev is devices.h).  Runs in the child, in
   the new mount namespace; every path in the rootfs goes through
   include/husk/fs.h, and after pivot_root mounts are made through fds with
   the new mount API only, never through a /proc path the container's own
   /proc could redirect. */
#ifndef HUSK_ROOTFS_H
#define HUSK_ROOTFS_H

#include <stdbool.h>

#include "husk/error.h"
#include "husk/mount_opts.h"
#include "husk/spec.h"

struct husk_rootfs_ctx
{
  const struct husk_spec *spec;
  const char *bundle;                  /* absolute */
  const char *rootfs;                  /* absolute */
  const struct husk_mount_plan *plans; /* one per spec->mounts[i] */
  const int *idmap_trees;              /* per mount: -1, or the parent's idmapped tree */
  unsigned long propagation;           /* for "/" */
  bool userns;                         /* devices are bind-mounted, not mknod'ed */
  bool no_pivot;
  int root_fd; /* O_PATH of the rootfs mount, set by prepare */
};

/* Make "/" private/slave as configured and bind the rootfs onto itself. */
int husk_rootfs_prepare (struct husk_rootfs_ctx *c, husk_err_t **err);
/* Every entry of `mounts`, in order. */
int husk_rootfs_mount_all (struct husk_rootfs_ctx *c, husk_err_t **err);
/* pivot_root into the rootfs (or move + chroot with no_pivot). */
int husk_rootfs_pivot (struct husk_rootfs_ctx *c, husk_err_t **err);
/* After pivot: maskedPaths, readonlyPaths, root.readonly. */
int husk_rootfs_finish (struct husk_rootfs_ctx *c, husk_err_t **err);

#endif
