/* Capability names, resolution of the five sets, and applying them. */
#include <check.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/caps.h"
#include "husk/log.h"
#include "husk/util.h"

#include "check_main.h"

#define BIT(c) (UINT64_C (1) << (c))

START_TEST (names_table)
{
  const char *const *names = husk_caps_all_names ();
  size_t n = 0;
  while (names[n])
    n++;
  /* At least every capability these kernel headers define. */
  ck_assert_uint_ge (n, CAP_LAST_CAP + 1);
  ck_assert_str_eq (names[CAP_CHOWN], "CAP_CHOWN");
  ck_assert_str_eq (names[CAP_SYS_ADMIN], "CAP_SYS_ADMIN");
  ck_assert_str_eq (names[CAP_NET_BIND_SERVICE], "CAP_NET_BIND_SERVICE");
  ck_assert_str_eq (names[CAP_CHECKPOINT_RESTORE], "CAP_CHECKPOINT_RESTORE");
  for (size_t i = 0; i < n; i++)
    {
      ck_assert_msg (husk_has_prefix (names[i], "CAP_"), "%s", names[i]);
      for (const char *p = names[i]; *p; p++)
        ck_assert_msg ((*p >= 'A' && *p <= 'Z') || *p == '_', "%s", names[i]);
      /* libcap's own parser agrees on the number. */
      cap_value_t v;
      ck_assert_int_eq (cap_from_name (names[i], &v), 0);
      ck_assert_int_eq (v, (int)i);
      ck_assert_int_eq (husk_cap_from_name (names[i]), (int)i);
      ck_assert_str_eq (husk_cap_name ((int)i), names[i]);
    }
  ck_assert_ptr_null (husk_cap_name ((int)n));
  ck_assert_ptr_null (husk_cap_name (-1));
}
END_TEST

START_TEST (from_name_is_strict)
{
  ck_assert_int_eq (husk_cap_from_name ("CAP_KILL"), CAP_KILL);
  ck_assert_int_eq (husk_cap_from_name ("cap_kill"), -1);
  ck_assert_int_eq (husk_cap_from_name ("KILL"), -1);
  ck_assert_int_eq (husk_cap_from_name ("5"), -1);
  ck_assert_int_eq (husk_cap_from_name ("CAP_"), -1);
  ck_assert_int_eq (husk_cap_from_name (""), -1);
  ck_assert_int_eq (husk_cap_from_name ("CAP_FOO"), -1);
}
END_TEST

START_TEST (last_cap_is_the_kernels)
{
  cleanup_free char *text = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (
      husk_read_file_at (AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &text, NULL, &err), 0);
  ck_assert_int_eq (husk_caps_last_cap (), atoi (text));
}
END_TEST

START_TEST (resolve_sets)
{
  char *bnd[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_KILL" };
  char *eff[] = { "CAP_KILL" };
  char *prm[] = { "CAP_KILL", "CAP_CHOWN" };
  char *amb[] = { "CAP_NET_BIND_SERVICE" };
  struct husk_capabilities c = {
    .bounding = bnd,
    .n_bounding = 4,
    .effective = eff,
    .n_effective = 1,
    .permitted = prm,
    .n_permitted = 2,
    .ambient = amb,
    .n_ambient = 1,
  };
  struct husk_cap_sets s;
  memset (&s, 0xff, sizeof s);
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_caps_resolve (&c, &s, &err), 0);
  ck_assert_ptr_null (err);
  ck_assert_uint_eq (s.bounding, BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE));
  ck_assert_uint_eq (s.effective, BIT (CAP_KILL));
  ck_assert_uint_eq (s.permitted, BIT (CAP_KILL) | BIT (CAP_CHOWN));
  ck_assert_uint_eq (s.inheritable, 0); /* never anything not asked for */
  ck_assert_uint_eq (s.ambient, BIT (CAP_NET_BIND_SERVICE));

  memset (&s, 0xff, sizeof s);
  ck_assert_int_eq (husk_caps_resolve (NULL, &s, &err), 0);
  ck_assert (s.bounding == 0 && s.effective == 0 && s.permitted == 0 && s.inheritable == 0
             && s.ambient == 0);
}
END_TEST

START_TEST (unknown_name_is_an_error)
{
  char *prm[] = { "CAP_KILL", "CAP_FOO" };
  struct husk_capabilities c = { .permitted = prm, .n_permitted = 2 };
  struct husk_cap_sets s;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_lt (husk_caps_resolve (&c, &s, &err), 0);
  ck_assert_str_eq (err->msg,
                    "config.json: process.capabilities.permitted: unknown capability \"CAP_FOO\"");
  husk_err_freep (&err);

  char *bnd[] = { "cap_chown" };
  struct husk_capabilities c2 = { .bounding = bnd, .n_bounding = 1 };
  ck_assert_int_lt (husk_caps_resolve_with (&c2, "process.json: capabilities", 40, &s, &err), 0);
  ck_assert_str_eq (err->msg,
                    "process.json: capabilities.bounding: unknown capability \"cap_chown\"");
}
END_TEST

START_TEST (beyond_kernel_is_a_warning)
{
  char path[] = "/tmp/husk-test-caps-XXXXXX";
  int fd = mkstemp (path);
  ck_assert_int_ge (fd, 0);
  close (fd);
  ck_assert_int_eq (husk_log_init (path, false, false), 0);

  /* Pretend the kernel stops at CAP_SETFCAP (31). */
  char *bnd[] = { "CAP_KILL", "CAP_MAC_ADMIN", "CAP_SETFCAP" };
  struct husk_capabilities c = { .bounding = bnd, .n_bounding = 3 };
  struct husk_cap_sets s;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (
      husk_caps_resolve_with (&c, "config.json: process.capabilities", CAP_SETFCAP, &s, &err), 0);
  ck_assert_uint_eq (s.bounding, BIT (CAP_KILL) | BIT (CAP_SETFCAP));

  cleanup_free char *log = NULL;
  ck_assert_int_eq (husk_read_file_at (AT_FDCWD, path, &log, NULL, &err), 0);
  unlink (path);
  ck_assert_ptr_nonnull (strstr (log, "level=warning"));
  ck_assert_ptr_nonnull (strstr (log, "process.capabilities.bounding"));
  ck_assert_ptr_nonnull (strstr (log, "CAP_MAC_ADMIN"));
  ck_assert_ptr_null (strstr (log, "CAP_KILL"));
}
END_TEST

/* "CapEff:\t0000000000000020" → 0x20 */
static uint64_t
status_mask (const char *status, const char *key)
{
  const char *p = strstr (status, key);
  if (p == NULL)
    return UINT64_MAX;
  return strtoull (p + strlen (key), NULL, 16);
}

/* In a child: become uid/gid 65534 keeping caps, apply, compare with
   /proc/self/status.  Exit status 0 on match. */
static int
apply_in_child (const struct husk_cap_sets *want, uint64_t expect_ambient)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      cleanup_err husk_err_t *err = NULL;
      if (prctl (PR_SET_KEEPCAPS, 1) < 0 || setresgid (65534, 65534, 65534) < 0
          || setresuid (65534, 65534, 65534) < 0)
        _exit (10);
      if (husk_caps_apply (want, &err) < 0)
        {
          fprintf (stderr, "apply: %s\n", err->msg);
          _exit (11);
        }
      cleanup_free char *st = NULL;
      if (husk_read_file_at (AT_FDCWD, "/proc/self/status", &st, NULL, &err) < 0)
        _exit (12);
      int bad = 0;
      bad |= (status_mask (st, "CapBnd:\t") != want->bounding) << 0;
      bad |= (status_mask (st, "CapEff:\t") != want->effective) << 1;
      bad |= (status_mask (st, "CapPrm:\t") != want->permitted) << 2;
      bad |= (status_mask (st, "CapInh:\t") != want->inheritable) << 3;
      bad |= (status_mask (st, "CapAmb:\t") != expect_ambient) << 4;
      if (bad)
        fprintf (stderr, "mismatch %#x in:\n%s\n", bad, st);
      _exit (bad ? 20 + bad : 0);
    }
  int status;
  waitpid (pid, &status, 0);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static bool
privileged (void)
{
  cap_t c = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;
  cap_get_flag (c, CAP_SETPCAP, CAP_EFFECTIVE, &v);
  cap_free (c);
  bool ok = geteuid () == 0 && v == CAP_SET;
  if (!ok)
    fprintf (stderr, "apply tests need root with CAP_SETPCAP: not checked here\n");
  return ok;
}

START_TEST (apply_after_setuid)
{
  if (!privileged ())
    return;
  struct husk_cap_sets s = {
    .bounding = BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE),
    .effective = BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE),
    .permitted = BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_BIND_SERVICE),
    .inheritable = BIT (CAP_NET_BIND_SERVICE),
    .ambient = BIT (CAP_NET_BIND_SERVICE),
  };
  ck_assert_int_eq (apply_in_child (&s, s.ambient), 0);

  struct husk_cap_sets none = { 0 };
  ck_assert_int_eq (apply_in_child (&none, 0), 0);
}
END_TEST

START_TEST (ambient_needs_inheritable)
{
  if (!privileged ())
    return;
  /* Ambient without inheritable: refused by the kernel, warned, not fatal. */
  struct husk_cap_sets s = {
    .bounding = BIT (CAP_KILL),
    .effective = BIT (CAP_KILL),
    .permitted = BIT (CAP_KILL),
    .ambient = BIT (CAP_KILL),
  };
  ck_assert_int_eq (apply_in_child (&s, 0), 0);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("caps");
  TCase *tc = tcase_create ("caps");
  tcase_add_test (tc, names_table);
  tcase_add_test (tc, from_name_is_strict);
  tcase_add_test (tc, last_cap_is_the_kernels);
  tcase_add_test (tc, resolve_sets);
  tcase_add_test (tc, unknown_name_is_an_error);
  tcase_add_test (tc, beyond_kernel_is_a_warning);
  tcase_add_test (tc, apply_after_setuid);
  tcase_add_test (tc, ambient_needs_inheritable);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
