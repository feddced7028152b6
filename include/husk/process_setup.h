/* The last steps before execve that a container's init and an exec'd
   process share: cwd, executable lookup, user and groups, the console. */
#ifndef HUSK_PROCESS_SETUP_H
#define HUSK_PROCESS_SETUP_H

#include "husk/error.h"
#include "husk/seccomp.h"
#include "husk/spec.h"

/* chdir(cwd) and verify the result is inside the container's root
   (CVE-2024-21626: a leaked fd's directory reads as "(unreachable)"). */
int husk_setup_cwd (const char *cwd, husk_err_t **err);

/* args[0] through PATH of the process env (or the default PATH); a missing
   binary is an error before the process is released. */
int husk_find_executable (const struct husk_process *p, char **out, husk_err_t **err);

/* PR_SET_KEEPCAPS, setgroups, setresgid, setresuid, umask. */
int husk_setup_user (const struct husk_user *u, husk_err_t **err);

/* dup the pty peer onto stdio and make it the controlling terminal. */
int husk_attach_console (int peer, husk_err_t **err);

/* Load the filter (NULL: none); a notify listener goes up the sync socket
   and the parent hands it to linux.seccomp.listenerPath. */
int husk_setup_seccomp (const struct husk_seccomp_prog *prog, int sync_fd, husk_err_t **err);

/* NULL-terminated copy of the process env for execve. */
char **husk_process_envp (const struct husk_process *p);

#endif
