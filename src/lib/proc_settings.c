/* Scheduling and execution attributes: see include/husk/proc_settings.h. */
#include <errno.h>
#include <linux/ioprio.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/proc_settings.h"

int
husk_proc_settings_resolve (const struct husk_process *p, const struct husk_linux *lx,
                            const char *where, struct husk_proc_settings *out, husk_err_t **err)
{
  struct husk_proc_settings s = { 0 };
  if (p->scheduler)
    {
      s.has_sched = true;
      if (husk_sched_resolve (p->scheduler, where, &s.sched, err) < 0)
        return -1;
    }
  if (p->io_priority)
    {
      s.has_ioprio = true;
      if (husk_ioprio_resolve (p->io_priority, where, &s.ioprio, err) < 0)
        return -1;
    }
  if (p->exec_cpu_affinity
      && husk_cpu_affinity_resolve (p->exec_cpu_affinity, where, &s.affinity, err) < 0)
    return -1;
  if (lx && lx->personality)
    {
      s.has_personality = true;
      if (husk_personality_resolve (lx->personality, &s.persona, err) < 0)
        return -1;
    }
  if (lx && lx->memory_policy)
    {
      s.has_mempolicy = true;
      if (husk_mempolicy_resolve (lx->memory_policy, &s.mempolicy, err) < 0)
        return -1;
    }
  *out = s;
  return 0;
}

int
husk_proc_settings_apply (const struct husk_proc_settings *s, husk_err_t **err)
{
  if (s->has_sched && syscall (SYS_sched_setattr, 0, &s->sched, 0) < 0)
    return husk_error (err, errno, "process.scheduler: sched_setattr");
  if (s->has_ioprio && syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, s->ioprio) < 0)
    return husk_error (err, errno, "process.ioPriority: ioprio_set");
  if (s->has_personality && personality (s->persona) < 0)
    return husk_error (err, errno, "linux.personality: personality");
  const struct husk_mempolicy *mp = &s->mempolicy;
  if (s->has_mempolicy
      && syscall (SYS_set_mempolicy, mp->mode, mp->maxnode ? mp->nodemask : NULL, mp->maxnode) < 0)
    return husk_error (err, errno, "linux.memoryPolicy: set_mempolicy");
  return 0;
}

int
husk_cpu_affinity_apply (pid_t pid, const cpu_set_t *set, const char *which, husk_err_t **err)
{
  if (sched_setaffinity (pid, sizeof *set, set) < 0)
    return husk_error (err, errno, "process.execCPUAffinity.%s: sched_setaffinity", which);
  return 0;
}
