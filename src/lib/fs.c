/* Safe path resolution under a root: see include/husk/fs.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/fs.h"
#include "husk/util.h"

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
  int fd;
  do
    fd = (int)syscall (SYS_openat2, root_fd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
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

int
husk_mkpath_in_root (int root_fd, const char *path, enum husk_mkpath_kind kind, mode_t mode,
                     bool no_symlinks, husk_err_t **err)
{
  int fd = openat2_in_root (root_fd, path, O_PATH, no_symlinks);
  if (fd >= 0 || errno != ENOENT)
    {
      if (fd < 0)
        return husk_open_in_root (root_fd, path, O_PATH, no_symlinks, err);
      return fd;
    }
  /* Walk the components; each missing one is created inside the fd of its
     already resolved (hence inside-the-root) parent. */
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int parent = openat2_in_root (root_fd, "/", O_PATH | O_DIRECTORY, false);
  if (parent < 0)
    return husk_error (err, errno, "open the container root");
  char *save = NULL;
  char *comp = strtok_r (copy, "/", &save);
  cleanup_free char *prefix = xstrdup ("");
  while (comp)
    {
      char *next = strtok_r (NULL, "/", &save);
      bool last = next == NULL;
      char *np = xasprintf ("%s/%s", prefix, comp);
      free (prefix);
      prefix = np;
      int cfd = openat2_in_root (root_fd, prefix, O_PATH | (last ? 0 : O_DIRECTORY), no_symlinks);
      if (cfd < 0 && errno == ENOENT && strcmp (comp, "..") != 0 && strcmp (comp, ".") != 0)
        {
          if (create_component (parent, comp, last, kind, mode) < 0)
            return husk_error (err, errno, "create `%s` in the container root", prefix);
          cfd = openat2_in_root (root_fd, prefix, O_PATH | (last ? 0 : O_DIRECTORY), no_symlinks);
        }
      if (cfd < 0)
        return husk_error (err, errno, "open `%s` in the container root", prefix);
      close (parent);
      parent = cfd;
      comp = next;
    }
  return steal_fd (&parent);
}

const char *
husk_fd_path (int fd, char *buf)
{
  snprintf (buf, HUSK_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}
