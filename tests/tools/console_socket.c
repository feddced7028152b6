/* console_socket SOCKET OUTPUT [INPUT]: the receiving end of
   `--console-socket`, for the tests.  Listens on the unix socket SOCKET,
   takes one connection, receives the pty master over SCM_RIGHTS, writes
   INPUT (if given) to it, and copies everything the container writes to the
   terminal into OUTPUT until the last peer closes.  Prints "pty <n>" (the
   master's pty number) on stdout, so a test can check that it got a pty
   master at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "console_socket: %s: %s\n", what, strerror (errno));
  exit (1);
}

static int
receive_fd (int conn)
{
  char data[64];
  char control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control,
    .msg_controllen = sizeof control,
  };
  if (recvmsg (conn, &msg, MSG_CMSG_CLOEXEC) < 0)
    die ("recvmsg");
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    {
      errno = EBADMSG;
      die ("no fd in the message");
    }
  int fd;
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: console_socket SOCKET OUTPUT [INPUT]\n");
      return 2;
    }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (argv[1]) >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      die (argv[1]);
    }
  strcpy (addr.sun_path, argv[1]);
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || bind (sock, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (sock, 1) < 0)
    die ("listen");
  int conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  int master = receive_fd (conn);
  int n;
  if (ioctl (master, TIOCGPTN, &n) < 0)
    die ("TIOCGPTN: not a pty master");
  printf ("pty %d\n", n);
  fflush (stdout);
  if (argc > 3 && write (master, argv[3], strlen (argv[3])) < 0)
    die ("write input");
  int out = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0)
    die (argv[2]);
  char buf[4096];
  for (;;)
    {
      ssize_t r = read (master, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0) /* EIO once the last peer is closed */
        break;
      if (write (out, buf, (size_t)r) != r)
        die ("write output");
    }
  return 0;
}
