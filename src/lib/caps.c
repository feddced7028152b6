/* Capabilities: see include/husk/caps.h. */
#include <errno.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/capability.h>

#include "husk/caps.h"
#include "husk/log.h"
#include "husk/util.h"

/* A uint64_t mask holds caps 0..63; the kernel is far from that. */
#define MAX_CAPS 64

static void
cap_freep (cap_t *c)
{
  if (*c)
    cap_free (*c);
}
#define cleanup_cap __attribute__ ((cleanup (cap_freep)))

/* The capabilities by number, as <linux/capability.h> names them.  One past
   the last is NULL; a newer kernel's extra ones are unknown by name, as
   they would be to libcap of the same age. */
static const char *const cap_names[MAX_CAPS + 1] = {
  [CAP_CHOWN] = "CAP_CHOWN",
  [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
  [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
  [CAP_FOWNER] = "CAP_FOWNER",
  [CAP_FSETID] = "CAP_FSETID",
  [CAP_KILL] = "CAP_KILL",
  [CAP_SETGID] = "CAP_SETGID",
  [CAP_SETUID] = "CAP_SETUID",
  [CAP_SETPCAP] = "CAP_SETPCAP",
  [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
  [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
  [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
  [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
  [CAP_NET_RAW] = "CAP_NET_RAW",
  [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
  [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
  [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
  [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
  [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
  [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
  [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
  [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
  [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
  [CAP_SYS_NICE] = "CAP_SYS_NICE",
  [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
  [CAP_SYS_TIME] = "CAP_SYS_TIME",
  [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
  [CAP_MKNOD] = "CAP_MKNOD",
  [CAP_LEASE] = "CAP_LEASE",
  [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
  [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
  [CAP_SETFCAP] = "CAP_SETFCAP",
  [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
  [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
  [CAP_SYSLOG] = "CAP_SYSLOG",
  [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
  [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
  [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
  [CAP_PERFMON] = "CAP_PERFMON",
  [CAP_BPF] = "CAP_BPF",
  [CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

const char *const *
husk_caps_all_names (void)
{
  return cap_names;
}

int
husk_cap_from_name (const char *name)
{
  const char *const *names = husk_caps_all_names ();
  for (int v = 0; names[v]; v++)
    if (strcmp (names[v], name) == 0)
      return v;
  return -1;
}

const char *
husk_cap_name (int cap)
{
  const char *const *names = husk_caps_all_names ();
  return cap >= 0 && cap < MAX_CAPS ? names[cap] : NULL;
}

int
husk_caps_last_cap (void)
{
  /* libcap probes the kernel (PR_CAPBSET_READ) when it starts. */
  int last = cap_max_bits () - 1;
  return last < MAX_CAPS ? last : MAX_CAPS - 1;
}

static int
resolve_set (char *const *names, size_t n, const char *where, const char *set, int last_cap,
             uint64_t *mask, husk_err_t **err)
{
  *mask = 0;
  for (size_t i = 0; i < n; i++)
    {
      int v = husk_cap_from_name (names[i]);
      if (v < 0)
        return husk_error (err, 0, "%s.%s: unknown capability \"%s\"", where, set, names[i]);
      if (v > last_cap)
        {
          husk_log_warn ("%s.%s: %s is not supported by the running kernel, ignoring it", where,
                         set, names[i]);
          continue;
        }
      *mask |= UINT64_C (1) << v;
    }
  return 0;
}

int
husk_caps_resolve_with (const struct husk_capabilities *c, const char *where, int last_cap,
                        struct husk_cap_sets *out, husk_err_t **err)
{
  struct husk_cap_sets s = { 0 };
  if (c != NULL
      && (resolve_set (c->bounding, c->n_bounding, where, "bounding", last_cap, &s.bounding, err)
              < 0
          || resolve_set (c->effective, c->n_effective, where, "effective", last_cap, &s.effective,
                          err)
                 < 0
          || resolve_set (c->inheritable, c->n_inheritable, where, "inheritable", last_cap,
                          &s.inheritable, err)
                 < 0
          || resolve_set (c->permitted, c->n_permitted, where, "permitted", last_cap, &s.permitted,
                          err)
                 < 0
          || resolve_set (c->ambient, c->n_ambient, where, "ambient", last_cap, &s.ambient, err)
                 < 0))
    return -1;
  *out = s;
  return 0;
}

int
husk_caps_resolve (const struct husk_capabilities *c, struct husk_cap_sets *out, husk_err_t **err)
{
  return husk_caps_resolve_with (c, "config.json: process.capabilities", husk_caps_last_cap (), out,
                                 err);
}

static bool
has (uint64_t mask, int v)
{
  return (mask >> v) & 1;
}

int
husk_caps_apply (const struct husk_cap_sets *sets, husk_err_t **err)
{
  int last = husk_caps_last_cap ();

  /* setuid() with PR_SET_KEEPCAPS kept permitted but emptied effective;
     dropping from the bounding set needs CAP_SETPCAP effective again. */
  cleanup_cap cap_t cur = cap_get_proc ();
  if (cur == NULL)
    return husk_error (err, errno, "read the process capabilities");
  if (cap_fill (cur, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc (cur) < 0)
    return husk_error (err, errno, "raise the effective capabilities");

  for (int v = 0; v <= last; v++)
    if (!has (sets->bounding, v) && cap_drop_bound (v) < 0)
      return husk_error (err, errno, "drop %s from the bounding set", husk_cap_name (v));

  cleanup_cap cap_t want = cap_init ();
  if (want == NULL)
    return husk_error (err, errno, "cap_init");
  const struct
  {
    cap_flag_t flag;
    uint64_t mask;
  } flag_sets[] = {
    { CAP_EFFECTIVE, sets->effective },
    { CAP_PERMITTED, sets->permitted },
    { CAP_INHERITABLE, sets->inheritable },
  };
  for (size_t i = 0; i < ARRAY_SIZE (flag_sets); i++)
    {
      for (cap_value_t v = 0; v <= last; v++)
        if (has (flag_sets[i].mask, v)
            && cap_set_flag (want, flag_sets[i].flag, 1, &v, CAP_SET) < 0)
          return husk_error (err, errno, "cap_set_flag %s", husk_cap_name (v));
    }
  if (cap_set_proc (want) < 0)
    return husk_error (err, errno, "set the effective, permitted and inheritable capabilities");

  /* one call: libcap's cap_reset_ambient asks about each capability first */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return husk_error (err, errno, "clear the ambient capabilities");
  for (int v = 0; v <= last; v++)
    if (has (sets->ambient, v) && cap_set_ambient (v, CAP_SET) < 0)
      husk_log_warn ("cannot raise ambient capability %s (it must be permitted and "
                     "inheritable): %s",
                     husk_cap_name (v), strerror (errno));
  return 0;
}
