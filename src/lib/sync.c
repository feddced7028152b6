/* The parent/child sync socket: see include/husk/sync.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "husk/sync.h"
#include "husk/util.h"

int
husk_send_fd (int sock, int fd, const void *data, size_t len, husk_err_t **err)
{
  char dummy = 0;
  struct iovec iov = { .iov_base = (void *)(data ? data : &dummy), .iov_len = data ? len : 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (fd >= 0)
    {
      memset (&control, 0, sizeof control);
      mh.msg_control = control.buf;
      mh.msg_controllen = sizeof control.buf;
      struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &fd, sizeof (int));
    }
  ssize_t r;
  do
    r = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return husk_error (err, errno, "send");
  return 0;
}

int
husk_sync_send (int sock, enum husk_sync_type type, int errnum, const char *text, int fd,
                husk_err_t **err)
{
  struct husk_sync_msg msg = { .type = type, .errnum = errnum };
  size_t len = offsetof (struct husk_sync_msg, text);
  if (text)
    {
      size_t n = strnlen (text, HUSK_SYNC_MSG_MAX - 1);
      memcpy (msg.text, text, n);
      len += n + 1;
    }
  if (husk_send_fd (sock, fd, &msg, len, err) < 0)
    return husk_error_prefix (err, "sync socket");
  return 0;
}

int
husk_sync_recv (int sock, struct husk_sync_msg *msg, int *fd, husk_err_t **err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg - 1 };
  struct msghdr mh = { .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf };
  if (fd)
    *fd = -1;
  memset (msg, 0, sizeof *msg);
  ssize_t r;
  /* A peer that closes with our message unread (the init failing with a
     queued SYNC_START) resets the connection; that error comes first and
     once, and what the peer sent before closing still follows it. */
  bool reset_seen = false;
  for (;;)
    {
      r = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
      if (r < 0 && (errno == EINTR || (errno == ECONNRESET && !reset_seen)))
        {
          reset_seen = reset_seen || errno == ECONNRESET;
          continue;
        }
      break;
    }
  if (r < 0)
    return husk_error (err, errno, "receive on sync socket");
  if (r == 0)
    return husk_error (err, 0, "container init exited during setup");
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      {
        int got;
        memcpy (&got, CMSG_DATA (cm), sizeof got);
        if (fd && *fd < 0)
          *fd = got;
        else
          close (got);
      }
  msg->text[HUSK_SYNC_MSG_MAX - 1] = '\0';
  return 0;
}

int
husk_sync_expect (int sock, enum husk_sync_type type, int *fd, husk_err_t **err)
{
  struct husk_sync_msg msg;
  if (husk_sync_recv (sock, &msg, fd, err) < 0)
    return -1;
  if (msg.type == SYNC_ERROR)
    return husk_error (err, msg.errnum, "%s", msg.text);
  if (msg.type != type)
    return husk_error (err, 0, "sync: unexpected message %u (wanted %u)", msg.type, type);
  return 0;
}

void
husk_sync_fail (int sock, husk_err_t *err)
{
  husk_sync_send (sock, SYNC_ERROR, err ? err->errnum : 0, err ? err->msg : "unknown error", -1,
                  NULL);
  _exit (1);
}

int
husk_unix_connect (const char *path, const char *what, husk_err_t **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int pathfd = -1;
  if (strlen (path) >= sizeof addr.sun_path)
    {
      pathfd = open (path, O_PATH | O_CLOEXEC);
      if (pathfd < 0)
        return husk_error (err, errno, "connect to %s `%s`", what, path);
      snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", pathfd);
    }
  else
    strcpy (addr.sun_path, path);
  cleanup_close int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return husk_error (err, errno, "socket for %s", what);
  if (connect (sock, (struct sockaddr *)&addr, sizeof addr) < 0)
    return husk_error (err, errno, "connect to %s `%s`", what, path);
  return steal_fd (&sock);
}
