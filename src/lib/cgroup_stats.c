/* Statistics of a cgroup v2 (events --stats): the numbers of cpu.stat,
   memory.*, pids.*, io.stat and hugetlb.*, read as they are.  A controller
   whose files are missing leaves its part empty (has_* false). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "husk/cgroup.h"
#include "husk/util.h"

int
husk_cgroup_parse_limit (const char *text, uint64_t *out)
{
  size_t len = strcspn (text, "\n");
  if (len == 3 && strncmp (text, "max", 3) == 0)
    {
      *out = HUSK_CGROUP_MAX;
      return 0;
    }
  cleanup_free char *s = xstrndup (text, len);
  return husk_parse_u64 (s, out);
}

int
husk_cgroup_parse_kv (const char *text, struct husk_cgroup_kv **out, size_t *n)
{
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  for (char *l; (l = husk_next_line (&text)) != NULL; free (l))
    {
      char *sp = strchr (l, ' ');
      uint64_t v;
      if (sp == NULL || sp == l || husk_cgroup_parse_limit (sp + 1, &v) < 0)
        continue;
      if (*n == cap)
        {
          cap = cap ? cap * 2 : 16;
          *out = xrealloc (*out, cap * sizeof **out);
        }
      (*out)[*n].key = xstrndup (l, sp - l);
      (*out)[(*n)++].value = v;
    }
  return 0;
}

int
husk_cgroup_parse_io_stat (const char *text, struct husk_cgroup_io_entry **out, size_t *n)
{
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  for (char *l; (l = husk_next_line (&text)) != NULL; free (l))
    {
      struct husk_cgroup_io_entry e = { 0 };
      char *save = NULL, *tok = strtok_r (l, " ", &save);
      if (tok == NULL || sscanf (tok, "%u:%u", &e.major, &e.minor) != 2)
        continue;
      static const struct
      {
        const char *key;
        size_t off;
      } fields[] = {
        { "rbytes", offsetof (struct husk_cgroup_io_entry, rbytes) },
        { "wbytes", offsetof (struct husk_cgroup_io_entry, wbytes) },
        { "rios", offsetof (struct husk_cgroup_io_entry, rios) },
        { "wios", offsetof (struct husk_cgroup_io_entry, wios) },
        { "dbytes", offsetof (struct husk_cgroup_io_entry, dbytes) },
        { "dios", offsetof (struct husk_cgroup_io_entry, dios) },
      };
      while ((tok = strtok_r (NULL, " ", &save)) != NULL)
        {
          char *eq = strchr (tok, '=');
          if (eq == NULL)
            continue;
          *eq = '\0';
          for (size_t k = 0; k < ARRAY_SIZE (fields); k++)
            if (strcmp (tok, fields[k].key) == 0)
              husk_parse_u64 (eq + 1, (uint64_t *)((char *)&e + fields[k].off));
        }
      if (*n == cap)
        {
          cap = cap ? cap * 2 : 8;
          *out = xrealloc (*out, cap * sizeof **out);
        }
      (*out)[(*n)++] = e;
    }
  return 0;
}

/* A one-number file; false when it is missing or unreadable. */
static bool
read_num (int fd, const char *file, uint64_t *out)
{
  cleanup_free char *text = NULL;
  if (husk_read_file_at (fd, file, &text, NULL, NULL) < 0)
    return false;
  return husk_cgroup_parse_limit (text, out) == 0;
}

static bool
read_kv (int fd, const char *file, struct husk_cgroup_kv **kv, size_t *n)
{
  cleanup_free char *text = NULL;
  if (husk_read_file_at (fd, file, &text, NULL, NULL) < 0)
    return false;
  return husk_cgroup_parse_kv (text, kv, n) == 0;
}

static void
kv_free (struct husk_cgroup_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (kv[i].key);
  free (kv);
}

/* Look key up in kv; 0 when absent. */
static uint64_t
kv_get (const struct husk_cgroup_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (kv[i].key, key) == 0)
      return kv[i].value;
  return 0;
}

static void
read_cpu (int fd, struct husk_cgroup_stats *st)
{
  struct husk_cgroup_kv *kv = NULL;
  size_t n = 0;
  if (!read_kv (fd, "cpu.stat", &kv, &n))
    return;
  st->has_cpu = true;
  st->cpu_usage_usec = kv_get (kv, n, "usage_usec");
  st->cpu_user_usec = kv_get (kv, n, "user_usec");
  st->cpu_system_usec = kv_get (kv, n, "system_usec");
  st->cpu_nr_periods = kv_get (kv, n, "nr_periods");
  st->cpu_nr_throttled = kv_get (kv, n, "nr_throttled");
  st->cpu_throttled_usec = kv_get (kv, n, "throttled_usec");
  kv_free (kv, n);
}

static void
read_memory (int fd, struct husk_cgroup_stats *st)
{
  if (!read_num (fd, "memory.current", &st->memory_current))
    return;
  st->has_memory = true;
  read_num (fd, "memory.max", &st->memory_max);
  read_num (fd, "memory.peak", &st->memory_peak);
  read_num (fd, "memory.swap.current", &st->swap_current);
  read_num (fd, "memory.swap.max", &st->swap_max);
  struct husk_cgroup_kv *kv = NULL;
  size_t n = 0;
  if (read_kv (fd, "memory.events", &kv, &n))
    {
      st->events_low = kv_get (kv, n, "low");
      st->events_high = kv_get (kv, n, "high");
      st->events_max = kv_get (kv, n, "max");
      st->events_oom = kv_get (kv, n, "oom");
      st->events_oom_kill = kv_get (kv, n, "oom_kill");
      kv_free (kv, n);
    }
  read_kv (fd, "memory.stat", &st->memory_stat, &st->n_memory_stat);
}

static void
read_hugetlb (int fd, struct husk_cgroup_stats *st)
{
  cleanup_dir DIR *d = husk_opendir_fd (fd);
  if (d == NULL)
    return;
  size_t cap = 0;
  for (struct dirent *de; (de = readdir (d)) != NULL;)
    {
      /* hugetlb.<size>.current, not hugetlb.<size>.rsvd.current */
      const char *name = de->d_name;
      size_t len = strlen (name);
      if (!husk_has_prefix (name, "hugetlb.") || len < 17
          || strcmp (name + len - 8, ".current") != 0 || strstr (name, ".rsvd.") != NULL)
        continue;
      cleanup_free char *size = xstrndup (name + 8, len - 8 - 8);
      struct husk_cgroup_hugetlb_entry e = { 0 };
      cleanup_free char *max = xasprintf ("hugetlb.%s.max", size);
      cleanup_free char *events = xasprintf ("hugetlb.%s.events", size);
      if (!read_num (fd, name, &e.current))
        continue;
      read_num (fd, max, &e.max);
      struct husk_cgroup_kv *kv = NULL;
      size_t n = 0;
      if (read_kv (fd, events, &kv, &n))
        {
          e.failcnt = kv_get (kv, n, "max");
          kv_free (kv, n);
        }
      e.page_size = steal_pointer (&size);
      if (st->n_hugetlb == cap)
        {
          cap = cap ? cap * 2 : 4;
          st->hugetlb = xrealloc (st->hugetlb, cap * sizeof *st->hugetlb);
        }
      st->hugetlb[st->n_hugetlb++] = e;
    }
}

int
husk_cgroup_stats (const char *rel_path, struct husk_cgroup_stats *st, husk_err_t **err)
{
  *st = (struct husk_cgroup_stats){ 0 };
  cleanup_close int fd = -1;
  if (husk_cgroup_open (rel_path, &fd, err) < 0)
    return -1;
  read_cpu (fd, st);
  read_memory (fd, st);
  if (read_num (fd, "pids.current", &st->pids_current))
    {
      st->has_pids = true;
      read_num (fd, "pids.max", &st->pids_max);
    }
  cleanup_free char *io = NULL;
  if (husk_read_file_at (fd, "io.stat", &io, NULL, NULL) == 0)
    husk_cgroup_parse_io_stat (io, &st->io, &st->n_io);
  read_hugetlb (fd, st);
  return 0;
}

void
husk_cgroup_stats_free (struct husk_cgroup_stats *st)
{
  if (st == NULL)
    return;
  kv_free (st->memory_stat, st->n_memory_stat);
  free (st->io);
  for (size_t i = 0; i < st->n_hugetlb; i++)
    free (st->hugetlb[i].page_size);
  free (st->hugetlb);
  *st = (struct husk_cgroup_stats){ 0 };
}
