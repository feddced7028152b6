#!/bin/bash
# process.* and the process-wide linux.* fields: what the process inside sees,
# and each bad value refused before anything is created.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/setup_lib.sh"

# stat_field N: field N of /proc/self/stat of the shell inside (fields after
# "(comm)" start at 3).
STAT_FIELDS='s=$(cat /proc/$$/stat); s=${s##*) }; set -- $s'


case_scheduler_batch_nice() {
  new_bundle
  cfg_set '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
  # stat fields: 19 nice, 41 policy
  run_sh_ok "$STAT_FIELDS"'; echo "nice=${17} policy=${39}"'
  assert_eq "nice=7 policy=3" "$OUT" "SCHED_BATCH with nice 7"
}

case_scheduler_fifo() {
  new_bundle
  cfg_set '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 12}'
  # stat fields: 40 rt_priority, 41 policy
  run_sh_ok "$STAT_FIELDS"'; echo "rt=${38} policy=${39}"'
  assert_eq "rt=12 policy=1" "$OUT" "SCHED_FIFO priority 12"
}

case_scheduler_bad() {
  new_bundle
  cfg_set '.process.scheduler = {"policy": "SCHED_BOGUS"}'
  bad_config 'config.json: process.scheduler.policy: unknown policy "SCHED_BOGUS"'
  cfg_set '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 40}'
  bad_config 'config.json: process.scheduler.nice: 40 is out of range -20..19'
  cfg_set '.process.scheduler = {"policy": "SCHED_RR", "priority": 0}'
  bad_config 'process.scheduler.priority: 0 is out of range 1..99 for SCHED_RR'
}

case_io_priority() {
  new_bundle
  cfg_set '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  run_sh_ok 'ionice -p $$'
  assert_eq "best-effort: prio 6" "$OUT" "ioPriority"
  cfg_set '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  run_sh_ok 'ionice -p $$'
  assert_eq "idle" "$OUT" "ioPriority idle"
}

case_io_priority_bad() {
  new_bundle
  cfg_set '.process.ioPriority = {"class": "IOPRIO_CLASS_FAST", "priority": 1}'
  bad_config 'config.json: process.ioPriority.class: unknown class "IOPRIO_CLASS_FAST"'
  cfg_set '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8}'
  bad_config 'config.json: process.ioPriority.priority: 8 is out of range 0..7'
}

case_personality() {
  new_bundle
  cfg_set '.linux.personality = {"domain": "LINUX32"}'
  run_sh_ok 'uname -m'
  assert_eq i686 "$OUT" "uname -m with LINUX32"
  cfg_set '.linux.personality = {"domain": "LINUX"}'
  run_sh_ok 'uname -m'
  assert_eq "$(uname -m)" "$OUT" "uname -m with LINUX"
}

case_personality_bad() {
  new_bundle
  cfg_set '.linux.personality = {"domain": "BSD"}'
  bad_config 'config.json: linux.personality.domain: unknown domain "BSD"'
}

case_memory_policy() {
  [[ -e /proc/self/numa_maps ]] || skip "no /proc/self/numa_maps (kernel without NUMA)"
  new_bundle
  # the process policy shows on every mapping without one of its own
  cfg_set '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
  run_sh_ok 'head -n1 /proc/self/numa_maps | cut -d" " -f2'
  assert_eq "bind:0" "$OUT" "memoryPolicy MPOL_BIND"
  cfg_set '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0",
      "flags": ["MPOL_F_STATIC_NODES"]}'
  run_sh_ok 'head -n1 /proc/self/numa_maps | cut -d" " -f2'
  assert_eq "interleave=static:0" "$OUT" "memoryPolicy MPOL_INTERLEAVE static"
  cfg_set 'del(.linux.memoryPolicy)'
  run_sh_ok 'head -n1 /proc/self/numa_maps | cut -d" " -f2'
  assert_eq "default" "$OUT" "no memoryPolicy"
}

case_memory_policy_bad() {
  new_bundle
  cfg_set '.linux.memoryPolicy = {"mode": "MPOL_FAST"}'
  bad_config 'config.json: linux.memoryPolicy.mode: unknown mode "MPOL_FAST"'
  cfg_set '.linux.memoryPolicy = {"mode": "MPOL_BIND"}'
  bad_config 'config.json: linux.memoryPolicy.nodes: required for MPOL_BIND'
  # a node this machine does not have: the kernel says so, nothing is left
  cfg_set '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "1000"}'
  bad_config 'linux.memoryPolicy: set_mempolicy'
}

case_exec_cpu_affinity() {
  local ncpu
  ncpu=$(nproc --all)
  ((ncpu >= 2)) || skip "needs two cpus"
  new_bundle
  cfg_set '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
  run_sh_ok 'grep Cpus_allowed_list /proc/self/status | tr -d "[:space:]"'
  assert_eq "Cpus_allowed_list:1" "$OUT" "final affinity"
  cfg_set '.process.execCPUAffinity = {"initial": "1"}'
  run_sh_ok 'grep Cpus_allowed_list /proc/self/status | tr -d "[:space:]"'
  assert_eq "Cpus_allowed_list:1" "$OUT" "initial affinity, kept without a final one"
  cfg_set '.process.execCPUAffinity = {"initial": "1", "final": "0-1"}'
  run_sh_ok 'grep Cpus_allowed_list /proc/self/status | tr -d "[:space:]"'
  assert_eq "Cpus_allowed_list:0-1" "$OUT" "final affinity widens the initial one"
}

case_exec_cpu_affinity_bad() {
  new_bundle
  cfg_set '.process.execCPUAffinity = {"initial": "0-x"}'
  bad_config 'config.json: process.execCPUAffinity.initial: invalid cpu list "0-x"'
  cfg_set '.process.execCPUAffinity = {"final": "3-1"}'
  bad_config 'config.json: process.execCPUAffinity.final: invalid cpu list "3-1"'
}

run_cases case_scheduler_batch_nice case_scheduler_fifo case_scheduler_bad case_io_priority \
  case_io_priority_bad case_personality case_personality_bad case_memory_policy \
  case_memory_policy_bad case_exec_cpu_affinity case_exec_cpu_affinity_bad
