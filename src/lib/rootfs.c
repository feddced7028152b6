/* The container's filesystem: see include/husk/rootfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "husk/fs.h"
#include "husk/rootfs.h"
#include "husk/util.h"

/* glibc 2.36 has the constants but not every wrapper. */
static int
sys_open_tree (int dfd, const char *path, unsigned flags)
{
  return (int)syscall (SYS_open_tree, dfd, path, flags);
}

static int
sys_move_mount (int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
  return (int)syscall (SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static int
sys_mount_setattr (int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
  struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
  return (int)syscall (SYS_mount_setattr, dfd, path, flags, &attr, sizeof attr);
}

int
husk_rootfs_prepare (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  if (mount (NULL, "/", NULL, c->propagation, NULL) < 0)
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

static bool
must_be_real_dir (const char *type)
{
  return type && (strcmp (type, "proc") == 0 || strcmp (type, "sysfs") == 0);
}

/* A bind mount: clone the source tree detached, set its attributes, then
   attach it on the verified destination fd. */
static int
mount_bind (const struct husk_rootfs_ctx *c, const struct husk_mount *m,
            const struct husk_mount_plan *p, int dst_fd, husk_err_t **err)
{
  cleanup_free char *src = bundle_path (c, m->source ? m->source : "");
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (p->rbind ? AT_RECURSIVE : 0);
  cleanup_close int tree = sys_open_tree (AT_FDCWD, src, flags);
  if (tree < 0)
    return husk_error (err, errno, "bind mount source `%s`", src);
  uint64_t set, clr;
  husk_mount_plan_flag_attrs (p, &set, &clr);
  if ((set | clr) && sys_mount_setattr (tree, "", AT_EMPTY_PATH, set, clr) < 0)
    return husk_error (err, errno, "set mount flags of `%s`", m->destination);
  if (sys_move_mount (tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return husk_error (err, errno, "bind mount `%s` on `%s`", src, m->destination);
  return steal_fd (&tree);
}

static int
mount_fs (const struct husk_rootfs_ctx *c, const struct husk_mount *m,
          const struct husk_mount_plan *p, int dst_fd, husk_err_t **err)
{
  char fdp[HUSK_FD_PATH_MAX];
  const char *type = strcmp (m->type, "cgroup") == 0 ? "cgroup2" : m->type;
  const char *src = m->source ? m->source : type;
  unsigned long flags = p->flags & ~(unsigned long)(MS_BIND | MS_REC);
  if (mount (src, husk_fd_path (dst_fd, fdp), type, flags, p->data) < 0)
    return husk_error (err, errno, "mount %s on `%s`", type, m->destination);
  /* the fd still names the directory below the new mount: look again */
  int fd = husk_open_in_root (c->root_fd, m->destination, O_PATH, false, err);
  return fd;
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
  if (p->remount)
    {
      char fdp[HUSK_FD_PATH_MAX];
      if (mount (NULL, husk_fd_path (dst, fdp), NULL, p->flags, p->data) < 0)
        return husk_error (err, errno, "remount `%s`", m->destination);
      return 0;
    }
  cleanup_close int mnt = p->bind ? mount_bind (c, m, p, dst, err) : mount_fs (c, m, p, dst, err);
  if (mnt < 0)
    return -1;
  char fdp[HUSK_FD_PATH_MAX];
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

/* ---- /dev ---- */

struct default_device
{
  const char *path;
  unsigned major, minor;
};

static const struct default_device default_devices[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct
{
  const char *target, *link;
} dev_symlinks[] = {
  { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
};

/* Create one device node at path (or bind the host's in a user namespace). */
static int
make_device (const struct husk_rootfs_ctx *c, const char *path, mode_t type, unsigned major,
             unsigned minor, mode_t mode, uid_t uid, gid_t gid, husk_err_t **err)
{
  cleanup_free char *parent = xstrdup (path);
  char *slash = strrchr (parent, '/');
  const char *name = slash ? slash + 1 : parent;
  if (slash)
    *slash = '\0';
  cleanup_close int dir
      = husk_mkpath_in_root (c->root_fd, parent, HUSK_MKPATH_DIR, 0755, false, err);
  if (dir < 0)
    return -1;
  if (c->userns)
    {
      cleanup_close int host = open (path, O_PATH | O_CLOEXEC);
      if (host < 0)
        return husk_error (err, errno, "open host device `%s`", path);
      cleanup_close int f = openat (dir, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (f < 0)
        return husk_error (err, errno, "create `%s`", path);
      char a[HUSK_FD_PATH_MAX], b[HUSK_FD_PATH_MAX];
      if (mount (husk_fd_path (host, a), husk_fd_path (f, b), NULL, MS_BIND, NULL) < 0)
        return husk_error (err, errno, "bind mount device `%s`", path);
      return 0;
    }
  char dirpath[HUSK_FD_PATH_MAX];
  husk_fd_path (dir, dirpath);
  cleanup_free char *full = xasprintf ("%s/%s", dirpath, name);
  if (mknod (full, type | (mode & 07777), makedev (major, minor)) < 0 && errno != EEXIST)
    return husk_error (err, errno, "mknod `%s`", path);
  cleanup_close int fd = husk_open_in_root (c->root_fd, path, O_PATH, true, err);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return husk_error (err, errno, "stat `%s`", path);
  if ((st.st_mode & S_IFMT) != type || st.st_rdev != makedev (major, minor))
    return husk_error (err, EEXIST, "`%s` exists and is not the requested device %u:%u", path,
                       major, minor);
  if (fchmodat (dir, name, mode & 07777, 0) < 0)
    return husk_error (err, errno, "chmod `%s`", path);
  char fdp[HUSK_FD_PATH_MAX];
  if (chown (husk_fd_path (fd, fdp), uid, gid) < 0)
    return husk_error (err, errno, "chown `%s`", path);
  return 0;
}

static mode_t
device_type (const char *t)
{
  switch (t[0])
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

int
husk_rootfs_devices (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      const struct default_device *d = &default_devices[i];
      if (make_device (c, d->path, S_IFCHR, d->major, d->minor, 0666, 0, 0, err) < 0)
        return -1;
    }
  const struct husk_linux *lx = c->spec->linux_;
  for (size_t i = 0; lx && i < lx->n_devices; i++)
    {
      const struct husk_device *d = &lx->devices[i];
      mode_t mode = d->file_mode.set ? d->file_mode.value : 0666;
      if (make_device (c, d->path, device_type (d->type), (unsigned)d->major, (unsigned)d->minor,
                       mode, d->uid.set ? d->uid.value : 0, d->gid.set ? d->gid.value : 0, err)
          < 0)
        return husk_error_prefix (err, "linux.devices[%zu]", i);
    }
  cleanup_close int dev
      = husk_mkpath_in_root (c->root_fd, "/dev", HUSK_MKPATH_DIR, 0755, true, err);
  if (dev < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (dev_symlinks); i++)
    if (symlinkat (dev_symlinks[i].target, dev, dev_symlinks[i].link) < 0 && errno != EEXIST)
      return husk_error (err, errno, "symlink /dev/%s", dev_symlinks[i].link);
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
      /* pivot_root(".", ".") stacks the old root under the new one; detach it. */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return husk_error (err, errno, "pivot_root");
      if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return husk_error (err, errno, "make old root rslave");
      if (umount2 (".", MNT_DETACH) < 0)
        return husk_error (err, errno, "detach old root");
    }
  if (chdir ("/") < 0)
    return husk_error (err, errno, "chdir /");
  close (c->root_fd);
  c->root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->root_fd < 0)
    return husk_error (err, errno, "open new root");
  return 0;
}

/* ---- after pivot ---- */

static int
mask_path (int root_fd, const char *path, int null_fd, husk_err_t **err)
{
  cleanup_err husk_err_t *open_err = NULL;
  cleanup_close int fd = husk_open_in_root (root_fd, path, O_PATH, false, &open_err);
  if (fd < 0)
    return open_err->errnum == ENOENT ? 0 : husk_error (err, open_err->errnum, "mask `%s`", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return husk_error (err, errno, "stat `%s`", path);
  char fdp[HUSK_FD_PATH_MAX];
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", husk_fd_path (fd, fdp), "tmpfs", MS_RDONLY, NULL) < 0)
        return husk_error (err, errno, "mask directory `%s`", path);
      return 0;
    }
  char src[HUSK_FD_PATH_MAX];
  if (mount (husk_fd_path (null_fd, src), husk_fd_path (fd, fdp), NULL, MS_BIND, NULL) < 0)
    return husk_error (err, errno, "mask `%s`", path);
  return 0;
}

/* The /dev/null used for masking must really be the null device: a rootfs
   could make it a symlink or a regular file (CVE-2025-31133). */
static int
open_verified_null (int root_fd, husk_err_t **err)
{
  cleanup_close int fd = husk_open_in_root (root_fd, "/dev/null", O_PATH, true, err);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return husk_error (err, errno, "stat /dev/null");
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return husk_error (err, EPERM, "/dev/null is not the null device (1:3)");
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
  if (sys_move_mount (tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return husk_error (err, errno, "mount read-only `%s`", path);
  return 0;
}

int
husk_rootfs_finish (struct husk_rootfs_ctx *c, husk_err_t **err)
{
  const struct husk_linux *lx = c->spec->linux_;
  if (lx && lx->n_masked_paths)
    {
      cleanup_close int null_fd = open_verified_null (c->root_fd, err);
      if (null_fd < 0)
        return -1;
      for (size_t i = 0; i < lx->n_masked_paths; i++)
        if (mask_path (c->root_fd, lx->masked_paths[i], null_fd, err) < 0)
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
