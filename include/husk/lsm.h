/* Linux security modules: process.apparmorProfile, process.selinuxLabel
   and linux.mountLabel.  Applied where that LSM is enabled; asked for where
   it is not, an error before anything is created. */
#ifndef HUSK_LSM_H
#define HUSK_LSM_H

#include <stdbool.h>

#include "husk/error.h"
#include "husk/spec.h"

bool husk_apparmor_enabled (void);
bool husk_selinux_enabled (void);

/* `where` names the process ("config.json: process", "process.json");
   lx may be NULL (exec: no mountLabel). */
int husk_lsm_check (const struct husk_process *p, const struct husk_linux *lx, const char *where,
                    husk_err_t **err);

/* Just before execve: the AppArmor profile and SELinux label the exec
   switches to, written through proc_fd (a private procfs). */
int husk_lsm_apply_exec (const struct husk_process *p, int proc_fd, husk_err_t **err);

/* The mount data with the SELinux context of linux.mountLabel added, for
   the filesystems that take one (not proc, sysfs, cgroup, mqueue).  NULL
   when there is nothing to add.  Caller frees. */
char *husk_lsm_mount_data (const char *type, const char *data, const char *mount_label);

#endif
