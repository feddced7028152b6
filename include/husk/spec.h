/* config.json as typed structs.  spec.c fills them from JSON (the only
   module that sees JSON); everything after reads these, never JSON.
   Arrays are pointer + count (string arrays are also NULL-terminated, so
   they can go to execve as they are); optional scalars carry a `has_` flag or use
   the husk_opt_* wrappers; absent objects are NULL pointers. */
#ifndef HUSK_SPEC_H
#define HUSK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "husk/error.h"

typedef struct
{
  bool set;
  int64_t value;
} husk_opt_i64;
typedef struct
{
  bool set;
  uint64_t value;
} husk_opt_u64;
typedef struct
{
  bool set;
  uint32_t value;
} husk_opt_u32;
typedef struct
{
  bool set;
  bool value;
} husk_opt_bool;

/* A JSON object of string values, in file order. */
struct husk_kv
{
  char *key;
  char *value;
};

struct husk_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

/* ---- process ---- */

struct husk_rlimit
{
  char *type; /* "RLIMIT_NOFILE"; translated by rlimits.c */
  uint64_t hard;
  uint64_t soft;
};

struct husk_capabilities
{
  char **bounding;
  size_t n_bounding;
  char **effective;
  size_t n_effective;
  char **inheritable;
  size_t n_inheritable;
  char **permitted;
  size_t n_permitted;
  char **ambient;
  size_t n_ambient;
};

struct husk_user
{
  uint32_t uid;
  uint32_t gid;
  husk_opt_u32 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* Windows only; parsed and ignored */
};

struct husk_scheduler
{
  char *policy; /* "SCHED_OTHER" ... */
  int32_t nice;
  int32_t priority;
  char **flags;
  size_t n_flags;
  husk_opt_u64 runtime;
  husk_opt_u64 deadline;
  husk_opt_u64 period;
};

struct husk_io_priority
{
  char *class_; /* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" */
  int32_t priority;
};

struct husk_exec_cpu_affinity
{
  char *initial; /* cpu list, e.g. "0-3,7" */
  char *final;
};

struct husk_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height;
  uint32_t console_width;
  struct husk_user user;
  char **args;
  size_t n_args;
  char *command_line; /* Windows only */
  char **env;
  size_t n_env;
  char *cwd;
  struct husk_capabilities *capabilities;
  struct husk_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  husk_opt_i64 oom_score_adj;
  struct husk_scheduler *scheduler;
  char *selinux_label;
  struct husk_io_priority *io_priority;
  struct husk_exec_cpu_affinity *exec_cpu_affinity;
};

/* ---- root, mounts ---- */

struct husk_root
{
  char *path;
  bool readonly;
};

struct husk_mount
{
  char *destination;
  char *source;
  char *type;
  char **options;
  size_t n_options;
  struct husk_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct husk_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

/* ---- hooks ---- */

enum husk_hook_kind
{
  HUSK_HOOK_PRESTART,
  HUSK_HOOK_CREATE_RUNTIME,
  HUSK_HOOK_CREATE_CONTAINER,
  HUSK_HOOK_START_CONTAINER,
  HUSK_HOOK_POSTSTART,
  HUSK_HOOK_POSTSTOP,
  HUSK_HOOK_KIND_COUNT
};

/* JSON names, indexed by enum husk_hook_kind ("prestart", "createRuntime", ...). */
extern const char *const husk_hook_names[HUSK_HOOK_KIND_COUNT];

struct husk_hook
{
  char *path;
  char **args;
  size_t n_args;
  char **env;
  size_t n_env;
  husk_opt_i64 timeout; /* seconds, > 0 */
};

struct husk_hook_list
{
  struct husk_hook *hooks;
  size_t n_hooks;
};

/* ---- linux ---- */

enum husk_ns_kind
{
  HUSK_NS_PID,
  HUSK_NS_NETWORK,
  HUSK_NS_MOUNT,
  HUSK_NS_IPC,
  HUSK_NS_UTS,
  HUSK_NS_USER,
  HUSK_NS_CGROUP,
  HUSK_NS_TIME,
  HUSK_NS_KIND_COUNT
};

struct husk_namespace
{
  enum husk_ns_kind type;
  char *path; /* NULL: create a new one */
};

struct husk_time_offsets
{
  bool has_boottime;
  int64_t boottime_secs;
  uint32_t boottime_nanosecs;
  bool has_monotonic;
  int64_t monotonic_secs;
  uint32_t monotonic_nanosecs;
};

struct husk_device
{
  char *path;
  char *type; /* "c", "b", "u" or "p" */
  int64_t major;
  int64_t minor;
  husk_opt_u32 file_mode;
  husk_opt_u32 uid;
  husk_opt_u32 gid;
};

struct husk_device_cgroup_rule
{
  bool allow;
  char *type;         /* "a", "c", "b" or NULL (= all) */
  husk_opt_i64 major; /* unset = wildcard */
  husk_opt_i64 minor;
  char *access; /* "rwm" subset, NULL = all */
};

struct husk_memory
{
  husk_opt_i64 limit;
  husk_opt_i64 reservation;
  husk_opt_i64 swap;
  husk_opt_i64 kernel;
  husk_opt_i64 kernel_tcp;
  husk_opt_u64 swappiness;
  husk_opt_bool disable_oom_killer;
  husk_opt_bool use_hierarchy;
  husk_opt_bool check_before_update;
};

struct husk_cpu
{
  husk_opt_u64 shares;
  husk_opt_i64 quota;
  husk_opt_u64 burst;
  husk_opt_u64 period;
  husk_opt_i64 realtime_runtime;
  husk_opt_u64 realtime_period;
  char *cpus;
  char *mems;
  husk_opt_i64 idle;
};

struct husk_weight_device
{
  int64_t major;
  int64_t minor;
  husk_opt_u32 weight; /* uint16 in the spec */
  husk_opt_u32 leaf_weight;
};

struct husk_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct husk_block_io
{
  husk_opt_u32 weight;
  husk_opt_u32 leaf_weight;
  struct husk_weight_device *weight_device;
  size_t n_weight_device;
  struct husk_throttle_device *throttle_read_bps_device;
  size_t n_throttle_read_bps_device;
  struct husk_throttle_device *throttle_write_bps_device;
  size_t n_throttle_write_bps_device;
  struct husk_throttle_device *throttle_read_iops_device;
  size_t n_throttle_read_iops_device;
  struct husk_throttle_device *throttle_write_iops_device;
  size_t n_throttle_write_iops_device;
};

struct husk_hugepage_limit
{
  char *page_size; /* "2MB", "1GB", may carry ".rsvd" handling in cgroup.c */
  uint64_t limit;
};

struct husk_net_priority
{
  char *name;
  uint32_t priority;
};

struct husk_network
{
  husk_opt_u32 class_id;
  struct husk_net_priority *priorities;
  size_t n_priorities;
};

struct husk_rdma
{
  char *device;
  husk_opt_u32 hca_handles;
  husk_opt_u32 hca_objects;
};

struct husk_resources
{
  struct husk_device_cgroup_rule *devices;
  size_t n_devices;
  struct husk_memory *memory;
  struct husk_cpu *cpu;
  husk_opt_i64 pids_limit; /* linux.resources.pids.limit */
  struct husk_block_io *block_io;
  struct husk_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct husk_network *network;
  struct husk_rdma *rdma;
  size_t n_rdma; /* object keyed by device name */
  struct husk_kv *unified;
  size_t n_unified;
};

struct husk_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  char *op; /* "SCMP_CMP_EQ" ... translated by seccomp.c */
};

struct husk_seccomp_syscall
{
  char **names;
  size_t n_names;
  char *action;
  husk_opt_u32 errno_ret;
  struct husk_seccomp_arg *args;
  size_t n_args;
};

struct husk_seccomp
{
  char *default_action;
  husk_opt_u32 default_errno_ret;
  char **architectures;
  size_t n_architectures;
  char **flags;
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct husk_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct husk_intel_rdt
{
  char *clos_id;
  char **schemata;
  size_t n_schemata;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_monitoring;
};

struct husk_personality
{
  char *domain; /* "LINUX" | "LINUX32" */
  char **flags;
  size_t n_flags;
};

struct husk_memory_policy
{
  char *mode; /* "MPOL_DEFAULT" ... */
  char *nodes;
  char **flags;
  size_t n_flags;
};

struct husk_net_device
{
  char *host_name; /* the key of linux.netDevices */
  char *name;      /* new name inside the container; NULL keeps host_name */
};

struct husk_linux
{
  struct husk_namespace *namespaces;
  size_t n_namespaces;
  struct husk_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct husk_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct husk_time_offsets *time_offsets;
  struct husk_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct husk_resources *resources;
  struct husk_intel_rdt *intel_rdt;
  struct husk_kv *sysctl;
  size_t n_sysctl;
  struct husk_seccomp *seccomp;
  char *rootfs_propagation;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  struct husk_personality *personality;
  struct husk_memory_policy *memory_policy;
  struct husk_net_device *net_devices;
  size_t n_net_devices;
};

/* ---- the whole config ---- */

struct husk_spec
{
  char *oci_version;
  struct husk_process *process; /* required by create, optional in the schema */
  struct husk_root *root;
  char *hostname;
  char *domainname;
  struct husk_mount *mounts;
  size_t n_mounts;
  struct husk_hook_list hooks[HUSK_HOOK_KIND_COUNT];
  struct husk_kv *annotations;
  size_t n_annotations;
  struct husk_linux *linux_; /* `linux` is a predefined macro in GNU C */
};

/* Parse a config.json document.  Errors name the JSON path and begin with
   "config.json: ", e.g. "config.json: process.args: expected an array of strings". */
int husk_spec_parse (const char *json, size_t len, struct husk_spec **out, husk_err_t **err);
/* Read and parse <bundle_dirfd>/config.json. */
int husk_spec_load_at (int bundle_dirfd, struct husk_spec **out, husk_err_t **err);

/* Parse a process.json (exec --process, same shape as config.json's "process"). */
int husk_process_parse (const char *json, size_t len, struct husk_process **out, husk_err_t **err);

/* Parse a linux.resources document (update --resources). */
int husk_resources_parse (const char *json, size_t len, struct husk_resources **out,
                          husk_err_t **err);

void husk_spec_free (struct husk_spec *spec);
void husk_process_free (struct husk_process *process);
void husk_resources_free (struct husk_resources *resources);
void husk_spec_freep (struct husk_spec **spec);
#define cleanup_spec __attribute__ ((cleanup (husk_spec_freep)))

/* Namespace kind <-> spec name ("pid", "network", ...) and CLONE_NEW* flag. */
struct husk_ns_info
{
  enum husk_ns_kind kind;
  const char *name;      /* config.json name */
  const char *proc_name; /* /proc/PID/ns/<proc_name> */
  int clone_flag;
};
extern const struct husk_ns_info husk_ns_table[HUSK_NS_KIND_COUNT];
const struct husk_ns_info *husk_ns_by_name (const char *name);
/* The namespace entry of this kind, or NULL when the config has none. */
const struct husk_namespace *husk_spec_namespace (const struct husk_spec *spec,
                                                  enum husk_ns_kind kind);

#endif
