/* linux.resources -> cgroup v2 file writes.  Pure: no syscalls, no
   filesystem; cgroup.c performs the writes.  See include/husk/cgroup.h for
   the conversions and why each is what it is. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "husk/cgroup.h"
#include "husk/util.h"

/* ---- a tiny accurate log/exp (long double), so that husk needs no libm ---- */

static const long double LN2 = 0.693147180559945309417232121458176568L;
static const long double LN10 = 2.302585092994045684017960440731766L;

/* ln(m) for m in [1, 2): 2 atanh((m-1)/(m+1)); t <= 1/3 so the series
   converges to long double precision in a few dozen terms. */
static long double
ln_mantissa (long double m)
{
  long double t = (m - 1) / (m + 1), t2 = t * t, term = t, sum = 0;
  for (int k = 1; k < 80; k += 2)
    {
      sum += term / k;
      term *= t2;
    }
  return 2 * sum;
}

static long double
log2_u64 (uint64_t x)
{
  int k = 63 - __builtin_clzll (x);
  long double m = (long double)x;
  for (int i = 0; i < k; i++)
    m /= 2;
  return k + ln_mantissa (m) / LN2;
}

/* e^y for 0 <= y < 40: y = n ln2 + r with |r| <= ln2, Taylor series for e^r. */
static long double
exp_small (long double y)
{
  int n = (int)(y / LN2);
  long double r = y - n * LN2, term = 1, sum = 1;
  for (int k = 1; k < 40; k++)
    {
      term *= r / k;
      sum += term;
    }
  for (int i = 0; i < n; i++)
    sum *= 2;
  return sum;
}

uint64_t
husk_cgroup_cpu_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  /* Computed in double like runc (Go float64), the power in long double and
     rounded to double, so ceil() sees what a correctly rounded pow gives. */
  double l = (double)log2_u64 (shares);
  double e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  double p = (double)exp_small ((long double)e * LN10);
  uint64_t w = (uint64_t)p;
  return (double)w < p ? w + 1 : w;
}

uint64_t
husk_cgroup_io_weight (uint64_t w)
{
  if (w == 0)
    return 0;
  return 1 + (w - 10) * 9999 / 990;
}

int
husk_cgroup_swap_value (int64_t swap, int64_t limit, bool *out_set, int64_t *out, husk_err_t **err)
{
  const char *f = "linux.resources.memory.swap";
  *out_set = true;
  if (limit == -1 && swap == 0)
    *out = -1; /* unlimited memory and no swap setting: both unlimited (v1 compat) */
  else if (swap == -1 || swap == 0)
    *out = swap;
  else if (limit == -1)
    *out = swap;
  else if (limit == 0)
    return husk_error (err, 0, "%s: a swap limit needs a memory limit", f);
  else if (limit < 0)
    return husk_error (err, 0, "linux.resources.memory.limit: invalid value %" PRId64, limit);
  else if (swap < limit)
    return husk_error (err, 0,
                       "%s: %" PRId64 " is below memory.limit %" PRId64 " (swap is memory+swap)", f,
                       swap, limit);
  else
    *out = swap - limit;
  /* 0 means "leave it" unless swap == limit was asked: then it disables swap. */
  if (*out == 0 && !(swap > 0))
    *out_set = false;
  return 0;
}

/* ---- the list being built ---- */

struct builder
{
  struct husk_cgroup_writes *w;
  size_t cap;
};

static struct husk_cgroup_write *
push (struct builder *b, const char *controller, char *field, char *file, char *value)
{
  if (b->w->n == b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 16;
      b->w->v = xrealloc (b->w->v, b->cap * sizeof *b->w->v);
    }
  struct husk_cgroup_write *e = &b->w->v[b->w->n++];
  *e = (struct husk_cgroup_write){
    .controller = controller, .field = field, .file = file, .value = value
  };
  return e;
}

void
husk_cgroup_writes_free (struct husk_cgroup_writes *w)
{
  for (size_t i = 0; w && i < w->n; i++)
    {
      free (w->v[i].field);
      free (w->v[i].file);
      free (w->v[i].value);
      free (w->v[i].fallback_file);
      free (w->v[i].fallback_value);
    }
  if (w)
    {
      free (w->v);
      w->v = NULL;
      w->n = 0;
    }
}

/* -1 -> "max", other negatives are an error, the rest decimal. */
static int
limit_str (const char *field, int64_t v, char **out, husk_err_t **err)
{
  if (v < -1)
    return husk_error (err, 0, "%s: invalid value %" PRId64 " (use -1 for no limit)", field, v);
  *out = v == -1 ? xstrdup ("max") : xasprintf ("%" PRId64, v);
  return 0;
}

/* ---- memory ---- */

static int
memory_writes (struct builder *b, const struct husk_memory *m, husk_err_t **err)
{
  if (m->swappiness.set)
    return husk_error (err, 0,
                       "linux.resources.memory.swappiness: cgroup v2 has no per-cgroup "
                       "swappiness");
  int64_t limit = m->limit.set ? m->limit.value : 0;
  int64_t swap = m->swap.set ? m->swap.value : 0;
  bool swap_set;
  int64_t swap_v;
  if (husk_cgroup_swap_value (swap, limit, &swap_set, &swap_v, err) < 0)
    return -1;
  char *s = NULL;
  if (swap_set)
    {
      if (limit_str ("linux.resources.memory.swap", swap_v, &s, err) < 0)
        return -1;
      /* Without swap accounting the file is missing: "max" and "0" are then
         what the kernel does anyway, other values must fail. */
      struct husk_cgroup_write *e = push (b, "memory", xstrdup ("linux.resources.memory.swap"),
                                          xstrdup ("memory.swap.max"), s);
      if (swap_v == -1 || swap_v == 0)
        e->flags |= HUSK_CGW_IF_EXISTS;
    }
  if (limit != 0)
    {
      if (limit_str ("linux.resources.memory.limit", limit, &s, err) < 0)
        return -1;
      push (b, "memory", xstrdup ("linux.resources.memory.limit"), xstrdup ("memory.max"), s);
    }
  if (m->reservation.set && m->reservation.value != 0)
    {
      if (limit_str ("linux.resources.memory.reservation", m->reservation.value, &s, err) < 0)
        return -1;
      push (b, "memory", xstrdup ("linux.resources.memory.reservation"), xstrdup ("memory.low"), s);
    }
  return 0;
}

/* ---- cpu, cpuset ---- */

static int
check_cpu_list (const char *field, const char *s, husk_err_t **err)
{
  if (strspn (s, "0123456789,-") != strlen (s))
    return husk_error (err, 0, "%s: `%s` is not a list like \"0-3,7\"", field, s);
  return 0;
}

static int
cpu_writes (struct builder *b, const struct husk_cpu *c, husk_err_t **err)
{
  if ((c->realtime_runtime.set && c->realtime_runtime.value != 0)
      || (c->realtime_period.set && c->realtime_period.value != 0))
    return husk_error (err, 0, "linux.resources.cpu.%s: realtime limits do not exist in cgroup v2",
                       c->realtime_runtime.set ? "realtimeRuntime" : "realtimePeriod");
  if (c->idle.set)
    push (b, "cpu", xstrdup ("linux.resources.cpu.idle"), xstrdup ("cpu.idle"),
          xasprintf ("%" PRId64, c->idle.value));
  /* The kernel refuses cpu.weight (EINVAL) while cpu.idle is 1, and ignores
     the weight of an idle group anyway; idle goes first so that a weight
     comes back when it is 0 again. */
  bool idle = c->idle.set && c->idle.value != 0;
  if (c->shares.set && c->shares.value != 0 && !idle)
    push (b, "cpu", xstrdup ("linux.resources.cpu.shares"), xstrdup ("cpu.weight"),
          xasprintf ("%" PRIu64, husk_cgroup_cpu_weight (c->shares.value)));
  if (c->burst.set)
    push (b, "cpu", xstrdup ("linux.resources.cpu.burst"), xstrdup ("cpu.max.burst"),
          xasprintf ("%" PRIu64, c->burst.value))
        ->flags
        |= HUSK_CGW_RETRY_LAST;
  int64_t quota = c->quota.set ? c->quota.value : 0;
  uint64_t period = c->period.set ? c->period.value : 0;
  if (quota != 0 || period != 0)
    {
      char *q = quota > 0 ? xasprintf ("%" PRId64, quota) : xstrdup ("max");
      char *v = period ? xasprintf ("%s %" PRIu64, q, period) : xstrdup (q);
      free (q);
      push (b, "cpu",
            xstrdup (c->quota.set ? "linux.resources.cpu.quota" : "linux.resources.cpu.period"),
            xstrdup ("cpu.max"), v);
    }
  if (c->cpus && *c->cpus)
    {
      if (check_cpu_list ("linux.resources.cpu.cpus", c->cpus, err) < 0)
        return -1;
      push (b, "cpuset", xstrdup ("linux.resources.cpu.cpus"), xstrdup ("cpuset.cpus"),
            xstrdup (c->cpus));
    }
  if (c->mems && *c->mems)
    {
      if (check_cpu_list ("linux.resources.cpu.mems", c->mems, err) < 0)
        return -1;
      push (b, "cpuset", xstrdup ("linux.resources.cpu.mems"), xstrdup ("cpuset.mems"),
            xstrdup (c->mems));
    }
  return 0;
}

/* ---- io ---- */

static int
check_blkio_weight (const char *field, uint64_t w, husk_err_t **err)
{
  if (w < 10 || w > 1000)
    return husk_error (err, 0, "%s: %" PRIu64 " is outside [10, 1000]", field, w);
  return 0;
}

static int
check_devnum (const char *field, int64_t major, int64_t minor, husk_err_t **err)
{
  if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX)
    return husk_error (err, 0, "%s: invalid device %" PRId64 ":%" PRId64, field, major, minor);
  return 0;
}

/* One io.max line per device, the four limits merged in first-seen order. */
struct io_max_dev
{
  int64_t major, minor;
  uint64_t rate[4];
  bool set[4];
};

static const char *const io_max_keys[4] = { "rbps", "wbps", "riops", "wiops" };

static int
io_max_writes (struct builder *b, const struct husk_block_io *io, husk_err_t **err)
{
  const struct husk_throttle_device *lists[4]
      = { io->throttle_read_bps_device, io->throttle_write_bps_device,
          io->throttle_read_iops_device, io->throttle_write_iops_device };
  size_t counts[4] = { io->n_throttle_read_bps_device, io->n_throttle_write_bps_device,
                       io->n_throttle_read_iops_device, io->n_throttle_write_iops_device };
  static const char *const names[4] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
                                        "throttleReadIOPSDevice", "throttleWriteIOPSDevice" };
  size_t total = counts[0] + counts[1] + counts[2] + counts[3], n = 0;
  if (total == 0)
    return 0;
  cleanup_free struct io_max_dev *devs = xmalloc0 (total * sizeof *devs);
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < counts[k]; i++)
      {
        const struct husk_throttle_device *t = &lists[k][i];
        cleanup_free char *field = xasprintf ("linux.resources.blockIO.%s[%zu]", names[k], i);
        if (check_devnum (field, t->major, t->minor, err) < 0)
          return -1;
        size_t j = 0;
        while (j < n && !(devs[j].major == t->major && devs[j].minor == t->minor))
          j++;
        if (j == n)
          devs[n++] = (struct io_max_dev){ .major = t->major, .minor = t->minor };
        devs[j].rate[k] = t->rate;
        devs[j].set[k] = true;
      }
  for (size_t j = 0; j < n; j++)
    {
      char *line = xasprintf ("%" PRId64 ":%" PRId64, devs[j].major, devs[j].minor);
      for (int k = 0; k < 4; k++)
        {
          if (!devs[j].set[k])
            continue;
          char *next = devs[j].rate[k] == 0
                           ? xasprintf ("%s %s=max", line, io_max_keys[k])
                           : xasprintf ("%s %s=%" PRIu64, line, io_max_keys[k], devs[j].rate[k]);
          free (line);
          line = next;
        }
      push (b, "io", xstrdup ("linux.resources.blockIO"), xstrdup ("io.max"), line);
    }
  return 0;
}

static int
io_writes (struct builder *b, const struct husk_block_io *io, husk_err_t **err)
{
  if (io->weight.set && io->weight.value != 0)
    {
      if (check_blkio_weight ("linux.resources.blockIO.weight", io->weight.value, err) < 0)
        return -1;
      struct husk_cgroup_write *e
          = push (b, "io", xstrdup ("linux.resources.blockIO.weight"), xstrdup ("io.bfq.weight"),
                  xasprintf ("%" PRIu32, io->weight.value));
      e->fallback_file = xstrdup ("io.weight");
      e->fallback_value = xasprintf ("%" PRIu64, husk_cgroup_io_weight (io->weight.value));
    }
  for (size_t i = 0; i < io->n_weight_device; i++)
    {
      const struct husk_weight_device *d = &io->weight_device[i];
      cleanup_free char *field = xasprintf ("linux.resources.blockIO.weightDevice[%zu]", i);
      if (!d->weight.set)
        continue; /* leafWeight only: v1 */
      if (check_devnum (field, d->major, d->minor, err) < 0
          || check_blkio_weight (field, d->weight.value, err) < 0)
        return -1;
      struct husk_cgroup_write *e = push (
          b, "io", xstrdup (field), xstrdup ("io.bfq.weight"),
          xasprintf ("%" PRId64 ":%" PRId64 " %" PRIu32, d->major, d->minor, d->weight.value));
      e->fallback_file = xstrdup ("io.weight");
      e->fallback_value = xasprintf ("%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                     husk_cgroup_io_weight (d->weight.value));
      e->flags |= HUSK_CGW_WARN_MISSING;
    }
  return io_max_writes (b, io, err);
}

/* ---- hugetlb, rdma ---- */

static int
hugetlb_writes (struct builder *b, const struct husk_resources *r, husk_err_t **err)
{
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      const struct husk_hugepage_limit *h = &r->hugepage_limits[i];
      const char *ps = h->page_size ? h->page_size : "";
      size_t digits = strspn (ps, "0123456789");
      cleanup_free char *field = xasprintf ("linux.resources.hugepageLimits[%zu]", i);
      if (digits == 0
          || !(strcmp (ps + digits, "KB") == 0 || strcmp (ps + digits, "MB") == 0
               || strcmp (ps + digits, "GB") == 0))
        return husk_error (err, 0, "%s.pageSize: `%s` is not a size like \"2MB\"", field, ps);
      push (b, "hugetlb", xstrdup (field), xasprintf ("hugetlb.%s.max", ps),
            xasprintf ("%" PRIu64, h->limit));
      push (b, "hugetlb", xstrdup (field), xasprintf ("hugetlb.%s.rsvd.max", ps),
            xasprintf ("%" PRIu64, h->limit))
          ->flags
          |= HUSK_CGW_IF_EXISTS;
    }
  return 0;
}

static int
rdma_writes (struct builder *b, const struct husk_resources *r, husk_err_t **err)
{
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const struct husk_rdma *d = &r->rdma[i];
      cleanup_free char *field = xasprintf ("linux.resources.rdma.%s", d->device ? d->device : "");
      if (d->device == NULL || *d->device == '\0' || strpbrk (d->device, " \t\n=/") != NULL)
        return husk_error (err, 0, "%s: invalid device name", field);
      if (!d->hca_handles.set && !d->hca_objects.set)
        continue;
      char *line = xstrdup (d->device);
      if (d->hca_handles.set)
        {
          char *n = xasprintf ("%s hca_handle=%" PRIu32, line, d->hca_handles.value);
          free (line);
          line = n;
        }
      if (d->hca_objects.set)
        {
          char *n = xasprintf ("%s hca_object=%" PRIu32, line, d->hca_objects.value);
          free (line);
          line = n;
        }
      push (b, "rdma", xstrdup (field), xstrdup ("rdma.max"), line);
    }
  return 0;
}

/* ---- unified ---- */

/* Core files whose state husk itself owns: a config must not reach them. */
static const char *const managed_files[]
    = { "cgroup.procs",  "cgroup.threads", "cgroup.subtree_control",
        "cgroup.freeze", "cgroup.kill",    "cgroup.type" };

int
husk_cgroup_check_unified_key (const char *key, size_t *controller_len, husk_err_t **err)
{
  const char *f = "linux.resources.unified";
  if (key == NULL || *key == '\0')
    return husk_error (err, 0, "%s: empty key", f);
  if (strchr (key, '/') != NULL || strstr (key, "..") != NULL)
    return husk_error (err, 0, "%s: `%s` must be a file name (no '/', no \"..\")", f, key);
  const char *dot = strchr (key, '.');
  if (dot == NULL || dot == key || dot[1] == '\0')
    return husk_error (err, 0, "%s: `%s` is not of the form <controller>.<file>", f, key);
  for (const char *p = key; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'
          || *p == '-' || (*p >= 'A' && *p <= 'Z')))
      return husk_error (err, 0, "%s: `%s` has a character not found in cgroup file names", f, key);
  for (size_t i = 0; i < ARRAY_SIZE (managed_files); i++)
    if (strcmp (key, managed_files[i]) == 0)
      return husk_error (err, 0, "%s: `%s` is managed by the runtime, not by the config", f, key);
  *controller_len = dot - key;
  return 0;
}

/* Controller names that writes may point to: static strings, so that
   husk_cgroup_write.controller needs no freeing. */
static const char *const known_controllers[] = {
  "cgroup", "cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc", "perf_event"
};

static int
unified_writes (struct builder *b, const struct husk_resources *r, husk_err_t **err)
{
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const struct husk_kv *kv = &r->unified[i];
      size_t clen;
      if (husk_cgroup_check_unified_key (kv->key, &clen, err) < 0)
        return -1;
      const char *controller = NULL;
      for (size_t k = 0; k < ARRAY_SIZE (known_controllers); k++)
        if (strlen (known_controllers[k]) == clen
            && strncmp (known_controllers[k], kv->key, clen) == 0)
          controller = known_controllers[k];
      if (controller == NULL)
        return husk_error (err, 0, "linux.resources.unified.%s: there is no `%.*s` controller",
                           kv->key, (int)clen, kv->key);
      /* Each line is its own write: the kernel takes one entry per write(). */
      const char *v = kv->value ? kv->value : "";
      bool any = false;
      while (*v || !any)
        {
          size_t len = strcspn (v, "\n");
          if (len > 0 || !any)
            push (b, controller, xasprintf ("linux.resources.unified.%s", kv->key),
                  xstrdup (kv->key), xstrndup (v, len));
          any = true;
          v += len;
          if (*v == '\n')
            v++;
        }
    }
  return 0;
}

int
husk_cgroup_translate (const struct husk_resources *res, struct husk_cgroup_writes *out,
                       husk_err_t **err)
{
  __attribute__ ((cleanup (husk_cgroup_writes_free))) struct husk_cgroup_writes w = { 0 };
  struct builder b = { .w = &w };
  *out = (struct husk_cgroup_writes){ 0 };
  if (res == NULL)
    return 0;
  if (res->network && (res->network->class_id.set || res->network->n_priorities > 0))
    return husk_error (err, 0,
                       "linux.resources.network: net_cls and net_prio exist only in cgroup v1");
  if ((res->memory && memory_writes (&b, res->memory, err) < 0)
      || (res->cpu && cpu_writes (&b, res->cpu, err) < 0))
    return -1;
  if (res->pids_limit.set)
    push (&b, "pids", xstrdup ("linux.resources.pids.limit"), xstrdup ("pids.max"),
          res->pids_limit.value < 0 ? xstrdup ("max")
                                    : xasprintf ("%" PRId64, res->pids_limit.value));
  if ((res->block_io && io_writes (&b, res->block_io, err) < 0) || hugetlb_writes (&b, res, err) < 0
      || rdma_writes (&b, res, err) < 0 || unified_writes (&b, res, err) < 0)
    return -1;
  *out = w;
  w = (struct husk_cgroup_writes){ 0 };
  return 0;
}
