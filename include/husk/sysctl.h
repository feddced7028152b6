/* linux.sysctl: only keys that the container's own namespaces scope, as
   runc allows them; a host-wide key (kernel.core_pattern, vm.*) is refused
   before anything is created. */
#ifndef HUSK_SYSCTL_H
#define HUSK_SYSCTL_H

#include "husk/error.h"
#include "husk/spec.h"

/* Every key must be well formed and namespaced by a namespace the config
   creates or joins (a joined one must not be the runtime's own):
     ipc:  kernel.msgmax, msgmnb, msgmni, sem, shmall, shmmax, shmmni,
           shm_rmid_forced, fs.mqueue.*
     uts:  kernel.domainname (kernel.hostname is refused: it is the
           `hostname` field's)
     net:  net.*
   The error names the key: `config.json: linux.sysctl: "kernel.core_pattern"
   is not namespaced ...`. */
int husk_sysctl_check (const struct husk_spec *spec, husk_err_t **err);

/* "net.ipv4.ip_forward" → "sys/net/ipv4/ip_forward" (a key with '/' keeps
   its dots, as sysctl(8): "net/ipv4/conf/eth0.100/forwarding").  NULL for
   a malformed key (empty, ".", ".." components).  Caller frees. */
char *husk_sysctl_proc_path (const char *key);

/* Write every value through proc_fd (a private procfs), resolved beneath
   it without symlinks. */
int husk_sysctl_apply (const struct husk_linux *lx, int proc_fd, husk_err_t **err);

#endif
