/* The container's filesystem: see include/husk/rootfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "husk/copy_tree.h"
#include "husk/fs.h"
#include "husk/lsm.h"
#include "husk/rootfs.h"
#include "husk/util.h"
#include "mount_api.h"

/* pivot_root refuses a shared new root: a shared rootfsPropagation is
   applied once the rootfs is `/`, and until then everything is a slave
   (host mounts still propagate in, nothing propagates out). */
static unsigned long
propagation_before_pivot (unsigned long configured)
{
  return configured & MS_SHARED ? MS_SLAVE | MS_REC : configured;
}

int
husk_rootfs_prepare (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  if (mount (NULL, "/", NULL, propagation_before_pivot (c->propagation), NULL) < 0)
    return husk_error (err, errno, "set propagation of `/`");
  if (mount (c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return husk_error (err, errno, "bind mount rootfs `%s`", c->rootfs);
  c->root_fd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->root_fd < 0)
    return husk_error (err, errno, "open rootfs `%s`", c->rootfs);
  return 0;
}

static char *
bundle_path (const struct husk_rootfs_ctx *c, const char *p)
{
  return p[0] == '/' ? xstrdup (p) : xasprintf ("%s/%s", c->bundle, p);
}

/* proc and sysfs give the container kernel interfaces: their destination
   must be a real directory, never a symlink (CVE-2019-19921). */
static bool
must_be_real_dir (const char *type)
{
  return type && (strcmp (type, "proc") == 0 || strcmp (type, "sysfs") == 0);
}

/* A detached clone of path (recursive or not) with the plan's own flags. */
static int
clone_tree (int dfd, const char *path, const struct husk_mount_plan *p, bool recursive,
            const char *dest, husk_err_t **err)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (*path == '\0')
    flags |= AT_EMPTY_PATH;
  cleanup_close int tree = sys_open_tree (dfd, path, flags);
  if (tree < 0)
    return husk_error (err, errno, "clone the mount `%s` for `%s`", path, dest);
  uint64_t set, clr;
  husk_mount_plan_flag_attrs (p, &set, &clr);
  if ((set | clr) && sys_mount_setattr (tree, "", AT_EMPTY_PATH, set, clr) < 0)
    return husk_error (err, errno, "set mount flags of `%s`", dest);
  return steal_fd (&tree);
}

static int
attach (int tree, int dst_fd, const char *dest, husk_err_t **err)
{
  if (sys_move_mount_fd (tree, dst_fd) < 0)
    return husk_error (err, errno, "mount on `%s`", dest);
  return 0;
}

/* A bind mount: a detached clone of the source (or the idmapped one the
   parent prepared), attached on the verified destination fd. */
static int
mount_bind (const struct husk_rootfs_ctx *c, size_t i, int dst_fd, husk_err_t **err)
{
  const struct husk_mount *m = &c->spec->mounts[i];
  const struct husk_mount_plan *p = &c->plans[i];
  int prepared = c->idmap_trees ? c->idmap_trees[i] : -1;
  if (prepared >= 0)
    {
      if (attach (prepared, dst_fd, m->destination, err) < 0)
        return -1;
      int fd = fcntl (prepared, F_DUPFD_CLOEXEC, 0);
      return fd < 0 ? husk_error (err, errno, "dup") : fd;
    }
  cleanup_free char *src = bundle_path (c, m->source ? m->source : "");
  cleanup_close int tree = clone_tree (AT_FDCWD, src, p, p->rbind, m->destination, err);
  if (tree < 0 || attach (tree, dst_fd, m->destination, err) < 0)
    return -1;
  return steal_fd (&tree);
}

/* sysfs cannot be mounted from a user namespace that does not own the
   network namespace: bind the runtime's /sys, read-only below too. */
static int
bind_host_sysfs (const struct husk_mount *m, const struct husk_mount_plan *p, int dst_fd,
                 husk_err_t **err)
{
  cleanup_close int tree = clone_tree (AT_FDCWD, "/sys", p, true, m->destination, err);
  if (tree < 0)
    return -1;
  if (sys_mount_setattr (
          tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0)
      < 0)
    return husk_error (err, errno, "make the bound /sys read-only");
  if (attach (tree, dst_fd, m->destination, err) < 0)
    return -1;
  return steal_fd (&tree);
}

static int
mount_id (int fd, uint64_t *id)
{
  struct statx stx;
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
    return -1;
  *id = stx.stx_mnt_id;
  return 0;
}

/* After mount(2) on /proc/self/fd/N the fd still names the directory
   below the new mount: resolve the destination again, and check that this
   is the new mount (another mount than the one below). */
static int
reopen_new_mount (const struct husk_rootfs_ctx *c, const char *dest, int below, husk_err_t **err)
{
  cleanup_close int fd = husk_open_in_root (c->root_fd, dest, O_PATH, false, err);
  if (fd < 0)
    return -1;
  uint64_t a, b;
  if (mount_id (fd, &a) < 0 || mount_id (below, &b) < 0)
    return husk_error (err, errno, "statx `%s`", dest);
  if (a == b)
    return husk_error (err, EXDEV, "`%s` changed while mounting on it", dest);
  return steal_fd (&fd);
}

/* tmpcopyup: what the rootfs had at the destination, into the new tmpfs. */
static int
copy_up (int below_dir, int mnt, const char *dest, husk_err_t **err)
{
  cleanup_close int dst = openat (mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dst < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: open the new mount", dest);
  return husk_copy_tree (below_dir, dst, dest, err);
}

/* mount(2) of a new filesystem on dst_fd.  The new mount's fd, for what is
   done to it afterwards, only when *mnt_out is asked for: mount(2) puts it
   on the very directory dst_fd names (its /proc/self/fd link), so there is
   nothing else to check. */
static int
mount_fs (const struct husk_rootfs_ctx *c, size_t i, int dst_fd, int *mnt_out, husk_err_t **err)
{
  const struct husk_mount *m = &c->spec->mounts[i];
  const struct husk_mount_plan *p = &c->plans[i];
  const char *type = strcmp (m->type, "cgroup") == 0 ? "cgroup2" : m->type;
  const char *src = m->source ? m->source : type;
  cleanup_close int below = -1;
  if (p->tmpcopyup)
    {
      below = openat (dst_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (below < 0)
        return husk_error (err, errno, "tmpcopyup `%s`: open the directory", m->destination);
    }
  const struct husk_linux *lx = c->spec->linux_;
  cleanup_free char *labeled = husk_lsm_mount_data (type, p->data, lx ? lx->mount_label : NULL);
  char fdp[HUSK_FD_PATH_MAX];
  unsigned long flags = p->flags & ~(unsigned long)(MS_BIND | MS_REC);
  if (mount (src, husk_fd_path (dst_fd, fdp), type, flags, labeled ? labeled : p->data) < 0)
    {
      if (errno == EPERM && c->userns && strcmp (type, "sysfs") == 0)
        {
          int fd = bind_host_sysfs (m, p, dst_fd, err);
          if (fd < 0)
            return -1;
          if (mnt_out)
            *mnt_out = fd;
          else
            close (fd);
          return 0;
        }
      return husk_error (err, errno, "mount %s on `%s`", type, m->destination);
    }
  if (mnt_out == NULL && !p->tmpcopyup)
    return 0;
  cleanup_close int mnt = reopen_new_mount (c, m->destination, dst_fd, err);
  if (mnt < 0)
    return -1;
  if (p->tmpcopyup && copy_up (below, mnt, m->destination, err) < 0)
    return -1;
  if (mnt_out)
    *mnt_out = steal_fd (&mnt);
  return 0;
}

static int
mount_one (const struct husk_rootfs_ctx *c, size_t i, husk_err_t **err)
{
  const struct husk_mount *m = &c->spec->mounts[i];
  const struct husk_mount_plan *p = &c->plans[i];
  enum husk_mkpath_kind kind = HUSK_MKPATH_DIR;
  if (p->bind)
    {
      cleanup_free char *src = bundle_path (c, m->source ? m->source : "");
      struct stat st;
      if (stat (src, &st) < 0)
        return husk_error (err, errno, "mounts[%zu].source `%s`", i, src);
      if (!S_ISDIR (st.st_mode))
        kind = HUSK_MKPATH_FILE;
    }
  bool real_dir = must_be_real_dir (m->type);
  cleanup_close int dst
      = husk_mkpath_in_root (c->root_fd, m->destination, kind, 0755, real_dir, err);
  if (dst < 0)
    return husk_error_prefix (err, "mounts[%zu].destination", i);
  struct stat st;
  if (real_dir && (fstat (dst, &st) < 0 || !S_ISDIR (st.st_mode)))
    return husk_error (err, ENOTDIR, "mounts[%zu].destination `%s` must be a directory", i,
                       m->destination);
  char fdp[HUSK_FD_PATH_MAX];
  if (p->remount)
    {
      if (mount (NULL, husk_fd_path (dst, fdp), NULL, p->flags, p->data) < 0)
        return husk_error (err, errno, "remount `%s`", m->destination);
      return 0;
    }
  bool then = p->n_propagation > 0 || (p->attr_set | p->attr_clr) != 0; /* more to do on it */
  cleanup_close int mnt = -1;
  if (p->bind ? (mnt = mount_bind (c, i, dst, err)) < 0
              : mount_fs (c, i, dst, then ? &mnt : NULL, err) < 0)
    return -1;
  for (size_t k = 0; k < p->n_propagation; k++)
    if (mount (NULL, husk_fd_path (mnt, fdp), NULL, p->propagation[k], NULL) < 0)
      return husk_error (err, errno, "set propagation of `%s`", m->destination);
  if ((p->attr_set | p->attr_clr)
      && sys_mount_setattr (mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, p->attr_set, p->attr_clr) < 0)
    return husk_error (err, errno, "set recursive mount attributes of `%s`", m->destination);
  return 0;
}

int
husk_rootfs_mount_all (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  for (size_t i = 0; i < c->spec->n_mounts; i++)
    if (mount_one (c, i, err) < 0)
      return -1;
  return 0;
}

/* ---- pivot_root ---- */

int
husk_rootfs_pivot (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  if (fchdir (c->root_fd) < 0)
    return husk_error (err, errno, "chdir to rootfs");
  if (c->no_pivot)
    {
      if (mount (".", "/", NULL, MS_MOVE, NULL) < 0)
        return husk_error (err, errno, "move rootfs to `/`");
      if (chroot (".") < 0)
        return husk_error (err, errno, "chroot");
    }
  else
    {
      /* pivot_root(".", ".") stacks the old root on the new one.  Through
         an fd of the old root (a path walk from "." would stop at the new
         root below), make it rslave so that detaching it cannot propagate
         to the host, and detach it. */
      cleanup_close int old_root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (old_root < 0)
        return husk_error (err, errno, "open the old root");
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return husk_error (err, errno, "pivot_root");
      if (fchdir (old_root) < 0)
        return husk_error (err, errno, "chdir to the old root");
      if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return husk_error (err, errno, "make old root rslave");
      if (umount2 (".", MNT_DETACH) < 0)
        return husk_error (err, errno, "detach old root");
    }
  if (chdir ("/") < 0)
    return husk_error (err, errno, "chdir /");
  if ((c->propagation & MS_SHARED) && mount (NULL, "/", NULL, c->propagation, NULL) < 0)
    return husk_error (err, errno, "linux.rootfsPropagation: make `/` shared");
  close (c->root_fd);
  c->root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->root_fd < 0)
    return husk_error (err, errno, "open new root");
  return 0;
}

/* ---- after pivot: no path strings through /proc, only fds ---- */

/* A new read-only tmpfs, detached. */
static int
empty_ro_tmpfs (husk_err_t **err)
{
  cleanup_close int fs = (int)syscall (SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return husk_error (err, errno, "fsopen tmpfs");
  /* the superblock read-only too: every masked directory shares it */
  if (syscall (SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return husk_error (err, errno, "create tmpfs");
  int mnt
      = (int)syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0)
    return husk_error (err, errno, "mount tmpfs");
  return mnt;
}

/* What masks: /dev/null over files, one empty read-only tmpfs over
   directories (made for the first, cloned for the others). */
struct masks
{
  int null_fd;
  int tmpfs_fd; /* -1 until a directory is masked; then attached there */
};

static int
mask_path (int root_fd, const char *path, struct masks *mk, husk_err_t **err)
{
  cleanup_err husk_err_t *open_err = NULL;
  cleanup_close int fd = husk_open_in_root (root_fd, path, O_PATH, false, &open_err);
  if (fd < 0)
    return open_err->errnum == ENOENT ? 0 : husk_error (err, open_err->errnum, "mask `%s`", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return husk_error (err, errno, "stat `%s`", path);
  bool dir = S_ISDIR (st.st_mode);
  int from = dir ? mk->tmpfs_fd : mk->null_fd;
  cleanup_close int tree
      = from >= 0 ? sys_open_tree (from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)
                  : empty_ro_tmpfs (err);
  if (tree < 0)
    return husk_error (err, errno, "mask `%s`", path);
  if (sys_move_mount_fd (tree, fd) < 0)
    return husk_error (err, errno, "mask `%s`", path);
  if (dir && from < 0)
    mk->tmpfs_fd = steal_fd (&tree); /* attached now: the next ones clone it */
  return 0;
}

/* The /dev/null used for masking must really be the null device: a rootfs
   could make it a symlink or a regular file (CVE-2025-31133). */
static int
open_verified_null (int root_fd, husk_err_t **err)
{
  cleanup_close int fd = husk_open_in_root (root_fd, "/dev/null", O_PATH, true, err);
  if (fd < 0)
    return husk_error_prefix (err, "maskedPaths");
  struct stat st;
  if (fstat (fd, &st) < 0)
    return husk_error (err, errno, "stat /dev/null");
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return husk_error (err, EPERM, "maskedPaths: /dev/null is not the null device (1:3)");
  return steal_fd (&fd);
}

static int
readonly_path (int root_fd, const char *path, husk_err_t **err)
{
  cleanup_err husk_err_t *open_err = NULL;
  cleanup_close int fd = husk_open_in_root (root_fd, path, O_PATH, false, &open_err);
  if (fd < 0)
    return open_err->errnum == ENOENT ? 0
                                      : husk_error (err, open_err->errnum, "readonly `%s`", path);
  cleanup_close int tree
      = sys_open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0)
    return husk_error (err, errno, "bind `%s`", path);
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) < 0)
    return husk_error (err, errno, "make `%s` read-only", path);
  if (sys_move_mount_fd (tree, fd) < 0)
    return husk_error (err, errno, "mount read-only `%s`", path);
  return 0;
}

int
husk_rootfs_finish (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  const struct husk_linux *lx = c->spec->linux_;
  if (lx && lx->n_masked_paths)
    {
      struct masks mk = { .null_fd = open_verified_null (c->root_fd, err), .tmpfs_fd = -1 };
      if (mk.null_fd < 0)
        return -1;
      int r = 0;
      for (size_t i = 0; r == 0 && i < lx->n_masked_paths; i++)
        r = mask_path (c->root_fd, lx->masked_paths[i], &mk, err);
      close (mk.null_fd);
      if (mk.tmpfs_fd >= 0)
        close (mk.tmpfs_fd);
      if (r < 0)
        return -1;
    }
  for (size_t i = 0; lx && i < lx->n_readonly_paths; i++)
    if (readonly_path (c->root_fd, lx->readonly_paths[i], err) < 0)
      return -1;
  if (c->spec->root->readonly
      && sys_mount_setattr (c->root_fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0) < 0)
    return husk_error (err, errno, "make the root read-only");
  return 0;
}
