/* seccomp_sys.c: loading programs for real (in forked children, so the
   test process stays unfiltered), the probed flags, and the seccomp agent
   protocol end to end. */
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/seccomp.h>

#include "seccomp_test.h"

/* ---- loading, in a child so the test process stays unfiltered ---- */

START_TEST (load_errno)
{
  char *names[] = { "getppid" };
  struct husk_seccomp_syscall call
      = { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = ERRNO (77) };
  struct husk_seccomp sc
      = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &call, .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      husk_err_t *err = NULL;
      int listener = 0;
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || husk_seccomp_load (p, &listener, &err) < 0)
        _exit (10);
      if (listener != -1)
        _exit (11);
      errno = 0;
      long r = syscall (SYS_getppid);
      _exit (r == -1 && errno == 77 ? 0 : 12);
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "child status %#x", status);
  husk_seccomp_prog_free (p);
}
END_TEST

/* Every flag the probe calls supported really loads, with and without a
   listener (TSYNC with a listener needs TSYNC_ESRCH added by the loader). */
START_TEST (load_supported_flags)
{
  const char *const *supported = husk_seccomp_supported_flags ();
  for (size_t i = 0; supported[i]; i++)
    for (int with_notify = 0; with_notify < 2; with_notify++)
      {
        char *flags[] = { (char *)supported[i] };
        char *names[] = { "getppid" };
        struct husk_seccomp_syscall call = {
          .names = names, .n_names = 1, .action = with_notify ? "SCMP_ACT_NOTIFY" : "SCMP_ACT_LOG"
        };
        struct husk_seccomp sc = { .default_action = "SCMP_ACT_ALLOW",
                                   .flags = flags,
                                   .n_flags = 1,
                                   .syscalls = &call,
                                   .n_syscalls = 1 };
        struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
        pid_t pid = fork ();
        ck_assert_int_ge (pid, 0);
        if (pid == 0)
          {
            husk_err_t *err = NULL;
            int listener = -1;
            if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
              _exit (10);
            if (husk_seccomp_load (p, &listener, &err) < 0)
              {
                fprintf (stderr, "%s (notify %d): %s: %s\n", supported[i], with_notify, err->msg,
                         strerror (err->errnum));
                _exit (11);
              }
            _exit ((listener >= 0) == with_notify ? 0 : 12);
          }
        int status;
        ck_assert_int_eq (waitpid (pid, &status, 0), pid);
        ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s notify %d: status %#x",
                       supported[i], with_notify, status);
        husk_seccomp_prog_free (p);
      }
}
END_TEST

/* Receive one agent message: the state JSON and the fd that came with it. */
static int
agent_receive (int listen_fd, char *json, size_t cap)
{
  int conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  ck_assert_int_ge (conn, 0);
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = json, .iov_len = cap - 1 };
  struct msghdr msg = { .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  ck_assert_int_gt (n, 0);
  json[n] = '\0';
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
  ck_assert_ptr_nonnull (cmsg);
  ck_assert_int_eq (cmsg->cmsg_type, SCM_RIGHTS);
  int fd;
  memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  close (conn);
  return fd;
}

static int
listen_at (const char *path)
{
  int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  ck_assert_uint_lt (strlen (path), sizeof addr.sun_path);
  strcpy (addr.sun_path, path);
  ck_assert_int_eq (bind (s, (struct sockaddr *)&addr, sizeof addr), 0);
  ck_assert_int_eq (listen (s, 1), 0);
  return s;
}

/* End to end: a child loads a NOTIFY filter, hands the listener to an
   "agent" (this process) with the agent protocol, and the agent answers the
   child's getppid with a value of its choosing. */
START_TEST (load_notify_agent)
{
  cleanup_free char *dir = make_tmpdir ();
  /* A path longer than sun_path, to cover the /proc/self/fd route. */
  cleanup_free char *deep = xasprintf ("%s/%0120d", dir, 0);
  ck_assert_int_eq (mkdir (deep, 0700), 0);
  ck_assert_int_eq (chdir (deep), 0);
  cleanup_close int ls = listen_at ("agent.sock");
  ck_assert_int_eq (chdir ("/"), 0);
  cleanup_free char *sock_path = xasprintf ("%s/agent.sock", deep);
  ck_assert_uint_gt (strlen (sock_path), 108);

  char *names[] = { "getppid" };
  struct husk_seccomp_syscall call = { .names = names, .n_names = 1, .action = "SCMP_ACT_NOTIFY" };
  struct husk_seccomp sc
      = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &call, .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert (p->notify);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      husk_err_t *err = NULL;
      int listener = -1;
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || husk_seccomp_load (p, &listener, &err) < 0)
        _exit (10);
      if (listener < 0)
        _exit (11);
      if (husk_seccomp_send_listener (sock_path, listener, getpid (),
                                      "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\"}", "meta \"data\"",
                                      &err)
          < 0)
        _exit (12);
      close (listener);
      long r = syscall (SYS_getppid);
      _exit (r == 4242 ? 0 : 13);
    }
  char json[4096];
  cleanup_close int nfd = agent_receive (ls, json, sizeof json);
  cleanup_free char *expect
      = xasprintf ("{\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
                   "\"metadata\":\"meta \\\"data\\\"\","
                   "\"state\":{\"ociVersion\":\"1.3.0\",\"id\":\"c1\"}}",
                   (int)pid);
  ck_assert_str_eq (json, expect);

  struct seccomp_notif req = { 0 };
  ck_assert_int_eq (ioctl (nfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
  ck_assert_int_eq (req.pid, pid);
  ck_assert_int_eq (req.data.nr, seccomp_syscall_resolve_name ("getppid"));
  struct seccomp_notif_resp resp = { .id = req.id, .val = 4242 };
  ck_assert_int_eq (ioctl (nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);

  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "child status %#x", status);
  husk_seccomp_prog_free (p);
  rm_rf (dir);
}
END_TEST

START_TEST (listener_unreachable)
{
  husk_err_t *err = NULL;
  ck_assert_int_lt (
      husk_seccomp_send_listener ("/nonexistent/husk-agent.sock", 0, 1, "{}", NULL, &err), 0);
  ck_assert_ptr_nonnull (strstr (err->msg, "/nonexistent/husk-agent.sock"));
  ck_assert_int_eq (err->errnum, ENOENT);
  husk_err_free (err);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("seccomp_load");
  TCase *load = tcase_create ("load");
  tcase_add_test (load, load_errno);
  tcase_add_test (load, load_supported_flags);
  tcase_add_test (load, load_notify_agent);
  tcase_add_test (load, listener_unreachable);
  suite_add_tcase (s, load);
  return husk_check_run (s);
}
