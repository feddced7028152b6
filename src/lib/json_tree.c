/* yajl_val trees built from yajl's callback parser into one arena: the same
   nodes yajl_tree_parse makes, without a malloc per node and string and a
   recursive free of each (they were half of `create`'s user-space
   instructions).  See husk_json_tree_parse in include/husk/json.h. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "husk/json.h"
#include "husk/util.h"

/* ---- the arena ---- */

struct chunk
{
  struct chunk *next;
  size_t used, size;
  max_align_t data[]; /* size bytes */
};

/* The first allocation of a document: the chunk list and the root node,
   so that freeing the root finds the arena. */
struct doc
{
  struct chunk *chunks;
  struct yajl_val_s root;
};

static void *
arena_alloc (struct chunk **chunks, size_t n)
{
  n = (n + sizeof (max_align_t) - 1) & ~(sizeof (max_align_t) - 1);
  struct chunk *c = *chunks;
  if (c == NULL || c->size - c->used < n)
    {
      size_t size = c ? c->size * 2 : 16384;
      if (size < n)
        size = n;
      c = xrealloc (NULL, sizeof *c + size); /* not zeroed: every node is filled in */
      c->size = size;
      c->used = 0;
      c->next = *chunks;
      *chunks = c;
    }
  void *p = (char *)c->data + c->used;
  c->used += n;
  return p;
}

static void
arena_free (struct chunk *c)
{
  while (c)
    {
      struct chunk *next = c->next;
      free (c);
      c = next;
    }
}

/* ---- building ---- */

/* Values of the containers still open, in document order: each container
   keeps where its members start, and on close they move into the arena as
   its arrays. */
struct slot
{
  const char *key; /* object members */
  yajl_val value;
};

struct builder
{
  struct doc *doc;
  struct slot *slots;
  size_t n_slots, cap_slots;
  size_t open[HUSK_JSON_MAX_DEPTH + 1]; /* first slot of each open container */
  yajl_val open_val[HUSK_JSON_MAX_DEPTH + 1];
  size_t depth;
  const char *key; /* the key just read, for the next value */
  yajl_val top;    /* the document's value once complete */
};

static void *
alloc (struct builder *b, size_t n)
{
  return arena_alloc (&b->doc->chunks, n);
}

static char *
copy_str (struct builder *b, const unsigned char *s, size_t len)
{
  char *r = alloc (b, len + 1);
  memcpy (r, s, len);
  r[len] = '\0';
  return r;
}

static yajl_val
new_node (struct builder *b, yajl_type type)
{
  yajl_val v = alloc (b, sizeof *v);
  memset (v, 0, sizeof *v);
  v->type = type;
  return v;
}

/* Attach v to the open container, or make it the document's value. */
static int
add (struct builder *b, yajl_val v)
{
  if (b->depth == 0)
    {
      b->top = v;
      return 1;
    }
  if (b->n_slots == b->cap_slots)
    {
      b->cap_slots = b->cap_slots ? b->cap_slots * 2 : 256;
      b->slots = xrealloc (b->slots, b->cap_slots * sizeof *b->slots);
    }
  b->slots[b->n_slots++] = (struct slot){ b->key, v };
  b->key = NULL;
  return 1;
}

static int
open_container (struct builder *b, yajl_type type)
{
  if (b->depth == HUSK_JSON_MAX_DEPTH) /* prescan refuses such documents first */
    return 0;
  yajl_val v = new_node (b, type);
  if (!add (b, v))
    return 0;
  b->open[b->depth] = b->n_slots;
  b->open_val[b->depth] = v;
  b->depth++;
  return 1;
}

static int
close_container (struct builder *b)
{
  yajl_val v = b->open_val[--b->depth];
  size_t first = b->open[b->depth], n = b->n_slots - first;
  yajl_val *values = alloc (b, n * sizeof *values);
  for (size_t i = 0; i < n; i++)
    values[i] = b->slots[first + i].value;
  if (v->type == yajl_t_object)
    {
      const char **keys = alloc (b, n * sizeof *keys);
      for (size_t i = 0; i < n; i++)
        keys[i] = b->slots[first + i].key;
      v->u.object.keys = keys;
      v->u.object.values = values;
      v->u.object.len = n;
    }
  else
    {
      v->u.array.values = values;
      v->u.array.len = n;
    }
  b->n_slots = first;
  return 1;
}

/* As yajl_tree: the raw text, an integer when it is one that fits (digits
   only: "1.0" and "1e3" are not), a double when strtod takes all of it. */
static int
on_number (void *ctx, const char *s, size_t len)
{
  struct builder *b = ctx;
  yajl_val v = new_node (b, yajl_t_number);
  char *r = copy_str (b, (const unsigned char *)s, len);
  v->u.number.r = r;
  const char *digits = r + (r[0] == '-');
  if (*digits != '\0' && strspn (digits, "0123456789") == strlen (digits))
    {
      errno = 0;
      long long i = strtoll (r, NULL, 10);
      if (errno == 0)
        {
          v->u.number.i = i;
          v->u.number.flags |= YAJL_NUMBER_INT_VALID;
        }
    }
  char *end = NULL;
  errno = 0;
  v->u.number.d = strtod (r, &end);
  if (errno == 0 && end != NULL && *end == '\0')
    v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
  return add (b, v);
}

static int
on_string (void *ctx, const unsigned char *s, size_t len)
{
  struct builder *b = ctx;
  yajl_val v = new_node (b, yajl_t_string);
  v->u.string = copy_str (b, s, len);
  return add (b, v);
}

static int
on_null (void *ctx)
{
  return add (ctx, new_node (ctx, yajl_t_null));
}

static int
on_boolean (void *ctx, int value)
{
  return add (ctx, new_node (ctx, value ? yajl_t_true : yajl_t_false));
}

static int
on_map_key (void *ctx, const unsigned char *s, size_t len)
{
  struct builder *b = ctx;
  b->key = copy_str (b, s, len);
  return 1;
}

static int
on_start_map (void *ctx)
{
  return open_container (ctx, yajl_t_object);
}

static int
on_start_array (void *ctx)
{
  return open_container (ctx, yajl_t_array);
}

static int
on_end (void *ctx)
{
  return close_container (ctx);
}

static const yajl_callbacks callbacks = {
  .yajl_null = on_null,
  .yajl_boolean = on_boolean,
  .yajl_number = on_number,
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_map_key,
  .yajl_end_map = on_end,
  .yajl_start_array = on_start_array,
  .yajl_end_array = on_end,
};

yajl_val
husk_json_tree_parse (const char *text, size_t len, char *why, size_t why_size)
{
  struct chunk *chunks = NULL;
  struct doc *doc = arena_alloc (&chunks, sizeof *doc);
  doc->chunks = chunks; /* later chunks go in front of this one */
  struct builder b = { .doc = doc };
  yajl_handle h = yajl_alloc (&callbacks, NULL, &b);
  yajl_status st = yajl_parse (h, (const unsigned char *)text, len);
  if (st == yajl_status_ok)
    st = yajl_complete_parse (h);
  if (st != yajl_status_ok || b.top == NULL)
    {
      if (why_size > 0)
        {
          unsigned char *msg = yajl_get_error (h, 1, (const unsigned char *)text, len);
          snprintf (why, why_size, "%s", msg ? (const char *)msg : "unknown error");
          yajl_free_error (h, msg);
        }
      yajl_free (h);
      free (b.slots);
      arena_free (doc->chunks);
      return NULL;
    }
  yajl_free (h);
  free (b.slots);
  doc->root = *b.top;
  return &doc->root;
}

void
husk_json_tree_free (yajl_val root)
{
  if (root == NULL)
    return;
  struct doc *doc = (struct doc *)((char *)root - offsetof (struct doc, root));
  arena_free (doc->chunks);
}
