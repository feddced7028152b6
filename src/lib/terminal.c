/* Foreground terminal proxy: see include/husk/terminal.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "husk/process.h"
#include "husk/terminal.h"
#include "husk/util.h"

static struct termios saved_tio;
static bool tio_saved;

static void
restore_tty (void)
{
  if (tio_saved)
    tcsetattr (0, TCSANOW, &saved_tio);
  tio_saved = false;
}

static void
copy_winsize (int master)
{
  struct winsize ws;
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    ioctl (master, TIOCSWINSZ, &ws);
}

/* Copy what is readable on `from` to `to`; false at EOF or error. */
static bool
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);
  if (n <= 0)
    return n < 0 && (errno == EINTR || errno == EAGAIN);
  husk_write_all (to, buf, n);
  return true;
}

int
husk_terminal_proxy (int master, pid_t pid, int pidfd, int *exit_code, husk_err_t **err)
{
  sigset_t all;
  sigfillset (&all);
  cleanup_close int sfd = signalfd (-1, &all, SFD_CLOEXEC);
  if (sfd < 0)
    return husk_error (err, errno, "signalfd");
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (isatty (0) && tcgetattr (0, &saved_tio) == 0)
    {
      struct termios raw = saved_tio;
      cfmakeraw (&raw);
      tcsetattr (0, TCSANOW, &raw);
      tio_saved = true;
      copy_winsize (master);
    }
  struct pollfd fds[3] = {
    { .fd = master, .events = POLLIN },
    { .fd = 0, .events = POLLIN },
    { .fd = sfd, .events = POLLIN },
  };
  for (;;)
    {
      if (poll (fds, 3, -1) < 0 && errno != EINTR)
        break;
      if (fds[0].revents & POLLIN)
        pump (master, 1);
      else if (fds[0].revents & (POLLHUP | POLLERR))
        fds[0].fd = -1; /* every holder of the peer is gone */
      if (fds[1].revents & (POLLIN | POLLHUP) && !pump (0, master))
        fds[1].fd = -1;
      if (!(fds[2].revents & POLLIN))
        continue;
      struct signalfd_siginfo si;
      if (read (sfd, &si, sizeof si) != sizeof si)
        continue;
      if (si.ssi_signo == SIGWINCH)
        copy_winsize (master);
      else if (si.ssi_signo != SIGCHLD)
        husk_pidfd_send_signal (pidfd, (int)si.ssi_signo);
      int status;
      pid_t r;
      while ((r = waitpid (-1, &status, WNOHANG)) > 0)
        if (r == pid)
          {
            /* drain what the process wrote last */
            while (poll (fds, 1, 0) > 0 && (fds[0].revents & POLLIN) && pump (master, 1))
              ;
            restore_tty ();
            *exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
            return 0;
          }
    }
  restore_tty ();
  return husk_error (err, errno, "terminal proxy");
}
