/* config.json's "linux" object (config-linux.md of the OCI runtime-spec
   1.3): namespaces, id mappings, devices, resources, seccomp and the rest,
   as field tables for json_struct.c.  Also the namespace kind table. */
#include <sched.h>
#include <string.h>

#include "husk/json.h"
#include "husk/spec.h"
#include "husk/util.h"
#include "spec_tables.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct husk_ns_info husk_ns_table[HUSK_NS_KIND_COUNT] = {
  [HUSK_NS_PID] = { HUSK_NS_PID, "pid", "pid", CLONE_NEWPID },
  [HUSK_NS_NETWORK] = { HUSK_NS_NETWORK, "network", "net", CLONE_NEWNET },
  [HUSK_NS_MOUNT] = { HUSK_NS_MOUNT, "mount", "mnt", CLONE_NEWNS },
  [HUSK_NS_IPC] = { HUSK_NS_IPC, "ipc", "ipc", CLONE_NEWIPC },
  [HUSK_NS_UTS] = { HUSK_NS_UTS, "uts", "uts", CLONE_NEWUTS },
  [HUSK_NS_USER] = { HUSK_NS_USER, "user", "user", CLONE_NEWUSER },
  [HUSK_NS_CGROUP] = { HUSK_NS_CGROUP, "cgroup", "cgroup", CLONE_NEWCGROUP },
  [HUSK_NS_TIME] = { HUSK_NS_TIME, "time", "time", CLONE_NEWTIME },
};

const struct husk_ns_info *
husk_ns_by_name (const char *name)
{
  for (size_t i = 0; name && i < ARRAY_SIZE (husk_ns_table); i++)
    if (strcmp (husk_ns_table[i].name, name) == 0)
      return &husk_ns_table[i];
  return NULL;
}

const struct husk_namespace *
husk_spec_namespace (const struct husk_spec *spec, enum husk_ns_kind kind)
{
  if (spec == NULL || spec->linux_ == NULL)
    return NULL;
  for (size_t i = 0; i < spec->linux_->n_namespaces; i++)
    if (spec->linux_->namespaces[i].type == kind)
      return &spec->linux_->namespaces[i];
  return NULL;
}

/* ---- namespaces, devices, time offsets ---- */

static int
parse_ns_type (yajl_val v, const struct husk_jpath *p, void *field, husk_err_t **err)
{
  cleanup_free char *name = NULL;
  if (husk_json_string (v, p, &name, err) < 0)
    return -1;
  const struct husk_ns_info *ns = husk_ns_by_name (name);
  if (ns == NULL)
    return husk_json_error (err, p, "unknown namespace type \"%s\"", name);
  *(enum husk_ns_kind *)field = ns->kind;
  return 0;
}

#define ST struct husk_namespace
static const struct husk_jfield namespace_fields[] = {
  F ("type", CUSTOM, type, REQUIRED, .parse = parse_ns_type),
  F ("path", STRING, path),
};
#undef ST
static const struct husk_jdesc namespace_desc
    = HUSK_JDESC (struct husk_namespace, namespace_fields);

/* major and minor are required unless the device is a fifo. */
static int
check_device (const void *obj, yajl_val v, const struct husk_jpath *p, husk_err_t **err)
{
  const struct husk_device *device = obj;
  if (strcmp (device->type, "p") == 0)
    return 0;
  static const char *const numbers[] = { "major", "minor" };
  for (size_t i = 0; i < ARRAY_SIZE (numbers); i++)
    if (husk_json_member (v, numbers[i]) == NULL)
      {
        struct husk_jpath np = HUSK_JPATH_KEY (p, numbers[i]);
        return husk_json_error (err, &np, "missing required field");
      }
  return 0;
}

#define ST struct husk_device
static const struct husk_jfield device_fields[] = {
  F ("path", STRING, path, REQUIRED),
  F ("type", STRING, type, REQUIRED),
  F ("major", I64, major),
  F ("minor", I64, minor),
  F ("fileMode", OPT_U32, file_mode),
  F ("uid", OPT_U32, uid),
  F ("gid", OPT_U32, gid),
};
#undef ST
static const struct husk_jdesc device_desc
    = HUSK_JDESC (struct husk_device, device_fields, .check = check_device);

#define ST struct husk_time_offsets
static const struct husk_jfield boottime_fields[] = {
  F ("secs", I64, boottime_secs),
  F ("nanosecs", U32, boottime_nanosecs),
};
static const struct husk_jfield monotonic_fields[] = {
  F ("secs", I64, monotonic_secs),
  F ("nanosecs", U32, monotonic_nanosecs),
};
static const struct husk_jdesc boottime_desc
    = HUSK_JDESC (struct husk_time_offsets, boottime_fields);
static const struct husk_jdesc monotonic_desc
    = HUSK_JDESC (struct husk_time_offsets, monotonic_fields);
static const struct husk_jfield time_offsets_fields[] = {
  { .name = "boottime",
    .type = HUSK_JT_INLINE_FLAG,
    .aux = offsetof (ST, has_boottime),
    .desc = &boottime_desc },
  { .name = "monotonic",
    .type = HUSK_JT_INLINE_FLAG,
    .aux = offsetof (ST, has_monotonic),
    .desc = &monotonic_desc },
};
#undef ST

/* The kernel offsets only these two clocks: another name cannot be honoured. */
static int
check_time_offsets (const void *obj, yajl_val v, const struct husk_jpath *p, husk_err_t **err)
{
  (void)obj;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *clock = v->u.object.keys[i];
      if (strcmp (clock, "boottime") != 0 && strcmp (clock, "monotonic") != 0)
        {
          struct husk_jpath cp = HUSK_JPATH_KEY (p, clock);
          return husk_json_error (err, &cp, "unknown clock (boottime or monotonic)");
        }
    }
  return 0;
}
static const struct husk_jdesc time_offsets_desc
    = HUSK_JDESC (struct husk_time_offsets, time_offsets_fields, .check = check_time_offsets);

/* ---- linux.resources ---- */

#define ST struct husk_device_cgroup_rule
static const struct husk_jfield device_rule_fields[] = {
  F ("allow", BOOL, allow, REQUIRED), F ("type", STRING, type),     F ("major", OPT_I64, major),
  F ("minor", OPT_I64, minor),        F ("access", STRING, access),
};
#undef ST
static const struct husk_jdesc device_rule_desc
    = HUSK_JDESC (struct husk_device_cgroup_rule, device_rule_fields);

#define ST struct husk_memory
static const struct husk_jfield memory_fields[] = {
  F ("limit", OPT_I64, limit),
  F ("reservation", OPT_I64, reservation),
  F ("swap", OPT_I64, swap),
  F ("kernel", OPT_I64, kernel),
  F ("kernelTCP", OPT_I64, kernel_tcp),
  F ("swappiness", OPT_U64, swappiness),
  F ("disableOOMKiller", OPT_BOOL, disable_oom_killer),
  F ("useHierarchy", OPT_BOOL, use_hierarchy),
  F ("checkBeforeUpdate", OPT_BOOL, check_before_update),
};
#undef ST
static const struct husk_jdesc memory_desc = HUSK_JDESC (struct husk_memory, memory_fields);

#define ST struct husk_cpu
static const struct husk_jfield cpu_fields[] = {
  F ("shares", OPT_U64, shares),
  F ("quota", OPT_I64, quota),
  F ("burst", OPT_U64, burst),
  F ("period", OPT_U64, period),
  F ("realtimeRuntime", OPT_I64, realtime_runtime),
  F ("realtimePeriod", OPT_U64, realtime_period),
  F ("cpus", STRING, cpus),
  F ("mems", STRING, mems),
  F ("idle", OPT_I64, idle),
};
#undef ST
static const struct husk_jdesc cpu_desc = HUSK_JDESC (struct husk_cpu, cpu_fields);

#define ST struct husk_weight_device
static const struct husk_jfield weight_device_fields[] = {
  F ("major", I64, major, REQUIRED),
  F ("minor", I64, minor, REQUIRED),
  F ("weight", OPT_U16, weight),
  F ("leafWeight", OPT_U16, leaf_weight),
};
#undef ST
static const struct husk_jdesc weight_device_desc
    = HUSK_JDESC (struct husk_weight_device, weight_device_fields);

#define ST struct husk_throttle_device
static const struct husk_jfield throttle_device_fields[] = {
  F ("major", I64, major, REQUIRED),
  F ("minor", I64, minor, REQUIRED),
  F ("rate", U64, rate, REQUIRED),
};
#undef ST
static const struct husk_jdesc throttle_device_desc
    = HUSK_JDESC (struct husk_throttle_device, throttle_device_fields);

#define ST struct husk_block_io
static const struct husk_jfield block_io_fields[] = {
  F ("weight", OPT_U16, weight),
  F ("leafWeight", OPT_U16, leaf_weight),
  N ("weightDevice", ARRAY, weight_device, n_weight_device, .desc = &weight_device_desc),
  N ("throttleReadBpsDevice", ARRAY, throttle_read_bps_device, n_throttle_read_bps_device,
     .desc = &throttle_device_desc),
  N ("throttleWriteBpsDevice", ARRAY, throttle_write_bps_device, n_throttle_write_bps_device,
     .desc = &throttle_device_desc),
  N ("throttleReadIOPSDevice", ARRAY, throttle_read_iops_device, n_throttle_read_iops_device,
     .desc = &throttle_device_desc),
  N ("throttleWriteIOPSDevice", ARRAY, throttle_write_iops_device, n_throttle_write_iops_device,
     .desc = &throttle_device_desc),
};
#undef ST
static const struct husk_jdesc block_io_desc = HUSK_JDESC (struct husk_block_io, block_io_fields);

#define ST struct husk_hugepage_limit
static const struct husk_jfield hugepage_limit_fields[] = {
  F ("pageSize", STRING, page_size, REQUIRED),
  F ("limit", U64, limit, REQUIRED),
};
#undef ST
static const struct husk_jdesc hugepage_limit_desc
    = HUSK_JDESC (struct husk_hugepage_limit, hugepage_limit_fields);

#define ST struct husk_net_priority
static const struct husk_jfield net_priority_fields[] = {
  F ("name", STRING, name, REQUIRED),
  F ("priority", U32, priority, REQUIRED),
};
#undef ST
static const struct husk_jdesc net_priority_desc
    = HUSK_JDESC (struct husk_net_priority, net_priority_fields);

#define ST struct husk_network
static const struct husk_jfield network_fields[] = {
  F ("classID", OPT_U32, class_id),
  N ("priorities", ARRAY, priorities, n_priorities, .desc = &net_priority_desc),
};
#undef ST
static const struct husk_jdesc network_desc = HUSK_JDESC (struct husk_network, network_fields);

#define ST struct husk_rdma
static const struct husk_jfield rdma_fields[] = {
  F ("", MAP_KEY, device),
  F ("hcaHandles", OPT_U32, hca_handles),
  F ("hcaObjects", OPT_U32, hca_objects),
};
#undef ST
static const struct husk_jdesc rdma_desc = HUSK_JDESC (struct husk_rdma, rdma_fields);

#define ST struct husk_resources
/* pids is an object of one member, kept flat as resources->pids_limit. */
static const struct husk_jfield pids_fields[] = {
  F ("limit", OPT_I64, pids_limit),
};
static const struct husk_jdesc pids_desc = HUSK_JDESC (struct husk_resources, pids_fields);

static const struct husk_jfield resources_fields[] = {
  N ("devices", ARRAY, devices, n_devices, .desc = &device_rule_desc),
  F ("memory", OBJECT, memory, .desc = &memory_desc),
  F ("cpu", OBJECT, cpu, .desc = &cpu_desc),
  { .name = "pids", .type = HUSK_JT_INLINE, .off = 0, .desc = &pids_desc },
  F ("blockIO", OBJECT, block_io, .desc = &block_io_desc),
  N ("hugepageLimits", ARRAY, hugepage_limits, n_hugepage_limits, .desc = &hugepage_limit_desc),
  F ("network", OBJECT, network, .desc = &network_desc),
  N ("rdma", MAP, rdma, n_rdma, .desc = &rdma_desc),
  N ("unified", KV, unified, n_unified),
};
#undef ST
const struct husk_jdesc husk_spec_resources_desc
    = HUSK_JDESC (struct husk_resources, resources_fields);

/* ---- seccomp ---- */

#define ST struct husk_seccomp_arg
static const struct husk_jfield seccomp_arg_fields[] = {
  F ("index", U32, index, REQUIRED),
  F ("value", U64, value, REQUIRED),
  F ("valueTwo", U64, value_two),
  F ("op", STRING, op, REQUIRED),
};
#undef ST
static const struct husk_jdesc seccomp_arg_desc
    = HUSK_JDESC (struct husk_seccomp_arg, seccomp_arg_fields);

#define ST struct husk_seccomp_syscall
static const struct husk_jfield seccomp_syscall_fields[] = {
  N ("names", STRV, names, n_names, REQUIRED),
  F ("action", STRING, action, REQUIRED),
  F ("errnoRet", OPT_U32, errno_ret),
  N ("args", ARRAY, args, n_args, .desc = &seccomp_arg_desc),
};
#undef ST
static const struct husk_jdesc seccomp_syscall_desc
    = HUSK_JDESC (struct husk_seccomp_syscall, seccomp_syscall_fields);

#define ST struct husk_seccomp
static const struct husk_jfield seccomp_fields[] = {
  F ("defaultAction", STRING, default_action, REQUIRED),
  F ("defaultErrnoRet", OPT_U32, default_errno_ret),
  N ("architectures", STRV, architectures, n_architectures),
  N ("flags", STRV, flags, n_flags),
  F ("listenerPath", STRING, listener_path),
  F ("listenerMetadata", STRING, listener_metadata),
  N ("syscalls", ARRAY, syscalls, n_syscalls, .desc = &seccomp_syscall_desc),
};
#undef ST
static const struct husk_jdesc seccomp_desc = HUSK_JDESC (struct husk_seccomp, seccomp_fields);

/* ---- smaller linux objects ---- */

#define ST struct husk_intel_rdt
static const struct husk_jfield intel_rdt_fields[] = {
  F ("closID", STRING, clos_id),
  N ("schemata", STRV, schemata, n_schemata),
  F ("l3CacheSchema", STRING, l3_cache_schema),
  F ("memBwSchema", STRING, mem_bw_schema),
  F ("enableMonitoring", BOOL, enable_monitoring),
};
#undef ST
static const struct husk_jdesc intel_rdt_desc
    = HUSK_JDESC (struct husk_intel_rdt, intel_rdt_fields);

#define ST struct husk_personality
static const struct husk_jfield personality_fields[] = {
  F ("domain", STRING, domain, REQUIRED),
  N ("flags", STRV, flags, n_flags),
};
#undef ST
static const struct husk_jdesc personality_desc
    = HUSK_JDESC (struct husk_personality, personality_fields);

#define ST struct husk_memory_policy
static const struct husk_jfield memory_policy_fields[] = {
  F ("mode", STRING, mode, REQUIRED),
  F ("nodes", STRING, nodes),
  N ("flags", STRV, flags, n_flags),
};
#undef ST
static const struct husk_jdesc memory_policy_desc
    = HUSK_JDESC (struct husk_memory_policy, memory_policy_fields);

#define ST struct husk_net_device
static const struct husk_jfield net_device_fields[] = {
  F ("", MAP_KEY, host_name),
  F ("name", STRING, name),
};
#undef ST
static const struct husk_jdesc net_device_desc
    = HUSK_JDESC (struct husk_net_device, net_device_fields);

#define ST struct husk_linux
static const struct husk_jfield linux_fields[] = {
  N ("namespaces", ARRAY, namespaces, n_namespaces, .desc = &namespace_desc),
  N ("uidMappings", ARRAY, uid_mappings, n_uid_mappings, .desc = &husk_spec_id_mapping_desc),
  N ("gidMappings", ARRAY, gid_mappings, n_gid_mappings, .desc = &husk_spec_id_mapping_desc),
  F ("timeOffsets", OBJECT, time_offsets, .desc = &time_offsets_desc),
  N ("devices", ARRAY, devices, n_devices, .desc = &device_desc),
  F ("cgroupsPath", STRING, cgroups_path),
  F ("resources", OBJECT, resources, .desc = &husk_spec_resources_desc),
  F ("intelRdt", OBJECT, intel_rdt, .desc = &intel_rdt_desc),
  N ("sysctl", KV, sysctl, n_sysctl),
  F ("seccomp", OBJECT, seccomp, .desc = &seccomp_desc),
  F ("rootfsPropagation", STRING, rootfs_propagation),
  N ("maskedPaths", STRV, masked_paths, n_masked_paths),
  N ("readonlyPaths", STRV, readonly_paths, n_readonly_paths),
  F ("mountLabel", STRING, mount_label),
  F ("personality", OBJECT, personality, .desc = &personality_desc),
  F ("memoryPolicy", OBJECT, memory_policy, .desc = &memory_policy_desc),
  N ("netDevices", MAP, net_devices, n_net_devices, .desc = &net_device_desc),
};
#undef ST
const struct husk_jdesc husk_spec_linux_desc = HUSK_JDESC (struct husk_linux, linux_fields);
