/* /dev in the container: the default devices, linux.devices, the /dev
   symlinks and the console.  Runs in the child before pivot_root; every
   path is resolved under the rootfs fd and refused when it is or passes
   through a symlink, and every node is checked with fstat before use
   (CVE-2025-52565: a rootfs must not be able to redirect /dev/console or
   /dev/pts/ptmx). */
#ifndef HUSK_DEVICES_H
#define HUSK_DEVICES_H

#include <stdbool.h>

#include "husk/error.h"
#include "husk/spec.h"

/* The default devices (/dev/null, zero, full, random, urandom, tty), then
   linux.devices in order, then /dev/fd, stdin, stdout, stderr and ptmx.
   A node is made with mknod, or in a user namespace (userns) bind-mounted
   from the runtime's /dev.  A path that exists and is not the requested
   device is an error, as the spec says (in a user namespace an empty
   regular file is taken as a placeholder to bind over). */
int husk_devices_create (int root_fd, const struct husk_spec *spec, bool userns, husk_err_t **err);

/* A pty from the container's /dev/pts/ptmx (verified: devpts, 5:2), its
   size set from process.consoleSize.  Returns the peer fd and sets *master. */
int husk_pty_open (int root_fd, const struct husk_process *p, int *master, husk_err_t **err);

/* A pty from the container's /dev/pts/ptmx (verified: devpts, 5:2), its
   size set from process.consoleSize, its peer (TIOCGPTPEER) bound on
   /dev/console (created as an empty file if missing; it must be a regular
   file or a character device).  Returns the peer fd and sets *master. */
int husk_console_create (int root_fd, const struct husk_process *p, int *master, husk_err_t **err);

#endif
