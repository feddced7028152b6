/* Mount options → mount(2) flags, propagation and mount_setattr attributes.
   See include/husk/mount_opts.h.  Semantics follow runc's option tables, with
   the atime modes treated as the enums they are (the last one given wins). */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "husk/mount_opts.h"
#include "husk/util.h"

#define MS_ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

#define FLAG(n, s, c)                                                                              \
  {                                                                                                \
    n, HUSK_MOUNT_OPT_FLAG, s, c                                                                   \
  }
#define PROP(n, v)                                                                                 \
  {                                                                                                \
    n, HUSK_MOUNT_OPT_PROPAGATION, v, 0                                                            \
  }
#define ATTR(n, s, c)                                                                              \
  {                                                                                                \
    n, HUSK_MOUNT_OPT_ATTR, s, c                                                                   \
  }
#define EXT(n, v)                                                                                  \
  {                                                                                                \
    n, HUSK_MOUNT_OPT_EXTENSION, v, 0                                                              \
  }

const struct husk_mount_option husk_mount_option_table[] = {
  FLAG ("defaults", 0, 0),
  FLAG ("ro", MS_RDONLY, 0),
  FLAG ("rw", 0, MS_RDONLY),
  FLAG ("nosuid", MS_NOSUID, 0),
  FLAG ("suid", 0, MS_NOSUID),
  FLAG ("nodev", MS_NODEV, 0),
  FLAG ("dev", 0, MS_NODEV),
  FLAG ("noexec", MS_NOEXEC, 0),
  FLAG ("exec", 0, MS_NOEXEC),
  FLAG ("sync", MS_SYNCHRONOUS, 0),
  FLAG ("async", 0, MS_SYNCHRONOUS),
  FLAG ("dirsync", MS_DIRSYNC, 0),
  FLAG ("remount", MS_REMOUNT, 0),
  FLAG ("mand", MS_MANDLOCK, 0),
  FLAG ("nomand", 0, MS_MANDLOCK),
  FLAG ("noatime", MS_NOATIME, MS_ATIME_MODES & ~MS_NOATIME),
  FLAG ("atime", 0, MS_NOATIME),
  FLAG ("relatime", MS_RELATIME, MS_ATIME_MODES & ~MS_RELATIME),
  FLAG ("norelatime", 0, MS_RELATIME),
  FLAG ("strictatime", MS_STRICTATIME, MS_ATIME_MODES & ~MS_STRICTATIME),
  FLAG ("nostrictatime", 0, MS_STRICTATIME),
  FLAG ("nodiratime", MS_NODIRATIME, 0),
  FLAG ("diratime", 0, MS_NODIRATIME),
  FLAG ("lazytime", MS_LAZYTIME, 0),
  FLAG ("nolazytime", 0, MS_LAZYTIME),
  FLAG ("nosymfollow", MS_NOSYMFOLLOW, 0),
  FLAG ("symfollow", 0, MS_NOSYMFOLLOW),
  FLAG ("iversion", MS_I_VERSION, 0),
  FLAG ("noiversion", 0, MS_I_VERSION),
  FLAG ("silent", MS_SILENT, 0),
  FLAG ("loud", 0, MS_SILENT),
  FLAG ("bind", MS_BIND, 0),
  FLAG ("rbind", MS_BIND | MS_REC, 0),

  PROP ("private", MS_PRIVATE),
  PROP ("rprivate", MS_PRIVATE | MS_REC),
  PROP ("shared", MS_SHARED),
  PROP ("rshared", MS_SHARED | MS_REC),
  PROP ("slave", MS_SLAVE),
  PROP ("rslave", MS_SLAVE | MS_REC),
  PROP ("unbindable", MS_UNBINDABLE),
  PROP ("runbindable", MS_UNBINDABLE | MS_REC),

  ATTR ("rro", MOUNT_ATTR_RDONLY, 0),
  ATTR ("rrw", 0, MOUNT_ATTR_RDONLY),
  ATTR ("rnosuid", MOUNT_ATTR_NOSUID, 0),
  ATTR ("rsuid", 0, MOUNT_ATTR_NOSUID),
  ATTR ("rnodev", MOUNT_ATTR_NODEV, 0),
  ATTR ("rdev", 0, MOUNT_ATTR_NODEV),
  ATTR ("rnoexec", MOUNT_ATTR_NOEXEC, 0),
  ATTR ("rexec", 0, MOUNT_ATTR_NOEXEC),
  ATTR ("rnodiratime", MOUNT_ATTR_NODIRATIME, 0),
  ATTR ("rdiratime", 0, MOUNT_ATTR_NODIRATIME),
  ATTR ("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0),
  ATTR ("rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW),
  /* The kernel changes the atime mode only as a whole: attr_clr must hold all
     of MOUNT_ATTR__ATIME and attr_set the new mode (RELATIME is 0).  The
     "not this mode" words fall back to the kernel default, relatime. */
  ATTR ("rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME),
  ATTR ("ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME),
  ATTR ("rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME),
  ATTR ("rnorelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME),
  ATTR ("rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME),
  ATTR ("rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME),

  EXT ("tmpcopyup", HUSK_MOUNT_EXT_TMPCOPYUP),
  EXT ("idmap", HUSK_MOUNT_EXT_IDMAP),
  EXT ("ridmap", HUSK_MOUNT_EXT_RIDMAP),
};

const size_t husk_mount_option_count = ARRAY_SIZE (husk_mount_option_table);

const struct husk_mount_option *
husk_mount_option_lookup (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (husk_mount_option_table); i++)
    if (strcmp (husk_mount_option_table[i].name, name) == 0)
      return &husk_mount_option_table[i];
  return NULL;
}

const char *const *
husk_mount_option_names (void)
{
  static const char *names[ARRAY_SIZE (husk_mount_option_table) + 1];
  if (names[0] == NULL)
    for (size_t i = 0; i < ARRAY_SIZE (husk_mount_option_table); i++)
      names[i] = husk_mount_option_table[i].name;
  return names;
}

/* Set then clear, in one value space: the later option overrides the earlier. */
static void
apply_bits (uint64_t *set, uint64_t *clr, const struct husk_mount_option *o)
{
  *set = (*set & ~o->clear) | o->set;
  *clr = (*clr & ~o->set) | o->clear;
}

/* Unrecognised options are filesystem data, passed on in their order. */
static void
append_data (char **data, size_t *len, const char *opt)
{
  size_t n = strlen (opt);
  *data = xrealloc (*data, *len + n + 2);
  if (*len > 0)
    (*data)[(*len)++] = ',';
  memcpy (*data + *len, opt, n + 1);
  *len += n;
}

int
husk_mount_plan_build (const struct husk_mount *m, struct husk_mount_plan *out, husk_err_t **err)
{
  struct husk_mount_plan p = { 0 };
  uint64_t flags = 0, clear_flags = 0, ext = 0;
  size_t data_len = 0;

  p.propagation = xmalloc0 ((m->n_options + 1) * sizeof *p.propagation);
  for (size_t i = 0; i < m->n_options; i++)
    {
      const char *opt = m->options[i];
      const struct husk_mount_option *o = husk_mount_option_lookup (opt);
      if (o == NULL)
        {
          if (*opt != '\0')
            append_data (&p.data, &data_len, opt);
          continue;
        }
      switch (o->kind)
        {
        case HUSK_MOUNT_OPT_FLAG:
          apply_bits (&flags, &clear_flags, o);
          break;
        case HUSK_MOUNT_OPT_PROPAGATION:
          p.propagation[p.n_propagation++] = o->set;
          break;
        case HUSK_MOUNT_OPT_ATTR:
          apply_bits (&p.attr_set, &p.attr_clr, o);
          break;
        case HUSK_MOUNT_OPT_EXTENSION:
          ext |= o->set;
          break;
        }
    }

  /* The spec's "type": "bind" is not a filesystem: it means a bind mount. */
  if (m->type && strcmp (m->type, "bind") == 0)
    flags |= MS_BIND;

  p.flags = flags;
  p.clear_flags = clear_flags;
  p.bind = (flags & MS_BIND) != 0;
  p.rbind = p.bind && (flags & MS_REC) != 0;
  p.remount = (flags & MS_REMOUNT) != 0;
  /* mount(MS_BIND) ignores every other flag: they need a second, remount call. */
  p.bind_remount = p.bind && (flags & ~(uint64_t)(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
  p.tmpcopyup = (ext & HUSK_MOUNT_EXT_TMPCOPYUP) != 0;
  p.ridmap = (ext & HUSK_MOUNT_EXT_RIDMAP) != 0;
  p.idmap = p.ridmap || (ext & HUSK_MOUNT_EXT_IDMAP) || m->n_uid_mappings || m->n_gid_mappings;

  /* An idmapped mount is made from a detached bind (open_tree), nothing else. */
  if (p.idmap && !p.bind)
    {
      husk_mount_plan_free (&p);
      return husk_error (err, 0,
                         "mount `%s`: idmapped mounts (idmap, ridmap, uidMappings, "
                         "gidMappings) need a bind mount",
                         m->destination ? m->destination : "");
    }

  *out = p;
  return 0;
}

void
husk_mount_plan_free (struct husk_mount_plan *plan)
{
  free (plan->propagation);
  free (plan->data);
  plan->propagation = NULL;
  plan->data = NULL;
  plan->n_propagation = 0;
}

/* MS_* flags with a mount attribute of the same meaning (atime apart). */
static const struct
{
  unsigned long ms;
  uint64_t attr;
} flag_attr_table[] = {
  { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
  { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
  { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
};

void
husk_mount_plan_flag_attrs (const struct husk_mount_plan *plan, uint64_t *set, uint64_t *clr)
{
  *set = *clr = 0;
  for (size_t i = 0; i < ARRAY_SIZE (flag_attr_table); i++)
    {
      if (plan->flags & flag_attr_table[i].ms)
        *set |= flag_attr_table[i].attr;
      else if (plan->clear_flags & flag_attr_table[i].ms)
        *clr |= flag_attr_table[i].attr;
    }
  /* Same precedence as mount(2): noatime, then strictatime, else relatime. */
  if ((plan->flags | plan->clear_flags) & MS_ATIME_MODES)
    {
      *clr |= MOUNT_ATTR__ATIME;
      if (plan->flags & MS_NOATIME)
        *set |= MOUNT_ATTR_NOATIME;
      else if (plan->flags & MS_STRICTATIME)
        *set |= MOUNT_ATTR_STRICTATIME;
    }
}

int
husk_rootfs_propagation (const char *value, unsigned long *flags, husk_err_t **err)
{
  if (value == NULL || *value == '\0')
    {
      *flags = MS_SLAVE | MS_REC;
      return 0;
    }
  const struct husk_mount_option *o = husk_mount_option_lookup (value);
  if (o == NULL || o->kind != HUSK_MOUNT_OPT_PROPAGATION)
    return husk_error (err, 0,
                       "config.json: linux.rootfsPropagation: unsupported value \"%s\" (expected "
                       "shared, slave, private, unbindable or their r- forms)",
                       value);
  *flags = o->set;
  return 0;
}
