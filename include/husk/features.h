/* `husk features`: the runtime-spec features document (features.md and
   features-linux.md of runtime-spec 1.3), built from the very tables the
   parser and the translators read, so that it cannot claim what the code
   does not do.  spec/features.md says which fields are fixed, which depend
   on the build and which are probed. */
#ifndef HUSK_FEATURES_H
#define HUSK_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "husk/cgroup.h"

#define HUSK_OCI_VERSION_MIN "1.0.0"
#define HUSK_OCI_VERSION_MAX HUSK_SPEC_VERSION

struct husk_features_annotation
{
  const char *key;
  const char *value;
};

/* What the document says.  Every list is NULL-terminated; a NULL list is
   left out of the document ("unknown", as features.md allows), an empty one
   is written as []. */
struct husk_features
{
  const char *oci_version_min;
  const char *oci_version_max;
  const char *const *hooks;
  const char *const *mount_options;

  const char *const *namespaces;
  const char *const *capabilities;
  struct husk_cgroup_features cgroup;
  bool seccomp_enabled;
  const char *const *seccomp_actions;
  const char *const *seccomp_operators;
  const char *const *seccomp_archs;
  const char *const *seccomp_known_flags;
  const char *const *seccomp_supported_flags;
  bool apparmor;
  bool selinux;
  bool intel_rdt;
  bool idmap_mounts;
  bool net_devices;
  const char *const *memory_policy_modes;
  const char *const *memory_policy_flags;

  const struct husk_features_annotation *annotations; /* ends with { NULL, NULL } */
  const char *const *unsafe_annotations;              /* potentiallyUnsafeConfigAnnotations */
};

/* Fill *f from husk's tables.  The only probe is the kernel's answer for
   seccomp's supportedFlags (done once); everything else is fixed by the
   build.  The pointers stay valid for the life of the process. */
void husk_features_collect (struct husk_features *f);

/* Pure: *f as the JSON document, pretty-printed with a two-space indent and
   a final newline.  Caller frees. */
char *husk_features_json (const struct husk_features *f);

#endif
