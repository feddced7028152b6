/* Reading JSON documents (config.json, process.json, ...) through yajl's tree
   API with errors that name the document and the JSON path, e.g.
   "config.json: mounts[2].destination: expected a string".

   Two layers: typed getters for single values, and a small table-driven
   engine that fills a C struct from an object described by a field table
   (and frees it again from the same table). */
#ifndef HUSK_JSON_H
#define HUSK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "husk/error.h"

/* Deeper documents are refused (a bound for the tree builder's stack). */
#define HUSK_JSON_MAX_DEPTH 128

/* One step of a JSON path, chained on the caller's stack.  The root step
   has no parent and carries the document name ("config.json"). */
struct husk_jpath
{
  const struct husk_jpath *parent;
  const char *key; /* member name; NULL for an array index */
  size_t index;
  bool map_key; /* key of a free-form object: printed as ["key"] */
};

#define HUSK_JPATH_ROOT(doc)    ((struct husk_jpath){ .key = (doc) })
#define HUSK_JPATH_KEY(p, k)    ((struct husk_jpath){ .parent = (p), .key = (k) })
#define HUSK_JPATH_MAPKEY(p, k) ((struct husk_jpath){ .parent = (p), .key = (k), .map_key = true })
#define HUSK_JPATH_INDEX(p, i)  ((struct husk_jpath){ .parent = (p), .index = (i) })

/* "mounts[2].destination" (without the document name); "" at the root. */
char *husk_jpath_str (const struct husk_jpath *p);

/* Fail with "<doc>: <path>: <message>" (or "<doc>: <message>" at the root). */
int husk_json_error (husk_err_t **err, const struct husk_jpath *p, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Parse len bytes of text (no NUL needed).  Malformed input fails with
   "<doc>: invalid JSON: <reason>" on one line. */
int husk_json_parse (const char *doc, const char *text, size_t len, yajl_val *out,
                     husk_err_t **err);
void husk_json_freep (yajl_val *v);
#define cleanup_json __attribute__ ((cleanup (husk_json_freep)))

/* The tree underneath (json_tree.c): yajl_tree_parse's nodes, built in one
   arena; freed only with husk_json_tree_free.  NULL on malformed input,
   with yajl's verbose message in why. */
yajl_val husk_json_tree_parse (const char *text, size_t len, char *why, size_t why_size);
void husk_json_tree_free (yajl_val root);

/* Member `key` of an object; the last one when repeated (as Go's decoder
   does).  NULL when obj is not an object, the member is absent, or null. */
yajl_val husk_json_member (yajl_val obj, const char *key);

/* Typed getters: v must be non-NULL; on a type mismatch they fail naming p. */
int husk_json_expect_object (yajl_val v, const struct husk_jpath *p, husk_err_t **err);
int husk_json_string (yajl_val v, const struct husk_jpath *p, char **out, husk_err_t **err);
int husk_json_bool (yajl_val v, const struct husk_jpath *p, bool *out, husk_err_t **err);
/* Integers in [min, max]; fractions, exponents and overflow are errors. */
int husk_json_int (yajl_val v, const struct husk_jpath *p, int64_t min, int64_t max, int64_t *out,
                   husk_err_t **err);
int husk_json_uint (yajl_val v, const struct husk_jpath *p, uint64_t max, uint64_t *out,
                    husk_err_t **err);

/* ---- struct tables ---- */

enum husk_jtype
{
  HUSK_JT_STRING,      /* char * */
  HUSK_JT_BOOL,        /* bool */
  HUSK_JT_OPT_BOOL,    /* husk_opt_bool */
  HUSK_JT_I32,         /* int32_t */
  HUSK_JT_U32,         /* uint32_t */
  HUSK_JT_I64,         /* int64_t */
  HUSK_JT_U64,         /* uint64_t */
  HUSK_JT_OPT_U16,     /* husk_opt_u32 holding a uint16 */
  HUSK_JT_OPT_U32,     /* husk_opt_u32 */
  HUSK_JT_OPT_I64,     /* husk_opt_i64 */
  HUSK_JT_OPT_U64,     /* husk_opt_u64 */
  HUSK_JT_STRV,        /* char ** (NULL-terminated) + size_t count at aux */
  HUSK_JT_U32V,        /* uint32_t * + size_t count at aux */
  HUSK_JT_KV,          /* struct husk_kv * + size_t count at aux: object of strings */
  HUSK_JT_OBJECT,      /* pointer to a struct of `desc`, NULL when absent */
  HUSK_JT_INLINE,      /* nested object whose members `desc` places in this struct */
  HUSK_JT_INLINE_FLAG, /* same, and sets the bool at aux when present */
  HUSK_JT_ARRAY,       /* array of `desc` structs + size_t count at aux */
  HUSK_JT_MAP,         /* object of objects: array of `desc` structs + count at aux */
  HUSK_JT_MAP_KEY,     /* char *: receives the member name of a HUSK_JT_MAP entry */
  HUSK_JT_CUSTOM,      /* parse/release below */
};

struct husk_jdesc;

struct husk_jfield
{
  const char *name;
  enum husk_jtype type;
  size_t off; /* of the C member; for INLINE: added to the nested offsets */
  size_t aux; /* count or presence flag, see the types */
  bool required;
  const struct husk_jdesc *desc;
  /* HUSK_JT_CUSTOM: v is the member's non-null value, field points at off. */
  int (*parse) (yajl_val v, const struct husk_jpath *p, void *field, husk_err_t **err);
  void (*release) (void *field);
};

struct husk_jdesc
{
  size_t size;
  const struct husk_jfield *fields;
  size_t n_fields;
  /* Rules across members of one object, run after its fields are read;
     v is the object itself. */
  int (*check) (const void *obj, yajl_val v, const struct husk_jpath *p, husk_err_t **err);
};

/* Table rows, e.g. HUSK_JFIELD (struct husk_root, "path", STRING, path, .required = true);
   HUSK_JCOUNTED also records where the element count goes. */
#define HUSK_JFIELD(ST, J, T, M, ...)                                                              \
  {                                                                                                \
    .name = (J), .type = HUSK_JT_##T, .off = offsetof (ST, M), __VA_ARGS__                         \
  }
#define HUSK_JCOUNTED(ST, J, T, M, N, ...)                                                         \
  {                                                                                                \
    .name = (J), .type = HUSK_JT_##T, .off = offsetof (ST, M), .aux = offsetof (ST, N),            \
    __VA_ARGS__                                                                                    \
  }

#define HUSK_JDESC(type, field_table, ...)                                                         \
  {                                                                                                \
    .size = sizeof (type), .fields = (field_table),                                                \
    .n_fields = sizeof (field_table) / sizeof ((field_table)[0]), __VA_ARGS__                      \
  }

/* Fill obj (zeroed, d->size bytes) from the object v.  On failure obj may be
   partly filled: release it with husk_json_struct_clear. */
int husk_json_struct (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d, void *obj,
                      husk_err_t **err);
/* Free what husk_json_struct allocated inside obj (not obj itself). */
void husk_json_struct_clear (const struct husk_jdesc *d, void *obj);

/* Allocate and fill a struct from v; *out stays NULL on failure. */
int husk_json_struct_new (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d,
                          void **out, husk_err_t **err);
void husk_json_struct_free (const struct husk_jdesc *d, void *obj);

/* An array of structs: *out and *n are set even on failure, for the free. */
int husk_json_array (yajl_val v, const struct husk_jpath *p, const struct husk_jdesc *d, void **out,
                     size_t *n, husk_err_t **err);
void husk_json_array_free (const struct husk_jdesc *d, void *array, size_t n);

#endif
