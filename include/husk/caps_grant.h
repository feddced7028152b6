/* Capabilities the runtime cannot grant: the spec asks for a warning and to
   go on without them (a runtime started with a reduced bounding set, say
   without CAP_SYS_RESOURCE, still runs configs that list it). */
#ifndef HUSK_CAPS_GRANT_H
#define HUSK_CAPS_GRANT_H

#include <stdbool.h>

#include "husk/caps.h"

/* Drop from every set what the calling process could not give: bounding
   and inheritable beyond its own bounding set, effective, permitted and
   ambient beyond its permitted set; one warning per capability dropped.
   in_userns: the process will be in a user namespace of its own, where it
   holds every capability of its bounding set, so only that set limits. */
void husk_caps_keep_grantable (struct husk_cap_sets *sets, bool in_userns);

#endif
