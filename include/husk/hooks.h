/* OCI hooks: run a hook with the container state on its stdin, its args,
   env and timeout, at the lifecycle points of runtime.md. */
#ifndef HUSK_HOOKS_H
#define HUSK_HOOKS_H

#include <stdbool.h>

#include "husk/error.h"
#include "husk/spec.h"

/* Run every hook of `kind` in order; the first failure stops and is returned
   ("poststart hook /x failed: exit status 3"). */
int husk_hooks_run (const struct husk_spec *spec, enum husk_hook_kind kind, const char *state_json,
                    husk_err_t **err);

bool husk_hooks_any (const struct husk_spec *spec, enum husk_hook_kind kind);

#endif
