/* /dev in the container: see include/husk/devices.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "husk/devices.h"
#include "husk/fs.h"
#include "husk/util.h"

struct device
{
  const char *path;
  mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
  dev_t rdev;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct
{
  const char *path;
  unsigned major, minor;
} default_devices[] = {
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

static const struct
{
  char name;
  mode_t type;
} device_types[] = {
  { 'c', S_IFCHR },
  { 'u', S_IFCHR }, /* unbuffered: a character device to mknod */
  { 'b', S_IFBLK },
  { 'p', S_IFIFO },
};

static mode_t
device_type (const char *t)
{
  for (size_t i = 0; i < ARRAY_SIZE (device_types); i++)
    if (t[0] == device_types[i].name)
      return device_types[i].type;
  return S_IFCHR; /* validate.c accepts only the names above */
}

static bool
is_device (const struct stat *st, const struct device *d)
{
  if ((st->st_mode & S_IFMT) != d->type)
    return false;
  return d->type == S_IFIFO || st->st_rdev == d->rdev;
}

/* A node of device d directly in the runtime's /dev, or -1. */
static int
find_in_dev (const struct device *d)
{
  cleanup_close int dev = open ("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *dir = dev >= 0 ? husk_opendir_fd (dev) : NULL;
  for (struct dirent *de; dir && (de = readdir (dir));)
    {
      struct stat st;
      if (fstatat (dev, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && is_device (&st, d))
        return openat (dev, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  return -1;
}

/* The runtime's node of device d: at the same path, else where udev names
   every device (/dev/char/M:N, /dev/block/M:N), else any in /dev. */
static int
open_host_device (const struct device *d, husk_err_t **err)
{
  char by_number[64];
  snprintf (by_number, sizeof by_number, "/dev/%s/%u:%u", d->type == S_IFBLK ? "block" : "char",
            major (d->rdev), minor (d->rdev));
  const char *candidates[] = { d->path, by_number };
  for (size_t i = 0; i < ARRAY_SIZE (candidates); i++)
    {
      cleanup_close int fd = open (candidates[i], O_PATH | O_CLOEXEC);
      struct stat st;
      if (fd >= 0 && fstat (fd, &st) == 0 && is_device (&st, d))
        return steal_fd (&fd);
    }
  int fd = find_in_dev (d);
  if (fd < 0)
    return husk_error (err, ENODEV, "no device %u:%u on the runtime's side to bind at `%s`",
                       major (d->rdev), minor (d->rdev), d->path);
  return fd;
}

/* In a user namespace mknod of a device is refused: bind the runtime's
   node instead. */
static int
bind_host_device (int dir, const char *name, const struct device *d, bool exists, husk_err_t **err)
{
  cleanup_close int host = open_host_device (d, err);
  if (host < 0)
    return -1;
  struct stat st;
  if (!exists)
    {
      int f = openat (dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (f < 0)
        return husk_error (err, errno, "create `%s`", d->path);
      close (f);
    }
  cleanup_close int target = openat (dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0 || fstat (target, &st) < 0 || !S_ISREG (st.st_mode))
    return husk_error (err, target < 0 ? errno : EEXIST, "`%s` changed while binding it", d->path);
  char a[HUSK_FD_PATH_MAX], b[HUSK_FD_PATH_MAX];
  if (mount (husk_fd_path (host, a), husk_fd_path (target, b), NULL, MS_BIND, NULL) < 0)
    return husk_error (err, errno, "bind mount device `%s`", d->path);
  return 0;
}

static int
mknod_device (int dir, const char *name, const struct device *d, bool exists, husk_err_t **err)
{
  /* A new node usually gets its mode and owner at birth (the umask is 0
     here; a setgid directory or a default ACL would change them): when a
     look confirms that, nothing more is needed. */
  bool ours = d->uid == geteuid () && d->gid == getegid ();
  if (!exists)
    {
      if (mknodat (dir, name, d->type | (ours ? d->mode & 07777 : 0600), d->rdev) < 0)
        return husk_error (err, errno, "mknod `%s`", d->path);
      struct stat made;
      if (ours && fstatat (dir, name, &made, AT_SYMLINK_NOFOLLOW) == 0 && is_device (&made, d)
          && (made.st_mode & 07777) == (d->mode & 07777) && made.st_uid == d->uid
          && made.st_gid == d->gid)
        return 0;
    }
  cleanup_close int fd = openat (dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return husk_error (err, errno, "open `%s`", d->path);
  if (!is_device (&st, d))
    return husk_error (err, EEXIST, "`%s` changed while creating it", d->path);
  char fdp[HUSK_FD_PATH_MAX];
  if (chmod (husk_fd_path (fd, fdp), d->mode & 07777) < 0)
    return husk_error (err, errno, "chmod `%s`", d->path);
  if (fchownat (fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
    return husk_error (err, errno, "chown `%s`", d->path);
  return 0;
}

/* d at `name` in the directory dir. */
static int
make_device_in (int dir, const char *name, const struct device *d, bool userns, husk_err_t **err)
{
  struct stat st;
  bool exists = fstatat (dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT)
    return husk_error (err, errno, "stat `%s`", d->path);
  bool placeholder = exists && userns && S_ISREG (st.st_mode) && st.st_size == 0;
  if (exists && !placeholder && !is_device (&st, d))
    return husk_error (err, EEXIST, "`%s` exists and is not the requested device %u:%u", d->path,
                       major (d->rdev), minor (d->rdev));
  /* a fifo is no device: mknod makes one in a user namespace too */
  bool bind = userns && d->type != S_IFIFO;
  if (bind && (!exists || placeholder))
    return bind_host_device (dir, name, d, exists, err);
  if (bind)
    return 0; /* the right node already: ours to leave as it is */
  return mknod_device (dir, name, d, exists, err);
}

static int
make_device (int root_fd, const struct device *d, bool userns, husk_err_t **err)
{
  cleanup_free char *parent = xstrdup (d->path);
  char *slash = strrchr (parent, '/');
  *slash = '\0';
  const char *name = slash + 1;
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return husk_error (err, EINVAL, "`%s` does not name a file", d->path);
  cleanup_close int dir
      = husk_mkpath_in_root (root_fd, *parent ? parent : "/", HUSK_MKPATH_DIR, 0755, true, err);
  if (dir < 0)
    return -1;
  return make_device_in (dir, name, d, userns, err);
}

static int
create_all (int root_fd, const struct husk_spec *spec, bool userns, husk_err_t **err)
{
  /* the defaults all live in /dev: one lookup for them and the symlinks */
  cleanup_close int dev = husk_mkpath_in_root (root_fd, "/dev", HUSK_MKPATH_DIR, 0755, true, err);
  if (dev < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      struct device d = {
        .path = default_devices[i].path,
        .type = S_IFCHR,
        .rdev = makedev (default_devices[i].major, default_devices[i].minor),
        .mode = 0666,
      };
      if (make_device_in (dev, d.path + strlen ("/dev/"), &d, userns, err) < 0)
        return -1;
    }
  const struct husk_linux *lx = spec->linux_;
  for (size_t i = 0; lx && i < lx->n_devices; i++)
    {
      const struct husk_device *sd = &lx->devices[i];
      struct device d = {
        .path = sd->path,
        .type = device_type (sd->type),
        .rdev = makedev (sd->major, sd->minor),
        .mode = sd->file_mode.set ? sd->file_mode.value : 0666,
        .uid = sd->uid.set ? sd->uid.value : 0,
        .gid = sd->gid.set ? sd->gid.value : 0,
      };
      if (make_device (root_fd, &d, userns, err) < 0)
        return husk_error_prefix (err, "linux.devices[%zu]", i);
    }
  for (size_t i = 0; i < ARRAY_SIZE (dev_symlinks); i++)
    if (symlinkat (dev_symlinks[i].target, dev, dev_symlinks[i].link) < 0 && errno != EEXIST)
      return husk_error (err, errno, "symlink /dev/%s", dev_symlinks[i].link);
  return 0;
}

int
husk_devices_create (int root_fd, const struct husk_spec *spec, bool userns, husk_err_t **err)
{
  mode_t saved = umask (0); /* modes as asked */
  int r = create_all (root_fd, spec, userns, err);
  umask (saved);
  return r;
}

/* ---- console ---- */

/* The container's own ptmx: on a devpts, the ptmx node 5:2. */
static int
open_ptmx (int root_fd, husk_err_t **err)
{
  cleanup_close int fd = husk_open_in_root (root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, true, err);
  if (fd < 0)
    return -1;
  struct stat st;
  struct statfs sfs;
  if (fstat (fd, &st) < 0 || fstatfs (fd, &sfs) < 0)
    return husk_error (err, errno, "stat /dev/pts/ptmx");
  if (sfs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR (st.st_mode) || st.st_rdev != makedev (5, 2))
    return husk_error (err, EPERM, "/dev/pts/ptmx is not the ptmx of a devpts");
  return steal_fd (&fd);
}

int
husk_pty_open (int root_fd, const struct husk_process *p, int *master, husk_err_t **err)
{
  cleanup_close int ptmx = open_ptmx (root_fd, err);
  if (ptmx < 0)
    return husk_error_prefix (err, "terminal");
  int unlock = 0;
  if (ioctl (ptmx, TIOCSPTLCK, &unlock) < 0)
    return husk_error (err, errno, "unlock pty");
  cleanup_close int peer = ioctl (ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0)
    return husk_error (err, errno, "open pty peer");
  if (p->has_console_size)
    {
      struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };
      if (ioctl (peer, TIOCSWINSZ, &ws) < 0)
        return husk_error (err, errno, "process.consoleSize");
    }
  *master = steal_fd (&ptmx);
  return steal_fd (&peer);
}

int
husk_console_create (int root_fd, const struct husk_process *p, int *master, husk_err_t **err)
{
  cleanup_close int ptmx = -1;
  cleanup_close int peer = husk_pty_open (root_fd, p, &ptmx, err);
  if (peer < 0)
    return -1;
  cleanup_close int console
      = husk_mkpath_in_root (root_fd, "/dev/console", HUSK_MKPATH_FILE, 0600, true, err);
  if (console < 0)
    return -1;
  struct stat st;
  if (fstat (console, &st) < 0)
    return husk_error (err, errno, "stat /dev/console");
  if (!S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode))
    return husk_error (err, EPERM, "/dev/console is neither a file nor a character device");
  char a[HUSK_FD_PATH_MAX], b[HUSK_FD_PATH_MAX];
  if (mount (husk_fd_path (peer, a), husk_fd_path (console, b), NULL, MS_BIND, NULL) < 0)
    return husk_error (err, errno, "bind pty onto /dev/console");
  *master = steal_fd (&ptmx);
  return steal_fd (&peer);
}
