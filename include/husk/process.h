/* Processes: clone3 into namespaces and a cgroup, /proc/PID/stat, pidfds,
   reaping, and the foreground loop of `run`/`exec` that forwards signals. */
#ifndef HUSK_PROCESS_H
#define HUSK_PROCESS_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "husk/error.h"

struct husk_proc_stat
{
  char state; /* R, S, D, Z, ... */
  pid_t ppid;
  uint64_t start_time; /* clock ticks since boot */
};

int husk_proc_stat (pid_t pid, struct husk_proc_stat *out);

/* --pid-file: the pid written to a temporary file (never reached through a
   symlink) and renamed into place, so readers see all of it or nothing. */
int husk_write_pid_file (const char *path, pid_t pid, husk_err_t **err);

/* clone3 with `flags` (CLONE_NEW*) into cgroup_fd (-1: stay).  Returns the
   pid in the parent (and sets *pidfd), 0 in the child. */
pid_t husk_clone3 (uint64_t flags, int cgroup_fd, int *pidfd, husk_err_t **err);

int husk_pidfd_open (pid_t pid);
int husk_pidfd_send_signal (int pidfd, int sig);

/* Block every signal we forward, remember the old mask for the child. */
void husk_signals_block (sigset_t *old);

/* Foreground: forward signals to pid, reap as a subreaper, and return the
   exit code the runtime should exit with (status or 128+signal). */
int husk_wait_forward (pid_t pid, int pidfd, int *exit_code, husk_err_t **err);

/* Wait for pid (our child) and turn its status into an exit code. */
int husk_wait_exit_code (pid_t pid);

#endif
