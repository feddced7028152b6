/* Idmapped bind mounts (the `idmap` and `ridmap` options, a mount's
   uidMappings/gidMappings).  Made by the parent, in the runtime's mount
   namespace where it still has the privilege mount_setattr(MOUNT_ATTR_IDMAP)
   needs: a detached clone of the source with the mapping applied, which
   the child attaches at the destination with move_mount. */
#ifndef HUSK_MOUNT_IDMAP_H
#define HUSK_MOUNT_IDMAP_H

#include <stddef.h>

#include "husk/error.h"
#include "husk/mount_opts.h"
#include "husk/spec.h"

/* trees[i] (n_mounts entries, set to -1 first) gets the prepared tree of
   every idmapped mount.  A mount without mappings of its own takes the
   container's (linux.uidMappings/gidMappings); with neither it is an error
   naming the mount. */
int husk_idmap_trees_prepare (const struct husk_spec *spec, const struct husk_mount_plan *plans,
                              const char *bundle, int *trees, husk_err_t **err);

void husk_idmap_trees_close (int *trees, size_t n);

#endif
