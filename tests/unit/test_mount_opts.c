/* Mount option translation: flags, propagation, recursive attributes, data. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "husk/mount_opts.h"
#include "husk/util.h"

#include "check_main.h"

/* Build a plan for `type` with a NULL-terminated option list. */
static int
build (const char *type, const char **opts, struct husk_mount_plan *plan, husk_err_t **err)
{
  struct husk_mount m = { 0 };
  m.destination = (char *)"/mnt";
  m.source = (char *)"/src";
  m.type = (char *)type;
  m.options = (char **)opts;
  while (opts && opts[m.n_options])
    m.n_options++;
  return husk_mount_plan_build (&m, plan, err);
}

#define BUILD_OK(type, plan, ...)                                                                  \
  do                                                                                               \
    {                                                                                              \
      const char *_opts[] = { __VA_ARGS__, NULL };                                                 \
      cleanup_err husk_err_t *_err = NULL;                                                         \
      ck_assert_int_eq (build (type, _opts, plan, &_err), 0);                                      \
      ck_assert_ptr_null (_err);                                                                   \
    }                                                                                              \
  while (0)

/* Expected values written out here, independently of the table. */
static const struct
{
  const char *name;
  unsigned long set;
  unsigned long clear;
} flag_cases[] = {
  { "ro", MS_RDONLY, 0 },
  { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },
  { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },
  { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },
  { "exec", 0, MS_NOEXEC },
  { "sync", MS_SYNCHRONOUS, 0 },
  { "async", 0, MS_SYNCHRONOUS },
  { "dirsync", MS_DIRSYNC, 0 },
  { "mand", MS_MANDLOCK, 0 },
  { "nomand", 0, MS_MANDLOCK },
  { "noatime", MS_NOATIME, MS_RELATIME | MS_STRICTATIME },
  { "atime", 0, MS_NOATIME },
  { "relatime", MS_RELATIME, MS_NOATIME | MS_STRICTATIME },
  { "norelatime", 0, MS_RELATIME },
  { "strictatime", MS_STRICTATIME, MS_NOATIME | MS_RELATIME },
  { "nostrictatime", 0, MS_STRICTATIME },
  { "nodiratime", MS_NODIRATIME, 0 },
  { "diratime", 0, MS_NODIRATIME },
  { "lazytime", MS_LAZYTIME, 0 },
  { "nolazytime", 0, MS_LAZYTIME },
  { "nosymfollow", MS_NOSYMFOLLOW, 0 },
  { "symfollow", 0, MS_NOSYMFOLLOW },
  { "defaults", 0, 0 },
};

START_TEST (each_flag_option)
{
  const char *name = flag_cases[_i].name;
  struct husk_mount_plan p;
  BUILD_OK ("tmpfs", &p, name);
  ck_assert_msg (p.flags == flag_cases[_i].set, "%s: flags %#lx", name, p.flags);
  ck_assert_msg (p.clear_flags == flag_cases[_i].clear, "%s: clear %#lx", name, p.clear_flags);
  ck_assert_ptr_null (p.data);
  ck_assert_uint_eq (p.n_propagation, 0);
  ck_assert (p.attr_set == 0 && p.attr_clr == 0);
  ck_assert (!p.bind && !p.bind_remount);
  husk_mount_plan_free (&p);
}
END_TEST

START_TEST (later_option_wins)
{
  struct husk_mount_plan p;
  BUILD_OK ("tmpfs", &p, "ro", "rw");
  ck_assert_uint_eq (p.flags & MS_RDONLY, 0);
  ck_assert_uint_eq (p.clear_flags & MS_RDONLY, MS_RDONLY);
  husk_mount_plan_free (&p);

  BUILD_OK ("tmpfs", &p, "rw", "ro");
  ck_assert_uint_eq (p.flags & MS_RDONLY, MS_RDONLY);
  ck_assert_uint_eq (p.clear_flags & MS_RDONLY, 0);
  husk_mount_plan_free (&p);

  /* atime modes are exclusive: only the last survives. */
  BUILD_OK ("tmpfs", &p, "noatime", "relatime", "strictatime");
  ck_assert_uint_eq (p.flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME), MS_STRICTATIME);
  husk_mount_plan_free (&p);
}
END_TEST

START_TEST (data_passthrough)
{
  struct husk_mount_plan p;
  BUILD_OK ("tmpfs", &p, "nosuid", "strictatime", "mode=755", "", "size=65536k");
  ck_assert_str_eq (p.data, "mode=755,size=65536k");
  ck_assert_uint_eq (p.flags, MS_NOSUID | MS_STRICTATIME);
  husk_mount_plan_free (&p);

  BUILD_OK ("devpts", &p, "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "noexec");
  ck_assert_str_eq (p.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  ck_assert_uint_eq (p.flags, MS_NOEXEC);
  husk_mount_plan_free (&p);

  /* No options at all. */
  struct husk_mount m = { .destination = (char *)"/proc", .type = (char *)"proc" };
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_mount_plan_build (&m, &p, &err), 0);
  ck_assert_ptr_null (p.data);
  ck_assert_uint_eq (p.flags, 0);
  husk_mount_plan_free (&p);
}
END_TEST

START_TEST (bind_mounts)
{
  struct husk_mount_plan p;

  /* "type": "bind" alone is a plain, non-recursive bind. */
  BUILD_OK ("bind", &p, "defaults");
  ck_assert (p.bind && !p.rbind && !p.bind_remount);
  ck_assert_uint_eq (p.flags, MS_BIND);
  husk_mount_plan_free (&p);

  BUILD_OK ("none", &p, "rbind", "rprivate");
  ck_assert (p.bind && p.rbind && !p.bind_remount);
  ck_assert_uint_eq (p.flags, MS_BIND | MS_REC);
  ck_assert_uint_eq (p.n_propagation, 1);
  ck_assert_uint_eq (p.propagation[0], MS_PRIVATE | MS_REC);
  husk_mount_plan_free (&p);

  /* A bind ignores ro/nosuid: a second, remount call must apply them. */
  BUILD_OK ("bind", &p, "bind", "ro", "nosuid");
  ck_assert (p.bind && !p.rbind && p.bind_remount);
  ck_assert_uint_eq (p.flags, MS_BIND | MS_RDONLY | MS_NOSUID);
  husk_mount_plan_free (&p);

  /* Clearing only (rw) keeps the source's flags: no remount needed. */
  BUILD_OK ("bind", &p, "rbind", "rw");
  ck_assert (!p.bind_remount);
  husk_mount_plan_free (&p);

  /* Not a bind mount: flags go to the one mount(2) call. */
  BUILD_OK ("tmpfs", &p, "ro");
  ck_assert (!p.bind && !p.bind_remount);
  husk_mount_plan_free (&p);

  BUILD_OK ("tmpfs", &p, "remount", "ro");
  ck_assert (p.remount);
  ck_assert_uint_eq (p.flags, MS_REMOUNT | MS_RDONLY);
  husk_mount_plan_free (&p);
}
END_TEST

START_TEST (propagation_in_order)
{
  static const struct
  {
    const char *name;
    unsigned long value;
  } props[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  struct husk_mount_plan p;
  for (size_t i = 0; i < ARRAY_SIZE (props); i++)
    {
      BUILD_OK ("bind", &p, "rbind", props[i].name);
      ck_assert_uint_eq (p.n_propagation, 1);
      ck_assert_msg (p.propagation[0] == props[i].value, "%s", props[i].name);
      ck_assert_uint_eq (p.flags, MS_BIND | MS_REC);
      husk_mount_plan_free (&p);
    }
  BUILD_OK ("bind", &p, "shared", "rbind", "rslave");
  ck_assert_uint_eq (p.n_propagation, 2);
  ck_assert_uint_eq (p.propagation[0], MS_SHARED);
  ck_assert_uint_eq (p.propagation[1], MS_SLAVE | MS_REC);
  husk_mount_plan_free (&p);
}
END_TEST

START_TEST (recursive_attributes)
{
  static const struct
  {
    const char *name;
    uint64_t set, clr;
  } attrs[] = {
    { "rro", MOUNT_ATTR_RDONLY, 0 },
    { "rrw", 0, MOUNT_ATTR_RDONLY },
    { "rnosuid", MOUNT_ATTR_NOSUID, 0 },
    { "rsuid", 0, MOUNT_ATTR_NOSUID },
    { "rnodev", MOUNT_ATTR_NODEV, 0 },
    { "rdev", 0, MOUNT_ATTR_NODEV },
    { "rnoexec", MOUNT_ATTR_NOEXEC, 0 },
    { "rexec", 0, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 },
    { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
    { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 },
    { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
    /* The atime mode is replaced whole: all of __ATIME cleared, mode set. */
    { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
    { "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "rrelatime", 0, MOUNT_ATTR__ATIME },
    { "ratime", 0, MOUNT_ATTR__ATIME },
    { "rnorelatime", 0, MOUNT_ATTR__ATIME },
    { "rnostrictatime", 0, MOUNT_ATTR__ATIME },
  };
  struct husk_mount_plan p;
  for (size_t i = 0; i < ARRAY_SIZE (attrs); i++)
    {
      BUILD_OK ("bind", &p, "rbind", attrs[i].name);
      ck_assert_msg (p.attr_set == attrs[i].set && p.attr_clr == attrs[i].clr,
                     "%s: set %#llx clr %#llx", attrs[i].name, (unsigned long long)p.attr_set,
                     (unsigned long long)p.attr_clr);
      ck_assert_uint_eq (p.flags, MS_BIND | MS_REC); /* never mixed into mount(2) flags */
      husk_mount_plan_free (&p);
    }

  BUILD_OK ("bind", &p, "rbind", "rro", "rnoatime", "rrw", "ratime", "rnodev");
  ck_assert_uint_eq (p.attr_set, MOUNT_ATTR_NODEV);
  ck_assert_uint_eq (p.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME);
  husk_mount_plan_free (&p);

  BUILD_OK ("bind", &p, "rbind", "rstrictatime", "rnoatime");
  ck_assert_uint_eq (p.attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_NOATIME);
  ck_assert_uint_eq (p.attr_clr & MOUNT_ATTR__ATIME, MOUNT_ATTR__ATIME);
  husk_mount_plan_free (&p);
}
END_TEST

START_TEST (extensions)
{
  struct husk_mount_plan p;
  BUILD_OK ("tmpfs", &p, "tmpcopyup", "mode=755");
  ck_assert (p.tmpcopyup && !p.idmap);
  ck_assert_str_eq (p.data, "mode=755");
  husk_mount_plan_free (&p);

  BUILD_OK ("bind", &p, "rbind", "idmap");
  ck_assert (p.idmap && !p.ridmap);
  husk_mount_plan_free (&p);

  BUILD_OK ("bind", &p, "rbind", "ridmap");
  ck_assert (p.idmap && p.ridmap);
  husk_mount_plan_free (&p);

  /* Mappings alone make an idmapped mount. */
  struct husk_id_mapping map = { 0, 1000, 1 };
  struct husk_mount m = { .destination = (char *)"/data", .type = (char *)"bind" };
  m.uid_mappings = &map;
  m.n_uid_mappings = 1;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_mount_plan_build (&m, &p, &err), 0);
  ck_assert (p.idmap && !p.ridmap);
  husk_mount_plan_free (&p);

  /* ... but only on a bind mount. */
  m.type = (char *)"tmpfs";
  ck_assert_int_lt (husk_mount_plan_build (&m, &p, &err), 0);
  ck_assert_ptr_nonnull (err);
  ck_assert_ptr_nonnull (strstr (err->msg, "`/data`"));
  ck_assert_ptr_nonnull (strstr (err->msg, "bind"));
}
END_TEST

START_TEST (idmap_needs_bind)
{
  const char *opts[] = { "idmap", NULL };
  struct husk_mount_plan p;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_lt (build ("tmpfs", opts, &p, &err), 0);
  ck_assert_ptr_nonnull (strstr (err->msg, "`/mnt`"));
}
END_TEST

START_TEST (names_for_features)
{
  /* runtime-spec features.md's example list (runc's), minus acl/noacl,
     plus OCI's idmap/ridmap. */
  static const char *const expected[] = {
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "symfollow",
    "sync",
    "tmpcopyup",
    "unbindable",
    "idmap",
    "ridmap",
  };
  const char *const *names = husk_mount_option_names ();
  size_t n = 0;
  while (names[n])
    n++;
  ck_assert_uint_eq (n, ARRAY_SIZE (expected));
  ck_assert_uint_eq (n, husk_mount_option_count);
  for (size_t i = 0; i < ARRAY_SIZE (expected); i++)
    {
      size_t hits = 0;
      for (size_t j = 0; j < n; j++)
        hits += strcmp (names[j], expected[i]) == 0;
      ck_assert_msg (hits == 1, "%s listed %zu times", expected[i], hits);
      ck_assert_ptr_nonnull (husk_mount_option_lookup (expected[i]));
    }
  ck_assert_ptr_null (husk_mount_option_lookup ("mode=755"));
  ck_assert_ptr_null (husk_mount_option_lookup ("RO"));
}
END_TEST

START_TEST (flag_attrs_for_open_tree)
{
  static const struct
  {
    const char *a, *b;
    uint64_t set, clr;
  } cases[] = {
    { "ro", "nosuid", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0 },
    { "rw", "suid", 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID },
    { "nodev", "noexec", MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0 },
    { "nodiratime", "nosymfollow", MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW, 0 },
    { "noatime", "ro", MOUNT_ATTR_NOATIME | MOUNT_ATTR_RDONLY, MOUNT_ATTR__ATIME },
    { "strictatime", "defaults", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "relatime", "defaults", 0, MOUNT_ATTR__ATIME },
    { "noatime", "atime", 0, MOUNT_ATTR__ATIME },
    { "sync", "dirsync", 0, 0 }, /* no mount attribute for these */
  };
  struct husk_mount_plan p;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      uint64_t set, clr;
      BUILD_OK ("bind", &p, "rbind", cases[i].a, cases[i].b);
      husk_mount_plan_flag_attrs (&p, &set, &clr);
      ck_assert_msg (set == cases[i].set && clr == cases[i].clr, "%s,%s: set %#llx clr %#llx",
                     cases[i].a, cases[i].b, (unsigned long long)set, (unsigned long long)clr);
      husk_mount_plan_free (&p);
    }

  /* Whatever the atime words, the result is one mount_setattr accepts:
     __ATIME cleared whole or not at all, and a mode set only with it. */
  static const char *const atime_words[]
      = { "noatime",     "atime",         "relatime",   "norelatime",
          "strictatime", "nostrictatime", "nodiratime", "defaults" };
  for (size_t i = 0; i < ARRAY_SIZE (atime_words); i++)
    for (size_t j = 0; j < ARRAY_SIZE (atime_words); j++)
      {
        uint64_t set, clr;
        BUILD_OK ("bind", &p, atime_words[i], atime_words[j]);
        husk_mount_plan_flag_attrs (&p, &set, &clr);
        uint64_t mode = set & MOUNT_ATTR__ATIME, cleared = clr & MOUNT_ATTR__ATIME;
        ck_assert_msg (cleared == 0 || cleared == MOUNT_ATTR__ATIME, "%s,%s", atime_words[i],
                       atime_words[j]);
        ck_assert_msg (mode == 0
                           || ((mode == MOUNT_ATTR_NOATIME || mode == MOUNT_ATTR_STRICTATIME)
                               && cleared == MOUNT_ATTR__ATIME),
                       "%s,%s", atime_words[i], atime_words[j]);
        husk_mount_plan_free (&p);
      }
}
END_TEST

START_TEST (rootfs_propagation)
{
  unsigned long flags = 0;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_rootfs_propagation (NULL, &flags, &err), 0);
  ck_assert_uint_eq (flags, MS_SLAVE | MS_REC);
  ck_assert_int_eq (husk_rootfs_propagation ("", &flags, &err), 0);
  ck_assert_uint_eq (flags, MS_SLAVE | MS_REC);
  ck_assert_int_eq (husk_rootfs_propagation ("private", &flags, &err), 0);
  ck_assert_uint_eq (flags, MS_PRIVATE);
  ck_assert_int_eq (husk_rootfs_propagation ("rshared", &flags, &err), 0);
  ck_assert_uint_eq (flags, MS_SHARED | MS_REC);
  ck_assert_int_eq (husk_rootfs_propagation ("unbindable", &flags, &err), 0);
  ck_assert_uint_eq (flags, MS_UNBINDABLE);
  ck_assert_ptr_null (err);

  ck_assert_int_lt (husk_rootfs_propagation ("ro", &flags, &err), 0);
  ck_assert_ptr_nonnull (strstr (err->msg, "linux.rootfsPropagation"));
  ck_assert_ptr_nonnull (strstr (err->msg, "\"ro\""));
  husk_err_freep (&err);
  ck_assert_int_lt (husk_rootfs_propagation ("Shared", &flags, &err), 0);
  ck_assert_ptr_nonnull (strstr (err->msg, "\"Shared\""));
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("mount_opts");
  TCase *tc = tcase_create ("translate");
  tcase_add_loop_test (tc, each_flag_option, 0, ARRAY_SIZE (flag_cases));
  tcase_add_test (tc, later_option_wins);
  tcase_add_test (tc, data_passthrough);
  tcase_add_test (tc, bind_mounts);
  tcase_add_test (tc, propagation_in_order);
  tcase_add_test (tc, recursive_attributes);
  tcase_add_test (tc, extensions);
  tcase_add_test (tc, idmap_needs_bind);
  tcase_add_test (tc, names_for_features);
  tcase_add_test (tc, flag_attrs_for_open_tree);
  tcase_add_test (tc, rootfs_propagation);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
