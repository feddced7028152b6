/* Capabilities: names ↔ numbers through libcap, the five sets of
   process.capabilities as bitmasks, and applying them in the container. */
#ifndef HUSK_CAPS_H
#define HUSK_CAPS_H

#include <stdint.h>

#include "husk/error.h"
#include "husk/spec.h"

/* Bit n is capability n (CAP_CHOWN = 0 ...). */
struct husk_cap_sets
{
  uint64_t bounding;
  uint64_t effective;
  uint64_t inheritable;
  uint64_t permitted;
  uint64_t ambient;
};

/* Every capability libcap knows, as OCI spells them ("CAP_CHOWN" ...),
   NULL-terminated and indexed by number (for `husk features`). */
const char *const *husk_caps_all_names (void);

/* "CAP_SYS_ADMIN" → 21, or -1 for a name libcap does not know.  Exact,
   upper-case match, as runc: "cap_sys_admin" and "21" are not names. */
int husk_cap_from_name (const char *name);
/* 21 → "CAP_SYS_ADMIN", or NULL. */
const char *husk_cap_name (int cap);

/* The highest capability number the running kernel supports. */
int husk_caps_last_cap (void);

/* process.capabilities → bitmasks.  NULL gives five empty sets.  A name
   libcap does not know is an error naming the set and the value
   (`config.json: process.capabilities.bounding: unknown capability "CAP_FOO"`);
   a known one the running kernel lacks is a warning and is left out, as the
   spec asks.  Pure apart from asking libcap for the kernel's last cap. */
int husk_caps_resolve (const struct husk_capabilities *c, struct husk_cap_sets *out,
                       husk_err_t **err);

/* The same with the message prefix (e.g. "process.json: capabilities") and
   the kernel's last cap given by the caller. */
int husk_caps_resolve_with (const struct husk_capabilities *c, const char *where, int last_cap,
                            struct husk_cap_sets *out, husk_err_t **err);

/* Make the calling thread's capabilities exactly `sets`.  Syscalls; for the
   container child, once, after setuid/setgid and before execve:

     prctl (PR_SET_KEEPCAPS, 1)   before setuid, or a non-root uid loses permitted
     setresgid/setgroups/setresuid
     husk_caps_apply              (this; it re-raises effective from permitted
                                   to drop the bounding set, which needs
                                   CAP_SETPCAP, then sets E/P/I, then ambient)

   Seccomp goes before this when noNewPrivileges is false (loading a filter
   then needs CAP_SYS_ADMIN), after it otherwise.  Inheritable and ambient
   are exactly what the config asks, usually nothing (CVE-2022-29162).  An
   ambient capability the kernel refuses (not in permitted and inheritable)
   is a warning, as in runc. */
int husk_caps_apply (const struct husk_cap_sets *sets, husk_err_t **err);

#endif
