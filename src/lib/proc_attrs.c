/* personality, scheduler, ioPriority, memoryPolicy, execCPUAffinity: see
   include/husk/proc_attrs.h. */
#include <limits.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "husk/log.h"
#include "husk/proc_attrs.h"
#include "husk/util.h"

/* Newer than Debian 12's kernel headers (Linux 6.9 uapi). */
#define HUSK_MPOL_WEIGHTED_INTERLEAVE 6

_Static_assert(sizeof (struct husk_sched_attr) == 48, "struct sched_attr, SCHED_ATTR_SIZE_VER0");

#define NV(x)                                                                                      \
  {                                                                                                \
#x, x                                                                                          \
  }
#define END                                                                                        \
  {                                                                                                \
    NULL, 0                                                                                        \
  }

const struct husk_named_value husk_personality_domains[] = {
  { "LINUX", PER_LINUX },
  { "LINUX32", PER_LINUX32 },
  END,
};

const struct husk_named_value husk_sched_policies[] = {
  NV (SCHED_OTHER), NV (SCHED_FIFO), NV (SCHED_RR),       NV (SCHED_BATCH),
  NV (SCHED_ISO),   NV (SCHED_IDLE), NV (SCHED_DEADLINE), END,
};

const struct husk_named_value husk_sched_flags[] = {
  NV (SCHED_FLAG_RESET_ON_FORK),  NV (SCHED_FLAG_RECLAIM),
  NV (SCHED_FLAG_DL_OVERRUN),     NV (SCHED_FLAG_KEEP_POLICY),
  NV (SCHED_FLAG_KEEP_PARAMS),    NV (SCHED_FLAG_UTIL_CLAMP_MIN),
  NV (SCHED_FLAG_UTIL_CLAMP_MAX), END,
};

const struct husk_named_value husk_ioprio_classes[] = {
  NV (IOPRIO_CLASS_RT),
  NV (IOPRIO_CLASS_BE),
  NV (IOPRIO_CLASS_IDLE),
  END,
};

const struct husk_named_value husk_mempolicy_modes[] = {
  NV (MPOL_DEFAULT),    NV (MPOL_BIND),
  NV (MPOL_INTERLEAVE), { "MPOL_WEIGHTED_INTERLEAVE", HUSK_MPOL_WEIGHTED_INTERLEAVE },
  NV (MPOL_PREFERRED),  NV (MPOL_PREFERRED_MANY),
  NV (MPOL_LOCAL),      END,
};

const struct husk_named_value husk_mempolicy_flags[] = {
  NV (MPOL_F_NUMA_BALANCING),
  NV (MPOL_F_RELATIVE_NODES),
  NV (MPOL_F_STATIC_NODES),
  END,
};

const struct husk_named_value *
husk_named_value_lookup (const struct husk_named_value *table, const char *name)
{
  for (; name && table->name; table++)
    if (strcmp (table->name, name) == 0)
      return table;
  return NULL;
}

#define LONG_BITS (8 * sizeof (unsigned long))

/* One decimal number at *p, advancing it; -1 if none or too large. */
static long
parse_id (const char **p)
{
  long v = 0;
  if (**p < '0' || **p > '9')
    return -1;
  for (; **p >= '0' && **p <= '9'; (*p)++)
    {
      v = v * 10 + (**p - '0');
      if (v > INT_MAX)
        return -1;
    }
  return v;
}

int
husk_id_list_parse (const char *list, unsigned long *bits, size_t nbits)
{
  memset (bits, 0, (nbits + LONG_BITS - 1) / LONG_BITS * sizeof *bits);
  const char *p = list;
  for (;;)
    {
      long lo = parse_id (&p), hi = lo;
      if (*p == '-')
        {
          p++;
          hi = parse_id (&p);
        }
      if (lo < 0 || hi < lo || (size_t)hi >= nbits)
        return -1;
      for (long i = lo; i <= hi; i++)
        bits[i / LONG_BITS] |= 1UL << (i % LONG_BITS);
      if (*p == '\0')
        return 0;
      if (*p++ != ',')
        return -1;
    }
}

int
husk_personality_resolve (const struct husk_personality *p, unsigned long *persona,
                          husk_err_t **err)
{
  const struct husk_named_value *d = husk_named_value_lookup (husk_personality_domains, p->domain);
  if (d == NULL)
    return husk_error (err, 0,
                       "config.json: linux.personality.domain: unknown domain \"%s\" (expected "
                       "LINUX or LINUX32)",
                       p->domain ? p->domain : "");
  for (size_t i = 0; i < p->n_flags; i++)
    husk_log_warn ("linux.personality.flags[%zu]: ignoring \"%s\": no personality flags are "
                   "supported",
                   i, p->flags[i]);
  *persona = d->value;
  return 0;
}

int
husk_sched_resolve (const struct husk_scheduler *s, const char *where, struct husk_sched_attr *out,
                    husk_err_t **err)
{
  struct husk_sched_attr a = { .size = sizeof a };
  const struct husk_named_value *pol = husk_named_value_lookup (husk_sched_policies, s->policy);
  if (pol == NULL)
    return husk_error (err, 0, "%s.scheduler.policy: unknown policy \"%s\"", where,
                       s->policy ? s->policy : "");
  a.sched_policy = pol->value;
  for (size_t i = 0; i < s->n_flags; i++)
    {
      const struct husk_named_value *f = husk_named_value_lookup (husk_sched_flags, s->flags[i]);
      if (f == NULL)
        return husk_error (err, 0, "%s.scheduler.flags[%zu]: unknown flag \"%s\"", where, i,
                           s->flags[i]);
      a.sched_flags |= f->value;
    }

  bool fair = a.sched_policy == SCHED_OTHER || a.sched_policy == SCHED_BATCH;
  bool realtime = a.sched_policy == SCHED_FIFO || a.sched_policy == SCHED_RR;
  if (fair && (s->nice < -20 || s->nice > 19))
    return husk_error (err, 0, "%s.scheduler.nice: %d is out of range -20..19", where, s->nice);
  if (realtime && (s->priority < 1 || s->priority > 99))
    return husk_error (err, 0, "%s.scheduler.priority: %d is out of range 1..99 for %s", where,
                       s->priority, pol->name);
  if (!realtime && s->priority != 0)
    return husk_error (err, 0, "%s.scheduler.priority: only SCHED_FIFO and SCHED_RR take one",
                       where);
  bool deadline_params = (s->runtime.set && s->runtime.value)
                         || (s->deadline.set && s->deadline.value)
                         || (s->period.set && s->period.value);
  if (a.sched_policy != SCHED_DEADLINE && deadline_params)
    return husk_error (
        err, 0, "%s.scheduler: runtime, deadline and period are only for SCHED_DEADLINE", where);

  a.sched_nice = s->nice;
  a.sched_priority = s->priority;
  a.sched_runtime = s->runtime.value;
  a.sched_deadline = s->deadline.value;
  a.sched_period = s->period.value;
  *out = a;
  return 0;
}

int
husk_ioprio_resolve (const struct husk_io_priority *p, const char *where, int *ioprio,
                     husk_err_t **err)
{
  const struct husk_named_value *c = husk_named_value_lookup (husk_ioprio_classes, p->class_);
  if (c == NULL)
    return husk_error (err, 0, "%s.ioPriority.class: unknown class \"%s\"", where,
                       p->class_ ? p->class_ : "");
  if (p->priority < 0 || p->priority >= IOPRIO_NR_LEVELS)
    return husk_error (err, 0, "%s.ioPriority.priority: %d is out of range 0..%d", where,
                       p->priority, IOPRIO_NR_LEVELS - 1);
  *ioprio = IOPRIO_PRIO_VALUE (c->value, p->priority);
  return 0;
}

int
husk_mempolicy_resolve (const struct husk_memory_policy *p, struct husk_mempolicy *out,
                        husk_err_t **err)
{
  static const char at[] = "config.json: linux.memoryPolicy";
  struct husk_mempolicy mp = { 0 };
  const struct husk_named_value *m = husk_named_value_lookup (husk_mempolicy_modes, p->mode);
  if (m == NULL)
    return husk_error (err, 0, "%s.mode: unknown mode \"%s\"", at, p->mode ? p->mode : "");
  unsigned long flags = 0;
  for (size_t i = 0; i < p->n_flags; i++)
    {
      const struct husk_named_value *f
          = husk_named_value_lookup (husk_mempolicy_flags, p->flags[i]);
      if (f == NULL)
        return husk_error (err, 0, "%s.flags[%zu]: unknown flag \"%s\"", at, i, p->flags[i]);
      flags |= f->value;
    }
  if ((flags & MPOL_F_STATIC_NODES) && (flags & MPOL_F_RELATIVE_NODES))
    return husk_error (err, 0,
                       "%s.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude "
                       "each other",
                       at);

  bool has_nodes = p->nodes && *p->nodes;
  if (has_nodes && husk_id_list_parse (p->nodes, mp.nodemask, HUSK_MAX_NUMA_NODES) < 0)
    return husk_error (err, 0, "%s.nodes: invalid node list \"%s\"", at, p->nodes);
  bool no_nodes_allowed = m->value == MPOL_DEFAULT || m->value == MPOL_LOCAL;
  bool nodes_required = !no_nodes_allowed && m->value != MPOL_PREFERRED;
  if (has_nodes && no_nodes_allowed)
    return husk_error (err, 0, "%s.nodes: must be empty for %s", at, m->name);
  if (!has_nodes && nodes_required)
    return husk_error (err, 0, "%s.nodes: required for %s", at, m->name);

  mp.mode = (int)(m->value | flags);
  /* set_mempolicy reads maxnode - 1 bits. */
  mp.maxnode = has_nodes ? HUSK_MAX_NUMA_NODES + 1 : 0;
  *out = mp;
  return 0;
}

static int
parse_cpus (const char *list, const char *where, const char *field, cpu_set_t *set,
            husk_err_t **err)
{
  unsigned long bits[CPU_SETSIZE / LONG_BITS];
  if (husk_id_list_parse (list, bits, CPU_SETSIZE) < 0)
    return husk_error (err, 0, "%s.execCPUAffinity.%s: invalid cpu list \"%s\"", where, field,
                       list);
  CPU_ZERO (set);
  for (size_t i = 0; i < CPU_SETSIZE; i++)
    if (bits[i / LONG_BITS] & (1UL << (i % LONG_BITS)))
      CPU_SET (i, set);
  return 0;
}

int
husk_cpu_affinity_resolve (const struct husk_exec_cpu_affinity *a, const char *where,
                           struct husk_cpu_affinity *out, husk_err_t **err)
{
  struct husk_cpu_affinity r = { 0 };
  r.has_initial = a->initial != NULL;
  r.has_final = a->final != NULL;
  if ((r.has_initial && parse_cpus (a->initial, where, "initial", &r.initial, err) < 0)
      || (r.has_final && parse_cpus (a->final, where, "final", &r.final, err) < 0))
    return -1;
  *out = r;
  return 0;
}
