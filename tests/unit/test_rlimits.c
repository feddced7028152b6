/* RLIMIT_* table, resolution of process.rlimits, and applying them. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk/rlimits.h"
#include "husk/util.h"

#include "check_main.h"

START_TEST (table_is_complete)
{
  static const struct
  {
    const char *name;
    int resource;
  } expected[] = {
    { "RLIMIT_CPU", RLIMIT_CPU },           { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_DATA", RLIMIT_DATA },         { "RLIMIT_STACK", RLIMIT_STACK },
    { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },   { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },       { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },     { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  };
  ck_assert_uint_eq (husk_rlimit_count, ARRAY_SIZE (expected));
  ck_assert_uint_eq (husk_rlimit_count, RLIMIT_NLIMITS);
  for (size_t i = 0; i < ARRAY_SIZE (expected); i++)
    {
      ck_assert_int_eq (husk_rlimit_from_name (expected[i].name), expected[i].resource);
      ck_assert_str_eq (husk_rlimit_name (expected[i].resource), expected[i].name);
    }
  ck_assert_int_eq (husk_rlimit_from_name ("NOFILE"), -1);
  ck_assert_int_eq (husk_rlimit_from_name ("rlimit_nofile"), -1);
  ck_assert_ptr_null (husk_rlimit_name (RLIMIT_NLIMITS));
  ck_assert_ptr_null (husk_rlimit_name (-1));
}
END_TEST

START_TEST (resolve)
{
  struct husk_rlimit r[] = {
    { (char *)"RLIMIT_NOFILE", 4096, 1024 },
    { (char *)"RLIMIT_CORE", UINT64_MAX, 0 },
  };
  cleanup_free struct husk_rlimit_setting *s = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_rlimits_resolve (r, 2, &s, &err), 0);
  ck_assert_int_eq (s[0].resource, RLIMIT_NOFILE);
  ck_assert_uint_eq (s[0].lim.rlim_cur, 1024);
  ck_assert_uint_eq (s[0].lim.rlim_max, 4096);
  ck_assert_int_eq (s[1].resource, RLIMIT_CORE);
  ck_assert_uint_eq (s[1].lim.rlim_cur, 0);
  ck_assert (s[1].lim.rlim_max == RLIM_INFINITY);

  free (steal_pointer (&s));
  ck_assert_int_eq (husk_rlimits_resolve (NULL, 0, &s, &err), 0);
  ck_assert_ptr_nonnull (s);
}
END_TEST

START_TEST (resolve_errors)
{
  struct husk_rlimit unknown[] = {
    { (char *)"RLIMIT_NOFILE", 1, 1 },
    { (char *)"RLIMIT_FOO", 1, 1 },
  };
  struct husk_rlimit twice[] = {
    { (char *)"RLIMIT_CORE", 1, 1 },
    { (char *)"RLIMIT_NOFILE", 1, 1 },
    { (char *)"RLIMIT_CORE", 2, 2 },
  };
  struct husk_rlimit_setting *s = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_lt (husk_rlimits_resolve (unknown, 2, &s, &err), 0);
  ck_assert_ptr_null (s);
  ck_assert_str_eq (err->msg,
                    "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
  husk_err_freep (&err);
  ck_assert_int_lt (husk_rlimits_resolve (twice, 3, &s, &err), 0);
  ck_assert_str_eq (err->msg,
                    "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_CORE\"");
  husk_err_freep (&err);
  ck_assert_int_lt (husk_rlimits_resolve_with (unknown, 2, "process.json: rlimits", &s, &err), 0);
  ck_assert_str_eq (err->msg, "process.json: rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
}
END_TEST

/* Run fn in a child; its exit status. */
static int
in_child (int (*fn) (void))
{
  pid_t pid = fork ();
  if (pid == 0)
    _exit (fn ());
  int status;
  waitpid (pid, &status, 0);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static int
lower_nofile (void)
{
  struct rlimit old;
  getrlimit (RLIMIT_NOFILE, &old);
  struct husk_rlimit_setting s = { RLIMIT_NOFILE, { 64, old.rlim_max } };
  cleanup_err husk_err_t *err = NULL;
  if (husk_rlimits_apply (&s, 1, 0, &err) < 0)
    return 1;
  struct rlimit now;
  getrlimit (RLIMIT_NOFILE, &now);
  return now.rlim_cur == 64 && now.rlim_max == old.rlim_max ? 0 : 2;
}

/* Without CAP_SYS_RESOURCE a hard limit cannot go up: the error says why. */
static int
raise_hard_unprivileged (void)
{
  cap_t c = cap_get_proc ();
  cap_value_t v = CAP_SYS_RESOURCE;
  cap_set_flag (c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
  if (cap_set_proc (c) < 0)
    return 10;
  cap_free (c);
  struct rlimit lim = { 16, 32 };
  if (setrlimit (RLIMIT_NOFILE, &lim) < 0)
    return 11;
  struct husk_rlimit_setting s = { RLIMIT_NOFILE, { 16, 64 } };
  cleanup_err husk_err_t *err = NULL;
  if (husk_rlimits_apply (&s, 1, 0, &err) == 0)
    return 12;
  if (err->errnum != EPERM)
    return 13;
  const char *want = "set RLIMIT_NOFILE to soft 16, hard 64: raising the hard limit above the "
                     "current one (32) needs CAP_SYS_RESOURCE";
  if (strcmp (err->msg, want) != 0)
    {
      fprintf (stderr, "got: %s\n", err->msg);
      return 14;
    }
  return 0;
}

static int
soft_above_hard (void)
{
  struct husk_rlimit_setting s = { RLIMIT_CORE, { RLIM_INFINITY, 0 } };
  cleanup_err husk_err_t *err = NULL;
  if (husk_rlimits_apply (&s, 1, 0, &err) == 0)
    return 1;
  return strcmp (err->msg, "set RLIMIT_CORE to soft unlimited, hard 0") == 0
                 && err->errnum == EINVAL
             ? 0
             : 2;
}

START_TEST (apply)
{
  ck_assert_int_eq (in_child (lower_nofile), 0);
  ck_assert_int_eq (in_child (soft_above_hard), 0);
  if (geteuid () == 0)
    ck_assert_int_eq (in_child (raise_hard_unprivileged), 0);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("rlimits");
  TCase *tc = tcase_create ("rlimits");
  tcase_add_test (tc, table_is_complete);
  tcase_add_test (tc, resolve);
  tcase_add_test (tc, resolve_errors);
  tcase_add_test (tc, apply);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
