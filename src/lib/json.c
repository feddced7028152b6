/* JSON documents through yajl's tree API: parsing, paths for error
   messages, typed getters.  See include/husk/json.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "husk/json.h"
#include "husk/util.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_ (x)

/* Refuse what yajl_tree would mishandle before it sees the text: it reads
   up to a NUL, recurses once per nesting level (a deep document overflows
   the stack), accepts comments (JSON and runc do not), and turns \u0000
   into a NUL that would silently cut a C string short.  Returns why the
   text is refused, or NULL. */
static const char *
prescan (const char *text, size_t len)
{
  if (memchr (text, '\0', len) != NULL)
    return "unexpected NUL byte";
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '"')
            in_string = false;
          else if (c == '\\' && i + 1 < len)
            {
              if (len - i >= 6 && memcmp (text + i + 1, "u0000", 5) == 0)
                return "strings must not contain \\u0000";
              i++; /* the escaped character cannot end the string */
            }
          continue;
        }
      switch (c)
        {
        case '"':
          in_string = true;
          break;
        case '[':
        case '{':
          if (++depth > HUSK_JSON_MAX_DEPTH)
            return "nested deeper than " STRINGIFY (HUSK_JSON_MAX_DEPTH) " levels";
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        case '/':
          return "comments are not allowed";
        }
    }
  return NULL;
}

int
husk_json_parse (const char *doc, const char *text, size_t len, yajl_val *out, husk_err_t **err)
{
  if (text == NULL)
    text = "";
  const char *refused = prescan (text, len);
  if (refused != NULL)
    return husk_error (err, 0, "%s: invalid JSON: %s", doc, refused);

  char why[256] = "";
  yajl_val tree = husk_json_tree_parse (text, len, why, sizeof why);
  if (tree == NULL)
    {
      /* yajl appends the offending text and a caret on further lines. */
      size_t end = strcspn (why, "\n");
      while (end > 0 && why[end - 1] == ' ')
        end--;
      why[end] = '\0';
      return husk_error (err, 0, "%s: invalid JSON: %s", doc, end ? why : "unknown error");
    }
  *out = tree;
  return 0;
}

void
husk_json_freep (yajl_val *v)
{
  husk_json_tree_free (*v);
  *v = NULL;
}

static const char *
jpath_doc (const struct husk_jpath *p)
{
  while (p->parent)
    p = p->parent;
  return p->key ? p->key : "json";
}

char *
husk_jpath_str (const struct husk_jpath *p)
{
  size_t n = 0;
  for (const struct husk_jpath *s = p; s && s->parent; s = s->parent)
    n++;
  cleanup_free const struct husk_jpath **steps = xmalloc0 ((n + 1) * sizeof *steps);
  size_t i = n;
  for (const struct husk_jpath *s = p; s && s->parent; s = s->parent)
    steps[--i] = s;

  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);
  if (f == NULL)
    abort ();
  for (i = 0; i < n; i++)
    {
      const struct husk_jpath *s = steps[i];
      if (s->key == NULL)
        fprintf (f, "[%zu]", s->index);
      else if (s->map_key)
        fprintf (f, "[\"%s\"]", s->key);
      else
        fprintf (f, "%s%s", i ? "." : "", s->key);
    }
  if (fclose (f) != 0)
    abort ();
  return buf;
}

int
husk_json_error (husk_err_t **err, const struct husk_jpath *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  cleanup_free char *path = husk_jpath_str (p);
  if (*path == '\0')
    return husk_error (err, 0, "%s: %s", jpath_doc (p), msg);
  return husk_error (err, 0, "%s: %s: %s", jpath_doc (p), path, msg);
}

yajl_val
husk_json_member (yajl_val obj, const char *key)
{
  if (!YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = obj->u.object.len; i-- > 0;)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      {
        yajl_val v = obj->u.object.values[i];
        return YAJL_IS_NULL (v) ? NULL : v;
      }
  return NULL;
}

int
husk_json_expect_object (yajl_val v, const struct husk_jpath *p, husk_err_t **err)
{
  if (!YAJL_IS_OBJECT (v))
    return husk_json_error (err, p, "expected an object");
  return 0;
}

int
husk_json_string (yajl_val v, const struct husk_jpath *p, char **out, husk_err_t **err)
{
  if (!YAJL_IS_STRING (v))
    return husk_json_error (err, p, "expected a string");
  *out = xstrdup (v->u.string);
  return 0;
}

int
husk_json_bool (yajl_val v, const struct husk_jpath *p, bool *out, husk_err_t **err)
{
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    return husk_json_error (err, p, "expected a boolean");
  *out = YAJL_IS_TRUE (v);
  return 0;
}

/* A JSON integer as sign and magnitude, read from yajl's raw text so that
   values beyond int64 (uint64 limits) survive.  Fails on anything but an
   integer (fractions, exponents included); returns 1 beyond 64 bits. */
static int
integer_parts (yajl_val v, const struct husk_jpath *p, bool *negative, uint64_t *magnitude,
               husk_err_t **err)
{
  const char *raw = YAJL_IS_NUMBER (v) ? v->u.number.r : NULL;
  const char *digits = raw ? raw + (*raw == '-') : "";
  if (*digits == '\0' || digits[strspn (digits, "0123456789")] != '\0')
    return husk_json_error (err, p, "expected an integer");
  *negative = *raw == '-';
  return husk_parse_u64 (digits, magnitude) < 0 ? 1 : 0;
}

int
husk_json_int (yajl_val v, const struct husk_jpath *p, int64_t min, int64_t max, int64_t *out,
               husk_err_t **err)
{
  bool negative = false;
  uint64_t magnitude;
  int r = integer_parts (v, p, &negative, &magnitude, err);
  if (r < 0)
    return -1;
  int64_t value = 0;
  bool fits = r == 0;
  if (fits && negative)
    {
      fits = magnitude <= (uint64_t)INT64_MAX + 1;
      /* -(m - 1) - 1 stays inside int64 even for INT64_MIN. */
      value = magnitude ? -(int64_t)(magnitude - 1) - 1 : 0;
    }
  else if (fits)
    {
      fits = magnitude <= (uint64_t)INT64_MAX;
      value = (int64_t)magnitude;
    }
  if (!fits || value < min || value > max)
    return husk_json_error (err, p, "value %s out of range (%" PRId64 " to %" PRId64 ")",
                            v->u.number.r, min, max);
  *out = value;
  return 0;
}

int
husk_json_uint (yajl_val v, const struct husk_jpath *p, uint64_t max, uint64_t *out,
                husk_err_t **err)
{
  bool negative = false;
  uint64_t magnitude;
  int r = integer_parts (v, p, &negative, &magnitude, err);
  if (r < 0)
    return -1;
  if (r > 0 || (negative && magnitude != 0) || magnitude > max)
    return husk_json_error (err, p, "value %s out of range (0 to %" PRIu64 ")", v->u.number.r, max);
  *out = magnitude;
  return 0;
}
