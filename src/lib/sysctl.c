/* linux.sysctl: see include/husk/sysctl.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/sysctl.h"
#include "husk/util.h"

static const struct
{
  const char *key; /* exact, or a prefix when it ends with '.' */
  enum husk_ns_kind ns;
} namespaced_keys[] = {
  { "kernel.msgmax", HUSK_NS_IPC }, { "kernel.msgmnb", HUSK_NS_IPC },
  { "kernel.msgmni", HUSK_NS_IPC }, { "kernel.sem", HUSK_NS_IPC },
  { "kernel.shmall", HUSK_NS_IPC }, { "kernel.shmmax", HUSK_NS_IPC },
  { "kernel.shmmni", HUSK_NS_IPC }, { "kernel.shm_rmid_forced", HUSK_NS_IPC },
  { "fs.mqueue.", HUSK_NS_IPC },    { "kernel.domainname", HUSK_NS_UTS },
  { "net.", HUSK_NS_NETWORK },
};

char *
husk_sysctl_proc_path (const char *key)
{
  bool slashes = strchr (key, '/') != NULL;
  char sep = slashes ? '/' : '.';
  cleanup_free char *path = xasprintf ("sys/%s", key);
  char *comp = path + 4;
  for (char *p = comp;; p++)
    if (*p == sep || *p == '\0')
      {
        size_t len = (size_t)(p - comp);
        if (len == 0 || (len == 1 && comp[0] == '.') || (len == 2 && strncmp (comp, "..", 2) == 0))
          return NULL;
        if (*p == '\0')
          break;
        *p = '/';
        comp = p + 1;
      }
  return steal_pointer (&path);
}

/* The namespace that scopes key (separators read as dots), or -1. */
static int
namespace_of (const char *key)
{
  cleanup_free char *dotted = xstrdup (key);
  for (char *p = dotted; *p; p++)
    if (*p == '/')
      *p = '.';
  for (size_t i = 0; i < ARRAY_SIZE (namespaced_keys); i++)
    {
      const char *k = namespaced_keys[i].key;
      size_t kl = strlen (k);
      if (k[kl - 1] == '.' ? strncmp (dotted, k, kl) == 0 : strcmp (dotted, k) == 0)
        return (int)namespaced_keys[i].ns;
    }
  return -1;
}

/* A joined namespace that is the runtime's own is the host's. */
static bool
is_runtime_namespace (const char *path, enum husk_ns_kind kind)
{
  char own[64];
  struct stat a, b;
  snprintf (own, sizeof own, "/proc/self/ns/%s", husk_ns_table[kind].proc_name);
  return stat (path, &a) == 0 && stat (own, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

static int
check_key (const struct husk_spec *spec, const char *key, husk_err_t **err)
{
  cleanup_free char *path = husk_sysctl_proc_path (key);
  if (path == NULL)
    return husk_error (err, 0, "config.json: linux.sysctl: \"%s\" is not a valid key", key);
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel/hostname") == 0)
    return husk_error (err, 0,
                       "config.json: linux.sysctl: \"%s\" is not allowed: it conflicts with the "
                       "hostname field",
                       key);
  int kind = namespace_of (key);
  if (kind < 0)
    return husk_error (err, 0,
                       "config.json: linux.sysctl: \"%s\" is not namespaced: it would change the "
                       "host",
                       key);
  const struct husk_namespace *ns = husk_spec_namespace (spec, kind);
  if (ns == NULL || (ns->path && is_runtime_namespace (ns->path, kind)))
    return husk_error (err, 0,
                       "config.json: linux.sysctl: \"%s\" needs a %s namespace of the "
                       "container's own",
                       key, husk_ns_table[kind].name);
  return 0;
}

int
husk_sysctl_check (const struct husk_spec *spec, husk_err_t **err)
{
  const struct husk_linux *lx = spec->linux_;
  for (size_t i = 0; lx && i < lx->n_sysctl; i++)
    if (check_key (spec, lx->sysctl[i].key, err) < 0)
      return -1;
  return 0;
}

int
husk_sysctl_apply (const struct husk_linux *lx, int proc_fd, husk_err_t **err)
{
  for (size_t i = 0; lx && i < lx->n_sysctl; i++)
    {
      const struct husk_kv *kv = &lx->sysctl[i];
      cleanup_free char *path = husk_sysctl_proc_path (kv->key);
      struct open_how how = {
        .flags = O_WRONLY | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
      };
      cleanup_close int fd
          = path ? (int)syscall (SYS_openat2, proc_fd, path, &how, sizeof how) : -1;
      if (fd < 0)
        return husk_error (err, path ? errno : EINVAL, "linux.sysctl \"%s\": open", kv->key);
      if (husk_write_all (fd, kv->value, strlen (kv->value)) < 0)
        return husk_error (err, errno, "linux.sysctl \"%s\": write \"%s\"", kv->key, kv->value);
    }
  return 0;
}
