/* The sync socket between the runtime (parent) and the container's init
   (child): small typed messages over a SOCK_SEQPACKET pair, optionally
   carrying one fd.  A child that fails sends SYNC_ERROR with its errno and
   message, so the user sees the real cause. */
#ifndef HUSK_SYNC_H
#define HUSK_SYNC_H

#include <stdint.h>

#include "husk/error.h"

enum husk_sync_type
{
  SYNC_ERROR = 1,       /* child → parent: errnum + message; child exits */
  SYNC_NAMESPACES,      /* child → parent: my namespaces are in place; write my id maps
                           and time offsets, move the net devices in */
  SYNC_NAMESPACES_DONE, /* parent → child */
  SYNC_CONSOLE,         /* child → parent: the pty master (fd attached) */
  SYNC_SECCOMP,         /* child → parent: the seccomp listener (fd attached) */
  SYNC_SECCOMP_DONE,    /* parent → child */
  SYNC_HOOKS,           /* child → parent: run prestart + createRuntime now */
  SYNC_HOOKS_DONE,      /* parent → child */
  SYNC_READY,           /* child → parent: setup done, waiting for start */
  SYNC_COMMIT,          /* parent → child (create): state written, wait for start;
                           child → parent: acknowledged, no longer dies with the parent */
  SYNC_START,           /* parent → child (run): state written, go without the fifo */
  SYNC_WARNING,         /* child → parent: a warning line for the log */
};

#define HUSK_SYNC_MSG_MAX 1024

struct husk_sync_msg
{
  uint32_t type;
  int32_t errnum;
  char text[HUSK_SYNC_MSG_MAX];
};

/* Send a message (fd >= 0 attaches it with SCM_RIGHTS). */
int husk_sync_send (int sock, enum husk_sync_type type, int errnum, const char *text, int fd,
                    husk_err_t **err);
/* Receive one message; *fd gets an attached fd or -1.  A closed peer is an error
   with errnum 0 and msg "container init exited during setup". */
int husk_sync_recv (int sock, struct husk_sync_msg *msg, int *fd, husk_err_t **err);
/* Receive and require a given type; a SYNC_ERROR becomes the returned error. */
int husk_sync_expect (int sock, enum husk_sync_type type, int *fd, husk_err_t **err);

/* Child side: report err up the socket and _exit(1). */
__attribute__ ((noreturn)) void husk_sync_fail (int sock, husk_err_t *err);

/* A stream socket connected to the unix socket at path (console socket,
   seccomp agent); a path longer than sun_path is reached through an O_PATH
   fd.  Errors read "connect to <what> `path`". */
int husk_unix_connect (const char *path, const char *what, husk_err_t **err);

/* Send / receive a single fd over any unix socket (console socket, seccomp agent). */
int husk_send_fd (int sock, int fd, const void *data, size_t len, husk_err_t **err);

#endif
