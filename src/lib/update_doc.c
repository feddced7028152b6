/* `update`'s documents: runc's flags as a linux.resources overlay, and the
   merge of an overlay over what a container has.  Pure: text in, text out.
   See include/husk/update_doc.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "husk/json.h"
#include "husk/update_doc.h"
#include "husk/json_gen.h"
#include "husk/util.h"

/* ---- sizes ---- */

int
husk_parse_ram (const char *s, int64_t *out, husk_err_t **err)
{
  static const char units[] = "kmgtp";
  const char *p = s;
  size_t digits = strspn (p, "0123456789");
  if (digits == 0)
    return husk_error (err, 0, "invalid size: '%s'", s);
  p += digits;
  if (*p == '.')
    {
      size_t frac = strspn (p + 1, "0123456789");
      if (frac == 0)
        return husk_error (err, 0, "invalid size: '%s'", s);
      p += 1 + frac;
    }
  cleanup_free char *number = xstrndup (s, p - s);
  if (*p == ' ')
    p++;
  int shift = 0;
  const char *u = *p ? strchr (units, *p | 0x20) : NULL;
  if (u)
    {
      shift = 10 * (int)(u - units + 1);
      p++;
    }
  if (*p == 'i' || *p == 'I')
    p++;
  if (*p == 'b' || *p == 'B')
    p++;
  if (*p != '\0')
    return husk_error (err, 0, "invalid size: '%s'", s);
  /* As go-units: the number as a double times the multiple, truncated. */
  char *end = NULL;
  errno = 0;
  double v = strtod (number, &end);
  if (errno || *end)
    return husk_error (err, 0, "invalid size: '%s'", s);
  for (int i = 0; i < shift; i += 10)
    v *= 1024.0;
  if (v >= 9223372036854775808.0)
    return husk_error (err, 0, "invalid size: '%s': too large", s);
  *out = (int64_t)v;
  return 0;
}

/* ---- flags -> overlay ---- */

enum flag_kind
{
  FLAG_RAM,     /* "-1" or a size */
  FLAG_U64,     /* strconv.ParseUint */
  FLAG_I64,     /* strconv.ParseInt */
  FLAG_STRING,  /* "" means not given */
  FLAG_NONZERO, /* an int flag whose 0 means "not given" */
};

struct flag_row
{
  const char *flag;   /* without "--" */
  const char *object; /* member of linux.resources */
  const char *key;
  enum flag_kind kind;
  size_t off; /* of the const char * in struct husk_update_flags */
};

#define ROW(F, O, K, KIND, M)                                                                      \
  {                                                                                                \
    F, O, K, KIND, offsetof (struct husk_update_flags, M)                                          \
  }

/* In the order runc's documented format lists them; rows of one object together. */
static const struct flag_row flag_rows[] = {
  ROW ("memory", "memory", "limit", FLAG_RAM, memory),
  ROW ("memory-reservation", "memory", "reservation", FLAG_RAM, memory_reservation),
  ROW ("memory-swap", "memory", "swap", FLAG_RAM, memory_swap),
  ROW ("cpu-share", "cpu", "shares", FLAG_U64, cpu_shares),
  ROW ("cpu-quota", "cpu", "quota", FLAG_I64, cpu_quota),
  ROW ("cpu-burst", "cpu", "burst", FLAG_U64, cpu_burst),
  ROW ("cpu-period", "cpu", "period", FLAG_U64, cpu_period),
  ROW ("cpu-rt-runtime", "cpu", "realtimeRuntime", FLAG_I64, cpu_rt_runtime),
  ROW ("cpu-rt-period", "cpu", "realtimePeriod", FLAG_U64, cpu_rt_period),
  ROW ("cpuset-cpus", "cpu", "cpus", FLAG_STRING, cpuset_cpus),
  ROW ("cpuset-mems", "cpu", "mems", FLAG_STRING, cpuset_mems),
  ROW ("cpu-idle", "cpu", "idle", FLAG_I64, cpu_idle),
  ROW ("blkio-weight", "blockIO", "weight", FLAG_NONZERO, blkio_weight),
  ROW ("pids-limit", "pids", "limit", FLAG_NONZERO, pids_limit),
};

static const char *
flag_value (const struct husk_update_flags *f, const struct flag_row *r)
{
  const char *v = *(const char *const *)((const char *)f + r->off);
  if (v && r->kind == FLAG_STRING && *v == '\0')
    return NULL;
  return v;
}

/* The row's value as JSON number text; *out stays NULL for a 0 that means
   "not given". */
static int
flag_number (const struct flag_row *r, const char *v, char **out, husk_err_t **err)
{
  int64_t i;
  uint64_t u;
  *out = NULL;
  switch (r->kind)
    {
    case FLAG_RAM:
      if (strcmp (v, "-1") == 0)
        i = -1;
      else if (husk_parse_ram (v, &i, err) < 0)
        return husk_error_prefix (err, "invalid value for --%s", r->flag);
      *out = xasprintf ("%" PRId64, i);
      return 0;
    case FLAG_U64:
      if (husk_parse_u64 (v, &u) < 0)
        return husk_error (err, 0, "invalid value for --%s: \"%s\" is not an unsigned integer",
                           r->flag, v);
      *out = xasprintf ("%" PRIu64, u);
      return 0;
    case FLAG_I64:
    case FLAG_NONZERO:
      if (husk_parse_i64 (v, &i) < 0)
        return husk_error (err, 0, "invalid value for --%s: \"%s\" is not an integer", r->flag, v);
      if (r->kind == FLAG_NONZERO && i == 0)
        return 0;
      *out = xasprintf ("%" PRId64, i);
      return 0;
    case FLAG_STRING:
      break;
    }
  return 0;
}

int
husk_update_flags_doc (const struct husk_update_flags *f, char **json, husk_err_t **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  const char *open_object = NULL;
  for (size_t i = 0; i < ARRAY_SIZE (flag_rows); i++)
    {
      const struct flag_row *r = &flag_rows[i];
      const char *v = flag_value (f, r);
      cleanup_free char *num = NULL;
      if (v == NULL)
        continue;
      if (r->kind != FLAG_STRING && flag_number (r, v, &num, err) < 0)
        {
          yajl_gen_free (g);
          return -1;
        }
      if (r->kind != FLAG_STRING && num == NULL)
        continue;
      if (open_object == NULL || strcmp (open_object, r->object) != 0)
        {
          if (open_object)
            yajl_gen_map_close (g);
          husk_gen_str (g, r->object);
          yajl_gen_map_open (g);
          open_object = r->object;
        }
      husk_gen_str (g, r->key);
      if (num)
        yajl_gen_number (g, num, strlen (num));
      else
        husk_gen_str (g, v);
    }
  if (open_object)
    yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  *json = husk_gen_take (g);
  return 0;
}

/* ---- merge ---- */

static void
gen_value (yajl_gen g, yajl_val v)
{
  if (v == NULL || YAJL_IS_NULL (v))
    yajl_gen_null (g);
  else if (YAJL_IS_STRING (v))
    husk_gen_str (g, YAJL_GET_STRING (v));
  else if (YAJL_IS_NUMBER (v))
    yajl_gen_number (g, YAJL_GET_NUMBER (v), strlen (YAJL_GET_NUMBER (v)));
  else if (YAJL_IS_TRUE (v))
    yajl_gen_bool (g, 1);
  else if (YAJL_IS_FALSE (v))
    yajl_gen_bool (g, 0);
  else if (YAJL_IS_ARRAY (v))
    {
      yajl_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        gen_value (g, v->u.array.values[i]);
      yajl_gen_array_close (g);
    }
  else if (YAJL_IS_OBJECT (v))
    {
      yajl_gen_map_open (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          husk_gen_str (g, v->u.object.keys[i]);
          gen_value (g, v->u.object.values[i]);
        }
      yajl_gen_map_close (g);
    }
}

static bool
present (yajl_val v)
{
  return v != NULL && !YAJL_IS_NULL (v);
}

/* Emit docs[0..n) merged, later ones winning (see the header). */
static void
gen_merged (yajl_gen g, yajl_val *docs, size_t n)
{
  size_t last = n;
  for (size_t i = n; i-- > 0;)
    if (present (docs[i]))
      {
        last = i;
        break;
      }
  if (last == n)
    {
      yajl_gen_null (g);
      return;
    }
  if (!YAJL_IS_OBJECT (docs[last]))
    {
      gen_value (g, docs[last]);
      return;
    }
  /* The trailing run of objects merges; anything before a non-object is replaced. */
  size_t first = last;
  while (first > 0 && (!present (docs[first - 1]) || YAJL_IS_OBJECT (docs[first - 1])))
    first--;
  /* Each key once, where it first appears. */
  cleanup_free const char **keys = NULL;
  size_t n_keys = 0, cap = 0;
  for (size_t d = first; d <= last; d++)
    for (size_t k = 0; present (docs[d]) && k < docs[d]->u.object.len; k++)
      {
        const char *key = docs[d]->u.object.keys[k];
        size_t j = 0;
        while (j < n_keys && strcmp (keys[j], key) != 0)
          j++;
        if (j < n_keys)
          continue;
        if (n_keys == cap)
          keys = xrealloc (keys, (cap = cap ? cap * 2 : 16) * sizeof *keys);
        keys[n_keys++] = key;
      }
  cleanup_free yajl_val *sub = xmalloc0 ((last - first + 1) * sizeof *sub);
  yajl_gen_map_open (g);
  for (size_t j = 0; j < n_keys; j++)
    {
      size_t m = 0;
      bool any = false;
      for (size_t d = first; d <= last; d++)
        any |= (sub[m++] = husk_json_member (docs[d], keys[j])) != NULL;
      if (!any) /* null everywhere: as if absent */
        continue;
      husk_gen_str (g, keys[j]);
      gen_merged (g, sub, m);
    }
  yajl_gen_map_close (g);
}

static int
parse_object (const char *name, const char *text, size_t len, yajl_val *out, husk_err_t **err)
{
  if (husk_json_parse (name, text, len, out, err) < 0)
    return -1;
  if (!YAJL_IS_OBJECT (*out))
    {
      husk_json_freep (out);
      return husk_error (err, 0, "%s: expected a JSON object", name);
    }
  return 0;
}

int
husk_update_merge (const char *base_name, const char *base, size_t base_len, const char *overlay,
                   size_t overlay_len, char **merged, husk_err_t **err)
{
  cleanup_json yajl_val b = NULL;
  cleanup_json yajl_val o = NULL;
  cleanup_json yajl_val extra = NULL;
  if (base && base_len
      && parse_object (base_name ? base_name : "resources", base, base_len, &b, err) < 0)
    return -1;
  if (parse_object ("resources.json", overlay, overlay_len, &o, err) < 0)
    return -1;
  /* runc: "memory unlimited" without a swap setting means swap unlimited too */
  yajl_val mem = husk_json_member (o, "memory");
  yajl_val limit = husk_json_member (mem, "limit");
  if (limit && YAJL_IS_INTEGER (limit) && YAJL_GET_INTEGER (limit) == -1
      && husk_json_member (mem, "swap") == NULL)
    {
      static const char swap_unlimited[] = "{\"memory\":{\"swap\":-1}}";
      if (parse_object ("resources", swap_unlimited, strlen (swap_unlimited), &extra, err) < 0)
        return -1;
    }
  yajl_val docs[3] = { b, o, extra };
  yajl_gen g = yajl_gen_alloc (NULL);
  gen_merged (g, docs, 3);
  *merged = husk_gen_take (g);
  return 0;
}

int
husk_config_resources_doc (const char *config, size_t len, char **out, husk_err_t **err)
{
  cleanup_json yajl_val root = NULL;
  if (parse_object ("config.json", config, len, &root, err) < 0)
    return -1;
  yajl_val res = husk_json_member (husk_json_member (root, "linux"), "resources");
  if (res == NULL)
    {
      *out = xstrdup ("{}");
      return 0;
    }
  if (!YAJL_IS_OBJECT (res))
    return husk_error (err, 0, "config.json: linux.resources: expected an object");
  yajl_gen g = yajl_gen_alloc (NULL);
  gen_value (g, res);
  *out = husk_gen_take (g);
  return 0;
}
