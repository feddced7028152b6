/* The scheduling and execution attributes of a container process:
   process.scheduler, process.ioPriority, process.execCPUAffinity,
   linux.personality and linux.memoryPolicy.  Resolved (through the tables
   of proc_attrs.h) by the parent before any side effect, applied by the
   child just before execve. */
#ifndef HUSK_PROC_SETTINGS_H
#define HUSK_PROC_SETTINGS_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "husk/error.h"
#include "husk/proc_attrs.h"
#include "husk/spec.h"

struct husk_proc_settings
{
  bool has_sched;
  struct husk_sched_attr sched;
  bool has_ioprio;
  int ioprio;
  bool has_personality;
  unsigned long persona;
  bool has_mempolicy;
  struct husk_mempolicy mempolicy;
  struct husk_cpu_affinity affinity;
};

/* Translate the fields of p and lx (lx may be NULL); `where` prefixes the
   process fields' messages ("config.json: process", "process.json"). */
int husk_proc_settings_resolve (const struct husk_process *p, const struct husk_linux *lx,
                                const char *where, struct husk_proc_settings *out,
                                husk_err_t **err);

/* The calling process: scheduler, I/O priority, personality and memory
   policy (each only when configured).  Before seccomp and before
   capabilities are dropped: SCHED_FIFO and IOPRIO_CLASS_RT need
   CAP_SYS_NICE / CAP_SYS_ADMIN. */
int husk_proc_settings_apply (const struct husk_proc_settings *s, husk_err_t **err);

/* sched_setaffinity (pid, set); `which` ("initial", "final") names it in errors. */
int husk_cpu_affinity_apply (pid_t pid, const cpu_set_t *set, const char *which, husk_err_t **err);

#endif
