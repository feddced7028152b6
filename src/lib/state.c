/* Container state under --root: see include/husk/state.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "husk/cgroup.h"
#include "husk/process.h"
#include "husk/json.h"
#include "husk/spec.h"
#include "husk/state.h"
#include "husk/util.h"

const char *const husk_status_names[] = {
  [HUSK_STATUS_CREATING] = "creating", [HUSK_STATUS_CREATED] = "created",
  [HUSK_STATUS_RUNNING] = "running",   [HUSK_STATUS_PAUSED] = "paused",
  [HUSK_STATUS_STOPPED] = "stopped",
};

int
husk_id_validate (const char *id, husk_err_t **err)
{
  size_t len = strlen (id);
  if (len == 0)
    return husk_error (err, 0, "container id cannot be empty");
  if (len > HUSK_ID_MAX)
    return husk_error (err, 0, "invalid container id: longer than %d bytes", HUSK_ID_MAX);
  if (id[0] == '.')
    return husk_error (err, 0, "invalid container id \"%s\": cannot start with '.'", id);
  for (const char *p = id; *p; p++)
    if (!isalnum ((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
      return husk_error (
          err, 0, "invalid container id \"%s\": only letters, digits, '_', '.' and '-' are allowed",
          id);
  return 0;
}

char *
husk_state_default_root (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  if (geteuid () != 0 && xdg && xdg[0] == '/')
    return xasprintf ("%s/husk", xdg);
  return xstrdup (HUSK_DEFAULT_ROOT);
}

int
husk_state_root_open (const char *root, bool create, int *fd, husk_err_t **err)
{
  if (create && mkdir (root, 0700) < 0 && errno != EEXIST)
    {
      /* one missing parent level is common (e.g. /run/user/N/husk) */
      cleanup_free char *parent = xstrdup (root);
      char *slash = strrchr (parent, '/');
      if (slash && slash != parent)
        {
          *slash = '\0';
          mkdir (parent, 0700);
        }
      if (mkdir (root, 0700) < 0 && errno != EEXIST)
        return husk_error (err, errno, "create state root `%s`", root);
    }
  *fd = open (root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (*fd < 0)
    return husk_error (err, errno, "open state root `%s`", root);
  return 0;
}

static int
lock_dir (int dirfd, const char *id, husk_err_t **err)
{
  while (flock (dirfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return husk_error (err, errno, "lock state of container \"%s\"", id);
  return 0;
}

int
husk_state_dir_create (int root_fd, const char *id, int *dirfd, husk_err_t **err)
{
  if (mkdirat (root_fd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return husk_error (err, 0, "container \"%s\" already exists", id);
      return husk_error (err, errno, "create state directory for \"%s\"", id);
    }
  int fd = openat (root_fd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return husk_error (err, errno, "open state directory for \"%s\"", id);
  *dirfd = fd;
  return lock_dir (fd, id, err);
}

static int
open_dir (int root_fd, const char *id, bool lock, int *dirfd, husk_err_t **err)
{
  int fd = openat (root_fd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
        return husk_error (err, 0, "container \"%s\" does not exist", id);
      return husk_error (err, errno, "open state directory for \"%s\"", id);
    }
  *dirfd = fd;
  if (lock && lock_dir (fd, id, err) < 0)
    return -1;
  /* deleted (while we waited for the lock) */
  struct stat st;
  if (fstat (fd, &st) == 0 && st.st_nlink == 0)
    return husk_error (err, 0, "container \"%s\" does not exist", id);
  return 0;
}

int
husk_state_dir_open (int root_fd, const char *id, int *dirfd, husk_err_t **err)
{
  return open_dir (root_fd, id, true, dirfd, err);
}

int
husk_state_dir_peek (int root_fd, const char *id, int *dirfd, husk_err_t **err)
{
  return open_dir (root_fd, id, false, dirfd, err);
}

int
husk_state_dir_remove (int root_fd, const char *id, husk_err_t **err)
{
  cleanup_close int dfd = openat (root_fd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd >= 0)
    {
      cleanup_dir DIR *d = fdopendir (dfd);
      if (d)
        {
          dfd = -1; /* owned by d now */
          struct dirent *de;
          while ((de = readdir (d)))
            if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
              unlinkat (dirfd (d), de->d_name, 0);
        }
    }
  if (unlinkat (root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return husk_error (err, errno, "remove state directory of \"%s\"", id);
  return 0;
}

/* ---- JSON ---- */

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_kv_str (yajl_gen g, const char *key, const char *value)
{
  gen_str (g, key);
  gen_str (g, value ? value : "");
}

static char *
gen_finish (yajl_gen g, bool newline)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = xasprintf ("%.*s%s", (int)len, buf, newline ? "\n" : "");
  yajl_gen_free (g);
  return r;
}

static void
gen_annotations (yajl_gen g, const struct husk_state *st)
{
  gen_str (g, "annotations");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < st->n_annotations; i++)
    gen_kv_str (g, st->annotations[i].key, st->annotations[i].value);
  yajl_gen_map_close (g);
}

char *
husk_state_json (const struct husk_state *st, enum husk_status status, bool pretty)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (pretty)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, "  ");
    }
  yajl_gen_map_open (g);
  gen_kv_str (g, "ociVersion", HUSK_SPEC_VERSION);
  gen_kv_str (g, "id", st->id);
  gen_str (g, "pid");
  yajl_gen_integer (g, status == HUSK_STATUS_STOPPED ? 0 : st->pid);
  gen_kv_str (g, "status", husk_status_names[status]);
  gen_kv_str (g, "bundle", st->bundle);
  gen_kv_str (g, "rootfs", st->rootfs);
  gen_kv_str (g, "created", st->created);
  gen_kv_str (g, "owner", st->owner);
  if (st->n_annotations)
    gen_annotations (g, st);
  yajl_gen_map_close (g);
  return gen_finish (g, false);
}

/* state.json: the OCI fields plus what husk needs later. */
static char *
state_file_json (const struct husk_state *st)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  gen_kv_str (g, "id", st->id);
  gen_str (g, "pid");
  yajl_gen_integer (g, st->pid);
  gen_str (g, "start_time");
  yajl_gen_integer (g, (long long)st->start_time);
  gen_kv_str (g, "bundle", st->bundle);
  gen_kv_str (g, "rootfs", st->rootfs);
  gen_kv_str (g, "created", st->created);
  gen_kv_str (g, "owner", st->owner);
  if (st->cgroup)
    gen_kv_str (g, "cgroup", st->cgroup);
  gen_str (g, "hooks");
  yajl_gen_integer (g, st->hooks);
  gen_annotations (g, st);
  yajl_gen_map_close (g);
  return gen_finish (g, false);
}

int
husk_state_write (int dirfd, const struct husk_state *st, bool replace, husk_err_t **err)
{
  cleanup_free char *json = state_file_json (st);
  if (husk_write_file_at (dirfd, HUSK_STATE_FILE ".tmp", json, strlen (json), O_CREAT | O_TRUNC,
                          0600, err)
      < 0)
    return -1;
  /* Over an existing state.json: exchange the two, then drop the old one.
     Readers see one or the other, as with a rename over it, but ext4 does
     not flush the new file's data first (its replace-by-rename heuristic,
     auto_da_alloc, ~0.1 ms here and more at the unlink that follows). */
  const char *tmp = HUSK_STATE_FILE ".tmp";
  if (replace && renameat2 (dirfd, tmp, dirfd, HUSK_STATE_FILE, RENAME_EXCHANGE) == 0)
    {
      unlinkat (dirfd, tmp, 0);
      return 0;
    }
  if (renameat (dirfd, tmp, dirfd, HUSK_STATE_FILE) < 0) /* the first, or no exchange here */
    return husk_error (err, errno, "rename state.json of \"%s\"", st->id);
  return 0;
}

static char *
tree_str (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  return v ? xstrdup (YAJL_GET_STRING (v)) : NULL;
}

static long long
tree_int (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

int
husk_state_read (int dirfd, const char *id, struct husk_state **out, husk_err_t **err)
{
  struct husk_state *st = xmalloc0 (sizeof *st);
  cleanup_state struct husk_state *guard = st;
  cleanup_free char *data = NULL;
  cleanup_err husk_err_t *read_err = NULL;
  if (husk_read_file_at (dirfd, HUSK_STATE_FILE, &data, NULL, &read_err) < 0)
    {
      if (read_err->errnum != ENOENT)
        return husk_error (err, read_err->errnum, "read state of \"%s\"", id);
      st->id = xstrdup (id); /* half-created: nothing to go on but the id */
      *out = steal_pointer (&guard);
      return 0;
    }
  char ebuf[256];
  yajl_val root = husk_json_tree_parse (data, strlen (data), ebuf, sizeof ebuf);
  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      husk_json_tree_free (root);
      return husk_error (err, 0, "state of \"%s\" is corrupt", id);
    }
  st->id = xstrdup (id);
  st->pid = tree_int (root, "pid");
  st->start_time = tree_int (root, "start_time");
  st->bundle = tree_str (root, "bundle");
  st->rootfs = tree_str (root, "rootfs");
  st->created = tree_str (root, "created");
  st->owner = tree_str (root, "owner");
  st->cgroup = tree_str (root, "cgroup");
  st->hooks = (unsigned)tree_int (root, "hooks");
  const char *apath[] = { "annotations", NULL };
  yajl_val ann = yajl_tree_get (root, apath, yajl_t_object);
  if (ann)
    {
      size_t n = YAJL_GET_OBJECT (ann)->len;
      st->annotations = xmalloc0 (n * sizeof *st->annotations);
      for (size_t i = 0; i < n; i++)
        {
          yajl_val v = YAJL_GET_OBJECT (ann)->values[i];
          st->annotations[st->n_annotations].key = xstrdup (YAJL_GET_OBJECT (ann)->keys[i]);
          st->annotations[st->n_annotations++].value
              = xstrdup (YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : "");
        }
    }
  husk_json_tree_free (root);
  *out = steal_pointer (&guard);
  return 0;
}

void
husk_state_free (struct husk_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->owner);
  free (st->cgroup);
  for (size_t i = 0; i < st->n_annotations; i++)
    {
      free (st->annotations[i].key);
      free (st->annotations[i].value);
    }
  free (st->annotations);
  free (st);
}

void
husk_state_freep (struct husk_state **st)
{
  husk_state_free (*st);
  *st = NULL;
}

bool
husk_state_pid_alive (const struct husk_state *st)
{
  if (st->pid <= 0)
    return false;
  struct husk_proc_stat ps;
  if (husk_proc_stat (st->pid, &ps) < 0)
    return false;
  return ps.start_time == st->start_time && ps.state != 'Z' && ps.state != 'X';
}

enum husk_status
husk_state_status (int dirfd, const struct husk_state *st)
{
  if (st->pid == 0 && st->created == NULL)
    return HUSK_STATUS_STOPPED; /* half-created and abandoned */
  if (!husk_state_pid_alive (st))
    return HUSK_STATUS_STOPPED;
  /* the freezer first: a created container can be paused too (runc) */
  bool frozen = false;
  if (st->cgroup && husk_cgroup_is_frozen (st->cgroup, &frozen, NULL) == 0 && frozen)
    return HUSK_STATUS_PAUSED;
  if (faccessat (dirfd, HUSK_EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return HUSK_STATUS_CREATED;
  if (faccessat (dirfd, HUSK_CREATING_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return HUSK_STATUS_CREATING;
  return HUSK_STATUS_RUNNING;
}

int
husk_state_write_config (int dirfd, const char *json, size_t len, husk_err_t **err)
{
  cleanup_close int fd = openat (dirfd, HUSK_CONFIG_COPY,
                                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || husk_write_all (fd, json, len) < 0)
    return husk_error (err, errno, "keep a copy of config.json");
  return 0;
}

int
husk_state_load_config (int dirfd, const struct husk_state *st, struct husk_spec **out,
                        husk_err_t **err)
{
  cleanup_free char *json = NULL;
  size_t len = 0;
  cleanup_err husk_err_t *read_err = NULL;
  if (husk_read_file_at (dirfd, HUSK_CONFIG_COPY, &json, &len, &read_err) == 0)
    return husk_spec_parse (json, len, out, err);
  if (read_err->errnum != ENOENT)
    return husk_error (err, read_err->errnum, "%s", read_err->msg);
  cleanup_close int bfd = open (st->bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (bfd < 0)
    return husk_error (err, errno, "bundle `%s` of container \"%s\"", st->bundle, st->id);
  return husk_spec_load_at (bfd, out, err);
}

enum husk_status
husk_state_status_peeked (int dirfd, const struct husk_state *st)
{
  if (st->pid == 0)
    {
      /* a shared lock we cannot get: create holds the exclusive one */
      if (flock (dirfd, LOCK_SH | LOCK_NB) < 0)
        return errno == EWOULDBLOCK ? HUSK_STATUS_CREATING : HUSK_STATUS_STOPPED;
      flock (dirfd, LOCK_UN);
      return HUSK_STATUS_STOPPED;
    }
  return husk_state_status (dirfd, st);
}

char *
husk_now_rfc3339 (void)
{
  char buf[HUSK_RFC3339_MAX];
  return xstrdup (husk_format_rfc3339 (buf));
}
