/* Cross-field rules of config.json, checked before any side effect.  Pure:
   reads the structs, never the system.  Each rule is a small function; the
   tables at the bottom list them in the order they are checked.  Errors name
   the JSON path: "config.json: mounts[3].destination: must be an absolute path". */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "husk/util.h"
#include "husk/validate.h"

/* Fail with "<prefix>.<path>: <message>" ("<path>: ..." for an empty prefix). */
static int __attribute__ ((format (printf, 3, 4)))
fail_at (husk_err_t **err, const char *prefix, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  return husk_error (err, 0, "%s%s%s", prefix, *prefix ? "." : "", msg);
}

#define fail(err, ...) husk_error (err, 0, "config.json: " __VA_ARGS__)

static bool
in_list (const char *s, const char *const *list)
{
  for (; *list; list++)
    if (strcmp (s, *list) == 0)
      return true;
  return false;
}

static bool
absolute (const char *path)
{
  return path && path[0] == '/';
}

/* ---- process (config.json's "process" and exec's process.json) ---- */

static int
args_present (const struct husk_process *p, const char *at, husk_err_t **err)
{
  if (p->n_args == 0)
    return fail_at (err, at, "args: must not be empty");
  return 0;
}

static int
cwd_absolute (const struct husk_process *p, const char *at, husk_err_t **err)
{
  if (!absolute (p->cwd))
    return fail_at (err, at, "cwd: must be an absolute path");
  return 0;
}

static int
rlimits_consistent (const struct husk_process *p, const char *at, husk_err_t **err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct husk_rlimit *r = &p->rlimits[i];
      if (r->soft > r->hard)
        return fail_at (err, at, "rlimits[%zu]: soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
                        i, r->soft, r->hard);
      for (size_t j = 0; j < i; j++)
        if (strcmp (p->rlimits[j].type, r->type) == 0)
          return fail_at (err, at, "rlimits[%zu].type: duplicate rlimit \"%s\"", i, r->type);
    }
  return 0;
}

static int
oom_score_adj_in_range (const struct husk_process *p, const char *at, husk_err_t **err)
{
  /* The kernel's OOM_SCORE_ADJ_MIN and _MAX. */
  if (p->oom_score_adj.set && (p->oom_score_adj.value < -1000 || p->oom_score_adj.value > 1000))
    return fail_at (err, at, "oomScoreAdj: must be between -1000 and 1000");
  return 0;
}

typedef int (*process_rule) (const struct husk_process *, const char *, husk_err_t **);

/* Attribute values with their own translators (scheduler, ioPriority,
   personality, memoryPolicy in proc_attrs.c, rlimit names in rlimits.c,
   propagation in mount_opts.c) are checked there, from the same tables
   that apply them. */
static const process_rule process_rules[] = {
  args_present,
  cwd_absolute,
  rlimits_consistent,
  oom_score_adj_in_range,
};

int
husk_process_validate (const struct husk_process *process, const char *path_prefix,
                       husk_err_t **err)
{
  const char *at = path_prefix ? path_prefix : "";
  for (size_t i = 0; i < ARRAY_SIZE (process_rules); i++)
    if (process_rules[i](process, at, err) < 0)
      return -1;
  return 0;
}

/* ---- the whole config ---- */

static int
process_valid (const struct husk_spec *s, husk_err_t **err)
{
  if (s->process == NULL)
    return fail (err, "process: missing required field");
  if (husk_process_validate (s->process, "process", err) < 0)
    return husk_error_prefix (err, "config.json");
  return 0;
}

static int
root_present (const struct husk_spec *s, husk_err_t **err)
{
  if (s->root == NULL)
    return fail (err, "root: missing required field");
  if (s->root->path[0] == '\0')
    return fail (err, "root.path: must not be empty");
  return 0;
}

static int
mounts_valid (const struct husk_spec *s, husk_err_t **err)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct husk_mount *m = &s->mounts[i];
      if (!absolute (m->destination))
        return fail (err, "mounts[%zu].destination: must be an absolute path", i);
      if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
        return fail (err, "mounts[%zu]: uidMappings and gidMappings must be given together", i);
    }
  return 0;
}

static int
hooks_valid (const struct husk_spec *s, husk_err_t **err)
{
  for (int kind = 0; kind < HUSK_HOOK_KIND_COUNT; kind++)
    for (size_t i = 0; i < s->hooks[kind].n_hooks; i++)
      {
        const struct husk_hook *h = &s->hooks[kind].hooks[i];
        const char *name = husk_hook_names[kind];
        if (!absolute (h->path))
          return fail (err, "hooks.%s[%zu].path: must be an absolute path", name, i);
        if (h->timeout.set && h->timeout.value <= 0)
          return fail (err, "hooks.%s[%zu].timeout: must be greater than zero", name, i);
      }
  return 0;
}

static int
namespaces_valid (const struct husk_spec *s, husk_err_t **err)
{
  unsigned seen = 0;
  for (size_t i = 0; s->linux_ && i < s->linux_->n_namespaces; i++)
    {
      const struct husk_namespace *ns = &s->linux_->namespaces[i];
      if (seen & (1u << ns->type))
        return fail (err, "linux.namespaces[%zu].type: duplicate namespace \"%s\"", i,
                     husk_ns_table[ns->type].name);
      seen |= 1u << ns->type;
      if (ns->path && !absolute (ns->path))
        return fail (err, "linux.namespaces[%zu].path: must be an absolute path", i);
    }
  return 0;
}

/* Mappings belong to a user namespace; a new one cannot work without them
   (a joined one brings its own). */
static int
id_mappings_match_userns (const struct husk_spec *s, husk_err_t **err)
{
  const struct husk_linux *l = s->linux_;
  const struct husk_namespace *userns = husk_spec_namespace (s, HUSK_NS_USER);
  if (l == NULL)
    return 0;
  if (userns == NULL && l->n_uid_mappings > 0)
    return fail (err, "linux.uidMappings: requires a user namespace");
  if (userns == NULL && l->n_gid_mappings > 0)
    return fail (err, "linux.gidMappings: requires a user namespace");
  if (userns && userns->path == NULL && l->n_uid_mappings == 0)
    return fail (err, "linux.uidMappings: a new user namespace needs uid mappings");
  if (userns && userns->path == NULL && l->n_gid_mappings == 0)
    return fail (err, "linux.gidMappings: a new user namespace needs gid mappings");
  return 0;
}

static int
names_need_uts (const struct husk_spec *s, husk_err_t **err)
{
  bool uts = husk_spec_namespace (s, HUSK_NS_UTS) != NULL;
  if (s->hostname && *s->hostname && !uts)
    return fail (err, "hostname: requires a UTS namespace");
  if (s->domainname && *s->domainname && !uts)
    return fail (err, "domainname: requires a UTS namespace");
  return 0;
}

/* Offsets can only be written before the first process enters the
   namespace, so they need a new one. */
static int
time_offsets_valid (const struct husk_spec *s, husk_err_t **err)
{
  const struct husk_time_offsets *t = s->linux_ ? s->linux_->time_offsets : NULL;
  if (t == NULL)
    return 0;
  const struct husk_namespace *timens = husk_spec_namespace (s, HUSK_NS_TIME);
  if (timens == NULL || timens->path != NULL)
    return fail (err, "linux.timeOffsets: requires a new time namespace");
  if (t->has_boottime && t->boottime_nanosecs >= 1000000000)
    return fail (err, "linux.timeOffsets.boottime.nanosecs: must be less than 1000000000");
  if (t->has_monotonic && t->monotonic_nanosecs >= 1000000000)
    return fail (err, "linux.timeOffsets.monotonic.nanosecs: must be less than 1000000000");
  return 0;
}

static int
devices_valid (const struct husk_spec *s, husk_err_t **err)
{
  static const char *const types[] = { "c", "b", "u", "p", NULL };
  for (size_t i = 0; s->linux_ && i < s->linux_->n_devices; i++)
    {
      const struct husk_device *d = &s->linux_->devices[i];
      if (!absolute (d->path))
        return fail (err, "linux.devices[%zu].path: must be an absolute path", i);
      if (!in_list (d->type, types))
        return fail (err, "linux.devices[%zu].type: unknown device type \"%s\" (c, b, u or p)", i,
                     d->type);
    }
  return 0;
}

static int
sysctl_keys_valid (const struct husk_spec *s, husk_err_t **err)
{
  for (size_t i = 0; s->linux_ && i < s->linux_->n_sysctl; i++)
    if (s->linux_->sysctl[i].key[0] == '\0')
      return fail (err, "linux.sysctl: key must not be empty");
  return 0;
}

static int
path_lists_absolute (const struct husk_spec *s, husk_err_t **err)
{
  const struct husk_linux *l = s->linux_;
  for (size_t i = 0; l && i < l->n_masked_paths; i++)
    if (!absolute (l->masked_paths[i]))
      return fail (err, "linux.maskedPaths[%zu]: must be an absolute path", i);
  for (size_t i = 0; l && i < l->n_readonly_paths; i++)
    if (!absolute (l->readonly_paths[i]))
      return fail (err, "linux.readonlyPaths[%zu]: must be an absolute path", i);
  return 0;
}

static int
seccomp_valid (const struct husk_spec *s, husk_err_t **err)
{
  const struct husk_seccomp *sc = s->linux_ ? s->linux_->seccomp : NULL;
  if (sc == NULL)
    return 0;
  if (sc->listener_metadata && !sc->listener_path)
    return fail (err, "linux.seccomp.listenerMetadata: requires listenerPath");
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (sc->syscalls[i].n_names == 0)
      return fail (err, "linux.seccomp.syscalls[%zu].names: must not be empty", i);
  return 0;
}

static int
net_devices_need_netns (const struct husk_spec *s, husk_err_t **err)
{
  if (s->linux_ && s->linux_->n_net_devices > 0 && !husk_spec_namespace (s, HUSK_NS_NETWORK))
    return fail (err, "linux.netDevices: requires a network namespace");
  return 0;
}

typedef int (*spec_rule) (const struct husk_spec *, husk_err_t **);

static const spec_rule spec_rules[] = {
  process_valid,          root_present,
  mounts_valid,           hooks_valid,
  namespaces_valid,       id_mappings_match_userns,
  names_need_uts,         time_offsets_valid,
  devices_valid,          sysctl_keys_valid,
  path_lists_absolute,    seccomp_valid,
  net_devices_need_netns,
};

int
husk_spec_validate (const struct husk_spec *spec, husk_err_t **err)
{
  for (size_t i = 0; i < ARRAY_SIZE (spec_rules); i++)
    if (spec_rules[i](spec, err) < 0)
      return -1;
  return 0;
}
