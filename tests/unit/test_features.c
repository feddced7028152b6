/* The features document: its JSON shape, and that every name it lists is
   one the parser and translators accept (the lists come from their tables,
   this checks it from the other side, through their lookups). */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "husk/caps.h"
#include "husk/features.h"
#include "husk/mount_opts.h"
#include "husk/proc_attrs.h"
#include "husk/seccomp.h"
#include "husk/spec.h"
#include "husk/util.h"

#include "check_main.h"

static yajl_val
parse (const char *json)
{
  char why[256] = "";
  yajl_val v = yajl_tree_parse (json, why, sizeof why);
  ck_assert_msg (v != NULL, "not JSON (%s):\n%s", why, json);
  return v;
}

static yajl_val
get (yajl_val root, yajl_type type, ...)
{
  const char *path[8];
  va_list ap;
  va_start (ap, type);
  size_t n = 0;
  while (n < ARRAY_SIZE (path) - 1 && (path[n] = va_arg (ap, const char *)) != NULL)
    n++;
  path[n] = NULL;
  va_end (ap);
  return yajl_tree_get (root, path, type);
}

static size_t
count (const char *const *list)
{
  size_t n = 0;
  while (list && list[n])
    n++;
  return n;
}

/* The JSON array at `node` holds exactly `list`, in order. */
static void
assert_array_is (yajl_val node, const char *const *list, const char *what)
{
  ck_assert_msg (node && YAJL_IS_ARRAY (node), "%s: not an array", what);
  ck_assert_uint_eq (YAJL_GET_ARRAY (node)->len, count (list));
  for (size_t i = 0; i < count (list); i++)
    {
      yajl_val s = YAJL_GET_ARRAY (node)->values[i];
      ck_assert_msg (YAJL_IS_STRING (s), "%s[%zu]: not a string", what, i);
      ck_assert_str_eq (YAJL_GET_STRING (s), list[i]);
    }
}

static void
assert_unique (const char *const *list, const char *what)
{
  for (size_t i = 0; list[i]; i++)
    for (size_t j = i + 1; list[j]; j++)
      ck_assert_msg (strcmp (list[i], list[j]) != 0, "%s: \"%s\" twice", what, list[i]);
}

/* ---- the document as collected ---- */

START_TEST (test_collected_document_shape)
{
  struct husk_features f;
  husk_features_collect (&f);
  cleanup_free char *json = husk_features_json (&f);
  yajl_val root = parse (json);

  ck_assert_str_eq (YAJL_GET_STRING (get (root, yajl_t_string, "ociVersionMin", NULL)), "1.0.0");
  ck_assert_str_eq (YAJL_GET_STRING (get (root, yajl_t_string, "ociVersionMax", NULL)),
                    HUSK_SPEC_VERSION);
  assert_array_is (get (root, yajl_t_array, "hooks", NULL), f.hooks, "hooks");
  assert_array_is (get (root, yajl_t_array, "mountOptions", NULL), f.mount_options, "mountOptions");
  assert_array_is (get (root, yajl_t_array, "linux", "namespaces", NULL), f.namespaces,
                   "namespaces");
  assert_array_is (get (root, yajl_t_array, "linux", "capabilities", NULL), f.capabilities,
                   "capabilities");
  assert_array_is (get (root, yajl_t_array, "linux", "seccomp", "actions", NULL), f.seccomp_actions,
                   "actions");
  assert_array_is (get (root, yajl_t_array, "linux", "seccomp", "supportedFlags", NULL),
                   f.seccomp_supported_flags, "supportedFlags");
  assert_array_is (get (root, yajl_t_array, "linux", "memoryPolicy", "modes", NULL),
                   f.memory_policy_modes, "memoryPolicy.modes");
  ck_assert (YAJL_IS_TRUE (get (root, yajl_t_any, "linux", "cgroup", "v2", NULL)));
  ck_assert (YAJL_IS_FALSE (get (root, yajl_t_any, "linux", "cgroup", "v1", NULL)));
  ck_assert (YAJL_IS_TRUE (get (root, yajl_t_any, "linux", "seccomp", "enabled", NULL)));
  ck_assert_ptr_nonnull (
      get (root, yajl_t_any, "linux", "mountExtensions", "idmap", "enabled", NULL));
  ck_assert_ptr_nonnull (get (root, yajl_t_any, "linux", "netDevices", "enabled", NULL));
  ck_assert_str_eq (
      YAJL_GET_STRING (get (root, yajl_t_string, "annotations", "io.github.husk.version", NULL)),
      HUSK_VERSION);
  ck_assert_ptr_nonnull (
      get (root, yajl_t_string, "annotations", "io.github.seccomp.libseccomp.version", NULL));
  yajl_tree_free (root);
}
END_TEST

START_TEST (test_lists_have_no_duplicates)
{
  struct husk_features f;
  husk_features_collect (&f);
  const char *const *lists[] = {
    f.hooks,
    f.mount_options,
    f.namespaces,
    f.capabilities,
    f.seccomp_actions,
    f.seccomp_operators,
    f.seccomp_archs,
    f.seccomp_known_flags,
    f.seccomp_supported_flags,
    f.memory_policy_modes,
    f.memory_policy_flags,
  };
  for (size_t i = 0; i < ARRAY_SIZE (lists); i++)
    {
      ck_assert_ptr_nonnull (lists[i]);
      assert_unique (lists[i], "list");
    }
}
END_TEST

/* ---- every name is accepted by the code that reads config.json ---- */

START_TEST (test_hooks_and_namespaces_known_to_the_parser)
{
  struct husk_features f;
  husk_features_collect (&f);
  ck_assert_uint_eq (count (f.hooks), HUSK_HOOK_KIND_COUNT);
  for (size_t i = 0; f.namespaces[i]; i++)
    {
      const struct husk_ns_info *ns = husk_ns_by_name (f.namespaces[i]);
      ck_assert_msg (ns != NULL, "namespace %s unknown to the parser", f.namespaces[i]);
      ck_assert_int_ne (ns->clone_flag, 0);
    }
  ck_assert_uint_eq (count (f.namespaces), HUSK_NS_KIND_COUNT);
  bool time = false;
  for (size_t i = 0; f.namespaces[i]; i++)
    time |= strcmp (f.namespaces[i], "time") == 0;
  ck_assert (time);
}
END_TEST

START_TEST (test_capabilities_resolve)
{
  struct husk_features f;
  husk_features_collect (&f);
  ck_assert_uint_ge (count (f.capabilities), 41); /* CAP_CHOWN .. CAP_CHECKPOINT_RESTORE */
  for (size_t i = 0; f.capabilities[i]; i++)
    ck_assert_int_eq (husk_cap_from_name (f.capabilities[i]), (int)i);
}
END_TEST

/* Listed options are exactly the table's, less extensions rootfs does not
   act on; and idmap is listed exactly when mountExtensions.idmap says so. */
START_TEST (test_mount_options_from_the_table)
{
  struct husk_features f;
  husk_features_collect (&f);
  size_t listed = count (f.mount_options), extensions_left_out = 0;
  for (size_t i = 0; f.mount_options[i]; i++)
    ck_assert_msg (husk_mount_option_lookup (f.mount_options[i]) != NULL, "%s not in the table",
                   f.mount_options[i]);
  bool idmap_listed = false;
  for (size_t i = 0; i < husk_mount_option_count; i++)
    {
      const struct husk_mount_option *o = &husk_mount_option_table[i];
      bool found = false;
      for (size_t j = 0; f.mount_options[j]; j++)
        found |= strcmp (f.mount_options[j], o->name) == 0;
      if (!found)
        {
          ck_assert_msg (o->kind == HUSK_MOUNT_OPT_EXTENSION, "%s left out", o->name);
          extensions_left_out++;
        }
      if (found && strcmp (o->name, "idmap") == 0)
        idmap_listed = true;
    }
  ck_assert_uint_eq (listed + extensions_left_out, husk_mount_option_count);
  ck_assert_int_eq (idmap_listed, f.idmap_mounts);
}
END_TEST

/* One rule per name through the real translator (compiled, never loaded). */
static int
build_seccomp (const char *action, const char *arch, const char *op, husk_err_t **err)
{
  /* libseccomp refuses a rule that repeats the default action */
  const char *default_action
      = strcmp (action, "SCMP_ACT_ALLOW") == 0 ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW";
  char *names[] = { (char *)"getppid", NULL };
  char *archs[] = { (char *)arch, NULL };
  struct husk_seccomp_arg arg = { .index = 0, .value = 1, .value_two = 1, .op = (char *)op };
  struct husk_seccomp_syscall rule = {
    .names = names,
    .n_names = 1,
    .action = (char *)action,
    .args = op ? &arg : NULL,
    .n_args = op ? 1 : 0,
  };
  struct husk_seccomp sc = {
    .default_action = (char *)default_action,
    .architectures = arch ? archs : NULL,
    .n_architectures = arch ? 1 : 0,
    .syscalls = &rule,
    .n_syscalls = 1,
  };
  struct husk_seccomp_prog *prog = NULL;
  int r = husk_seccomp_build (&sc, &prog, err);
  husk_seccomp_prog_free (prog);
  return r;
}

#define ASSERT_BUILDS(expr, name)                                                                  \
  do                                                                                               \
    {                                                                                              \
      cleanup_err husk_err_t *_err = NULL;                                                         \
      ck_assert_msg ((expr) == 0, "%s refused: %s", name, _err ? _err->msg : "?");                 \
    }                                                                                              \
  while (0)

START_TEST (test_seccomp_names_translate)
{
  struct husk_features f;
  husk_features_collect (&f);
  for (size_t i = 0; f.seccomp_actions[i]; i++)
    ASSERT_BUILDS (build_seccomp (f.seccomp_actions[i], NULL, NULL, &_err), f.seccomp_actions[i]);
  /* an architecture of the other byte order may be refused next to the
     native one, but never as unknown */
  for (size_t i = 0; f.seccomp_archs[i]; i++)
    {
      cleanup_err husk_err_t *err = NULL;
      if (build_seccomp ("SCMP_ACT_ERRNO", f.seccomp_archs[i], NULL, &err) < 0)
        ck_assert_msg (strstr (err->msg, "unknown") == NULL, "%s", err->msg);
    }
  cleanup_err husk_err_t *arch_err = NULL;
  ck_assert_int_lt (build_seccomp ("SCMP_ACT_ERRNO", "SCMP_ARCH_NOPE", NULL, &arch_err), 0);
  ck_assert_ptr_nonnull (strstr (arch_err->msg, "unknown"));
  for (size_t i = 0; f.seccomp_operators[i]; i++)
    ASSERT_BUILDS (build_seccomp ("SCMP_ACT_ERRNO", NULL, f.seccomp_operators[i], &_err),
                   f.seccomp_operators[i]);
  /* and a name outside the lists is refused: the check above can fail */
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_lt (build_seccomp ("SCMP_ACT_NOPE", NULL, NULL, &err), 0);
}
END_TEST

START_TEST (test_seccomp_flags)
{
  struct husk_features f;
  husk_features_collect (&f);
  for (size_t i = 0; f.seccomp_known_flags[i]; i++)
    ck_assert_int_gt (husk_seccomp_flag_value (f.seccomp_known_flags[i]), 0);
  for (size_t i = 0; f.seccomp_supported_flags[i]; i++)
    {
      bool known = false;
      for (size_t j = 0; f.seccomp_known_flags[j]; j++)
        known |= strcmp (f.seccomp_supported_flags[i], f.seccomp_known_flags[j]) == 0;
      ck_assert_msg (known, "supported flag %s is not a known one", f.seccomp_supported_flags[i]);
    }
}
END_TEST

START_TEST (test_memory_policy_names_resolve)
{
  struct husk_features f;
  husk_features_collect (&f);
  for (size_t i = 0; f.memory_policy_modes[i]; i++)
    ck_assert_ptr_nonnull (
        husk_named_value_lookup (husk_mempolicy_modes, f.memory_policy_modes[i]));
  for (size_t i = 0; f.memory_policy_flags[i]; i++)
    ck_assert_ptr_nonnull (
        husk_named_value_lookup (husk_mempolicy_flags, f.memory_policy_flags[i]));
}
END_TEST

/* ---- the JSON writer ---- */

START_TEST (test_null_lists_left_out_empty_ones_kept)
{
  static const char *const empty[] = { NULL };
  static const char *const hooks[] = { "prestart", NULL };
  struct husk_features f = {
    .oci_version_min = "1.0.0",
    .oci_version_max = "1.3.0",
    .hooks = hooks,
    .unsafe_annotations = empty,
    .memory_policy_modes = empty,
  };
  cleanup_free char *json = husk_features_json (&f);
  yajl_val root = parse (json);
  ck_assert_ptr_null (get (root, yajl_t_any, "mountOptions", NULL));
  ck_assert_ptr_null (get (root, yajl_t_any, "annotations", NULL));
  ck_assert_ptr_null (get (root, yajl_t_any, "linux", "capabilities", NULL));
  ck_assert_ptr_null (get (root, yajl_t_any, "linux", "memoryPolicy", "flags", NULL));
  assert_array_is (get (root, yajl_t_array, "linux", "memoryPolicy", "modes", NULL), empty,
                   "modes");
  assert_array_is (get (root, yajl_t_array, "potentiallyUnsafeConfigAnnotations", NULL), empty,
                   "unsafe");
  /* no memoryPolicy object at all without either list */
  f.memory_policy_modes = NULL;
  cleanup_free char *json2 = husk_features_json (&f);
  yajl_val root2 = parse (json2);
  ck_assert_ptr_null (get (root2, yajl_t_any, "linux", "memoryPolicy", NULL));
  yajl_tree_free (root2);
  yajl_tree_free (root);
}
END_TEST

/* Two-space indent, one value a line, empty containers on one line, and a
   final newline: the layout of `jq .`, which the integration test relies on. */
START_TEST (test_layout)
{
  static const char *const empty[] = { NULL };
  static const char *const hooks[] = { "prestart", "poststop", NULL };
  struct husk_features f = {
    .oci_version_min = "1.0.0",
    .oci_version_max = "1.3.0",
    .hooks = hooks,
    .unsafe_annotations = empty,
  };
  cleanup_free char *json = husk_features_json (&f);
  const char *want_head = "{\n"
                          "  \"ociVersionMin\": \"1.0.0\",\n"
                          "  \"ociVersionMax\": \"1.3.0\",\n"
                          "  \"hooks\": [\n"
                          "    \"prestart\",\n"
                          "    \"poststop\"\n"
                          "  ],\n"
                          "  \"linux\": {\n"
                          "    \"cgroup\": {\n"
                          "      \"v1\": false,\n";
  ck_assert_msg (strncmp (json, want_head, strlen (want_head)) == 0, "got:\n%s", json);
  const char *want_tail = "  },\n"
                          "  \"potentiallyUnsafeConfigAnnotations\": []\n"
                          "}\n";
  size_t n = strlen (json), m = strlen (want_tail);
  ck_assert_msg (n > m && strcmp (json + n - m, want_tail) == 0, "got:\n%s", json);
}
END_TEST

/* Strings with JSON punctuation and escapes pass through the re-indenter
   untouched. */
START_TEST (test_strings_survive_reindent)
{
  static const char *const tricky[] = { "a,b", "{[x]}", "q\"uote", "back\\slash:", "tab\t", NULL };
  static const struct husk_features_annotation ann[] = {
    { "k,:{}", "v\"],[" },
    { NULL, NULL },
  };
  struct husk_features f = {
    .oci_version_min = "1.0.0",
    .oci_version_max = "1.3.0",
    .mount_options = tricky,
    .annotations = ann,
  };
  cleanup_free char *json = husk_features_json (&f);
  yajl_val root = parse (json);
  assert_array_is (get (root, yajl_t_array, "mountOptions", NULL), tricky, "mountOptions");
  ck_assert_str_eq (YAJL_GET_STRING (get (root, yajl_t_string, "annotations", "k,:{}", NULL)),
                    "v\"],[");
  yajl_tree_free (root);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("features");
  TCase *tc = tcase_create ("features");
  tcase_add_test (tc, test_collected_document_shape);
  tcase_add_test (tc, test_lists_have_no_duplicates);
  tcase_add_test (tc, test_hooks_and_namespaces_known_to_the_parser);
  tcase_add_test (tc, test_capabilities_resolve);
  tcase_add_test (tc, test_mount_options_from_the_table);
  tcase_add_test (tc, test_seccomp_names_translate);
  tcase_add_test (tc, test_seccomp_flags);
  tcase_add_test (tc, test_memory_policy_names_resolve);
  tcase_add_test (tc, test_null_lists_left_out_empty_ones_kept);
  tcase_add_test (tc, test_layout);
  tcase_add_test (tc, test_strings_survive_reindent);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
