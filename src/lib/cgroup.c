/* cgroup v2: where the container's cgroup is, and its lifecycle.  What to
   write comes from cgroup_resources.c and cgroup_devices.c (pure); this file
   does the syscalls.  See include/husk/cgroup.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>

#include "husk/cgroup.h"
#include "husk/log.h"
#include "husk/statmount.h"
#include "husk/util.h"

const struct husk_cgroup_features husk_cgroup_features
    = { .v1 = false, .v2 = true, .systemd = false, .systemd_user = false, .rdma = true };

/* Where cgroup2 is normally mounted (the unified layout). */
#define USUAL_MOUNTPOINT "/sys/fs/cgroup"

/* ---- paths (pure) ---- */

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo. */
static char *
unescape_octal (const char *s, size_t len)
{
  char *r = xmalloc0 (len + 1), *o = r;
  for (size_t i = 0; i < len; i++)
    if (s[i] == '\\' && i + 3 < len + 1 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0'
        && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7')
      {
        *o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
        i += 3;
      }
    else
      *o++ = s[i];
  return r;
}

int
husk_cgroup_parse_mountinfo (const char *text, char **mountpoint, char **mount_root,
                             husk_err_t **err)
{
  /* The first cgroup2 mount, except that one at /sys/fs/cgroup wins, and
     of those the last: a later mount there hides the earlier ones (engines
     cover the host's with a sub-tree of their own). */
  char *mp = NULL, *root = NULL;
  for (char *l; (l = husk_next_line (&text)) != NULL; free (l))
    {
      /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPER" */
      const char *sep = strstr (l, " - ");
      if (sep == NULL || strncmp (sep + 3, "cgroup2 ", 8) != 0)
        continue;
      char *fields[5];
      char *save = NULL, *p = l;
      int n = 0;
      for (; n < 5; n++, p = NULL)
        if ((fields[n] = strtok_r (p, " ", &save)) == NULL)
          break;
      if (n < 5)
        continue;
      char *this_mp = unescape_octal (fields[4], strlen (fields[4]));
      if (mp != NULL && strcmp (this_mp, USUAL_MOUNTPOINT) != 0)
        {
          free (this_mp);
          continue;
        }
      free (mp);
      free (root);
      mp = this_mp;
      root = unescape_octal (fields[3], strlen (fields[3]));
    }
  if (mp == NULL)
    return husk_error (err, 0, "no cgroup2 filesystem is mounted (see /proc/self/mountinfo)");
  *mountpoint = mp;
  *mount_root = root;
  return 0;
}

int
husk_cgroup_parse_proc_cgroup (const char *text, char **path, husk_err_t **err)
{
  for (char *l; (l = husk_next_line (&text)) != NULL; free (l))
    if (husk_has_prefix (l, "0::"))
      {
        *path = xstrdup (l + 3);
        free (l);
        return 0;
      }
  return husk_error (err, 0, "/proc/self/cgroup has no cgroup v2 (\"0::\") entry");
}

/* "slice:prefix:name": two colons and no slash. */
static bool
is_systemd_form (const char *p)
{
  const char *c1 = strchr (p, ':');
  const char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
  return c2 && strchr (c2 + 1, ':') == NULL && strchr (p, '/') == NULL;
}

/* Append the components of path to out ("a/b"), refusing "..". */
static int
append_components (char **out, const char *path, const char *what, husk_err_t **err)
{
  cleanup_free char *copy = xstrdup (path);
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        return husk_error (err, 0, "%s `%s`: \"..\" is not allowed in a cgroup path", what, path);
      char *n = **out ? xasprintf ("%s/%s", *out, c) : xstrdup (c);
      free (*out);
      *out = n;
    }
  return 0;
}

int
husk_cgroup_resolve_in (const char *cgroups_path, const char *id, const char *own_cgroup,
                        char **out_rel, husk_err_t **err)
{
  const char *what = "linux.cgroupsPath";
  cleanup_free char *rel = xstrdup ("");
  bool unset = cgroups_path == NULL || *cgroups_path == '\0';
  if (!unset && is_systemd_form (cgroups_path))
    return husk_error (err, 0,
                       "%s `%s`: the slice:prefix:name form needs the systemd cgroup driver, "
                       "which husk does not have",
                       what, cgroups_path);
  if (unset || cgroups_path[0] != '/')
    {
      /* runc's fs driver: relative to the parent of our own cgroup. */
      cleanup_free char *parent = xstrdup (own_cgroup ? own_cgroup : "/");
      char *slash = strrchr (parent, '/');
      if (slash)
        *slash = '\0';
      if (append_components (&rel, parent, "own cgroup", err) < 0)
        return -1;
    }
  if (unset)
    {
      if (id == NULL || *id == '\0' || strchr (id, '/') != NULL)
        return husk_error (err, 0, "container id `%s` cannot name a cgroup", id ? id : "");
      if (append_components (&rel, id, "container id", err) < 0)
        return -1;
    }
  else if (append_components (&rel, cgroups_path, what, err) < 0)
    return -1;
  if (*rel == '\0')
    return husk_error (err, 0, "%s `%s`: a container cannot use the hierarchy's root cgroup", what,
                       unset ? "" : cgroups_path);
  *out_rel = steal_pointer (&rel);
  return 0;
}

/* ---- the mountpoint and our own cgroup ---- */

static char *cached_mountpoint;
static char *cached_mount_root;

/* The usual place, when the kernel can say which sub-tree is mounted there
   (statmount.h): a statfs and two small calls instead of the kernel
   formatting, and us parsing, the whole mount table. */
static int
load_usual_mountpoint (void)
{
  struct statfs sfs;
  char *root = NULL;
  if (statfs (USUAL_MOUNTPOINT, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC
      || husk_statmount_root (USUAL_MOUNTPOINT, &root) < 0)
    return -1;
  cached_mountpoint = xstrdup (USUAL_MOUNTPOINT);
  cached_mount_root = root;
  return 0;
}

static int
load_mountpoint (husk_err_t **err)
{
  if (cached_mountpoint || load_usual_mountpoint () == 0)
    return 0;
  cleanup_free char *text = NULL;
  if (husk_read_file_at (AT_FDCWD, "/proc/self/mountinfo", &text, NULL, err) < 0)
    return -1;
  return husk_cgroup_parse_mountinfo (text, &cached_mountpoint, &cached_mount_root, err);
}

int
husk_cgroup_mountpoint (char **out, husk_err_t **err)
{
  if (load_mountpoint (err) < 0)
    return -1;
  *out = xstrdup (cached_mountpoint);
  return 0;
}

int
husk_cgroup_resolve (const char *cgroups_path, const char *id, char **out_rel, husk_err_t **err)
{
  cleanup_free char *text = NULL, *own = NULL;
  bool need_own = cgroups_path == NULL || cgroups_path[0] != '/';
  if (need_own)
    {
      if (load_mountpoint (err) < 0
          || husk_read_file_at (AT_FDCWD, "/proc/self/cgroup", &text, NULL, err) < 0
          || husk_cgroup_parse_proc_cgroup (text, &own, err) < 0)
        return -1;
      /* Seen through the mount: strip the mount's root when a sub-tree is mounted. */
      size_t rl = strlen (cached_mount_root);
      if (strcmp (cached_mount_root, "/") != 0)
        {
          if (strncmp (own, cached_mount_root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
            return husk_error (err, 0, "our cgroup `%s` is outside the cgroup2 mount (root `%s`)",
                               own, cached_mount_root);
          memmove (own, own + rl, strlen (own + rl) + 1);
        }
    }
  return husk_cgroup_resolve_in (cgroups_path, id, own ? own : "/", out_rel, err);
}

/* ---- small file helpers ---- */

/* One write() of the whole value (cgroupfs takes one entry per write).
   Returns 0 or -errno. */
static int
cg_write (int dirfd, const char *file, const char *value)
{
  int fd = openat (dirfd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t len = strlen (value);
  ssize_t r;
  do
    r = write (fd, value, len);
  while (r < 0 && errno == EINTR);
  int e = r < 0 ? -errno : 0;
  close (fd);
  return e;
}

/* The value of `key` in a "key value" file such as cgroup.events. */
static int
read_keyed (int dirfd, const char *file, const char *key, uint64_t *out, husk_err_t **err)
{
  cleanup_free char *text = NULL;
  if (husk_read_file_at (dirfd, file, &text, NULL, err) < 0)
    return -1;
  cleanup_free struct husk_cgroup_kv *kv = NULL;
  size_t n = 0;
  husk_cgroup_parse_kv (text, &kv, &n);
  int found = -1;
  for (size_t i = 0; i < n; i++)
    {
      if (found < 0 && strcmp (kv[i].key, key) == 0)
        {
          *out = kv[i].value;
          found = 0;
        }
      free (kv[i].key);
    }
  if (found < 0)
    return husk_error (err, 0, "`%s` has no `%s` line", file, key);
  return 0;
}

/* Whether the space-separated list in file (cgroup.controllers,
   cgroup.subtree_control) names controller. */
static bool
list_has (const char *list, const char *controller)
{
  size_t cl = strlen (controller);
  for (const char *p = list; (p = strstr (p, controller)) != NULL; p += cl)
    if ((p == list || p[-1] == ' ') && (p[cl] == ' ' || p[cl] == '\n' || p[cl] == '\0'))
      return true;
  return false;
}

static bool
rel_is_sane (const char *rel)
{
  if (rel == NULL || *rel == '\0' || *rel == '/')
    return false;
  for (const char *p = rel; (p = strstr (p, "..")) != NULL; p += 2)
    if ((p == rel || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
      return false;
  return true;
}

/* O_DIRECTORY fd of mountpoint/rel.  *missing (if given) is set instead of
   failing when it does not exist. */
static int
open_cgroup (const char *rel, bool *missing, husk_err_t **err)
{
  if (!rel_is_sane (rel))
    return husk_error (err, EINVAL, "invalid cgroup path `%s`", rel ? rel : "");
  if (load_mountpoint (err) < 0)
    return -1;
  cleanup_free char *path = xasprintf ("%s/%s", cached_mountpoint, rel);
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && missing)
    {
      *missing = true;
      return -1;
    }
  if (fd < 0)
    return husk_error (err, errno, "open cgroup `%s`", path);
  if (missing)
    *missing = false;
  return fd;
}

int
husk_cgroup_open (const char *rel_path, int *dirfd_out, husk_err_t **err)
{
  int fd = open_cgroup (rel_path, NULL, err);
  if (fd < 0)
    return -1;
  *dirfd_out = fd;
  return 0;
}

/* ---- applying resources ---- */

static int
apply_writes (int dirfd, const struct husk_cgroup_writes *w, husk_err_t **err)
{
  cleanup_free size_t *retry = xmalloc0 ((w->n + 1) * sizeof *retry);
  size_t n_retry = 0;
  for (size_t i = 0; i < w->n; i++)
    {
      const struct husk_cgroup_write *e = &w->v[i];
      const char *file = e->file, *value = e->value;
      int r = cg_write (dirfd, file, value);
      if (r == -ENOENT && e->fallback_file)
        {
          file = e->fallback_file;
          value = e->fallback_value;
          r = cg_write (dirfd, file, value);
        }
      if (r == 0 || (r == -ENOENT && (e->flags & HUSK_CGW_IF_EXISTS)))
        continue;
      if (r == -ENOENT && (e->flags & HUSK_CGW_WARN_MISSING))
        {
          husk_log_warn ("%s: `%s` does not exist here, `%s` not applied", e->field, file, value);
          continue;
        }
      if (r == -EINVAL && (e->flags & HUSK_CGW_RETRY_LAST))
        {
          retry[n_retry++] = i;
          continue;
        }
      return husk_error (err, -r, "%s: write `%s` to `%s`", e->field, value, file);
    }
  for (size_t k = 0; k < n_retry; k++)
    {
      const struct husk_cgroup_write *e = &w->v[retry[k]];
      int r = cg_write (dirfd, e->file, e->value);
      if (r < 0)
        return husk_error (err, -r, "%s: write `%s` to `%s`", e->field, e->value, e->file);
    }
  return 0;
}

int
husk_cgroup_device_filter_build (const struct husk_cgroup_config *cfg, struct husk_bpf_prog *out,
                                 husk_err_t **err)
{
  cleanup_free struct husk_device_rule *rules = NULL;
  size_t n = 0;
  if (husk_cgroup_device_rules (cfg ? cfg->resources : NULL, cfg ? cfg->devices : NULL,
                                cfg ? cfg->n_devices : 0, &rules, &n, err)
      < 0)
    return -1;
  return husk_cgroup_device_prog (rules, n, out, err);
}

int
husk_cgroup_device_filter_apply (int dirfd, const struct husk_bpf_prog *prog, husk_err_t **err)
{
  cleanup_close int prog_fd = -1;
  if (husk_bpf_device_prog_load (prog, &prog_fd, err) < 0
      || husk_bpf_device_prog_attach (dirfd, prog_fd, err) < 0)
    return -1;
  return 0;
}

static int
apply_device_filter (int dirfd, const struct husk_cgroup_config *cfg, husk_err_t **err)
{
  struct husk_bpf_prog prog = { 0 };
  int r = husk_cgroup_device_filter_build (cfg, &prog, err);
  if (r == 0)
    r = husk_cgroup_device_filter_apply (dirfd, &prog, err);
  husk_bpf_prog_free (&prog);
  return r;
}

/* ---- create ---- */

struct path_parts
{
  char **v;
  size_t n;
};

static void
path_parts_free (struct path_parts *p)
{
  for (size_t i = 0; i < p->n; i++)
    free (p->v[i]);
  free (p->v);
}

static void
split_rel (const char *rel, struct path_parts *out)
{
  cleanup_free char *copy = xstrdup (rel);
  size_t cap = 1;
  for (const char *p = rel; *p; p++)
    cap += *p == '/';
  out->v = xmalloc0 (cap * sizeof (char *));
  out->n = 0;
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    out->v[out->n++] = xstrdup (c);
}

/* "a/b/c" prefix of depth d ("" for 0). */
static char *
prefix_path (const struct path_parts *p, size_t d)
{
  char *r = xstrdup ("");
  for (size_t i = 0; i < d; i++)
    {
      char *n = i ? xasprintf ("%s/%s", r, p->v[i]) : xstrdup (p->v[i]);
      free (r);
      r = n;
    }
  return r;
}

/* The cgroups create made, removed again unless `keep` is set. */
struct created
{
  int mountfd;
  char **paths;
  size_t n;
  bool keep;
};

static void
created_undo (struct created *c)
{
  for (size_t i = c->n; i-- > 0;)
    {
      if (!c->keep && unlinkat (c->mountfd, c->paths[i], AT_REMOVEDIR) < 0 && errno != ENOENT)
        husk_log_warn ("remove cgroup `%s`: %s", c->paths[i], strerror (errno));
      free (c->paths[i]);
    }
  free (c->paths);
  if (c->mountfd >= 0)
    close (c->mountfd);
}

/* A controller the writes need that the hierarchy lacks altogether: an
   error naming the config section ("linux.resources.memory") and it. */
static int
check_controllers (const struct husk_cgroup_writes *w, const char *root_avail, husk_err_t **err)
{
  for (size_t i = 0; i < w->n; i++)
    {
      const char *c = w->v[i].controller;
      if (strcmp (c, "cgroup") == 0 || list_has (root_avail, c))
        continue;
      cleanup_free char *section = xstrdup (w->v[i].field);
      if (husk_has_prefix (section, "linux.resources."))
        {
          char *dot = strchr (section + strlen ("linux.resources."), '.');
          char *br = strchr (section + strlen ("linux.resources."), '[');
          if (dot && !husk_has_prefix (section, "linux.resources.unified."))
            *dot = '\0';
          if (br)
            *br = '\0';
        }
      return husk_error (err, 0, "%s: the cgroup v2 hierarchy has no %s controller", section, c);
    }
  return 0;
}

/* The distinct controllers the writes need (core "cgroup" files need none). */
static size_t
needed_controllers (const struct husk_cgroup_writes *w, const char **needed, size_t max)
{
  size_t n = 0;
  for (size_t i = 0; i < w->n; i++)
    {
      const char *c = w->v[i].controller;
      bool dup = strcmp (c, "cgroup") == 0;
      for (size_t k = 0; k < n && !dup; k++)
        dup = strcmp (needed[k], c) == 0;
      if (!dup && n < max)
        needed[n++] = c;
    }
  return n;
}

static int
enable_controllers (int mountfd, const char *path, const char *const *names, size_t n,
                    husk_err_t **err)
{
  const char *dir = *path ? path : ".";
  cleanup_close int fd = openat (mountfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "open cgroup `/%s`", path);
  cleanup_free char *enabled = NULL;
  if (husk_read_file_at (fd, "cgroup.subtree_control", &enabled, NULL, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      if (list_has (enabled, names[i]))
        continue;
      cleanup_free char *v = xasprintf ("+%s", names[i]);
      int r = cg_write (fd, "cgroup.subtree_control", v);
      if (r < 0)
        return husk_error (err, -r, "enable the %s controller in `/%s/cgroup.subtree_control`",
                           names[i], path);
    }
  return 0;
}

/* Every controller listed in dir's cgroup.controllers, for a cgroup we made. */
static int
enable_all_offered (int mountfd, const char *path, husk_err_t **err)
{
  cleanup_free char *offered = NULL;
  cleanup_free char *file = xasprintf ("%s/cgroup.controllers", path);
  if (husk_read_file_at (mountfd, file, &offered, NULL, err) < 0)
    return -1;
  const char *names[32];
  size_t n = 0;
  char *save = NULL;
  for (char *c = strtok_r (offered, " \n", &save); c && n < ARRAY_SIZE (names);
       c = strtok_r (NULL, " \n", &save))
    names[n++] = c;
  return enable_controllers (mountfd, path, names, n, err);
}

/* Enable the needed controllers, where they are not yet, in the existing
   cgroups from the root down to depth `last` (a prefix of parts), as runc
   does: each then offers them to the next. */
static int
enable_down (int mountfd, const struct path_parts *parts, size_t last, const char *const *needed,
             size_t n, husk_err_t **err)
{
  for (size_t d = 0; n > 0 && d <= last; d++)
    {
      cleanup_free char *p = prefix_path (parts, d);
      if (enable_controllers (mountfd, p, needed, n, err) < 0)
        return -1;
    }
  return 0;
}

static int
check_reusable (int fd, const char *rel, husk_err_t **err)
{
  uint64_t frozen = 0, populated = 0;
  cleanup_free char *freeze = NULL;
  if (husk_read_file_at (fd, "cgroup.freeze", &freeze, NULL, NULL) == 0 && freeze[0] == '1')
    frozen = 1;
  if (read_keyed (fd, "cgroup.events", "populated", &populated, err) < 0)
    return -1;
  if (frozen)
    return husk_error (err, 0, "cgroup `/%s` exists and is frozen", rel);
  if (populated)
    return husk_error (err, 0, "cgroup `/%s` exists and has processes", rel);
  return 0;
}

int
husk_cgroup_create (const char *rel_path, const struct husk_cgroup_config *cfg, int *dirfd_out,
                    husk_err_t **err)
{
  __attribute__ ((cleanup (husk_cgroup_writes_free))) struct husk_cgroup_writes w = { 0 };
  __attribute__ ((cleanup (path_parts_free))) struct path_parts parts = { 0 };
  if (husk_cgroup_translate (cfg ? cfg->resources : NULL, &w, err) < 0)
    return -1;
  if (!rel_is_sane (rel_path))
    return husk_error (err, EINVAL, "invalid cgroup path `%s`", rel_path ? rel_path : "");
  if (load_mountpoint (err) < 0)
    return -1;
  __attribute__ ((cleanup (created_undo))) struct created made = { .mountfd = -1 };
  made.mountfd = open (cached_mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (made.mountfd < 0)
    return husk_error (err, errno, "open the cgroup2 mount `%s`", cached_mountpoint);
  split_rel (rel_path, &parts);
  made.paths = xmalloc0 (parts.n * sizeof (char *));

  /* How deep the path already exists. */
  size_t depth = 0;
  for (; depth < parts.n; depth++)
    {
      cleanup_free char *p = prefix_path (&parts, depth + 1);
      struct stat st;
      if (fstatat (made.mountfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno != ENOENT)
            return husk_error (err, errno, "stat cgroup `/%s`", p);
          break;
        }
      if (!S_ISDIR (st.st_mode))
        return husk_error (err, ENOTDIR, "cgroup `/%s`", p);
    }

  /* A controller the hierarchy lacks is refused before anything is made. */
  cleanup_free char *root_avail = NULL;
  if (husk_read_file_at (made.mountfd, "cgroup.controllers", &root_avail, NULL, err) < 0
      || check_controllers (&w, root_avail, err) < 0)
    return -1;
  if (depth == parts.n)
    {
      cleanup_close int fd = openat (made.mountfd, rel_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        return husk_error (err, errno, "open cgroup `/%s`", rel_path);
      if (check_reusable (fd, rel_path, err) < 0)
        return -1;
    }

  /* Existing ancestors get only what the config needs; those we make get
     all they are offered. */
  const char *needed[32];
  size_t n_needed = needed_controllers (&w, needed, ARRAY_SIZE (needed));
  size_t last_existing = depth < parts.n ? depth : parts.n - 1;
  if (enable_down (made.mountfd, &parts, last_existing, needed, n_needed, err) < 0)
    return -1;

  for (size_t d = depth; d < parts.n; d++)
    {
      cleanup_free char *p = prefix_path (&parts, d + 1);
      if (mkdirat (made.mountfd, p, 0755) < 0)
        return husk_error (err, errno, "create cgroup `/%s`", p);
      made.paths[made.n++] = steal_pointer (&p);
      /* Intermediate cgroups are ours: they pass on all they are offered. */
      if (d + 1 < parts.n && enable_all_offered (made.mountfd, made.paths[made.n - 1], err) < 0)
        return -1;
    }

  cleanup_close int fd = openat (made.mountfd, rel_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "open cgroup `/%s`", rel_path);
  if (apply_writes (fd, &w, err) < 0)
    return -1;
  made.keep = true;
  *dirfd_out = steal_fd (&fd);
  return 0;
}

/* ---- the rest of the lifecycle ---- */

int
husk_cgroup_enter (const char *rel_path, pid_t pid, husk_err_t **err)
{
  cleanup_close int fd = open_cgroup (rel_path, NULL, err);
  if (fd < 0)
    return -1;
  char buf[32];
  snprintf (buf, sizeof buf, "%d", (int)pid);
  int r = cg_write (fd, "cgroup.procs", buf);
  /* A task still being forked (TASK_NEW) is refused with EINVAL for a moment. */
  for (int i = 0; r == -EINVAL && i < 5; i++)
    {
      nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
      r = cg_write (fd, "cgroup.procs", buf);
    }
  if (r < 0)
    return husk_error (err, -r, "move pid %d into cgroup `/%s`", (int)pid, rel_path);
  return 0;
}

static int
check_memory_usage (int fd, const struct husk_resources *res, husk_err_t **err)
{
  const struct husk_memory *m = res->memory;
  if (!m || !m->check_before_update.value || !m->limit.set || m->limit.value <= 0)
    return 0;
  cleanup_free char *text = NULL;
  uint64_t usage;
  if (husk_read_file_at (fd, "memory.current", &text, NULL, err) < 0)
    return -1;
  text[strcspn (text, "\n")] = '\0';
  if (husk_parse_u64 (text, &usage) < 0)
    return husk_error (err, 0, "memory.current: unexpected `%s`", text);
  if (usage >= (uint64_t)m->limit.value)
    return husk_error (err, 0,
                       "linux.resources.memory.limit: %lld is not above the current usage %llu "
                       "(checkBeforeUpdate)",
                       (long long)m->limit.value, (unsigned long long)usage);
  return 0;
}

int
husk_cgroup_update (const char *rel_path, const struct husk_cgroup_config *cfg, husk_err_t **err)
{
  if (cfg == NULL || cfg->resources == NULL)
    return 0;
  __attribute__ ((cleanup (husk_cgroup_writes_free))) struct husk_cgroup_writes w = { 0 };
  if (husk_cgroup_translate (cfg->resources, &w, err) < 0)
    return -1;
  cleanup_close int fd = open_cgroup (rel_path, NULL, err);
  if (fd < 0)
    return -1;
  __attribute__ ((cleanup (path_parts_free))) struct path_parts parts = { 0 };
  split_rel (rel_path, &parts);
  cleanup_close int mfd = open (cached_mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (mfd < 0)
    return husk_error (err, errno, "open the cgroup2 mount `%s`", cached_mountpoint);
  /* A controller needed now for the first time is enabled on the way down. */
  cleanup_free char *root_avail = NULL;
  const char *needed[32];
  size_t n_needed = needed_controllers (&w, needed, ARRAY_SIZE (needed));
  if (husk_read_file_at (mfd, "cgroup.controllers", &root_avail, NULL, err) < 0
      || check_controllers (&w, root_avail, err) < 0
      || enable_down (mfd, &parts, parts.n - 1, needed, n_needed, err) < 0
      || check_memory_usage (fd, cfg->resources, err) < 0 || apply_writes (fd, &w, err) < 0)
    return -1;
  if (cfg->resources->n_devices > 0 && !cfg->no_device_filter
      && apply_device_filter (fd, cfg, err) < 0)
    return -1;
  return 0;
}

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until cgroup.events says "frozen <want>".  cgroup.events signals
   changes with POLLPRI; the short poll timeout is only a safety net. */
static int
wait_frozen (int fd, bool want, const char *rel, husk_err_t **err)
{
  cleanup_close int ev = openat (fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (ev < 0)
    return husk_error (err, errno, "open `/%s/cgroup.events`", rel);
  long deadline = now_ms () + 10000;
  for (;;)
    {
      char buf[256];
      ssize_t r = pread (ev, buf, sizeof buf - 1, 0);
      if (r < 0)
        return husk_error (err, errno, "read `/%s/cgroup.events`", rel);
      buf[r] = '\0';
      const char *f = strstr (buf, "frozen ");
      if (f && (f[7] == '1') == want)
        return 0;
      long left = deadline - now_ms ();
      if (left <= 0)
        return husk_error (err, ETIMEDOUT, "cgroup `/%s` did not %s within 10 s", rel,
                           want ? "freeze" : "thaw");
      struct pollfd p = { .fd = ev, .events = POLLPRI };
      poll (&p, 1, left < 100 ? (int)left : 100);
    }
}

int
husk_cgroup_freeze (const char *rel_path, bool frozen, husk_err_t **err)
{
  cleanup_close int fd = open_cgroup (rel_path, NULL, err);
  if (fd < 0)
    return -1;
  int r = cg_write (fd, "cgroup.freeze", frozen ? "1" : "0");
  if (r < 0)
    return husk_error (err, -r, "write `/%s/cgroup.freeze`", rel_path);
  if (wait_frozen (fd, frozen, rel_path, err) < 0)
    {
      if (frozen) /* half-frozen helps nobody: undo */
        cg_write (fd, "cgroup.freeze", "0");
      return -1;
    }
  return 0;
}

/* The cgroup's fd in *fd, or -1 there (and no error) when it is gone. */
static int
open_if_exists (const char *rel, int *fd, husk_err_t **err)
{
  bool missing = false;
  *fd = open_cgroup (rel, &missing, err);
  return *fd >= 0 || missing ? 0 : -1;
}

int
husk_cgroup_is_frozen (const char *rel_path, bool *frozen, husk_err_t **err)
{
  cleanup_close int fd = -1;
  cleanup_free char *text = NULL;
  *frozen = false;
  if (open_if_exists (rel_path, &fd, err) < 0
      || (fd >= 0 && husk_read_file_at (fd, "cgroup.freeze", &text, NULL, err) < 0))
    return -1;
  *frozen = text && text[0] == '1';
  return 0;
}

int
husk_cgroup_is_populated (const char *rel_path, bool *populated, husk_err_t **err)
{
  cleanup_close int fd = -1;
  uint64_t v = 0;
  *populated = false;
  if (open_if_exists (rel_path, &fd, err) < 0
      || (fd >= 0 && read_keyed (fd, "cgroup.events", "populated", &v, err) < 0))
    return -1;
  *populated = v != 0;
  return 0;
}

/* Collect cgroup.procs of dirfd and of every cgroup below it. */
static int
collect_pids (int dirfd, const char *rel, pid_t **pids, size_t *n, size_t *cap, husk_err_t **err)
{
  cleanup_free char *text = NULL;
  if (husk_read_file_at (dirfd, "cgroup.procs", &text, NULL, err) < 0)
    return -1;
  char *save = NULL;
  for (char *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      int pid;
      if (husk_parse_int (l, &pid) < 0 || pid <= 0)
        continue;
      if (*n == *cap)
        {
          *cap = *cap ? *cap * 2 : 16;
          *pids = xrealloc (*pids, *cap * sizeof **pids);
        }
      (*pids)[(*n)++] = pid;
    }
  cleanup_dir DIR *d = husk_opendir_fd (dirfd);
  if (d == NULL)
    return husk_error (err, errno, "list cgroup `/%s`", rel);
  for (struct dirent *de; (de = readdir (d)) != NULL;)
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      cleanup_close int sub = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub < 0)
        {
          if (errno == ENOENT)
            continue; /* removed meanwhile */
          return husk_error (err, errno, "open cgroup `/%s/%s`", rel, de->d_name);
        }
      cleanup_free char *sub_rel = xasprintf ("%s/%s", rel, de->d_name);
      if (collect_pids (sub, sub_rel, pids, n, cap, err) < 0)
        return -1;
    }
  return 0;
}

int
husk_cgroup_pids (const char *rel_path, pid_t **pids, size_t *n, husk_err_t **err)
{
  cleanup_close int fd = open_cgroup (rel_path, NULL, err);
  cleanup_free pid_t *v = NULL;
  size_t count = 0, cap = 0;
  if (fd < 0 || collect_pids (fd, rel_path, &v, &count, &cap, err) < 0)
    return -1;
  *pids = steal_pointer (&v);
  *n = count;
  return 0;
}

int
husk_cgroup_kill (const char *rel_path, int sig, husk_err_t **err)
{
  {
    cleanup_close int fd = open_cgroup (rel_path, NULL, err);
    if (fd < 0)
      return -1;
    if (sig == SIGKILL)
      {
        int r = cg_write (fd, "cgroup.kill", "1");
        if (r == 0)
          return 0;
        if (r != -ENOENT) /* no cgroup.kill before Linux 5.14: the slow way */
          return husk_error (err, -r, "write `/%s/cgroup.kill`", rel_path);
      }
  }
  /* Frozen, no process can fork out from under the signal. */
  bool was_frozen = false;
  if (husk_cgroup_is_frozen (rel_path, &was_frozen, err) < 0
      || (!was_frozen && husk_cgroup_freeze (rel_path, true, err) < 0))
    return -1;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int r = husk_cgroup_pids (rel_path, &pids, &n, err);
  int kill_errno = 0;
  for (size_t i = 0; r == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH && kill_errno == 0)
      kill_errno = errno;
  if (!was_frozen && husk_cgroup_freeze (rel_path, false, err) < 0)
    return -1;
  if (r < 0)
    return -1;
  if (kill_errno)
    return husk_error (err, kill_errno, "signal %d to the processes of cgroup `/%s`", sig,
                       rel_path);
  return 0;
}

/* rmdir with a short wait for processes that are still leaving. */
static int
rmdir_retry (int parentfd, const char *name)
{
  long delay_us = 1000, waited = 0;
  for (;;)
    {
      if (unlinkat (parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || waited >= 1000000)
        return -1;
      nanosleep (&(struct timespec){ 0, delay_us * 1000 }, NULL);
      waited += delay_us;
      delay_us = delay_us < 100000 ? delay_us * 2 : 100000;
    }
}

/* Remove the child cgroups of dirfd, depth first. */
static int
destroy_children (int dirfd, const char *rel, husk_err_t **err)
{
  cleanup_dir DIR *d = husk_opendir_fd (dirfd);
  if (d == NULL)
    return husk_error (err, errno, "list cgroup `/%s`", rel);
  for (struct dirent *de; (de = readdir (d)) != NULL;)
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      cleanup_free char *sub_rel = xasprintf ("%s/%s", rel, de->d_name);
      cleanup_close int sub = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub < 0 && errno == ENOENT)
        continue;
      if (sub < 0)
        return husk_error (err, errno, "open cgroup `/%s`", sub_rel);
      if (destroy_children (sub, sub_rel, err) < 0)
        return -1;
      if (rmdir_retry (dirfd, de->d_name) < 0)
        return husk_error (err, errno, "remove cgroup `/%s`", sub_rel);
    }
  return 0;
}

int
husk_cgroup_destroy (const char *rel_path, husk_err_t **err)
{
  if (!rel_is_sane (rel_path))
    return husk_error (err, EINVAL, "invalid cgroup path `%s`", rel_path ? rel_path : "");
  if (load_mountpoint (err) < 0)
    return -1;
  cleanup_free char *path = xasprintf ("%s/%s", cached_mountpoint, rel_path);
  /* The common case, an empty leaf: one rmdir and done. */
  if (rmdir (path) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return husk_error (err, errno, "remove cgroup `%s`", path);
  cleanup_close int fd = open_cgroup (rel_path, NULL, err);
  if (fd < 0 || destroy_children (fd, rel_path, err) < 0)
    return -1;
  if (rmdir_retry (AT_FDCWD, path) < 0)
    return husk_error (err, errno, "remove cgroup `%s`", path);
  return 0;
}
