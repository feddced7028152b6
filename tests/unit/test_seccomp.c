/* seccomp.c / seccomp_cache.c: linux.seccomp → BPF, checked by running the
   compiled program in a small BPF interpreter (seccomp_sim.h) with the
   syscall number, architecture and arguments a process would present.
   Expected values come from the kernel's SECCOMP_RET_* constants and the
   runtime-spec's semantics, not from the translator's own tables. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <seccomp.h>

#include "husk/log.h"
#include "husk/seccomp.h"
#include "husk/util.h"
#include "seccomp_sim.h"

#define NO_ERRNO ((husk_opt_u32){ 0 })
#define ERRNO(n) ((husk_opt_u32){ true, (n) })

/* ---- helpers ---- */

static struct husk_seccomp_prog *
compile_ok (const struct husk_seccomp *sc, const char *cache_dir)
{
  husk_err_t *err = NULL;
  struct husk_seccomp_prog *p = NULL;
  int r = husk_seccomp_compile (sc, cache_dir, &p, &err);
  ck_assert_msg (r == 0, "compile failed: %s", err ? err->msg : "?");
  ck_assert_ptr_nonnull (p);
  return p;
}

/* The error message of a compile that must fail. */
static char *
compile_err (const struct husk_seccomp *sc)
{
  husk_err_t *err = NULL;
  struct husk_seccomp_prog *p = NULL;
  int r = husk_seccomp_compile (sc, NULL, &p, &err);
  ck_assert_int_lt (r, 0);
  ck_assert_ptr_null (p);
  ck_assert_ptr_nonnull (err);
  char *msg = xstrdup (err->msg);
  husk_err_free (err);
  return msg;
}

static uint32_t
sim (const struct husk_seccomp_prog *p, uint32_t arch, int nr, const uint64_t args[6])
{
  struct seccomp_data d = { .nr = nr, .arch = arch };
  if (args)
    memcpy (d.args, args, sizeof d.args);
  uint32_t r = sim_run (p->filter, p->len, &d);
  ck_assert_msg (sim_error == NULL, "simulation: %s", sim_error);
  return r;
}

/* A native syscall by name, with its first two arguments. */
static uint32_t
sim_native (const struct husk_seccomp_prog *p, const char *name, uint64_t a0, uint64_t a1)
{
  int nr = seccomp_syscall_resolve_name (name);
  ck_assert_int_ge (nr, 0);
  uint64_t args[6] = { a0, a1 };
  return sim (p, seccomp_arch_native (), nr, args);
}

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

/* ---- the cache ---- */

static char *
make_tmpdir (void)
{
  char *d = xstrdup ("/tmp/husk-test-seccomp-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (d));
  return d;
}

static void
rm_rf (const char *dir)
{
  cleanup_free char *cmd = xasprintf ("rm -rf '%s'", dir);
  ck_assert_int_eq (system (cmd), 0);
}

static void
assert_same_prog (const struct husk_seccomp_prog *a, const struct husk_seccomp_prog *b)
{
  ck_assert_uint_eq (a->len, b->len);
  ck_assert_uint_eq (a->flags, b->flags);
  ck_assert (a->notify == b->notify);
  ck_assert (memcmp (a->filter, b->filter, a->len * sizeof *a->filter) == 0);
}

/* A profile with a bit of everything, mutable field by field. */
struct sample
{
  char *names0[3];
  char *names1[1];
  char *arches[2];
  char *flags[1];
  struct husk_seccomp_arg args[2];
  struct husk_seccomp_syscall calls[2];
  struct husk_seccomp sc;
};

static void
sample_init (struct sample *s)
{
  *s = (struct sample){
    .names0 = { "getppid", "getuid", "getgid" },
    .names1 = { "personality" },
    .arches = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86" },
    .flags = { "SECCOMP_FILTER_FLAG_LOG" },
    .args = { { .index = 0, .value = 8, .op = "SCMP_CMP_EQ" },
              { .index = 1, .value = 0xff, .value_two = 3, .op = "SCMP_CMP_MASKED_EQ" } },
  };
  s->calls[0] = (struct husk_seccomp_syscall){ .names = s->names0,
                                               .n_names = 3,
                                               .action = "SCMP_ACT_ALLOW" };
  s->calls[1] = (struct husk_seccomp_syscall){
    .names = s->names1, .n_names = 1, .action = "SCMP_ACT_ALLOW", .args = s->args, .n_args = 2
  };
  s->sc = (struct husk_seccomp){ .default_action = "SCMP_ACT_ERRNO",
                                 .default_errno_ret = ERRNO (38),
                                 .architectures = s->arches,
                                 .n_architectures = 2,
                                 .flags = s->flags,
                                 .n_flags = 1,
                                 .syscalls = s->calls,
                                 .n_syscalls = 2 };
}

static char *
key_of (const struct husk_seccomp *sc)
{
  char hex[65];
  husk_seccomp_cache_key (sc, hex);
  ck_assert_uint_eq (strlen (hex), 64);
  return xstrdup (hex);
}

/* Any change to a rule or value changes the key; each mutation its own. */
START_TEST (cache_key_changes)
{
  struct sample s;
  sample_init (&s);
  cleanup_free char *base = key_of (&s.sc);
  cleanup_free char *again = key_of (&s.sc);
  ck_assert_str_eq (base, again);

  enum
  {
    N = 18
  };
  char *keys[N] = { 0 };
  for (int m = 0; m < N; m++)
    {
      sample_init (&s);
      switch (m)
        {
        case 0:
          s.sc.default_action = "SCMP_ACT_KILL";
          break;
        case 1:
          s.sc.default_errno_ret = ERRNO (1);
          break;
        case 2:
          s.sc.default_errno_ret = NO_ERRNO;
          break;
        case 3:
          s.sc.n_architectures = 1;
          break;
        case 4:
          s.arches[1] = "SCMP_ARCH_X32";
          break;
        case 5:
          s.sc.n_flags = 0;
          break;
        case 6:
          s.names0[2] = "getegid";
          break;
        case 7:
          s.calls[0].n_names = 2;
          break;
        case 8:
          s.calls[0].action = "SCMP_ACT_LOG";
          break;
        case 9:
          s.calls[1].errno_ret = ERRNO (0);
          break;
        case 10:
          s.args[0].index = 2;
          break;
        case 11:
          s.args[0].value = 9;
          break;
        case 12:
          s.args[1].value_two = 4;
          break;
        case 13:
          s.args[0].op = "SCMP_CMP_NE";
          break;
        case 14:
          s.calls[1].n_args = 1;
          break;
        case 15:
          s.sc.n_syscalls = 1;
          break;
        /* Order inside a list counts as a change (it may change the program). */
        case 16:
          s.names0[0] = "getuid", s.names0[1] = "getppid";
          break;
        /* Moving a name between neighbouring entries is not the same profile. */
        case 17:
          s.calls[0].n_names = 2, s.names1[0] = "getgid", s.calls[1].n_args = 0;
          break;
        }
      keys[m] = key_of (&s.sc);
      ck_assert_msg (strcmp (keys[m], base) != 0, "mutation %d kept the key", m);
      for (int o = 0; o < m; o++)
        ck_assert_msg (strcmp (keys[m], keys[o]) != 0, "mutations %d and %d collide", m, o);
    }
  for (int m = 0; m < N; m++)
    free (keys[m]);

  /* What does not shape the program does not split the cache. */
  sample_init (&s);
  s.sc.listener_path = "/run/agent.sock";
  s.sc.listener_metadata = "x";
  cleanup_free char *with_listener = key_of (&s.sc);
  ck_assert_str_eq (with_listener, base);
}
END_TEST

static ino_t
inode_of (const char *path)
{
  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  return st.st_ino;
}

static char *
cache_file (const char *dir, const struct husk_seccomp *sc)
{
  cleanup_free char *key = key_of (sc);
  return xasprintf ("%s/%s.bpf", dir, key);
}

static char *
read_all (const char *path)
{
  char *data = NULL;
  husk_err_t *err = NULL;
  ck_assert_int_eq (husk_read_file_at (AT_FDCWD, path, &data, NULL, &err), 0);
  return data;
}

/* miss → file written; hit → same program, file untouched, "hit" logged. */
START_TEST (cache_roundtrip)
{
  cleanup_free char *tmp = make_tmpdir ();
  cleanup_free char *dir = xasprintf ("%s/seccomp-cache", tmp);
  cleanup_free char *log = xasprintf ("%s/log", tmp);
  husk_log_init (log, false, true);
  struct sample s;
  sample_init (&s);

  struct husk_seccomp_prog *plain = compile_ok (&s.sc, NULL);
  struct husk_seccomp_prog *first = compile_ok (&s.sc, dir);
  assert_same_prog (plain, first);

  struct stat st;
  ck_assert_int_eq (stat (dir, &st), 0);
  ck_assert_uint_eq (st.st_mode & 07777, 0700);
  cleanup_free char *file = cache_file (dir, &s.sc);
  ck_assert_int_eq (stat (file, &st), 0);
  ck_assert_uint_eq (st.st_mode & 07777, 0600);
  ino_t ino = st.st_ino;

  struct husk_seccomp_prog *second = compile_ok (&s.sc, dir);
  assert_same_prog (plain, second);
  ck_assert_uint_eq (inode_of (file), ino);
  cleanup_free char *logged = read_all (log);
  ck_assert_ptr_nonnull (strstr (logged, "seccomp cache: hit"));

  husk_seccomp_prog_free (plain);
  husk_seccomp_prog_free (first);
  husk_seccomp_prog_free (second);
  rm_rf (tmp);
}
END_TEST

/* Every kind of damage is detected: the program is recompiled and the file
   replaced with a good one. */
START_TEST (cache_corruption)
{
  cleanup_free char *dir = make_tmpdir ();
  struct sample s;
  sample_init (&s);
  struct husk_seccomp_prog *plain = compile_ok (&s.sc, NULL);
  husk_seccomp_prog_free (compile_ok (&s.sc, dir));
  cleanup_free char *file = cache_file (dir, &s.sc);
  struct stat st;
  ck_assert_int_eq (stat (file, &st), 0);
  size_t size = st.st_size;
  cleanup_free char *good = xmalloc0 (size);
  {
    cleanup_close int fd = open (file, O_RDONLY);
    ck_assert_int_eq (read (fd, good, size), (ssize_t)size);
  }

  for (int damage = 0; damage < 6; damage++)
    {
      cleanup_free char *bad = xmalloc0 (size);
      memcpy (bad, good, size);
      size_t bad_size = size;
      unlink (file);
      switch (damage)
        {
        case 0:
          bad[size - 3] ^= 0x40;
          break; /* the program */
        case 1:
          bad[0] ^= 1;
          break; /* magic */
        case 2:
          bad[12] ^= 1;
          break; /* flags */
        case 3:
          bad_size = size - 8;
          break; /* truncated */
        case 4:
          bad_size = 0;
          break; /* empty */
        case 5:
          ck_assert_int_eq (symlink ("/dev/null", file), 0);
          break;
        }
      if (damage != 5)
        {
          cleanup_close int fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
          ck_assert_int_eq (write (fd, bad, bad_size), (ssize_t)bad_size);
        }
      ino_t before = 0;
      struct stat lst;
      ck_assert_int_eq (lstat (file, &lst), 0);
      before = lst.st_ino;

      struct husk_seccomp_prog *p = compile_ok (&s.sc, dir);
      assert_same_prog (plain, p);
      husk_seccomp_prog_free (p);
      ck_assert_int_eq (lstat (file, &lst), 0);
      ck_assert_msg (S_ISREG (lst.st_mode) && lst.st_ino != before, "damage %d not replaced",
                     damage);
      cleanup_free char *now = read_all (file);
      ck_assert_msg (memcmp (now, good, size) == 0, "damage %d: replacement differs", damage);
    }
  husk_seccomp_prog_free (plain);
  rm_rf (dir);
}
END_TEST

/* A cache directory others can write to is not used, and nothing fails. */
START_TEST (cache_untrusted_dir)
{
  cleanup_free char *dir = make_tmpdir ();
  ck_assert_int_eq (chmod (dir, 0777), 0);
  struct sample s;
  sample_init (&s);
  struct husk_seccomp_prog *plain = compile_ok (&s.sc, NULL);
  struct husk_seccomp_prog *p = compile_ok (&s.sc, dir);
  assert_same_prog (plain, p);
  cleanup_free char *file = cache_file (dir, &s.sc);
  ck_assert_int_ne (access (file, F_OK), 0);
  husk_seccomp_prog_free (plain);
  husk_seccomp_prog_free (p);
  rm_rf (dir);
}
END_TEST

/* ---- from config.json ---- */

static struct husk_spec *
parse_spec (const char *json)
{
  husk_err_t *err = NULL;
  struct husk_spec *spec = NULL;
  int r = husk_spec_parse (json, strlen (json), &spec, &err);
  ck_assert_msg (r == 0, "parse: %s", err ? err->msg : "?");
  ck_assert_ptr_nonnull (spec->linux_);
  ck_assert_ptr_nonnull (spec->linux_->seccomp);
  return spec;
}

static char *
spec_key (const char *json)
{
  struct husk_spec *spec = parse_spec (json);
  char *key = key_of (spec->linux_->seccomp);
  husk_spec_free (spec);
  return key;
}

static const char key_doc_a[]
    = "{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
      "\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
      "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":[{\"names\":[\"getppid\",\"getuid\"],"
      "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\","
      "\"args\":[{\"index\":0,\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}}}";

/* The same document: every object's keys in another order, other
   whitespace, and a key the spec does not define. */
static const char key_doc_b[]
    = "{ \"linux\": { \"seccomp\": {\n"
      "    \"syscalls\": [ { \"action\": \"SCMP_ACT_ALLOW\", \"names\": [\"getppid\", \"getuid\"] "
      "},\n"
      "                  { \"args\": [ { \"op\": \"SCMP_CMP_EQ\", \"valueTwo\": 0, \"value\": 8,\n"
      "                                \"index\": 0 } ],\n"
      "                    \"action\": \"SCMP_ACT_ALLOW\", \"names\": [\"personality\"] } ],\n"
      "    \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"x-comment\": \"ignored\",\n"
      "    \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],\n"
      "    \"defaultErrnoRet\": 38, \"defaultAction\": \"SCMP_ACT_ERRNO\" } },\n"
      "  \"ociVersion\": \"1.0.2\" }\n";

START_TEST (cache_key_json_order)
{
  cleanup_free char *a = spec_key (key_doc_a);
  cleanup_free char *b = spec_key (key_doc_b);
  ck_assert_str_eq (a, b);

  /* ... and the programs are the same. */
  struct husk_spec *sa = parse_spec (key_doc_a), *sb = parse_spec (key_doc_b);
  struct husk_seccomp_prog *pa = compile_ok (sa->linux_->seccomp, NULL);
  struct husk_seccomp_prog *pb = compile_ok (sb->linux_->seccomp, NULL);
  assert_same_prog (pa, pb);
  husk_seccomp_prog_free (pa);
  husk_seccomp_prog_free (pb);
  husk_spec_free (sa);
  husk_spec_free (sb);

  /* One value changed in the text: another key. */
  cleanup_free char *changed_doc = xstrdup (key_doc_a);
  char *eight = strstr (changed_doc, "\"value\":8");
  ck_assert_ptr_nonnull (eight);
  eight[strlen ("\"value\":")] = '9';
  cleanup_free char *c = spec_key (changed_doc);
  ck_assert_str_ne (a, c);
}
END_TEST

/* The engines' default profile, converted to OCI form as Podman does, for a
   container with Docker's default capabilities. */
#define ENGINE_PROFILE "/usr/share/containers/seccomp.json"
#define CONVERTER      FIXTURES_DIR "/../../tools/seccomp_oci_profile.py"
#define DEFAULT_CAPS                                                                               \
  "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,"             \
  "CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL"

static double
ms_since (const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

START_TEST (engine_profile)
{
  if (access (ENGINE_PROFILE, R_OK) != 0 || access ("/usr/bin/python3", X_OK) != 0)
    {
      printf ("SKIP engine_profile: needs " ENGINE_PROFILE " (golang-github-containers-common) "
              "and python3\n");
      return;
    }
  FILE *f = popen ("python3 " CONVERTER " --arch amd64 --caps " DEFAULT_CAPS, "r");
  ck_assert_ptr_nonnull (f);
  size_t cap = 1 << 20, len = 0;
  cleanup_free char *profile = xmalloc0 (cap);
  len = fread (profile, 1, cap - 1, f);
  ck_assert_int_eq (pclose (f), 0);
  ck_assert_uint_gt (len, 1000);
  cleanup_free char *doc
      = xasprintf ("{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":%.*s}}", (int)len, profile);
  struct husk_spec *spec = parse_spec (doc);
  const struct husk_seccomp *sc = spec->linux_->seccomp;
  size_t names = 0;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    names += sc->syscalls[i].n_names;
  ck_assert_uint_gt (names, 300);

  cleanup_free char *dir = make_tmpdir ();
  struct timespec t0;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  struct husk_seccomp_prog *plain = compile_ok (sc, NULL);
  double t_plain = ms_since (&t0);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  struct husk_seccomp_prog *miss = compile_ok (sc, dir);
  double t_miss = ms_since (&t0);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  struct husk_seccomp_prog *hit = compile_ok (sc, dir);
  double t_hit = ms_since (&t0);
  printf ("engine profile: %zu rules, %zu names -> %zu BPF instructions; compile %.2f ms, "
          "cache miss %.2f ms, cache hit %.3f ms\n",
          sc->n_syscalls, names, plain->len, t_plain, t_miss, t_hit);
  assert_same_prog (plain, miss);
  assert_same_prog (plain, hit);

  /* Spot checks of what the profile says for such a container. */
  if (seccomp_arch_native () == SCMP_ARCH_X86_64)
    {
      ck_assert_uint_eq (sim_native (plain, "getpid", 0, 0), SECCOMP_RET_ALLOW);
      /* bpf needs CAP_SYS_ADMIN: refused with EPERM. */
      ck_assert_uint_eq (sim_native (plain, "bpf", 0, 0), SECCOMP_RET_ERRNO | EPERM);
      /* personality: only the listed personas. */
      ck_assert_uint_eq (sim_native (plain, "personality", 8, 0), SECCOMP_RET_ALLOW);
      ck_assert_uint_eq (sim_native (plain, "personality", 1, 0), SECCOMP_RET_ERRNO | ENOSYS);
      /* A syscall number the profile does not name: the default, ENOSYS. */
      ck_assert_uint_eq (sim (plain, AUDIT_ARCH_X86_64, 999, NULL), SECCOMP_RET_ERRNO | ENOSYS);
      /* The 32-bit sub-architecture is in the filter too. */
      ck_assert_uint_eq (sim (plain, AUDIT_ARCH_I386,
                              seccomp_syscall_resolve_name_arch (SCMP_ARCH_X86, "getpid"), NULL),
                         SECCOMP_RET_ALLOW);
    }
  husk_seccomp_prog_free (plain);
  husk_seccomp_prog_free (miss);
  husk_seccomp_prog_free (hit);
  husk_spec_free (spec);
  rm_rf (dir);
}
END_TEST

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

Suite *
seccomp_suite (void)
{
  Suite *s = suite_create ("seccomp");
  TCase *tc = tcase_create ("translate");
  tcase_add_loop_test (tc, rule_action, 0, ARRAY_SIZE (action_cases));
  tcase_add_loop_test (tc, default_action, 0, ARRAY_SIZE (action_cases));
  tcase_add_test (tc, action_table_complete);
  tcase_add_loop_test (tc, operator, 0, 7);
  tcase_add_test (tc, operator_table_complete);
  tcase_add_test (tc, args_and);
  tcase_add_test (tc, args_same_index_or);
  tcase_add_test (tc, names_and_unknown);
  tcase_add_test (tc, rule_same_as_default);
  tcase_add_test (tc, empty_section_no_filter);
  tcase_add_loop_test (tc, architecture, 0, strv_len ((char *const *)husk_seccomp_archs ()));
  tcase_add_loop_test (tc, flag, 0, ARRAY_SIZE (flag_cases));
  tcase_add_test (tc, flag_tables);
  tcase_add_test (tc, errors);
  suite_add_tcase (s, tc);

  TCase *cache = tcase_create ("cache");
  tcase_add_test (cache, cache_key_changes);
  tcase_add_test (cache, cache_roundtrip);
  tcase_add_test (cache, cache_corruption);
  tcase_add_test (cache, cache_untrusted_dir);
  tcase_add_test (cache, cache_key_json_order);
  tcase_add_test (cache, engine_profile);
  suite_add_tcase (s, cache);

  TCase *load = tcase_create ("load");
  tcase_add_test (load, load_errno);
  tcase_add_test (load, load_notify_agent);
  tcase_add_test (load, listener_unreachable);
  suite_add_tcase (s, load);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (seccomp_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
