/* exec: see include/husk/exec.h.  The process is cloned into the
   container's cgroup and pid namespace (the parent enters the pid namespace
   for its children only), then joins the other namespaces through the
   init's pidfd, and finishes like the init does. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/caps.h"
#include "husk/cgroup.h"
#include "husk/exe.h"
#include "husk/devices.h"
#include "husk/exec.h"
#include "husk/fs.h"
#include "husk/log.h"
#include "husk/lsm.h"
#include "husk/process.h"
#include "husk/process_setup.h"
#include "husk/rlimits.h"
#include "husk/seccomp.h"
#include "husk/sync.h"
#include "husk/terminal.h"
#include "husk/util.h"
#include "husk/validate.h"

struct exec_launch
{
  const struct husk_process *process;
  int pidfd;      /* the container's init */
  int join_flags; /* CLONE_NEW* the child joins through pidfd */
  int sync_fd;    /* child's end */
  int preserve_fds;
  bool has_caps;
  struct husk_cap_sets caps;
  struct husk_rlimit_setting *rlimits;
  size_t n_rlimits;
  struct husk_seccomp_prog *seccomp;
  sigset_t sigmask;
  struct husk_exe_plan exe;
  int proc_fd; /* the host's /proc, for an LSM label; -1 when none is asked */
};

/* ---- the child ---- */

static int
exec_console (const struct exec_launch *l, husk_err_t **err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return husk_error (err, errno, "open container root");
  /* the same verified ptmx as the init's console (devpts, 5:2) */
  cleanup_close int master = -1;
  cleanup_close int peer = husk_pty_open (root, l->process, &master, err);
  if (peer < 0)
    return -1;
  if (husk_sync_send (l->sync_fd, SYNC_CONSOLE, 0, NULL, master, err) < 0)
    return -1;
  if (setsid () < 0)
    return husk_error (err, errno, "setsid");
  return husk_attach_console (peer, err);
}

static int
exec_seccomp (const struct exec_launch *l, husk_err_t **err)
{
  return husk_setup_seccomp (l->seccomp, l->sync_fd, err);
}

/* Move the fds to keep that sit at or above *first to *first, *first + 1,
   ..., so that one close_range above them leaves only them.  Copies above
   the final places first, so that no move overwrites another kept fd. */
static int
pack_fds (int *const keep[], size_t n, unsigned *first, husk_err_t **err)
{
  int high[n];
  for (size_t i = 0; i < n; i++)
    if (*keep[i] >= (int)*first
        && (high[i] = fcntl (*keep[i], F_DUPFD_CLOEXEC, (int)(*first + n))) < 0)
      return husk_error (err, errno, "move inherited fd %d", *keep[i]);
  for (size_t i = 0; i < n; i++)
    if (*keep[i] >= (int)*first)
      {
        if (dup3 (high[i], (int)*first, O_CLOEXEC) < 0)
          return husk_error (err, errno, "move inherited fd %d", *keep[i]);
        *keep[i] = (int)(*first)++;
      }
  return 0;
}

static int
exec_sequence (struct exec_launch *l, char **exe, husk_err_t **err)
{
  const struct husk_process *p = l->process;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* LSM attributes are written through the host's procfs, opened before we
     enter the container's mount namespace, where /proc is the container's */
  if ((p->apparmor_profile || p->selinux_label)
      && (l->proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return husk_error (err, errno, "open /proc");
  if (l->join_flags && setns (l->pidfd, l->join_flags) < 0)
    return husk_error (err, errno, "join the container's namespaces");
  close (l->pidfd);
  /* only stdio, the preserved fds, our sync socket, the trampoline and the
     procfs handle stay */
  unsigned first = 3 + (unsigned)l->preserve_fds;
  int *keep[3];
  size_t n_keep = 0;
  keep[n_keep++] = &l->sync_fd;
  if (l->exe.dmz_fd >= 0)
    keep[n_keep++] = &l->exe.dmz_fd;
  if (l->proc_fd >= 0)
    keep[n_keep++] = &l->proc_fd;
  if (pack_fds (keep, n_keep, &first, err) < 0)
    return -1;
  if (syscall (SYS_close_range, first, ~0U, 0) < 0)
    return husk_error (err, errno, "close inherited fds");
  if (p->terminal && exec_console (l, err) < 0)
    return -1;
  if (husk_rlimits_apply (l->rlimits, l->n_rlimits, 0, err) < 0)
    return -1;
  if (husk_setup_cwd (p->cwd, err) < 0 || husk_find_executable (p, exe, err) < 0)
    return -1;
  if (l->proc_fd >= 0 && husk_lsm_apply_exec (p, l->proc_fd, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return husk_error (err, errno, "set no_new_privs");
  if (!p->no_new_privileges && exec_seccomp (l, err) < 0)
    return -1;
  /* non-dumpable since clone; a new uid may have undone it (exe.h) */
  if (husk_setup_user (&p->user, err) < 0 || husk_exe_hide (&l->exe, err) < 0)
    return -1;
  if (l->has_caps && husk_caps_apply (&l->caps, err) < 0)
    return -1;
  if (husk_sync_send (l->sync_fd, SYNC_READY, 0, NULL, -1, err) < 0
      || husk_sync_expect (l->sync_fd, SYNC_START, NULL, err) < 0)
    return -1;
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (p->no_new_privileges && exec_seccomp (l, err) < 0)
    return -1;
  return 0;
}

__attribute__ ((noreturn)) static void
exec_child (struct exec_launch *l)
{
  husk_err_t *err = NULL;
  char *exe = NULL;
  if (exec_sequence (l, &exe, &err) < 0)
    husk_sync_fail (l->sync_fd, err);
  sigprocmask (SIG_SETMASK, &l->sigmask, NULL);
  husk_exe_exec (&l->exe, l->sync_fd, exe, l->process->args, husk_process_envp (l->process), &err);
  husk_sync_fail (l->sync_fd, err);
}

/* ---- the parent ---- */

/* The process: --process FILE, or the container's own process with the
   flags applied (as runc). */
static int
build_process (const struct husk_exec_opts *o, int dfd, const struct husk_state *st,
               struct husk_process **out, struct husk_spec **spec_out, husk_err_t **err)
{
  if (husk_state_load_config (dfd, st, spec_out, err) < 0)
    return -1;
  if (o->process_file)
    {
      cleanup_free char *json = NULL;
      size_t len;
      if (husk_read_file_at (AT_FDCWD, o->process_file, &json, &len, err) < 0)
        return -1;
      return husk_process_parse (json, len, out, err);
    }
  struct husk_process *base = (*spec_out)->process;
  if (base == NULL)
    return husk_error (err, 0, "container \"%s\" has no process in config.json", st->id);
  (*spec_out)->process = NULL; /* ours now */
  strv_free (base->args);
  base->args = strv_dup (o->args);
  base->n_args = strv_len (base->args);
  base->terminal = o->tty;
  for (char **e = o->env; e && *e; e++)
    {
      base->env = xrealloc (base->env, (base->n_env + 2) * sizeof (char *));
      base->env[base->n_env++] = xstrdup (*e);
      base->env[base->n_env] = NULL;
    }
  if (o->cwd)
    {
      free (base->cwd);
      base->cwd = xstrdup (o->cwd);
    }
  if (o->no_new_privs)
    base->no_new_privileges = true;
  if (o->apparmor)
    {
      free (base->apparmor_profile);
      base->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (base->selinux_label);
      base->selinux_label = xstrdup (o->process_label);
    }
  if (o->user)
    {
      unsigned uid, gid;
      int n = sscanf (o->user, "%u:%u", &uid, &gid);
      if (n < 1)
        {
          husk_process_free (base);
          return husk_error (err, 0, "invalid --user \"%s\": want UID[:GID]", o->user);
        }
      base->user.uid = uid;
      if (n == 2)
        base->user.gid = gid;
    }
  for (char **g = o->additional_gids; g && *g; g++)
    {
      int gid;
      if (husk_parse_int (*g, &gid) < 0 || gid < 0)
        {
          husk_process_free (base);
          return husk_error (err, 0, "invalid --additional-gids \"%s\"", *g);
        }
      base->user.additional_gids = xrealloc (
          base->user.additional_gids, (base->user.n_additional_gids + 1) * sizeof (uint32_t));
      base->user.additional_gids[base->user.n_additional_gids++] = (uint32_t)gid;
    }
  *out = base;
  return 0;
}

/* --cap adds to bounding, effective and permitted, never inheritable
   (CVE-2022-29162). */
static int
add_caps (const struct husk_exec_opts *o, struct husk_cap_sets *sets, husk_err_t **err)
{
  for (char **c = o->caps; c && *c; c++)
    {
      int cap = husk_cap_from_name (*c);
      if (cap < 0)
        return husk_error (err, 0, "--cap: unknown capability \"%s\"", *c);
      uint64_t bit = 1ULL << cap;
      sets->bounding |= bit;
      sets->effective |= bit;
      sets->permitted |= bit;
    }
  return 0;
}

/* The namespaces of the init that differ from ours (joining our own user
   namespace is an error). */
static int
namespaces_to_join (pid_t pid, int *for_children, int *in_child)
{
  *for_children = *in_child = 0;
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    {
      const struct husk_ns_info *ns = &husk_ns_table[i];
      char theirs[64], ours[64];
      snprintf (theirs, sizeof theirs, "/proc/%d/ns/%s", pid, ns->proc_name);
      snprintf (ours, sizeof ours, "/proc/self/ns/%s", ns->proc_name);
      struct stat a, b;
      if (stat (theirs, &a) < 0 || stat (ours, &b) < 0)
        continue;
      if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        continue;
      if (ns->kind == HUSK_NS_PID || ns->kind == HUSK_NS_TIME)
        *for_children |= ns->clone_flag;
      else
        *in_child |= ns->clone_flag;
    }
  return 0;
}

struct exec_run
{
  struct husk_spec *spec;
  struct husk_process *process;
  struct exec_launch launch;
  int sync_fd, console_sock, console_master, cgroup_fd, pidfd;
  pid_t pid;
};

static void
exec_run_release (struct exec_run *r)
{
  int *fds[] = { &r->sync_fd, &r->console_sock, &r->console_master, &r->cgroup_fd,
                 &r->pidfd,   &r->launch.pidfd, &r->launch.sync_fd, &r->launch.exe.dmz_fd };
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    closep (fds[i]);
  free (r->launch.rlimits);
  husk_seccomp_prog_free (r->launch.seccomp);
  husk_process_free (r->process);
  husk_spec_free (r->spec);
}

/* CAP_SYS_PTRACE for the container's own processes, from its config
   (without --process, the exec'd process is that config's with the flags
   applied, and capabilities untouched by them). */
static bool
container_ptrace (const struct exec_run *r, const struct husk_exec_opts *o)
{
  const struct husk_process *p = o->process_file ? r->spec->process : r->process;
  if (p == NULL || p->capabilities == NULL)
    return true;
  struct husk_cap_sets sets;
  return husk_caps_resolve (p->capabilities, &sets, NULL) < 0 || husk_exe_caps_ptrace (true, &sets);
}

/* Before any side effect: it may re-exec husk from the top (exe.h).  An
   exec with CAP_SYS_PTRACE leaves a mark: its processes may outlive it and
   watch the children of later execs. */
static int
protect_exe (struct exec_run *r, int dfd, const struct husk_exec_opts *o, husk_err_t **err)
{
  struct husk_exe_facts facts;
  husk_exe_facts_from_spec (r->spec, r->process, &facts);
  bool mine = husk_exe_caps_ptrace (r->launch.has_caps, &r->launch.caps);
  if (mine && !facts.own_userns)
    {
      int fd
          = openat (dfd, HUSK_EXE_PTRACE_MARK, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd < 0)
        return husk_error (err, errno, "record an exec with CAP_SYS_PTRACE");
      close (fd);
    }
  facts.ptrace = mine || container_ptrace (r, o)
                 || faccessat (dfd, HUSK_EXE_PTRACE_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  return husk_exe_protect (&facts, &r->launch.exe, err);
}

static int
prepare (struct exec_run *r, const struct husk_context *ctx, const struct husk_exec_opts *o,
         husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, o->id, &dfd, &st, err) < 0)
    return -1;
  enum husk_status s = husk_state_status (dfd, st);
  if (s == HUSK_STATUS_STOPPED)
    return husk_error (err, 0, "cannot exec in a stopped container");
  if (s == HUSK_STATUS_PAUSED && !o->ignore_paused)
    return husk_error (err, 0, "cannot exec in a paused container (use --ignore-paused)");
  if (build_process (o, dfd, st, &r->process, &r->spec, err) < 0)
    return -1;
  if (husk_process_validate (r->process, "process", err) < 0
      || husk_lsm_check (r->process, NULL, "exec: process", err) < 0)
    return -1;
  struct exec_launch *l = &r->launch;
  l->process = r->process;
  l->preserve_fds = o->preserve_fds;
  if (r->process->capabilities || o->caps)
    {
      l->has_caps = true;
      if (r->process->capabilities
          && husk_caps_resolve (r->process->capabilities, &l->caps, err) < 0)
        return -1;
      if (add_caps (o, &l->caps, err) < 0)
        return -1;
    }
  if (husk_rlimits_resolve (r->process->rlimits, r->process->n_rlimits, &l->rlimits, err) < 0)
    return -1;
  l->n_rlimits = r->process->n_rlimits;
  if (protect_exe (r, dfd, o, err) < 0)
    return -1;
  if (r->spec->linux_ && r->spec->linux_->seccomp)
    {
      cleanup_free char *cache = xasprintf ("%s/.seccomp-cache", ctx->root);
      if (husk_seccomp_compile (r->spec->linux_->seccomp, cache, &l->seccomp, err) < 0)
        return -1;
    }
  if (r->process->terminal && o->detach && o->console_socket == NULL)
    return husk_error (err, 0,
                       "cannot allocate a terminal for a detached exec without "
                       "--console-socket");
  if (r->process->terminal && o->console_socket
      && (r->console_sock = husk_unix_connect (o->console_socket, "console socket", err)) < 0)
    return -1;
  r->pidfd = husk_pidfd_open (st->pid);
  if (r->pidfd < 0 || !husk_state_pid_alive (st))
    return husk_error (err, 0, "container not running");
  l->pidfd = fcntl (r->pidfd, F_DUPFD_CLOEXEC, 0);
  if (st->cgroup)
    {
      cleanup_free char *path
          = o->cgroup ? xasprintf ("%s/%s", st->cgroup, o->cgroup) : xstrdup (st->cgroup);
      if (husk_cgroup_open (path, &r->cgroup_fd, err) < 0)
        return -1;
    }
  int for_children;
  namespaces_to_join (st->pid, &for_children, &l->join_flags);
  /* An unprivileged caller may enter them only from inside the container's
     user namespace (its own): setns joins that one first. */
  if (for_children && geteuid () != 0 && (l->join_flags & CLONE_NEWUSER))
    {
      for_children |= CLONE_NEWUSER;
      l->join_flags &= ~CLONE_NEWUSER;
    }
  /* pid and time namespaces apply to our children only */
  if (for_children && setns (r->pidfd, for_children) < 0)
    return husk_error (err, errno, "enter the container's pid namespace");
  return 0;
}

static int
spawn (struct exec_run *r, husk_err_t **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return husk_error (err, errno, "sync socketpair");
  r->sync_fd = sv[0];
  r->launch.sync_fd = sv[1];
  husk_signals_block (&r->launch.sigmask);
  /* the child is non-dumpable from its first instruction */
  if (husk_exe_hide (&r->launch.exe, err) < 0)
    return -1;
  int child_pidfd = -1;
  pid_t pid = husk_clone3 (0, r->cgroup_fd, &child_pidfd, err);
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      close (r->sync_fd);
      exec_child (&r->launch);
    }
  r->pid = pid;
  closep (&r->pidfd);
  r->pidfd = child_pidfd;
  closep (&r->launch.sync_fd);
  return 0;
}

/* The child's requests until READY or, with until_exec, until execve closes
   the socket. */
static int
serve_child (struct exec_run *r, bool until_exec, husk_err_t **err)
{
  for (;;)
    {
      struct husk_sync_msg msg;
      cleanup_close int fd = -1;
      cleanup_err husk_err_t *recv_err = NULL;
      if (husk_sync_recv (r->sync_fd, &msg, &fd, &recv_err) < 0)
        {
          if (until_exec && recv_err->errnum == 0)
            return 0;
          return husk_error (err, recv_err->errnum, "%s", recv_err->msg);
        }
      if (msg.type == SYNC_ERROR)
        return husk_error (err, msg.errnum, "%s", msg.text);
      if (msg.type == SYNC_CONSOLE)
        {
          if (r->console_sock >= 0)
            {
              if (husk_send_fd (r->console_sock, fd, "console", 7, err) < 0)
                return -1;
            }
          else
            r->console_master = steal_fd (&fd);
        }
      else if (msg.type == SYNC_SECCOMP)
        {
          const struct husk_seccomp *sc = r->spec->linux_->seccomp;
          if (sc->listener_path
              && husk_seccomp_send_listener (sc->listener_path, fd, r->pid, "{}",
                                             sc->listener_metadata, err)
                     < 0)
            return -1;
          if (husk_sync_send (r->sync_fd, SYNC_SECCOMP_DONE, 0, NULL, -1, err) < 0)
            return -1;
        }
      else if (msg.type == SYNC_READY && !until_exec)
        return 0;
    }
}

static int
serve (struct exec_run *r, const struct husk_exec_opts *o, husk_err_t **err)
{
  if (serve_child (r, false, err) < 0)
    return -1;
  if (o->pid_file && husk_write_pid_file (o->pid_file, r->pid, err) < 0)
    return -1;
  if (husk_sync_send (r->sync_fd, SYNC_START, 0, NULL, -1, err) < 0)
    return -1;
  /* until EOF (execve closed the socket), serving a late seccomp listener */
  return serve_child (r, true, err);
}

int
husk_container_exec (const struct husk_context *ctx, const struct husk_exec_opts *o, int *exit_code,
                     husk_err_t **err)
{
  struct exec_run r
      = { .sync_fd = -1, .console_sock = -1, .console_master = -1, .cgroup_fd = -1, .pidfd = -1 };
  r.launch.pidfd = r.launch.sync_fd = r.launch.proc_fd = -1;
  r.launch.exe = (struct husk_exe_plan)HUSK_EXE_PLAN_INIT;
  *exit_code = 0;
  int ret = prepare (&r, ctx, o, err);
  if (ret == 0)
    ret = spawn (&r, err);
  if (ret == 0)
    ret = serve (&r, o, err);
  if (ret < 0 && r.pid > 0)
    {
      kill (r.pid, SIGKILL);
      waitpid (r.pid, NULL, 0);
    }
  else if (ret == 0 && !o->detach)
    {
      if (r.console_master >= 0)
        ret = husk_terminal_proxy (r.console_master, r.pid, r.pidfd, exit_code, err);
      else
        ret = husk_wait_forward (r.pid, r.pidfd, exit_code, err);
    }
  exec_run_release (&r);
  return ret;
}
