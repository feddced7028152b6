/* config.json parsing: every field of a full config, runc's default config,
   wrong types, missing required fields, ranges, nulls, unknown keys and
   malformed JSON, each with its exact error message. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "husk/spec.h"
#include "husk/util.h"
#include "check_main.h"
#include "spec_helpers.h"

#define ck_assert_strv(v, n, ...)                                                                  \
  do                                                                                               \
    {                                                                                              \
      const char *_want[] = { __VA_ARGS__ };                                                       \
      ck_assert_uint_eq ((n), ARRAY_SIZE (_want));                                                 \
      for (size_t _i = 0; _i < ARRAY_SIZE (_want); _i++)                                           \
        ck_assert_str_eq ((v)[_i], _want[_i]);                                                     \
      ck_assert_ptr_null ((v)[ARRAY_SIZE (_want)]);                                                \
    }                                                                                              \
  while (0)

#define ck_assert_opt(o, v)                                                                        \
  do                                                                                               \
    {                                                                                              \
      ck_assert ((o).set);                                                                         \
      ck_assert ((o).value == (v));                                                                \
    }                                                                                              \
  while (0)

static void
check_full_process (const struct husk_process *p)
{
  ck_assert (p->terminal);
  ck_assert (p->has_console_size);
  ck_assert_uint_eq (p->console_height, 25);
  ck_assert_uint_eq (p->console_width, 80);
  ck_assert_uint_eq (p->user.uid, 1000);
  ck_assert_uint_eq (p->user.gid, 1001);
  ck_assert_opt (p->user.umask, 18);
  ck_assert_uint_eq (p->user.n_additional_gids, 2);
  ck_assert_uint_eq (p->user.additional_gids[0], 5);
  ck_assert_uint_eq (p->user.additional_gids[1], 4294967295u);
  ck_assert_str_eq (p->user.username, "alice");
  ck_assert_strv (p->args, p->n_args, "/bin/sh", "-c", "echo hi");
  ck_assert_str_eq (p->command_line, "sh -c echo");
  ck_assert_strv (p->env, p->n_env, "PATH=/usr/bin:/bin", "TERM=xterm", "NOEQUALS");
  ck_assert_str_eq (p->cwd, "/work");

  const struct husk_capabilities *c = p->capabilities;
  ck_assert_ptr_nonnull (c);
  ck_assert_strv (c->bounding, c->n_bounding, "CAP_KILL", "CAP_CHOWN");
  ck_assert_strv (c->effective, c->n_effective, "CAP_KILL");
  ck_assert_uint_eq (c->n_inheritable, 0);
  ck_assert_ptr_nonnull (c->inheritable); /* present but empty, not absent */
  ck_assert_ptr_null (c->inheritable[0]);
  ck_assert_strv (c->permitted, c->n_permitted, "CAP_KILL", "CAP_NET_RAW");
  ck_assert_strv (c->ambient, c->n_ambient, "CAP_NET_BIND_SERVICE");

  ck_assert_uint_eq (p->n_rlimits, 2);
  ck_assert_str_eq (p->rlimits[0].type, "RLIMIT_NOFILE");
  ck_assert (p->rlimits[0].hard == 4096 && p->rlimits[0].soft == 1024);
  ck_assert_str_eq (p->rlimits[1].type, "RLIMIT_CORE");
  ck_assert (p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == UINT64_MAX);
  ck_assert (p->no_new_privileges);
  ck_assert_str_eq (p->apparmor_profile, "husk-default");
  ck_assert_opt (p->oom_score_adj, -500);

  const struct husk_scheduler *s = p->scheduler;
  ck_assert_ptr_nonnull (s);
  ck_assert_str_eq (s->policy, "SCHED_DEADLINE");
  ck_assert_int_eq (s->nice, -5);
  ck_assert_int_eq (s->priority, 3);
  ck_assert_strv (s->flags, s->n_flags, "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM");
  ck_assert_opt (s->runtime, 10000000);
  ck_assert_opt (s->deadline, 20000000);
  ck_assert_opt (s->period, 30000000);
  ck_assert_str_eq (p->selinux_label, "system_u:system_r:container_t:s0");
  ck_assert_str_eq (p->io_priority->class_, "IOPRIO_CLASS_BE");
  ck_assert_int_eq (p->io_priority->priority, 4);
  ck_assert_str_eq (p->exec_cpu_affinity->initial, "0");
  ck_assert_str_eq (p->exec_cpu_affinity->final, "0-3,7");
}

static void
check_full_top (const struct husk_spec *spec)
{
  ck_assert_str_eq (spec->oci_version, "1.3.0");
  ck_assert_str_eq (spec->root->path, "rootfs");
  ck_assert (spec->root->readonly);
  ck_assert_str_eq (spec->hostname, "box");
  ck_assert_str_eq (spec->domainname, "example.org");

  ck_assert_uint_eq (spec->n_mounts, 2);
  const struct husk_mount *m = &spec->mounts[0];
  ck_assert_str_eq (m->destination, "/proc");
  ck_assert_str_eq (m->type, "proc");
  ck_assert_str_eq (m->source, "proc");
  ck_assert_uint_eq (m->n_options, 0);
  ck_assert_ptr_null (m->options);
  m = &spec->mounts[1];
  ck_assert_str_eq (m->destination, "/data");
  ck_assert_strv (m->options, m->n_options, "rbind", "ro");
  ck_assert_uint_eq (m->n_uid_mappings, 1);
  ck_assert_uint_eq (m->uid_mappings[0].container_id, 0);
  ck_assert_uint_eq (m->uid_mappings[0].host_id, 100000);
  ck_assert_uint_eq (m->uid_mappings[0].size, 65536);
  ck_assert_uint_eq (m->n_gid_mappings, 1);
  ck_assert_uint_eq (m->gid_mappings[0].host_id, 200000);
  ck_assert_uint_eq (m->gid_mappings[0].size, 1000);

  const struct husk_hook_list *h = spec->hooks;
  ck_assert_uint_eq (h[HUSK_HOOK_PRESTART].n_hooks, 1);
  const struct husk_hook *pre = &h[HUSK_HOOK_PRESTART].hooks[0];
  ck_assert_str_eq (pre->path, "/usr/bin/prestart");
  ck_assert_strv (pre->args, pre->n_args, "prestart", "a");
  ck_assert_strv (pre->env, pre->n_env, "X=1");
  ck_assert_opt (pre->timeout, 5);
  ck_assert_uint_eq (h[HUSK_HOOK_CREATE_RUNTIME].n_hooks, 2);
  ck_assert_str_eq (h[HUSK_HOOK_CREATE_RUNTIME].hooks[0].path, "/usr/bin/cr1");
  ck_assert (!h[HUSK_HOOK_CREATE_RUNTIME].hooks[0].timeout.set);
  ck_assert_opt (h[HUSK_HOOK_CREATE_RUNTIME].hooks[1].timeout, 7);
  ck_assert_str_eq (h[HUSK_HOOK_CREATE_CONTAINER].hooks[0].path, "/usr/bin/cc");
  ck_assert_str_eq (h[HUSK_HOOK_START_CONTAINER].hooks[0].path, "/usr/bin/sc");
  ck_assert_str_eq (h[HUSK_HOOK_POSTSTART].hooks[0].path, "/usr/bin/ps");
  ck_assert_str_eq (h[HUSK_HOOK_POSTSTOP].hooks[0].path, "/usr/bin/pst");

  ck_assert_uint_eq (spec->n_annotations, 2);
  ck_assert_str_eq (spec->annotations[0].key, "org.example.a");
  ck_assert_str_eq (spec->annotations[0].value, "1");
  ck_assert_str_eq (spec->annotations[1].key, "org.example.b");
  ck_assert_str_eq (spec->annotations[1].value, "two");
}

static void
check_full_linux (const struct husk_linux *l)
{
  static const enum husk_ns_kind kinds[]
      = { HUSK_NS_PID, HUSK_NS_NETWORK, HUSK_NS_MOUNT,  HUSK_NS_IPC,
          HUSK_NS_UTS, HUSK_NS_USER,    HUSK_NS_CGROUP, HUSK_NS_TIME };
  ck_assert_uint_eq (l->n_namespaces, ARRAY_SIZE (kinds));
  for (size_t i = 0; i < ARRAY_SIZE (kinds); i++)
    ck_assert_int_eq (l->namespaces[i].type, kinds[i]);
  ck_assert_str_eq (l->namespaces[1].path, "/var/run/netns/n1");
  ck_assert_ptr_null (l->namespaces[0].path);

  ck_assert_uint_eq (l->n_uid_mappings, 1);
  ck_assert_uint_eq (l->uid_mappings[0].host_id, 1000);
  ck_assert_uint_eq (l->uid_mappings[0].size, 32000);
  ck_assert_uint_eq (l->n_gid_mappings, 2);
  ck_assert_uint_eq (l->gid_mappings[1].container_id, 1);
  ck_assert_uint_eq (l->gid_mappings[1].host_id, 300000);
  ck_assert_uint_eq (l->gid_mappings[1].size, 65535);

  const struct husk_time_offsets *t = l->time_offsets;
  ck_assert (t->has_boottime && t->has_monotonic);
  ck_assert_int_eq (t->boottime_secs, -3600);
  ck_assert_uint_eq (t->boottime_nanosecs, 500);
  ck_assert_int_eq (t->monotonic_secs, 86400);
  ck_assert_uint_eq (t->monotonic_nanosecs, 999999999);

  ck_assert_uint_eq (l->n_devices, 2);
  const struct husk_device *d = &l->devices[0];
  ck_assert_str_eq (d->path, "/dev/fuse");
  ck_assert_str_eq (d->type, "c");
  ck_assert_int_eq (d->major, 10);
  ck_assert_int_eq (d->minor, 229);
  ck_assert_opt (d->file_mode, 438);
  ck_assert_opt (d->uid, 0);
  ck_assert_opt (d->gid, 5);
  ck_assert_str_eq (l->devices[1].type, "p");
  ck_assert (!l->devices[1].file_mode.set);

  ck_assert_str_eq (l->cgroups_path, "/husk/full");
  ck_assert_str_eq (l->intel_rdt->clos_id, "guaranteed_group");
  ck_assert_strv (l->intel_rdt->schemata, l->intel_rdt->n_schemata, "L3:0=7f0;1=1f", "L2:0=f;1=f");
  ck_assert_str_eq (l->intel_rdt->l3_cache_schema, "L3:0=ffff");
  ck_assert_str_eq (l->intel_rdt->mem_bw_schema, "MB:0=20");
  ck_assert (l->intel_rdt->enable_monitoring);
  ck_assert_uint_eq (l->n_sysctl, 2);
  ck_assert_str_eq (l->sysctl[0].key, "net.ipv4.ip_forward");
  ck_assert_str_eq (l->sysctl[0].value, "1");
  ck_assert_str_eq (l->sysctl[1].key, "kernel.msgmax");
  ck_assert_str_eq (l->rootfs_propagation, "rslave");
  ck_assert_strv (l->masked_paths, l->n_masked_paths, "/proc/kcore", "/sys/firmware");
  ck_assert_strv (l->readonly_paths, l->n_readonly_paths, "/proc/sys");
  ck_assert_str_eq (l->mount_label, "system_u:object_r:container_file_t:s0");
  ck_assert_str_eq (l->personality->domain, "LINUX32");
  ck_assert_uint_eq (l->personality->n_flags, 0);
  ck_assert_str_eq (l->memory_policy->mode, "MPOL_INTERLEAVE");
  ck_assert_str_eq (l->memory_policy->nodes, "0-3");
  ck_assert_strv (l->memory_policy->flags, l->memory_policy->n_flags, "MPOL_F_STATIC_NODES");
  ck_assert_uint_eq (l->n_net_devices, 2);
  ck_assert_str_eq (l->net_devices[0].host_name, "eth1");
  ck_assert_str_eq (l->net_devices[0].name, "ctr1");
  ck_assert_str_eq (l->net_devices[1].host_name, "ens4");
  ck_assert_ptr_null (l->net_devices[1].name);
}

static void
check_full_seccomp (const struct husk_seccomp *s)
{
  ck_assert_str_eq (s->default_action, "SCMP_ACT_ERRNO");
  ck_assert_opt (s->default_errno_ret, 38);
  ck_assert_strv (s->architectures, s->n_architectures, "SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
  ck_assert_strv (s->flags, s->n_flags, "SECCOMP_FILTER_FLAG_LOG");
  ck_assert_str_eq (s->listener_path, "/run/agent.sock");
  ck_assert_str_eq (s->listener_metadata, "meta");
  ck_assert_uint_eq (s->n_syscalls, 2);
  ck_assert_strv (s->syscalls[0].names, s->syscalls[0].n_names, "read", "write");
  ck_assert_str_eq (s->syscalls[0].action, "SCMP_ACT_ALLOW");
  ck_assert (!s->syscalls[0].errno_ret.set);
  ck_assert_uint_eq (s->syscalls[0].n_args, 0);
  const struct husk_seccomp_syscall *sc = &s->syscalls[1];
  ck_assert_opt (sc->errno_ret, 1);
  ck_assert_uint_eq (sc->n_args, 2);
  ck_assert_uint_eq (sc->args[0].index, 0);
  ck_assert (sc->args[0].value == UINT64_MAX);
  ck_assert (sc->args[0].value_two == 4);
  ck_assert_str_eq (sc->args[0].op, "SCMP_CMP_MASKED_EQ");
  ck_assert_uint_eq (sc->args[1].index, 5);
  ck_assert (sc->args[1].value == 8 && sc->args[1].value_two == 0);
}

static void
check_full_resources (const struct husk_resources *r)
{
  ck_assert_uint_eq (r->n_devices, 2);
  ck_assert (!r->devices[0].allow);
  ck_assert_ptr_null (r->devices[0].type);
  ck_assert (!r->devices[0].major.set && !r->devices[0].minor.set);
  ck_assert_str_eq (r->devices[0].access, "rwm");
  ck_assert (r->devices[1].allow);
  ck_assert_str_eq (r->devices[1].type, "c");
  ck_assert_opt (r->devices[1].major, 10);
  ck_assert_opt (r->devices[1].minor, 229);

  const struct husk_memory *m = r->memory;
  ck_assert_opt (m->limit, 536870912);
  ck_assert_opt (m->reservation, 268435456);
  ck_assert_opt (m->swap, -1);
  ck_assert_opt (m->kernel, 1);
  ck_assert_opt (m->kernel_tcp, 2);
  ck_assert_opt (m->swappiness, 60);
  ck_assert_opt (m->disable_oom_killer, false);
  ck_assert_opt (m->use_hierarchy, true);
  ck_assert_opt (m->check_before_update, true);

  const struct husk_cpu *c = r->cpu;
  ck_assert_opt (c->shares, 1024);
  ck_assert_opt (c->quota, 50000);
  ck_assert_opt (c->burst, 10000);
  ck_assert_opt (c->period, 100000);
  ck_assert_opt (c->realtime_runtime, 950000);
  ck_assert_opt (c->realtime_period, 1000000);
  ck_assert_str_eq (c->cpus, "0-1");
  ck_assert_str_eq (c->mems, "0");
  ck_assert_opt (c->idle, 1);
  ck_assert_opt (r->pids_limit, 32771);

  const struct husk_block_io *b = r->block_io;
  ck_assert_opt (b->weight, 10);
  ck_assert_opt (b->leaf_weight, 20);
  ck_assert_uint_eq (b->n_weight_device, 2);
  ck_assert_int_eq (b->weight_device[0].major, 8);
  ck_assert_opt (b->weight_device[0].weight, 500);
  ck_assert_opt (b->weight_device[0].leaf_weight, 300);
  ck_assert_int_eq (b->weight_device[1].minor, 16);
  ck_assert_opt (b->weight_device[1].weight, 65535);
  ck_assert (!b->weight_device[1].leaf_weight.set);
  ck_assert (b->n_throttle_read_bps_device == 1 && b->throttle_read_bps_device[0].rate == 600);
  ck_assert (b->n_throttle_write_bps_device == 1 && b->throttle_write_bps_device[0].rate == 700);
  ck_assert (b->n_throttle_read_iops_device == 1 && b->throttle_read_iops_device[0].rate == 800);
  ck_assert_uint_eq (b->n_throttle_write_iops_device, 1);
  ck_assert_int_eq (b->throttle_write_iops_device[0].minor, 16);
  ck_assert (b->throttle_write_iops_device[0].rate == 300);

  ck_assert_uint_eq (r->n_hugepage_limits, 2);
  ck_assert_str_eq (r->hugepage_limits[0].page_size, "2MB");
  ck_assert (r->hugepage_limits[0].limit == 209715200);
  ck_assert (r->hugepage_limits[1].limit == UINT64_MAX);
  ck_assert_opt (r->network->class_id, 1048577);
  ck_assert_uint_eq (r->network->n_priorities, 2);
  ck_assert_str_eq (r->network->priorities[1].name, "eth1");
  ck_assert_uint_eq (r->network->priorities[1].priority, 1000);
  ck_assert_uint_eq (r->n_rdma, 2);
  ck_assert_str_eq (r->rdma[0].device, "mlx5_1");
  ck_assert_opt (r->rdma[0].hca_handles, 3);
  ck_assert_opt (r->rdma[0].hca_objects, 10000);
  ck_assert_str_eq (r->rdma[1].device, "mlx4_0");
  ck_assert (!r->rdma[1].hca_handles.set);
  ck_assert_uint_eq (r->n_unified, 2);
  ck_assert_str_eq (r->unified[0].key, "io.max");
  ck_assert_str_eq (r->unified[0].value, "259:0 rbps=2097152");
}

START_TEST (full_config)
{
  cleanup_spec struct husk_spec *spec = parse_fixture ("full.json");
  check_full_top (spec);
  check_full_process (spec->process);
  check_full_linux (spec->linux_);
  check_full_resources (spec->linux_->resources);
  check_full_seccomp (spec->linux_->seccomp);
}
END_TEST

START_TEST (runc_default_config)
{
  cleanup_spec struct husk_spec *spec = parse_fixture ("runc-default.json");
  ck_assert_str_eq (spec->oci_version, "1.0.2-dev");
  ck_assert (spec->process->terminal);
  ck_assert_strv (spec->process->args, spec->process->n_args, "sh");
  ck_assert_str_eq (spec->process->cwd, "/");
  ck_assert_uint_eq (spec->process->capabilities->n_bounding, 3);
  ck_assert_uint_eq (spec->process->n_rlimits, 1);
  ck_assert (spec->process->rlimits[0].hard == 1024);
  ck_assert (spec->process->no_new_privileges);
  ck_assert_str_eq (spec->hostname, "runc");
  ck_assert_uint_eq (spec->n_mounts, 7);
  ck_assert_str_eq (spec->mounts[6].destination, "/sys/fs/cgroup");
  ck_assert_strv (spec->mounts[1].options, spec->mounts[1].n_options, "nosuid", "strictatime",
                  "mode=755", "size=65536k");
  const struct husk_linux *l = spec->linux_;
  ck_assert_uint_eq (l->n_namespaces, 5);
  ck_assert_int_eq (l->namespaces[4].type, HUSK_NS_MOUNT);
  ck_assert_uint_eq (l->n_masked_paths, 10);
  ck_assert_uint_eq (l->n_readonly_paths, 5);
  ck_assert_uint_eq (l->resources->n_devices, 1);
  ck_assert_ptr_null (l->seccomp);
  ck_assert_ptr_null (l->resources->memory);
  ck_assert (!l->resources->pids_limit.set);
}
END_TEST

/* Every level carries keys the spec does not define: they are skipped, and
   the result equals the same config without them. */
START_TEST (unknown_keys_ignored)
{
  cleanup_spec struct husk_spec *spec = parse_fixture ("unknown-keys.json");
  ck_assert_str_eq (spec->oci_version, "1.2.0");
  ck_assert_strv (spec->process->args, spec->process->n_args, "true");
  ck_assert_uint_eq (spec->process->user.uid, 7);
  ck_assert_uint_eq (spec->n_mounts, 1);
  ck_assert_str_eq (spec->mounts[0].destination, "/tmp");
  ck_assert_uint_eq (spec->linux_->n_namespaces, 1);
  ck_assert_int_eq (spec->linux_->namespaces[0].type, HUSK_NS_UTS);
  ck_assert_opt (spec->linux_->resources->memory->limit, 4096);
  ck_assert_uint_eq (spec->linux_->resources->n_rdma, 1);
}
END_TEST

/* null is "absent" for optional fields of every kind. */
START_TEST (null_fields_absent)
{
  cleanup_spec struct husk_spec *spec = parse_fixture ("null-fields.json");
  ck_assert_ptr_null (spec->hostname);
  ck_assert_ptr_null (spec->root);
  ck_assert_uint_eq (spec->n_mounts, 0);
  ck_assert_ptr_null (spec->annotations);
  for (int k = 0; k < HUSK_HOOK_KIND_COUNT; k++)
    ck_assert_uint_eq (spec->hooks[k].n_hooks, 0);
  const struct husk_process *p = spec->process;
  ck_assert (!p->terminal && !p->has_console_size);
  ck_assert_ptr_null (p->env);
  ck_assert_ptr_null (p->capabilities);
  ck_assert (!p->oom_score_adj.set);
  ck_assert (!p->user.umask.set);
  ck_assert_uint_eq (p->user.uid, 0);
  const struct husk_resources *r = spec->linux_->resources;
  ck_assert (!r->memory->limit.set);
  ck_assert (!r->memory->disable_oom_killer.set);
  ck_assert_ptr_null (r->cpu);
  ck_assert (!r->pids_limit.set);
  ck_assert_ptr_null (spec->linux_->seccomp);
  ck_assert_ptr_null (spec->linux_->sysctl);
}
END_TEST

/* ---- errors: one document each, with its exact message ---- */

#define V          "'ociVersion':'1.0.0'"
#define PROC(...)  "'process':{'cwd':'/','args':['sh']" __VA_ARGS__ "}"
#define LINUX(...) "'linux':{" __VA_ARGS__ "}"
#define RES(...)   LINUX ("'resources':{" __VA_ARGS__ "}")

static const struct error_case type_cases[] = {
  { "[]", "config.json: expected an object" },
  { "{'ociVersion':1}", "config.json: ociVersion: expected a string" },
  { "{" V ",'process':[]}", "config.json: process: expected an object" },
  { "{" V ",'process':{'cwd':'/','args':'sh'}}",
    "config.json: process.args: expected an array of strings" },
  { "{" V ",'process':{'cwd':'/','args':['sh',1]}}",
    "config.json: process.args[1]: expected a string" },
  { "{" V ",'process':{'cwd':'/','args':['sh',null]}}",
    "config.json: process.args[1]: expected a string" },
  { "{" V ",'process':{'cwd':7,'args':['sh']}}", "config.json: process.cwd: expected a string" },
  { "{" V "," PROC (",'terminal':'yes'") "}", "config.json: process.terminal: expected a boolean" },
  { "{" V "," PROC (",'terminal':1") "}", "config.json: process.terminal: expected a boolean" },
  { "{" V "," PROC (",'env':{}") "}", "config.json: process.env: expected an array of strings" },
  { "{" V "," PROC (",'user':{'uid':'0','gid':0}") "}",
    "config.json: process.user.uid: expected an integer" },
  { "{" V "," PROC (",'user':[]") "}", "config.json: process.user: expected an object" },
  { "{" V "," PROC (",'user':{'uid':0,'gid':0,'additionalGids':5}") "}",
    "config.json: process.user.additionalGids: expected an array of integers" },
  { "{" V "," PROC (",'user':{'uid':0,'gid':0,'additionalGids':[1,'x']}") "}",
    "config.json: process.user.additionalGids[1]: expected an integer" },
  { "{" V "," PROC (",'consoleSize':{'height':true,'width':1}") "}",
    "config.json: process.consoleSize.height: expected an integer" },
  { "{" V "," PROC (",'capabilities':{'bounding':'CAP_KILL'}") "}",
    "config.json: process.capabilities.bounding: expected an array of strings" },
  { "{" V "," PROC (",'rlimits':{}") "}", "config.json: process.rlimits: expected an array" },
  { "{" V "," PROC (",'rlimits':[7]") "}", "config.json: process.rlimits[0]: expected an object" },
  { "{" V "," PROC (",'oomScoreAdj':'x'") "}",
    "config.json: process.oomScoreAdj: expected an integer" },
  { "{" V "," PROC (",'scheduler':{'policy':'SCHED_RR','flags':[1]}") "}",
    "config.json: process.scheduler.flags[0]: expected a string" },
  { "{" V "," PROC (",'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':'high'}") "}",
    "config.json: process.ioPriority.priority: expected an integer" },
  { "{" V "," PROC (",'execCPUAffinity':{'initial':0}") "}",
    "config.json: process.execCPUAffinity.initial: expected a string" },
  { "{" V ",'root':{'path':'r','readonly':'no'}}",
    "config.json: root.readonly: expected a boolean" },
  { "{" V ",'hostname':5}", "config.json: hostname: expected a string" },
  { "{" V ",'mounts':{}}", "config.json: mounts: expected an array" },
  { "{" V ",'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':5}]}",
    "config.json: mounts[2].destination: expected a string" },
  { "{" V ",'mounts':[{'destination':'/a','options':['ro',false]}]}",
    "config.json: mounts[0].options[1]: expected a string" },
  { "{" V ",'hooks':[]}", "config.json: hooks: expected an object" },
  { "{" V ",'hooks':{'poststop':{}}}", "config.json: hooks.poststop: expected an array" },
  { "{" V ",'hooks':{'prestart':[{'path':'/h','timeout':'5'}]}}",
    "config.json: hooks.prestart[0].timeout: expected an integer" },
  { "{" V ",'annotations':[]}", "config.json: annotations: expected an object" },
  { "{" V ",'annotations':{'a':'1','b':2}}", "config.json: annotations[\"b\"]: expected a string" },
  { "{" V ",'linux':[]}", "config.json: linux: expected an object" },
  { "{" V "," LINUX ("'namespaces':[{'type':'pid'},{'type':'foo'}]") "}",
    "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"" },
  { "{" V "," LINUX ("'namespaces':[{'type':5}]") "}",
    "config.json: linux.namespaces[0].type: expected a string" },
  { "{" V "," LINUX ("'timeOffsets':{'realtime':{'secs':1}}") "}",
    "config.json: linux.timeOffsets.realtime: unknown clock (boottime or monotonic)" },
  { "{" V "," LINUX ("'timeOffsets':{'boottime':{'secs':'1'}}") "}",
    "config.json: linux.timeOffsets.boottime.secs: expected an integer" },
  { "{" V "," LINUX ("'sysctl':{'net.ipv4.ip_forward':1}") "}",
    "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string" },
  { "{" V "," RES ("'memory':{'limit':'1g'}") "}",
    "config.json: linux.resources.memory.limit: expected an integer" },
  { "{" V "," RES ("'memory':{'disableOOMKiller':0}") "}",
    "config.json: linux.resources.memory.disableOOMKiller: expected a boolean" },
  { "{" V "," RES ("'cpu':{'cpus':[0]}") "}",
    "config.json: linux.resources.cpu.cpus: expected a string" },
  { "{" V "," RES ("'pids':{'limit':1.5}") "}",
    "config.json: linux.resources.pids.limit: expected an integer" },
  { "{" V "," RES ("'pids':5") "}", "config.json: linux.resources.pids: expected an object" },
  { "{" V "," RES ("'rdma':{'mlx':5}") "}",
    "config.json: linux.resources.rdma[\"mlx\"]: expected an object" },
  { "{" V "," RES ("'unified':{'memory.max':1}") "}",
    "config.json: linux.resources.unified[\"memory.max\"]: expected a string" },
  { "{" V "," LINUX ("'netDevices':{'eth0':{'name':1}}") "}",
    "config.json: linux.netDevices[\"eth0\"].name: expected a string" },
  { "{" V "," LINUX ("'intelRdt':{'enableMonitoring':'yes'}") "}",
    "config.json: linux.intelRdt.enableMonitoring: expected a boolean" },
  { "{" V "," LINUX (
        "'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
        "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':'x','op':'SCMP_CMP_EQ'}]}]}") "}",
    "config.json: linux.seccomp.syscalls[0].args[0].value: expected an integer" },
};

static const struct error_case missing_cases[] = {
  { "{}", "config.json: ociVersion: missing required field" },
  { "{'ociVersion':null}", "config.json: ociVersion: missing required field" },
  { "{" V ",'process':{'args':['sh']}}", "config.json: process.cwd: missing required field" },
  { "{" V ",'process':{'cwd':'/'}}", "config.json: process.args: missing required field" },
  { "{" V ",'process':{'cwd':'/','args':null}}",
    "config.json: process.args: missing required field" },
  { "{" V "," PROC (",'user':{'gid':0}") "}",
    "config.json: process.user.uid: missing required field" },
  { "{" V "," PROC (",'user':{'uid':0}") "}",
    "config.json: process.user.gid: missing required field" },
  { "{" V "," PROC (",'consoleSize':{'height':1}") "}",
    "config.json: process.consoleSize.width: missing required field" },
  { "{" V "," PROC (",'rlimits':[{'hard':1,'soft':1}]") "}",
    "config.json: process.rlimits[0].type: missing required field" },
  { "{" V "," PROC (",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1}]") "}",
    "config.json: process.rlimits[0].hard: missing required field" },
  { "{" V "," PROC (",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]") "}",
    "config.json: process.rlimits[0].soft: missing required field" },
  { "{" V "," PROC (",'scheduler':{'nice':1}") "}",
    "config.json: process.scheduler.policy: missing required field" },
  { "{" V "," PROC (",'ioPriority':{'priority':1}") "}",
    "config.json: process.ioPriority.class: missing required field" },
  { "{" V ",'root':{'readonly':true}}", "config.json: root.path: missing required field" },
  { "{" V ",'mounts':[{'destination':'/a'},{'type':'tmpfs'}]}",
    "config.json: mounts[1].destination: missing required field" },
  { "{" V ",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1}]}]}",
    "config.json: mounts[0].uidMappings[0].size: missing required field" },
  { "{" V ",'hooks':{'createRuntime':[{'args':['x']}]}}",
    "config.json: hooks.createRuntime[0].path: missing required field" },
  { "{" V "," LINUX ("'namespaces':[{'path':'/proc/1/ns/net'}]") "}",
    "config.json: linux.namespaces[0].type: missing required field" },
  { "{" V "," LINUX ("'uidMappings':[{'containerID':0,'size':1}]") "}",
    "config.json: linux.uidMappings[0].hostID: missing required field" },
  { "{" V "," LINUX ("'gidMappings':[{'hostID':0,'size':1}]") "}",
    "config.json: linux.gidMappings[0].containerID: missing required field" },
  { "{" V "," LINUX ("'devices':[{'type':'c','major':1,'minor':3}]") "}",
    "config.json: linux.devices[0].path: missing required field" },
  { "{" V "," LINUX ("'devices':[{'path':'/dev/x','major':1,'minor':3}]") "}",
    "config.json: linux.devices[0].type: missing required field" },
  { "{" V "," LINUX ("'devices':[{'path':'/dev/x','type':'c','minor':3}]") "}",
    "config.json: linux.devices[0].major: missing required field" },
  { "{" V "," LINUX ("'devices':[{'path':'/dev/x','type':'b','major':8}]") "}",
    "config.json: linux.devices[0].minor: missing required field" },
  { "{" V "," RES ("'devices':[{'access':'rwm'}]") "}",
    "config.json: linux.resources.devices[0].allow: missing required field" },
  { "{" V "," RES ("'blockIO':{'weightDevice':[{'major':8,'weight':5}]}") "}",
    "config.json: linux.resources.blockIO.weightDevice[0].minor: missing required field" },
  { "{" V "," RES ("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}") "}",
    "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required field" },
  { "{" V "," RES ("'hugepageLimits':[{'limit':1}]") "}",
    "config.json: linux.resources.hugepageLimits[0].pageSize: missing required field" },
  { "{" V "," RES ("'network':{'priorities':[{'name':'eth0'}]}") "}",
    "config.json: linux.resources.network.priorities[0].priority: missing required field" },
  { "{" V "," LINUX ("'seccomp':{'syscalls':[]}") "}",
    "config.json: linux.seccomp.defaultAction: missing required field" },
  { "{" V
    "," LINUX ("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'x'}]}") "}",
    "config.json: linux.seccomp.syscalls[0].names: missing required field" },
  { "{" V
    "," LINUX ("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x']}]}") "}",
    "config.json: linux.seccomp.syscalls[0].action: missing required field" },
  { "{" V "," LINUX ("'seccomp':{'defaultAction':'a','syscalls':[{'names':['x'],'action':'a',"
                     "'args':[{'value':1,'op':'SCMP_CMP_EQ'}]}]}") "}",
    "config.json: linux.seccomp.syscalls[0].args[0].index: missing required field" },
  { "{" V "," LINUX ("'seccomp':{'defaultAction':'a','syscalls':[{'names':['x'],'action':'a',"
                     "'args':[{'index':1,'op':'SCMP_CMP_EQ'}]}]}") "}",
    "config.json: linux.seccomp.syscalls[0].args[0].value: missing required field" },
  { "{" V "," LINUX ("'seccomp':{'defaultAction':'a','syscalls':[{'names':['x'],'action':'a',"
                     "'args':[{'index':1,'value':2}]}]}") "}",
    "config.json: linux.seccomp.syscalls[0].args[0].op: missing required field" },
  { "{" V "," LINUX ("'personality':{'flags':[]}") "}",
    "config.json: linux.personality.domain: missing required field" },
  { "{" V "," LINUX ("'memoryPolicy':{'nodes':'0'}") "}",
    "config.json: linux.memoryPolicy.mode: missing required field" },
};

static const struct error_case range_cases[] = {
  { "{" V "," PROC (",'user':{'uid':-1,'gid':0}") "}",
    "config.json: process.user.uid: value -1 out of range (0 to 4294967295)" },
  { "{" V "," PROC (",'user':{'uid':4294967296,'gid':0}") "}",
    "config.json: process.user.uid: value 4294967296 out of range (0 to 4294967295)" },
  { "{" V "," PROC (",'user':{'uid':1.5,'gid':0}") "}",
    "config.json: process.user.uid: expected an integer" },
  { "{" V "," PROC (",'user':{'uid':1e3,'gid':0}") "}",
    "config.json: process.user.uid: expected an integer" },
  { "{" V "," PROC (",'user':{'uid':1.0,'gid':0}") "}",
    "config.json: process.user.uid: expected an integer" },
  { "{" V "," PROC (",'rlimits':[{'type':'RLIMIT_AS','hard':18446744073709551616,'soft':1}]") "}",
    "config.json: process.rlimits[0].hard: value 18446744073709551616 out of range (0 to "
    "18446744073709551615)" },
  { "{" V "," PROC (",'rlimits':[{'type':'RLIMIT_AS','hard':-1,'soft':1}]") "}",
    "config.json: process.rlimits[0].hard: value -1 out of range (0 to 18446744073709551615)" },
  { "{" V "," PROC (",'scheduler':{'policy':'SCHED_RR','nice':2147483648}") "}",
    "config.json: process.scheduler.nice: value 2147483648 out of range (-2147483648 to "
    "2147483647)" },
  { "{" V "," PROC (",'scheduler':{'policy':'SCHED_RR','priority':-2147483649}") "}",
    "config.json: process.scheduler.priority: value -2147483649 out of range (-2147483648 to "
    "2147483647)" },
  { "{" V "," PROC (",'oomScoreAdj':9223372036854775808") "}",
    "config.json: process.oomScoreAdj: value 9223372036854775808 out of range "
    "(-9223372036854775808 to 9223372036854775807)" },
  { "{" V "," PROC (",'oomScoreAdj':-99999999999999999999") "}",
    "config.json: process.oomScoreAdj: value -99999999999999999999 out of range "
    "(-9223372036854775808 to 9223372036854775807)" },
  { "{" V "," RES ("'blockIO':{'weight':65536}") "}",
    "config.json: linux.resources.blockIO.weight: value 65536 out of range (0 to 65535)" },
  { "{" V "," RES ("'rdma':{'mlx':{'hcaHandles':-1}}") "}",
    "config.json: linux.resources.rdma[\"mlx\"].hcaHandles: value -1 out of range (0 to "
    "4294967295)" },
  { "{" V "," LINUX ("'timeOffsets':{'monotonic':{'nanosecs':-5}}") "}",
    "config.json: linux.timeOffsets.monotonic.nanosecs: value -5 out of range (0 to "
    "4294967295)" },
  { "{" V "," LINUX ("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':1,"
                     "'fileMode':4294967296}]") "}",
    "config.json: linux.devices[0].fileMode: value 4294967296 out of range (0 to 4294967295)" },
};

static const struct error_case version_cases[] = {
  { "{'ociVersion':'2.0.0'}", "config.json: ociVersion: unsupported version \"2.0.0\"" },
  { "{'ociVersion':'0.1.0'}", "config.json: ociVersion: unsupported version \"0.1.0\"" },
  { "{'ociVersion':'1.0'}", "config.json: ociVersion: unsupported version \"1.0\"" },
  { "{'ociVersion':'1.x.0'}", "config.json: ociVersion: unsupported version \"1.x.0\"" },
  { "{'ociVersion':'10.0.0'}", "config.json: ociVersion: unsupported version \"10.0.0\"" },
  { "{'ociVersion':''}", "config.json: ociVersion: unsupported version \"\"" },
  /* The version is checked before anything whose shape depends on it. */
  { "{'process':7,'ociVersion':'2.0.0'}",
    "config.json: ociVersion: unsupported version \"2.0.0\"" },
};

static void
expect_error (const struct error_case *c)
{
  cleanup_free char *json = json_of (c->json);
  cleanup_err husk_err_t *err = NULL;
  struct husk_spec *spec = (struct husk_spec *)1;
  ck_assert_int_eq (husk_spec_parse (json, strlen (json), &spec, &err), -1);
  ck_assert_ptr_null (spec);
  ck_assert_ptr_nonnull (err);
  ck_assert_str_eq (err->msg, c->message);
  ck_assert_int_eq (err->errnum, 0);
}

START_TEST (wrong_types)
{
  expect_error (&type_cases[_i]);
}
END_TEST

START_TEST (missing_required)
{
  expect_error (&missing_cases[_i]);
}
END_TEST

START_TEST (out_of_range)
{
  expect_error (&range_cases[_i]);
}
END_TEST

START_TEST (unsupported_versions)
{
  expect_error (&version_cases[_i]);
}
END_TEST

START_TEST (supported_versions)
{
  static const char *const ok[] = { "1.0.0", "1.0.2-dev", "1.3.0", "1.10.22", "1.2.0+build.5" };
  for (size_t i = 0; i < ARRAY_SIZE (ok); i++)
    {
      cleanup_free char *json = xasprintf ("{'ociVersion':'%s'}", ok[i]);
      cleanup_spec struct husk_spec *spec = parse_ok (json);
      ck_assert_str_eq (spec->oci_version, ok[i]);
    }
}
END_TEST

/* Malformed text: raw bytes, not quote-converted. */
static const struct
{
  const char *text;
  size_t len; /* 0: strlen */
  const char *message;
} malformed_cases[] = {
  { "", 0, "config.json: invalid JSON: parse error: premature EOF" },
  { "{\"ociVersion\":", 0, "config.json: invalid JSON: parse error: premature EOF" },
  { "{\"a\" 1}", 0,
    "config.json: invalid JSON: parse error: object key and value must be separated by a colon "
    "(':')" },
  { "{} x", 0, "config.json: invalid JSON: parse error: trailing garbage" },
  { "{\"a\":tru}", 0, "config.json: invalid JSON: lexical error: invalid string in json text." },
  { "{\"a\":\"\xff\"}", 0,
    "config.json: invalid JSON: lexical error: invalid bytes in UTF8 string." },
  { "{\"a\":1}\0{}", 10, "config.json: invalid JSON: unexpected NUL byte" },
  { "/* c */ {}", 0, "config.json: invalid JSON: comments are not allowed" },
  { "{\"a\":\"x\\u0000y\"}", 0, "config.json: invalid JSON: strings must not contain \\u0000" },
};

START_TEST (malformed_json)
{
  const char *text = malformed_cases[_i].text;
  size_t len = malformed_cases[_i].len ? malformed_cases[_i].len : strlen (text);
  cleanup_err husk_err_t *err = NULL;
  struct husk_spec *spec = NULL;
  ck_assert_int_eq (husk_spec_parse (text, len, &spec, &err), -1);
  ck_assert_ptr_null (spec);
  ck_assert_str_eq (err->msg, malformed_cases[_i].message);
  ck_assert_ptr_null (strchr (err->msg, '\n'));
}
END_TEST

/* Depth beyond the limit is refused before yajl recurses on it; inside
   strings, brackets and comment markers are plain text. */
START_TEST (nesting_limit)
{
  size_t n = 100000;
  cleanup_free char *deep = xmalloc0 (2 * n + 1);
  memset (deep, '[', n);
  memset (deep + n, ']', n);
  cleanup_err husk_err_t *err = NULL;
  struct husk_spec *spec = NULL;
  ck_assert_int_eq (husk_spec_parse (deep, 2 * n, &spec, &err), -1);
  ck_assert_str_eq (err->msg, "config.json: invalid JSON: nested deeper than 128 levels");

  cleanup_spec struct husk_spec *ok
      = parse_ok ("{'ociVersion':'1.0.0','hostname':'[[[[ /* {{{ \\\\u0000 \\' x','annotations':"
                  "{'k':'\\\\'}}");
  ck_assert_str_eq (ok->hostname, "[[[[ /* {{{ \\u0000 \" x");
  ck_assert_str_eq (ok->annotations[0].value, "\\");
}
END_TEST

/* Repeated member names: the last one counts, as with Go's decoder. */
START_TEST (duplicate_keys_last_wins)
{
  cleanup_spec struct husk_spec *spec
      = parse_ok ("{'ociVersion':'1.0.0','hostname':'a','hostname':'b','annotations':"
                  "{'x':'1','y':'2','x':'3'}}");
  ck_assert_str_eq (spec->hostname, "b");
  ck_assert_uint_eq (spec->n_annotations, 2);
  ck_assert_str_eq (spec->annotations[0].key, "y");
  ck_assert_str_eq (spec->annotations[1].key, "x");
  ck_assert_str_eq (spec->annotations[1].value, "3");
}
END_TEST

START_TEST (rlimit_uint64_max)
{
  cleanup_spec struct husk_spec *spec
      = parse_ok ("{'ociVersion':'1.0.0','process':{'cwd':'/','args':['sh'],'rlimits':[{'type':"
                  "'RLIMIT_NOFILE','hard':18446744073709551615,'soft':9223372036854775808}]}}");
  ck_assert (spec->process->rlimits[0].hard == UINT64_MAX);
  ck_assert (spec->process->rlimits[0].soft == (uint64_t)INT64_MAX + 1);
}
END_TEST

START_TEST (load_from_bundle)
{
  char dir[] = "/tmp/husk-spec-XXXXXX";
  ck_assert_ptr_nonnull (mkdtemp (dir));
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (dfd, 0);

  cleanup_err husk_err_t *err = NULL;
  struct husk_spec *spec = NULL;
  ck_assert_int_eq (husk_spec_load_at (dfd, &spec, &err), -1);
  ck_assert_int_eq (err->errnum, ENOENT);
  ck_assert_str_eq (err->msg, "open `config.json`");
  husk_err_freep (&err);

  const char *json = "{\"ociVersion\":\"1.1.0\",\"hostname\":\"h\"}";
  ck_assert_int_eq (
      husk_write_file_at (dfd, "config.json", json, strlen (json), O_CREAT | O_TRUNC, 0600, &err),
      0);
  ck_assert_int_eq (husk_spec_load_at (dfd, &spec, &err), 0);
  ck_assert_str_eq (spec->hostname, "h");
  husk_spec_freep (&spec);
  ck_assert_ptr_null (spec);
  unlinkat (dfd, "config.json", 0);
  rmdir (dir);
}
END_TEST

/* exec --process documents: same shape as "process", paths from their root. */
START_TEST (process_documents)
{
  cleanup_free char *good = json_of ("{'cwd':'/tmp','args':['ls','-l'],'env':['A=1'],"
                                     "'user':{'uid':5,'gid':6},'terminal':true}");
  cleanup_err husk_err_t *err = NULL;
  struct husk_process *p = NULL;
  ck_assert_int_eq (husk_process_parse (good, strlen (good), &p, &err), 0);
  ck_assert_strv (p->args, p->n_args, "ls", "-l");
  ck_assert_uint_eq (p->user.gid, 6);
  ck_assert (p->terminal);
  husk_process_free (p);

  static const struct error_case bad[] = {
    { "{'cwd':'/','args':'ls'}", "process.json: args: expected an array of strings" },
    { "{'args':['ls']}", "process.json: cwd: missing required field" },
    { "[1]", "process.json: expected an object" },
    { "{'cwd':'/','args':['x'],'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]}",
      "process.json: rlimits[0].soft: missing required field" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_free char *json = json_of (bad[i].json);
      p = NULL;
      ck_assert_int_eq (husk_process_parse (json, strlen (json), &p, &err), -1);
      ck_assert_ptr_null (p);
      ck_assert_str_eq (err->msg, bad[i].message);
      husk_err_freep (&err);
    }
}
END_TEST

/* update --resources documents: linux.resources on its own. */
START_TEST (resources_documents)
{
  cleanup_free char *good
      = json_of ("{'memory':{'limit':1048576,'swap':-1},'pids':{'limit':10},'cpu':{'shares':512}}");
  cleanup_err husk_err_t *err = NULL;
  struct husk_resources *r = NULL;
  ck_assert_int_eq (husk_resources_parse (good, strlen (good), &r, &err), 0);
  ck_assert_opt (r->memory->limit, 1048576);
  ck_assert_opt (r->memory->swap, -1);
  ck_assert_opt (r->pids_limit, 10);
  ck_assert_opt (r->cpu->shares, 512);
  ck_assert_ptr_null (r->block_io);
  husk_resources_free (r);

  cleanup_free char *bad = json_of ("{'memory':{'limit':'1g'}}");
  r = NULL;
  ck_assert_int_eq (husk_resources_parse (bad, strlen (bad), &r, &err), -1);
  ck_assert_ptr_null (r);
  ck_assert_str_eq (err->msg, "resources.json: memory.limit: expected an integer");
}
END_TEST

START_TEST (namespace_table)
{
  static const struct
  {
    const char *name, *proc;
    int flag;
    enum husk_ns_kind kind;
  } want[] = {
    { "pid", "pid", CLONE_NEWPID, HUSK_NS_PID },
    { "network", "net", CLONE_NEWNET, HUSK_NS_NETWORK },
    { "mount", "mnt", CLONE_NEWNS, HUSK_NS_MOUNT },
    { "ipc", "ipc", CLONE_NEWIPC, HUSK_NS_IPC },
    { "uts", "uts", CLONE_NEWUTS, HUSK_NS_UTS },
    { "user", "user", CLONE_NEWUSER, HUSK_NS_USER },
    { "cgroup", "cgroup", CLONE_NEWCGROUP, HUSK_NS_CGROUP },
    { "time", "time", 0x80, HUSK_NS_TIME },
  };
  ck_assert_uint_eq (ARRAY_SIZE (want), HUSK_NS_KIND_COUNT);
  for (size_t i = 0; i < ARRAY_SIZE (want); i++)
    {
      const struct husk_ns_info *ns = husk_ns_by_name (want[i].name);
      ck_assert_ptr_nonnull (ns);
      ck_assert_ptr_eq (ns, &husk_ns_table[want[i].kind]);
      ck_assert_int_eq (ns->kind, want[i].kind);
      ck_assert_str_eq (ns->proc_name, want[i].proc);
      ck_assert_int_eq (ns->clone_flag, want[i].flag);
    }
  ck_assert_ptr_null (husk_ns_by_name ("net"));
  ck_assert_ptr_null (husk_ns_by_name (""));
  ck_assert_ptr_null (husk_ns_by_name (NULL));

  cleanup_spec struct husk_spec *spec
      = parse_ok ("{'ociVersion':'1.0.0','linux':{'namespaces':[{'type':'uts'},"
                  "{'type':'network','path':'/run/netns/x'}]}}");
  ck_assert_ptr_eq (husk_spec_namespace (spec, HUSK_NS_UTS), &spec->linux_->namespaces[0]);
  ck_assert_str_eq (husk_spec_namespace (spec, HUSK_NS_NETWORK)->path, "/run/netns/x");
  ck_assert_ptr_null (husk_spec_namespace (spec, HUSK_NS_PID));
  cleanup_spec struct husk_spec *bare = parse_ok ("{'ociVersion':'1.0.0'}");
  ck_assert_ptr_null (husk_spec_namespace (bare, HUSK_NS_PID));
}
END_TEST

START_TEST (hook_names)
{
  static const char *const want[] = { "prestart",       "createRuntime", "createContainer",
                                      "startContainer", "poststart",     "poststop" };
  ck_assert_uint_eq (ARRAY_SIZE (want), HUSK_HOOK_KIND_COUNT);
  for (size_t i = 0; i < ARRAY_SIZE (want); i++)
    ck_assert_str_eq (husk_hook_names[i], want[i]);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("spec");
  TCase *tc = tcase_create ("parse");
  tcase_add_test (tc, full_config);
  tcase_add_test (tc, runc_default_config);
  tcase_add_test (tc, unknown_keys_ignored);
  tcase_add_test (tc, null_fields_absent);
  tcase_add_loop_test (tc, wrong_types, 0, ARRAY_SIZE (type_cases));
  tcase_add_loop_test (tc, missing_required, 0, ARRAY_SIZE (missing_cases));
  tcase_add_loop_test (tc, out_of_range, 0, ARRAY_SIZE (range_cases));
  tcase_add_loop_test (tc, unsupported_versions, 0, ARRAY_SIZE (version_cases));
  tcase_add_test (tc, supported_versions);
  tcase_add_loop_test (tc, malformed_json, 0, ARRAY_SIZE (malformed_cases));
  tcase_add_test (tc, nesting_limit);
  tcase_add_test (tc, duplicate_keys_last_wins);
  tcase_add_test (tc, rlimit_uint64_max);
  tcase_add_test (tc, load_from_bundle);
  tcase_add_test (tc, process_documents);
  tcase_add_test (tc, resources_documents);
  tcase_add_test (tc, namespace_table);
  tcase_add_test (tc, hook_names);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}
