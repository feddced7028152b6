/* exec: a new process inside a running container's namespaces and cgroup,
   with its own capabilities, rlimits, seccomp filter and user. */
#ifndef HUSK_EXEC_H
#define HUSK_EXEC_H

#include <stdbool.h>

#include "husk/container.h"

struct husk_exec_opts
{
  const char *id;
  const char *process_file; /* --process: a process.json; NULL: from the flags */
  char **args;              /* NULL-terminated, when no process_file */
  bool tty;
  const char *console_socket;
  const char *cwd;
  char **env;       /* -e K=V..., NULL-terminated (may be NULL) */
  const char *user; /* "UID[:GID]" */
  char **additional_gids;
  char **caps;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  bool detach;
  const char *pid_file;
  int preserve_fds;
  const char *cgroup; /* a sub-cgroup of the container's */
  bool ignore_paused;
};

/* In the foreground *exit_code is the process's; a failure to start is -1
   (the command exits 255, as runc). */
int husk_container_exec (const struct husk_context *ctx, const struct husk_exec_opts *o,
                         int *exit_code, husk_err_t **err);

#endif
