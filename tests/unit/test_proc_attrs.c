/* personality, scheduler, ioPriority, memoryPolicy, execCPUAffinity. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "husk/log.h"
#include "husk/proc_attrs.h"
#include "husk/util.h"

#include "check_main.h"

#define P "config.json: process"

/* Expect failure with exactly `want` as the message. */
#define ASSERT_ERR(call, want)                                                                     \
  do                                                                                               \
    {                                                                                              \
      cleanup_err husk_err_t *err = NULL;                                                          \
      ck_assert_int_lt (call, 0);                                                                  \
      ck_assert_ptr_nonnull (err);                                                                 \
      ck_assert_str_eq (err->msg, want);                                                           \
    }                                                                                              \
  while (0)

#define ASSERT_OK(call)                                                                            \
  do                                                                                               \
    {                                                                                              \
      cleanup_err husk_err_t *err = NULL;                                                          \
      ck_assert_int_eq (call, 0);                                                                  \
      ck_assert_ptr_null (err);                                                                    \
    }                                                                                              \
  while (0)

static bool
bit (const unsigned long *bits, size_t i)
{
  return (bits[i / (8 * sizeof (long))] >> (i % (8 * sizeof (long)))) & 1;
}

START_TEST (id_lists)
{
  unsigned long bits[1024 / (8 * sizeof (long))];
  ck_assert_int_eq (husk_id_list_parse ("0-3,7", bits, 1024), 0);
  for (size_t i = 0; i < 1024; i++)
    ck_assert_msg (bit (bits, i) == (i <= 3 || i == 7), "bit %zu", i);
  ck_assert_int_eq (husk_id_list_parse ("5", bits, 1024), 0);
  ck_assert (bit (bits, 5) && !bit (bits, 0) && !bit (bits, 7)); /* cleared first */
  ck_assert_int_eq (husk_id_list_parse ("2,2,1-2", bits, 1024), 0);
  ck_assert (bit (bits, 1) && bit (bits, 2) && !bit (bits, 3));
  ck_assert_int_eq (husk_id_list_parse ("1023", bits, 1024), 0);
  ck_assert (bit (bits, 1023));
  ck_assert_int_eq (husk_id_list_parse ("64-127", bits, 1024), 0);
  ck_assert (!bit (bits, 63) && bit (bits, 64) && bit (bits, 127) && !bit (bits, 128));

  static const char *const bad[] = { "",   "1024", "3-1",   "1,,2", "1,",  ",1",  "a",
                                     "1-", "-1",   "1 - 2", " 1",   "1\n", "0x1", "99999999999" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    ck_assert_msg (husk_id_list_parse (bad[i], bits, 1024) < 0, "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST (personality)
{
  unsigned long persona = 99;
  struct husk_personality p = { .domain = (char *)"LINUX" };
  ASSERT_OK (husk_personality_resolve (&p, &persona, &err));
  ck_assert_uint_eq (persona, 0x0000);
  p.domain = (char *)"LINUX32";
  ASSERT_OK (husk_personality_resolve (&p, &persona, &err));
  ck_assert_uint_eq (persona, 0x0008);
  p.domain = (char *)"linux";
  ASSERT_ERR (husk_personality_resolve (&p, &persona, &err),
              "config.json: linux.personality.domain: unknown domain \"linux\" (expected LINUX "
              "or LINUX32)");

  /* Flags are not an error, but they are reported. */
  char path[] = "/tmp/husk-test-persona-XXXXXX";
  int fd = mkstemp (path);
  ck_assert_int_ge (fd, 0);
  close (fd);
  ck_assert_int_eq (husk_log_init (path, false, false), 0);
  char *flags[] = { (char *)"ADDR_NO_RANDOMIZE" };
  struct husk_personality pf = { .domain = (char *)"LINUX", .flags = flags, .n_flags = 1 };
  ASSERT_OK (husk_personality_resolve (&pf, &persona, &err));
  cleanup_free char *log = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_read_file_at (AT_FDCWD, path, &log, NULL, &err), 0);
  unlink (path);
  ck_assert_ptr_nonnull (strstr (log, "level=warning"));
  ck_assert_ptr_nonnull (strstr (log, "linux.personality.flags[0]"));
  ck_assert_ptr_nonnull (strstr (log, "ADDR_NO_RANDOMIZE"));
}
END_TEST

START_TEST (scheduler)
{
  static const struct
  {
    const char *name;
    unsigned value;
  } policies[] = {
    { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
    { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
  };
  for (size_t i = 0; i < ARRAY_SIZE (policies); i++)
    {
      const struct husk_named_value *v
          = husk_named_value_lookup (husk_sched_policies, policies[i].name);
      ck_assert_ptr_nonnull (v);
      ck_assert_uint_eq (v->value, policies[i].value);
    }

  char *flags[] = { (char *)"SCHED_FLAG_RESET_ON_FORK", (char *)"SCHED_FLAG_UTIL_CLAMP_MAX" };
  struct husk_scheduler s
      = { .policy = (char *)"SCHED_BATCH", .nice = -5, .flags = flags, .n_flags = 2 };
  struct husk_sched_attr a;
  ASSERT_OK (husk_sched_resolve (&s, P, &a, &err));
  ck_assert_uint_eq (a.size, 48);
  ck_assert_uint_eq (a.sched_policy, 3);
  ck_assert_uint_eq (a.sched_flags, 0x01 | 0x40);
  ck_assert_int_eq (a.sched_nice, -5);
  ck_assert_uint_eq (a.sched_priority, 0);

  struct husk_scheduler rr = { .policy = (char *)"SCHED_RR", .priority = 10 };
  ASSERT_OK (husk_sched_resolve (&rr, P, &a, &err));
  ck_assert_uint_eq (a.sched_policy, 2);
  ck_assert_uint_eq (a.sched_priority, 10);

  struct husk_scheduler dl = { .policy = (char *)"SCHED_DEADLINE" };
  dl.runtime = (husk_opt_u64){ true, 10000000 };
  dl.deadline = (husk_opt_u64){ true, 30000000 };
  dl.period = (husk_opt_u64){ true, 30000000 };
  ASSERT_OK (husk_sched_resolve (&dl, P, &a, &err));
  ck_assert_uint_eq (a.sched_policy, 6);
  ck_assert_uint_eq (a.sched_runtime, 10000000);
  ck_assert_uint_eq (a.sched_deadline, 30000000);
  ck_assert_uint_eq (a.sched_period, 30000000);

  struct husk_scheduler bad = { .policy = (char *)"SCHED_FOO" };
  ASSERT_ERR (husk_sched_resolve (&bad, P, &a, &err),
              "config.json: process.scheduler.policy: unknown policy \"SCHED_FOO\"");
  char *badflag[] = { (char *)"SCHED_FLAG_RECLAIM", (char *)"SCHED_FLAG_FOO" };
  struct husk_scheduler bf = { .policy = (char *)"SCHED_OTHER", .flags = badflag, .n_flags = 2 };
  ASSERT_ERR (husk_sched_resolve (&bf, "process.json", &a, &err),
              "process.json.scheduler.flags[1]: unknown flag \"SCHED_FLAG_FOO\"");
  struct husk_scheduler nice = { .policy = (char *)"SCHED_OTHER", .nice = 20 };
  ASSERT_ERR (husk_sched_resolve (&nice, P, &a, &err),
              "config.json: process.scheduler.nice: 20 is out of range -20..19");
  struct husk_scheduler prio = { .policy = (char *)"SCHED_OTHER", .priority = 5 };
  ASSERT_ERR (husk_sched_resolve (&prio, P, &a, &err),
              "config.json: process.scheduler.priority: only SCHED_FIFO and SCHED_RR take one");
  struct husk_scheduler fifo0 = { .policy = (char *)"SCHED_FIFO" };
  ASSERT_ERR (husk_sched_resolve (&fifo0, P, &a, &err),
              "config.json: process.scheduler.priority: 0 is out of range 1..99 for SCHED_FIFO");
  struct husk_scheduler rt_dl = { .policy = (char *)"SCHED_RR", .priority = 1 };
  rt_dl.period = (husk_opt_u64){ true, 100 };
  ASSERT_ERR (husk_sched_resolve (&rt_dl, P, &a, &err),
              "config.json: process.scheduler: runtime, deadline and period are only for "
              "SCHED_DEADLINE");
}
END_TEST

START_TEST (io_priority)
{
  int v = -1;
  struct husk_io_priority p = { .class_ = (char *)"IOPRIO_CLASS_RT", .priority = 4 };
  ASSERT_OK (husk_ioprio_resolve (&p, P, &v, &err));
  ck_assert_int_eq (v, (1 << 13) | 4);
  p = (struct husk_io_priority){ .class_ = (char *)"IOPRIO_CLASS_BE", .priority = 7 };
  ASSERT_OK (husk_ioprio_resolve (&p, P, &v, &err));
  ck_assert_int_eq (v, (2 << 13) | 7);
  p = (struct husk_io_priority){ .class_ = (char *)"IOPRIO_CLASS_IDLE", .priority = 0 };
  ASSERT_OK (husk_ioprio_resolve (&p, P, &v, &err));
  ck_assert_int_eq (v, 3 << 13);

  p = (struct husk_io_priority){ .class_ = (char *)"IOPRIO_CLASS_BE", .priority = 8 };
  ASSERT_ERR (husk_ioprio_resolve (&p, P, &v, &err),
              "config.json: process.ioPriority.priority: 8 is out of range 0..7");
  p = (struct husk_io_priority){ .class_ = (char *)"IOPRIO_CLASS_BE", .priority = -1 };
  ASSERT_ERR (husk_ioprio_resolve (&p, P, &v, &err),
              "config.json: process.ioPriority.priority: -1 is out of range 0..7");
  p = (struct husk_io_priority){ .class_ = (char *)"IOPRIO_CLASS_NONE" };
  ASSERT_ERR (husk_ioprio_resolve (&p, P, &v, &err),
              "config.json: process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\"");
}
END_TEST

START_TEST (memory_policy)
{
  struct husk_mempolicy mp;
  struct husk_memory_policy p = { .mode = (char *)"MPOL_BIND", .nodes = (char *)"0-1" };
  ASSERT_OK (husk_mempolicy_resolve (&p, &mp, &err));
  ck_assert_int_eq (mp.mode, 2);
  ck_assert (bit (mp.nodemask, 0) && bit (mp.nodemask, 1) && !bit (mp.nodemask, 2));
  ck_assert_uint_eq (mp.maxnode, 1025);

  char *flags[] = { (char *)"MPOL_F_STATIC_NODES", (char *)"MPOL_F_NUMA_BALANCING" };
  p = (struct husk_memory_policy){
    .mode = (char *)"MPOL_BIND", .nodes = (char *)"3", .flags = flags, .n_flags = 2
  };
  ASSERT_OK (husk_mempolicy_resolve (&p, &mp, &err));
  ck_assert_int_eq (mp.mode, 2 | (1 << 15) | (1 << 13));

  static const struct
  {
    const char *mode;
    int value;
    const char *nodes;
  } ok[] = {
    { "MPOL_DEFAULT", 0, NULL },
    { "MPOL_PREFERRED", 1, NULL },
    { "MPOL_PREFERRED", 1, "1" },
    { "MPOL_INTERLEAVE", 3, "0,2" },
    { "MPOL_LOCAL", 4, "" },
    { "MPOL_PREFERRED_MANY", 5, "0-3" },
    { "MPOL_WEIGHTED_INTERLEAVE", 6, "1-2" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (ok); i++)
    {
      p = (struct husk_memory_policy){ .mode = (char *)ok[i].mode, .nodes = (char *)ok[i].nodes };
      ASSERT_OK (husk_mempolicy_resolve (&p, &mp, &err));
      ck_assert_int_eq (mp.mode, ok[i].value);
      ck_assert_uint_eq (mp.maxnode, ok[i].nodes && *ok[i].nodes ? 1025 : 0);
    }

  p = (struct husk_memory_policy){ .mode = (char *)"MPOL_DEFAULT", .nodes = (char *)"0" };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.nodes: must be empty for MPOL_DEFAULT");
  p = (struct husk_memory_policy){ .mode = (char *)"MPOL_INTERLEAVE" };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.nodes: required for MPOL_INTERLEAVE");
  p = (struct husk_memory_policy){ .mode = (char *)"MPOL_BIND", .nodes = (char *)"0-" };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.nodes: invalid node list \"0-\"");
  p = (struct husk_memory_policy){ .mode = (char *)"MPOL_BIND", .nodes = (char *)"1024" };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.nodes: invalid node list \"1024\"");
  p = (struct husk_memory_policy){ .mode = (char *)"bind" };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.mode: unknown mode \"bind\"");
  char *bad[] = { (char *)"MPOL_F_STATIC_NODES", (char *)"MPOL_F_FOO" };
  p = (struct husk_memory_policy){
    .mode = (char *)"MPOL_BIND", .nodes = (char *)"0", .flags = bad, .n_flags = 2
  };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.flags[1]: unknown flag \"MPOL_F_FOO\"");
  char *both[] = { (char *)"MPOL_F_STATIC_NODES", (char *)"MPOL_F_RELATIVE_NODES" };
  p = (struct husk_memory_policy){
    .mode = (char *)"MPOL_BIND", .nodes = (char *)"0", .flags = both, .n_flags = 2
  };
  ASSERT_ERR (husk_mempolicy_resolve (&p, &mp, &err),
              "config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and "
              "MPOL_F_RELATIVE_NODES exclude each other");

  /* The features list: every mode and flag the spec names. */
  static const char *const modes[]
      = { "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
          "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL" };
  for (size_t i = 0; i < ARRAY_SIZE (modes); i++)
    ck_assert_ptr_nonnull (husk_named_value_lookup (husk_mempolicy_modes, modes[i]));
  ck_assert_ptr_null (husk_mempolicy_modes[ARRAY_SIZE (modes)].name);
  ck_assert_ptr_null (husk_mempolicy_flags[3].name);
}
END_TEST

START_TEST (cpu_affinity)
{
  struct husk_cpu_affinity r;
  struct husk_exec_cpu_affinity a = { .initial = (char *)"0-1", .final = (char *)"3,1023" };
  ASSERT_OK (husk_cpu_affinity_resolve (&a, P, &r, &err));
  ck_assert (r.has_initial && r.has_final);
  ck_assert_int_eq (CPU_COUNT (&r.initial), 2);
  ck_assert (CPU_ISSET (0, &r.initial) && CPU_ISSET (1, &r.initial));
  ck_assert_int_eq (CPU_COUNT (&r.final), 2);
  ck_assert (CPU_ISSET (3, &r.final) && CPU_ISSET (1023, &r.final));

  a = (struct husk_exec_cpu_affinity){ .final = (char *)"2" };
  ASSERT_OK (husk_cpu_affinity_resolve (&a, P, &r, &err));
  ck_assert (!r.has_initial && r.has_final);

  a = (struct husk_exec_cpu_affinity){ .initial = (char *)"0-x" };
  ASSERT_ERR (husk_cpu_affinity_resolve (&a, P, &r, &err),
              "config.json: process.execCPUAffinity.initial: invalid cpu list \"0-x\"");
  a = (struct husk_exec_cpu_affinity){ .initial = (char *)"0", .final = (char *)"1024" };
  ASSERT_ERR (husk_cpu_affinity_resolve (&a, P, &r, &err),
              "config.json: process.execCPUAffinity.final: invalid cpu list \"1024\"");
  a = (struct husk_exec_cpu_affinity){ .initial = (char *)"" };
  ASSERT_ERR (husk_cpu_affinity_resolve (&a, "process.json", &r, &err),
              "process.json.execCPUAffinity.initial: invalid cpu list \"\"");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("proc_attrs");
  TCase *tc = tcase_create ("proc_attrs");
  tcase_add_test (tc, id_lists);
  tcase_add_test (tc, personality);
  tcase_add_test (tc, scheduler);
  tcase_add_test (tc, io_priority);
  tcase_add_test (tc, memory_policy);
  tcase_add_test (tc, cpu_affinity);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
