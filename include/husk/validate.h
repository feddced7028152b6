/* Cross-field rules of config.json, checked before any side effect. Pure. */
#ifndef HUSK_VALIDATE_H
#define HUSK_VALIDATE_H

#include "husk/spec.h"

/* Rules for create/run: everything the runtime needs to be able to start the
   container (process present, root present, namespaces unique, ...).  Errors
   begin with "config.json: <path>: ". */
int husk_spec_validate (const struct husk_spec *spec, husk_err_t **err);

/* Rules shared with exec --process. */
int husk_process_validate (const struct husk_process *process, const char *path_prefix,
                           husk_err_t **err);

#endif
