/* linux.netDevices: host interfaces moved into the container's network
   namespace (renamed on the way when a name is given), keeping their
   addresses and their up state, as the spec asks. */
#ifndef HUSK_NETDEV_H
#define HUSK_NETDEV_H

#include <sys/types.h>

#include "husk/error.h"
#include "husk/spec.h"

/* Before any side effect: every host interface exists, every new name is a
   valid interface name, and no two devices end up with the same name. */
int husk_netdev_check (const struct husk_linux *lx, husk_err_t **err);

/* Parent, once the init has its network namespace (netns_fd): move each
   device in, with its IP addresses, and bring it up if it was up. */
int husk_netdev_move_all (const struct husk_linux *lx, int netns_fd, husk_err_t **err);

#endif
