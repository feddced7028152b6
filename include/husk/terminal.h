/* `run` in the foreground with process.terminal and no --console-socket:
   husk holds the pty master and copies between it and its own stdio. */
#ifndef HUSK_TERMINAL_H
#define HUSK_TERMINAL_H

#include <sys/types.h>

#include "husk/error.h"

/* Proxy stdin → master and master → stdout until pid exits; forwards
   signals (and window size changes) like husk_wait_forward. */
int husk_terminal_proxy (int master, pid_t pid, int pidfd, int *exit_code, husk_err_t **err);

#endif
