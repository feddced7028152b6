/* config.json → struct husk_spec: the top level, process, root, mounts and
   hooks.  The linux object lives in spec_linux.c.  Each struct of spec.h has
   one field table here; json_struct.c reads and frees through it.  Names
   and types follow the OCI runtime-spec 1.3 (config.md). */
#include <stdlib.h>
#include <string.h>

#include "husk/json.h"
#include "husk/spec.h"
#include "husk/util.h"
#include "spec_tables.h"

const char *const husk_hook_names[HUSK_HOOK_KIND_COUNT] = {
  [HUSK_HOOK_PRESTART] = "prestart",
  [HUSK_HOOK_CREATE_RUNTIME] = "createRuntime",
  [HUSK_HOOK_CREATE_CONTAINER] = "createContainer",
  [HUSK_HOOK_START_CONTAINER] = "startContainer",
  [HUSK_HOOK_POSTSTART] = "poststart",
  [HUSK_HOOK_POSTSTOP] = "poststop",
};

/* ---- process ---- */

#define ST struct husk_user
static const struct husk_jfield user_fields[] = {
  F ("uid", U32, uid, REQUIRED),    F ("gid", U32, gid, REQUIRED),
  F ("umask", OPT_U32, umask),      N ("additionalGids", U32V, additional_gids, n_additional_gids),
  F ("username", STRING, username),
};
#undef ST
static const struct husk_jdesc user_desc = HUSK_JDESC (struct husk_user, user_fields);

#define ST struct husk_capabilities
static const struct husk_jfield capabilities_fields[] = {
  N ("bounding", STRV, bounding, n_bounding),
  N ("effective", STRV, effective, n_effective),
  N ("inheritable", STRV, inheritable, n_inheritable),
  N ("permitted", STRV, permitted, n_permitted),
  N ("ambient", STRV, ambient, n_ambient),
};
#undef ST
static const struct husk_jdesc capabilities_desc
    = HUSK_JDESC (struct husk_capabilities, capabilities_fields);

#define ST struct husk_rlimit
static const struct husk_jfield rlimit_fields[] = {
  F ("type", STRING, type, REQUIRED),
  F ("hard", U64, hard, REQUIRED),
  F ("soft", U64, soft, REQUIRED),
};
#undef ST
static const struct husk_jdesc rlimit_desc = HUSK_JDESC (struct husk_rlimit, rlimit_fields);

#define ST struct husk_scheduler
static const struct husk_jfield scheduler_fields[] = {
  F ("policy", STRING, policy, REQUIRED), F ("nice", I32, nice),
  F ("priority", I32, priority),          N ("flags", STRV, flags, n_flags),
  F ("runtime", OPT_U64, runtime),        F ("deadline", OPT_U64, deadline),
  F ("period", OPT_U64, period),
};
#undef ST
static const struct husk_jdesc scheduler_desc
    = HUSK_JDESC (struct husk_scheduler, scheduler_fields);

#define ST struct husk_io_priority
static const struct husk_jfield io_priority_fields[] = {
  F ("class", STRING, class_, REQUIRED),
  F ("priority", I32, priority),
};
#undef ST
static const struct husk_jdesc io_priority_desc
    = HUSK_JDESC (struct husk_io_priority, io_priority_fields);

#define ST struct husk_exec_cpu_affinity
static const struct husk_jfield exec_cpu_affinity_fields[] = {
  F ("initial", STRING, initial),
  F ("final", STRING, final),
};
#undef ST
static const struct husk_jdesc exec_cpu_affinity_desc
    = HUSK_JDESC (struct husk_exec_cpu_affinity, exec_cpu_affinity_fields);

#define ST struct husk_process
/* consoleSize's members sit directly in struct husk_process. */
static const struct husk_jfield console_size_fields[] = {
  F ("height", U32, console_height, REQUIRED),
  F ("width", U32, console_width, REQUIRED),
};
static const struct husk_jdesc console_size_desc
    = HUSK_JDESC (struct husk_process, console_size_fields);

static const struct husk_jfield process_fields[] = {
  F ("terminal", BOOL, terminal),
  { .name = "consoleSize",
    .type = HUSK_JT_INLINE_FLAG,
    .off = 0,
    .aux = offsetof (ST, has_console_size),
    .desc = &console_size_desc },
  F ("user", INLINE, user, .desc = &user_desc),
  /* Optional in the schema because Windows uses commandLine; Linux needs it. */
  N ("args", STRV, args, n_args, REQUIRED),
  F ("commandLine", STRING, command_line),
  N ("env", STRV, env, n_env),
  F ("cwd", STRING, cwd, REQUIRED),
  F ("capabilities", OBJECT, capabilities, .desc = &capabilities_desc),
  N ("rlimits", ARRAY, rlimits, n_rlimits, .desc = &rlimit_desc),
  F ("noNewPrivileges", BOOL, no_new_privileges),
  F ("apparmorProfile", STRING, apparmor_profile),
  F ("oomScoreAdj", OPT_I64, oom_score_adj),
  F ("scheduler", OBJECT, scheduler, .desc = &scheduler_desc),
  F ("selinuxLabel", STRING, selinux_label),
  F ("ioPriority", OBJECT, io_priority, .desc = &io_priority_desc),
  F ("execCPUAffinity", OBJECT, exec_cpu_affinity, .desc = &exec_cpu_affinity_desc),
};
#undef ST
static const struct husk_jdesc process_desc = HUSK_JDESC (struct husk_process, process_fields);

/* ---- root, mounts, hooks ---- */

#define ST struct husk_root
static const struct husk_jfield root_fields[] = {
  F ("path", STRING, path, REQUIRED),
  F ("readonly", BOOL, readonly),
};
#undef ST
static const struct husk_jdesc root_desc = HUSK_JDESC (struct husk_root, root_fields);

#define ST struct husk_id_mapping
static const struct husk_jfield id_mapping_fields[] = {
  F ("containerID", U32, container_id, REQUIRED),
  F ("hostID", U32, host_id, REQUIRED),
  F ("size", U32, size, REQUIRED),
};
#undef ST
const struct husk_jdesc husk_spec_id_mapping_desc
    = HUSK_JDESC (struct husk_id_mapping, id_mapping_fields);

#define ST struct husk_mount
static const struct husk_jfield mount_fields[] = {
  F ("destination", STRING, destination, REQUIRED),
  F ("source", STRING, source),
  F ("type", STRING, type),
  N ("options", STRV, options, n_options),
  N ("uidMappings", ARRAY, uid_mappings, n_uid_mappings, .desc = &husk_spec_id_mapping_desc),
  N ("gidMappings", ARRAY, gid_mappings, n_gid_mappings, .desc = &husk_spec_id_mapping_desc),
};
#undef ST
static const struct husk_jdesc mount_desc = HUSK_JDESC (struct husk_mount, mount_fields);

#define ST struct husk_hook
static const struct husk_jfield hook_fields[] = {
  F ("path", STRING, path, REQUIRED),
  N ("args", STRV, args, n_args),
  N ("env", STRV, env, n_env),
  F ("timeout", OPT_I64, timeout),
};
#undef ST
static const struct husk_jdesc hook_desc = HUSK_JDESC (struct husk_hook, hook_fields);

/* hooks: one array per kind, named by husk_hook_names. */
static int
parse_hooks (yajl_val v, const struct husk_jpath *p, void *field, husk_err_t **err)
{
  struct husk_hook_list *lists = field;
  if (husk_json_expect_object (v, p, err) < 0)
    return -1;
  for (int kind = 0; kind < HUSK_HOOK_KIND_COUNT; kind++)
    {
      yajl_val array = husk_json_member (v, husk_hook_names[kind]);
      struct husk_jpath kp = HUSK_JPATH_KEY (p, husk_hook_names[kind]);
      if (array != NULL
          && husk_json_array (array, &kp, &hook_desc, (void **)&lists[kind].hooks,
                              &lists[kind].n_hooks, err)
                 < 0)
        return -1;
    }
  return 0;
}

static void
release_hooks (void *field)
{
  struct husk_hook_list *lists = field;
  for (int kind = 0; kind < HUSK_HOOK_KIND_COUNT; kind++)
    husk_json_array_free (&hook_desc, lists[kind].hooks, lists[kind].n_hooks);
}

/* ---- the whole document ---- */

/* "1.<minor>.<patch>" with an optional "-pre" or "+build" suffix: the spec
   keeps compatibility within a major version only. */
static bool
version_supported (const char *version)
{
  if (strncmp (version, "1.", 2) != 0)
    return false;
  const char *s = version + 2;
  size_t n = strspn (s, "0123456789");
  if (n == 0 || s[n] != '.')
    return false;
  s += n + 1;
  n = strspn (s, "0123456789");
  return n > 0 && (s[n] == '\0' || s[n] == '-' || s[n] == '+');
}

/* Checked first, before the fields whose shape depends on the version. */
static int
parse_oci_version (yajl_val v, const struct husk_jpath *p, void *field, husk_err_t **err)
{
  char **version = field;
  if (husk_json_string (v, p, version, err) < 0)
    return -1;
  if (!version_supported (*version))
    return husk_json_error (err, p, "unsupported version \"%s\"", *version);
  return 0;
}

static void
release_string (void *field)
{
  free (*(char **)field);
}

#define ST struct husk_spec
static const struct husk_jfield spec_fields[] = {
  F ("ociVersion", CUSTOM, oci_version, REQUIRED, .parse = parse_oci_version,
     .release = release_string),
  F ("process", OBJECT, process, .desc = &process_desc),
  F ("root", OBJECT, root, .desc = &root_desc),
  F ("hostname", STRING, hostname),
  F ("domainname", STRING, domainname),
  N ("mounts", ARRAY, mounts, n_mounts, .desc = &mount_desc),
  F ("hooks", CUSTOM, hooks, .parse = parse_hooks, .release = release_hooks),
  N ("annotations", KV, annotations, n_annotations),
  F ("linux", OBJECT, linux_, .desc = &husk_spec_linux_desc),
};
#undef ST
static const struct husk_jdesc spec_desc = HUSK_JDESC (struct husk_spec, spec_fields);

/* Parse one document whose top level is described by d. */
static int
parse_document (const char *doc, const char *json, size_t len, const struct husk_jdesc *d,
                void **out, husk_err_t **err)
{
  cleanup_json yajl_val tree = NULL;
  if (husk_json_parse (doc, json, len, &tree, err) < 0)
    return -1;
  struct husk_jpath root = HUSK_JPATH_ROOT (doc);
  return husk_json_struct_new (tree, &root, d, out, err);
}

int
husk_spec_parse (const char *json, size_t len, struct husk_spec **out, husk_err_t **err)
{
  *out = NULL;
  return parse_document ("config.json", json, len, &spec_desc, (void **)out, err);
}

int
husk_spec_load_at (int bundle_dirfd, struct husk_spec **out, husk_err_t **err)
{
  cleanup_free char *json = NULL;
  size_t len = 0;
  *out = NULL;
  if (husk_read_file_at (bundle_dirfd, "config.json", &json, &len, err) < 0)
    return -1;
  return husk_spec_parse (json, len, out, err);
}

int
husk_process_parse (const char *json, size_t len, struct husk_process **out, husk_err_t **err)
{
  *out = NULL;
  return parse_document ("process.json", json, len, &process_desc, (void **)out, err);
}

int
husk_resources_parse (const char *json, size_t len, struct husk_resources **out, husk_err_t **err)
{
  *out = NULL;
  return parse_document ("resources.json", json, len, &husk_spec_resources_desc, (void **)out, err);
}

void
husk_spec_free (struct husk_spec *spec)
{
  husk_json_struct_free (&spec_desc, spec);
}

void
husk_process_free (struct husk_process *process)
{
  husk_json_struct_free (&process_desc, process);
}

void
husk_resources_free (struct husk_resources *resources)
{
  husk_json_struct_free (&husk_spec_resources_desc, resources);
}

void
husk_spec_freep (struct husk_spec **spec)
{
  husk_spec_free (*spec);
  *spec = NULL;
}
