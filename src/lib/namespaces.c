/* Namespaces: see include/husk/namespaces.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "husk/namespaces.h"
#include "husk/util.h"

int
husk_ns_plan_build (const struct husk_spec *spec, struct husk_ns_plan *plan, husk_err_t **err)
{
  plan->clone_flags = 0;
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    plan->join_fds[i] = -1;
  const struct husk_linux *lx = spec->linux_;
  for (size_t i = 0; lx && i < lx->n_namespaces; i++)
    {
      const struct husk_namespace *ns = &lx->namespaces[i];
      const struct husk_ns_info *info = &husk_ns_table[ns->type];
      if (ns->path == NULL)
        {
          plan->clone_flags |= (uint64_t)info->clone_flag;
          continue;
        }
      int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          husk_ns_plan_close (plan);
          return husk_error (err, errno, "linux.namespaces[%zu].path: open `%s`", i, ns->path);
        }
      plan->join_fds[ns->type] = fd;
      int type = ioctl (fd, NS_GET_NSTYPE);
      if (type != info->clone_flag)
        {
          husk_ns_plan_close (plan);
          return husk_error (err, 0, "linux.namespaces[%zu].path: `%s` is not a %s namespace", i,
                             ns->path, info->name);
        }
    }
  return 0;
}

void
husk_ns_plan_close (struct husk_ns_plan *plan)
{
  for (size_t i = 0; i < HUSK_NS_KIND_COUNT; i++)
    if (plan->join_fds[i] >= 0)
      {
        close (plan->join_fds[i]);
        plan->join_fds[i] = -1;
      }
}

/* The user namespace first: it decides what the others may do. */
static const enum husk_ns_kind join_order[] = {
  HUSK_NS_USER, HUSK_NS_IPC,  HUSK_NS_UTS,    HUSK_NS_NETWORK,
  HUSK_NS_PID,  HUSK_NS_TIME, HUSK_NS_CGROUP, HUSK_NS_MOUNT,
};

int
husk_ns_join (const struct husk_ns_plan *plan, husk_err_t **err)
{
  for (size_t i = 0; i < ARRAY_SIZE (join_order); i++)
    {
      enum husk_ns_kind k = join_order[i];
      if (plan->join_fds[k] < 0)
        continue;
      if (setns (plan->join_fds[k], husk_ns_table[k].clone_flag) < 0)
        return husk_error (err, errno, "join the %s namespace", husk_ns_table[k].name);
    }
  return 0;
}

static int
write_map (pid_t pid, const char *file, const struct husk_id_mapping *m, size_t n, husk_err_t **err)
{
  if (n == 0)
    return 0;
  char buf[4096];
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    {
      int w = snprintf (buf + used, sizeof buf - used, "%u %u %u\n", m[i].container_id,
                        m[i].host_id, m[i].size);
      if (w < 0 || (size_t)w >= sizeof buf - used)
        return husk_error (err, E2BIG, "%s: too many mappings", file);
      used += w;
    }
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", pid, file);
  return husk_write_file_at (AT_FDCWD, path, buf, used, 0, 0, err);
}

int
husk_ns_write_idmaps (pid_t pid, const struct husk_linux *lx, husk_err_t **err)
{
  if (write_map (pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err) < 0)
    return -1;
  return write_map (pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err);
}

int
husk_ns_write_time_offsets (pid_t pid, const struct husk_time_offsets *off, husk_err_t **err)
{
  char buf[128];
  size_t used = 0;
  if (off->has_monotonic)
    used += snprintf (buf + used, sizeof buf - used, "monotonic %lld %u\n",
                      (long long)off->monotonic_secs, off->monotonic_nanosecs);
  if (off->has_boottime)
    used += snprintf (buf + used, sizeof buf - used, "boottime %lld %u\n",
                      (long long)off->boottime_secs, off->boottime_nanosecs);
  if (used == 0)
    return 0;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/timens_offsets", pid);
  return husk_write_file_at (AT_FDCWD, path, buf, used, 0, 0, err);
}
