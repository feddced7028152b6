/* OCI hooks: see include/husk/hooks.h. */
#include <errno.h>
#include <fcntl.h>
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

static int
wait_hook (pid_t pid, int pidfd, const struct husk_hook *h, husk_err_t **err)
{
  int timeout_ms = h->timeout.set ? (int)(h->timeout.value * 1000) : -1;
  struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&pfd, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return husk_error (err, ETIMEDOUT, "hook `%s` timed out after %llds", h->path,
                         (long long)h->timeout.value);
    }
  int code = husk_wait_exit_code (pid);
  if (code != 0)
    return husk_error (err, 0, "hook `%s` failed: exit status %d", h->path, code);
  return 0;
}

static int
run_hook (const struct husk_hook *h, const char *state_json, husk_err_t **err)
{
  int in[2];
  if (pipe2 (in, O_CLOEXEC) < 0)
    return husk_error (err, errno, "pipe for hook");
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (in[0]);
      close (in[1]);
      return husk_error (err, errno, "fork hook `%s`", h->path);
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
  cleanup_close int wfd = in[1];
  cleanup_close int pidfd = husk_pidfd_open (pid);
  /* a hook need not read its stdin */
  signal (SIGPIPE, SIG_IGN);
  husk_write_all (wfd, state_json, strlen (state_json));
  close (steal_fd (&wfd));
  if (pidfd < 0)
    {
      int code = husk_wait_exit_code (pid);
      return code ? husk_error (err, 0, "hook `%s` failed: exit status %d", h->path, code) : 0;
    }
  return wait_hook (pid, pidfd, h, err);
}

int
husk_hooks_run (const struct husk_spec *spec, enum husk_hook_kind kind, const char *state_json,
                husk_err_t **err)
{
  const struct husk_hook_list *list = &spec->hooks[kind];
  for (size_t i = 0; i < list->n_hooks; i++)
    if (run_hook (&list->hooks[i], state_json, err) < 0)
      return husk_error_prefix (err, "%s hook", husk_hook_names[kind]);
  return 0;
}
