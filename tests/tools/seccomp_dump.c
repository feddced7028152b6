/* Print the classic-BPF seccomp filters a process has loaded, so tests can
   compare what the kernel really got (PTRACE_SECCOMP_GET_FILTER: needs
   CAP_SYS_ADMIN and a kernel with CONFIG_CHECKPOINT_RESTORE).

   usage: seccomp_dump PID
   Output: for each filter, newest first, one line "filter N: COUNT" then one
   line per instruction "code jt jf k" in hex.  Exit 77 when the kernel cannot
   dump filters, 1 on other errors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <linux/filter.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s PID\n", argv[0]);
      return 2;
    }
  pid_t pid = atoi (argv[1]);
  if (ptrace (PTRACE_SEIZE, pid, 0, 0) < 0 || ptrace (PTRACE_INTERRUPT, pid, 0, 0) < 0)
    {
      fprintf (stderr, "seccomp_dump: attach %d: %s\n", pid, strerror (errno));
      return 1;
    }
  int status;
  if (waitpid (pid, &status, __WALL) < 0)
    {
      fprintf (stderr, "seccomp_dump: wait %d: %s\n", pid, strerror (errno));
      return 1;
    }
  int rc = 0;
  for (unsigned long n = 0;; n++)
    {
      long count = ptrace (PTRACE_SECCOMP_GET_FILTER, pid, n, NULL);
      if (count < 0)
        {
          if (errno == ENOENT && n > 0)
            break; /* no more filters */
          fprintf (stderr, "seccomp_dump: filter %lu of %d: %s\n", n, pid, strerror (errno));
          rc = errno == EINVAL || errno == EACCES || errno == EIO ? 77 : 1;
          break;
        }
      struct sock_filter *prog = calloc (count, sizeof *prog);
      if (prog == NULL || ptrace (PTRACE_SECCOMP_GET_FILTER, pid, n, prog) != count)
        {
          fprintf (stderr, "seccomp_dump: read filter %lu: %s\n", n, strerror (errno));
          rc = 1;
          break;
        }
      printf ("filter %lu: %ld\n", n, count);
      for (long i = 0; i < count; i++)
        printf ("%04x %02x %02x %08x\n", prog[i].code, prog[i].jt, prog[i].jf, prog[i].k);
      free (prog);
    }
  ptrace (PTRACE_DETACH, pid, 0, 0);
  return rc;
}
