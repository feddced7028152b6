/* The table-driven half of json.h: one field table per C struct drives both
   filling the struct from a JSON object and freeing it again, so the two
   cannot drift apart. */
#include <stdlib.h>
#include <string.h>

#include "husk/json.h"
#include "husk/spec.h" /* the husk_opt_* wrappers */
#include "husk/util.h"

static void *
at (void *obj, size_t off)
{
  return (char *)obj + off;
}

static int
compare_members (const void *a, const void *b, void *obj)
{
  const size_t *x = a, *y = b;
  const char *const *keys = ((yajl_val)obj)->u.object.keys;
  int r = strcmp (keys[*x], keys[*y]);
  if (r != 0)
    return r;
  return *x < *y ? -1 : *x > *y;
}

/* Positions of the members of obj in file order, a repeated name kept
   once with its last value (as Go's decoder does); sorting keeps this
   O(n log n) on hostile input. */
static size_t *
unique_members (yajl_val obj, size_t *count)
{
  size_t len = obj->u.object.len;
  size_t *order = xmalloc0 (len * sizeof *order);
  for (size_t i = 0; i < len; i++)
    order[i] = i;
  qsort_r (order, len, sizeof *order, compare_members, obj);

  cleanup_free bool *keep = xmalloc0 (len * sizeof *keep);
  const char *const *keys = obj->u.object.keys;
  for (size_t k = 0; k < len; k++)
    if (k + 1 == len || strcmp (keys[order[k]], keys[order[k + 1]]) != 0)
      keep[order[k]] = true;

  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (keep[i])
      order[n++] = i;
  *count = n;
  return order;
}

static int
parse_strv (yajl_val v, const struct husk_jpath *p, char ***out, size_t *n, husk_err_t **err)
{
  if (!YAJL_IS_ARRAY (v))
    return husk_json_error (err, p, "expected an array of strings");
  size_t len = v->u.array.len;
  *out = xmalloc0 ((len + 1) * sizeof (char *));
  for (size_t i = 0; i < len; i++)
    {
      struct husk_jpath ip = HUSK_JPATH_INDEX (p, i);
      if (husk_json_string (v->u.array.values[i], &ip, &(*out)[i], err) < 0)
        return -1;
      *n = i + 1;
    }
  return 0;
}

static int
parse_u32v (yajl_val v, const struct husk_jpath *p, uint32_t **out, size_t *n, husk_err_t **err)
{
  if (!YAJL_IS_ARRAY (v))
    return husk_json_error (err, p, "expected an array of integers");
  size_t len = v->u.array.len;
  *out = xmalloc0 (len * sizeof (uint32_t));
  for (size_t i = 0; i < len; i++)
    {
      struct husk_jpath ip = HUSK_JPATH_INDEX (p, i);
      uint64_t value;
      if (husk_json_uint (v->u.array.values[i], &ip, UINT32_MAX, &value, err) < 0)
        return -1;
      (*out)[i] = (uint32_t)value;
      *n = i + 1;
    }
  return 0;
}

static int
parse_kv (yajl_val v, const struct husk_jpath *p, struct husk_kv **out, size_t *n, husk_err_t **err)
{
  if (!YAJL_IS_OBJECT (v))
    return husk_json_error (err, p, "expected an object");
  cleanup_free size_t *members = unique_members (v, n);
  *out = xmalloc0 (*n * sizeof (struct husk_kv));
  for (size_t j = 0; j < *n; j++)
    {
      const char *key = v->u.object.keys[members[j]];
      struct husk_jpath kp = HUSK_JPATH_MAPKEY (p, key);
      (*out)[j].key = xstrdup (key);
      if (husk_json_string (v->u.object.values[members[j]], &kp, &(*out)[j].value, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_map (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d, void **out,
           size_t *n, husk_err_t **err)
{
  if (!YAJL_IS_OBJECT (v))
    return husk_json_error (err, p, "expected an object");
  const struct husk_jfield *key_field = NULL;
  for (size_t i = 0; i < d->n_fields; i++)
    if (d->fields[i].type == HUSK_JT_MAP_KEY)
      key_field = &d->fields[i];

  cleanup_free size_t *members = unique_members (v, n);
  *out = xmalloc0 (*n * d->size);
  for (size_t j = 0; j < *n; j++)
    {
      const char *key = v->u.object.keys[members[j]];
      struct husk_jpath kp = HUSK_JPATH_MAPKEY (p, key);
      void *elem = at (*out, j * d->size);
      if (key_field)
        *(char **)at (elem, key_field->off) = xstrdup (key);
      if (husk_json_struct (v->u.object.values[members[j]], &kp, d, elem, err) < 0)
        return -1;
    }
  return 0;
}

/* Integer members: their range and how they are stored. */
static int
parse_number (yajl_val v, const struct husk_jpath *p, enum husk_jtype type, void *dst,
              husk_err_t **err)
{
  int64_t i;
  uint64_t u;
  switch (type)
    {
    case HUSK_JT_I32:
      if (husk_json_int (v, p, INT32_MIN, INT32_MAX, &i, err) < 0)
        return -1;
      *(int32_t *)dst = (int32_t)i;
      return 0;
    case HUSK_JT_I64:
      return husk_json_int (v, p, INT64_MIN, INT64_MAX, dst, err);
    case HUSK_JT_OPT_I64:
      if (husk_json_int (v, p, INT64_MIN, INT64_MAX, &i, err) < 0)
        return -1;
      *(husk_opt_i64 *)dst = (husk_opt_i64){ true, i };
      return 0;
    case HUSK_JT_U32:
      if (husk_json_uint (v, p, UINT32_MAX, &u, err) < 0)
        return -1;
      *(uint32_t *)dst = (uint32_t)u;
      return 0;
    case HUSK_JT_U64:
      return husk_json_uint (v, p, UINT64_MAX, dst, err);
    case HUSK_JT_OPT_U16:
    case HUSK_JT_OPT_U32:
      if (husk_json_uint (v, p, type == HUSK_JT_OPT_U16 ? UINT16_MAX : UINT32_MAX, &u, err) < 0)
        return -1;
      *(husk_opt_u32 *)dst = (husk_opt_u32){ true, (uint32_t)u };
      return 0;
    case HUSK_JT_OPT_U64:
      if (husk_json_uint (v, p, UINT64_MAX, &u, err) < 0)
        return -1;
      *(husk_opt_u64 *)dst = (husk_opt_u64){ true, u };
      return 0;
    default:
      abort (); /* a field table names a non-number type here */
    }
}

static int
parse_field (yajl_val v, const struct husk_jpath *p, const struct husk_jfield *f, void *obj,
             husk_err_t **err)
{
  void *dst = at (obj, f->off);
  switch (f->type)
    {
    case HUSK_JT_STRING:
      return husk_json_string (v, p, dst, err);
    case HUSK_JT_BOOL:
      return husk_json_bool (v, p, dst, err);
    case HUSK_JT_OPT_BOOL:
      {
        husk_opt_bool *o = dst;
        if (husk_json_bool (v, p, &o->value, err) < 0)
          return -1;
        o->set = true;
        return 0;
      }
    case HUSK_JT_I32:
    case HUSK_JT_U32:
    case HUSK_JT_I64:
    case HUSK_JT_U64:
    case HUSK_JT_OPT_U16:
    case HUSK_JT_OPT_U32:
    case HUSK_JT_OPT_I64:
    case HUSK_JT_OPT_U64:
      return parse_number (v, p, f->type, dst, err);
    case HUSK_JT_STRV:
      return parse_strv (v, p, dst, at (obj, f->aux), err);
    case HUSK_JT_U32V:
      return parse_u32v (v, p, dst, at (obj, f->aux), err);
    case HUSK_JT_KV:
      return parse_kv (v, p, dst, at (obj, f->aux), err);
    case HUSK_JT_OBJECT:
      return husk_json_struct_new (v, p, f->desc, dst, err);
    case HUSK_JT_INLINE:
      return husk_json_struct (v, p, f->desc, dst, err);
    case HUSK_JT_INLINE_FLAG:
      if (husk_json_struct (v, p, f->desc, dst, err) < 0)
        return -1;
      *(bool *)at (obj, f->aux) = true;
      return 0;
    case HUSK_JT_ARRAY:
      return husk_json_array (v, p, f->desc, dst, at (obj, f->aux), err);
    case HUSK_JT_MAP:
      return parse_map (v, p, f->desc, dst, at (obj, f->aux), err);
    case HUSK_JT_MAP_KEY:
      return 0; /* filled by parse_map */
    case HUSK_JT_CUSTOM:
      return f->parse (v, p, dst, err);
    }
  abort ();
}

int
husk_json_struct (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d, void *obj,
                  husk_err_t **err)
{
  if (husk_json_expect_object (v, p, err) < 0)
    return -1;
  for (size_t i = 0; i < d->n_fields; i++)
    {
      const struct husk_jfield *f = &d->fields[i];
      if (f->type == HUSK_JT_MAP_KEY)
        continue;
      struct husk_jpath fp = HUSK_JPATH_KEY (p, f->name);
      yajl_val member = husk_json_member (v, f->name);
      if (member == NULL)
        {
          if (f->required)
            return husk_json_error (err, &fp, "missing required field");
          continue;
        }
      if (parse_field (member, &fp, f, obj, err) < 0)
        return -1;
    }
  if (d->check && d->check (obj, v, p, err) < 0)
    return -1;
  return 0;
}

int
husk_json_struct_new (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d,
                      void **out, husk_err_t **err)
{
  void *obj = xmalloc0 (d->size);
  if (husk_json_struct (v, p, d, obj, err) < 0)
    {
      husk_json_struct_free (d, obj);
      return -1;
    }
  *out = obj;
  return 0;
}

int
husk_json_array (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d, void **out,
                 size_t *n, husk_err_t **err)
{
  if (!YAJL_IS_ARRAY (v))
    return husk_json_error (err, p, "expected an array");
  /* All elements exist (zeroed) before any is parsed, so a failure half way
     leaves something husk_json_array_free handles. */
  *n = v->u.array.len;
  *out = xmalloc0 (*n * d->size);
  for (size_t i = 0; i < *n; i++)
    {
      struct husk_jpath ip = HUSK_JPATH_INDEX (p, i);
      if (husk_json_struct (v->u.array.values[i], &ip, d, at (*out, i * d->size), err) < 0)
        return -1;
    }
  return 0;
}

void
husk_json_array_free (const struct husk_jdesc *d, void *array, size_t n)
{
  if (array == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    husk_json_struct_clear (d, at (array, i * d->size));
  free (array);
}

static void
clear_field (const struct husk_jfield *f, void *obj)
{
  void *dst = at (obj, f->off);
  switch (f->type)
    {
    case HUSK_JT_STRING:
    case HUSK_JT_MAP_KEY:
    case HUSK_JT_U32V:
      free (*(void **)dst);
      break;
    case HUSK_JT_STRV:
      strv_free (*(char ***)dst);
      break;
    case HUSK_JT_KV:
      {
        struct husk_kv *kv = *(struct husk_kv **)dst;
        size_t n = *(size_t *)at (obj, f->aux);
        for (size_t i = 0; kv && i < n; i++)
          {
            free (kv[i].key);
            free (kv[i].value);
          }
        free (kv);
        break;
      }
    case HUSK_JT_OBJECT:
      husk_json_struct_free (f->desc, *(void **)dst);
      break;
    case HUSK_JT_INLINE:
    case HUSK_JT_INLINE_FLAG:
      husk_json_struct_clear (f->desc, dst);
      break;
    case HUSK_JT_ARRAY:
    case HUSK_JT_MAP:
      husk_json_array_free (f->desc, *(void **)dst, *(size_t *)at (obj, f->aux));
      break;
    case HUSK_JT_CUSTOM:
      if (f->release)
        f->release (dst);
      break;
    default: /* plain values own nothing */
      break;
    }
}

void
husk_json_struct_clear (const struct husk_jdesc *d, void *obj)
{
  for (size_t i = 0; i < d->n_fields; i++)
    clear_field (&d->fields[i], obj);
}

void
husk_json_struct_free (const struct husk_jdesc *d, void *obj)
{
  if (obj == NULL)
    return;
  husk_json_struct_clear (d, obj);
  free (obj);
}
