/* seccomp.c: the translation of linux.seccomp, checked by running each
   compiled program in a BPF interpreter with the syscall number,
   architecture and arguments a process would present. */
#include <linux/audit.h>

#include "seccomp_test.h"

/* ---- actions ---- */

struct action_case
{
  const char *name;
  husk_opt_u32 errno_ret;
  uint32_t expect; /* kernel return value */
};

static const struct action_case action_cases[] = {
  { "SCMP_ACT_KILL", NO_ERRNO, SECCOMP_RET_KILL_THREAD },
  { "SCMP_ACT_KILL_THREAD", NO_ERRNO, SECCOMP_RET_KILL_THREAD },
  { "SCMP_ACT_KILL_PROCESS", NO_ERRNO, SECCOMP_RET_KILL_PROCESS },
  { "SCMP_ACT_TRAP", NO_ERRNO, SECCOMP_RET_TRAP },
  { "SCMP_ACT_ERRNO", NO_ERRNO, SECCOMP_RET_ERRNO | EPERM },
  { "SCMP_ACT_ERRNO", ERRNO (42), SECCOMP_RET_ERRNO | 42 },
  { "SCMP_ACT_ERRNO", ERRNO (0), SECCOMP_RET_ERRNO | 0 },
  { "SCMP_ACT_TRACE", NO_ERRNO, SECCOMP_RET_TRACE | EPERM },
  { "SCMP_ACT_TRACE", ERRNO (7), SECCOMP_RET_TRACE | 7 },
  { "SCMP_ACT_ALLOW", NO_ERRNO, SECCOMP_RET_ALLOW },
  { "SCMP_ACT_LOG", NO_ERRNO, SECCOMP_RET_LOG },
  { "SCMP_ACT_NOTIFY", NO_ERRNO, SECCOMP_RET_USER_NOTIF },
};

/* Each action on a rule: the named syscall gets it, another the default. */
START_TEST (rule_action)
{
  const struct action_case *c = &action_cases[_i];
  bool is_allow = strcmp (c->name, "SCMP_ACT_ALLOW") == 0;
  char *names[] = { "getppid" };
  struct husk_seccomp_syscall call
      = { .names = names, .n_names = 1, .action = (char *)c->name, .errno_ret = c->errno_ret };
  struct husk_seccomp sc = { .default_action = is_allow ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW",
                             .default_errno_ret = is_allow ? ERRNO (38) : NO_ERRNO,
                             .syscalls = &call,
                             .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (sim_native (p, "getppid", 0, 0), c->expect);
  ck_assert_uint_eq (sim_native (p, "getpid", 0, 0),
                     is_allow ? SECCOMP_RET_ERRNO | 38 : SECCOMP_RET_ALLOW);
  ck_assert (p->notify == (strcmp (c->name, "SCMP_ACT_NOTIFY") == 0));
  husk_seccomp_prog_free (p);
}
END_TEST

/* Each action (but NOTIFY) as the default: an unlisted syscall gets it. */
START_TEST (default_action)
{
  const struct action_case *c = &action_cases[_i];
  if (strcmp (c->name, "SCMP_ACT_NOTIFY") == 0)
    return; /* refused as a default: see errors */
  bool is_allow = strcmp (c->name, "SCMP_ACT_ALLOW") == 0;
  char *names[] = { "getppid" };
  struct husk_seccomp_syscall call = {
    .names = names, .n_names = 1, .action = is_allow ? "SCMP_ACT_KILL_PROCESS" : "SCMP_ACT_ALLOW"
  };
  struct husk_seccomp sc = { .default_action = (char *)c->name,
                             .default_errno_ret = c->errno_ret,
                             .syscalls = &call,
                             .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (sim_native (p, "getpid", 0, 0), c->expect);
  ck_assert_uint_eq (sim_native (p, "getppid", 0, 0),
                     is_allow ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ALLOW);
  husk_seccomp_prog_free (p);
}
END_TEST

START_TEST (action_table_complete)
{
  /* Every action the spec lists is in the features table, and each has a case above. */
  static const char *const spec[]
      = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
          "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY" };
  const char *const *t = husk_seccomp_actions ();
  ck_assert_uint_eq (strv_len ((char *const *)t), ARRAY_SIZE (spec));
  for (size_t i = 0; i < ARRAY_SIZE (spec); i++)
    {
      bool in_table = false, tested = false;
      for (size_t j = 0; t[j]; j++)
        in_table |= strcmp (t[j], spec[i]) == 0;
      for (size_t j = 0; j < ARRAY_SIZE (action_cases); j++)
        tested |= strcmp (action_cases[j].name, spec[i]) == 0;
      ck_assert_msg (in_table && tested, "%s", spec[i]);
    }
}
END_TEST

/* ---- operators ---- */

static bool
reference_match (const char *op, uint64_t arg, uint64_t v, uint64_t v2)
{
  if (strcmp (op, "SCMP_CMP_NE") == 0)
    return arg != v;
  if (strcmp (op, "SCMP_CMP_LT") == 0)
    return arg < v;
  if (strcmp (op, "SCMP_CMP_LE") == 0)
    return arg <= v;
  if (strcmp (op, "SCMP_CMP_EQ") == 0)
    return arg == v;
  if (strcmp (op, "SCMP_CMP_GE") == 0)
    return arg >= v;
  if (strcmp (op, "SCMP_CMP_GT") == 0)
    return arg > v;
  if (strcmp (op, "SCMP_CMP_MASKED_EQ") == 0)
    return (arg & v) == v2; /* value is the mask, valueTwo the result */
  ck_abort_msg ("no reference for %s", op);
  return false;
}

static const uint64_t probe_values[] = {
  0,          1,           4,           5,           6,           0xff,        0x105,
  0xffffffff, 0x100000000, 0x100000004, 0x100000005, 0x100000006, 0x500000005, UINT64_MAX,
};

/* Each operator against 64-bit values, low and high words both mattering. */
START_TEST (operator)
{
  const char *op = husk_seccomp_operators ()[_i];
  const uint64_t values[][2]
      = { { 5, 0 }, { 0x100000005, 0 }, { 0xff, 5 }, { 0x1000000ff, 0x100000005 } };
  for (size_t v = 0; v < ARRAY_SIZE (values); v++)
    {
      char *names[] = { "getppid" };
      struct husk_seccomp_arg arg
          = { .index = 1, .value = values[v][0], .value_two = values[v][1], .op = (char *)op };
      struct husk_seccomp_syscall call = { .names = names,
                                           .n_names = 1,
                                           .action = "SCMP_ACT_ERRNO",
                                           .errno_ret = ERRNO (99),
                                           .args = &arg,
                                           .n_args = 1 };
      struct husk_seccomp sc
          = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &call, .n_syscalls = 1 };
      struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
      for (size_t k = 0; k < ARRAY_SIZE (probe_values); k++)
        {
          uint64_t a = probe_values[k];
          bool match = reference_match (op, a, values[v][0], values[v][1]);
          uint32_t got = sim_native (p, "getppid", 12345, a);
          ck_assert_msg (got == (match ? SECCOMP_RET_ERRNO | 99 : SECCOMP_RET_ALLOW),
                         "%s value=%#lx valueTwo=%#lx arg=%#lx: got %#x", op,
                         (unsigned long)values[v][0], (unsigned long)values[v][1], (unsigned long)a,
                         got);
        }
      husk_seccomp_prog_free (p);
    }
}
END_TEST

START_TEST (operator_table_complete)
{
  ck_assert_uint_eq (strv_len ((char *const *)husk_seccomp_operators ()), 7);
}
END_TEST

/* Conditions on different arguments all have to hold. */
START_TEST (args_and)
{
  char *names[] = { "getppid" };
  struct husk_seccomp_arg args[] = { { .index = 0, .value = 1, .op = "SCMP_CMP_EQ" },
                                     { .index = 2, .value = 2, .op = "SCMP_CMP_EQ" } };
  struct husk_seccomp_syscall call
      = { .names = names, .n_names = 1, .action = "SCMP_ACT_ALLOW", .args = args, .n_args = 2 };
  struct husk_seccomp sc
      = { .default_action = "SCMP_ACT_ERRNO", .syscalls = &call, .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  int nr = seccomp_syscall_resolve_name ("getppid");
  uint64_t both[6] = { 1, 0, 2 }, first[6] = { 1, 0, 3 }, second[6] = { 0, 0, 2 };
  ck_assert_uint_eq (sim (p, seccomp_arch_native (), nr, both), SECCOMP_RET_ALLOW);
  ck_assert_uint_eq (sim (p, seccomp_arch_native (), nr, first), SECCOMP_RET_ERRNO | EPERM);
  ck_assert_uint_eq (sim (p, seccomp_arch_native (), nr, second), SECCOMP_RET_ERRNO | EPERM);
  husk_seccomp_prog_free (p);
}
END_TEST

/* runc: when two conditions name the same argument, each becomes a rule of
   its own, so either one matching is enough. */
START_TEST (args_same_index_or)
{
  char *names[] = { "getppid" };
  struct husk_seccomp_arg args[] = { { .index = 0, .value = 1, .op = "SCMP_CMP_EQ" },
                                     { .index = 0, .value = 2, .op = "SCMP_CMP_EQ" },
                                     { .index = 1, .value = 9, .op = "SCMP_CMP_EQ" } };
  struct husk_seccomp_syscall call
      = { .names = names, .n_names = 1, .action = "SCMP_ACT_ALLOW", .args = args, .n_args = 3 };
  struct husk_seccomp sc
      = { .default_action = "SCMP_ACT_ERRNO", .syscalls = &call, .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (sim_native (p, "getppid", 1, 0), SECCOMP_RET_ALLOW);
  ck_assert_uint_eq (sim_native (p, "getppid", 2, 0), SECCOMP_RET_ALLOW);
  ck_assert_uint_eq (sim_native (p, "getppid", 3, 9), SECCOMP_RET_ALLOW);
  ck_assert_uint_eq (sim_native (p, "getppid", 3, 0), SECCOMP_RET_ERRNO | EPERM);
  husk_seccomp_prog_free (p);
}
END_TEST

/* Every name of an entry gets the rule; unknown names are skipped. */
START_TEST (names_and_unknown)
{
  char *names[] = { "getppid", "no_such_syscall_husk", "getuid" };
  struct husk_seccomp_syscall call = { .names = names, .n_names = 3, .action = "SCMP_ACT_LOG" };
  struct husk_seccomp sc
      = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &call, .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (sim_native (p, "getppid", 0, 0), SECCOMP_RET_LOG);
  ck_assert_uint_eq (sim_native (p, "getuid", 0, 0), SECCOMP_RET_LOG);
  ck_assert_uint_eq (sim_native (p, "getgid", 0, 0), SECCOMP_RET_ALLOW);
  husk_seccomp_prog_free (p);
}
END_TEST

/* A rule repeating the default is dropped (libseccomp would refuse it). */
START_TEST (rule_same_as_default)
{
  char *names[] = { "getppid" };
  struct husk_seccomp_syscall calls[] = {
    { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = ERRNO (5) },
    { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = ERRNO (6) },
  };
  struct husk_seccomp sc = { .default_action = "SCMP_ACT_ERRNO",
                             .default_errno_ret = ERRNO (5),
                             .syscalls = calls,
                             .n_syscalls = 2 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (sim_native (p, "getppid", 0, 0), SECCOMP_RET_ERRNO | 6);
  ck_assert_uint_eq (sim_native (p, "getpid", 0, 0), SECCOMP_RET_ERRNO | 5);
  husk_seccomp_prog_free (p);
}
END_TEST

START_TEST (empty_section_no_filter)
{
  struct husk_seccomp sc = { 0 };
  husk_err_t *err = NULL;
  struct husk_seccomp_prog *p = (void *)1;
  ck_assert_int_eq (husk_seccomp_compile (&sc, NULL, &p, &err), 0);
  ck_assert_ptr_null (p);
}
END_TEST

/* ---- architectures ---- */

/* What the kernel puts in seccomp_data.arch for a libseccomp token: the
   same value, except x32, which runs as x86_64 with a flag in nr. */
static uint32_t
audit_arch_of (uint32_t token)
{
  return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

START_TEST (architecture)
{
  const char *name = husk_seccomp_archs ()[_i];
  uint32_t token = seccomp_arch_resolve_name (name + strlen ("SCMP_ARCH_"));
  if (token == 0)
    {
      /* libseccomp's short names are lower case: x86_64, aarch64, ... */
      char lower[32];
      size_t n = 0;
      for (const char *s = name + strlen ("SCMP_ARCH_"); *s && n + 1 < sizeof lower; s++)
        lower[n++] = (*s >= 'A' && *s <= 'Z') ? *s - 'A' + 'a' : *s;
      lower[n] = '\0';
      token = seccomp_arch_resolve_name (lower);
    }
  ck_assert_msg (token != 0, "libseccomp does not know %s", name);
  int getppid_nr = seccomp_syscall_resolve_name_arch (token, "getppid");
  int getuid_nr = seccomp_syscall_resolve_name_arch (token, "getuid");
  ck_assert_int_ge (getppid_nr, 0);

  char *names[] = { "getppid" };
  struct husk_seccomp_syscall call
      = { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = ERRNO (11) };
  char *arches[] = { (char *)name };
  struct husk_seccomp sc = { .default_action = "SCMP_ACT_ALLOW",
                             .architectures = arches,
                             .n_architectures = 1,
                             .syscalls = &call,
                             .n_syscalls = 1 };
  /* libseccomp itself refuses some (another byte order): then husk must
     fail with an error naming the architecture. */
  scmp_filter_ctx probe = seccomp_init (SCMP_ACT_ALLOW);
  int accepted = seccomp_arch_add (probe, token);
  seccomp_release (probe);
  if (accepted < 0 && accepted != -EEXIST)
    {
      cleanup_free char *msg = compile_err (&sc);
      ck_assert_msg (strstr (msg, name) && strstr (msg, "architectures[0]"), "%s", msg);
      return;
    }
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (sim (p, audit_arch_of (token), getppid_nr, NULL), SECCOMP_RET_ERRNO | 11);
  if (getuid_nr >= 0)
    ck_assert_uint_eq (sim (p, audit_arch_of (token), getuid_nr, NULL), SECCOMP_RET_ALLOW);
  husk_seccomp_prog_free (p);

  /* Without it in the list, a foreign architecture is refused outright. */
  if (token != seccomp_arch_native ())
    {
      sc.n_architectures = 0;
      p = compile_ok (&sc, NULL);
      uint32_t r = sim (p, audit_arch_of (token), getppid_nr, NULL);
      ck_assert_msg (r != SECCOMP_RET_ERRNO + 11
                         && (r & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW,
                     "%s not listed, yet got %#x", name, r);
      husk_seccomp_prog_free (p);
    }
}
END_TEST

/* ---- flags ---- */

struct flag_case
{
  const char *name;
  uint32_t value;
};

static const struct flag_case flag_cases[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5 },
};

START_TEST (flag)
{
  const struct flag_case *f = &flag_cases[_i];
  char *flags[] = { (char *)f->name };
  char *names[] = { "getppid" };
  struct husk_seccomp_syscall call = { .names = names, .n_names = 1, .action = "SCMP_ACT_NOTIFY" };
  struct husk_seccomp sc = { .default_action = "SCMP_ACT_ALLOW",
                             .flags = flags,
                             .n_flags = 1,
                             .syscalls = &call,
                             .n_syscalls = 1 };
  struct husk_seccomp_prog *p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (p->flags, f->value);
  ck_assert (p->notify);
  husk_seccomp_prog_free (p);

  /* Without a listener, WAIT_KILLABLE_RECV means nothing and is dropped. */
  call.action = "SCMP_ACT_LOG";
  p = compile_ok (&sc, NULL);
  ck_assert_uint_eq (p->flags, f->value == (1U << 5) ? 0 : f->value);
  ck_assert (!p->notify);
  husk_seccomp_prog_free (p);
}
END_TEST

START_TEST (flag_tables)
{
  const char *const *known = husk_seccomp_known_flags ();
  ck_assert_uint_eq (strv_len ((char *const *)known), ARRAY_SIZE (flag_cases));
  for (size_t i = 0; i < ARRAY_SIZE (flag_cases); i++)
    ck_assert_int_eq (husk_seccomp_flag_value (flag_cases[i].name), flag_cases[i].value);
  ck_assert_int_eq (husk_seccomp_flag_value ("SECCOMP_FILTER_FLAG_BOGUS"), -1);
  /* Supported flags are a subset of the known ones. */
  for (const char *const *s = husk_seccomp_supported_flags (); *s; s++)
    ck_assert_int_ge (husk_seccomp_flag_value (*s), 0);
}
END_TEST

/* ---- errors ---- */

START_TEST (errors)
{
  char *names[] = { "getppid" };
  char *write_names[] = { "read", "write" };
  char *bad_flag[] = { "SECCOMP_FILTER_FLAG_BOGUS" };
  char *bad_arch[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_VAX" };
  char *empty_name[] = { "getppid", "" };
  struct husk_seccomp_arg bad_op = { .index = 0, .op = "SCMP_CMP_APPROX" };
  struct husk_seccomp_arg bad_index = { .index = 6, .op = "SCMP_CMP_EQ" };
  struct husk_seccomp_syscall ok_call = { .names = names, .n_names = 1, .action = "SCMP_ACT_LOG" };
  struct
  {
    struct husk_seccomp sc;
    struct husk_seccomp_syscall call;
    const char *expect;
  } cases[] = {
    { { .default_action = "SCMP_ACT_MAYBE" },
      ok_call,
      "config.json: linux.seccomp.defaultAction: unknown action `SCMP_ACT_MAYBE`" },
    { { .default_action = "SCMP_ACT_ALLOW" },
      { .names = names, .n_names = 1, .action = "SCMP_ACT_NOPE" },
      "config.json: linux.seccomp.syscalls[1].action: unknown action `SCMP_ACT_NOPE`" },
    { { .default_action = "SCMP_ACT_ALLOW" },
      { .names = names, .n_names = 1, .action = "SCMP_ACT_KILL", .errno_ret = ERRNO (1) },
      "config.json: linux.seccomp.syscalls[1].errnoRet: not allowed with action SCMP_ACT_KILL" },
    { { .default_action = "SCMP_ACT_ALLOW", .default_errno_ret = ERRNO (1) },
      ok_call,
      "config.json: linux.seccomp.defaultErrnoRet: not allowed with action SCMP_ACT_ALLOW" },
    { { .default_action = "SCMP_ACT_ALLOW" },
      { .names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = ERRNO (70000) },
      "config.json: linux.seccomp.syscalls[1].errnoRet: 70000 out of range" },
    { { .default_action = "SCMP_ACT_ALLOW", .flags = bad_flag, .n_flags = 1 },
      ok_call,
      "config.json: linux.seccomp.flags[0]: unknown flag `SECCOMP_FILTER_FLAG_BOGUS`" },
    { { .default_action = "SCMP_ACT_ALLOW", .architectures = bad_arch, .n_architectures = 2 },
      ok_call,
      "config.json: linux.seccomp.architectures[1]: unknown architecture `SCMP_ARCH_VAX`" },
    { { .default_action = "SCMP_ACT_ERRNO" },
      { .names = names, .n_names = 1, .action = "SCMP_ACT_ALLOW", .args = &bad_op, .n_args = 1 },
      "config.json: linux.seccomp.syscalls[1].args[0].op: unknown operator `SCMP_CMP_APPROX`" },
    { { .default_action = "SCMP_ACT_ERRNO" },
      { .names = names, .n_names = 1, .action = "SCMP_ACT_ALLOW", .args = &bad_index, .n_args = 1 },
      "config.json: linux.seccomp.syscalls[1].args[0].index: 6 out of range" },
    { { .default_action = "SCMP_ACT_NOTIFY" },
      ok_call,
      "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
    { { .default_action = "SCMP_ACT_ALLOW" },
      { .names = write_names, .n_names = 2, .action = "SCMP_ACT_NOTIFY" },
      "config.json: linux.seccomp.syscalls[1]: SCMP_ACT_NOTIFY cannot be used for the write "
      "syscall" },
    { { .default_action = "SCMP_ACT_ALLOW" },
      { .names = empty_name, .n_names = 2, .action = "SCMP_ACT_LOG" },
      "config.json: linux.seccomp.syscalls[1].names[1]: empty name" },
    { { .default_action = NULL },
      ok_call,
      "config.json: linux.seccomp.defaultAction: unknown action ``" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      /* The bad entry is second, after a good one, so the index is checked too. */
      struct husk_seccomp_syscall calls[2] = { ok_call, cases[i].call };
      cases[i].sc.syscalls = calls;
      cases[i].sc.n_syscalls = 2;
      cleanup_free char *msg = compile_err (&cases[i].sc);
      ck_assert_msg (husk_has_prefix (msg, cases[i].expect), "case %zu: got `%s`, want `%s`", i,
                     msg, cases[i].expect);
    }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("seccomp");
  TCase *translate = tcase_create ("translate");
  tcase_add_loop_test (translate, rule_action, 0, ARRAY_SIZE (action_cases));
  tcase_add_loop_test (translate, default_action, 0, ARRAY_SIZE (action_cases));
  tcase_add_test (translate, action_table_complete);
  tcase_add_loop_test (translate, operator, 0, 7);
  tcase_add_test (translate, operator_table_complete);
  tcase_add_test (translate, args_and);
  tcase_add_test (translate, args_same_index_or);
  tcase_add_test (translate, names_and_unknown);
  tcase_add_test (translate, rule_same_as_default);
  tcase_add_test (translate, empty_section_no_filter);
  size_t n_archs = strv_len ((char *const *)husk_seccomp_archs ());
  tcase_add_loop_test (translate, architecture, 0, n_archs);
  tcase_add_loop_test (translate, flag, 0, ARRAY_SIZE (flag_cases));
  tcase_add_test (translate, flag_tables);
  tcase_add_test (translate, errors);
  suite_add_tcase (s, translate);
  return husk_check_run (s);
}
