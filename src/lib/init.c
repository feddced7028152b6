/* The container's init: one ordered setup sequence, in the order of the
   runtime spec, run by the child of clone3 inside the new namespaces.  Every
   value was resolved by the parent; this file only performs it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/devices.h"
#include "husk/fs.h"
#include "husk/hooks.h"
#include "husk/init.h"
#include "husk/lsm.h"
#include "husk/process_setup.h"
#include "husk/rootfs.h"
#include "husk/sync.h"
#include "husk/sysctl.h"
#include "husk/util.h"

static int
compare_int (const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

/* Close every fd the parent had open, keeping stdio, the preserved fds and
   the few this sequence still needs (all close-on-exec). */
static int
close_inherited_fds (const struct husk_launch *l, husk_err_t **err)
{
  size_t n_mounts = l->spec->n_mounts, n = 0;
  cleanup_free int *keep = xmalloc0 ((3 + HUSK_NS_KIND_COUNT + n_mounts) * sizeof *keep);
  keep[n++] = l->sync_fd;
  if (l->fifo_fd >= 0)
    keep[n++] = l->fifo_fd;
  if (l->exe.dmz_fd >= 0)
    keep[n++] = l->exe.dmz_fd;
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    if (l->ns.join_fds[i] >= 0)
      keep[n++] = l->ns.join_fds[i];
  for (size_t i = 0; l->idmap_trees && i < n_mounts; i++)
    if (l->idmap_trees[i] >= 0)
      keep[n++] = l->idmap_trees[i];
  qsort (keep, n, sizeof *keep, compare_int);
  unsigned lo = 3 + (unsigned)l->preserve_fds;
  for (size_t i = 0; i <= n; i++)
    {
      unsigned hi = i < n ? (unsigned)keep[i] : ~0U;
      if (hi < lo)
        continue;
      if (hi > lo && syscall (SYS_close_range, lo, hi - 1, 0) < 0)
        return husk_error (err, errno, "close inherited fds");
      if (hi == ~0U)
        break;
      lo = hi + 1;
    }
  return 0;
}

/* Join and unshare, let the parent do its part (id maps, time offsets,
   net devices), and become root of the user namespace. */
static int
setup_namespaces (struct husk_launch *l, husk_err_t **err)
{
  if (husk_ns_join (&l->ns, err) < 0)
    return -1;
  husk_ns_plan_close (&l->ns);
  if (l->ns_request
      && (husk_sync_send (l->sync_fd, SYNC_NAMESPACES, 0, NULL, -1, err) < 0
          || husk_sync_expect (l->sync_fd, SYNC_NAMESPACES_DONE, NULL, err) < 0))
    return -1;
  if (l->in_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return husk_error (err, errno, "become root in the user namespace (is 0 mapped?)");
  /* the id change made us non-dumpable, which gives our /proc/self files to
     the host's root: root of the namespace could not write oom_score_adj.
     Nothing of the container sees us yet; init_sequence undoes this once
     oom_score_adj is written. */
  if (l->in_userns && prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return husk_error (err, errno, "make the init dumpable");
  /* the id change also cleared the parent-death signal */
  if (l->in_userns)
    prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  return 0;
}

/* A private procfs instance, not attached anywhere: writes to /proc files
   go through it, so no mount the rootfs or the config arranges can
   redirect them (CVE-2019-16884, CVE-2025-52881).  Where the kernel refuses
   a new instance (a user namespace that does not own the pid namespace),
   the runtime's own /proc, reached before any mount of the container. */
static int
open_private_procfs (husk_err_t **err)
{
  cleanup_close int fs = (int)syscall (SYS_fsopen, "proc", FSOPEN_CLOEXEC);
  if (fs < 0)
    return husk_error (err, errno, "fsopen proc");
  if (syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    {
      int mnt = (int)syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                              MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
      if (mnt < 0)
        return husk_error (err, errno, "mount private procfs");
      return mnt;
    }
  if (errno != EPERM)
    return husk_error (err, errno, "create private procfs");
  cleanup_close int proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct statfs sfs;
  if (proc < 0 || fstatfs (proc, &sfs) < 0)
    return husk_error (err, errno, "open /proc");
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return husk_error (err, EPERM, "the runtime's /proc is not a procfs");
  return steal_fd (&proc);
}

static int
proc_write (int proc_fd, const char *path, const char *value, husk_err_t **err)
{
  cleanup_close int fd = openat (proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return husk_error (err, errno, "open /proc/%s", path);
  if (husk_write_all (fd, value, strlen (value)) < 0)
    return husk_error (err, errno, "write /proc/%s", path);
  return 0;
}

/* ---- terminal ---- */

static int
setup_console (const struct husk_launch *l, int root_fd, husk_err_t **err)
{
  cleanup_close int master = -1;
  cleanup_close int peer = husk_console_create (root_fd, l->spec->process, &master, err);
  if (peer < 0 || husk_sync_send (l->sync_fd, SYNC_CONSOLE, 0, NULL, master, err) < 0)
    return -1;
  return steal_fd (&peer);
}

/* ---- process attributes ---- */

static int
setup_hostname (const struct husk_spec *spec, husk_err_t **err)
{
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return husk_error (err, errno, "set hostname");
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return husk_error (err, errno, "set domainname");
  return 0;
}

static int
apply_oom_score_adj (const struct husk_process *p, int proc_fd, husk_err_t **err)
{
  if (!p->oom_score_adj.set)
    return 0;
  char buf[32];
  snprintf (buf, sizeof buf, "%lld", (long long)p->oom_score_adj.value);
  return proc_write (proc_fd, "self/oom_score_adj", buf, err);
}

static int
join_session_keyring (const struct husk_launch *l, husk_err_t **err)
{
  if (l->no_new_keyring)
    return 0;
  /* ENOSYS/EPERM: keyrings unavailable (e.g. in some user namespaces); runc goes on */
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, l->id) < 0 && errno != ENOSYS
      && errno != EPERM && errno != EACCES)
    return husk_error (err, errno, "join a new session keyring");
  return 0;
}

static int
set_no_new_privs (const struct husk_process *p, husk_err_t **err)
{
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return husk_error (err, errno, "set no_new_privs");
  return 0;
}

/* ---- the hand-over ---- */

/* Block until `start` opens the exec fifo, through the private procfs. */
static int
wait_exec_fifo (const struct husk_launch *l, int proc_fd, husk_err_t **err)
{
  char path[64];
  snprintf (path, sizeof path, "self/fd/%d", l->fifo_fd);
  cleanup_close int fd = openat (proc_fd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "open exec fifo");
  if (write (fd, "0", 1) != 1)
    return husk_error (err, errno, "write exec fifo");
  return 0;
}

/* Setup is done: tell the parent, and wait for the go (run) or for the
   commit (create) and then the exec fifo (start).  Either comes after the
   parent has attached the device filter and committed the state. */
static int
wait_for_start (const struct husk_launch *l, int proc_fd, husk_err_t **err)
{
  if (husk_sync_send (l->sync_fd, SYNC_READY, 0, NULL, -1, err) < 0)
    return -1;
  struct husk_sync_msg msg;
  if (husk_sync_recv (l->sync_fd, &msg, NULL, err) < 0)
    return -1;
  /* committed: the container outlives the runtime from here on; create
     waits for this ack, or its exit could still kill us */
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (msg.type == SYNC_COMMIT && husk_sync_send (l->sync_fd, SYNC_COMMIT, 0, NULL, -1, err) < 0)
    return -1;
  if (msg.type != SYNC_START && wait_exec_fifo (l, proc_fd, err) < 0)
    return -1;
  return 0;
}

static int
load_seccomp (const struct husk_launch *l, husk_err_t **err)
{
  return husk_setup_seccomp (l->seccomp, l->sync_fd, err);
}

/* The pid the runtime sees us as, for the state of the hooks run in here. */
static pid_t pid_seen_by_runtime;

/* The state JSON on the stdin of a hook run in here: the parent's state,
   which our memory holds since the clone, with our pid. */
static char *
hook_state (const struct husk_launch *l, enum husk_status status)
{
  struct husk_state st = *l->state;
  st.pid = pid_seen_by_runtime;
  return husk_state_json (&st, status, false);
}

/* prestart and createRuntime run in the parent (the runtime's namespaces),
   then createContainer here, in the container's, before pivot_root. */
static int
run_create_hooks (const struct husk_launch *l, husk_err_t **err)
{
  if (!l->hooks_before_pivot)
    return 0;
  struct husk_sync_msg msg;
  if (husk_sync_send (l->sync_fd, SYNC_HOOKS, 0, NULL, -1, err) < 0
      || husk_sync_recv (l->sync_fd, &msg, NULL, err) < 0)
    return -1;
  if (msg.type == SYNC_ERROR)
    return husk_error (err, msg.errnum, "%s", msg.text);
  pid_seen_by_runtime = msg.errnum;
  if (!husk_hooks_any (l->spec, HUSK_HOOK_CREATE_CONTAINER))
    return 0;
  cleanup_free char *json = hook_state (l, HUSK_STATUS_CREATING);
  return husk_hooks_run (l->spec, HUSK_HOOK_CREATE_CONTAINER, json, err);
}

/* startContainer: after start, before the program, in the container. */
static int
run_start_hooks (const struct husk_launch *l, husk_err_t **err)
{
  if (!husk_hooks_any (l->spec, HUSK_HOOK_START_CONTAINER))
    return 0;
  cleanup_free char *json = hook_state (l, HUSK_STATUS_CREATED);
  return husk_hooks_run (l->spec, HUSK_HOOK_START_CONTAINER, json, err);
}

static int
init_sequence (struct husk_launch *l, char **exe, husk_err_t **err)
{
  const struct husk_spec *spec = l->spec;
  const struct husk_process *proc = spec->process;
  const struct husk_linux *lx = spec->linux_;
  const struct husk_cpu_affinity *affinity = &l->settings.affinity;

  /* die with the runtime until setup is committed */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* in a new pid namespace the parent is invisible (0); a dead one then
     shows as EOF on the sync socket */
  pid_t ppid = getppid ();
  if (ppid != l->parent_pid && ppid != 0)
    return husk_error (err, 0, "runtime exited during setup");
  if (close_inherited_fds (l, err) < 0)
    return -1;
  /* the final affinity is set by the parent once setup is done */
  if (affinity->has_initial && husk_cpu_affinity_apply (0, &affinity->initial, "initial", err) < 0)
    return -1;
  if (setup_namespaces (l, err) < 0)
    return -1;
  if (setsid () < 0)
    return husk_error (err, errno, "setsid");
  cleanup_close int proc_fd = open_private_procfs (err);
  if (proc_fd < 0)
    return -1;
  if ((l->ns.unshare_flags & CLONE_NEWTIME) && husk_ns_enter_time (proc_fd, err) < 0)
    return -1;
  /* the last write to our own /proc/self that needs us dumpable; from here
     on nothing in the container may ptrace us or read our fds */
  if (apply_oom_score_adj (proc, proc_fd, err) < 0)
    return -1;
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return husk_error (err, errno, "make the init non-dumpable");

  struct husk_rootfs_ctx rc = {
    .spec = spec,
    .bundle = l->bundle,
    .rootfs = l->rootfs,
    .plans = l->mount_plans,
    .idmap_trees = l->idmap_trees,
    .propagation = l->rootfs_propagation,
    .userns = l->in_userns,
    .no_pivot = l->no_pivot,
    .root_fd = -1,
  };
  if (husk_rootfs_prepare (&rc, err) < 0 || husk_rootfs_mount_all (&rc, err) < 0)
    return -1;
  if (husk_devices_create (rc.root_fd, spec, l->in_userns, err) < 0)
    return -1;
  cleanup_close int console = -1;
  if (proc->terminal && (console = setup_console (l, rc.root_fd, err)) < 0)
    return -1;
  if (run_create_hooks (l, err) < 0)
    return -1;
  if (husk_rootfs_pivot (&rc, err) < 0 || husk_rootfs_finish (&rc, err) < 0)
    return -1;
  close (rc.root_fd);

  if (setup_hostname (spec, err) < 0 || husk_sysctl_apply (lx, proc_fd, err) < 0)
    return -1;
  if (husk_rlimits_apply (l->rlimits, l->n_rlimits, 0, err) < 0)
    return -1;
  if (join_session_keyring (l, err) < 0)
    return -1;
  if (console >= 0 && husk_attach_console (console, err) < 0)
    return -1;
  if (husk_setup_cwd (proc->cwd, err) < 0 || husk_find_executable (proc, exe, err) < 0)
    return -1;
  if (husk_proc_settings_apply (&l->settings, err) < 0)
    return -1;
  if (husk_lsm_apply_exec (proc, proc_fd, err) < 0)
    return -1;
  if (set_no_new_privs (proc, err) < 0)
    return -1;
  /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before
     dropping it.  A notify listener must reach the runtime, which after
     `create` is gone by the time `start` releases us: before READY too. */
  bool seccomp_late = proc->no_new_privileges && !(l->seccomp && l->seccomp->notify);
  if (!seccomp_late && load_seccomp (l, err) < 0)
    return -1;
  if (husk_setup_user (&proc->user, err) < 0)
    return -1;
  if (l->has_caps && husk_caps_apply (&l->caps, err) < 0)
    return -1;

  /* from READY on, processes of the container can see us (exe.h) */
  if (husk_exe_hide (&l->exe, err) < 0)
    return -1;
  if (wait_for_start (l, proc_fd, err) < 0)
    return -1;
  if (run_start_hooks (l, err) < 0)
    return -1;
  /* with no_new_privs, as late as possible: nothing of ours runs under it */
  if (seccomp_late && load_seccomp (l, err) < 0)
    return -1;
  return 0;
}

void
husk_init_run (struct husk_launch *l)
{
  husk_err_t *err = NULL;
  cleanup_free char *exe = NULL;
  if (init_sequence (l, &exe, &err) < 0)
    husk_sync_fail (l->sync_fd, err);
  const struct husk_process *p = l->spec->process;
  char **env = husk_process_envp (p);
  sigprocmask (SIG_SETMASK, &l->sigmask, NULL);
  husk_exe_exec (&l->exe, l->sync_fd, exe, p->args, env, &err);
  husk_sync_fail (l->sync_fd, err);
}
