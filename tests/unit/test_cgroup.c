/* cgroup v2, the pure parts: path resolution, linux.resources -> files,
   runc's conversions, unified keys, stat parsers, and the device filter's
   semantics (the generated eBPF run through a small interpreter). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "husk/cgroup.h"
#include "husk/util.h"

/* ---------------------------------------------------------------- paths */

static char *
resolve_ok (const char *path, const char *id, const char *own)
{
  cleanup_err husk_err_t *err = NULL;
  char *out = NULL;
  int r = husk_cgroup_resolve_in (path, id, own, &out, &err);
  ck_assert_msg (r == 0, "resolve %s: %s", path ? path : "(null)", err ? err->msg : "?");
  return out;
}

static char *
resolve_err (const char *path, const char *id, const char *own)
{
  husk_err_t *err = NULL;
  char *out = NULL;
  ck_assert_int_eq (husk_cgroup_resolve_in (path, id, own, &out, &err), -1);
  ck_assert_ptr_null (out);
  ck_assert_ptr_nonnull (err);
  char *msg = xstrdup (err->msg);
  husk_err_free (err);
  return msg;
}

#define ASSERT_RESOLVES(path, id, own, want)                                                       \
  do                                                                                               \
    {                                                                                              \
      cleanup_free char *_got = resolve_ok (path, id, own);                                        \
      ck_assert_str_eq (_got, want);                                                               \
    }                                                                                              \
  while (0)

START_TEST (resolve_absolute_from_root)
{
  ASSERT_RESOLVES ("/machine/ctr", "id", "/user.slice/s.scope", "machine/ctr");
  ASSERT_RESOLVES ("/a", "id", "/", "a");
  /* Normalized: repeated and trailing slashes, "." components. */
  ASSERT_RESOLVES ("//a/./b//", "id", "/x", "a/b");
}
END_TEST

START_TEST (resolve_relative_and_unset_like_runc)
{
  /* Relative and unset paths go under the PARENT of our own cgroup. */
  ASSERT_RESOLVES ("pods/ctr", "id", "/user.slice/user-0.slice/session-1.scope",
                   "user.slice/user-0.slice/pods/ctr");
  ASSERT_RESOLVES (NULL, "abc", "/user.slice/user-0.slice/session-1.scope",
                   "user.slice/user-0.slice/abc");
  ASSERT_RESOLVES ("", "abc", "/system.slice/x.service", "system.slice/abc");
  /* Our own cgroup is the root (as on this host and in the VM): /<id>. */
  ASSERT_RESOLVES (NULL, "abc", "/", "abc");
  ASSERT_RESOLVES ("rel", "abc", "/", "rel");
  ASSERT_RESOLVES (NULL, "abc", "/top", "abc");
}
END_TEST

START_TEST (resolve_refuses_escapes)
{
  const char *bad[] = { "/..", "/a/../../b", "../x", "a/../b", "/a/..", "..", "/a/b/../../.." };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_free char *msg = resolve_err (bad[i], "id", "/u/s");
      ck_assert_msg (strstr (msg, "..") != NULL, "%s: %s", bad[i], msg);
    }
  /* An id of ".." cannot be smuggled in through the default path either. */
  cleanup_free char *m1 = resolve_err (NULL, "..", "/u/s");
  ck_assert_ptr_nonnull (strstr (m1, ".."));
  /* The root itself is no container cgroup. */
  cleanup_free char *m2 = resolve_err ("/", "id", "/u/s");
  ck_assert_ptr_nonnull (strstr (m2, "root cgroup"));
  cleanup_free char *m3 = resolve_err ("/./", "id", "/u/s");
  ck_assert_ptr_nonnull (strstr (m3, "root cgroup"));
}
END_TEST

START_TEST (resolve_refuses_systemd_form)
{
  cleanup_free char *msg = resolve_err ("system.slice:husk:abc", "abc", "/");
  ck_assert_msg (strstr (msg, "systemd") != NULL, "%s", msg);
  ck_assert_msg (strstr (msg, "system.slice:husk:abc") != NULL, "%s", msg);
  /* A cgroupfs path with colons in a component is no systemd form. */
  ASSERT_RESOLVES ("/a:b:c/d", "id", "/", "a:b:c/d");
}
END_TEST

START_TEST (parse_mountinfo_finds_cgroup2)
{
  const char *hybrid
      = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
  cleanup_free char *mp = NULL, *root = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_cgroup_parse_mountinfo (hybrid, &mp, &root, &err), 0);
  ck_assert_str_eq (mp, "/sys/fs/cgroup/unified");
  ck_assert_str_eq (root, "/");

  const char *escaped = "50 1 0:40 /sub\\040dir /mnt/my\\040cg rw - cgroup2 none rw,nsdelegate";
  cleanup_free char *mp2 = NULL, *root2 = NULL;
  ck_assert_int_eq (husk_cgroup_parse_mountinfo (escaped, &mp2, &root2, &err), 0);
  ck_assert_str_eq (mp2, "/mnt/my cg");
  ck_assert_str_eq (root2, "/sub dir");

  /* a sub-tree mounted over /sys/fs/cgroup hides the host's cgroup2 mounts */
  const char *covered
      = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
        "60 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        "61 60 0:38 /engine/pod /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        "62 31 0:38 / /mnt/other rw - cgroup2 cgroup2 rw\n";
  cleanup_free char *mp4 = NULL, *root4 = NULL;
  ck_assert_int_eq (husk_cgroup_parse_mountinfo (covered, &mp4, &root4, &err), 0);
  ck_assert_str_eq (mp4, "/sys/fs/cgroup");
  ck_assert_str_eq (root4, "/engine/pod");

  cleanup_free char *mp3 = NULL, *root3 = NULL;
  const char *v1only = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  ck_assert_int_eq (husk_cgroup_parse_mountinfo (v1only, &mp3, &root3, &err), -1);
  ck_assert_ptr_nonnull (strstr (err->msg, "cgroup2"));
}
END_TEST

START_TEST (parse_proc_cgroup_takes_the_v2_line)
{
  cleanup_free char *p = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (
      husk_cgroup_parse_proc_cgroup ("4:memory:/x\n0::/user.slice/a b.scope\n1:cpu:/\n", &p, &err),
      0);
  ck_assert_str_eq (p, "/user.slice/a b.scope");
  cleanup_free char *q = NULL;
  ck_assert_int_eq (husk_cgroup_parse_proc_cgroup ("4:memory:/x\n", &q, &err), -1);
}
END_TEST

/* ---------------------------------------------------------- translation */

/* Translate and find the write to `file` (the n-th one when repeated). */
static const struct husk_cgroup_write *
find_write (const struct husk_cgroup_writes *w, const char *file, int nth)
{
  for (size_t i = 0; i < w->n; i++)
    if (strcmp (w->v[i].file, file) == 0 && nth-- == 0)
      return &w->v[i];
  return NULL;
}

static void
translate_ok (const struct husk_resources *r, struct husk_cgroup_writes *w)
{
  cleanup_err husk_err_t *err = NULL;
  int rc = husk_cgroup_translate (r, w, &err);
  ck_assert_msg (rc == 0, "translate: %s", err ? err->msg : "?");
}

static char *
translate_err (const struct husk_resources *r)
{
  husk_err_t *err = NULL;
  struct husk_cgroup_writes w = { 0 };
  ck_assert_int_eq (husk_cgroup_translate (r, &w, &err), -1);
  ck_assert_uint_eq (w.n, 0);
  ck_assert_ptr_nonnull (err);
  char *m = xstrdup (err->msg);
  husk_err_free (err);
  return m;
}

#define ASSERT_WRITE(w, file, want_value, want_controller)                                         \
  do                                                                                               \
    {                                                                                              \
      const struct husk_cgroup_write *_e = find_write (w, file, 0);                                \
      ck_assert_msg (_e != NULL, "no write to %s", file);                                          \
      ck_assert_str_eq (_e->value, want_value);                                                    \
      ck_assert_str_eq (_e->controller, want_controller);                                          \
    }                                                                                              \
  while (0)

#define OPT(v)                                                                                     \
  {                                                                                                \
    .set = true, .value = (v)                                                                      \
  }

START_TEST (translate_nothing)
{
  struct husk_cgroup_writes w;
  translate_ok (NULL, &w);
  ck_assert_uint_eq (w.n, 0);
  struct husk_resources empty = { 0 };
  translate_ok (&empty, &w);
  ck_assert_uint_eq (w.n, 0);
}
END_TEST

START_TEST (translate_memory)
{
  struct husk_memory m = { .limit = OPT (64 << 20),
                           .reservation = OPT (32 << 20),
                           .swap = OPT (96 << 20),
                           .kernel = OPT (1),
                           .kernel_tcp = OPT (1) };
  struct husk_resources r = { .memory = &m };
  struct husk_cgroup_writes w;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "memory.max", "67108864", "memory");
  ASSERT_WRITE (&w, "memory.low", "33554432", "memory");
  ASSERT_WRITE (&w, "memory.swap.max", "33554432", "memory"); /* swap - limit */
  ck_assert_str_eq (find_write (&w, "memory.max", 0)->field, "linux.resources.memory.limit");
  ck_assert_uint_eq (w.n, 3); /* kernel and kernelTCP: ignored */
  husk_cgroup_writes_free (&w);

  /* -1: "max"; memory -1 with no swap setting: swap max too (runc's v1 compat). */
  struct husk_memory m2 = { .limit = OPT (-1), .reservation = OPT (-1) };
  r.memory = &m2;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "memory.max", "max", "memory");
  ASSERT_WRITE (&w, "memory.low", "max", "memory");
  ASSERT_WRITE (&w, "memory.swap.max", "max", "memory");
  ck_assert (find_write (&w, "memory.swap.max", 0)->flags & HUSK_CGW_IF_EXISTS);
  husk_cgroup_writes_free (&w);

  /* swap == limit: swap disabled ("0"). */
  struct husk_memory m3 = { .limit = OPT (1000000), .swap = OPT (1000000) };
  r.memory = &m3;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "memory.swap.max", "0", "memory");
  husk_cgroup_writes_free (&w);

  /* A limit alone writes no swap; 0 is "unset". */
  struct husk_memory m4 = { .limit = OPT (1000000), .reservation = OPT (0) };
  r.memory = &m4;
  translate_ok (&r, &w);
  ck_assert_ptr_null (find_write (&w, "memory.swap.max", 0));
  ck_assert_ptr_null (find_write (&w, "memory.low", 0));
  ck_assert_uint_eq (w.n, 1);
  husk_cgroup_writes_free (&w);
}
END_TEST

START_TEST (translate_memory_errors)
{
  struct husk_memory below = { .limit = OPT (2000), .swap = OPT (1000) };
  struct husk_resources r = { .memory = &below };
  cleanup_free char *m1 = translate_err (&r);
  ck_assert_msg (strstr (m1, "linux.resources.memory.swap") != NULL, "%s", m1);

  struct husk_memory swap_only = { .swap = OPT (1000) };
  r.memory = &swap_only;
  cleanup_free char *m2 = translate_err (&r);
  ck_assert_msg (strstr (m2, "needs a memory limit") != NULL, "%s", m2);

  struct husk_memory swappy = { .limit = OPT (1000), .swappiness = OPT (10) };
  r.memory = &swappy;
  cleanup_free char *m3 = translate_err (&r);
  ck_assert_msg (strstr (m3, "linux.resources.memory.swappiness") != NULL, "%s", m3);

  struct husk_memory neg = { .limit = OPT (-5) };
  r.memory = &neg;
  cleanup_free char *m4 = translate_err (&r);
  ck_assert_msg (strstr (m4, "linux.resources.memory.limit") != NULL, "%s", m4);
}
END_TEST

START_TEST (swap_conversion_table)
{
  /* {swap, limit} -> written?, value; as runc's ConvertMemorySwapToCgroupV2Value. */
  struct
  {
    int64_t swap, limit;
    bool set;
    int64_t out;
  } cases[] = {
    { 0, -1, true, -1 },    { -1, 100, true, -1 },   { 0, 100, false, 0 },
    { 300, -1, true, 300 }, { 300, 100, true, 200 }, { 100, 100, true, 0 },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      cleanup_err husk_err_t *err = NULL;
      bool set;
      int64_t out = 12345;
      ck_assert_int_eq (husk_cgroup_swap_value (cases[i].swap, cases[i].limit, &set, &out, &err),
                        0);
      ck_assert_msg (set == cases[i].set, "case %zu", i);
      if (set)
        ck_assert_int_eq (out, cases[i].out);
    }
}
END_TEST

START_TEST (cpu_weight_matches_the_formula)
{
  ck_assert_uint_eq (husk_cgroup_cpu_weight (0), 0);
  ck_assert_uint_eq (husk_cgroup_cpu_weight (1), 1);
  ck_assert_uint_eq (husk_cgroup_cpu_weight (2), 1);
  ck_assert_uint_eq (husk_cgroup_cpu_weight (1024), 100); /* default -> default */
  ck_assert_uint_eq (husk_cgroup_cpu_weight (262144), 10000);
  ck_assert_uint_eq (husk_cgroup_cpu_weight (1000000), 10000);
  ck_assert_uint_eq (husk_cgroup_cpu_weight (512), 59);
  ck_assert_uint_eq (husk_cgroup_cpu_weight (2048), 174);
  /* husk computes without libm; libm (linked by Check) is the reference. */
  for (uint64_t s = 3; s < 262144; s++)
    {
      double l = log2 ((double)s);
      double e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
      uint64_t want = (uint64_t)ceil (pow (10, e));
      uint64_t got = husk_cgroup_cpu_weight (s);
      ck_assert_msg (got == want, "shares %lu: got %lu, libm says %lu", (unsigned long)s,
                     (unsigned long)got, (unsigned long)want);
      ck_assert (got >= 1 && got <= 10000);
    }
}
END_TEST

START_TEST (io_weight_is_runcs_linear_map)
{
  ck_assert_uint_eq (husk_cgroup_io_weight (0), 0);
  ck_assert_uint_eq (husk_cgroup_io_weight (10), 1);
  ck_assert_uint_eq (husk_cgroup_io_weight (1000), 10000);
  ck_assert_uint_eq (husk_cgroup_io_weight (500), 1 + 490 * 9999 / 990);
}
END_TEST

START_TEST (translate_cpu)
{
  struct husk_cpu c = { .shares = OPT (1024),
                        .quota = OPT (50000),
                        .period = OPT (100000),
                        .burst = OPT (10000),
                        .idle = OPT (0),
                        .cpus = (char *)"0-1",
                        .mems = (char *)"0" };
  struct husk_resources r = { .cpu = &c };
  struct husk_cgroup_writes w;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "cpu.weight", "100", "cpu");
  ASSERT_WRITE (&w, "cpu.max", "50000 100000", "cpu");
  ASSERT_WRITE (&w, "cpu.max.burst", "10000", "cpu");
  ck_assert (find_write (&w, "cpu.max.burst", 0)->flags & HUSK_CGW_RETRY_LAST);
  ASSERT_WRITE (&w, "cpu.idle", "0", "cpu");
  ASSERT_WRITE (&w, "cpuset.cpus", "0-1", "cpuset");
  ASSERT_WRITE (&w, "cpuset.mems", "0", "cpuset");
  husk_cgroup_writes_free (&w);

  /* Quota -1 with a period: "max period"; a period alone: "max period";
     a quota alone: no period. */
  struct husk_cpu c2 = { .quota = OPT (-1), .period = OPT (20000) };
  r.cpu = &c2;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "cpu.max", "max 20000", "cpu");
  husk_cgroup_writes_free (&w);
  struct husk_cpu c3 = { .period = OPT (20000) };
  r.cpu = &c3;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "cpu.max", "max 20000", "cpu");
  husk_cgroup_writes_free (&w);
  struct husk_cpu c4 = { .quota = OPT (30000) };
  r.cpu = &c4;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "cpu.max", "30000", "cpu");
  ck_assert_uint_eq (w.n, 1);
  husk_cgroup_writes_free (&w);
}
END_TEST

START_TEST (translate_cpu_errors)
{
  struct husk_cpu rt = { .realtime_runtime = OPT (950000) };
  struct husk_resources r = { .cpu = &rt };
  cleanup_free char *m1 = translate_err (&r);
  ck_assert_msg (strstr (m1, "linux.resources.cpu.realtimeRuntime") != NULL, "%s", m1);
  struct husk_cpu rtp = { .realtime_period = OPT (1000000) };
  r.cpu = &rtp;
  cleanup_free char *m2 = translate_err (&r);
  ck_assert_msg (strstr (m2, "linux.resources.cpu.realtimePeriod") != NULL, "%s", m2);
  struct husk_cpu bad = { .cpus = (char *)"0-1;rm" };
  r.cpu = &bad;
  cleanup_free char *m3 = translate_err (&r);
  ck_assert_msg (strstr (m3, "linux.resources.cpu.cpus") != NULL, "%s", m3);
}
END_TEST

START_TEST (translate_pids)
{
  struct
  {
    int64_t limit;
    const char *want;
  } cases[] = { { 100, "100" }, { -1, "max" }, { 0, "0" } };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct husk_resources r = { .pids_limit = OPT (cases[i].limit) };
      struct husk_cgroup_writes w;
      translate_ok (&r, &w);
      ASSERT_WRITE (&w, "pids.max", cases[i].want, "pids");
      husk_cgroup_writes_free (&w);
    }
}
END_TEST

START_TEST (translate_block_io)
{
  struct husk_weight_device wd[] = { { .major = 8, .minor = 0, .weight = OPT (200) },
                                     { .major = 8, .minor = 16, .leaf_weight = OPT (300) } };
  struct husk_throttle_device rbps[] = { { 8, 0, 1048576 }, { 253, 1, 0 } };
  struct husk_throttle_device wiops[] = { { 8, 0, 100 } };
  struct husk_block_io io = { .weight = OPT (500),
                              .weight_device = wd,
                              .n_weight_device = 2,
                              .throttle_read_bps_device = rbps,
                              .n_throttle_read_bps_device = 2,
                              .throttle_write_iops_device = wiops,
                              .n_throttle_write_iops_device = 1 };
  struct husk_resources r = { .block_io = &io };
  struct husk_cgroup_writes w;
  translate_ok (&r, &w);
  const struct husk_cgroup_write *e = find_write (&w, "io.bfq.weight", 0);
  ck_assert_str_eq (e->value, "500");
  ck_assert_str_eq (e->fallback_file, "io.weight");
  ck_assert_str_eq (e->fallback_value, "4950");
  e = find_write (&w, "io.bfq.weight", 1);
  ck_assert_str_eq (e->value, "8:0 200");
  ck_assert_str_eq (e->fallback_value, "8:0 1920");         /* 1 + 190 * 9999 / 990 */
  ck_assert_ptr_null (find_write (&w, "io.bfq.weight", 2)); /* leafWeight: v1 only */
  /* One io.max line per device, limits merged; a rate of 0 is "max". */
  ASSERT_WRITE (&w, "io.max", "8:0 rbps=1048576 wiops=100", "io");
  e = find_write (&w, "io.max", 1);
  ck_assert_str_eq (e->value, "253:1 rbps=max");
  ck_assert_ptr_null (find_write (&w, "io.max", 2));
  husk_cgroup_writes_free (&w);

  struct husk_block_io low = { .weight = OPT (5) };
  r.block_io = &low;
  cleanup_free char *m = translate_err (&r);
  ck_assert_msg (strstr (m, "linux.resources.blockIO.weight") != NULL, "%s", m);
}
END_TEST

START_TEST (translate_hugetlb_and_rdma)
{
  struct husk_hugepage_limit h[] = { { (char *)"2MB", 4194304 } };
  struct husk_rdma rd[]
      = { { (char *)"mlx5_1", OPT (3), OPT (10000) }, { (char *)"mlx4_0", OPT (7), { 0 } } };
  struct husk_resources r
      = { .hugepage_limits = h, .n_hugepage_limits = 1, .rdma = rd, .n_rdma = 2 };
  struct husk_cgroup_writes w;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "hugetlb.2MB.max", "4194304", "hugetlb");
  ASSERT_WRITE (&w, "hugetlb.2MB.rsvd.max", "4194304", "hugetlb");
  ck_assert (find_write (&w, "hugetlb.2MB.rsvd.max", 0)->flags & HUSK_CGW_IF_EXISTS);
  ck_assert (!(find_write (&w, "hugetlb.2MB.max", 0)->flags & HUSK_CGW_IF_EXISTS));
  ASSERT_WRITE (&w, "rdma.max", "mlx5_1 hca_handle=3 hca_object=10000", "rdma");
  ck_assert_str_eq (find_write (&w, "rdma.max", 1)->value, "mlx4_0 hca_handle=7");
  husk_cgroup_writes_free (&w);

  struct husk_hugepage_limit bad[] = { { (char *)"2MB/../x", 1 } };
  struct husk_resources r2 = { .hugepage_limits = bad, .n_hugepage_limits = 1 };
  cleanup_free char *m = translate_err (&r2);
  ck_assert_msg (strstr (m, "hugepageLimits[0].pageSize") != NULL, "%s", m);
}
END_TEST

START_TEST (translate_unified)
{
  struct husk_kv kv[] = { { (char *)"memory.high", (char *)"1000000" },
                          { (char *)"io.max", (char *)"8:0 rbps=1\n8:16 wbps=2\n" },
                          { (char *)"cgroup.max.descendants", (char *)"10" } };
  struct husk_resources r = { .unified = kv, .n_unified = 3 };
  struct husk_cgroup_writes w;
  translate_ok (&r, &w);
  ASSERT_WRITE (&w, "memory.high", "1000000", "memory");
  /* Each line its own write. */
  ck_assert_str_eq (find_write (&w, "io.max", 0)->value, "8:0 rbps=1");
  ck_assert_str_eq (find_write (&w, "io.max", 1)->value, "8:16 wbps=2");
  ck_assert_ptr_null (find_write (&w, "io.max", 2));
  ASSERT_WRITE (&w, "cgroup.max.descendants", "10", "cgroup");
  ck_assert_str_eq (find_write (&w, "memory.high", 0)->field,
                    "linux.resources.unified.memory.high");
  husk_cgroup_writes_free (&w);
}
END_TEST

START_TEST (unified_keys_are_checked)
{
  const char *bad[] = { "../memory.max", "memory/../../x", "a/b.c",
                        "nodot",         ".max",           "memory.",
                        "cgroup.procs",  "cgroup.kill",    "cgroup.subtree_control",
                        "cgroup.freeze", "memory.max\n",   "" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_err husk_err_t *err = NULL;
      size_t clen;
      ck_assert_msg (husk_cgroup_check_unified_key (bad[i], &clen, &err) == -1, "accepted `%s`",
                     bad[i]);
      ck_assert_ptr_nonnull (strstr (err->msg, "linux.resources.unified"));
    }
  cleanup_err husk_err_t *err = NULL;
  size_t clen = 0;
  ck_assert_int_eq (husk_cgroup_check_unified_key ("memory.oom.group", &clen, &err), 0);
  ck_assert_uint_eq (clen, 6);
  /* A controller that does not exist is refused by the translation. */
  struct husk_kv kv[] = { { (char *)"foo.bar", (char *)"1" } };
  struct husk_resources r = { .unified = kv, .n_unified = 1 };
  cleanup_free char *m = translate_err (&r);
  ck_assert_msg (strstr (m, "`foo` controller") != NULL, "%s", m);
}
END_TEST

START_TEST (network_is_v1_only)
{
  struct husk_network net = { .class_id = OPT (0x100001) };
  struct husk_resources r = { .network = &net };
  cleanup_free char *m = translate_err (&r);
  ck_assert_msg (strstr (m, "linux.resources.network") != NULL, "%s", m);
}
END_TEST

START_TEST (write_order_is_runcs)
{
  /* Swap before the memory limit, idle and weight before cpu.max, unified
     last so that it overrides the typed fields. */
  struct husk_memory m = { .limit = OPT (1000), .swap = OPT (3000) };
  struct husk_cpu c = { .idle = OPT (0), .shares = OPT (100), .quota = OPT (1000) };
  struct husk_kv kv[] = { { (char *)"memory.max", (char *)"2000" } };
  struct husk_resources r = { .memory = &m, .cpu = &c, .unified = kv, .n_unified = 1 };
  struct husk_cgroup_writes w;
  translate_ok (&r, &w);
  const char *order[]
      = { "memory.swap.max", "memory.max", "cpu.idle", "cpu.weight", "cpu.max", "memory.max" };
  ck_assert_uint_eq (w.n, ARRAY_SIZE (order));
  for (size_t i = 0; i < w.n; i++)
    ck_assert_str_eq (w.v[i].file, order[i]);
  ck_assert_str_eq (w.v[5].value, "2000");
  husk_cgroup_writes_free (&w);
  /* an idle group has no weight: the kernel refuses cpu.weight then */
  c.idle = (husk_opt_i64){ true, 1 };
  struct husk_resources idle = { .cpu = &c };
  translate_ok (&idle, &w);
  const char *idle_order[] = { "cpu.idle", "cpu.max" };
  ck_assert_uint_eq (w.n, ARRAY_SIZE (idle_order));
  for (size_t i = 0; i < w.n; i++)
    ck_assert_str_eq (w.v[i].file, idle_order[i]);
  husk_cgroup_writes_free (&w);
}
END_TEST

/* ---------------------------------------------------------- stat parsers */

START_TEST (stat_parsers)
{
  struct husk_cgroup_kv *kv = NULL;
  size_t n = 0;
  husk_cgroup_parse_kv ("anon 4096\nfile 8192\nbroken\noom_kill 2\nmax max\n", &kv, &n);
  ck_assert_uint_eq (n, 4);
  ck_assert_str_eq (kv[0].key, "anon");
  ck_assert_uint_eq (kv[0].value, 4096);
  ck_assert_str_eq (kv[2].key, "oom_kill");
  ck_assert_uint_eq (kv[2].value, 2);
  ck_assert_uint_eq (kv[3].value, HUSK_CGROUP_MAX);
  for (size_t i = 0; i < n; i++)
    free (kv[i].key);
  free (kv);

  struct husk_cgroup_io_entry *io = NULL;
  husk_cgroup_parse_io_stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n"
                             "253:1 rbytes=10 wios=40 unknown=9\n",
                             &io, &n);
  ck_assert_uint_eq (n, 2);
  ck_assert_uint_eq (io[0].major, 8);
  ck_assert_uint_eq (io[0].dios, 6);
  ck_assert_uint_eq (io[1].major, 253);
  ck_assert_uint_eq (io[1].minor, 1);
  ck_assert_uint_eq (io[1].rbytes, 10);
  ck_assert_uint_eq (io[1].wios, 40);
  ck_assert_uint_eq (io[1].wbytes, 0);
  free (io);

  uint64_t v;
  ck_assert_int_eq (husk_cgroup_parse_limit ("max\n", &v), 0);
  ck_assert_uint_eq (v, HUSK_CGROUP_MAX);
  ck_assert_int_eq (husk_cgroup_parse_limit ("123\n", &v), 0);
  ck_assert_uint_eq (v, 123);
  ck_assert_int_eq (husk_cgroup_parse_limit ("maxx", &v), -1);
}
END_TEST

/* ------------------------------------------------- the device filter */

/* Just enough of an eBPF interpreter for the instructions the generator
   emits; anything else fails the test, so new opcodes must be added here. */
static int
run_prog (const struct husk_bpf_prog *p, unsigned type, unsigned access, uint32_t major,
          uint32_t minor)
{
  uint32_t ctx[3] = { (access << 16) | type, major, minor };
  uint64_t r[11] = { 0 };
  bool init[11] = { [1] = true };
  size_t steps = 0;
  for (size_t pc = 0; pc < p->n; pc++)
    {
      ck_assert_msg (++steps < 100000, "program does not end");
      const struct bpf_insn *i = &p->insns[pc];
      ck_assert (i->dst_reg < 11 && i->src_reg < 11);
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          ck_assert_int_eq (i->src_reg, 1); /* only the context is read */
          ck_assert (i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
          r[i->dst_reg] = ctx[i->off / 4];
          init[i->dst_reg] = true;
          break;
        case BPF_ALU | BPF_MOV | BPF_K:
          r[i->dst_reg] = (uint32_t)i->imm;
          init[i->dst_reg] = true;
          break;
        case BPF_ALU | BPF_MOV | BPF_X:
          ck_assert (init[i->src_reg]);
          r[i->dst_reg] = (uint32_t)r[i->src_reg];
          init[i->dst_reg] = true;
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          ck_assert (init[i->dst_reg]);
          r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          ck_assert (init[i->dst_reg]);
          r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_K:
          {
            ck_assert (init[i->dst_reg]);
            bool eq = r[i->dst_reg] == (uint64_t)(int64_t)i->imm;
            bool jump = BPF_OP (i->code) == BPF_JEQ ? eq : !eq;
            ck_assert (i->off >= 0 && pc + 1 + i->off < p->n);
            if (jump)
              pc += i->off;
            break;
          }
        case BPF_JMP | BPF_EXIT:
          ck_assert (init[0]);
          ck_assert (r[0] == 0 || r[0] == 1);
          return (int)r[0];
        default:
          ck_abort_msg ("opcode 0x%02x at %zu is not interpreted", i->code, pc);
        }
    }
  ck_abort_msg ("fell off the end of the program");
  return -1;
}

#define R HUSK_DEV_ACC_READ
#define W HUSK_DEV_ACC_WRITE
#define M HUSK_DEV_ACC_MKNOD
#define C HUSK_DEV_CHAR
#define B HUSK_DEV_BLOCK

static void
compile (const struct husk_device_rule *rules, size_t n, struct husk_bpf_prog *p)
{
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_cgroup_device_prog (rules, n, p, &err), 0);
  ck_assert_uint_gt (p->n, 0);
  ck_assert_uint_le (p->n, 4096);
}

START_TEST (devices_default_deny)
{
  struct husk_bpf_prog p;
  compile (NULL, 0, &p);
  ck_assert_int_eq (run_prog (&p, C, R, 1, 3), 0);
  ck_assert_int_eq (run_prog (&p, B, M, 8, 0), 0);
  husk_bpf_prog_free (&p);
}
END_TEST

START_TEST (devices_allow_list_and_wildcards)
{
  struct husk_device_rule rules[] = {
    { false, 'a', -1, -1, R | W | M }, /* deny all */
    { true, 'c', 1, 3, R | W },        /* /dev/null rw */
    { true, 'c', 136, -1, R | W | M }, /* any pts */
    { true, 'b', -1, -1, M },          /* mknod of any block device */
    { true, 'a', 7, -1, R },           /* loop devices, any type, read */
  };
  struct husk_bpf_prog p;
  compile (rules, ARRAY_SIZE (rules), &p);
  ck_assert_int_eq (run_prog (&p, C, R, 1, 3), 1);
  ck_assert_int_eq (run_prog (&p, C, R | W, 1, 3), 1);
  ck_assert_int_eq (run_prog (&p, C, M, 1, 3), 0);     /* m not granted */
  ck_assert_int_eq (run_prog (&p, C, R | M, 1, 3), 0); /* one bit missing: denied */
  ck_assert_int_eq (run_prog (&p, B, R, 1, 3), 0);     /* block 1:3 is another device */
  ck_assert_int_eq (run_prog (&p, C, R, 1, 5), 0);
  ck_assert_int_eq (run_prog (&p, C, W, 136, 0), 1);
  ck_assert_int_eq (run_prog (&p, C, R | W | M, 136, 99999), 1);
  ck_assert_int_eq (run_prog (&p, C, R, 137, 0), 0);
  ck_assert_int_eq (run_prog (&p, B, M, 8, 0), 1);
  ck_assert_int_eq (run_prog (&p, B, R, 8, 0), 0);
  ck_assert_int_eq (run_prog (&p, B, R, 7, 3), 1);
  ck_assert_int_eq (run_prog (&p, C, R, 7, 3), 1);
  ck_assert_int_eq (run_prog (&p, B, W, 7, 3), 0);
  husk_bpf_prog_free (&p);
}
END_TEST

START_TEST (devices_last_match_wins)
{
  /* Allow everything, then take /dev/kmsg away, then give read back. */
  struct husk_device_rule rules[] = {
    { true, 'a', -1, -1, R | W | M },
    { false, 'c', 1, 11, R | W | M },
    { true, 'c', 1, 11, R },
  };
  struct husk_bpf_prog p;
  compile (rules, ARRAY_SIZE (rules), &p);
  ck_assert_int_eq (run_prog (&p, C, R, 1, 11), 1);
  ck_assert_int_eq (run_prog (&p, C, W, 1, 11), 0);
  ck_assert_int_eq (run_prog (&p, C, R | W, 1, 11), 0);
  ck_assert_int_eq (run_prog (&p, C, R | W | M, 1, 12), 1);
  husk_bpf_prog_free (&p);
  /* The same rules the other way round: the allow-all at the end wins. */
  struct husk_device_rule rev[] = { rules[2], rules[1], rules[0] };
  compile (rev, ARRAY_SIZE (rev), &p);
  ck_assert_int_eq (run_prog (&p, C, W, 1, 11), 1);
  husk_bpf_prog_free (&p);
  /* A deny of one bit after an allow-all leaves the other bits. */
  struct husk_device_rule partial[]
      = { { true, 'a', -1, -1, R | W | M }, { false, 'c', -1, -1, W } };
  compile (partial, ARRAY_SIZE (partial), &p);
  ck_assert_int_eq (run_prog (&p, C, R, 4, 1), 1);
  ck_assert_int_eq (run_prog (&p, C, R | W, 4, 1), 0);
  ck_assert_int_eq (run_prog (&p, B, R | W, 8, 1), 1);
  husk_bpf_prog_free (&p);
}
END_TEST

/* Build the full rule list the way create does, and compile it. */
static void
compile_spec (const struct husk_resources *res, const struct husk_device *devs, size_t n_devs,
              struct husk_bpf_prog *p)
{
  cleanup_err husk_err_t *err = NULL;
  cleanup_free struct husk_device_rule *rules = NULL;
  size_t n = 0;
  int rc = husk_cgroup_device_rules (res, devs, n_devs, &rules, &n, &err);
  ck_assert_msg (rc == 0, "rules: %s", err ? err->msg : "?");
  compile (rules, n, p);
}

START_TEST (devices_spec_rules_with_runc_defaults)
{
  /* The default config of `husk spec`: deny all; runc's defaults follow. */
  struct husk_device_cgroup_rule spec_rules[] = { { .allow = false, .access = (char *)"rwm" } };
  struct husk_resources res = { .devices = spec_rules, .n_devices = 1 };
  struct husk_device devs[]
      = { { .path = (char *)"/dev/fuse", .type = (char *)"c", .major = 10, .minor = 229 },
          { .path = (char *)"/dev/fifo", .type = (char *)"p" } };
  struct husk_bpf_prog p;
  compile_spec (&res, devs, 2, &p);
  ck_assert_int_eq (run_prog (&p, C, R | W, 1, 3), 1);        /* null */
  ck_assert_int_eq (run_prog (&p, C, R | W, 1, 9), 1);        /* urandom */
  ck_assert_int_eq (run_prog (&p, C, R | W, 5, 2), 1);        /* ptmx */
  ck_assert_int_eq (run_prog (&p, C, R | W, 136, 4), 1);      /* pts/4 */
  ck_assert_int_eq (run_prog (&p, C, R | W, 10, 200), 1);     /* net/tun */
  ck_assert_int_eq (run_prog (&p, C, R | W | M, 10, 229), 1); /* linux.devices */
  ck_assert_int_eq (run_prog (&p, C, M, 1, 11), 1);           /* mknod of anything */
  ck_assert_int_eq (run_prog (&p, B, M, 8, 0), 1);
  ck_assert_int_eq (run_prog (&p, C, R, 1, 11), 0); /* kmsg: denied */
  ck_assert_int_eq (run_prog (&p, C, W, 1, 1), 0);  /* mem: denied */
  ck_assert_int_eq (run_prog (&p, B, R, 8, 0), 0);  /* sda: denied */
  husk_bpf_prog_free (&p);

  /* No resources at all: still default deny plus the defaults. */
  compile_spec (NULL, NULL, 0, &p);
  ck_assert_int_eq (run_prog (&p, C, R, 1, 3), 1);
  ck_assert_int_eq (run_prog (&p, C, R, 1, 11), 0);
  husk_bpf_prog_free (&p);

  /* A config that allows a block device by number, reads only. */
  struct husk_device_cgroup_rule blk[]
      = { { .allow = false, .access = (char *)"rwm" },
          { .allow = true,
            .type = (char *)"b",
            .major = OPT (8),
            .minor = OPT (0),
            .access = (char *)"r" },
          { .allow = true, .type = (char *)"c", .major = OPT (4), .access = NULL } };
  res.devices = blk;
  res.n_devices = 3;
  compile_spec (&res, NULL, 0, &p);
  ck_assert_int_eq (run_prog (&p, B, R, 8, 0), 1);
  ck_assert_int_eq (run_prog (&p, B, W, 8, 0), 0);
  ck_assert_int_eq (run_prog (&p, B, R, 8, 1), 0);
  ck_assert_int_eq (run_prog (&p, C, R | W | M, 4, 7), 1); /* absent access: rwm */
  husk_bpf_prog_free (&p);
}
END_TEST

START_TEST (devices_bad_rules)
{
  struct
  {
    struct husk_device_cgroup_rule rule;
    const char *want;
  } bad[] = {
    { { .type = (char *)"x" }, "linux.resources.devices[0].type" },
    { { .type = (char *)"c", .access = (char *)"rwx" }, "linux.resources.devices[0].access" },
    { { .type = (char *)"c", .major = OPT (-7) }, "linux.resources.devices[0].major" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      struct husk_resources res = { .devices = &bad[i].rule, .n_devices = 1 };
      cleanup_err husk_err_t *err = NULL;
      struct husk_device_rule *rules = NULL;
      size_t n = 0;
      ck_assert_int_eq (husk_cgroup_device_rules (&res, NULL, 0, &rules, &n, &err), -1);
      ck_assert_msg (strstr (err->msg, bad[i].want) != NULL, "%s", err->msg);
      ck_assert_ptr_null (rules);
    }
  struct husk_device dev = { .path = (char *)"/dev/x", .type = (char *)"q" };
  cleanup_err husk_err_t *err = NULL;
  struct husk_device_rule *rules = NULL;
  size_t n = 0;
  ck_assert_int_eq (husk_cgroup_device_rules (NULL, &dev, 1, &rules, &n, &err), -1);
  ck_assert_ptr_nonnull (strstr (err->msg, "linux.devices[0].type"));
}
END_TEST

START_TEST (features_table)
{
  ck_assert (husk_cgroup_features.v2);
  ck_assert (!husk_cgroup_features.v1);
  ck_assert (!husk_cgroup_features.systemd);
  ck_assert (!husk_cgroup_features.systemd_user);
  ck_assert (husk_cgroup_features.rdma);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("cgroup");
  TCase *paths = tcase_create ("paths");
  tcase_add_test (paths, resolve_absolute_from_root);
  tcase_add_test (paths, resolve_relative_and_unset_like_runc);
  tcase_add_test (paths, resolve_refuses_escapes);
  tcase_add_test (paths, resolve_refuses_systemd_form);
  tcase_add_test (paths, parse_mountinfo_finds_cgroup2);
  tcase_add_test (paths, parse_proc_cgroup_takes_the_v2_line);
  suite_add_tcase (s, paths);
  TCase *res = tcase_create ("resources");
  tcase_set_timeout (res, 30);
  tcase_add_test (res, translate_nothing);
  tcase_add_test (res, translate_memory);
  tcase_add_test (res, translate_memory_errors);
  tcase_add_test (res, swap_conversion_table);
  tcase_add_test (res, cpu_weight_matches_the_formula);
  tcase_add_test (res, io_weight_is_runcs_linear_map);
  tcase_add_test (res, translate_cpu);
  tcase_add_test (res, translate_cpu_errors);
  tcase_add_test (res, translate_pids);
  tcase_add_test (res, translate_block_io);
  tcase_add_test (res, translate_hugetlb_and_rdma);
  tcase_add_test (res, translate_unified);
  tcase_add_test (res, unified_keys_are_checked);
  tcase_add_test (res, network_is_v1_only);
  tcase_add_test (res, write_order_is_runcs);
  tcase_add_test (res, stat_parsers);
  tcase_add_test (res, features_table);
  suite_add_tcase (s, res);
  TCase *dev = tcase_create ("devices");
  tcase_add_test (dev, devices_default_deny);
  tcase_add_test (dev, devices_allow_list_and_wildcards);
  tcase_add_test (dev, devices_last_match_wins);
  tcase_add_test (dev, devices_spec_rules_with_runc_defaults);
  tcase_add_test (dev, devices_bad_rules);
  suite_add_tcase (s, dev);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
