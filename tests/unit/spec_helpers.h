/* Helpers shared by the config.json suites (test_spec.c, test_validate.c). */
#ifndef HUSK_TEST_SPEC_HELPERS_H
#define HUSK_TEST_SPEC_HELPERS_H

#include <check.h>
#include <fcntl.h>
#include <string.h>

#include "husk/spec.h"
#include "husk/util.h"

/* Test documents are written with single quotes to stay readable in C;
   turn them into JSON's double quotes. */
static inline char *
json_of (const char *single_quoted)
{
  char *s = xstrdup (single_quoted);
  for (char *c = s; *c; c++)
    if (*c == '\'')
      *c = '"';
  return s;
}

/* Parse a single-quoted document that must be accepted. */
static inline struct husk_spec *
parse_ok (const char *single_quoted)
{
  cleanup_free char *json = json_of (single_quoted);
  cleanup_err husk_err_t *err = NULL;
  struct husk_spec *spec = NULL;
  int r = husk_spec_parse (json, strlen (json), &spec, &err);
  ck_assert_msg (r == 0, "parse failed: %s", err ? err->msg : "?");
  ck_assert_ptr_nonnull (spec);
  return spec;
}

/* Parse a fixture file under FIXTURES_DIR/spec. */
static inline struct husk_spec *
parse_fixture (const char *name)
{
  cleanup_free char *path = xasprintf ("%s/spec/%s", FIXTURES_DIR, name);
  cleanup_free char *json = NULL;
  cleanup_err husk_err_t *err = NULL;
  size_t len = 0;
  ck_assert_int_eq (husk_read_file_at (AT_FDCWD, path, &json, &len, &err), 0);
  struct husk_spec *spec = NULL;
  int r = husk_spec_parse (json, len, &spec, &err);
  ck_assert_msg (r == 0, "%s: %s", name, err ? err->msg : "?");
  return spec;
}

/* One document and the exact error it must produce. */
struct error_case
{
  const char *json; /* single-quoted */
  const char *message;
};

#endif
