/* cgroup v2 lifecycle against the real hierarchy (needs root and a cgroup2
   mount; says SKIP loudly otherwise): create with CLONE_INTO_CGROUP, the
   device filter in effect and replaced on update, freeze, kill, pids,
   stats, destroy, and the refusals (missing controller, busy cgroup).
   Only cgroups named husk-unit-<pid>... are created, and all are removed. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/cgroup.h"
#include "husk/util.h"

static bool
usable (void)
{
  cleanup_free char *mp = NULL;
  cleanup_err husk_err_t *err = NULL;
  if (geteuid () != 0)
    {
      fprintf (stderr, "SKIP: test_cgroup_live: needs root\n");
      return false;
    }
  if (husk_cgroup_mountpoint (&mp, &err) < 0)
    {
      fprintf (stderr, "SKIP: test_cgroup_live: %s\n", err->msg);
      return false;
    }
  return true;
}

static char *
cg_dir (const char *rel)
{
  cleanup_free char *mp = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_cgroup_mountpoint (&mp, &err), 0);
  return xasprintf ("%s/%s", mp, rel);
}

static bool
exists (const char *rel)
{
  cleanup_free char *d = cg_dir (rel);
  struct stat st;
  return stat (d, &st) == 0;
}

static char *
read_cg (const char *rel, const char *file)
{
  cleanup_free char *d = cg_dir (rel);
  cleanup_free char *p = xasprintf ("%s/%s", d, file);
  cleanup_err husk_err_t *err = NULL;
  char *text = NULL;
  ck_assert_msg (husk_read_file_at (AT_FDCWD, p, &text, NULL, &err) == 0, "%s",
                 err ? err->msg : "");
  return text;
}

/* ---- a child that opens paths on request ---- */

struct child
{
  pid_t pid;
  int req, resp; /* our ends */
};

static void
child_loop (int req, int resp)
{
  char path[256];
  ssize_t n;
  /* Check's SIGTERM handler kills the whole process group: not ours to run. */
  signal (SIGTERM, SIG_DFL);
  while ((n = read (req, path, sizeof path - 1)) > 0)
    {
      path[n] = '\0';
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      int e = fd < 0 ? errno : 0;
      if (fd >= 0)
        close (fd);
      if (write (resp, &e, sizeof e) != sizeof e)
        _exit (2);
    }
  _exit (0);
}

/* Start a child directly in the cgroup (dirfd) with clone3, or with fork +
   husk_cgroup_enter when dirfd < 0. */
static struct child
start_child (int dirfd, const char *rel)
{
  int a[2], b[2];
  ck_assert_int_eq (pipe2 (a, O_CLOEXEC), 0);
  ck_assert_int_eq (pipe2 (b, O_CLOEXEC), 0);
  pid_t pid;
  if (dirfd >= 0)
    {
      struct clone_args args
          = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)dirfd };
      pid = (pid_t)syscall (SYS_clone3, &args, sizeof args);
    }
  else
    pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    child_loop (a[0], b[1]);
  close (a[0]);
  close (b[1]);
  if (dirfd < 0)
    {
      cleanup_err husk_err_t *err = NULL;
      ck_assert_msg (husk_cgroup_enter (rel, pid, &err) == 0, "enter: %s", err ? err->msg : "");
    }
  return (struct child){ pid, a[1], b[0] };
}

static int
child_open (struct child *c, const char *path)
{
  int e = -1;
  ck_assert_int_eq (write (c->req, path, strlen (path)), (ssize_t)strlen (path));
  ck_assert_int_eq (read (c->resp, &e, sizeof e), sizeof e);
  return e;
}

static int
reap (struct child *c)
{
  int status;
  close (c->req);
  close (c->resp);
  ck_assert_int_eq (waitpid (c->pid, &status, 0), c->pid);
  return status;
}

static uint32_t
attached_progs (int dirfd)
{
  union bpf_attr attr;
  uint32_t ids[8];
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = dirfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uintptr_t)ids;
  attr.query.prog_cnt = 8;
  ck_assert_int_eq (syscall (__NR_bpf, BPF_PROG_QUERY, &attr, sizeof attr), 0);
  return attr.query.prog_cnt;
}

/* ---- tests ---- */

START_TEST (lifecycle)
{
  if (!usable ())
    return;
  cleanup_free char *rel = xasprintf ("husk-unit-%d", (int)getpid ());
  cleanup_err husk_err_t *err = NULL;
  int fd = -1;
  ck_assert_msg (husk_cgroup_create (rel, NULL, &fd, &err) == 0, "create: %s", err ? err->msg : "");
  ck_assert (exists (rel));
  /* create leaves the device filter to its caller, as the runtime does it */
  ck_assert_uint_eq (attached_progs (fd), 0);
  struct husk_bpf_prog prog = { 0 };
  ck_assert_int_eq (husk_cgroup_device_filter_build (NULL, &prog, &err), 0);
  ck_assert_msg (husk_cgroup_device_filter_apply (fd, &prog, &err) == 0, "apply: %s",
                 err ? err->msg : "");
  husk_bpf_prog_free (&prog);
  ck_assert_uint_eq (attached_progs (fd), 1);

  /* Born inside the cgroup; the default filter allows /dev/null, not kmsg. */
  struct child c = start_child (fd, rel);
  cleanup_free char *own = xasprintf ("/proc/%d/cgroup", (int)c.pid);
  cleanup_free char *text = NULL;
  ck_assert_int_eq (husk_read_file_at (AT_FDCWD, own, &text, NULL, &err), 0);
  cleanup_free char *want = xasprintf ("0::/%s\n", rel);
  ck_assert_msg (strstr (text, want) != NULL, "%s", text);
  ck_assert_int_eq (child_open (&c, "/dev/null"), 0);
  ck_assert_int_eq (child_open (&c, "/dev/kmsg"), EPERM);

  pid_t *pids = NULL;
  size_t n = 0;
  ck_assert_int_eq (husk_cgroup_pids (rel, &pids, &n, &err), 0);
  ck_assert_uint_eq (n, 1);
  ck_assert_int_eq (pids[0], c.pid);
  free (pids);
  bool populated = false;
  ck_assert_int_eq (husk_cgroup_is_populated (rel, &populated, &err), 0);
  ck_assert (populated);

  /* An existing cgroup with processes is not reused. */
  int fd2 = -1;
  ck_assert_int_eq (husk_cgroup_create (rel, NULL, &fd2, &err), -1);
  ck_assert_msg (strstr (err->msg, "has processes") != NULL, "%s", err->msg);
  husk_err_freep (&err);

  /* update: a new filter that lets kmsg be read replaces the old one. */
  struct husk_device_cgroup_rule allow_kmsg[] = { { .allow = false, .access = (char *)"rwm" },
                                                  { .allow = true,
                                                    .type = (char *)"c",
                                                    .major = { true, 1 },
                                                    .minor = { true, 11 },
                                                    .access = (char *)"r" } };
  struct husk_resources res = { .devices = allow_kmsg, .n_devices = 2 };
  struct husk_cgroup_config cfg = { .resources = &res };
  ck_assert_msg (husk_cgroup_update (rel, &cfg, &err) == 0, "update: %s", err ? err->msg : "");
  ck_assert_uint_eq (attached_progs (fd), 1);
  ck_assert_int_eq (child_open (&c, "/dev/kmsg"), 0);
  ck_assert_int_eq (child_open (&c, "/dev/null"), 0);

  /* Freeze and thaw. */
  bool frozen = true;
  ck_assert_int_eq (husk_cgroup_is_frozen (rel, &frozen, &err), 0);
  ck_assert (!frozen);
  ck_assert_msg (husk_cgroup_freeze (rel, true, &err) == 0, "freeze: %s", err ? err->msg : "");
  ck_assert_int_eq (husk_cgroup_is_frozen (rel, &frozen, &err), 0);
  ck_assert (frozen);
  cleanup_free char *ev = read_cg (rel, "cgroup.events");
  ck_assert_msg (strstr (ev, "frozen 1") != NULL, "%s", ev);
  /* A frozen existing cgroup is not reused either. */
  ck_assert_int_eq (husk_cgroup_create (rel, NULL, &fd2, &err), -1);
  husk_err_freep (&err);
  ck_assert_int_eq (husk_cgroup_freeze (rel, false, &err), 0);
  ck_assert_int_eq (child_open (&c, "/dev/null"), 0); /* it runs again */

  /* kill with a signal other than SIGKILL: freeze, signal, thaw. */
  ck_assert_msg (husk_cgroup_kill (rel, SIGTERM, &err) == 0, "kill: %s", err ? err->msg : "");
  int status = reap (&c);
  ck_assert (WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM);
  ck_assert_int_eq (husk_cgroup_is_frozen (rel, &frozen, &err), 0);
  ck_assert (!frozen);

  /* SIGKILL through cgroup.kill, a child that joined by cgroup.procs. */
  struct child k = start_child (-1, rel);
  ck_assert_int_eq (child_open (&k, "/dev/null"), 0);
  ck_assert_int_eq (husk_cgroup_kill (rel, SIGKILL, &err), 0);
  status = reap (&k);
  ck_assert (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

  struct husk_cgroup_stats st;
  ck_assert_int_eq (husk_cgroup_stats (rel, &st, &err), 0);
  ck_assert (st.has_cpu);
  husk_cgroup_stats_free (&st);

  close (fd);
  ck_assert_msg (husk_cgroup_destroy (rel, &err) == 0, "destroy: %s", err ? err->msg : "");
  ck_assert (!exists (rel));
  ck_assert_int_eq (husk_cgroup_destroy (rel, &err), 0); /* already gone: fine */
}
END_TEST

START_TEST (nested_paths_and_destroy)
{
  if (!usable ())
    return;
  cleanup_free char *top = xasprintf ("husk-unit-%d-n", (int)getpid ());
  cleanup_free char *leaf = xasprintf ("%s/a/b", top);
  cleanup_err husk_err_t *err = NULL;
  int fd = -1;
  struct husk_cgroup_config cfg = { .no_device_filter = true };
  ck_assert_msg (husk_cgroup_create (leaf, &cfg, &fd, &err) == 0, "%s", err ? err->msg : "");
  close (fd);
  /* An existing empty leaf is reused. */
  ck_assert_msg (husk_cgroup_create (leaf, &cfg, &fd, &err) == 0, "%s", err ? err->msg : "");
  close (fd);
  /* Destroying the leaf leaves the parents; destroying the top takes all. */
  ck_assert_int_eq (husk_cgroup_destroy (leaf, &err), 0);
  ck_assert (!exists (leaf));
  cleanup_free char *mid = xasprintf ("%s/a", top);
  ck_assert (exists (mid));
  cleanup_free char *other = xasprintf ("%s/a/c", top);
  ck_assert_int_eq (husk_cgroup_create (other, &cfg, &fd, &err), 0);
  close (fd);
  ck_assert_int_eq (husk_cgroup_destroy (top, &err), 0);
  ck_assert (!exists (top));
}
END_TEST

START_TEST (missing_controller_is_named_and_nothing_is_left)
{
  if (!usable ())
    return;
  cleanup_free char *avail = read_cg ("", "cgroup.controllers");
  struct husk_memory mem = { .limit = { true, 64 << 20 } };
  struct husk_resources with_mem = { .memory = &mem };
  struct husk_resources with_pids = { .pids_limit = { true, 10 } };
  struct
  {
    const char *controller;
    struct husk_resources *res;
    const char *section;
  } cands[] = { { "memory", &with_mem, "linux.resources.memory" },
                { "pids", &with_pids, "linux.resources.pids" } };
  size_t i = 0;
  while (i < ARRAY_SIZE (cands) && strstr (avail, cands[i].controller) != NULL)
    i++;
  if (i == ARRAY_SIZE (cands))
    {
      fprintf (stderr, "SKIP: missing_controller: this hierarchy has memory and pids (%s)\n",
               avail);
      return;
    }
  cleanup_free char *rel = xasprintf ("husk-unit-%d-m/x", (int)getpid ());
  cleanup_free char *top = xasprintf ("husk-unit-%d-m", (int)getpid ());
  struct husk_cgroup_config cfg = { .resources = cands[i].res };
  cleanup_err husk_err_t *err = NULL;
  int fd = -1;
  ck_assert_int_eq (husk_cgroup_create (rel, &cfg, &fd, &err), -1);
  cleanup_free char *want = xasprintf ("%s: the cgroup v2 hierarchy has no %s controller",
                                       cands[i].section, cands[i].controller);
  ck_assert_msg (strstr (err->msg, want) != NULL, "got: %s", err->msg);
  ck_assert (!exists (top));
}
END_TEST

START_TEST (failure_after_mkdir_removes_what_was_made)
{
  if (!usable ())
    return;
  /* A unified write the kernel refuses happens after the mkdirs. */
  struct husk_kv kv[] = { { (char *)"cgroup.max.descendants", (char *)"-5" } };
  struct husk_resources res = { .unified = kv, .n_unified = 1 };
  struct husk_cgroup_config cfg = { .resources = &res };
  cleanup_free char *top = xasprintf ("husk-unit-%d-f", (int)getpid ());
  cleanup_free char *rel = xasprintf ("%s/y", top);
  cleanup_err husk_err_t *err = NULL;
  int fd = -1;
  ck_assert_int_eq (husk_cgroup_create (rel, &cfg, &fd, &err), -1);
  ck_assert_msg (strstr (err->msg, "linux.resources.unified.cgroup.max.descendants") != NULL, "%s",
                 err->msg);
  ck_assert (!exists (top));
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("cgroup_live");
  TCase *tc = tcase_create ("live");
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, lifecycle);
  tcase_add_test (tc, nested_paths_and_destroy);
  tcase_add_test (tc, missing_controller_is_named_and_nothing_is_left);
  tcase_add_test (tc, failure_after_mkdir_removes_what_was_made);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
