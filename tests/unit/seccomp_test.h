/* Shared by the seccomp unit tests: compile helpers that fail the test on
   error, and the BPF interpreter (seccomp_sim.h) wrapped to ask what a
   compiled program returns for a syscall.  Expected values in the tests come
   from the kernel's SECCOMP_RET_* constants and the runtime-spec's
   semantics, not from the translator's own tables. */
#ifndef HUSK_SECCOMP_TEST_H
#define HUSK_SECCOMP_TEST_H

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>

#include "husk/seccomp.h"
#include "husk/util.h"
#include "check_main.h"
#include "seccomp_sim.h"

#define NO_ERRNO ((husk_opt_u32){ 0 })
#define ERRNO(n) ((husk_opt_u32){ true, (n) })

/* Not every test file uses every helper. */
#define TEST_HELPER static __attribute__ ((unused))

TEST_HELPER struct husk_seccomp_prog *
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
TEST_HELPER char *
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

TEST_HELPER uint32_t
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
TEST_HELPER uint32_t
sim_native (const struct husk_seccomp_prog *p, const char *name, uint64_t a0, uint64_t a1)
{
  int nr = seccomp_syscall_resolve_name (name);
  ck_assert_int_ge (nr, 0);
  uint64_t args[6] = { a0, a1 };
  return sim (p, seccomp_arch_native (), nr, args);
}

TEST_HELPER char *
make_tmpdir (void)
{
  char *d = xstrdup ("/tmp/husk-test-seccomp-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (d));
  return d;
}

TEST_HELPER void
rm_rf (const char *dir)
{
  cleanup_free char *cmd = xasprintf ("rm -rf '%s'", dir);
  ck_assert_int_eq (system (cmd), 0);
}

TEST_HELPER void
assert_same_prog (const struct husk_seccomp_prog *a, const struct husk_seccomp_prog *b)
{
  ck_assert_uint_eq (a->len, b->len);
  ck_assert_uint_eq (a->flags, b->flags);
  ck_assert (a->notify == b->notify);
  ck_assert (memcmp (a->filter, b->filter, a->len * sizeof *a->filter) == 0);
}

#endif
