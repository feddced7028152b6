/* The state store: id rules, state.json round-trip, the OCI state JSON, and
   the status derived from the process, the exec fifo and its start time. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "husk/process.h"
#include "husk/state.h"
#include "husk/util.h"

#include "check_main.h"

static char root_path[] = "/tmp/husk-unit-state.XXXXXX";
static int root_fd = -1;

static void
setup (void)
{
  strcpy (root_path, "/tmp/husk-unit-state.XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (root_path));
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_state_root_open (root_path, false, &root_fd, &err), 0);
}

static void
teardown (void)
{
  cleanup_free char *cmd = xasprintf ("rm -rf '%s'", root_path);
  ck_assert_int_eq (system (cmd), 0);
  close (root_fd);
}

static void
id_ok (const char *id)
{
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_id_validate (id, &err) == 0, "\"%s\" refused: %s", id, err ? err->msg : "");
}

static void
id_bad (const char *id, const char *want)
{
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_id_validate (id, &err) < 0, "\"%s\" accepted", id);
  ck_assert_str_eq (err->msg, want);
}

/* The created timestamp: UTC without the time zone database, as gmtime_r
   would give it, over leap years, century rules and both sides of 1970. */
START_TEST (rfc3339_matches_gmtime)
{
  const time_t samples[]
      = { 0,          -1,         86399,      951782400,   951868800,   4107542400,
          4107628800, 1796601600, 1796688000, -2208988800, 253402300799 };
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
    {
      struct timespec ts = { .tv_sec = samples[i], .tv_nsec = 123456789 };
      struct tm tm;
      ck_assert_ptr_nonnull (gmtime_r (&ts.tv_sec, &tm));
      char want[HUSK_RFC3339_MAX], got[HUSK_RFC3339_MAX];
      snprintf (want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.123456789Z", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      ck_assert_str_eq (husk_format_rfc3339_at (&ts, got), want);
    }
}
END_TEST

START_TEST (ids)
{
  id_ok ("a");
  id_ok ("web-1_x.y");
  id_ok ("0123456789abcdef");
  id_bad ("", "container id cannot be empty");
  id_bad (".hidden", "invalid container id \".hidden\": cannot start with '.'");
  id_bad ("a/b", "invalid container id \"a/b\": only letters, digits, '_', '.' and '-' are "
                 "allowed");
  id_bad ("..", "invalid container id \"..\": cannot start with '.'");
  id_bad ("sp ace", "invalid container id \"sp ace\": only letters, digits, '_', '.' and '-' "
                    "are allowed");
  char long_id[HUSK_ID_MAX + 2];
  memset (long_id, 'x', sizeof long_id - 1);
  long_id[HUSK_ID_MAX + 1] = '\0';
  id_bad (long_id, "invalid container id: longer than 1024 bytes");
  long_id[HUSK_ID_MAX] = '\0';
  id_ok (long_id);
}
END_TEST

START_TEST (dir_exists_and_missing)
{
  cleanup_err husk_err_t *err = NULL;
  cleanup_close int d1 = -1, d2 = -1, d3 = -1;
  ck_assert_int_eq (husk_state_dir_create (root_fd, "c1", &d1, &err), 0);
  ck_assert_int_lt (husk_state_dir_create (root_fd, "c1", &d2, &err), 0);
  ck_assert_str_eq (err->msg, "container \"c1\" already exists");
  husk_err_freep (&err);
  ck_assert_int_lt (husk_state_dir_open (root_fd, "nope", &d3, &err), 0);
  ck_assert_str_eq (err->msg, "container \"nope\" does not exist");
  husk_err_freep (&err);
  ck_assert_int_eq (husk_state_dir_remove (root_fd, "c1", &err), 0);
  struct stat st;
  ck_assert_int_lt (fstatat (root_fd, "c1", &st, 0), 0);
}
END_TEST

static struct husk_kv annotations[] = { { "org.x", "1" }, { "b", "two" } };

static struct husk_state
sample (pid_t pid, uint64_t start_time)
{
  return (struct husk_state){
    .id = "c1",
    .pid = pid,
    .start_time = start_time,
    .bundle = "/b",
    .rootfs = "/b/rootfs",
    .created = "2026-12-07T01:02:03.000000004Z",
    .owner = "",
    .annotations = annotations,
    .n_annotations = 2,
    .cgroup = "c1",
    .hooks = 1u << HUSK_HOOK_POSTSTOP,
  };
}

START_TEST (round_trip)
{
  cleanup_err husk_err_t *err = NULL;
  cleanup_close int d = -1;
  ck_assert_int_eq (husk_state_dir_create (root_fd, "c1", &d, &err), 0);
  struct husk_state in = sample (1234, 99);
  ck_assert_int_eq (husk_state_write (d, &in, false, &err), 0);
  cleanup_state struct husk_state *out = NULL;
  ck_assert_int_eq (husk_state_read (d, "c1", &out, &err), 0);
  ck_assert_str_eq (out->id, "c1");
  ck_assert_int_eq (out->pid, 1234);
  ck_assert_uint_eq (out->start_time, 99);
  ck_assert_str_eq (out->bundle, "/b");
  ck_assert_str_eq (out->rootfs, "/b/rootfs");
  ck_assert_str_eq (out->created, in.created);
  ck_assert_str_eq (out->cgroup, "c1");
  ck_assert_uint_eq (out->hooks, 1u << HUSK_HOOK_POSTSTOP);
  ck_assert_uint_eq (out->n_annotations, 2);
  ck_assert_str_eq (out->annotations[1].key, "b");
  ck_assert_str_eq (out->annotations[1].value, "two");
  /* no temp file left by the atomic write */
  ck_assert_int_lt (faccessat (d, "state.json.tmp", F_OK, 0), 0);

  /* the commit replaces it (by exchange), again without a temp file left */
  in.pid = 4321;
  ck_assert_int_eq (husk_state_write (d, &in, true, &err), 0);
  cleanup_state struct husk_state *again = NULL;
  ck_assert_int_eq (husk_state_read (d, "c1", &again, &err), 0);
  ck_assert_int_eq (again->pid, 4321);
  ck_assert_int_lt (faccessat (d, "state.json.tmp", F_OK, 0), 0);
}
END_TEST

START_TEST (half_created_reads_as_stopped)
{
  cleanup_err husk_err_t *err = NULL;
  cleanup_close int d = -1;
  ck_assert_int_eq (husk_state_dir_create (root_fd, "c2", &d, &err), 0);
  cleanup_state struct husk_state *st = NULL;
  ck_assert_int_eq (husk_state_read (d, "c2", &st, &err), 0);
  ck_assert_int_eq (st->pid, 0);
  ck_assert_int_eq (husk_state_status (d, st), HUSK_STATUS_STOPPED);
}
END_TEST

START_TEST (status_from_process_and_fifo)
{
  cleanup_err husk_err_t *err = NULL;
  cleanup_close int d = -1;
  ck_assert_int_eq (husk_state_dir_create (root_fd, "c3", &d, &err), 0);
  struct husk_proc_stat ps;
  ck_assert_int_eq (husk_proc_stat (getpid (), &ps), 0);
  struct husk_state st = sample (getpid (), ps.start_time);
  st.cgroup = NULL; /* no freezer to ask */
  ck_assert_int_eq (husk_state_status (d, &st), HUSK_STATUS_RUNNING);
  ck_assert_int_eq (mkfifoat (d, HUSK_EXEC_FIFO, 0600), 0);
  ck_assert_int_eq (husk_state_status (d, &st), HUSK_STATUS_CREATED);
  /* same pid, other start time: a reused pid is not the container */
  st.start_time = ps.start_time + 1;
  ck_assert_int_eq (husk_state_status (d, &st), HUSK_STATUS_STOPPED);
}
END_TEST

static yajl_val
parse (const char *json)
{
  char ebuf[128];
  yajl_val v = yajl_tree_parse (json, ebuf, sizeof ebuf);
  ck_assert_msg (v != NULL, "bad JSON: %s", ebuf);
  return v;
}

static const char *
str_at (yajl_val v, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val s = yajl_tree_get (v, path, yajl_t_string);
  ck_assert_msg (s != NULL, "no string %s", key);
  return YAJL_GET_STRING (s);
}

START_TEST (oci_state_json)
{
  struct husk_state st = sample (42, 1);
  cleanup_free char *json = husk_state_json (&st, HUSK_STATUS_RUNNING, true);
  yajl_val v = parse (json);
  ck_assert_str_eq (str_at (v, "ociVersion"), "1.3.0");
  ck_assert_str_eq (str_at (v, "id"), "c1");
  ck_assert_str_eq (str_at (v, "status"), "running");
  ck_assert_str_eq (str_at (v, "bundle"), "/b");
  ck_assert_str_eq (str_at (v, "rootfs"), "/b/rootfs");
  ck_assert_str_eq (str_at (v, "created"), st.created);
  const char *pid_path[] = { "pid", NULL };
  ck_assert_int_eq (YAJL_GET_INTEGER (yajl_tree_get (v, pid_path, yajl_t_number)), 42);
  const char *ann_path[] = { "annotations", "org.x", NULL };
  ck_assert_str_eq (YAJL_GET_STRING (yajl_tree_get (v, ann_path, yajl_t_string)), "1");
  yajl_tree_free (v);
  /* a stopped container reports pid 0, and the text ends in one newline */
  cleanup_free char *stopped = husk_state_json (&st, HUSK_STATUS_STOPPED, true);
  v = parse (stopped);
  ck_assert_int_eq (YAJL_GET_INTEGER (yajl_tree_get (v, pid_path, yajl_t_number)), 0);
  yajl_tree_free (v);
  size_t n = strlen (stopped);
  ck_assert (n > 2 && stopped[n - 1] == '\n' && stopped[n - 2] == '}');
}
END_TEST

static Suite *
state_suite (void)
{
  Suite *s = suite_create ("state");
  TCase *tc = tcase_create ("state");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, ids);
  tcase_add_test (tc, dir_exists_and_missing);
  tcase_add_test (tc, round_trip);
  tcase_add_test (tc, half_created_reads_as_stopped);
  tcase_add_test (tc, status_from_process_and_fifo);
  tcase_add_test (tc, oci_state_json);
  tcase_add_test (tc, rfc3339_matches_gmtime);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return husk_check_run (state_suite ());
}
