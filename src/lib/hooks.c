/* OCI hooks: see include/husk/hooks.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/hooks.h"
#include "husk/process.h"
#include "husk/util.h"

bool
husk_hooks_any (const struct husk_spec *spec, enum husk_hook_kind kind)
{
  return spec->hooks[kind].n_hooks > 0;
}

/* Wait for the hook, killing it when its timeout passes. */
static int
wait_hook (pid_t pid, int pidfd, const struct husk_hook *h, const char *kind, husk_err_t **err)
{
  int timeout_ms = -1;
  if (h->timeout.set)
    timeout_ms = h->timeout.value > INT_MAX / 1000 ? INT_MAX : (int)(h->timeout.value * 1000);
  struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
  int r = 1;
  if (pidfd >= 0)
    do
      r = poll (&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
  if (r == 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return husk_error (err, 0, "%s hook `%s` timed out after %llds", kind, h->path,
                         (long long)h->timeout.value);
    }
  int code = husk_wait_exit_code (pid);
  if (code != 0)
    return husk_error (err, 0, "%s hook `%s` failed: exit status %d", kind, h->path, code);
  return 0;
}

/* The state on the hook's stdin.  A hook need not read it: SIGPIPE is
   ignored only for this write, so that the container process, when we are
   its init, does not inherit the ignored signal. */
static void
write_state (int fd, const char *state_json)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  sigaction (SIGPIPE, &ign, &old);
  husk_write_all (fd, state_json, strlen (state_json));
  /* with every signal blocked (create, run), the SIGPIPE stays pending and
     would kill the container when the mask is restored: take it now */
  sigset_t pipe;
  sigemptyset (&pipe);
  sigaddset (&pipe, SIGPIPE);
  struct timespec now = { 0, 0 };
  while (sigtimedwait (&pipe, NULL, &now) == SIGPIPE)
    ;
  sigaction (SIGPIPE, &old, NULL);
}

static int
run_hook (const struct husk_hook *h, const char *kind, const char *state_json, husk_err_t **err)
{
  int in[2];
  if (pipe2 (in, O_CLOEXEC) < 0)
    return husk_error (err, errno, "%s hook: pipe", kind);
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (in[0]);
      close (in[1]);
      return husk_error (err, errno, "%s hook `%s`: fork", kind, h->path);
    }
  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      dup2 (in[0], 0);
      char *empty[] = { NULL };
      char *argv0[] = { h->path, NULL };
      execve (h->path, h->args ? h->args : argv0, h->env ? h->env : empty);
      _exit (127);
    }
  close (in[0]);
  cleanup_close int pidfd = husk_pidfd_open (pid);
  write_state (in[1], state_json);
  close (in[1]);
  return wait_hook (pid, pidfd, h, kind, err);
}

int
husk_hooks_run (const struct husk_spec *spec, enum husk_hook_kind kind, const char *state_json,
                husk_err_t **err)
{
  const struct husk_hook_list *list = &spec->hooks[kind];
  for (size_t i = 0; i < list->n_hooks; i++)
    if (run_hook (&list->hooks[i], husk_hook_names[kind], state_json, err) < 0)
      return -1;
  return 0;
}
