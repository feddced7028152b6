/* A minimal seccomp agent for the integration tests, speaking runc's
   protocol: it listens on a unix socket, takes one connection carrying the
   container process state (JSON) with the notify fd (SCM_RIGHTS), saves the
   JSON, and answers notifications until every filtered process is gone.

   usage: seccomp_agent SOCKET STATE_OUT [NAME=VALUE | NAME=-ERRNO]...

   NAME=VALUE makes syscall NAME return VALUE; NAME=-ERRNO makes it fail with
   ERRNO; any other notified syscall continues as if unfiltered.  The socket
   appears only once it accepts connections (bound under a temporary name,
   then renamed), so a test can wait for it to exist.  Gives up after 60 s. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#define TIMEOUT_MS 60000

struct reply
{
  int nr;
  long long value; /* < 0: an errno to fail with */
};

static void
die (const char *what)
{
  fprintf (stderr, "seccomp_agent: %s: %s\n", what, strerror (errno));
  exit (1);
}

static int
listen_socket (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char tmp[sizeof addr.sun_path];
  if (snprintf (tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    {
      errno = ENAMETOOLONG;
      die (path);
    }
  strcpy (addr.sun_path, tmp);
  unlink (tmp);
  int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind (s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (s, 1) < 0)
    die ("listen");
  if (rename (tmp, path) < 0)
    die ("rename");
  return s;
}

/* One message: the JSON into state (NUL-terminated), the fd returned. */
static int
receive_listener (int s, char *state, size_t cap)
{
  struct pollfd p = { .fd = s, .events = POLLIN };
  if (poll (&p, 1, TIMEOUT_MS) != 1)
    {
      errno = ETIMEDOUT;
      die ("accept");
    }
  int conn = accept4 (s, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  size_t used = 0;
  int fd = -1;
  for (;;)
    {
      struct iovec iov = { .iov_base = state + used, .iov_len = cap - 1 - used };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
      if (fd < 0)
        {
          msg.msg_control = control.buf;
          msg.msg_controllen = sizeof control.buf;
        }
      ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("recvmsg");
      struct cmsghdr *c = fd < 0 ? CMSG_FIRSTHDR (&msg) : NULL;
      if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy (&fd, CMSG_DATA (c), sizeof fd);
      used += n;
      /* The runtime sends one message and may keep the connection open
         (runc does): stop at EOF or once nothing more comes for a moment. */
      struct pollfd more = { .fd = conn, .events = POLLIN };
      if (n == 0 || used == cap - 1 || poll (&more, 1, 100) != 1)
        break;
    }
  state[used] = '\0';
  close (conn);
  if (fd < 0)
    {
      errno = EBADMSG;
      die ("no fd came with the state");
    }
  return fd;
}

static void
serve (int nfd, const struct reply *replies, size_t n)
{
  for (;;)
    {
      struct pollfd p = { .fd = nfd, .events = POLLIN };
      int r = poll (&p, 1, TIMEOUT_MS);
      if (r < 0 && errno == EINTR)
        continue;
      if (r == 0)
        {
          errno = ETIMEDOUT;
          die ("waiting for notifications");
        }
      if (p.revents & POLLIN)
        {
          struct seccomp_notif req;
          memset (&req, 0, sizeof req);
          if (ioctl (nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
            {
              if (errno == EINTR || errno == ENOENT)
                continue;
              die ("SECCOMP_IOCTL_NOTIF_RECV");
            }
          struct seccomp_notif_resp resp
              = { .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
          for (size_t i = 0; i < n; i++)
            if (replies[i].nr == req.data.nr)
              {
                resp.flags = 0;
                if (replies[i].value < 0)
                  resp.error = (int)replies[i].value;
                else
                  resp.val = replies[i].value;
              }
          /* ENOENT: the process died or the syscall was interrupted meanwhile. */
          if (ioctl (nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
            die ("SECCOMP_IOCTL_NOTIF_SEND");
          continue;
        }
      if (p.revents & (POLLHUP | POLLERR))
        return; /* no process uses the filter any more */
    }
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: %s SOCKET STATE_OUT [NAME=VALUE|NAME=-ERRNO]...\n", argv[0]);
      return 2;
    }
  size_t n = argc - 3;
  struct reply *replies = calloc (n ? n : 1, sizeof *replies);
  for (size_t i = 0; i < n; i++)
    {
      char *spec = argv[3 + i], *eq = strchr (spec, '=');
      if (eq == NULL)
        {
          fprintf (stderr, "seccomp_agent: bad reply `%s`\n", spec);
          return 2;
        }
      *eq = '\0';
      replies[i].nr = seccomp_syscall_resolve_name (spec);
      replies[i].value = strtoll (eq + 1, NULL, 0);
      if (replies[i].nr < 0)
        {
          fprintf (stderr, "seccomp_agent: unknown syscall `%s`\n", spec);
          return 2;
        }
    }

  int s = listen_socket (argv[1]);
  static char state[65536];
  int nfd = receive_listener (s, state, sizeof state);
  close (s);
  unlink (argv[1]);
  FILE *out = fopen (argv[2], "we");
  if (out == NULL || fputs (state, out) < 0 || fclose (out) != 0)
    die (argv[2]);

  serve (nfd, replies, n);
  return 0;
}
