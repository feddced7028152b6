/* The features document: see include/husk/features.h. */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "husk/caps.h"
#include "husk/features.h"
#include "husk/mount_opts.h"
#include "husk/proc_attrs.h"
#include "husk/seccomp.h"
#include "husk/spec.h"
#include "husk/util.h"

/* What husk applies of the parts of config.json that have no table of their
   own yet.  Parsing alone does not count: the module that implements a part
   turns its line on here, and tests/integration/test_features.sh probes each
   one the machine can show, so a stale line fails there. */
static const struct
{
  unsigned mount_extensions; /* HUSK_MOUNT_EXT_* rootfs.c acts on (tmpcopyup, idmap, ridmap) */
  bool apparmor;             /* process.apparmorProfile */
  bool selinux;              /* process.selinuxLabel, linux.mountLabel */
  bool intel_rdt;            /* linux.intelRdt (resctrl) */
  bool net_devices;          /* linux.netDevices */
  bool memory_policy;        /* linux.memoryPolicy: without it no mode is recognised */
} support = {
  .mount_extensions = HUSK_MOUNT_EXT_TMPCOPYUP | HUSK_MOUNT_EXT_IDMAP | HUSK_MOUNT_EXT_RIDMAP,
  .apparmor = true, /* lsm.c: applied where the LSM is on, refused where it is off */
  .selinux = true,
  .intel_rdt = false,
  .net_devices = true,
  .memory_policy = true,
};

/* Config annotations whose presence changes what husk does: none. */
static const char *const unsafe_annotations[] = { NULL };

static const char *const no_names[] = { NULL };

/* The name column of a { name, value } table ending with { NULL, 0 },
   built once into *cache. */
static const char *const *
value_names (const struct husk_named_value *table, const char ***cache)
{
  if (*cache == NULL)
    {
      size_t n = 0;
      while (table[n].name)
        n++;
      *cache = xmalloc0 ((n + 1) * sizeof **cache);
      for (size_t i = 0; i < n; i++)
        (*cache)[i] = table[i].name;
    }
  return *cache;
}

/* The mount option table without the extensions husk does not act on yet. */
static const char *const *
mount_option_names (void)
{
  static const char **names;
  if (names)
    return names;
  names = xmalloc0 ((husk_mount_option_count + 1) * sizeof *names);
  size_t n = 0;
  for (size_t i = 0; i < husk_mount_option_count; i++)
    {
      const struct husk_mount_option *o = &husk_mount_option_table[i];
      if (o->kind != HUSK_MOUNT_OPT_EXTENSION || (o->set & support.mount_extensions))
        names[n++] = o->name;
    }
  return names;
}

void
husk_features_collect (struct husk_features *f)
{
  static const char *hooks[HUSK_HOOK_KIND_COUNT + 1];
  static const char *namespaces[HUSK_NS_KIND_COUNT + 1];
  static const char **modes, **mpol_flags;
  static char libseccomp[32];
  static struct husk_features_annotation annotations[4];

  for (size_t i = 0; i < HUSK_HOOK_KIND_COUNT; i++)
    hooks[i] = husk_hook_names[i];
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    namespaces[i] = husk_ns_table[i].name;

  const char *const *mpol_mode_names = no_names, *const *mpol_flag_names = no_names;
  if (support.memory_policy)
    {
      mpol_mode_names = value_names (husk_mempolicy_modes, &modes);
      mpol_flag_names = value_names (husk_mempolicy_flags, &mpol_flags);
    }

  const struct scmp_version *v = seccomp_version ();
  snprintf (libseccomp, sizeof libseccomp, "%u.%u.%u", v->major, v->minor, v->micro);
  annotations[0] = (struct husk_features_annotation){ "io.github.husk.version", HUSK_VERSION };
  annotations[1] = (struct husk_features_annotation){ "io.github.husk.commit", HUSK_COMMIT };
  annotations[2]
      = (struct husk_features_annotation){ "io.github.seccomp.libseccomp.version", libseccomp };
  annotations[3] = (struct husk_features_annotation){ NULL, NULL };

  *f = (struct husk_features){
    .oci_version_min = HUSK_OCI_VERSION_MIN,
    .oci_version_max = HUSK_OCI_VERSION_MAX,
    .hooks = hooks,
    .mount_options = mount_option_names (),
    .namespaces = namespaces,
    .capabilities = husk_caps_all_names (),
    .cgroup = husk_cgroup_features,
    .seccomp_enabled = true,
    .seccomp_actions = husk_seccomp_actions (),
    .seccomp_operators = husk_seccomp_operators (),
    .seccomp_archs = husk_seccomp_archs (),
    .seccomp_known_flags = husk_seccomp_known_flags (),
    .seccomp_supported_flags = husk_seccomp_supported_flags (),
    .apparmor = support.apparmor,
    .selinux = support.selinux,
    .intel_rdt = support.intel_rdt,
    .idmap_mounts = (support.mount_extensions & HUSK_MOUNT_EXT_IDMAP) != 0,
    .net_devices = support.net_devices,
    .memory_policy_modes = mpol_mode_names,
    .memory_policy_flags = mpol_flag_names,
    .annotations = annotations,
    .unsafe_annotations = unsafe_annotations,
  };
}

/* ---- JSON (pure) ---- */

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_list (yajl_gen g, const char *key, const char *const *list)
{
  if (list == NULL)
    return;
  gen_str (g, key);
  yajl_gen_array_open (g);
  for (; *list; list++)
    gen_str (g, *list);
  yajl_gen_array_close (g);
}

static void
gen_bool (yajl_gen g, const char *key, bool value)
{
  gen_str (g, key);
  yajl_gen_bool (g, value);
}

/* "key": {"enabled": value} */
static void
gen_enabled (yajl_gen g, const char *key, bool value)
{
  gen_str (g, key);
  yajl_gen_map_open (g);
  gen_bool (g, "enabled", value);
  yajl_gen_map_close (g);
}

static void
gen_linux (yajl_gen g, const struct husk_features *f)
{
  gen_str (g, "linux");
  yajl_gen_map_open (g);
  gen_list (g, "namespaces", f->namespaces);
  gen_list (g, "capabilities", f->capabilities);

  gen_str (g, "cgroup");
  yajl_gen_map_open (g);
  gen_bool (g, "v1", f->cgroup.v1);
  gen_bool (g, "v2", f->cgroup.v2);
  gen_bool (g, "systemd", f->cgroup.systemd);
  gen_bool (g, "systemdUser", f->cgroup.systemd_user);
  gen_bool (g, "rdma", f->cgroup.rdma);
  yajl_gen_map_close (g);

  gen_str (g, "seccomp");
  yajl_gen_map_open (g);
  gen_bool (g, "enabled", f->seccomp_enabled);
  gen_list (g, "actions", f->seccomp_actions);
  gen_list (g, "operators", f->seccomp_operators);
  gen_list (g, "archs", f->seccomp_archs);
  gen_list (g, "knownFlags", f->seccomp_known_flags);
  gen_list (g, "supportedFlags", f->seccomp_supported_flags);
  yajl_gen_map_close (g);

  gen_enabled (g, "apparmor", f->apparmor);
  gen_enabled (g, "selinux", f->selinux);
  gen_str (g, "intelRdt");
  yajl_gen_map_open (g);
  gen_bool (g, "enabled", f->intel_rdt);
  if (f->intel_rdt)
    gen_bool (g, "schemata", true);
  yajl_gen_map_close (g);
  gen_str (g, "mountExtensions");
  yajl_gen_map_open (g);
  gen_enabled (g, "idmap", f->idmap_mounts);
  yajl_gen_map_close (g);
  gen_enabled (g, "netDevices", f->net_devices);

  if (f->memory_policy_modes || f->memory_policy_flags)
    {
      gen_str (g, "memoryPolicy");
      yajl_gen_map_open (g);
      gen_list (g, "modes", f->memory_policy_modes);
      gen_list (g, "flags", f->memory_policy_flags);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static void
newline (FILE *out, int depth)
{
  fputc ('\n', out);
  for (int i = 0; i < depth; i++)
    fputs ("  ", out);
}

/* Compact JSON → indented like Go's MarshalIndent (empty [] and {} stay on
   one line, which yajl's own beautifier does not do). */
static char *
reindent (const char *json, size_t len)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  if (out == NULL)
    abort ();
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++)
    {
      char c = json[i];
      if (in_string)
        {
          fputc (c, out);
          if (c == '\\' && i + 1 < len)
            fputc (json[++i], out);
          else if (c == '"')
            in_string = false;
          continue;
        }
      switch (c)
        {
        case '"':
          fputc (c, out);
          in_string = true;
          break;
        case '{':
        case '[':
          fputc (c, out);
          if (i + 1 < len && json[i + 1] == (c == '{' ? '}' : ']'))
            fputc (json[++i], out);
          else
            newline (out, ++depth);
          break;
        case '}':
        case ']':
          newline (out, --depth);
          fputc (c, out);
          break;
        case ',':
          fputc (c, out);
          newline (out, depth);
          break;
        case ':':
          fputs (": ", out);
          break;
        default:
          fputc (c, out);
        }
    }
  fputc ('\n', out);
  if (fclose (out) != 0)
    abort ();
  return buf;
}

char *
husk_features_json (const struct husk_features *f)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (g == NULL)
    abort ();
  yajl_gen_map_open (g);
  gen_str (g, "ociVersionMin");
  gen_str (g, f->oci_version_min);
  gen_str (g, "ociVersionMax");
  gen_str (g, f->oci_version_max);
  gen_list (g, "hooks", f->hooks);
  gen_list (g, "mountOptions", f->mount_options);
  gen_linux (g, f);
  if (f->annotations)
    {
      gen_str (g, "annotations");
      yajl_gen_map_open (g);
      for (const struct husk_features_annotation *a = f->annotations; a->key; a++)
        {
          gen_str (g, a->key);
          gen_str (g, a->value);
        }
      yajl_gen_map_close (g);
    }
  gen_list (g, "potentiallyUnsafeConfigAnnotations", f->unsafe_annotations);
  yajl_gen_map_close (g);

  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = reindent ((const char *)buf, len);
  yajl_gen_free (g);
  return r;
}
