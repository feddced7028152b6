/* Directory tree copy for tmpcopyup: see include/husk/copy_tree.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "husk/copy_tree.h"
#include "husk/util.h"

/* A rootfs could nest directories without end: stop somewhere sane. */
#define MAX_DEPTH 128

/* Owner, mode and times of `name` in dir from st.  An owner the current
   user namespace cannot represent (EINVAL) is left to us. */
static int
copy_attrs (int dir, const char *name, const struct stat *st, const char *what, husk_err_t **err)
{
  if (fchownat (dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
    return husk_error (err, errno, "tmpcopyup `%s`: chown `%s`", what, name);
  if (!S_ISLNK (st->st_mode) && fchmodat (dir, name, st->st_mode & 07777, 0) < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: chmod `%s`", what, name);
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  if (utimensat (dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: set the times of `%s`", what, name);
  return 0;
}

static int
copy_file (int src_dir, int dst_dir, const char *name, const struct stat *st, const char *what,
           husk_err_t **err)
{
  cleanup_close int in = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  struct stat now;
  if (in < 0 || fstat (in, &now) < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: open `%s`", what, name);
  if (!S_ISREG (now.st_mode) || now.st_ino != st->st_ino)
    return husk_error (err, EAGAIN, "tmpcopyup `%s`: `%s` changed while copying", what, name);
  cleanup_close int out
      = openat (dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: create `%s`", what, name);
  for (;;)
    {
      ssize_t n = sendfile (out, in, NULL, 1 << 20);
      if (n == 0)
        break;
      if (n < 0 && errno != EINTR)
        return husk_error (err, errno, "tmpcopyup `%s`: copy `%s`", what, name);
    }
  return 0;
}

static int copy_dir (int src_dir, int dst_dir, int depth, const char *what, husk_err_t **err);

static int
copy_entry (int src_dir, int dst_dir, const char *name, int depth, const char *what,
            husk_err_t **err)
{
  struct stat st;
  if (fstatat (src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: stat `%s`", what, name);
  switch (st.st_mode & S_IFMT)
    {
    case S_IFDIR:
      {
        if (mkdirat (dst_dir, name, 0700) < 0)
          return husk_error (err, errno, "tmpcopyup `%s`: mkdir `%s`", what, name);
        cleanup_close int s
            = openat (src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        cleanup_close int d
            = openat (dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
          return husk_error (err, errno, "tmpcopyup `%s`: open directory `%s`", what, name);
        if (copy_dir (s, d, depth + 1, what, err) < 0)
          return -1;
        break;
      }
    case S_IFREG:
      if (copy_file (src_dir, dst_dir, name, &st, what, err) < 0)
        return -1;
      break;
    case S_IFLNK:
      {
        char target[PATH_MAX];
        ssize_t n = readlinkat (src_dir, name, target, sizeof target - 1);
        if (n < 0)
          return husk_error (err, errno, "tmpcopyup `%s`: readlink `%s`", what, name);
        target[n] = '\0';
        if (symlinkat (target, dst_dir, name) < 0)
          return husk_error (err, errno, "tmpcopyup `%s`: symlink `%s`", what, name);
        break;
      }
    default: /* fifos, sockets, device nodes */
      if (mknodat (dst_dir, name, st.st_mode, st.st_rdev) < 0)
        return husk_error (err, errno, "tmpcopyup `%s`: mknod `%s`", what, name);
      break;
    }
  return copy_attrs (dst_dir, name, &st, what, err);
}

static int
copy_dir (int src_dir, int dst_dir, int depth, const char *what, husk_err_t **err)
{
  if (depth > MAX_DEPTH)
    return husk_error (err, ELOOP, "tmpcopyup `%s`: directories nested too deep", what);
  cleanup_dir DIR *d = husk_opendir_fd (src_dir);
  if (d == NULL)
    return husk_error (err, errno, "tmpcopyup `%s`: read directory", what);
  struct dirent *de;
  while ((errno = 0, de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (copy_entry (src_dir, dst_dir, de->d_name, depth, what, err) < 0)
        return -1;
    }
  if (errno)
    return husk_error (err, errno, "tmpcopyup `%s`: read directory", what);
  return 0;
}

int
husk_copy_tree (int src_dir, int dst_dir, const char *what, husk_err_t **err)
{
  if (copy_dir (src_dir, dst_dir, 0, what, err) < 0)
    return -1;
  struct stat st;
  if (fstat (src_dir, &st) < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: stat", what);
  if (fchown (dst_dir, st.st_uid, st.st_gid) < 0 && errno != EINVAL)
    return husk_error (err, errno, "tmpcopyup `%s`: chown", what);
  if (fchmod (dst_dir, st.st_mode & 07777) < 0)
    return husk_error (err, errno, "tmpcopyup `%s`: chmod", what);
  return 0;
}
