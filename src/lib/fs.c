/* Safe path resolution under a root: see include/husk/fs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs_resolve.h"
#include "husk/fs.h"
#include "husk/util.h"

/* Set by tests, or once openat2 turned out to be missing (ENOSYS). */
static bool use_fallback;
static bool openat2_missing;

void
husk_fs_force_fallback (bool on)
{
  use_fallback = on;
}

static int
openat2_in_root (int root_fd, const char *path, int flags, bool no_symlinks)
{
  struct open_how how = {
    .flags = (uint64_t)flags | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
  };
  if (flags & O_CREAT)
    how.mode = 0644;
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  if (!use_fallback && !openat2_missing)
    {
      int fd;
      do
        fd = (int)syscall (SYS_openat2, root_fd, path, &how, sizeof how);
      while (fd < 0 && errno == EAGAIN);
      if (fd >= 0 || errno != ENOSYS)
        return fd;
      openat2_missing = true;
    }
  return husk_resolve_in_root_fallback (root_fd, path, (int)how.flags, (mode_t)how.mode,
                                        no_symlinks);
}

int
husk_open_in_root (int root_fd, const char *path, int flags, bool no_symlinks, husk_err_t **err)
{
  int fd = openat2_in_root (root_fd, path, flags, no_symlinks);
  if (fd < 0)
    {
      if (errno == ELOOP && no_symlinks)
        return husk_error (err, errno, "`%s` must not be or pass through a symlink", path);
      return husk_error (err, errno, "open `%s` in the container root", path);
    }
  return fd;
}

/* Create `name` in the verified directory parent_fd. */
static int
create_component (int parent_fd, const char *name, bool last, enum husk_mkpath_kind kind,
                  mode_t mode)
{
  if (last && kind == HUSK_MKPATH_FILE)
    {
      int fd = openat (parent_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
      if (fd < 0)
        return errno == EEXIST ? 0 : -1;
      close (fd);
      return 0;
    }
  if (mkdirat (parent_fd, name, mode) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

static bool
is_dot (const char *comp)
{
  return strcmp (comp, ".") == 0 || strcmp (comp, "..") == 0;
}

/* The kernel's limit on symlinks in one lookup. */
#define MAX_SYMLINK_HOPS 40

static int mkpath (int root_fd, const char *path, enum husk_mkpath_kind kind, mode_t mode,
                   bool no_symlinks, int hops, husk_err_t **err);

/* A dangling symlink on the way (its target does not exist yet): go on
   with its target, which resolves inside the root like the rest. */
static int
follow_dangling (int root_fd, int dir_fd, const char *dir, const char *name, const char *rest,
                 enum husk_mkpath_kind kind, mode_t mode, int hops, husk_err_t **err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (dir_fd, name, target, sizeof target - 1);
  if (n < 0)
    return husk_error (err, errno, "readlink `%s/%s` in the container root", dir, name);
  target[n] = '\0';
  cleanup_free char *next = xasprintf ("%s%s%s%s%s", target[0] == '/' ? "" : dir,
                                       target[0] == '/' ? "" : "/", target, *rest ? "/" : "", rest);
  return mkpath (root_fd, next, kind, mode, false, hops + 1, err);
}

static int
mkpath (int root_fd, const char *path, enum husk_mkpath_kind kind, mode_t mode, bool no_symlinks,
        int hops, husk_err_t **err)
{
  if (hops > MAX_SYMLINK_HOPS)
    return husk_error (err, ELOOP, "`%s`: too many symlinks in the container root", path);
  int fd = openat2_in_root (root_fd, path, O_PATH, no_symlinks);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : husk_open_in_root (root_fd, path, O_PATH, no_symlinks, err);
  /* Walk the components; each missing one is created inside the fd of its
     already resolved (hence inside-the-root) parent. */
  cleanup_close int parent = openat2_in_root (root_fd, "/", O_PATH | O_DIRECTORY, false);
  if (parent < 0)
    return husk_error (err, errno, "open the container root");
  cleanup_free char *prefix = xstrdup ("");
  for (const char *p = path;;)
    {
      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      const char *end = strchrnul (p, '/');
      const char *rest = end;
      while (*rest == '/')
        rest++;
      bool last = *rest == '\0';
      cleanup_free char *comp = xstrndup (p, (size_t)(end - p));
      cleanup_free char *dir = steal_pointer (&prefix);
      prefix = xasprintf ("%s/%s", dir, comp);
      int flags = O_PATH | (last ? 0 : O_DIRECTORY);
      int cfd = openat2_in_root (root_fd, prefix, flags, no_symlinks);
      if (cfd < 0 && errno == ENOENT && !is_dot (comp))
        {
          struct stat st;
          if (!no_symlinks && fstatat (parent, comp, &st, AT_SYMLINK_NOFOLLOW) == 0
              && S_ISLNK (st.st_mode))
            return follow_dangling (root_fd, parent, dir, comp, rest, kind, mode, hops, err);
          if (create_component (parent, comp, last, kind, mode) < 0)
            return husk_error (err, errno, "create `%s` in the container root", prefix);
          cfd = openat2_in_root (root_fd, prefix, flags, no_symlinks);
        }
      if (cfd < 0)
        return husk_open_in_root (root_fd, prefix, flags, no_symlinks, err);
      close (parent);
      parent = cfd;
      p = end;
    }
  return steal_fd (&parent);
}

int
husk_mkpath_in_root (int root_fd, const char *path, enum husk_mkpath_kind kind, mode_t mode,
                     bool no_symlinks, husk_err_t **err)
{
  return mkpath (root_fd, path, kind, mode, no_symlinks, 0, err);
}

const char *
husk_fd_path (int fd, char *buf)
{
  snprintf (buf, HUSK_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}
