/* What events and ps print: runc's stats JSON from cgroup v2 numbers, the
   oom event, Go durations, and the ps table filter. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "husk/report.h"
#include "husk/util.h"

#include "check_main.h"

/* ---------------------------------------------------------------- stats */

START_TEST (stats_full)
{
  struct husk_cgroup_kv raw[] = { { (char *)"anon", 4096 }, { (char *)"file", 8192 } };
  struct husk_cgroup_io_entry io[]
      = { { .major = 8, .minor = 0, .rbytes = 100, .wbytes = 0, .rios = 3, .wios = 4 } };
  struct husk_cgroup_hugetlb_entry huge[]
      = { { .page_size = (char *)"2MB", .current = 0, .max = HUSK_CGROUP_MAX, .failcnt = 2 } };
  struct husk_cgroup_stats st = {
    .has_cpu = true,
    .cpu_usage_usec = 1500,
    .cpu_user_usec = 1000,
    .cpu_system_usec = 500,
    .cpu_nr_periods = 10,
    .cpu_nr_throttled = 2,
    .cpu_throttled_usec = 7,
    .has_memory = true,
    .memory_current = 1 << 20,
    .memory_max = 64 << 20,
    .memory_peak = 2 << 20,
    .swap_current = 4096,
    .swap_max = 64 << 20,
    .events_max = 3,
    .memory_stat = raw,
    .n_memory_stat = 2,
    .has_pids = true,
    .pids_current = 2,
    .pids_max = 50,
    .io = io,
    .n_io = 1,
    .hugetlb = huge,
    .n_hugetlb = 1,
  };
  cleanup_free char *j = husk_stats_event_json ("web", &st);
  ck_assert_str_eq (
      j, "{\"type\":\"stats\",\"id\":\"web\",\"data\":{"
         "\"cpu\":{\"usage\":{\"total\":1500000,\"kernel\":500000,\"user\":1000000},"
         "\"throttling\":{\"periods\":10,\"throttledPeriods\":2,\"throttledTime\":7000}},"
         "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,"
         "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,"
         "\"memory_pressure\":0,\"sched_load_balance\":0,\"sched_relax_domain_level\":0},"
         "\"memory\":{\"cache\":8192,"
         "\"usage\":{\"limit\":67108864,\"usage\":1048576,\"max\":2097152,\"failcnt\":3},"
         "\"swap\":{\"limit\":134217728,\"usage\":1052672,\"failcnt\":0},"
         "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0},"
         "\"raw\":{\"anon\":4096,\"file\":8192}},"
         "\"pids\":{\"current\":2,\"limit\":50},"
         "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":100},"
         "{\"major\":8,\"op\":\"Write\"}],"
         "\"ioServicedRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":3},"
         "{\"major\":8,\"op\":\"Write\",\"value\":4}]},"
         "\"hugetlb\":{\"2MB\":{\"failcnt\":2}},"
         "\"intel_rdt\":{},\"network_interfaces\":null}}");
}
END_TEST

START_TEST (stats_without_controllers)
{
  /* The hybrid host's cgroup2: only cpu.stat, pids counted by the caller. */
  struct husk_cgroup_stats st = { .has_cpu = true, .cpu_usage_usec = 0, .pids_current = 1 };
  cleanup_free char *j = husk_stats_event_json ("a", &st);
  ck_assert_str_eq (
      j, "{\"type\":\"stats\",\"id\":\"a\",\"data\":{"
         "\"cpu\":{\"usage\":{\"kernel\":0,\"user\":0},\"throttling\":{}},"
         "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,"
         "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,"
         "\"memory_pressure\":0,\"sched_load_balance\":0,\"sched_relax_domain_level\":0},"
         "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},"
         "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0}},"
         "\"pids\":{\"current\":1},\"blkio\":{},\"hugetlb\":{},"
         "\"intel_rdt\":{},\"network_interfaces\":null}}");
}
END_TEST

START_TEST (stats_unlimited)
{
  /* "max" limits: memory as 2^64-1 (swap stays so), pids as 0 (left out) */
  struct husk_cgroup_stats st = { .has_memory = true,
                                  .memory_current = 10,
                                  .memory_max = HUSK_CGROUP_MAX,
                                  .swap_max = 1000,
                                  .has_pids = true,
                                  .pids_current = 3,
                                  .pids_max = HUSK_CGROUP_MAX };
  cleanup_free char *j = husk_stats_event_json ("a", &st);
  ck_assert_ptr_nonnull (
      strstr (j, "\"usage\":{\"limit\":18446744073709551615,\"usage\":10,\"failcnt\":0}"));
  ck_assert_ptr_nonnull (
      strstr (j, "\"swap\":{\"limit\":18446744073709551615,\"usage\":10,\"failcnt\":0}"));
  ck_assert_ptr_nonnull (strstr (j, "\"pids\":{\"current\":3}"));
}
END_TEST

START_TEST (oom_event)
{
  cleanup_free char *j = husk_oom_event_json ("c-1");
  ck_assert_str_eq (j, "{\"type\":\"oom\",\"id\":\"c-1\"}");
}
END_TEST

/* ------------------------------------------------------------ durations */

static int64_t
dur_ok (const char *s)
{
  int64_t ns = -7;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_parse_duration (s, &ns, &err) == 0, "\"%s\": %s", s, err ? err->msg : "");
  return ns;
}

static void
dur_bad (const char *s, const char *want)
{
  int64_t ns = -7;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_parse_duration (s, &ns, &err) < 0, "\"%s\" accepted", s);
  ck_assert_str_eq (err->msg, want);
  ck_assert_int_eq (ns, -7);
}

START_TEST (durations_as_go)
{
  ck_assert_int_eq (dur_ok ("5s"), 5000000000LL);
  ck_assert_int_eq (dur_ok ("0"), 0);
  ck_assert_int_eq (dur_ok ("100ms"), 100000000LL);
  ck_assert_int_eq (dur_ok ("1m30s"), 90000000000LL);
  ck_assert_int_eq (dur_ok ("1.5h"), 5400000000000LL);
  ck_assert_int_eq (dur_ok (".5s"), 500000000LL);
  ck_assert_int_eq (dur_ok ("1.s"), 1000000000LL);
  ck_assert_int_eq (dur_ok ("10us"), 10000);
  ck_assert_int_eq (dur_ok ("10\xc2\xb5s"), 10000);
  ck_assert_int_eq (dur_ok ("7ns"), 7);
  ck_assert_int_eq (dur_ok ("-2s"), -2000000000LL);
  ck_assert_int_eq (dur_ok ("+2s"), 2000000000LL);
}
END_TEST

START_TEST (durations_refused)
{
  dur_bad ("", "time: invalid duration \"\"");
  dur_bad ("5", "time: missing unit in duration \"5\"");
  dur_bad ("5x", "time: unknown unit \"x\" in duration \"5x\"");
  dur_bad (".s", "time: invalid duration \".s\"");
  dur_bad ("s", "time: invalid duration \"s\"");
  dur_bad ("9999999999999h", "time: invalid duration \"9999999999999h\"");
}
END_TEST

/* ------------------------------------------------------------------- ps */

START_TEST (ps_filter_keeps_header_and_container_rows)
{
  const char *out = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                    "root           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
                    "root         412       1  0 10:00 ?        00:00:00 sleep 1000\n"
                    "root        4120     412  0 10:00 ?        00:00:00 sh -c x\n"
                    "\n"
                    "root          41       1  0 10:00 ?        00:00:00 sleep 5\n";
  pid_t pids[] = { 41, 412 };
  char *r = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_ps_filter (out, pids, 2, &r, &err), 0);
  ck_assert_str_eq (r, "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                       "root         412       1  0 10:00 ?        00:00:00 sleep 1000\n"
                       "root          41       1  0 10:00 ?        00:00:00 sleep 5\n");
  free (r);
  /* busybox's layout, PID first; no container rows: just the header */
  ck_assert_int_eq (
      husk_ps_filter ("PID   USER     TIME  COMMAND\n    1 root      0:00 init", pids, 2, &r, &err),
      0);
  ck_assert_str_eq (r, "PID   USER     TIME  COMMAND\n");
  free (r);
}
END_TEST

START_TEST (ps_filter_needs_pid_column)
{
  char *r = NULL;
  cleanup_err husk_err_t *err = NULL;
  pid_t pids[] = { 1 };
  ck_assert_int_lt (husk_ps_filter ("USER COMMAND\nroot init\n", pids, 1, &r, &err), 0);
  ck_assert_str_eq (err->msg, "couldn't find PID field in ps output");
  ck_assert_ptr_null (r);
  husk_err_free (steal_pointer (&err));
  ck_assert_int_lt (husk_ps_filter ("", pids, 1, &r, &err), 0);
}
END_TEST

START_TEST (pids_json)
{
  pid_t pids[] = { 3, 17, 42 };
  cleanup_free char *j = husk_pids_json (pids, 3);
  ck_assert_str_eq (j, "[3,17,42]");
  cleanup_free char *e = husk_pids_json (NULL, 0);
  ck_assert_str_eq (e, "[]");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("report");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, stats_full);
  tcase_add_test (tc, stats_without_controllers);
  tcase_add_test (tc, stats_unlimited);
  tcase_add_test (tc, oom_event);
  tcase_add_test (tc, durations_as_go);
  tcase_add_test (tc, durations_refused);
  tcase_add_test (tc, ps_filter_keeps_header_and_container_rows);
  tcase_add_test (tc, ps_filter_needs_pid_column);
  tcase_add_test (tc, pids_json);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
