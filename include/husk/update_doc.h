/* `update`'s input as documents (pure, update_doc.c): runc's flags turned
   into a linux.resources overlay, and an overlay merged over the resources a
   container already has.  The merged document is what update applies (every
   value, as runc's Set does, so that values that depend on each other, like
   memory.swap.max = swap - limit or cpu.max = "quota period", stay right
   when only one of them changes) and what it records. */
#ifndef HUSK_UPDATE_DOC_H
#define HUSK_UPDATE_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "husk/error.h"

/* A size as docker/go-units' RAMInBytes reads it, which runc uses for its
   memory flags: a decimal number with an optional fraction, an optional
   space, an optional k/m/g/t/p (any case, binary multiples), optional 'i'
   and optional 'b': "512m", "1.5g", "64 KiB", "1024".  The fraction is
   truncated after multiplying ("1.5k" = 1536).  Error "invalid size: 'S'". */
int husk_parse_ram (const char *s, int64_t *out, husk_err_t **err);

/* runc update's flags, each NULL when not given (values as typed). */
struct husk_update_flags
{
  const char *memory, *memory_swap, *memory_reservation;           /* "-1" or a RAM size */
  const char *cpu_shares, *cpu_period, *cpu_burst, *cpu_rt_period; /* unsigned */
  const char *cpu_quota, *cpu_rt_runtime, *cpu_idle;               /* signed */
  const char *cpuset_cpus, *cpuset_mems;                           /* "" = not given */
  const char *pids_limit;   /* integer, 0 = not given (runc's IntFlag) */
  const char *blkio_weight; /* integer, 0 = not given */
};

/* The linux.resources overlay the flags describe, e.g.
   {"memory":{"limit":50331648},"pids":{"limit":40}}; "{}" for none.
   Errors name the flag as runc does: "invalid value for --memory: invalid
   size: '12x'".  Caller frees *json. */
int husk_update_flags_doc (const struct husk_update_flags *f, char **json, husk_err_t **err);

/* overlay merged over base (both linux.resources JSON objects; base may be
   NULL or empty for "{}"): objects merge member by member in base's order
   then the overlay's new members, any other overlay value replaces the base
   one, a null in the overlay leaves the base value.  runc's rule for v1
   compatibility is applied: an overlay memory.limit of -1 without a
   memory.swap sets memory.swap to -1 as well.  Errors name the document
   (base_name or "resources.json").  Caller frees *merged. */
int husk_update_merge (const char *base_name, const char *base, size_t base_len,
                       const char *overlay, size_t overlay_len, char **merged, husk_err_t **err);

/* The linux.resources member of a config.json text, as JSON ("{}" when it
   has none).  Errors name "config.json".  Caller frees *out. */
int husk_config_resources_doc (const char *config, size_t len, char **out, husk_err_t **err);

#endif
