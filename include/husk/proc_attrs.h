/* Smaller process and linux attributes of config.json, translated to the
   values their syscalls take: personality, scheduler, ioPriority,
   memoryPolicy, execCPUAffinity.  Pure: tables and parsing, no syscalls.
   `where` prefixes messages, e.g. "config.json: process" or "process.json". */
#ifndef HUSK_PROC_ATTRS_H
#define HUSK_PROC_ATTRS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "husk/error.h"
#include "husk/spec.h"

/* Name ↔ value tables, each ending with { NULL, 0 }; `husk features` lists
   their names (memoryPolicy modes and flags). */
struct husk_named_value
{
  const char *name;
  unsigned long value;
};
extern const struct husk_named_value husk_personality_domains[];
extern const struct husk_named_value husk_sched_policies[];
extern const struct husk_named_value husk_sched_flags[];
extern const struct husk_named_value husk_ioprio_classes[];
extern const struct husk_named_value husk_mempolicy_modes[];
extern const struct husk_named_value husk_mempolicy_flags[];

/* The entry called `name` in a table, or NULL. */
const struct husk_named_value *husk_named_value_lookup (const struct husk_named_value *table,
                                                        const char *name);

/* "0-3,7" → bits 0,1,2,3,7 set in bits[] (nbits wide, cleared first).
   Decimal numbers and ascending ranges, comma-separated; anything else, or
   a number >= nbits, fails (-1). */
int husk_id_list_parse (const char *list, unsigned long *bits, size_t nbits);

/* linux.personality → the persona for personality(2).  Flags: the spec
   defines none; given ones are ignored with a warning, as runc does. */
int husk_personality_resolve (const struct husk_personality *p, unsigned long *persona,
                              husk_err_t **err);

/* The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER0), ready for
   syscall (SYS_sched_setattr, 0, &attr, 0). */
struct husk_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

/* process.scheduler → sched_attr, with runc's checks: nice in -20..19 for
   SCHED_OTHER/BATCH, priority only (and 1..99) for SCHED_FIFO/RR, runtime,
   deadline and period only for SCHED_DEADLINE. */
int husk_sched_resolve (const struct husk_scheduler *s, const char *where,
                        struct husk_sched_attr *out, husk_err_t **err);

/* process.ioPriority → the value for ioprio_set(IOPRIO_WHO_PROCESS, ...):
   class << 13 | priority, priority in 0..7. */
int husk_ioprio_resolve (const struct husk_io_priority *p, const char *where, int *ioprio,
                         husk_err_t **err);

/* Node numbers up to the kernel's largest MAX_NUMNODES. */
#define HUSK_MAX_NUMA_NODES 1024

/* linux.memoryPolicy → set_mempolicy (mode, maxnode ? nodemask : NULL, maxnode). */
struct husk_mempolicy
{
  int mode; /* MPOL_* | MPOL_F_* */
  unsigned long nodemask[HUSK_MAX_NUMA_NODES / (8 * sizeof (unsigned long))];
  unsigned long maxnode; /* 0 when no nodes are given */
};

/* Checks what is knowable without the machine: known mode and flags,
   STATIC and RELATIVE not together, nodes required by BIND, INTERLEAVE,
   WEIGHTED_INTERLEAVE and PREFERRED_MANY, refused by DEFAULT and LOCAL. */
int husk_mempolicy_resolve (const struct husk_memory_policy *p, struct husk_mempolicy *out,
                            husk_err_t **err);

/* process.execCPUAffinity: the cpu sets for sched_setaffinity before
   execve (initial) and after it (final). */
struct husk_cpu_affinity
{
  bool has_initial;
  bool has_final;
  cpu_set_t initial;
  cpu_set_t final;
};
int husk_cpu_affinity_resolve (const struct husk_exec_cpu_affinity *a, const char *where,
                               struct husk_cpu_affinity *out, husk_err_t **err);

#endif
