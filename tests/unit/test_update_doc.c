/* update's documents: go-units sizes, runc's flags as a linux.resources
   overlay, and the merge over what the container has (checked by parsing the
   result back with husk_resources_parse, the way update uses it). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "husk/spec.h"
#include "husk/update_doc.h"
#include "husk/util.h"

#include "check_main.h"

/* ---------------------------------------------------------------- sizes */

static int64_t
ram_ok (const char *s)
{
  int64_t v = -7;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_parse_ram (s, &v, &err) == 0, "\"%s\" refused: %s", s, err ? err->msg : "");
  return v;
}

static void
ram_bad (const char *s)
{
  int64_t v = -7;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_parse_ram (s, &v, &err) < 0, "\"%s\" accepted as %lld", s, (long long)v);
  cleanup_free char *want = xasprintf ("invalid size: '%s'", s);
  ck_assert_msg (husk_has_prefix (err->msg, want), "\"%s\": %s", s, err->msg);
  ck_assert_int_eq (v, -7);
}

START_TEST (ram_sizes_as_go_units)
{
  ck_assert_int_eq (ram_ok ("0"), 0);
  ck_assert_int_eq (ram_ok ("1024"), 1024);
  ck_assert_int_eq (ram_ok ("512m"), 512LL << 20);
  ck_assert_int_eq (ram_ok ("512M"), 512LL << 20);
  ck_assert_int_eq (ram_ok ("64k"), 64LL << 10);
  ck_assert_int_eq (ram_ok ("64KiB"), 64LL << 10);
  ck_assert_int_eq (ram_ok ("64 kb"), 64LL << 10);
  ck_assert_int_eq (ram_ok ("2g"), 2LL << 30);
  ck_assert_int_eq (ram_ok ("1t"), 1LL << 40);
  ck_assert_int_eq (ram_ok ("3p"), 3LL << 50);
  ck_assert_int_eq (ram_ok ("100b"), 100);
  /* fractions are multiplied, then truncated */
  ck_assert_int_eq (ram_ok ("1.5k"), 1536);
  ck_assert_int_eq (ram_ok ("1.5g"), 1610612736LL);
  ck_assert_int_eq (ram_ok ("0.3k"), 307);
}
END_TEST

START_TEST (ram_sizes_refused)
{
  ram_bad ("");
  ram_bad ("m");
  ram_bad ("-1"); /* the caller handles "-1" itself */
  ram_bad ("12x");
  ram_bad ("1.k");
  ram_bad ("1.2.3");
  ram_bad ("1  m");
  ram_bad ("1mm");
  ram_bad ("1e3");
  ram_bad ("9999999999p"); /* beyond int64 */
}
END_TEST

/* ---------------------------------------------------------------- flags */

static char *
flags_doc (const struct husk_update_flags *f)
{
  char *json = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_update_flags_doc (f, &json, &err) == 0, "%s", err ? err->msg : "");
  return json;
}

START_TEST (flags_become_an_overlay)
{
  struct husk_update_flags f = { .memory = "48m",
                                 .pids_limit = "40",
                                 .cpu_quota = "20000",
                                 .cpu_period = "100000",
                                 .cpu_shares = "2048",
                                 .cpuset_cpus = "0",
                                 .blkio_weight = "300",
                                 .memory_swap = "-1",
                                 .cpu_idle = "1" };
  cleanup_free char *json = flags_doc (&f);
  ck_assert_str_eq (json, "{\"memory\":{\"limit\":50331648,\"swap\":-1},"
                          "\"cpu\":{\"shares\":2048,\"quota\":20000,\"period\":100000,"
                          "\"cpus\":\"0\",\"idle\":1},"
                          "\"blockIO\":{\"weight\":300},\"pids\":{\"limit\":40}}");
  /* and it is a valid linux.resources document */
  struct husk_resources *r = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_resources_parse (json, strlen (json), &r, &err), 0);
  ck_assert_int_eq (r->memory->limit.value, 50331648);
  ck_assert_int_eq (r->cpu->shares.value, 2048);
  ck_assert_int_eq (r->pids_limit.value, 40);
  husk_resources_free (r);
}
END_TEST

START_TEST (flags_not_given_or_zero)
{
  struct husk_update_flags none = { 0 };
  cleanup_free char *empty = flags_doc (&none);
  ck_assert_str_eq (empty, "{}");
  /* runc's int flags: 0 is "not given"; empty cpuset strings likewise */
  struct husk_update_flags zero = { .pids_limit = "0", .blkio_weight = "0", .cpuset_mems = "" };
  cleanup_free char *z = flags_doc (&zero);
  ck_assert_str_eq (z, "{}");
  struct husk_update_flags neg = { .pids_limit = "-1", .memory = "-1", .cpu_quota = "-1" };
  cleanup_free char *n = flags_doc (&neg);
  ck_assert_str_eq (n,
                    "{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":-1}}");
}
END_TEST

static void
flag_bad (const struct husk_update_flags *f, const char *want)
{
  char *json = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_lt (husk_update_flags_doc (f, &json, &err), 0);
  ck_assert_ptr_null (json);
  ck_assert_msg (strstr (err->msg, want) != NULL, "[%s] not in [%s]", want, err->msg);
}

START_TEST (flags_refused_naming_the_flag)
{
  flag_bad (&(struct husk_update_flags){ .memory = "12x" },
            "invalid value for --memory: invalid size: '12x'");
  flag_bad (&(struct husk_update_flags){ .memory_swap = "-2" }, "--memory-swap");
  flag_bad (&(struct husk_update_flags){ .cpu_period = "-5" },
            "invalid value for --cpu-period: \"-5\" is not an unsigned integer");
  flag_bad (&(struct husk_update_flags){ .cpu_shares = "lots" }, "--cpu-share");
  flag_bad (&(struct husk_update_flags){ .cpu_quota = "1.5" }, "--cpu-quota");
  flag_bad (&(struct husk_update_flags){ .pids_limit = "ten" },
            "invalid value for --pids-limit: \"ten\" is not an integer");
}
END_TEST

/* ---------------------------------------------------------------- merge */

static char *
merge_ok (const char *base, const char *overlay)
{
  char *out = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_msg (husk_update_merge ("config.json", base, base ? strlen (base) : 0, overlay,
                                    strlen (overlay), &out, &err)
                     == 0,
                 "%s", err ? err->msg : "");
  return out;
}

START_TEST (merge_member_by_member)
{
  cleanup_free char *m = merge_ok (
      "{\"memory\":{\"limit\":67108864,\"swap\":134217728},\"cpu\":{\"quota\":50000,"
      "\"period\":100000},\"unified\":{\"memory.high\":\"max\"},\"devices\":[{\"allow\":false,"
      "\"access\":\"rwm\"}]}",
      "{\"memory\":{\"limit\":100663296},\"cpu\":{\"quota\":20000},\"pids\":{\"limit\":5}}");
  /* base order kept, the overlay's new members last; quota changes, period stays */
  ck_assert_str_eq (m, "{\"memory\":{\"limit\":100663296,\"swap\":134217728},"
                       "\"cpu\":{\"quota\":20000,\"period\":100000},"
                       "\"unified\":{\"memory.high\":\"max\"},"
                       "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
                       "\"pids\":{\"limit\":5}}");
}
END_TEST

START_TEST (merge_replaces_arrays_and_ignores_nulls)
{
  cleanup_free char *m
      = merge_ok ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],\"pids\":{\"limit\":5}}",
                  "{\"devices\":[{\"allow\":true,\"access\":\"r\"}],\"pids\":null,"
                  "\"cpu\":{\"cpus\":null,\"mems\":\"0\"}}");
  ck_assert_str_eq (m, "{\"devices\":[{\"allow\":true,\"access\":\"r\"}],\"pids\":{\"limit\":5},"
                       "\"cpu\":{\"mems\":\"0\"}}");
  /* no base at all (a config without linux.resources) */
  cleanup_free char *n = merge_ok (NULL, "{\"pids\":{\"limit\":7}}");
  ck_assert_str_eq (n, "{\"pids\":{\"limit\":7}}");
  cleanup_free char *e = merge_ok ("{}", "{}");
  ck_assert_str_eq (e, "{}");
}
END_TEST

START_TEST (merge_unlimited_memory_unlimits_swap)
{
  /* runc: memory.limit -1 without a swap setting means swap -1 too */
  cleanup_free char *m = merge_ok ("{\"memory\":{\"limit\":1048576,\"swap\":2097152}}",
                                   "{\"memory\":{\"limit\":-1}}");
  ck_assert_str_eq (m, "{\"memory\":{\"limit\":-1,\"swap\":-1}}");
  /* ... but an explicit swap wins */
  cleanup_free char *s = merge_ok ("{\"memory\":{\"limit\":1048576}}",
                                   "{\"memory\":{\"limit\":-1,\"swap\":4194304}}");
  ck_assert_str_eq (s, "{\"memory\":{\"limit\":-1,\"swap\":4194304}}");
}
END_TEST

static void
merge_bad (const char *base, const char *overlay, const char *want)
{
  char *out = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_lt (
      husk_update_merge ("config.json", base, strlen (base), overlay, strlen (overlay), &out, &err),
      0);
  ck_assert_ptr_null (out);
  ck_assert_msg (strstr (err->msg, want) != NULL, "[%s] not in [%s]", want, err->msg);
}

START_TEST (merge_refuses_non_objects)
{
  merge_bad ("{}", "[1]", "resources.json: expected a JSON object");
  merge_bad ("{}", "{\"pids\":", "resources.json: invalid JSON");
  merge_bad ("7", "{}", "config.json: expected a JSON object");
}
END_TEST

START_TEST (config_resources_extracted)
{
  const char *cfg = "{\"ociVersion\":\"1.0.2\",\"linux\":{\"namespaces\":[],\"resources\":"
                    "{\"pids\":{\"limit\":9},\"memory\":{\"limit\":4096}}}}";
  char *out = NULL;
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (husk_config_resources_doc (cfg, strlen (cfg), &out, &err), 0);
  ck_assert_str_eq (out, "{\"pids\":{\"limit\":9},\"memory\":{\"limit\":4096}}");
  free (out);
  const char *bare = "{\"linux\":{}}";
  ck_assert_int_eq (husk_config_resources_doc (bare, strlen (bare), &out, &err), 0);
  ck_assert_str_eq (out, "{}");
  free (out);
  const char *bad = "{\"linux\":{\"resources\":[]}}";
  ck_assert_int_lt (husk_config_resources_doc (bad, strlen (bad), &out, &err), 0);
  ck_assert_str_eq (err->msg, "config.json: linux.resources: expected an object");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("update_doc");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, ram_sizes_as_go_units);
  tcase_add_test (tc, ram_sizes_refused);
  tcase_add_test (tc, flags_become_an_overlay);
  tcase_add_test (tc, flags_not_given_or_zero);
  tcase_add_test (tc, flags_refused_naming_the_flag);
  tcase_add_test (tc, merge_member_by_member);
  tcase_add_test (tc, merge_replaces_arrays_and_ignores_nulls);
  tcase_add_test (tc, merge_unlimited_memory_unlimits_swap);
  tcase_add_test (tc, merge_refuses_non_objects);
  tcase_add_test (tc, config_resources_extracted);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
