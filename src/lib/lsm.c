/* Linux security modules: see include/husk/lsm.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "husk/lsm.h"
#include "husk/util.h"

/* linux/magic.h of Debian 12 has it, older ones do not. */
#define HUSK_SELINUX_MAGIC 0xf97cff8c

bool
husk_apparmor_enabled (void)
{
  char c = 'N';
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y';
}

bool
husk_selinux_enabled (void)
{
  struct statfs sfs;
  return statfs ("/sys/fs/selinux", &sfs) == 0 && (unsigned long)sfs.f_type == HUSK_SELINUX_MAGIC;
}

int
husk_lsm_check (const struct husk_process *p, const struct husk_linux *lx, const char *where,
                husk_err_t **err)
{
  if (p->apparmor_profile && *p->apparmor_profile && !husk_apparmor_enabled ())
    return husk_error (err, 0,
                       "%s.apparmorProfile: \"%s\" is asked for, but AppArmor is not enabled on "
                       "this host",
                       where, p->apparmor_profile);
  if (p->selinux_label && *p->selinux_label && !husk_selinux_enabled ())
    return husk_error (err, 0,
                       "%s.selinuxLabel: \"%s\" is asked for, but SELinux is not enabled on this "
                       "host",
                       where, p->selinux_label);
  if (lx && lx->mount_label && *lx->mount_label && !husk_selinux_enabled ())
    return husk_error (err, 0,
                       "config.json: linux.mountLabel: \"%s\" is asked for, but SELinux is not "
                       "enabled on this host",
                       lx->mount_label);
  return 0;
}

/* attr/<lsm>/exec where the kernel has per-LSM directories, attr/exec before. */
static int
write_exec_attr (int proc_fd, const char *lsm, const char *value, husk_err_t **err)
{
  cleanup_free char *path = xasprintf ("thread-self/attr/%s/exec", lsm);
  cleanup_close int fd = openat (proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT)
    fd = openat (proc_fd, "thread-self/attr/exec", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return husk_error (err, errno, "open the %s exec attribute", lsm);
  /* a file mounted over the attribute must not take the label instead */
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    return husk_error (err, EPERM, "the %s exec attribute is not on procfs", lsm);
  if (husk_write_all (fd, value, strlen (value)) < 0)
    return husk_error (err, errno, "set the %s exec attribute to \"%s\"", lsm, value);
  return 0;
}

int
husk_lsm_apply_exec (const struct husk_process *p, int proc_fd, husk_err_t **err)
{
  if (p->apparmor_profile && *p->apparmor_profile)
    {
      cleanup_free char *cmd = xasprintf ("exec %s", p->apparmor_profile);
      if (write_exec_attr (proc_fd, "apparmor", cmd, err) < 0)
        return husk_error_prefix (err, "process.apparmorProfile");
    }
  if (p->selinux_label && *p->selinux_label
      && write_exec_attr (proc_fd, "selinux", p->selinux_label, err) < 0)
    return husk_error_prefix (err, "process.selinuxLabel");
  return 0;
}

char *
husk_lsm_mount_data (const char *type, const char *data, const char *mount_label)
{
  static const char *const no_context[]
      = { "proc", "sysfs", "cgroup", "cgroup2", "mqueue", "bind" };
  if (mount_label == NULL || *mount_label == '\0' || type == NULL)
    return NULL;
  for (size_t i = 0; i < ARRAY_SIZE (no_context); i++)
    if (strcmp (type, no_context[i]) == 0)
      return NULL;
  return data && *data ? xasprintf ("%s,context=\"%s\"", data, mount_label)
                       : xasprintf ("context=\"%s\"", mount_label);
}
