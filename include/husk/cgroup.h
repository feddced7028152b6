/* cgroup v2: where a container's cgroup lives, what linux.resources means in
   v2 files, and the lifecycle calls (create, enter, update, freeze, kill,
   destroy, stats).  v1 is out of scope.

   Paths: every `rel_path` below is relative to the cgroup2 mountpoint, as
   husk_cgroup_resolve returns it ("a/b/c": no leading or trailing slash,
   never empty, never "..").  The library only ever removes or writes to the
   container's own cgroup and the intermediate cgroups it created itself; the
   one exception, as runc does, is adding a controller the config needs to the
   `cgroup.subtree_control` of an existing ancestor that offers it. */
#ifndef HUSK_CGROUP_H
#define HUSK_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/bpf.h>

#include "husk/error.h"
#include "husk/spec.h"

/* ---- where ---- */

/* The cgroup2 mountpoint from /proc/self/mountinfo ("/sys/fs/cgroup", or
   "/sys/fs/cgroup/unified" on hybrid hosts).  Cached after the first call.
   Error when there is no cgroup2 mount.  Caller frees *out. */
int husk_cgroup_mountpoint (char **out, husk_err_t **err);

/* The container's cgroup, relative to the mountpoint, following runc's fs
   driver:
   - absolute cgroupsPath: taken from the hierarchy root;
   - relative cgroupsPath: under the PARENT of husk's own cgroup (the "0::"
     line of /proc/self/cgroup), as runc does because husk's own cgroup
     normally has processes and so cannot have children with controllers;
   - unset (NULL or ""): "<parent of own cgroup>/<id>", as runc does.
   Errors: a ".." component (no escape, not even one that would normalize
   back inside), a path that is the hierarchy root itself, and the systemd
   form "slice:prefix:name" (husk has no systemd driver).  Caller frees. */
int husk_cgroup_resolve (const char *cgroups_path, const char *id, char **out_rel,
                         husk_err_t **err);
/* The same, pure: own_cgroup is the "0::" path, e.g. "/user.slice/x.scope". */
int husk_cgroup_resolve_in (const char *cgroups_path, const char *id, const char *own_cgroup,
                            char **out_rel, husk_err_t **err);

/* Pure parsers behind the two above (exposed for tests).
   mountinfo: the first cgroup2 mount; *mount_root is its root field ("/"
   unless a sub-tree was bind-mounted).  proc_cgroup: the "0::" path. */
int husk_cgroup_parse_mountinfo (const char *mountinfo, char **mountpoint, char **mount_root,
                                 husk_err_t **err);
int husk_cgroup_parse_proc_cgroup (const char *text, char **path, husk_err_t **err);

/* ---- linux.resources -> cgroup v2 files (pure, cgroup_resources.c) ---- */

enum husk_cgroup_write_flags
{
  /* A missing file is skipped (memory.swap.max without swap accounting,
     hugetlb.*.rsvd.max on old kernels). */
  HUSK_CGW_IF_EXISTS = 1 << 0,
  /* EINVAL is retried once after every other write (cpu.max.burst, which the
     kernel checks against the quota about to be written). */
  HUSK_CGW_RETRY_LAST = 1 << 1,
  /* A missing file is skipped with a warning (io.bfq.weight per device
     without BFQ): runc ignores these silently, husk at least says so. */
  HUSK_CGW_WARN_MISSING = 1 << 2,
};

/* One line written to one file of the container's cgroup. */
struct husk_cgroup_write
{
  const char *controller; /* "memory", "cpu", ...; "cgroup" for core files */
  char *field;            /* config path for messages: "linux.resources.memory.limit" */
  char *file;             /* "memory.max" */
  char *value;            /* "1048576" */
  char *fallback_file;    /* tried when `file` does not exist, or NULL */
  char *fallback_value;
  unsigned flags; /* enum husk_cgroup_write_flags */
};

struct husk_cgroup_writes
{
  struct husk_cgroup_write *v;
  size_t n;
};

/* Translate linux.resources (NULL: nothing) into writes, in the order they
   must happen; linux.resources.devices is not part of it (see the device
   filter below).  Conversions, as runc does:
   - memory.limit -> memory.max, reservation -> memory.low (-1: "max", 0: unset);
     swap -> memory.swap.max as swap - limit (runc's
     ConvertMemorySwapToCgroupV2Value); swappiness is an error (no v2 file);
     kernel, kernelTCP, disableOOMKiller, useHierarchy are ignored.
   - cpu.shares -> cpu.weight with the quadratic formula of runc >= 1.3.2 and
     crun >= 1.23 (husk_cgroup_cpu_weight); quota/period -> cpu.max
     ("quota period", "max period"); burst -> cpu.max.burst; idle -> cpu.idle
     (first; cpu.weight is left out while idle is 1: the kernel refuses it);
     cpus/mems -> cpuset.cpus/cpuset.mems; realtimeRuntime/realtimePeriod are
     an error.
   - pids.limit -> pids.max (negative: "max").
   - blockIO.weight -> io.bfq.weight, falling back to io.weight with runc's
     ConvertBlkIOToIOWeightValue; weightDevice likewise per "MAJ:MIN";
     throttle*Device -> one io.max line per device ("MAJ:MIN rbps=.. wbps=..
     riops=.. wiops=..", a rate of 0 meaning "max" as 0 meant "no limit" in v1).
   - hugepageLimits -> hugetlb.<size>.max and, if present, .rsvd.max.
   - rdma -> rdma.max "<dev> hca_handle=N hca_object=M".
   - unified: "<controller>.<file>" keys, each line of the value one write;
     no '/', no "..", not one of the files husk manages itself
     (cgroup.procs, cgroup.threads, cgroup.subtree_control, cgroup.freeze,
     cgroup.kill, cgroup.type).
   - network (net_cls/net_prio) is an error: v1 only. */
int husk_cgroup_translate (const struct husk_resources *res, struct husk_cgroup_writes *out,
                           husk_err_t **err);
void husk_cgroup_writes_free (struct husk_cgroup_writes *w);

/* cpu.shares [2, 262144] -> cpu.weight [1, 10000]; 0 -> 0 (unset).
   weight = ceil(10^((l^2 + 125 l) / 612 - 7/34)), l = log2(shares): maps
   2 -> 1, 1024 -> 100 (both defaults), 262144 -> 10000. */
uint64_t husk_cgroup_cpu_weight (uint64_t shares);
/* blkio weight [10, 1000] -> io.weight [1, 10000], linearly as runc. */
uint64_t husk_cgroup_io_weight (uint64_t blkio_weight);
/* OCI memory.swap (memory+swap) -> memory.swap.max value; -1 means "max",
 *out_set false means "do not write".  Errors as runc's conversion. */
int husk_cgroup_swap_value (int64_t swap, int64_t limit, bool *out_set, int64_t *out,
                            husk_err_t **err);

/* Whether a unified key is acceptable ("memory.high" yes, "../x", "a/b",
   "cgroup.procs", "nodot" no).  On success *controller_len is the length of
   the controller prefix. */
int husk_cgroup_check_unified_key (const char *key, size_t *controller_len, husk_err_t **err);

/* ---- the device filter (pure part: cgroup_devices.c) ---- */

struct husk_bpf_prog
{
  struct bpf_insn *insns; /* the kernel's layout, from <linux/bpf.h> */
  size_t n;
};

/* A device rule with every wildcard made explicit. */
struct husk_device_rule
{
  bool allow;
  char type;       /* 'a', 'c' or 'b' */
  int64_t major;   /* -1: any */
  int64_t minor;   /* -1: any */
  unsigned access; /* HUSK_DEV_ACC_* bits */
};

/* As the kernel's BPF_DEVCG_ACC_* and BPF_DEVCG_DEV_*. */
#define HUSK_DEV_ACC_MKNOD 1u
#define HUSK_DEV_ACC_READ  2u
#define HUSK_DEV_ACC_WRITE 4u
#define HUSK_DEV_BLOCK     1u
#define HUSK_DEV_CHAR      2u

/* The rules the container's filter enforces, as runc builds them: the
   config's linux.resources.devices in order, then runc's default allowed
   devices (null, zero, full, random, urandom, tty, ptmx, pts/, net/tun and
   mknod of any device), then an rwm allow for each linux.devices entry.
   res and devices may be NULL.  Errors name the bad rule
   ("linux.resources.devices[2].access: ..."). */
int husk_cgroup_device_rules (const struct husk_resources *res, const struct husk_device *devices,
                              size_t n_devices, struct husk_device_rule **out, size_t *n_out,
                              husk_err_t **err);

/* Compile rules into a BPF_PROG_TYPE_CGROUP_DEVICE program.  Semantics: the
   default is deny; for each access bit asked for, the LAST rule that matches
   type, major, minor and that bit decides; the request is allowed only when
   every bit it asks for is allowed. */
int husk_cgroup_device_prog (const struct husk_device_rule *rules, size_t n,
                             struct husk_bpf_prog *out, husk_err_t **err);
void husk_bpf_prog_free (struct husk_bpf_prog *p);

/* Kernel side (cgroup_bpf.c).  load: bpf(BPF_PROG_LOAD); a verifier
   rejection carries the verifier's last line.  attach: put prog_fd on the
   cgroup with BPF_F_ALLOW_MULTI, replacing the device programs already
   attached there (BPF_F_REPLACE when there is exactly one, otherwise attach
   first and detach the old ones after). */
int husk_bpf_device_prog_load (const struct husk_bpf_prog *p, int *fd_out, husk_err_t **err);
int husk_bpf_device_prog_attach (int cgroup_fd, int prog_fd, husk_err_t **err);

/* What to put into / onto the container's cgroup. */
struct husk_cgroup_config
{
  const struct husk_resources *resources; /* linux.resources, NULL: none */
  const struct husk_device *devices;      /* linux.devices, allowed in the filter */
  size_t n_devices;
  bool no_device_filter; /* true: leave devices unrestricted (no eBPF program) */
};

/* The device filter cfg asks for, compiled (pure: every error of the rules
   shows here, before anything exists), and loaded and attached to a live
   cgroup.  husk_cgroup_create leaves the filter to its caller: create loads
   it while the init sets up, before the hooks (runc too applies the
   resources only once its init has made its mounts). */
int husk_cgroup_device_filter_build (const struct husk_cgroup_config *cfg,
                                     struct husk_bpf_prog *out, husk_err_t **err);
int husk_cgroup_device_filter_apply (int dirfd, const struct husk_bpf_prog *prog, husk_err_t **err);

/* ---- lifecycle (cgroup.c) ---- */

/* Check that the hierarchy has every controller cfg needs, then enable the
   needed ones where missing in the existing ancestors, from the root down
   (as runc does), create rel_path and its missing parents (parents husk
   creates pass on every controller they are offered), apply the resources,
   and return an O_DIRECTORY|O_CLOEXEC fd of the
   cgroup for clone3's CLONE_INTO_CGROUP.  An existing cgroup is reused unless
   it is frozen or has processes (error).  A controller the hierarchy lacks is
   an error naming it, e.g.
   "linux.resources.memory: the cgroup v2 hierarchy has no memory controller",
   found before anything is created or written.  On failure the cgroups it
   created are removed (controllers it enabled in existing ancestors stay, as
   with runc).  cfg may be NULL (no resources, default device filter). */
int husk_cgroup_create (const char *rel_path, const struct husk_cgroup_config *cfg, int *dirfd_out,
                        husk_err_t **err);

/* An O_DIRECTORY|O_CLOEXEC fd of an existing cgroup (exec's CLONE_INTO_CGROUP). */
int husk_cgroup_open (const char *rel_path, int *dirfd_out, husk_err_t **err);

/* Move pid into the cgroup through cgroup.procs (when clone3 could not). */
int husk_cgroup_enter (const char *rel_path, pid_t pid, husk_err_t **err);

/* Apply resources to a live cgroup (update).  cfg->resources NULL: nothing.
   A controller needed for the first time is enabled down the ancestors
   first (as at create).  The device filter is replaced only when
   cfg->resources has devices rules; the new program is attached before the
   old one goes (BPF_F_REPLACE where possible), so there is never a moment
   without one.  Honours memory.checkBeforeUpdate (a limit at or below
   memory.current is refused). */
int husk_cgroup_update (const char *rel_path, const struct husk_cgroup_config *cfg,
                        husk_err_t **err);

/* Write cgroup.freeze and wait (bounded, ~10 s) until cgroup.events says
   "frozen 1" (or "frozen 0").  A freeze that times out is undone. */
int husk_cgroup_freeze (const char *rel_path, bool frozen, husk_err_t **err);
/* The requested state in cgroup.freeze; a missing cgroup is not frozen. */
int husk_cgroup_is_frozen (const char *rel_path, bool *frozen, husk_err_t **err);

/* Signal every process of the cgroup and its descendants: cgroup.kill for
   SIGKILL; otherwise (or without cgroup.kill) freeze, signal each pid, thaw
   (the thaw is skipped when the cgroup was already frozen). */
int husk_cgroup_kill (const char *rel_path, int sig, husk_err_t **err);

/* Every pid of the cgroup and its descendants (cgroup.procs), unsorted.
   Caller frees *pids. */
int husk_cgroup_pids (const char *rel_path, pid_t **pids, size_t *n, husk_err_t **err);

/* Whether the cgroup (or a descendant) has processes ("populated 1"). */
int husk_cgroup_is_populated (const char *rel_path, bool *populated, husk_err_t **err);

/* rmdir the cgroup, its child cgroups first; EBUSY retried for about a
   second (processes that are exiting); a missing cgroup is success.  No
   freezing: an empty cgroup goes at once. */
int husk_cgroup_destroy (const char *rel_path, husk_err_t **err);

/* ---- statistics (cgroup_stats.c), for events --stats ---- */

#define HUSK_CGROUP_MAX UINT64_MAX /* a limit of "max" */

struct husk_cgroup_kv
{
  char *key;
  uint64_t value;
};

struct husk_cgroup_io_entry
{
  uint32_t major, minor;
  uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

struct husk_cgroup_hugetlb_entry
{
  char *page_size;                /* "2MB" */
  uint64_t current, max, failcnt; /* failcnt: hugetlb.<size>.events "max" */
};

/* Each has_* says whether the controller's files were there. */
struct husk_cgroup_stats
{
  bool has_cpu; /* cpu.stat (always present in v2, "core" accounting) */
  uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
  uint64_t cpu_nr_periods, cpu_nr_throttled, cpu_throttled_usec;

  bool has_memory;
  uint64_t memory_current, memory_max, memory_peak; /* peak 0 when the kernel has none */
  uint64_t swap_current, swap_max;
  uint64_t events_low, events_high, events_max, events_oom, events_oom_kill; /* memory.events */
  struct husk_cgroup_kv *memory_stat; /* memory.stat, file order */
  size_t n_memory_stat;

  bool has_pids;
  uint64_t pids_current, pids_max;

  struct husk_cgroup_io_entry *io; /* io.stat */
  size_t n_io;

  struct husk_cgroup_hugetlb_entry *hugetlb;
  size_t n_hugetlb;
};

int husk_cgroup_stats (const char *rel_path, struct husk_cgroup_stats *st, husk_err_t **err);
void husk_cgroup_stats_free (struct husk_cgroup_stats *st);

/* Pure parsers of the stat files (exposed for tests). */
int husk_cgroup_parse_kv (const char *text, struct husk_cgroup_kv **out, size_t *n);
int husk_cgroup_parse_io_stat (const char *text, struct husk_cgroup_io_entry **out, size_t *n);
/* "max" -> HUSK_CGROUP_MAX, else a decimal number. */
int husk_cgroup_parse_limit (const char *text, uint64_t *out);

/* ---- husk features ---- */

struct husk_cgroup_features
{
  bool v1, v2, systemd, systemd_user, rdma;
};
extern const struct husk_cgroup_features husk_cgroup_features;

#endif
