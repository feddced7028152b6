/* create and run: resolve everything, make the state directory and the
   cgroup, clone3 the init into its namespaces, serve its sync requests, and
   record the state.  Every failure undoes what was done. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/caps_grant.h"
#include "husk/cgroup.h"
#include "husk/container.h"
#include "husk/hooks.h"
#include "husk/init.h"
#include "husk/log.h"
#include "husk/lsm.h"
#include "husk/mount_idmap.h"
#include "husk/netdev.h"
#include "husk/process.h"
#include "husk/sync.h"
#include "husk/sysctl.h"
#include "husk/terminal.h"
#include "husk/util.h"
#include "husk/validate.h"

/* What create builds, and what a failure must undo. */
struct creation
{
  struct husk_spec *spec;
  struct husk_launch launch;
  struct husk_state state;
  int root_fd;
  int dir_fd; /* state directory, locked */
  int cgroup_fd;
  int sync_fd; /* parent's end */
  int console_sock;
  int console_master; /* run in the foreground with a terminal */
  pid_t pid;
  int pidfd;
  bool committed;      /* state written: the container exists */
  bool cgroup_existed; /* an engine made the (empty) cgroup: not ours to remove on failure */
  struct husk_bpf_prog device_filter; /* compiled before any side effect, loaded while the
                                         init sets up (n == 0: none, or already attached) */
  bool ns_served;                     /* SYNC_NAMESPACES answered (or never asked) */
  char *config_json;                  /* the bytes parsed, for the state directory (then NULL) */
  size_t config_len;
  const struct husk_create_opts *opts;
  bool early_start;   /* run: commit and queue SYNC_START while the init sets up */
  bool state_written; /* committed: state.json has the init's pid */
  bool start_sent;
  bool marked; /* HUSK_CREATING_MARK made (early start) */
};

static void
creation_init (struct creation *c)
{
  memset (c, 0, sizeof *c);
  c->root_fd = c->dir_fd = c->cgroup_fd = c->sync_fd = -1;
  c->console_sock = c->console_master = c->pidfd = -1;
  c->launch.fifo_fd = c->launch.sync_fd = -1;
  c->launch.exe = (struct husk_exe_plan)HUSK_EXE_PLAN_INIT;
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    c->launch.ns.join_fds[i] = -1;
}

/* Undo (when not committed) and free. */
static void
creation_release (struct creation *c)
{
  if (!c->committed)
    {
      if (c->pid > 0)
        {
          kill (c->pid, SIGKILL);
          waitpid (c->pid, NULL, 0);
        }
      if (c->cgroup_fd >= 0 && !c->cgroup_existed) /* made by us */
        husk_cgroup_destroy (c->state.cgroup, NULL);
      if (c->dir_fd >= 0)
        husk_state_dir_remove (c->root_fd, c->state.id, NULL);
    }
  int *fds[] = { &c->root_fd,        &c->dir_fd,           &c->cgroup_fd, &c->sync_fd,
                 &c->console_sock,   &c->console_master,   &c->pidfd,     &c->launch.fifo_fd,
                 &c->launch.sync_fd, &c->launch.exe.dmz_fd };
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    closep (fds[i]);
  husk_ns_plan_close (&c->launch.ns);
  for (size_t i = 0; c->spec && c->launch.mount_plans && i < c->spec->n_mounts; i++)
    husk_mount_plan_free (&c->launch.mount_plans[i]);
  free (c->launch.mount_plans);
  if (c->spec)
    husk_idmap_trees_close (c->launch.idmap_trees, c->spec->n_mounts);
  free (c->launch.idmap_trees);
  free (c->launch.rlimits);
  husk_seccomp_prog_free (c->launch.seccomp);
  husk_bpf_prog_free (&c->device_filter);
  free (c->config_json);
  husk_spec_free (c->spec);
  free (c->state.id);
  free (c->state.bundle);
  free (c->state.rootfs);
  free (c->state.created);
  free (c->state.cgroup);
}

/* ---- resolve: everything that can fail on bad input, before any side effect ---- */

static int
load_bundle (struct creation *c, const struct husk_create_opts *o, husk_err_t **err)
{
  char buf[PATH_MAX];
  const char *bundle = o->bundle ? o->bundle : ".";
  if (realpath (bundle, buf) == NULL)
    return husk_error (err, errno, "bundle `%s`", bundle);
  c->state.bundle = xstrdup (buf);
  cleanup_close int bfd = open (buf, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (bfd < 0)
    return husk_error (err, errno, "bundle `%s`", buf);
  if (husk_read_file_at (bfd, "config.json", &c->config_json, &c->config_len, err) < 0
      || husk_spec_parse (c->config_json, c->config_len, &c->spec, err) < 0
      || husk_spec_validate (c->spec, err) < 0)
    return -1;
  const char *root = c->spec->root->path;
  cleanup_free char *joined = root[0] == '/' ? xstrdup (root) : xasprintf ("%s/%s", buf, root);
  if (realpath (joined, buf) == NULL)
    return husk_error (err, errno, "root.path `%s`", joined);
  struct stat st;
  if (stat (buf, &st) < 0 || !S_ISDIR (st.st_mode))
    return husk_error (err, ENOTDIR, "root.path `%s`", buf);
  c->state.rootfs = xstrdup (buf);
  return 0;
}

/* systemd socket activation, as runc: fds 3.. of LISTEN_FDS (meant for us,
   LISTEN_PID) go to the process, before the --preserve-fds ones. */
static int
listen_fds (struct husk_process *p)
{
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  int n, want;
  if (fds == NULL || husk_parse_int (fds, &n) < 0 || n <= 0)
    return 0;
  if (pid && (husk_parse_int (pid, &want) < 0 || want != getpid ()))
    return 0;
  p->env = xrealloc (p->env, (p->n_env + 2) * sizeof (char *));
  p->env[p->n_env++] = xasprintf ("LISTEN_FDS=%d", n);
  p->env[p->n_env] = NULL;
  return n;
}

static int
resolve_launch (struct creation *c, const struct husk_context *ctx,
                const struct husk_create_opts *o, husk_err_t **err)
{
  struct husk_spec *spec = c->spec;
  struct husk_launch *l = &c->launch;
  l->spec = spec;
  l->id = c->state.id;
  l->bundle = c->state.bundle;
  l->rootfs = c->state.rootfs;
  l->no_pivot = o->no_pivot;
  l->no_new_keyring = o->no_new_keyring;
  l->preserve_fds = listen_fds (spec->process) + o->preserve_fds;
  l->parent_pid = getpid ();
  l->state = &c->state;

  if (husk_ns_plan_build (spec, &l->ns, err) < 0)
    return husk_error_prefix (err, "config.json");
  l->new_userns = (l->ns.clone_flags & CLONE_NEWUSER) != 0;
  l->in_userns = l->new_userns || l->ns.join_fds[HUSK_NS_USER] >= 0;
  l->ns_request = l->new_userns || (l->ns.unshare_flags & CLONE_NEWTIME)
                  || (spec->linux_ && spec->linux_->n_net_devices);
  if (!(l->ns.clone_flags & CLONE_NEWNS) && !(l->ns.unshare_flags & CLONE_NEWNS)
      && l->ns.join_fds[HUSK_NS_MOUNT] < 0)
    return husk_error (err, 0, "config.json: linux.namespaces: a mount namespace is required");
  const struct husk_linux *lx = spec->linux_;
  if (husk_rootfs_propagation (lx ? lx->rootfs_propagation : NULL, &l->rootfs_propagation, err) < 0)
    return husk_error_prefix (err, "config.json");
  l->mount_plans = xmalloc0 ((spec->n_mounts + 1) * sizeof *l->mount_plans);
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (husk_mount_plan_build (&spec->mounts[i], &l->mount_plans[i], err) < 0)
      return husk_error_prefix (err, "config.json: mounts[%zu]", i);
  l->idmap_trees = xmalloc0 ((spec->n_mounts + 1) * sizeof *l->idmap_trees);
  if (husk_idmap_trees_prepare (spec, l->mount_plans, c->state.bundle, l->idmap_trees, err) < 0)
    return -1;
  const struct husk_process *p = spec->process;
  if (p->capabilities)
    {
      l->has_caps = true;
      if (husk_caps_resolve (p->capabilities, &l->caps, err) < 0)
        return -1;
      husk_caps_keep_grantable (&l->caps, l->in_userns);
    }
  if (husk_rlimits_resolve (p->rlimits, p->n_rlimits, &l->rlimits, err) < 0)
    return -1;
  l->n_rlimits = p->n_rlimits;
  if (husk_proc_settings_resolve (p, lx, "config.json: process", &l->settings, err) < 0)
    return -1;
  if (husk_sysctl_check (spec, err) < 0 || husk_lsm_check (p, lx, "config.json: process", err) < 0
      || husk_netdev_check (lx, err) < 0)
    return -1;
  if (lx && lx->seccomp)
    {
      cleanup_free char *cache = xasprintf ("%s/.seccomp-cache", ctx->root);
      if (husk_seccomp_compile (lx->seccomp, cache, &l->seccomp, err) < 0)
        return -1;
    }
  for (int k = 0; k < HUSK_HOOK_KIND_COUNT; k++)
    if (husk_hooks_any (spec, k))
      c->state.hooks |= 1u << k;
  for (int k = HUSK_HOOK_PRESTART; k <= HUSK_HOOK_START_CONTAINER; k++)
    l->hooks_before_pivot |= husk_hooks_any (spec, k);
  if (p->terminal && o->detach && o->console_socket == NULL)
    return husk_error (err, 0,
                       "cannot allocate a terminal for a detached container without "
                       "--console-socket");
  return 0;
}

/* Last of the resolve steps: it may re-exec husk from the top (exe.h). */
static int
protect_exe (struct creation *c, husk_err_t **err)
{
  struct husk_exe_facts facts;
  husk_exe_facts_from_spec (c->spec, c->spec->process, &facts);
  facts.ptrace = husk_exe_caps_ptrace (c->launch.has_caps, &c->launch.caps);
  return husk_exe_protect (&facts, &c->launch.exe, err);
}

/* ---- side effects, in order ---- */

/* The cgroup path is known before the state directory exists, so its first
   state.json already names it (for `delete --force` after a crash). */
static int
resolve_cgroup (struct creation *c, const struct husk_context *ctx, husk_err_t **err)
{
  if (ctx->systemd_cgroup)
    return husk_error (err, 0, "--systemd-cgroup: husk has no systemd cgroup driver");
  const struct husk_linux *lx = c->spec->linux_;
  return husk_cgroup_resolve (lx ? lx->cgroups_path : NULL, c->state.id, &c->state.cgroup, err);
}

static int
make_state_dir (struct creation *c, const struct husk_context *ctx, bool run, husk_err_t **err)
{
  if (husk_state_root_open (ctx->root, true, &c->root_fd, err) < 0)
    return -1;
  if (husk_state_dir_create (c->root_fd, c->state.id, &c->dir_fd, err) < 0)
    {
      c->dir_fd = -1; /* not ours to remove */
      return -1;
    }
  c->state.created = husk_now_rfc3339 ();
  c->state.annotations = c->spec->annotations;
  c->state.n_annotations = c->spec->n_annotations;
  /* recorded before the cgroup exists, so `delete --force` finds it after a crash */
  if (husk_state_write (c->dir_fd, &c->state, false, err) < 0)
    return -1;
  if (!run)
    {
      /* writable by the init once it runs as process.user: the mode
         without the umask (the state directory keeps others out) */
      if (mkfifoat (c->dir_fd, HUSK_EXEC_FIFO, 0622) < 0
          || fchmodat (c->dir_fd, HUSK_EXEC_FIFO, 0622, 0) < 0)
        return husk_error (err, errno, "create exec fifo");
      c->launch.fifo_fd = openat (c->dir_fd, HUSK_EXEC_FIFO, O_PATH | O_CLOEXEC);
      if (c->launch.fifo_fd < 0)
        return husk_error (err, errno, "open exec fifo");
    }
  return 0;
}

/* Whether linux.resources asks for any limit a cgroup would enforce (the
   device rules alone do not count: without a cgroup an unprivileged user
   cannot make device nodes anyway). */
static bool
wants_limits (const struct husk_resources *res)
{
  __attribute__ ((cleanup (husk_cgroup_writes_free))) struct husk_cgroup_writes w = { 0 };
  cleanup_err husk_err_t *ignored = NULL;
  return res && (husk_cgroup_translate (res, &w, &ignored) < 0 || w.n > 0);
}

static int
make_cgroup (struct creation *c, const struct husk_context *ctx, husk_err_t **err)
{
  (void)ctx;
  const struct husk_linux *lx = c->spec->linux_;
  bool unprivileged = geteuid () != 0;
  struct husk_cgroup_config cfg = {
    .resources = lx ? lx->resources : NULL,
    .devices = lx ? lx->devices : NULL,
    .n_devices = lx ? lx->n_devices : 0,
    .no_device_filter = unprivileged, /* loading one needs CAP_BPF or CAP_SYS_ADMIN */
  };
  if (!cfg.no_device_filter && husk_cgroup_device_filter_build (&cfg, &c->device_filter, err) < 0)
    return -1;
  cleanup_err husk_err_t *cg_err = NULL;
  int probe = -1;
  c->cgroup_existed = husk_cgroup_open (c->state.cgroup, &probe, NULL) == 0;
  closep (&probe);
  if (husk_cgroup_create (c->state.cgroup, &cfg, &c->cgroup_fd, &cg_err) == 0)
    return 0;
  /* As runc rootless: without a delegated cgroup, go on without one unless
     limits were asked for. */
  bool denied = cg_err->errnum == EACCES || cg_err->errnum == EPERM || cg_err->errnum == EROFS;
  if (unprivileged && denied && !wants_limits (cfg.resources))
    {
      husk_log_debug ("no cgroup: uid %u may not create `/%s` (%s)", (unsigned)geteuid (),
                      c->state.cgroup, strerror (cg_err->errnum));
      free (steal_pointer (&c->state.cgroup));
      husk_bpf_prog_free (&c->device_filter);
      return 0;
    }
  *err = steal_pointer (&cg_err);
  if (unprivileged && denied)
    husk_error_prefix (err,
                       "linux.resources need cgroup `/%s`, which uid %u may not create "
                       "(no cgroup delegation)",
                       c->state.cgroup, (unsigned)geteuid ());
  free (steal_pointer (&c->state.cgroup)); /* nothing to remove */
  return -1;
}

static int
spawn_init (struct creation *c, husk_err_t **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return husk_error (err, errno, "sync socketpair");
  c->sync_fd = sv[0];
  c->launch.sync_fd = sv[1];
  husk_signals_block (&c->launch.sigmask);
  int saved_pidns = -1;
  if (husk_ns_pid_enter (&c->launch.ns, &saved_pidns, err) < 0)
    return -1;
  struct husk_ns_plan *ns = &c->launch.ns;
  pid_t pid = husk_ns_needs_userns_clone (ns)
                  ? husk_ns_clone_in_userns (ns, c->cgroup_fd, &c->pidfd, err)
                  : husk_clone3 (ns->clone_flags, c->cgroup_fd, &c->pidfd, err);
  if (pid == 0)
    {
      close (c->sync_fd);
      husk_init_run (&c->launch);
    }
  if (pid > 0)
    c->pid = pid;
  /* back to our own pid namespace, after a failed clone too */
  if (husk_ns_pid_leave (&saved_pidns, err) < 0 || pid < 0)
    return -1;
  closep (&c->launch.sync_fd);
  husk_ns_plan_close (&c->launch.ns);
  return 0;
}

/* The parent's part of the namespaces, once the child has them. */
static int
setup_namespaces (struct creation *c, husk_err_t **err)
{
  const struct husk_linux *lx = c->spec->linux_;
  if (c->launch.new_userns && husk_ns_write_idmaps (c->pid, lx, err) < 0)
    return -1;
  if ((c->launch.ns.unshare_flags & CLONE_NEWTIME) && lx->time_offsets
      && husk_ns_write_time_offsets (c->pid, lx->time_offsets, err) < 0)
    return -1;
  if (lx && lx->n_net_devices)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/net", c->pid);
      cleanup_close int netns = open (path, O_RDONLY | O_CLOEXEC);
      if (netns < 0)
        return husk_error (err, errno, "open `%s`", path);
      if (husk_netdev_move_all (lx, netns, err) < 0)
        return -1;
    }
  return 0;
}

static char *
creating_state_json (struct creation *c)
{
  c->state.pid = c->pid;
  return husk_state_json (&c->state, HUSK_STATUS_CREATING, false);
}

/* The state with the init's pid: from here `delete` and `state` know the
   container.  The pid file too. */
static int
commit (struct creation *c, husk_err_t **err)
{
  const struct husk_create_opts *o = c->opts;
  if (c->state_written)
    return 0;
  struct husk_proc_stat ps;
  if (husk_proc_stat (c->pid, &ps) < 0)
    return husk_error (err, ESRCH, "container init exited during setup");
  c->state.pid = c->pid;
  c->state.start_time = ps.start_time;
  if (husk_state_write (c->dir_fd, &c->state, true, err) < 0)
    return -1;
  if (o->pid_file && husk_write_pid_file (o->pid_file, c->pid, err) < 0)
    return -1;
  c->state_written = true;
  return 0;
}

/* What the parent does while the init sets up, before it handles READY (so
   before START and anything of the container runs): load the device filter
   (the verifier takes a few hundred microseconds) and keep the config copy.
   Done once.  The init's own device work (mknod, the console's ptmx) is
   allowed whether the filter is on yet or not: runc's default rules and the
   linux.devices entries come last in it, after the config's rules. */
static int
while_init_sets_up (struct creation *c, husk_err_t **err)
{
  if (c->device_filter.n > 0)
    {
      if (husk_cgroup_device_filter_apply (c->cgroup_fd, &c->device_filter, err) < 0)
        return -1;
      husk_bpf_prog_free (&c->device_filter);
    }
  if (c->config_json)
    {
      if (husk_state_write_config (c->dir_fd, c->config_json, c->config_len, err) < 0)
        return -1;
      free (steal_pointer (&c->config_json));
    }
  /* run: what the init would wait for after READY is done by now, so its
     SYNC_START can wait for it in the socket instead (the filter is on and
     the state written before it may exec) */
  if (c->early_start)
    {
      /* once; a failure shows again where it counts: the init's own error
         comes next on the socket, or commit fails again after READY.  The
         mark keeps the status "creating" (not "running") until READY. */
      cleanup_err husk_err_t *early = NULL;
      c->early_start = false;
      int mark = openat (c->dir_fd, HUSK_CREATING_MARK,
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (mark >= 0)
        {
          close (mark);
          c->marked = true;
          if (commit (c, &early) == 0
              && husk_sync_send (c->sync_fd, SYNC_START, 0, NULL, -1, &early) == 0)
            c->start_sent = true;
        }
    }
  return 0;
}

/* Serve the init's requests until it is READY or, with until_exec, until
   execve closes the socket (EOF). */
static int
serve_init (struct creation *c, bool until_exec, husk_err_t **err)
{
  for (;;)
    {
      /* not while the init waits for its id maps: it would wait longer */
      if ((c->ns_served || !c->launch.ns_request) && while_init_sets_up (c, err) < 0)
        return -1;
      struct husk_sync_msg msg;
      cleanup_close int fd = -1;
      cleanup_err husk_err_t *recv_err = NULL;
      if (husk_sync_recv (c->sync_fd, &msg, &fd, &recv_err) < 0)
        {
          if (until_exec && recv_err->errnum == 0)
            return 0; /* EOF: execve happened */
          return husk_error (err, recv_err->errnum, "%s", recv_err->msg);
        }
      switch (msg.type)
        {
        case SYNC_ERROR:
          return husk_error (err, msg.errnum, "%s", msg.text);
        case SYNC_NAMESPACES:
          if (setup_namespaces (c, err) < 0
              || husk_sync_send (c->sync_fd, SYNC_NAMESPACES_DONE, 0, NULL, -1, err) < 0)
            return -1;
          c->ns_served = true;
          break;
        case SYNC_CONSOLE:
          if (c->console_sock >= 0)
            {
              if (husk_send_fd (c->console_sock, fd, "console", 7, err) < 0)
                return husk_error_prefix (err, "console socket");
            }
          else
            c->console_master = steal_fd (&fd);
          break;
        case SYNC_HOOKS:
          {
            cleanup_free char *json = creating_state_json (c);
            if (husk_hooks_run (c->spec, HUSK_HOOK_PRESTART, json, err) < 0
                || husk_hooks_run (c->spec, HUSK_HOOK_CREATE_RUNTIME, json, err) < 0)
              return -1;
            /* the init makes the state for its hooks itself: it lacks only its pid */
            if (husk_sync_send (c->sync_fd, SYNC_HOOKS_DONE, c->pid, NULL, -1, err) < 0)
              return -1;
            break;
          }
        case SYNC_SECCOMP:
          {
            /* without listenerPath nobody listens: the fd closes here, and the
               syscalls the rules notify about fail with ENOSYS */
            const struct husk_seccomp *sc = c->spec->linux_->seccomp;
            cleanup_free char *json = creating_state_json (c);
            if (sc->listener_path
                && husk_seccomp_send_listener (sc->listener_path, fd, c->pid, json,
                                               sc->listener_metadata, err)
                       < 0)
              return -1;
            if (husk_sync_send (c->sync_fd, SYNC_SECCOMP_DONE, 0, NULL, -1, err) < 0)
              return -1;
            break;
          }
        case SYNC_READY:
          if (until_exec)
            break;
          if (while_init_sets_up (c, err) < 0)
            return -1;
          /* execCPUAffinity.final: the init is in its cgroup and stays put until exec */
          if (c->launch.settings.affinity.has_final
              && husk_cpu_affinity_apply (c->pid, &c->launch.settings.affinity.final, "final", err)
                     < 0)
            return -1;
          return 0;
        default:
          return husk_error (err, 0, "sync: unexpected message %u", msg.type);
        }
    }
}

/* Everything up to a committed `created` container.  For run, the init is
   left waiting for SYNC_START instead of the exec fifo. */
static int
create (struct creation *c, const struct husk_context *ctx, const struct husk_create_opts *o,
        bool run, husk_err_t **err)
{
  if (husk_id_validate (o->id, err) < 0)
    return -1;
  c->state.id = xstrdup (o->id);
  c->opts = o;
  if (load_bundle (c, o, err) < 0 || resolve_launch (c, ctx, o, err) < 0
      || protect_exe (c, err) < 0)
    return -1;
  /* not when the init still has questions after setup starts (hooks, a
     seccomp listener: their answers must not come after a queued
     SYNC_START), when the parent acts on it at READY (final affinity), with
     a pid file (written only once setup has succeeded), or with a terminal
     (handing it on may fail, and must before anything runs) */
  const struct husk_seccomp_prog *sc = c->launch.seccomp;
  c->early_start = run && !c->launch.hooks_before_pivot && !(sc && sc->notify)
                   && !c->launch.settings.affinity.has_final && !o->pid_file
                   && !c->spec->process->terminal; /* the console is passed on first */
  if (c->spec->process->terminal && o->console_socket
      && (c->console_sock = husk_unix_connect (o->console_socket, "console socket", err)) < 0)
    return -1;
  if (resolve_cgroup (c, ctx, err) < 0 || make_state_dir (c, ctx, run, err) < 0
      || make_cgroup (c, ctx, err) < 0)
    return -1;
  if (spawn_init (c, err) < 0 || serve_init (c, false, err) < 0 || commit (c, err) < 0)
    return -1;
  c->state.annotations = NULL; /* owned by spec */
  c->state.n_annotations = 0;
  if (!run)
    {
      if (husk_sync_send (c->sync_fd, SYNC_COMMIT, 0, NULL, -1, err) < 0
          || husk_sync_expect (c->sync_fd, SYNC_COMMIT, NULL, err) < 0)
        return -1;
      c->committed = true;
    }
  return 0;
}

int
husk_container_create (const struct husk_context *ctx, const struct husk_create_opts *o,
                       husk_err_t **err)
{
  struct creation c;
  creation_init (&c);
  int r = create (&c, ctx, o, false, err);
  creation_release (&c);
  return r;
}

/* run: after SYNC_START the init execs; the sync socket closes on exec
   (close-on-exec) or carries the exec error. */
static int
start_now (struct creation *c, husk_err_t **err)
{
  if (!c->start_sent && husk_sync_send (c->sync_fd, SYNC_START, 0, NULL, -1, err) < 0)
    return -1;
  /* READY came: no longer "creating" (while the init goes on to exec) */
  if (c->marked)
    unlinkat (c->dir_fd, HUSK_CREATING_MARK, 0);
  /* until the exec: its failure comes back on the socket */
  if (serve_init (c, true, err) < 0)
    return -1;
  c->committed = true;
  if (husk_hooks_any (c->spec, HUSK_HOOK_POSTSTART))
    {
      struct husk_state st = c->state; /* its annotations are the spec's again */
      st.annotations = c->spec->annotations;
      st.n_annotations = c->spec->n_annotations;
      cleanup_free char *json = husk_state_json (&st, HUSK_STATUS_RUNNING, false);
      cleanup_err husk_err_t *hook_err = NULL;
      if (husk_hooks_run (c->spec, HUSK_HOOK_POSTSTART, json, &hook_err) < 0)
        husk_log_warn ("%s", hook_err->msg);
    }
  return 0;
}

int
husk_container_run (const struct husk_context *ctx, const struct husk_create_opts *o,
                    int *exit_code, husk_err_t **err)
{
  struct creation c;
  creation_init (&c);
  *exit_code = 0;
  int r = create (&c, ctx, o, true, err);
  if (r == 0)
    r = start_now (&c, err);
  /* other commands (kill, delete) must not wait for us while we wait; the
     directory stays open, so no other can take its inode number meanwhile
     (delete_own tells ours from a successor's by it) */
  if (r == 0)
    flock (c.dir_fd, LOCK_UN);
  if (r == 0 && !o->detach)
    {
      if (c.console_master >= 0)
        r = husk_terminal_proxy (c.console_master, c.pid, c.pidfd, exit_code, err);
      else
        r = husk_wait_forward (c.pid, c.pidfd, exit_code, err);
    }
  if (c.committed && !o->detach && !o->keep)
    {
      struct husk_state st = c.state; /* its annotations are the spec's again */
      st.annotations = c.spec->annotations;
      st.n_annotations = c.spec->n_annotations;
      cleanup_err husk_err_t *del_err = NULL;
      if (husk_container_delete_own (ctx, &st, c.dir_fd, &del_err) < 0)
        husk_log_warn ("delete after run: %s", del_err->msg);
    }
  creation_release (&c);
  return r;
}
