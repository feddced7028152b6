/* The device filter, kernel side: load the program cgroup_devices.c built
   and put it on the container's cgroup, replacing the previous one without a
   window where none is attached. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "husk/cgroup.h"
#include "husk/log.h"
#include "husk/util.h"

static int
bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (__NR_bpf, cmd, attr, sizeof *attr);
}

int
husk_bpf_device_prog_load (const struct husk_bpf_prog *p, int *fd_out, husk_err_t **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t)p->insns;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uintptr_t) "GPL";
  int fd = bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    {
      *fd_out = fd;
      return 0;
    }
  int saved = errno;
  if (saved != EINVAL && saved != EACCES)
    return husk_error (err, saved, "load the device filter (bpf BPF_PROG_LOAD)");
  /* Rejected by the verifier: load again with its log for the message. */
  cleanup_free char *log = xmalloc0 (65536);
  attr.log_buf = (uintptr_t)log;
  attr.log_size = 65536;
  attr.log_level = 1;
  fd = bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    close (fd);
  size_t len = strlen (log);
  while (len > 0 && log[len - 1] == '\n')
    log[--len] = '\0';
  const char *last = strrchr (log, '\n');
  return husk_error (err, saved, "the kernel rejected the device filter (%s)",
                     last ? last + 1 : log);
}

/* Ids of the device programs attached directly to the cgroup (ours). */
static int
query_ids (int cgroup_fd, uint32_t *ids, uint32_t *n, husk_err_t **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = cgroup_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uintptr_t)ids;
  attr.query.prog_cnt = *n;
  if (bpf (BPF_PROG_QUERY, &attr) < 0)
    return husk_error (err, errno, "query the cgroup's device filters (bpf BPF_PROG_QUERY)");
  *n = attr.query.prog_cnt;
  return 0;
}

static int
prog_fd_by_id (uint32_t id, husk_err_t **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  int fd = bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0)
    return husk_error (err, errno, "open device filter program %u", id);
  return fd;
}

static int
attach (int cgroup_fd, int prog_fd, unsigned flags, int replace_fd)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = cgroup_fd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = flags;
  attr.replace_bpf_fd = replace_fd < 0 ? 0 : replace_fd;
  return bpf (BPF_PROG_ATTACH, &attr);
}

static int
detach (int cgroup_fd, int prog_fd)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = cgroup_fd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  return bpf (BPF_PROG_DETACH, &attr);
}

int
husk_bpf_device_prog_attach (int cgroup_fd, int prog_fd, husk_err_t **err)
{
  uint32_t ids[64], n = ARRAY_SIZE (ids);
  if (query_ids (cgroup_fd, ids, &n, err) < 0)
    return -1;
  if (n > ARRAY_SIZE (ids))
    n = ARRAY_SIZE (ids);
  if (n == 1)
    {
      cleanup_close int old = prog_fd_by_id (ids[0], err);
      if (old < 0)
        return -1;
      if (attach (cgroup_fd, prog_fd, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old) == 0)
        return 0;
      /* Kernels before 5.6 lack BPF_F_REPLACE: fall through to add + remove. */
      husk_log_debug ("BPF_F_REPLACE failed (%s), attaching then detaching", strerror (errno));
    }
  if (attach (cgroup_fd, prog_fd, BPF_F_ALLOW_MULTI, -1) < 0)
    return husk_error (err, errno, "attach the device filter (bpf BPF_PROG_ATTACH)");
  /* The new filter is in place; the old ones only narrowed it further. */
  for (uint32_t i = 0; i < n; i++)
    {
      cleanup_close int old = prog_fd_by_id (ids[i], err);
      if (old < 0)
        return -1;
      if (detach (cgroup_fd, old) < 0 && errno != ENOENT)
        return husk_error (err, errno, "detach the old device filter (bpf BPF_PROG_DETACH)");
    }
  return 0;
}
