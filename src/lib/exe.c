/* See include/husk/exe.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "husk/exe.h"
#include "husk/util.h"

extern char **environ;

#define HUSK_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int
husk_exe_protect (char **argv, husk_err_t **err)
{
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return husk_error (err, errno, "open /proc/self/exe");
  int seals = fcntl (exe, F_GET_SEALS);
  if (seals >= 0 && (seals & HUSK_SEALS) == HUSK_SEALS)
    return 0; /* already running from the sealed copy */
  struct statvfs vfs;
  if (fstatvfs (exe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return 0; /* nobody can write it through this mount */
  struct stat st;
  if (fstat (exe, &st) < 0)
    return husk_error (err, errno, "stat /proc/self/exe");
  cleanup_close int mfd = memfd_create ("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return husk_error (err, errno, "memfd_create");
  for (off_t done = 0; done < st.st_size;)
    {
      ssize_t n = sendfile (mfd, exe, NULL, st.st_size - done);
      if (n <= 0)
        return husk_error (err, n < 0 ? errno : EIO, "copy the husk binary");
      done += n;
    }
  if (fcntl (mfd, F_ADD_SEALS, HUSK_SEALS) < 0)
    return husk_error (err, errno, "seal the husk binary copy");
  fexecve (mfd, argv, environ);
  return husk_error (err, errno, "re-exec the sealed husk binary");
}
