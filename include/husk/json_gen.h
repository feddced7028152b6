/* Writing JSON with yajl_gen: the two steps every writer repeats. */
#ifndef HUSK_JSON_GEN_H
#define HUSK_JSON_GEN_H

#include <string.h>
#include <yajl/yajl_gen.h>

#include "husk/util.h"

/* A NUL-terminated string as a JSON string. */
static inline void
husk_gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

/* The generated text as a new string; g is freed. */
static inline char *
husk_gen_take (yajl_gen g)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = xstrndup ((const char *)buf, len);
  yajl_gen_free (g);
  return r;
}

#endif
