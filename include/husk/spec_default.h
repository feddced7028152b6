/* The config.json `husk spec` writes: runc's default, with no inheritable
   capabilities, and its rootless variant. */
#ifndef HUSK_SPEC_DEFAULT_H
#define HUSK_SPEC_DEFAULT_H

#include <stdbool.h>
#include <sys/types.h>

/* uid/gid are the host ids mapped to root for the rootless variant. */
char *husk_spec_default_json (bool rootless, uid_t uid, gid_t gid);

#endif
