/* exe.h's decision: CAP_SYS_PTRACE in capability sets, seccomp profiles
   that let a syscall through, the facts a config gives, and the mode they
   lead to.  (The protection itself is tested end to end in
   tests/integration/test_exe_protect.sh.) */
#include <check.h>
#include <linux/capability.h>
#include <string.h>

#include "husk/exe.h"
#include "husk/util.h"

#include "check_main.h"
#include "spec_helpers.h"

#define BIT(c) (UINT64_C (1) << (c))

START_TEST (caps_ptrace)
{
  struct husk_cap_sets none = { 0 };
  ck_assert (husk_exe_caps_ptrace (false, &none)); /* husk's own capabilities */
  ck_assert (!husk_exe_caps_ptrace (true, &none));
  uint64_t others = ~BIT (CAP_SYS_PTRACE);
  struct husk_cap_sets all_but = { others, others, others, others, others };
  ck_assert (!husk_exe_caps_ptrace (true, &all_but));
  /* any one of the five sets is enough */
  for (size_t i = 0; i < 5; i++)
    {
      struct husk_cap_sets s = { 0 };
      ((uint64_t *)&s)[i] = BIT (CAP_SYS_PTRACE);
      ck_assert_msg (husk_exe_caps_ptrace (true, &s), "set %zu", i);
    }
}
END_TEST

static struct husk_seccomp_syscall
rule (const char *name, const char *action, size_t n_args)
{
  static char *names[8][1];
  static size_t next;
  static struct husk_seccomp_arg arg;
  char **slot = names[next++ % 8];
  slot[0] = (char *)name;
  return (struct husk_seccomp_syscall){
    .names = slot,
    .n_names = 1,
    .action = (char *)action,
    .args = n_args ? &arg : NULL,
    .n_args = n_args,
  };
}

START_TEST (seccomp_allows)
{
  ck_assert (husk_exe_seccomp_allows (NULL, "execveat"));
  struct husk_seccomp sc = { 0 };
  ck_assert (husk_exe_seccomp_allows (&sc, "execveat")); /* no filter at all */

  sc.default_action = (char *)"SCMP_ACT_ALLOW";
  ck_assert (husk_exe_seccomp_allows (&sc, "execveat"));
  sc.default_action = (char *)"SCMP_ACT_LOG";
  ck_assert (husk_exe_seccomp_allows (&sc, "execveat"));
  sc.default_action = (char *)"SCMP_ACT_ERRNO";
  ck_assert (!husk_exe_seccomp_allows (&sc, "execveat"));

  /* an allowlist naming it, or not */
  struct husk_seccomp_syscall rules[3];
  rules[0] = rule ("execve", "SCMP_ACT_ALLOW", 0);
  sc.syscalls = rules;
  sc.n_syscalls = 1;
  ck_assert (!husk_exe_seccomp_allows (&sc, "execveat"));
  rules[1] = rule ("execveat", "SCMP_ACT_ALLOW", 0);
  sc.n_syscalls = 2;
  ck_assert (husk_exe_seccomp_allows (&sc, "execveat"));
  /* conditions, or another rule with another action, may stop it */
  rules[1] = rule ("execveat", "SCMP_ACT_ALLOW", 1);
  ck_assert (!husk_exe_seccomp_allows (&sc, "execveat"));
  rules[1] = rule ("execveat", "SCMP_ACT_ALLOW", 0);
  rules[2] = rule ("execveat", "SCMP_ACT_ERRNO", 1);
  sc.n_syscalls = 3;
  ck_assert (!husk_exe_seccomp_allows (&sc, "execveat"));

  /* a denylist */
  sc.default_action = (char *)"SCMP_ACT_ALLOW";
  rules[0] = rule ("fcntl", "SCMP_ACT_ERRNO", 0);
  sc.n_syscalls = 1;
  ck_assert (husk_exe_seccomp_allows (&sc, "execveat"));
  ck_assert (!husk_exe_seccomp_allows (&sc, "fcntl"));
  rules[0] = rule ("execveat", "SCMP_ACT_NOTIFY", 0);
  ck_assert (!husk_exe_seccomp_allows (&sc, "execveat"));
}
END_TEST

static struct husk_exe_facts
facts_of (const char *single_quoted)
{
  struct husk_spec *spec = parse_ok (single_quoted);
  struct husk_exe_facts f;
  memset (&f, 0xff, sizeof f);
  husk_exe_facts_from_spec (spec, spec->process, &f);
  husk_spec_free (spec);
  return f;
}

START_TEST (facts_from_spec)
{
  struct husk_exe_facts f = facts_of ("{'ociVersion':'1.2.0','linux':{'namespaces':"
                                      "[{'type':'pid'},{'type':'mount'}]}}");
  ck_assert (!f.shared_pidns && !f.own_userns && !f.ptrace);
  ck_assert (f.execveat_allowed && f.fcntl_allowed);

  f = facts_of ("{'ociVersion':'1.2.0','linux':{'namespaces':[{'type':'mount'}]}}");
  ck_assert (f.shared_pidns);
  f = facts_of ("{'ociVersion':'1.2.0'}");
  ck_assert (f.shared_pidns);
  f = facts_of ("{'ociVersion':'1.2.0','linux':{'namespaces':"
                "[{'type':'pid','path':'/proc/1/ns/pid'}]}}");
  ck_assert (f.shared_pidns);

  f = facts_of ("{'ociVersion':'1.2.0','linux':{'namespaces':[{'type':'pid'},{'type':'user'}]}}");
  ck_assert (f.own_userns && !f.shared_pidns);
  f = facts_of ("{'ociVersion':'1.2.0','linux':{'namespaces':"
                "[{'type':'pid'},{'type':'user','path':'/proc/9/ns/user'}]}}");
  ck_assert (f.own_userns);

  f = facts_of ("{'ociVersion':'1.2.0','linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
                "'syscalls':[{'names':['fcntl'],'action':'SCMP_ACT_ERRNO'}]}}}");
  ck_assert (f.execveat_allowed && !f.fcntl_allowed);

  f = facts_of ("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],"
                "'apparmorProfile':'docker-default'}}");
  ck_assert (f.lsm_label);
  f = facts_of ("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],"
                "'selinuxLabel':'system_u:system_r:container_t:s0'}}");
  ck_assert (f.lsm_label);
  f = facts_of ("{'ociVersion':'1.2.0','process':{'cwd':'/','args':['x'],'apparmorProfile':''}}");
  ck_assert (!f.lsm_label);
}
END_TEST

START_TEST (choose)
{
  const struct husk_exe_facts safe = { .execveat_allowed = true };
#ifdef HUSK_HAVE_DMZ
  const enum husk_exe_mode dmz = HUSK_EXE_DMZ;
#else
  const enum husk_exe_mode dmz = HUSK_EXE_COPY;
#endif
  ck_assert_int_eq (husk_exe_choose (&safe), dmz);
  const struct
  {
    struct husk_exe_facts f;
    enum husk_exe_mode want;
  } cases[] = {
    { { .ptrace = true, .execveat_allowed = true }, HUSK_EXE_COPY },
    /* in its own user namespace, CAP_SYS_PTRACE is not ours */
    { { .ptrace = true, .own_userns = true, .execveat_allowed = true }, dmz },
    { { .own_userns = true, .execveat_allowed = true }, dmz },
    /* others in the pid namespace: whatever the user namespace */
    { { .shared_pidns = true, .execveat_allowed = true }, HUSK_EXE_COPY },
    { { .shared_pidns = true, .own_userns = true, .execveat_allowed = true }, HUSK_EXE_COPY },
    /* the trampoline cannot start */
    { { 0 }, HUSK_EXE_COPY },
    { { .lsm_label = true, .execveat_allowed = true }, HUSK_EXE_COPY },
    /* fcntl only decides the error report */
    { { .execveat_allowed = true, .fcntl_allowed = false }, dmz },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    ck_assert_msg (husk_exe_choose (&cases[i].f) == cases[i].want, "case %zu", i);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("exe");
  TCase *tc = tcase_create ("decision");
  tcase_add_test (tc, caps_ptrace);
  tcase_add_test (tc, seccomp_allows);
  tcase_add_test (tc, facts_from_spec);
  tcase_add_test (tc, choose);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
