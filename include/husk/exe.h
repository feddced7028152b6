/* Protection against overwriting the runtime binary from inside a
   container (CVE-2019-5736): the process that execs the container's
   program must not have a writable host file as /proc/self/exe. */
#ifndef HUSK_EXE_H
#define HUSK_EXE_H

#include "husk/error.h"

/* When /proc/self/exe is a writable host file, re-exec from a sealed
   read-only memfd copy (returns only on failure).  A binary on a read-only
   mount, or already sealed, needs nothing and returns 0 at once. */
int husk_exe_protect (char **argv, husk_err_t **err);

#endif
