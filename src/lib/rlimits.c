/* process.rlimits: see include/husk/rlimits.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "husk/rlimits.h"
#include "husk/util.h"

#define RL(r)                                                                                      \
  {                                                                                                \
#r, r                                                                                          \
  }

const struct husk_rlimit_info husk_rlimit_table[] = {
  RL (RLIMIT_CPU),      RL (RLIMIT_FSIZE), RL (RLIMIT_DATA),   RL (RLIMIT_STACK),
  RL (RLIMIT_CORE),     RL (RLIMIT_RSS),   RL (RLIMIT_NPROC),  RL (RLIMIT_NOFILE),
  RL (RLIMIT_MEMLOCK),  RL (RLIMIT_AS),    RL (RLIMIT_LOCKS),  RL (RLIMIT_SIGPENDING),
  RL (RLIMIT_MSGQUEUE), RL (RLIMIT_NICE),  RL (RLIMIT_RTPRIO), RL (RLIMIT_RTTIME),
};

const size_t husk_rlimit_count = ARRAY_SIZE (husk_rlimit_table);

int
husk_rlimit_from_name (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (husk_rlimit_table); i++)
    if (strcmp (husk_rlimit_table[i].name, name) == 0)
      return husk_rlimit_table[i].resource;
  return -1;
}

const char *
husk_rlimit_name (int resource)
{
  for (size_t i = 0; i < ARRAY_SIZE (husk_rlimit_table); i++)
    if (husk_rlimit_table[i].resource == resource)
      return husk_rlimit_table[i].name;
  return NULL;
}

int
husk_rlimits_resolve_with (const struct husk_rlimit *r, size_t n, const char *where,
                           struct husk_rlimit_setting **out, husk_err_t **err)
{
  cleanup_free struct husk_rlimit_setting *s = xmalloc0 ((n ? n : 1) * sizeof *s);
  for (size_t i = 0; i < n; i++)
    {
      int res = husk_rlimit_from_name (r[i].type ? r[i].type : "");
      if (res < 0)
        return husk_error (err, 0, "%s[%zu].type: unknown rlimit \"%s\"", where, i,
                           r[i].type ? r[i].type : "");
      for (size_t j = 0; j < i; j++)
        if (s[j].resource == res)
          return husk_error (err, 0, "%s[%zu].type: duplicate rlimit \"%s\"", where, i, r[i].type);
      s[i].resource = res;
      s[i].lim.rlim_cur = r[i].soft;
      s[i].lim.rlim_max = r[i].hard;
    }
  *out = steal_pointer (&s);
  return 0;
}

int
husk_rlimits_resolve (const struct husk_rlimit *r, size_t n, struct husk_rlimit_setting **out,
                      husk_err_t **err)
{
  return husk_rlimits_resolve_with (r, n, "config.json: process.rlimits", out, err);
}

/* "1024" or "unlimited" into buf. */
static const char *
fmt_limit (rlim_t v, char *buf, size_t len)
{
  if (v == RLIM_INFINITY)
    return "unlimited";
  snprintf (buf, len, "%" PRIu64, (uint64_t)v);
  return buf;
}

int
husk_rlimits_apply (const struct husk_rlimit_setting *s, size_t n, pid_t pid, husk_err_t **err)
{
  for (size_t i = 0; i < n; i++)
    {
      if (prlimit (pid, s[i].resource, &s[i].lim, NULL) == 0)
        continue;
      int saved = errno;
      char soft[32], hard[32], cur[32];
      const char *name = husk_rlimit_name (s[i].resource);
      struct rlimit now;
      if (saved == EPERM && prlimit (pid, s[i].resource, NULL, &now) == 0
          && s[i].lim.rlim_max > now.rlim_max)
        return husk_error (err, saved,
                           "set %s to soft %s, hard %s: raising the hard limit above the "
                           "current one (%s) needs CAP_SYS_RESOURCE",
                           name, fmt_limit (s[i].lim.rlim_cur, soft, sizeof soft),
                           fmt_limit (s[i].lim.rlim_max, hard, sizeof hard),
                           fmt_limit (now.rlim_max, cur, sizeof cur));
      return husk_error (err, saved, "set %s to soft %s, hard %s", name,
                         fmt_limit (s[i].lim.rlim_cur, soft, sizeof soft),
                         fmt_limit (s[i].lim.rlim_max, hard, sizeof hard));
    }
  return 0;
}
