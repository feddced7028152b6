/* pause, resume, update, events and ps: the commands that act on a
   container's cgroup.  What to write and print is decided by cgroup_*.c,
   update_doc.c and report.c; this file ties them to the container's state. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "husk/cgroup.h"
#include "husk/container.h"
#include "husk/report.h"
#include "husk/update_doc.h"
#include "husk/util.h"

/* The container's cgroup, or an error when it has none. */
static int
need_cgroup (const struct husk_state *st, husk_err_t **err)
{
  if (st->cgroup == NULL)
    return husk_error (err, 0, "container \"%s\" has no cgroup", st->id);
  return 0;
}

/* ---- pause / resume ---- */

int
husk_container_pause (const struct husk_context *ctx, const char *id, husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
    return -1;
  enum husk_status s = husk_state_status (dfd, st);
  /* as runc: a created container can be paused too */
  if (s != HUSK_STATUS_RUNNING && s != HUSK_STATUS_CREATED)
    return husk_error (err, 0, "container not running");
  if (need_cgroup (st, err) < 0)
    return -1;
  return husk_cgroup_freeze (st->cgroup, true, err);
}

int
husk_container_resume (const struct husk_context *ctx, const char *id, husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
    return -1;
  /* The freezer itself says whether it is paused (a paused container that
     was never started still has its exec fifo). */
  bool frozen = false;
  if (husk_state_status (dfd, st) == HUSK_STATUS_STOPPED || st->cgroup == NULL
      || husk_cgroup_is_frozen (st->cgroup, &frozen, err) < 0 || !frozen)
    return husk_error (err, 0, "container not paused");
  return husk_cgroup_freeze (st->cgroup, false, err);
}

/* ---- update ---- */

/* What the container has now: the last update's record, else the bundle's
   linux.resources (as create applied it). */
static int
current_resources (int dfd, const struct husk_state *st, char **out, const char **name,
                   husk_err_t **err)
{
  cleanup_err husk_err_t *read_err = NULL;
  if (husk_read_file_at (dfd, HUSK_RESOURCES_FILE, out, NULL, &read_err) == 0)
    {
      *name = HUSK_RESOURCES_FILE " (state)";
      return 0;
    }
  if (read_err->errnum != ENOENT)
    return husk_error (err, read_err->errnum, "read the recorded resources of \"%s\"", st->id);
  cleanup_free char *path = xasprintf ("%s/config.json", st->bundle ? st->bundle : ".");
  cleanup_free char *config = NULL;
  size_t len = 0;
  if (husk_read_file_at (AT_FDCWD, path, &config, &len, err) < 0)
    return husk_error_prefix (err, "update \"%s\": its bundle's config.json", st->id);
  *name = "config.json";
  return husk_config_resources_doc (config, len, out, err);
}

/* linux.devices of the bundle's config: allowed by a new device filter too. */
static int
load_bundle_spec (const struct husk_state *st, struct husk_spec **spec, husk_err_t **err)
{
  cleanup_close int bfd = open (st->bundle ? st->bundle : ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (bfd < 0)
    return husk_error (err, errno, "open bundle `%s`", st->bundle ? st->bundle : ".");
  return husk_spec_load_at (bfd, spec, err);
}

static void
resources_freep (struct husk_resources **r)
{
  husk_resources_free (*r);
  *r = NULL;
}

static int
record_resources (int dfd, const char *json, const char *id, husk_err_t **err)
{
  if (husk_write_file_at (dfd, HUSK_RESOURCES_FILE ".tmp", json, strlen (json), O_CREAT | O_TRUNC,
                          0600, err)
      < 0)
    return -1;
  if (renameat (dfd, HUSK_RESOURCES_FILE ".tmp", dfd, HUSK_RESOURCES_FILE) < 0)
    return husk_error (err, errno, "record the resources of \"%s\"", id);
  return 0;
}

int
husk_container_update (const struct husk_context *ctx, const char *id, const char *overlay,
                       size_t overlay_len, husk_err_t **err)
{
  /* The caller's document first, so that its errors name its own fields. */
  __attribute__ ((cleanup (resources_freep))) struct husk_resources *asked = NULL;
  if (husk_resources_parse (overlay, overlay_len, &asked, err) < 0)
    return -1;
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
    return -1;
  if (husk_state_status (dfd, st) == HUSK_STATUS_STOPPED)
    return husk_error (err, 0, "container not running");
  if (need_cgroup (st, err) < 0)
    return -1;

  cleanup_free char *base = NULL, *merged = NULL;
  const char *base_name = NULL;
  __attribute__ ((cleanup (resources_freep))) struct husk_resources *res = NULL;
  if (current_resources (dfd, st, &base, &base_name, err) < 0
      || husk_update_merge (base_name, base, strlen (base), overlay, overlay_len, &merged, err) < 0
      || husk_resources_parse (merged, strlen (merged), &res, err) < 0)
    return -1;

  struct husk_cgroup_config cfg = { .resources = res, .no_device_filter = asked->n_devices == 0 };
  cleanup_spec struct husk_spec *spec = NULL;
  if (asked->n_devices > 0)
    {
      if (load_bundle_spec (st, &spec, err) < 0)
        return -1;
      if (spec->linux_)
        {
          cfg.devices = spec->linux_->devices;
          cfg.n_devices = spec->linux_->n_devices;
        }
    }
  if (husk_cgroup_update (st->cgroup, &cfg, err) < 0)
    return -1;
  return record_resources (dfd, merged, id, err);
}

/* ---- events ---- */

/* Statistics as runc reports them: without the pids controller, the pids
   are counted from cgroup.procs. */
static int
collect_stats (const char *cgroup, struct husk_cgroup_stats *s, husk_err_t **err)
{
  if (husk_cgroup_stats (cgroup, s, err) < 0)
    return -1;
  if (!s->has_pids)
    {
      cleanup_free pid_t *pids = NULL;
      size_t n = 0;
      if (husk_cgroup_pids (cgroup, &pids, &n, err) < 0)
        {
          husk_cgroup_stats_free (s);
          return -1;
        }
      s->pids_current = n;
      s->pids_max = 0;
    }
  return 0;
}

static int
emit_stats (const char *id, const char *cgroup, const struct husk_events_opts *o, husk_err_t **err)
{
  struct husk_cgroup_stats s;
  if (collect_stats (cgroup, &s, err) < 0)
    return -1;
  cleanup_free char *json = husk_stats_event_json (id, &s);
  husk_cgroup_stats_free (&s);
  if (o->emit (json, o->data) < 0)
    return husk_error (err, errno, "write the stats of \"%s\"", id);
  return 0;
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* oom_kill of memory.events; 0 when the memory controller is absent. */
static uint64_t
oom_kills (int cgfd)
{
  cleanup_free char *text = NULL;
  if (husk_read_file_at (cgfd, "memory.events", &text, NULL, NULL) < 0)
    return 0;
  cleanup_free struct husk_cgroup_kv *kv = NULL;
  size_t n = 0;
  uint64_t v = 0;
  husk_cgroup_parse_kv (text, &kv, &n);
  for (size_t i = 0; i < n; i++)
    {
      if (strcmp (kv[i].key, "oom_kill") == 0)
        v = kv[i].value;
      free (kv[i].key);
    }
  return v;
}

/* Watch the two files whose changes matter: cgroup.events (the cgroup
   emptied) and memory.events (an OOM kill).  The kernel signals a change
   of either as IN_MODIFY. */
static int
watch_cgroup (const char *cgroup, int *ifd_out, husk_err_t **err)
{
  cleanup_free char *mnt = NULL;
  if (husk_cgroup_mountpoint (&mnt, err) < 0)
    return -1;
  cleanup_close int ifd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (ifd < 0)
    return husk_error (err, errno, "inotify_init1");
  cleanup_free char *events = xasprintf ("%s/%s/cgroup.events", mnt, cgroup);
  cleanup_free char *memory = xasprintf ("%s/%s/memory.events", mnt, cgroup);
  if (inotify_add_watch (ifd, events, IN_MODIFY) < 0)
    return husk_error (err, errno, "watch `%s`", events);
  if (inotify_add_watch (ifd, memory, IN_MODIFY) < 0 && errno != ENOENT)
    return husk_error (err, errno, "watch `%s`", memory);
  *ifd_out = steal_fd (&ifd);
  return 0;
}

/* Read what inotify has; false once the watched cgroup is gone. */
static bool
drain_inotify (int ifd)
{
  char buf[4096] __attribute__ ((aligned (__alignof__(struct inotify_event))));
  bool alive = true;
  ssize_t r;
  while ((r = read (ifd, buf, sizeof buf)) > 0)
    for (char *p = buf; p < buf + r;)
      {
        const struct inotify_event *e = (const struct inotify_event *)p;
        if (e->mask & IN_IGNORED)
          alive = false;
        p += sizeof *e + e->len;
      }
  return alive;
}

static int
stream_events (const char *id, const char *cgroup, const struct husk_events_opts *o,
               husk_err_t **err)
{
  cleanup_close int cgfd = -1, ifd = -1;
  if (husk_cgroup_open (cgroup, &cgfd, err) < 0 || watch_cgroup (cgroup, &ifd, err) < 0)
    return -1;
  uint64_t kills = oom_kills (cgfd);
  int64_t next = now_ns () + o->interval_ns;
  for (bool alive = true; alive;)
    {
      uint64_t k = oom_kills (cgfd);
      if (k > kills)
        {
          cleanup_free char *json = husk_oom_event_json (id);
          if (o->emit (json, o->data) < 0)
            return husk_error (err, errno, "write the events of \"%s\"", id);
        }
      kills = k > kills ? k : kills;
      bool populated = false;
      if (husk_cgroup_is_populated (cgroup, &populated, NULL) < 0 || !populated)
        break;
      int64_t left = next - now_ns ();
      if (left <= 0)
        {
          cleanup_err husk_err_t *stats_err = NULL;
          /* the cgroup going away meanwhile ends the stream, nothing else does */
          if (emit_stats (id, cgroup, o, &stats_err) < 0)
            {
              if (faccessat (cgfd, "cgroup.procs", F_OK, 0) < 0)
                break;
              return husk_error (err, stats_err->errnum, "%s", stats_err->msg);
            }
          next += o->interval_ns;
          continue;
        }
      struct pollfd p = { .fd = ifd, .events = POLLIN };
      int timeout_ms = (int)((left + 999999) / 1000000);
      if (poll (&p, 1, timeout_ms) < 0 && errno != EINTR)
        return husk_error (err, errno, "wait for events of \"%s\"", id);
      if (p.revents & POLLIN)
        alive = drain_inotify (ifd);
    }
  return 0;
}

int
husk_container_events (const struct husk_context *ctx, const char *id,
                       const struct husk_events_opts *o, husk_err_t **err)
{
  if (!o->stats_only && o->interval_ns <= 0)
    return husk_error (err, 0, "duration interval must be greater than 0");
  cleanup_free char *cgroup = NULL;
  {
    /* The lock is released at the end of this block: a stream may run for
       days while other commands use the container. */
    cleanup_close int dfd = -1;
    cleanup_state struct husk_state *st = NULL;
    if (husk_container_load (ctx, id, &dfd, &st, err) < 0)
      return -1;
    if (husk_state_status (dfd, st) == HUSK_STATUS_STOPPED)
      return husk_error (err, 0, "container with id %s is not running", id);
    if (need_cgroup (st, err) < 0)
      return -1;
    cgroup = steal_pointer (&st->cgroup);
  }
  if (o->stats_only)
    return emit_stats (id, cgroup, o, err);
  return stream_events (id, cgroup, o, err);
}

/* ---- ps ---- */

static int
compare_pids (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

int
husk_container_ps (const struct husk_context *ctx, const char *id, pid_t **pids, size_t *n,
                   husk_err_t **err)
{
  cleanup_close int dfd = -1;
  cleanup_state struct husk_state *st = NULL;
  if (husk_container_load (ctx, id, &dfd, &st, err) < 0 || need_cgroup (st, err) < 0)
    return -1;
  bool populated = false;
  *pids = NULL;
  *n = 0;
  /* a stopped container's cgroup may already be gone: no processes */
  if (husk_cgroup_is_populated (st->cgroup, &populated, err) < 0)
    return -1;
  if (!populated)
    return 0;
  if (husk_cgroup_pids (st->cgroup, pids, n, err) < 0)
    return -1;
  qsort (*pids, *n, sizeof **pids, compare_pids);
  return 0;
}
