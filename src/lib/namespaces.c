/* Namespaces: see include/husk/namespaces.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/namespaces.h"
#include "husk/process.h"
#include "husk/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The namespaces a child unshares itself when it joins a user namespace:
   all but pid (unshare moves only the caller's children into a new one). */
#define UNSHARE_UNDER_JOINED_USERNS                                                                \
  (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWTIME)

static int
open_ns_path (const struct husk_namespace *ns, size_t i, int *out, husk_err_t **err)
{
  const struct husk_ns_info *info = &husk_ns_table[ns->type];
  cleanup_close int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "linux.namespaces[%zu].path: open `%s`", i, ns->path);
  int type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0)
    return husk_error (err, errno, "linux.namespaces[%zu].path: `%s` is not a namespace", i,
                       ns->path);
  if (type != info->clone_flag)
    return husk_error (err, 0, "linux.namespaces[%zu].path: `%s` is not a %s namespace", i,
                       ns->path, info->name);
  *out = steal_fd (&fd);
  return 0;
}

int
husk_ns_plan_build (const struct husk_spec *spec, struct husk_ns_plan *plan, husk_err_t **err)
{
  plan->clone_flags = 0;
  plan->unshare_flags = 0;
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    plan->join_fds[i] = -1;
  const struct husk_linux *lx = spec->linux_;
  int new_flags = 0;
  for (size_t i = 0; lx && i < lx->n_namespaces; i++)
    {
      const struct husk_namespace *ns = &lx->namespaces[i];
      if (ns->path == NULL)
        new_flags |= husk_ns_table[ns->type].clone_flag;
      else if (open_ns_path (ns, i, &plan->join_fds[ns->type], err) < 0)
        {
          husk_ns_plan_close (plan);
          return -1;
        }
    }
  if (plan->join_fds[HUSK_NS_USER] >= 0)
    {
      plan->unshare_flags = new_flags & UNSHARE_UNDER_JOINED_USERNS;
      new_flags &= ~UNSHARE_UNDER_JOINED_USERNS; /* left: CLONE_NEWPID, made by a helper */
    }
  else if (lx && lx->time_offsets && (new_flags & CLONE_NEWTIME))
    {
      plan->unshare_flags = CLONE_NEWTIME;
      new_flags &= ~CLONE_NEWTIME;
    }
  plan->clone_flags = (uint64_t)new_flags;
  return 0;
}

void
husk_ns_plan_close (struct husk_ns_plan *plan)
{
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    closep (&plan->join_fds[i]);
}

/* ---- the pid namespace, entered by clone3 ---- */

int
husk_ns_pid_enter (struct husk_ns_plan *plan, int *saved, husk_err_t **err)
{
  *saved = -1;
  if (plan->join_fds[HUSK_NS_PID] < 0)
    return 0;
  cleanup_close int ours = open ("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
  if (ours < 0)
    return husk_error (err, errno, "open /proc/self/ns/pid_for_children");
  if (setns (plan->join_fds[HUSK_NS_PID], CLONE_NEWPID) < 0)
    return husk_error (err, errno, "join the pid namespace");
  *saved = steal_fd (&ours);
  return 0;
}

int
husk_ns_pid_leave (int *saved, husk_err_t **err)
{
  if (*saved < 0)
    return 0;
  int r = setns (*saved, CLONE_NEWPID);
  closep (saved);
  if (r < 0)
    return husk_error (err, errno, "return to the runtime's pid namespace");
  return 0;
}

/* ---- child ---- */

/* Joined as the runtime's privileged self, before the user namespace; pid
   is not here: the parent entered it through clone3. */
static const enum husk_ns_kind join_order[] = {
  HUSK_NS_IPC, HUSK_NS_UTS, HUSK_NS_NETWORK, HUSK_NS_TIME, HUSK_NS_CGROUP, HUSK_NS_MOUNT,
};

static int
join_one (const struct husk_ns_plan *plan, enum husk_ns_kind k, husk_err_t **err)
{
  if (plan->join_fds[k] >= 0 && setns (plan->join_fds[k], husk_ns_table[k].clone_flag) < 0)
    return husk_error (err, errno, "join the %s namespace", husk_ns_table[k].name);
  return 0;
}

int
husk_ns_join (const struct husk_ns_plan *plan, husk_err_t **err)
{
  for (size_t i = 0; i < ARRAY_SIZE (join_order); i++)
    if (join_one (plan, join_order[i], err) < 0)
      return -1;
  if (join_one (plan, HUSK_NS_USER, err) < 0)
    return -1;
  if (plan->unshare_flags && unshare (plan->unshare_flags) < 0)
    return husk_error (err, errno, "unshare the new namespaces");
  return 0;
}

bool
husk_ns_needs_userns_clone (const struct husk_ns_plan *plan)
{
  return (plan->clone_flags & CLONE_NEWPID) && plan->join_fds[HUSK_NS_USER] >= 0;
}

/* A new pid namespace must belong to the joined user namespace, and a
   process can only be born into one: a helper joins the user namespace and
   clones the init with CLONE_PARENT, so the init is still our child. */
pid_t
husk_ns_clone_in_userns (struct husk_ns_plan *plan, int cgroup_fd, int *pidfd, husk_err_t **err)
{
  int report[2];
  if (pipe2 (report, O_CLOEXEC) < 0)
    return husk_error (err, errno, "pipe");
  pid_t helper = fork ();
  if (helper < 0)
    {
      close (report[0]);
      close (report[1]);
      return husk_error (err, errno, "fork");
    }
  if (helper == 0)
    {
      close (report[0]);
      long r = -EPERM;
      if (setns (plan->join_fds[HUSK_NS_USER], CLONE_NEWUSER) < 0)
        r = -errno;
      else
        {
          closep (&plan->join_fds[HUSK_NS_USER]); /* joined, for the init too */
          struct clone_args args = { .flags = plan->clone_flags | CLONE_PARENT };
          if (cgroup_fd >= 0)
            {
              args.flags |= CLONE_INTO_CGROUP;
              args.cgroup = (uint64_t)cgroup_fd;
            }
          r = syscall (SYS_clone3, &args, sizeof args);
          if (r == 0)
            {
              close (report[1]);
              return 0; /* the init */
            }
          if (r < 0)
            r = -errno;
        }
      _exit (write (report[1], &r, sizeof r) == sizeof r ? 0 : 1);
    }
  close (report[1]);
  long r = -EPIPE;
  if (read (report[0], &r, sizeof r) != sizeof r)
    r = -EPIPE;
  close (report[0]);
  waitpid (helper, NULL, 0);
  if (r < 0)
    return husk_error (err, (int)-r, "clone3 in the joined user namespace");
  *pidfd = husk_pidfd_open ((pid_t)r);
  if (*pidfd < 0)
    {
      int e = errno;
      kill ((pid_t)r, SIGKILL); /* ours (CLONE_PARENT): nobody else would reap it */
      waitpid ((pid_t)r, NULL, 0);
      return husk_error (err, e, "pidfd_open");
    }
  return (pid_t)r;
}

int
husk_ns_enter_time (int proc_fd, husk_err_t **err)
{
  cleanup_close int fd = openat (proc_fd, "self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "open /proc/self/ns/time_for_children");
  if (setns (fd, CLONE_NEWTIME) < 0)
    return husk_error (err, errno, "enter the new time namespace");
  return 0;
}

/* ---- parent: maps and offsets ---- */

/* One of the two maps, and the setuid tool (Debian's `uidmap` package) that
   writes it for an unprivileged caller after checking /etc/subuid or
   /etc/subgid. */
struct map_kind
{
  const char *file;
  const char *tool;
  bool gid;
};
static const struct map_kind uid_kind = { "uid_map", "newuidmap", false };
static const struct map_kind gid_kind = { "gid_map", "newgidmap", true };

/* user_namespaces(7): an unprivileged writer may map only its own id, as one
   line of size 1 (and, for gid_map, after denying setgroups). */
static bool
needs_tool (const struct map_kind *k, const struct husk_id_mapping *m, size_t n)
{
  if (geteuid () == 0)
    return false;
  unsigned own = k->gid ? getegid () : geteuid ();
  return !(n == 1 && m[0].host_id == own && m[0].size == 1);
}

static int
write_map_direct (pid_t pid, const struct map_kind *k, const struct husk_id_mapping *m, size_t n,
                  husk_err_t **err)
{
  char buf[4096];
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    {
      int w = snprintf (buf + used, sizeof buf - used, "%u %u %u\n", m[i].container_id,
                        m[i].host_id, m[i].size);
      if (w < 0 || (size_t)w >= sizeof buf - used)
        return husk_error (err, E2BIG, "%s: too many mappings", k->file);
      used += w;
    }
  char path[64];
  if (k->gid && geteuid () != 0)
    {
      snprintf (path, sizeof path, "/proc/%d/setgroups", pid);
      if (husk_write_file_at (AT_FDCWD, path, "deny", 4, 0, 0, err) < 0)
        return -1;
    }
  snprintf (path, sizeof path, "/proc/%d/%s", pid, k->file);
  return husk_write_file_at (AT_FDCWD, path, buf, used, 0, 0, err);
}

/* "newuidmap PID ID HOSTID SIZE ...": spawned with an empty signal mask and
   its stderr captured for the error message. */
static int
write_map_tool (pid_t pid, const struct map_kind *k, const struct husk_id_mapping *m, size_t n,
                husk_err_t **err)
{
  size_t argc = 2 + 3 * n;
  cleanup_free char **argv = xmalloc0 ((argc + 1) * sizeof (char *));
  argv[0] = xstrdup (k->tool);
  argv[1] = xasprintf ("%d", pid);
  for (size_t i = 0; i < n; i++)
    {
      argv[2 + 3 * i] = xasprintf ("%u", m[i].container_id);
      argv[3 + 3 * i] = xasprintf ("%u", m[i].host_id);
      argv[4 + 3 * i] = xasprintf ("%u", m[i].size);
    }
  char cmdline[256] = ""; /* for messages; a long one is cut */
  for (size_t i = 0, used = 0; i < argc && used < sizeof cmdline; i++)
    used += snprintf (cmdline + used, sizeof cmdline - used, "%s%s", i ? " " : "", argv[i]);

  int errp[2];
  if (pipe2 (errp, O_CLOEXEC) < 0)
    return husk_error (err, errno, "pipe");
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, errp[1], STDERR_FILENO);
  posix_spawnattr_init (&attr);
  sigset_t none;
  sigemptyset (&none);
  posix_spawnattr_setsigmask (&attr, &none);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t child;
  int r = posix_spawnp (&child, k->tool, &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  posix_spawnattr_destroy (&attr);
  close (errp[1]);
  for (size_t i = 0; i < argc; i++)
    free (argv[i]);
  if (r != 0)
    {
      close (errp[0]);
      return husk_error (err, r,
                         "cannot run `%s` (an unprivileged user needs it for these mappings; "
                         "Debian package `uidmap`)",
                         k->tool);
    }
  char out[512];
  size_t got = 0;
  ssize_t rd;
  while (
      got < sizeof out - 1
      && ((rd = read (errp[0], out + got, sizeof out - 1 - got)) > 0 || (rd < 0 && errno == EINTR)))
    got += rd > 0 ? (size_t)rd : 0;
  close (errp[0]);
  out[got] = '\0';
  while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
    out[--got] = '\0';
  int status;
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return husk_error (err, errno, "wait for `%s`", k->tool);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status))
    return husk_error (err, 0, "`%s` failed with exit status %d%s%s", cmdline, WEXITSTATUS (status),
                       got ? ": " : "", out);
  return husk_error (err, 0, "`%s` killed by signal %d", cmdline, WTERMSIG (status));
}

static int
write_map (pid_t pid, const struct map_kind *k, const struct husk_id_mapping *m, size_t n,
           husk_err_t **err)
{
  if (n == 0)
    return 0;
  if (needs_tool (k, m, n))
    return write_map_tool (pid, k, m, n, err);
  return write_map_direct (pid, k, m, n, err);
}

int
husk_ns_write_idmaps (pid_t pid, const struct husk_linux *lx, husk_err_t **err)
{
  if (write_map (pid, &uid_kind, lx->uid_mappings, lx->n_uid_mappings, err) < 0)
    return husk_error_prefix (err, "linux.uidMappings");
  if (write_map (pid, &gid_kind, lx->gid_mappings, lx->n_gid_mappings, err) < 0)
    return husk_error_prefix (err, "linux.gidMappings");
  return 0;
}

int
husk_ns_userns_with_maps (const struct husk_id_mapping *uid, size_t n_uid,
                          const struct husk_id_mapping *gid, size_t n_gid, husk_err_t **err)
{
  cleanup_close int pidfd = -1;
  pid_t pid = husk_clone3 (CLONE_NEWUSER, -1, &pidfd, err);
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      pause (); /* until killed: only our namespace matters */
      _exit (0);
    }
  int fd = -1;
  if (write_map (pid, &uid_kind, uid, n_uid, err) == 0
      && write_map (pid, &gid_kind, gid, n_gid, err) == 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/user", pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        husk_error (err, errno, "open `%s`", path);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return fd;
}

int
husk_ns_write_time_offsets (pid_t pid, const struct husk_time_offsets *off, husk_err_t **err)
{
  char buf[128];
  size_t used = 0;
  if (off->has_monotonic)
    used += snprintf (buf + used, sizeof buf - used, "monotonic %lld %u\n",
                      (long long)off->monotonic_secs, off->monotonic_nanosecs);
  if (off->has_boottime)
    used += snprintf (buf + used, sizeof buf - used, "boottime %lld %u\n",
                      (long long)off->boottime_secs, off->boottime_nanosecs);
  if (used == 0)
    return 0;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/timens_offsets", pid);
  if (husk_write_file_at (AT_FDCWD, path, buf, used, 0, 0, err) < 0)
    return husk_error_prefix (err, "linux.timeOffsets");
  return 0;
}
