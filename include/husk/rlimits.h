/* process.rlimits: RLIMIT_* names ↔ resource numbers, and setting them. */
#ifndef HUSK_RLIMITS_H
#define HUSK_RLIMITS_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "husk/error.h"
#include "husk/spec.h"

struct husk_rlimit_info
{
  const char *name; /* "RLIMIT_NOFILE" */
  int resource;     /* RLIMIT_NOFILE */
};

/* Every resource setrlimit(2) knows, in resource-number order. */
extern const struct husk_rlimit_info husk_rlimit_table[];
extern const size_t husk_rlimit_count;

/* "RLIMIT_NOFILE" → RLIMIT_NOFILE, or -1. */
int husk_rlimit_from_name (const char *name);
/* RLIMIT_NOFILE → "RLIMIT_NOFILE", or NULL. */
const char *husk_rlimit_name (int resource);

struct husk_rlimit_setting
{
  int resource;
  struct rlimit lim;
};

/* process.rlimits → settings (*out has n entries, free() it).  Pure.  An
   unknown type or a type given twice is an error naming
   `config.json: process.rlimits[i].type`. */
int husk_rlimits_resolve (const struct husk_rlimit *r, size_t n, struct husk_rlimit_setting **out,
                          husk_err_t **err);
/* The same with another message prefix, e.g. "process.json: rlimits". */
int husk_rlimits_resolve_with (const struct husk_rlimit *r, size_t n, const char *where,
                               struct husk_rlimit_setting **out, husk_err_t **err);

/* prlimit(2) each setting on pid (0: the caller).  Called where the
   runtime still has CAP_SYS_RESOURCE over the process: raising a hard limit
   above the current one needs it, and the error says so (EPERM). */
int husk_rlimits_apply (const struct husk_rlimit_setting *s, size_t n, pid_t pid, husk_err_t **err);

#endif
