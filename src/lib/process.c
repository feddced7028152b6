/* Processes: see include/husk/process.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/process.h"
#include "husk/util.h"

int
husk_proc_stat (pid_t pid, struct husk_proc_stat *out)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may hold spaces and parens: fields start after the last ')' */
  char *p = strrchr (buf, ')');
  if (p == NULL || p[1] == '\0')
    return -1;
  p += 2;
  char state;
  int ppid;
  unsigned long long start = 0;
  /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     cutime cstime priority nice num_threads itrealvalue starttime */
  if (sscanf (p, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &state, &ppid, &start)
      != 3)
    return -1;
  out->state = state;
  out->ppid = ppid;
  out->start_time = start;
  return 0;
}

pid_t
husk_clone3 (uint64_t flags, int cgroup_fd, int *pidfd, husk_err_t **err)
{
  struct clone_args args = {
    .flags = flags | CLONE_PIDFD,
    .pidfd = (uint64_t)(uintptr_t)pidfd,
    .exit_signal = SIGCHLD,
  };
  if (cgroup_fd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = cgroup_fd;
    }
  long r = syscall (SYS_clone3, &args, sizeof args);
  if (r < 0)
    return husk_error (err, errno, "clone3");
  return (pid_t)r;
}

int
husk_pidfd_open (pid_t pid)
{
  return (int)syscall (SYS_pidfd_open, pid, 0);
}

int
husk_pidfd_send_signal (int pidfd, int sig)
{
  return (int)syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

void
husk_signals_block (sigset_t *old)
{
  sigset_t all;
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, old);
}

static int
status_to_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

int
husk_wait_exit_code (pid_t pid)
{
  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return 255;
  return status_to_code (status);
}

/* Signals a foreground runtime passes on; SIGCHLD drives reaping. */
static bool
forwarded (int sig)
{
  return sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP;
}

int
husk_wait_forward (pid_t pid, int pidfd, int *exit_code, husk_err_t **err)
{
  sigset_t all;
  sigfillset (&all);
  cleanup_close int sfd = signalfd (-1, &all, SFD_CLOEXEC);
  if (sfd < 0)
    return husk_error (err, errno, "signalfd");
  /* orphans of the container are reparented to us and reaped below */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  for (;;)
    {
      int status;
      pid_t r;
      while ((r = waitpid (-1, &status, WNOHANG)) > 0)
        if (r == pid)
          {
            *exit_code = status_to_code (status);
            return 0;
          }
      if (r < 0 && errno == ECHILD)
        return husk_error (err, ECHILD, "wait for container process %d", pid);
      struct signalfd_siginfo si;
      ssize_t n = read (sfd, &si, sizeof si);
      if (n < 0 && errno == EINTR)
        continue;
      if (n != sizeof si)
        return husk_error (err, errno, "read signalfd");
      if (forwarded ((int)si.ssi_signo))
        {
          if (pidfd >= 0)
            husk_pidfd_send_signal (pidfd, (int)si.ssi_signo);
          else
            kill (pid, (int)si.ssi_signo);
        }
    }
}

int
husk_write_pid_file (const char *path, pid_t pid, husk_err_t **err)
{
  cleanup_free char *tmp = xasprintf ("%s.husk-tmp", path);
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d", pid);
  if (husk_write_file_at (AT_FDCWD, tmp, buf, n, O_CREAT | O_TRUNC | O_NOFOLLOW, 0644, err) < 0)
    return -1;
  if (rename (tmp, path) < 0)
    {
      unlink (tmp);
      return husk_error (err, errno, "write pid file `%s`", path);
    }
  return 0;
}
