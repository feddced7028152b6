/* seccomp_cache.c: the cache key (stable across JSON layout, changed by any
   rule), verified reads, replacement of damaged files, and the engines'
   default profile compiled with and without the cache. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/audit.h>

#include "husk/log.h"
#include "husk/spec.h"
#include "seccomp_test.h"

/* ---- the cache ---- */

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

int
main (void)
{
  Suite *s = suite_create ("seccomp_cache");
  TCase *cache = tcase_create ("cache");
  tcase_add_test (cache, cache_key_changes);
  tcase_add_test (cache, cache_roundtrip);
  tcase_add_test (cache, cache_corruption);
  tcase_add_test (cache, cache_untrusted_dir);
  tcase_add_test (cache, cache_key_json_order);
  tcase_add_test (cache, engine_profile);
  suite_add_tcase (s, cache);
  return husk_check_run (s);
}
