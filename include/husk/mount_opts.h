/* Mount options of config.json → what mount(2) and mount_setattr(2) need.
   Pure: a data table and the translation, no syscalls. */
#ifndef HUSK_MOUNT_OPTS_H
#define HUSK_MOUNT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "husk/error.h"
#include "husk/spec.h"

enum husk_mount_opt_kind
{
  HUSK_MOUNT_OPT_FLAG,        /* MS_* bits for mount(2) */
  HUSK_MOUNT_OPT_PROPAGATION, /* MS_SHARED|MS_REC ..., a separate mount(2) call each */
  HUSK_MOUNT_OPT_ATTR,        /* MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE) */
  HUSK_MOUNT_OPT_EXTENSION,   /* OCI extensions: HUSK_MOUNT_EXT_* bits */
};

/* OCI extensions that are neither MS_* flags nor mount attributes. */
enum
{
  HUSK_MOUNT_EXT_TMPCOPYUP = 1 << 0,
  HUSK_MOUNT_EXT_IDMAP = 1 << 1,
  HUSK_MOUNT_EXT_RIDMAP = 1 << 2,
};

/* One recognised option: applying it sets `set` and clears `clear` in the
   kind's value space.  Mutually exclusive families (the atime modes) clear
   their siblings, so the last option given wins, as with mount(8). */
struct husk_mount_option
{
  const char *name;
  enum husk_mount_opt_kind kind;
  uint64_t set;
  uint64_t clear;
};

extern const struct husk_mount_option husk_mount_option_table[];
extern const size_t husk_mount_option_count;

/* The table entry for an option name, or NULL (then it is filesystem data). */
const struct husk_mount_option *husk_mount_option_lookup (const char *name);

/* All recognised option names, NULL-terminated, in table order (for
   `husk features` mountOptions). */
const char *const *husk_mount_option_names (void);

struct husk_mount_plan
{
  unsigned long flags;        /* MS_* for mount(2), incl. MS_BIND|MS_REC for rbind */
  unsigned long clear_flags;  /* MS_* the options explicitly turned off (rw, suid, ...):
                                 a bind remount keeps the source's other flags */
  unsigned long *propagation; /* MS_{SHARED,SLAVE,PRIVATE,UNBINDABLE}[|MS_REC], in */
  size_t n_propagation;       /* option order: one mount(2) call each, after the mount */
  uint64_t attr_set;          /* MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE); */
  uint64_t attr_clr;          /* both 0 when no recursive option was given */
  bool bind;                  /* a bind mount: "bind", "rbind" or type "bind" */
  bool rbind;                 /* ... and recursive */
  bool bind_remount;          /* a bind mount whose flags need a second
                                 mount(MS_REMOUNT|MS_BIND): bind ignores them */
  bool remount;               /* "remount": change an existing mount */
  bool tmpcopyup;
  bool idmap;  /* "idmap", or uidMappings/gidMappings given */
  bool ridmap; /* "ridmap": idmap applied recursively */
  char *data;  /* unrecognised options joined by ',' (mode=755,size=65536k), NULL if none */
};

/* Translate m->type and m->options.  Fails only on combinations that cannot
   work (an idmapped mount that is not a bind mount); the message names the
   destination, the caller prefixes "config.json: mounts[i]". */
int husk_mount_plan_build (const struct husk_mount *m, struct husk_mount_plan *out,
                           husk_err_t **err);
void husk_mount_plan_free (struct husk_mount_plan *plan);

/* The plan's own (non-recursive) flags and clear_flags as mount_setattr
   attributes, for a bind made with open_tree + mount_setattr instead of a
   remount.  The atime mode is replaced whole (MOUNT_ATTR__ATIME in *clr)
   whenever an atime option was given, as the kernel requires. */
void husk_mount_plan_flag_attrs (const struct husk_mount_plan *plan, uint64_t *set, uint64_t *clr);

/* linux.rootfsPropagation → MS_* for mount("", "/", NULL, flags, NULL).
   NULL (unset) gives runc's default, MS_SLAVE|MS_REC, so host mounts still
   propagate in and nothing propagates out. */
int husk_rootfs_propagation (const char *value, unsigned long *flags, husk_err_t **err);

#endif
