/* reaper: run CMD as a child subreaper, for tests/bench/run.sh.

     reaper CMD ARG...

   Container processes outlive the runtime that started them (create, run
   -d); without a subreaper they are reparented to the machine's pid 1.
   Under this one they come back to us and are reaped here, so the bench
   leaves no zombie with anyone else and its leak check can see every
   leftover (a child of ours that is not CMD).  Exits with CMD's status
   once CMD is gone and the orphans are too, or after a grace period that
   is reported.  SIGINT and SIGQUIT are left to CMD (it cleans up);
   SIGTERM and SIGHUP are passed on to it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define GRACE_SECONDS 10

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t timed_out;

static void
forward (int sig)
{
  if (child_pid > 0)
    kill (child_pid, sig);
}

static void
on_alarm (int sig)
{
  (void)sig;
  timed_out = 1;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fputs ("usage: reaper CMD ARG...\n", stderr);
      return 2;
    }
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    {
      perror ("reaper: PR_SET_CHILD_SUBREAPER");
      return 2;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      perror ("reaper: fork");
      return 2;
    }
  if (pid == 0)
    {
      execvp (argv[1], argv + 1);
      fprintf (stderr, "reaper: exec %s: %s\n", argv[1], strerror (errno));
      _exit (127);
    }
  child_pid = pid;
  /* no SA_RESTART: the alarm must interrupt wait() */
  struct sigaction fwd = { .sa_handler = forward }, ign = { .sa_handler = SIG_IGN },
                   alrm = { .sa_handler = on_alarm };
  sigaction (SIGTERM, &fwd, NULL);
  sigaction (SIGHUP, &fwd, NULL);
  sigaction (SIGINT, &ign, NULL);
  sigaction (SIGQUIT, &ign, NULL);
  sigaction (SIGALRM, &alrm, NULL);

  int code = 0, status;
  for (;;)
    {
      pid_t w = wait (&status);
      if (w == pid)
        {
          code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
          child_pid = 0;
          alarm (GRACE_SECONDS);
        }
      else if (w < 0 && errno == ECHILD)
        break;
      else if (w < 0 && timed_out)
        {
          fprintf (stderr,
                   "reaper: processes still running %ds after the bench ended; "
                   "left to init\n",
                   GRACE_SECONDS);
          return code ? code : 1;
        }
    }
  return code;
}
