/* Shared final process steps: see include/husk/process_setup.h. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "husk/process_setup.h"
#include "husk/sync.h"
#include "husk/util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
husk_setup_cwd (const char *cwd, husk_err_t **err)
{
  if (chdir (cwd) < 0)
    return husk_error (err, errno, "chdir to cwd `%s`", cwd);
  char buf[4096];
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    return husk_error (err, EPERM, "cwd `%s` is outside the container", cwd);
  return 0;
}

static const char *
env_get (char *const *env, size_t n, const char *name)
{
  size_t len = strlen (name);
  for (size_t i = 0; i < n; i++)
    if (strncmp (env[i], name, len) == 0 && env[i][len] == '=')
      return env[i] + len + 1;
  return NULL;
}

int
husk_find_executable (const struct husk_process *p, char **out, husk_err_t **err)
{
  const char *name = p->args[0];
  if (strchr (name, '/'))
    {
      if (access (name, X_OK) < 0)
        return husk_error (err, errno, "exec: \"%s\"", name);
      *out = xstrdup (name);
      return 0;
    }
  const char *path = env_get (p->env, p->n_env, "PATH");
  cleanup_free char *copy = xstrdup (path ? path : DEFAULT_PATH);
  char *save = NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *candidate = xasprintf ("%s/%s", *dir ? dir : ".", name);
      struct stat st;
      if (stat (candidate, &st) == 0 && S_ISREG (st.st_mode) && access (candidate, X_OK) == 0)
        {
          *out = steal_pointer (&candidate);
          return 0;
        }
    }
  return husk_error (err, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

int
husk_setup_user (const struct husk_user *u, husk_err_t **err)
{
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return husk_error (err, errno, "keep capabilities across setuid");
  /* EPERM: setgroups is denied in this user namespace; fine unless groups were asked for */
  if (setgroups (u->n_additional_gids, (const gid_t *)u->additional_gids) < 0
      && (errno != EPERM || u->n_additional_gids > 0))
    return husk_error (err, errno, "setgroups (process.user.additionalGids)");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return husk_error (err, errno, "setgid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return husk_error (err, errno, "setuid %u", u->uid);
  if (u->umask.set)
    umask (u->umask.value);
  /* a new uid clears the parent-death signal: setup still dies with the runtime */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  return 0;
}

int
husk_attach_console (int peer, husk_err_t **err)
{
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (peer, fd) < 0)
      return husk_error (err, errno, "dup pty onto fd %d", fd);
  if (ioctl (0, TIOCSCTTY, 0) < 0)
    return husk_error (err, errno, "make the pty the controlling terminal");
  return 0;
}

char **
husk_process_envp (const struct husk_process *p)
{
  char **env = xmalloc0 ((p->n_env + 1) * sizeof (char *));
  memcpy (env, p->env, p->n_env * sizeof (char *));
  return env;
}

int
husk_setup_seccomp (const struct husk_seccomp_prog *prog, int sync_fd, husk_err_t **err)
{
  if (prog == NULL)
    return 0;
  int listener = -1;
  if (husk_seccomp_load (prog, &listener, err) < 0)
    return -1;
  if (listener < 0)
    return 0;
  int r = husk_sync_send (sync_fd, SYNC_SECCOMP, 0, NULL, listener, err);
  close (listener);
  if (r < 0 || husk_sync_expect (sync_fd, SYNC_SECCOMP_DONE, NULL, err) < 0)
    return -1;
  return 0;
}
