/* User-space RESOLVE_IN_ROOT: see fs_resolve.h.

   The walk opens one component at a time with O_PATH | O_NOFOLLOW from the
   fd of its parent, so no symlink is ever followed by the kernel: each one
   is read here and its target spliced into the rest of the path, absolute
   targets restarting at the root, ".." never climbing above the root.
   Before the result is handed out, its directory is checked to still be
   under the root by walking ".." up to it, since a concurrent rename can
   move a directory we already hold out of the root.  That check narrows
   the race but cannot close it the way the kernel's seqlock does; O_CREAT
   may therefore create a file that is then refused with EXDEV.

   RESOLVE_NO_MAGICLINKS is approximated from what a procfs symlink reads
   back (see is_magic_link): the kernel knows a magic link by how procfs
   implements it, which user space cannot see. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fs_resolve.h"
#include "husk/util.h"

/* The kernel's limit on symlinks in one lookup. */
#define MAX_SYMLINK_HOPS 40
/* Bound on the ".." walk of the verification: deeper than any path. */
#define MAX_VERIFY_DEPTH (PATH_MAX / 2)

static int
fail (int errnum)
{
  errno = errnum;
  return -1;
}

static bool
same_inode (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool
is_root (int fd, const struct stat *root_st)
{
  struct stat st;
  return fstat (fd, &st) == 0 && same_inode (&st, root_st);
}

static int
open_dir (int dir_fd, const char *name)
{
  return openat (dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int
husk_verify_under_root (int dir_fd, const struct stat *root_st)
{
  cleanup_close int fd = open_dir (dir_fd, ".");
  if (fd < 0)
    return -1;
  for (int i = 0; i < MAX_VERIFY_DEPTH; i++)
    {
      struct stat st, up_st;
      if (fstat (fd, &st) < 0)
        return -1;
      if (same_inode (&st, root_st))
        return 0;
      int up = open_dir (fd, "..");
      if (up < 0)
        return -1;
      close (fd);
      fd = up;
      if (fstat (fd, &up_st) < 0)
        return -1;
      if (same_inode (&up_st, &st)) /* the top: "/" is its own parent */
        break;
    }
  return fail (EXDEV);
}

/* Magic links read back as absolute paths or as "type:[inode]"; procfs's
   ordinary symlinks (self, thread-self, mounts, net...) as plain relative
   names, which is what tells them apart here. */
static bool
is_magic_link (int link_fd, const char *target)
{
  struct statfs sfs;
  if (fstatfs (link_fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    return false;
  static const char name_chars[]
      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/";
  bool relative_name = target[0] != '/' && target[strspn (target, name_chars)] == '\0';
  return !relative_name;
}

/* The symlink link_fd met on the way, as the kernel would take it: its
   target followed by what was left after it, or NULL with errno. */
static char *
follow_symlink (int link_fd, const char *rest, bool trailing_slash, bool no_symlinks, int hops)
{
  char target[PATH_MAX];
  if (no_symlinks || hops > MAX_SYMLINK_HOPS)
    return errno = ELOOP, NULL;
  ssize_t n = readlinkat (link_fd, "", target, sizeof target - 1);
  if (n < 0)
    return NULL;
  if (n == 0)
    return errno = ENOENT, NULL;
  target[n] = '\0';
  if (is_magic_link (link_fd, target))
    return errno = ELOOP, NULL;
  return xasprintf ("%s%s%s", target, *rest || trailing_slash ? "/" : "", rest);
}

/* Open the last component `name` of the walk in the directory dir_fd. */
static int
open_last (int dir_fd, const char *name, int flags, mode_t mode, const struct stat *root_st)
{
  int fd = openat (dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return -1;
  if (husk_verify_under_root (dir_fd, root_st) < 0)
    {
      int saved = errno;
      close (fd);
      return fail (saved);
    }
  return fd;
}

int
husk_resolve_in_root_fallback (int root_fd, const char *path, int flags, mode_t mode,
                               bool no_symlinks)
{
  struct stat root_st;
  if (fstat (root_fd, &root_st) < 0)
    return -1;
  cleanup_close int cur = open_dir (root_fd, ".");
  if (cur < 0)
    return -1;
  cleanup_free char *todo = xstrdup (path);
  const char *p = todo;
  int hops = 0;
  for (;;)
    {
      while (*p == '/')
        p++;
      if (*p == '\0') /* the path ends on a directory we hold */
        return open_last (cur, ".", flags, mode, &root_st);
      const char *end = strchrnul (p, '/');
      const char *rest = end;
      while (*rest == '/')
        rest++;
      bool trailing_slash = *end == '/';
      bool last = *rest == '\0';
      cleanup_free char *name = xstrndup (p, (size_t)(end - p));
      p = rest;
      if (strcmp (name, ".") == 0 || (strcmp (name, "..") == 0 && is_root (cur, &root_st)))
        continue;
      if (strcmp (name, "..") == 0)
        {
          int up = open_dir (cur, "..");
          if (up < 0)
            return -1;
          close (cur);
          cur = up;
          continue;
        }

      cleanup_close int fd = openat (cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          if (errno == ENOENT && last && (flags & O_CREAT))
            return trailing_slash ? fail (EISDIR) : open_last (cur, name, flags, mode, &root_st);
          return -1;
        }
      struct stat st;
      if (fstat (fd, &st) < 0)
        return -1;
      bool want_dir = !last || trailing_slash;
      if (S_ISLNK (st.st_mode))
        {
          bool excl = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
          if (last && !trailing_slash && excl)
            return fail (EEXIST);
          if (!want_dir && (flags & O_NOFOLLOW))
            {
              if (no_symlinks && !(flags & O_PATH))
                return fail (ELOOP);
              return open_last (cur, name, flags, mode, &root_st);
            }
          char *next = follow_symlink (fd, rest, trailing_slash, no_symlinks, ++hops);
          if (next == NULL)
            return -1;
          free (todo);
          todo = next;
          p = todo;
          if (*todo == '/')
            {
              close (cur);
              cur = open_dir (root_fd, ".");
              if (cur < 0)
                return -1;
            }
          continue;
        }
      if (want_dir && !S_ISDIR (st.st_mode))
        return fail (ENOTDIR);
      if (last)
        return open_last (cur, name, flags, mode, &root_st);
      close (cur);
      cur = steal_fd (&fd);
    }
}
