/* The signal table behind `kill`. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "husk/signals.h"
#include "husk/util.h"

#include "check_main.h"

static int
parse_ok (const char *s)
{
  int sig = -1;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_signal_parse (s, &sig, &err) == 0, "\"%s\" refused: %s", s,
                 err ? err->msg : "");
  ck_assert_ptr_null (err);
  return sig;
}

static void
parse_bad (const char *s)
{
  int sig = -1;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_signal_parse (s, &sig, &err) < 0, "\"%s\" accepted as %d", s, sig);
  cleanup_free char *want = xasprintf ("invalid signal \"%s\"", s);
  ck_assert_str_eq (err->msg, want);
  ck_assert_int_eq (sig, -1);
}

START_TEST (names_numbers_and_case)
{
  /* The forms engines send: containerd "9"/"15", podman numbers, users names. */
  ck_assert_int_eq (parse_ok ("KILL"), SIGKILL);
  ck_assert_int_eq (parse_ok ("SIGKILL"), SIGKILL);
  ck_assert_int_eq (parse_ok ("sigkill"), SIGKILL);
  ck_assert_int_eq (parse_ok ("kill"), SIGKILL);
  ck_assert_int_eq (parse_ok ("SigTerm"), SIGTERM);
  ck_assert_int_eq (parse_ok ("9"), SIGKILL);
  ck_assert_int_eq (parse_ok ("15"), SIGTERM);
  ck_assert_int_eq (parse_ok ("1"), SIGHUP);
  ck_assert_int_eq (parse_ok ("64"), 64);
  ck_assert_int_eq (parse_ok ("32"), 32); /* valid for the kernel, unnamed in glibc */
  ck_assert_int_eq (parse_ok ("HUP"), SIGHUP);
  ck_assert_int_eq (parse_ok ("WINCH"), SIGWINCH);
  ck_assert_int_eq (parse_ok ("USR1"), SIGUSR1);
  ck_assert_int_eq (parse_ok ("SIGUSR2"), SIGUSR2);
  ck_assert_int_eq (parse_ok ("STOP"), SIGSTOP);
  ck_assert_int_eq (parse_ok ("CONT"), SIGCONT);
  ck_assert_int_eq (parse_ok ("PWR"), SIGPWR);
  ck_assert_int_eq (parse_ok ("SYS"), SIGSYS);
  ck_assert_int_eq (parse_ok ("IOT"), SIGABRT);
  ck_assert_int_eq (parse_ok ("CLD"), SIGCHLD);
  ck_assert_int_eq (parse_ok ("POLL"), SIGIO);
}
END_TEST

START_TEST (realtime)
{
  ck_assert_int_eq (parse_ok ("RTMIN"), SIGRTMIN);
  ck_assert_int_eq (parse_ok ("SIGRTMIN"), SIGRTMIN);
  ck_assert_int_eq (parse_ok ("RTMIN+3"), SIGRTMIN + 3);
  ck_assert_int_eq (parse_ok ("SIGRTMIN+3"), SIGRTMIN + 3);
  ck_assert_int_eq (parse_ok ("sigrtmin+3"), SIGRTMIN + 3);
  ck_assert_int_eq (parse_ok ("RTMAX"), SIGRTMAX);
  ck_assert_int_eq (parse_ok ("SIGRTMAX-2"), SIGRTMAX - 2);
  ck_assert_int_eq (parse_ok ("RTMIN+0"), SIGRTMIN);
  ck_assert_int_eq (parse_ok ("RTMAX-0"), SIGRTMAX);
  char top[32];
  snprintf (top, sizeof top, "RTMIN+%d", SIGRTMAX - SIGRTMIN);
  ck_assert_int_eq (parse_ok (top), SIGRTMAX);
  snprintf (top, sizeof top, "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
  parse_bad (top);
}
END_TEST

START_TEST (invalid)
{
  static const char *const bad[] = {
    "FOO",     "SIGFOO",  "",       "SIG",     "0",        "65",
    "-9",      "+9",      "9x",     " 9",      "KILL ",    "SIG KILL",
    "RTMIN-1", "RTMAX+1", "RTMIN+", "RTMIN+x", "RTMIN+-1", "99999999999999999999",
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    parse_bad (bad[i]);
}
END_TEST

START_TEST (names)
{
  ck_assert_str_eq (husk_signal_name (SIGKILL), "SIGKILL");
  ck_assert_str_eq (husk_signal_name (SIGTERM), "SIGTERM");
  ck_assert_str_eq (husk_signal_name (SIGABRT), "SIGABRT"); /* not the alias */
  ck_assert_str_eq (husk_signal_name (SIGCHLD), "SIGCHLD");
  ck_assert_str_eq (husk_signal_name (SIGIO), "SIGIO");
  ck_assert_str_eq (husk_signal_name (SIGRTMIN), "SIGRTMIN");
  ck_assert_str_eq (husk_signal_name (SIGRTMIN + 2), "SIGRTMIN+2");
  ck_assert_str_eq (husk_signal_name (SIGRTMAX), "SIGRTMAX");
  ck_assert_ptr_null (husk_signal_name (0));
  ck_assert_ptr_null (husk_signal_name (65));

  /* Every signal 1..31 has a name, and every name parses back to itself. */
  for (int s = 1; s < 32; s++)
    {
      const char *n = husk_signal_name (s);
      ck_assert_msg (n != NULL, "signal %d has no name", s);
      ck_assert_int_eq (parse_ok (n), s);
      ck_assert_int_eq (parse_ok (n + 3), s);
    }
  for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
    ck_assert_int_eq (parse_ok (husk_signal_name (s)), s);
  ck_assert_uint_eq (husk_signal_count, 34); /* 31 names and 3 aliases */
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("signals");
  TCase *tc = tcase_create ("signals");
  tcase_add_test (tc, names_numbers_and_case);
  tcase_add_test (tc, realtime);
  tcase_add_test (tc, invalid);
  tcase_add_test (tc, names);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
