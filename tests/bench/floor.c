/* floor: the least a runtime must do to run the benchmark bundle, as the
   yardstick for tests/bench/run.sh ("husk/floor").

     floor ROOTFS [CMD ARG...]        (CMD defaults to /bin/true)

   One clone into new pid, mount, uts, ipc, network and cgroup namespaces
   (the namespaces `husk spec` asks for); in the child: make / private, bind
   the rootfs onto itself, mount proc, pivot_root into it, exec CMD.  The
   parent waits and exits with the child's status.  No config parsing, no
   state, no cgroup, no security setup: nothing a real runtime could skip is
   done, and nothing it must do beyond this is either. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_FLAGS                                                                                   \
  (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

static void
die (const char *what)
{
  fprintf (stderr, "floor: %s: %s\n", what, strerror (errno));
  _exit (127);
}

static void
child (const char *rootfs, char **cmd)
{
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die ("make / private");
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    die ("bind the rootfs");
  if (chdir (rootfs) < 0)
    die ("chdir rootfs");
  if (mount ("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    die ("mount proc");
  /* pivot_root(".", "."): the old root ends up under the new one; detach it. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    die ("pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    die ("detach the old root");
  if (chdir ("/") < 0)
    die ("chdir /");
  execv (cmd[0], cmd);
  die (cmd[0]);
}

int
main (int argc, char **argv)
{
  static char *default_cmd[] = { "/bin/true", NULL };
  if (argc < 2)
    {
      fputs ("usage: floor ROOTFS [CMD ARG...]\n", stderr);
      return 2;
    }
  char **cmd = argc > 2 ? argv + 2 : default_cmd;
  /* fork semantics (no new stack): raw clone with SIGCHLD as exit signal. */
  pid_t pid = syscall (SYS_clone, NS_FLAGS | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid < 0)
    die ("clone");
  if (pid == 0)
    child (argv[1], cmd);
  int status;
  if (waitpid (pid, &status, 0) < 0)
    die ("waitpid");
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
