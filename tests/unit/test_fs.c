/* Path resolution under a root: the user-space fallback must agree with
   openat2(RESOLVE_IN_ROOT) on a hostile tree, and never leave the root. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "husk/fs.h"
#include "husk/util.h"

#include "../../src/lib/fs_resolve.h"
#include "check_main.h"

static char tmp[PATH_MAX];
static char root[PATH_MAX + 8];
static char outside[PATH_MAX + 16];

static void
xsymlink (const char *target, const char *name)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, name);
  ck_assert_int_eq (symlink (target, p), 0);
}

static void
xmkdir (const char *dir, const char *name)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, name);
  ck_assert_int_eq (mkdir (p, 0755), 0);
}

static void
build_tree (void)
{
  strcpy (tmp, "/tmp/husk-test-fs-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (tmp));
  snprintf (root, sizeof root, "%s/root", tmp);
  snprintf (outside, sizeof outside, "%s/outside", tmp);
  ck_assert_int_eq (mkdir (root, 0755), 0);
  ck_assert_int_eq (mkdir (outside, 0755), 0);
  xmkdir (root, "dir");
  xmkdir (root, "dir/sub");
  xmkdir (root, "etc");
  xmkdir (root, "proc");
  cleanup_free char *f = xasprintf ("%s/dir/sub/file", root);
  cleanup_close int fd = open (f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ck_assert_int_ge (fd, 0);
  xsymlink ("/", "evil");
  xsymlink ("../../../..", "up");
  xsymlink ("/etc", "abs");
  xsymlink ("rel2", "rel1");
  xsymlink ("rel3", "rel2");
  xsymlink ("dir/sub", "rel3");
  xsymlink ("loopb", "loopa");
  xsymlink ("loopa", "loopb");
  xsymlink ("dir", "mid");
  xsymlink ("nowhere", "dangling");
  xsymlink ("..", "dotdot");
  xsymlink (outside, "outlink");
  xsymlink ("dir/sub/file", "chain40");
  for (int i = 39; i >= 0; i--) /* chain0 is 41 symlinks long */
    {
      char name[16], target[16];
      snprintf (name, sizeof name, "chain%d", i);
      snprintf (target, sizeof target, "chain%d", i + 1);
      xsymlink (target, name);
    }
}

static void
remove_tree (void)
{
  cleanup_free char *cmd = xasprintf ("rm -rf '%s'", tmp);
  ck_assert_int_eq (system (cmd), 0);
}

struct result
{
  int errnum;
  struct stat st;
  char where[PATH_MAX];
};

static struct result
resolve (int root_fd, const char *path, int flags, bool no_symlinks, bool fallback)
{
  struct result r = { 0 };
  husk_err_t *err = NULL;
  husk_fs_force_fallback (fallback);
  cleanup_close int fd = husk_open_in_root (root_fd, path, flags, no_symlinks, &err);
  husk_fs_force_fallback (false);
  if (fd < 0)
    {
      ck_assert_ptr_nonnull (err);
      r.errnum = err->errnum;
      husk_err_free (err);
      return r;
    }
  ck_assert_int_eq (fstat (fd, &r.st), 0);
  char link[HUSK_FD_PATH_MAX];
  ssize_t n = readlink (husk_fd_path (fd, link), r.where, sizeof r.where - 1);
  ck_assert_int_gt (n, 0);
  r.where[n] = '\0';
  return r;
}

static bool
under (const char *where, const char *dir)
{
  size_t len = strlen (dir);
  return strncmp (where, dir, len) == 0 && (where[len] == '\0' || where[len] == '/');
}

static const char *const paths[] = {
  "",
  "/",
  ".",
  "..",
  "/../..",
  "../../outside",
  "evil",
  "evil/etc",
  "evil/dir/sub/file",
  "up",
  "up/outside",
  "up/dir/sub/file",
  "abs",
  "abs/../..",
  "rel1",
  "rel1/file",
  "rel1/file/",
  "rel1/../../..",
  "loopa",
  "loopa/x",
  "chain0",
  "chain1",
  "mid/sub/file",
  "mid/../mid/sub",
  "mid/sub/",
  "dangling",
  "dangling/x",
  "outlink",
  "outlink/..",
  "dotdot",
  "dotdot/dotdot/dir",
  "dir/sub/file",
  "dir/sub/file/",
  "dir/sub/file/x",
  "dir//sub/./file",
  "dir/sub/../../../..",
  "missing",
  "missing/x",
};

static const int flag_sets[] = {
  O_PATH, O_PATH | O_NOFOLLOW, O_PATH | O_DIRECTORY, O_RDONLY, O_RDONLY | O_NOFOLLOW,
};

START_TEST (fallback_agrees_with_openat2)
{
  build_tree ();
  cleanup_close int root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (root_fd, 0);
  struct stat root_st;
  ck_assert_int_eq (fstat (root_fd, &root_st), 0);
  int resolved = 0;
  for (size_t i = 0; i < ARRAY_SIZE (paths); i++)
    for (size_t j = 0; j < ARRAY_SIZE (flag_sets); j++)
      for (int no_symlinks = 0; no_symlinks <= 1; no_symlinks++)
        {
          struct result k = resolve (root_fd, paths[i], flag_sets[j], no_symlinks, false);
          struct result u = resolve (root_fd, paths[i], flag_sets[j], no_symlinks, true);
          ck_assert_msg (k.errnum == u.errnum, "`%s` flags %#o nosym %d: openat2 %s, fallback %s",
                         paths[i], flag_sets[j], no_symlinks, strerror (k.errnum),
                         strerror (u.errnum));
          if (k.errnum != 0)
            continue;
          resolved++;
          ck_assert_msg (k.st.st_dev == u.st.st_dev && k.st.st_ino == u.st.st_ino,
                         "`%s` flags %#o: openat2 %s, fallback %s", paths[i], flag_sets[j], k.where,
                         u.where);
          ck_assert_msg (under (u.where, root), "`%s` escaped to %s", paths[i], u.where);
        }
  ck_assert_int_gt (resolved, 0);

  /* The ones that must be clamped to the root itself. */
  static const char *const clamped[]
      = { "..", "/../..", "evil", "up", "dotdot", "abs/../..", "rel1/../../.." };
  for (size_t i = 0; i < ARRAY_SIZE (clamped); i++)
    {
      struct result u = resolve (root_fd, clamped[i], O_PATH, false, true);
      ck_assert_msg (u.errnum == 0, "`%s`: %s", clamped[i], strerror (u.errnum));
      ck_assert_msg (u.st.st_dev == root_st.st_dev && u.st.st_ino == root_st.st_ino,
                     "`%s` is %s, not the root", clamped[i], u.where);
    }
  ck_assert_int_eq (resolve (root_fd, "chain0", O_PATH, false, true).errnum, ELOOP);
  ck_assert_int_eq (resolve (root_fd, "chain1", O_PATH, false, true).errnum, 0);
  ck_assert_int_eq (resolve (root_fd, "mid/sub", O_PATH, true, true).errnum, ELOOP);
  remove_tree ();
}
END_TEST

/* Magic links are refused by both; procfs's ordinary symlinks followed. */
START_TEST (magic_links_refused)
{
  cleanup_close int proc_fd = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (proc_fd, 0);
  static const char *const magic[] = { "exe", "cwd", "root", "fd/0", "ns/mnt" };
  for (size_t i = 0; i < ARRAY_SIZE (magic); i++)
    for (int fallback = 0; fallback <= 1; fallback++)
      {
        struct result r = resolve (proc_fd, magic[i], O_PATH, false, fallback);
        ck_assert_msg (r.errnum == ELOOP, "`%s` (fallback %d): %s", magic[i], fallback,
                       strerror (r.errnum));
      }
  cleanup_close int root_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (root_fd, 0);
  static const char *const plain[]
      = { "self/oom_score_adj", "thread-self/comm", "mounts", "net/dev" };
  for (size_t i = 0; i < ARRAY_SIZE (plain); i++)
    {
      struct result k = resolve (root_fd, plain[i], O_RDONLY, false, false);
      struct result u = resolve (root_fd, plain[i], O_RDONLY, false, true);
      ck_assert_msg (k.errnum == 0 && u.errnum == 0, "`%s`: openat2 %s, fallback %s", plain[i],
                     strerror (k.errnum), strerror (u.errnum));
      ck_assert_str_eq (k.where, u.where);
    }
}
END_TEST

/* What catches a directory renamed out of the root mid-walk. */
START_TEST (verify_rejects_outside)
{
  build_tree ();
  cleanup_close int root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int out_fd = open (outside, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int top_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *sub = xasprintf ("%s/dir/sub", root);
  cleanup_close int sub_fd = open (sub, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert (root_fd >= 0 && sub_fd >= 0 && out_fd >= 0 && top_fd >= 0);
  struct stat root_st;
  ck_assert_int_eq (fstat (root_fd, &root_st), 0);
  ck_assert_int_eq (husk_verify_under_root (root_fd, &root_st), 0);
  ck_assert_int_eq (husk_verify_under_root (sub_fd, &root_st), 0);
  ck_assert_int_eq (husk_verify_under_root (out_fd, &root_st), -1);
  ck_assert_int_eq (errno, EXDEV);
  ck_assert_int_eq (husk_verify_under_root (top_fd, &root_st), -1);
  ck_assert_int_eq (errno, EXDEV);
  /* The same fd once its directory has been moved out of the root. */
  cleanup_free char *moved = xasprintf ("%s/moved", outside);
  ck_assert_int_eq (rename (sub, moved), 0);
  ck_assert_int_eq (husk_verify_under_root (sub_fd, &root_st), -1);
  ck_assert_int_eq (errno, EXDEV);
  remove_tree ();
}
END_TEST

static bool
dir_is_empty (const char *dir)
{
  cleanup_dir DIR *d = opendir (dir);
  ck_assert_ptr_nonnull (d);
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      return false;
  return true;
}

static void
assert_exists (const char *rel, mode_t type)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  struct stat st;
  ck_assert_msg (lstat (p, &st) == 0, "%s was not created", p);
  ck_assert_int_eq (st.st_mode & S_IFMT, type);
}

START_TEST (mkpath_stays_in_root)
{
  build_tree ();
  cleanup_close int root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (root_fd, 0);
  husk_fs_force_fallback (true);
  husk_err_t *err = NULL;
  int fd = husk_mkpath_in_root (root_fd, "outlink/new/deep", HUSK_MKPATH_DIR, 0755, false, &err);
  ck_assert_msg (fd >= 0, "%s", err ? err->msg : "");
  close (fd);
  fd = husk_mkpath_in_root (root_fd, "up/made", HUSK_MKPATH_DIR, 0755, false, &err);
  ck_assert_int_ge (fd, 0);
  close (fd);
  fd = husk_mkpath_in_root (root_fd, "dangling", HUSK_MKPATH_FILE, 0644, false, &err);
  ck_assert_int_ge (fd, 0);
  close (fd);
  fd = husk_mkpath_in_root (root_fd, "mid/sub/x", HUSK_MKPATH_DIR, 0755, true, &err);
  ck_assert_int_lt (fd, 0);
  ck_assert_int_eq (err->errnum, ELOOP);
  husk_err_free (err);
  err = NULL;
  /* O_CREAT through a dangling absolute symlink creates inside the root. */
  cleanup_free char *name = xasprintf ("/husk-fs-test-%d", (int)getpid ());
  xsymlink (name, "to_new");
  fd = husk_open_in_root (root_fd, "to_new", O_CREAT | O_WRONLY, false, &err);
  ck_assert_msg (fd >= 0, "%s", err ? err->msg : "");
  close (fd);
  husk_fs_force_fallback (false);

  ck_assert (dir_is_empty (outside));
  ck_assert_int_ne (access (name, F_OK), 0);
  cleanup_free char *inside = xasprintf ("%s%s/new/deep", root, outside);
  struct stat st;
  ck_assert_int_eq (stat (inside, &st), 0);
  ck_assert (S_ISDIR (st.st_mode));
  assert_exists ("made", S_IFDIR);
  assert_exists ("nowhere", S_IFREG);
  assert_exists (name + 1, S_IFREG);
  remove_tree ();
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("fs");
  TCase *tc = tcase_create ("resolve");
  tcase_add_test (tc, fallback_agrees_with_openat2);
  tcase_add_test (tc, magic_links_refused);
  tcase_add_test (tc, verify_rejects_outside);
  tcase_add_test (tc, mkpath_stays_in_root);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
