/* start, state, kill, delete and list: commands on an existing container,
   each under the lock of its state directory. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "husk/cgroup.h"
#include "husk/container.h"
#include "husk/hooks.h"
#include "husk/log.h"
#include "husk/process.h"
#include "husk/util.h"

/* The container's state directory, locked or (readers) not, and its state. */
static int
load (const struct husk_context *ctx, const char *id, bool lock, int *dirfd, struct husk_state **st,
      husk_err_t **err)
{
  if (husk_id_validate (id, err) < 0)
    return -1;
  cleanup_close int root = -1;
  cleanup_err husk_err_t *root_err = NULL;
  if (husk_state_root_open (ctx->root, false, &root, &root_err) < 0)
    return husk_error (err, 0, "container \"%s\" does not exist", id);
  cleanup_close int dfd = -1;
  if ((lock ? husk_state_dir_open : husk_state_dir_peek) (root, id, &dfd, err) < 0)
    return -1;
  if (husk_state_read (dfd, id, st, err) < 0)
    return -1;
  *dirfd = steal_fd (&dfd);
  return 0;
}

int
husk_container_load (const struct husk_context *ctx, const char *id, int *dirfd,
                     struct husk_state **st, husk_err_t **err)
{
  return load (ctx, id, true, dirfd, st, err);
}

/* Wait (bounded) for the state's process to go away. */
static void
wait_gone (const struct husk_state *st, int pidfd)
{
  for (int i = 0; i < 100; i++)
    {
      if (pidfd >= 0)
        {
          struct pollfd p = { .fd = pidfd, .events = POLLIN };
          if (poll (&p, 1, 100) > 0)
            {
              /* our own child (run) would otherwise stay a zombie */
              waitpid (st->pid, NULL, WNOHANG);
              return;
            }
        }
      else
        usleep (10000);
      if (!husk_state_pid_alive (st))
        return;
    }
}

/* pidfd of the state's init, only while it is still the same process. */
static int
open_init_pidfd (const struct husk_state *st)
{
  if (st->pid <= 0)
    return -1;
  int fd = husk_pidfd_open (st->pid);
  if (fd >= 0 && !husk_state_pid_alive (st))
    closep (&fd);
  return fd;
}

static bool
state_has_hook (const struct husk_state *st, enum husk_hook_kind kind)
{
  return (st->hooks & (1u << kind)) != 0;
}

/* poststart and poststop come from the config create kept, read again only
   when the state says it has such hooks. */
static int
state_run_hooks (int dfd, const struct husk_state *st, enum husk_hook_kind kind, const char *json,
                 husk_err_t **err)
{
  cleanup_spec struct husk_spec *spec = NULL;
  if (husk_state_load_config (dfd, st, &spec, err) < 0)
    return husk_error_prefix (err, "%s hooks", husk_hook_names[kind]);
  return husk_hooks_run (spec, kind, json, err);
}

int
husk_container_start (const struct husk_context *ctx, const char *id, husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
    return -1;
  enum husk_status s = husk_state_status (dfd, st);
  if (s == HUSK_STATUS_STOPPED)
    return husk_error (err, 0, "cannot start a container that has stopped");
  if (s != HUSK_STATUS_CREATED)
    return husk_error (err, 0, "cannot start an already running container");
  cleanup_close int fifo = openat (dfd, HUSK_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return husk_error (err, errno, "open exec fifo of \"%s\"", id);
  cleanup_close int pidfd = open_init_pidfd (st);
  struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
  for (;;)
    {
      if (poll (p, 2, -1) < 0 && errno != EINTR)
        return husk_error (err, errno, "wait for container \"%s\" to start", id);
      char c;
      if ((p[0].revents & POLLIN) && read (fifo, &c, 1) == 1)
        break;
      if (p[1].revents & POLLIN || pidfd < 0)
        return husk_error (err, 0, "container \"%s\" init exited before start", id);
    }
  unlinkat (dfd, HUSK_EXEC_FIFO, 0);
  if (state_has_hook (st, HUSK_HOOK_POSTSTART))
    {
      cleanup_free char *json = husk_state_json (st, HUSK_STATUS_RUNNING, false);
      cleanup_err husk_err_t *hook_err = NULL;
      if (state_run_hooks (dfd, st, HUSK_HOOK_POSTSTART, json, &hook_err) < 0)
        husk_log_warn ("%s", hook_err->msg);
    }
  return 0;
}

int
husk_container_state (const struct husk_context *ctx, const char *id, char **json, husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (load (ctx, id, false, &dfd, &st, err) < 0)
    return -1;
  *json = husk_state_json (st, husk_state_status_peeked (dfd, st), true);
  return 0;
}

int
husk_container_kill (const struct husk_context *ctx, const char *id, int sig, bool all,
                     husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
    return -1;
  enum husk_status s = husk_state_status (dfd, st);
  if (s == HUSK_STATUS_STOPPED)
    {
      /* runc: --all on a stopped container still reaches leftover processes */
      if (all && st->cgroup)
        return husk_cgroup_kill (st->cgroup, sig, err);
      return husk_error (err, 0, "container not running");
    }
  if (all && st->cgroup)
    return husk_cgroup_kill (st->cgroup, sig, err);
  cleanup_close int pidfd = open_init_pidfd (st);
  if (pidfd < 0 || husk_pidfd_send_signal (pidfd, sig) < 0)
    {
      if (pidfd < 0 || errno == ESRCH)
        return husk_error (err, 0, "container not running");
      return husk_error (err, errno, "kill container \"%s\"", id);
    }
  return 0;
}

/* Before a delete: a live init is killed (with its cgroup) and waited
   for; once it is gone, whatever it left in the cgroup is killed too. */
static void
stop_all (const struct husk_state *st, bool alive)
{
  if (alive)
    {
      cleanup_close int pidfd = open_init_pidfd (st);
      if (st->cgroup)
        husk_cgroup_kill (st->cgroup, SIGKILL, NULL);
      if (pidfd >= 0)
        husk_pidfd_send_signal (pidfd, SIGKILL);
      wait_gone (st, pidfd);
      return;
    }
  bool populated = false;
  if (st->cgroup && husk_cgroup_is_populated (st->cgroup, &populated, NULL) == 0 && populated)
    husk_cgroup_kill (st->cgroup, SIGKILL, NULL);
}

static int
destroy (int dfd, const struct husk_state *st, const struct husk_context *ctx, husk_err_t **err)
{
  if (state_has_hook (st, HUSK_HOOK_POSTSTOP))
    {
      cleanup_free char *json = husk_state_json (st, HUSK_STATUS_STOPPED, false);
      cleanup_err husk_err_t *hook_err = NULL;
      if (state_run_hooks (dfd, st, HUSK_HOOK_POSTSTOP, json, &hook_err) < 0)
        husk_log_warn ("%s", hook_err->msg);
    }
  if (st->cgroup && husk_cgroup_destroy (st->cgroup, err) < 0)
    return -1;
  cleanup_close int root = -1;
  if (husk_state_root_open (ctx->root, false, &root, err) < 0)
    return -1;
  (void)dfd;
  return husk_state_dir_remove (root, st->id, err);
}

int
husk_container_delete (const struct husk_context *ctx, const char *id, bool force, husk_err_t **err)
{
  /* runc: --force on a container that is already gone succeeds (containerd
     deletes twice) */
  if (force && husk_id_validate (id, NULL) == 0)
    {
      cleanup_close int root = open (ctx->root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      if (root < 0 || (faccessat (root, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT))
        return 0;
    }
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
    return -1;
  enum husk_status s = husk_state_status (dfd, st);
  if (s != HUSK_STATUS_STOPPED)
    {
      if (s != HUSK_STATUS_CREATED && !force)
        return husk_error (err, 0, "cannot delete container %s that is not stopped: %s", id,
                           husk_status_names[s]);
    }
  stop_all (st, s != HUSK_STATUS_STOPPED);
  return destroy (dfd, st, ctx, err);
}

int
husk_container_delete_own (const struct husk_context *ctx, const struct husk_state *st, int own_dir,
                           husk_err_t **err)
{
  cleanup_close int root = -1, dfd = -1;
  cleanup_err husk_err_t *gone = NULL;
  if (husk_state_root_open (ctx->root, false, &root, &gone) < 0
      || husk_state_dir_open (root, st->id, &dfd, &gone) < 0)
    return 0; /* deleted already */
  struct stat now, made;
  if (fstat (dfd, &now) < 0 || fstat (own_dir, &made) < 0 || now.st_ino != made.st_ino
      || now.st_dev != made.st_dev)
    return 0; /* deleted, and another container of that id made since: not ours */
  /* the init is normally reaped by now; if waiting for it failed, stop it */
  stop_all (st, husk_state_pid_alive (st));
  return destroy (dfd, st, ctx, err);
}

static int
compare_entries (const void *a, const void *b)
{
  const struct husk_list_entry *x = a, *y = b;
  return strcmp (x->state->id, y->state->id);
}

int
husk_container_list (const struct husk_context *ctx, struct husk_list_entry **out, size_t *n,
                     husk_err_t **err)
{
  *out = NULL;
  *n = 0;
  cleanup_close int root = -1;
  cleanup_err husk_err_t *root_err = NULL;
  if (husk_state_root_open (ctx->root, false, &root, &root_err) < 0)
    return root_err->errnum == ENOENT ? 0 : husk_error (err, root_err->errnum, "%s", root_err->msg);
  cleanup_dir DIR *d = fdopendir (dup (root));
  if (d == NULL)
    return husk_error (err, errno, "read state root `%s`", ctx->root);
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.' || husk_id_validate (de->d_name, NULL) < 0)
        continue;
      cleanup_close int dfd = -1;
      struct husk_state *st = NULL;
      if (husk_state_dir_peek (root, de->d_name, &dfd, NULL) < 0
          || husk_state_read (dfd, de->d_name, &st, NULL) < 0)
        continue;
      if (*n == cap)
        *out = xrealloc (*out, (cap = cap ? cap * 2 : 8) * sizeof **out);
      (*out)[*n].state = st;
      struct stat sb;
      (*out)[*n].owner = fstat (dfd, &sb) == 0 ? sb.st_uid : 0;
      (*out)[(*n)++].status = husk_state_status_peeked (dfd, st);
    }
  if (*n)
    qsort (*out, *n, sizeof **out, compare_entries);
  return 0;
}

void
husk_list_free (struct husk_list_entry *e, size_t n)
{
  for (size_t i = 0; i < n; i++)
    husk_state_free (e[i].state);
  free (e);
}
