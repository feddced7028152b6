/* What `events` and `ps` print, in runc's formats.  Pure.  See
   include/husk/report.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "husk/report.h"
#include "husk/json_gen.h"
#include "husk/util.h"

/* ---- JSON helpers: Go's encoding/json, omitempty or not ---- */

static void
gen_u64 (yajl_gen g, uint64_t v)
{
  char buf[24];
  int n = snprintf (buf, sizeof buf, "%" PRIu64, v);
  yajl_gen_number (g, buf, (size_t)n);
}

/* "key": v, left out when omitempty and v is 0. */
static void
gen_field (yajl_gen g, const char *key, uint64_t v, bool omitempty)
{
  if (omitempty && v == 0)
    return;
  husk_gen_str (g, key);
  gen_u64 (g, v);
}

static void
gen_event_head (yajl_gen g, const char *type, const char *id)
{
  yajl_gen_map_open (g);
  husk_gen_str (g, "type");
  husk_gen_str (g, type);
  husk_gen_str (g, "id");
  husk_gen_str (g, id);
}

/* ---- stats ---- */

static uint64_t
usec_to_ns (uint64_t us)
{
  return us > UINT64_MAX / 1000 ? UINT64_MAX : us * 1000;
}

static void
gen_cpu (yajl_gen g, const struct husk_cgroup_stats *st)
{
  husk_gen_str (g, "cpu");
  yajl_gen_map_open (g);
  husk_gen_str (g, "usage");
  yajl_gen_map_open (g);
  gen_field (g, "total", usec_to_ns (st->cpu_usage_usec), true);
  gen_field (g, "kernel", usec_to_ns (st->cpu_system_usec), false);
  gen_field (g, "user", usec_to_ns (st->cpu_user_usec), false);
  yajl_gen_map_close (g);
  husk_gen_str (g, "throttling");
  yajl_gen_map_open (g);
  gen_field (g, "periods", st->cpu_nr_periods, true);
  gen_field (g, "throttledPeriods", st->cpu_nr_throttled, true);
  gen_field (g, "throttledTime", usec_to_ns (st->cpu_throttled_usec), true);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

/* runc's fs2 driver has no cpuset statistics: Go prints the zero struct. */
static void
gen_cpuset (yajl_gen g)
{
  static const char *const zero_fields[]
      = { "cpu_exclusive",   "mem_hardwall",       "mem_exclusive",
          "memory_migrate",  "memory_spread_page", "memory_spread_slab",
          "memory_pressure", "sched_load_balance", "sched_relax_domain_level" };
  husk_gen_str (g, "cpuset");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < ARRAY_SIZE (zero_fields); i++)
    gen_field (g, zero_fields[i], 0, false);
  yajl_gen_map_close (g);
}

struct memory_entry
{
  uint64_t limit, usage, max, failcnt;
};

static void
gen_memory_entry (yajl_gen g, const char *key, const struct memory_entry *e)
{
  husk_gen_str (g, key);
  yajl_gen_map_open (g);
  gen_field (g, "limit", e->limit, false);
  gen_field (g, "usage", e->usage, true);
  gen_field (g, "max", e->max, true);
  gen_field (g, "failcnt", e->failcnt, false);
  yajl_gen_map_close (g);
}

static uint64_t
kv_lookup (const struct husk_cgroup_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (kv[i].key, key) == 0)
      return kv[i].value;
  return 0;
}

static void
gen_memory (yajl_gen g, const struct husk_cgroup_stats *st)
{
  struct memory_entry usage = { 0 }, swap = { 0 }, none = { 0 };
  uint64_t cache = 0;
  if (st->has_memory)
    {
      usage = (struct memory_entry){ .limit = st->memory_max,
                                     .usage = st->memory_current,
                                     .max = st->memory_peak,
                                     .failcnt = st->events_max };
      /* v1 reported memory+swap; runc keeps that on v2 (max usage unknown) */
      swap.usage = st->swap_current + st->memory_current;
      swap.limit = st->swap_max;
      if (swap.limit != HUSK_CGROUP_MAX)
        swap.limit = st->memory_max > HUSK_CGROUP_MAX - swap.limit ? HUSK_CGROUP_MAX
                                                                   : swap.limit + st->memory_max;
      cache = kv_lookup (st->memory_stat, st->n_memory_stat, "file");
    }
  husk_gen_str (g, "memory");
  yajl_gen_map_open (g);
  gen_field (g, "cache", cache, true);
  gen_memory_entry (g, "usage", &usage);
  gen_memory_entry (g, "swap", &swap);
  gen_memory_entry (g, "kernel", &none);
  gen_memory_entry (g, "kernelTCP", &none);
  if (st->n_memory_stat)
    {
      husk_gen_str (g, "raw");
      yajl_gen_map_open (g);
      for (size_t i = 0; i < st->n_memory_stat; i++)
        gen_field (g, st->memory_stat[i].key, st->memory_stat[i].value, false);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static void
gen_pids (yajl_gen g, const struct husk_cgroup_stats *st)
{
  husk_gen_str (g, "pids");
  yajl_gen_map_open (g);
  gen_field (g, "current", st->pids_current, true);
  /* "max" is no limit: runc reports 0, and so leaves it out */
  gen_field (g, "limit", st->pids_max == HUSK_CGROUP_MAX ? 0 : st->pids_max, true);
  yajl_gen_map_close (g);
}

/* One blkio table: for each device, its Read then Write entry (Go leaves
   out zero members, and the table when it is empty). */
static void
gen_blkio_table (yajl_gen g, const char *key, const struct husk_cgroup_stats *st, size_t off_read,
                 size_t off_write)
{
  if (st->n_io == 0)
    return;
  husk_gen_str (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < st->n_io; i++)
    {
      const struct husk_cgroup_io_entry *e = &st->io[i];
      const struct
      {
        const char *op;
        uint64_t value;
      } ops[] = { { "Read", *(const uint64_t *)((const char *)e + off_read) },
                  { "Write", *(const uint64_t *)((const char *)e + off_write) } };
      for (size_t k = 0; k < ARRAY_SIZE (ops); k++)
        {
          yajl_gen_map_open (g);
          gen_field (g, "major", e->major, true);
          gen_field (g, "minor", e->minor, true);
          husk_gen_str (g, "op");
          husk_gen_str (g, ops[k].op);
          gen_field (g, "value", ops[k].value, true);
          yajl_gen_map_close (g);
        }
    }
  yajl_gen_array_close (g);
}

static void
gen_blkio (yajl_gen g, const struct husk_cgroup_stats *st)
{
  husk_gen_str (g, "blkio");
  yajl_gen_map_open (g);
  gen_blkio_table (g, "ioServiceBytesRecursive", st, offsetof (struct husk_cgroup_io_entry, rbytes),
                   offsetof (struct husk_cgroup_io_entry, wbytes));
  gen_blkio_table (g, "ioServicedRecursive", st, offsetof (struct husk_cgroup_io_entry, rios),
                   offsetof (struct husk_cgroup_io_entry, wios));
  yajl_gen_map_close (g);
}

static void
gen_hugetlb (yajl_gen g, const struct husk_cgroup_stats *st)
{
  husk_gen_str (g, "hugetlb");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < st->n_hugetlb; i++)
    {
      husk_gen_str (g, st->hugetlb[i].page_size);
      yajl_gen_map_open (g);
      /* "max" is the maximum usage, which v2 does not keep: left out as runc does */
      gen_field (g, "usage", st->hugetlb[i].current, true);
      gen_field (g, "failcnt", st->hugetlb[i].failcnt, false);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

char *
husk_stats_event_json (const char *id, const struct husk_cgroup_stats *st)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  gen_event_head (g, "stats", id);
  husk_gen_str (g, "data");
  yajl_gen_map_open (g);
  gen_cpu (g, st);
  gen_cpuset (g);
  gen_memory (g, st);
  gen_pids (g, st);
  gen_blkio (g, st);
  gen_hugetlb (g, st);
  husk_gen_str (g, "intel_rdt");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  husk_gen_str (g, "network_interfaces");
  yajl_gen_null (g);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  return husk_gen_take (g);
}

char *
husk_oom_event_json (const char *id)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  gen_event_head (g, "oom", id);
  yajl_gen_map_close (g);
  return husk_gen_take (g);
}

/* ---- durations ---- */

static const struct
{
  const char *name;
  uint64_t ns;
} duration_units[] = {
  { "ns", 1 },
  { "us", 1000 },
  { "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
  { "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
  { "ms", 1000000 },
  { "s", 1000000000 },
  { "m", 60ull * 1000000000 },
  { "h", 3600ull * 1000000000 },
};

int
husk_parse_duration (const char *s, int64_t *ns, husk_err_t **err)
{
  const char *p = s;
  bool negative = false;
  uint64_t total = 0;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  if (strcmp (p, "0") == 0)
    {
      *ns = 0;
      return 0;
    }
  if (*p == '\0')
    return husk_error (err, 0, "time: invalid duration \"%s\"", s);
  while (*p)
    {
      uint64_t whole = 0, frac = 0, scale = 1;
      size_t n_whole = strspn (p, "0123456789"), n_frac = 0;
      for (size_t i = 0; i < n_whole; i++)
        {
          if (whole > (UINT64_MAX - 9) / 10)
            return husk_error (err, 0, "time: invalid duration \"%s\"", s);
          whole = whole * 10 + (uint64_t)(p[i] - '0');
        }
      p += n_whole;
      if (*p == '.')
        {
          p++;
          n_frac = strspn (p, "0123456789");
          for (size_t i = 0; i < n_frac; i++)
            if (scale < UINT64_MAX / 100) /* further digits cannot matter */
              {
                frac = frac * 10 + (uint64_t)(p[i] - '0');
                scale *= 10;
              }
          p += n_frac;
        }
      if (n_whole == 0 && n_frac == 0)
        return husk_error (err, 0, "time: invalid duration \"%s\"", s);
      size_t n_unit = strcspn (p, "0123456789.");
      if (n_unit == 0)
        return husk_error (err, 0, "time: missing unit in duration \"%s\"", s);
      uint64_t unit = 0;
      for (size_t u = 0; u < ARRAY_SIZE (duration_units) && unit == 0; u++)
        if (strlen (duration_units[u].name) == n_unit
            && strncmp (p, duration_units[u].name, n_unit) == 0)
          unit = duration_units[u].ns;
      if (unit == 0)
        return husk_error (err, 0, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)n_unit, p,
                           s);
      p += n_unit;
      if (whole > INT64_MAX / unit)
        return husk_error (err, 0, "time: invalid duration \"%s\"", s);
      uint64_t v = whole * unit + (uint64_t)((long double)frac * unit / scale);
      if (v > (uint64_t)INT64_MAX - total)
        return husk_error (err, 0, "time: invalid duration \"%s\"", s);
      total += v;
    }
  *ns = negative ? -(int64_t)total : (int64_t)total;
  return 0;
}

/* ---- ps ---- */

static bool
has_pid (const pid_t *pids, size_t n, const char *field)
{
  int pid;
  if (husk_parse_int (field, &pid) < 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Field number `index` (0-based, blank-separated) of line, copied into buf. */
static bool
nth_field (const char *line, size_t index, char *buf, size_t size)
{
  const char *p = line;
  for (size_t i = 0;; i++)
    {
      p += strspn (p, " \t");
      if (*p == '\0')
        return false;
      size_t len = strcspn (p, " \t");
      if (i == index)
        {
          snprintf (buf, size, "%.*s", (int)(len < size ? len : size - 1), p);
          return true;
        }
      p += len;
    }
}

int
husk_ps_filter (const char *ps_output, const pid_t *pids, size_t n, char **out, husk_err_t **err)
{
  const char *cursor = ps_output;
  cleanup_free char *header = husk_next_line (&cursor);
  size_t pid_index = 0;
  bool found = false;
  char field[64];
  for (size_t i = 0; header && !found && nth_field (header, i, field, sizeof field); i++)
    if (strcmp (field, "PID") == 0)
      {
        pid_index = i;
        found = true;
      }
  if (!found)
    return husk_error (err, 0, "couldn't find PID field in ps output");
  size_t cap = strlen (ps_output) + 2, len = 0;
  char *r = xmalloc0 (cap);
  len += (size_t)snprintf (r, cap, "%s\n", header);
  for (char *line; (line = husk_next_line (&cursor)) != NULL; free (line))
    if (*line && nth_field (line, pid_index, field, sizeof field) && has_pid (pids, n, field))
      len += (size_t)snprintf (r + len, cap - len, "%s\n", line);
  *out = r;
  return 0;
}

char *
husk_pids_json (const pid_t *pids, size_t n)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    yajl_gen_integer (g, pids[i]);
  yajl_gen_array_close (g);
  return husk_gen_take (g);
}
