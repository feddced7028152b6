/* Capabilities the runtime cannot grant: see include/husk/caps_grant.h. */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/caps_grant.h"
#include "husk/log.h"

void
husk_caps_keep_grantable (struct husk_cap_sets *s, bool in_userns)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct d[2];
  if (syscall (SYS_capget, &h, d) < 0)
    return; /* nothing known: leave it to the kernel to refuse */
  uint64_t permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
  uint64_t bounding = 0;
  for (int v = 0; v <= husk_caps_last_cap (); v++)
    if (prctl (PR_CAPBSET_READ, v, 0, 0, 0) == 1)
      bounding |= UINT64_C (1) << v;
  if (in_userns)
    permitted = bounding;
  uint64_t lost = ((s->bounding | s->inheritable) & ~bounding)
                  | ((s->effective | s->permitted | s->ambient) & ~permitted);
  for (int v = 0; v < 64; v++)
    if (lost >> v & 1)
      husk_log_warn ("process.capabilities: %s cannot be granted (the runtime does not hold it), "
                     "going on without it",
                     husk_cap_name (v));
  s->bounding &= bounding;
  s->inheritable &= bounding;
  s->effective &= permitted;
  s->permitted &= permitted;
  s->ambient &= permitted;
}
