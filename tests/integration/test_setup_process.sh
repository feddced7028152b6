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

# cap_masks: the five capability masks of the shell inside, "Inh Prm Eff Bnd Amb".
CAP_MASKS='for s in CapInh CapPrm CapEff CapBnd CapAmb; do grep "^$s:" /proc/self/status | cut -f2; done | tr "\n" " "'

# Bits: CAP_CHOWN 0, CAP_KILL 5, CAP_NET_BIND_SERVICE 10, CAP_SYS_ADMIN 21, CAP_AUDIT_WRITE 29.

# The default config (husk spec): no inheritable and no ambient capabilities
# (CVE-2022-29162); for root the rest is the bounding set.
case_capabilities_default() {
  new_bundle
  run_sh_ok "$CAP_MASKS"
  assert_eq "0000000000000000 0000000020000420 0000000020000420 0000000020000420 0000000000000000 " \
    "$OUT" "capability masks of the default config"
}

case_capabilities_root() {
  new_bundle
  cfg_set '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"],
      "effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"]}'
  cfg_set '.process.noNewPrivileges = true'
  run_sh_ok "$CAP_MASKS"
  assert_eq "0000000000000000 0000000000000021 0000000000000021 0000000000200021 0000000000000000 " \
    "$OUT" "capability masks for root with noNewPrivileges"
  # without no_new_privs, execve as root raises permitted to the bounding set
  cfg_set '.process.noNewPrivileges = false'
  run_sh_ok "$CAP_MASKS"
  assert_eq "0000000000000000 0000000000200021 0000000000200021 0000000000200021 0000000000000000 " \
    "$OUT" "capability masks for root"
}

# As another user, what execve leaves is exactly the ambient set.
case_capabilities_all_sets() {
  new_bundle
  cfg_set '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"],
      "effective": ["CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
      "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
  run_sh_ok "$CAP_MASKS"
  assert_eq "0000000000000020 0000000000000020 0000000000000020 0000000000200021 0000000000000020 " \
    "$OUT" "capability masks with an ambient capability"
  cfg_set 'del(.process.capabilities.ambient, .process.capabilities.inheritable)'
  run_sh_ok "$CAP_MASKS"
  assert_eq "0000000000000000 0000000000000000 0000000000000000 0000000000200021 0000000000000000 " \
    "$OUT" "capability masks of a user without ambient capabilities"
}

# An ambient capability that is not inheritable cannot be raised: a warning.
case_capabilities_ambient_warning() {
  new_bundle
  cfg_set '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"],
      "effective": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
  run_sh_ok "$CAP_MASKS"
  assert_contains "$ERR" "cannot raise ambient capability CAP_KILL" "warning"
  assert_eq "0000000000000000 0000000000000000 0000000000000000 0000000000000020 0000000000000000 " \
    "$OUT" "capability masks"
}

CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
  LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
  SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
  SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)

# A capability the runtime does not hold itself is a warning, and the
# process goes on without it (as the spec asks).
case_capabilities_not_held() {
  local bnd v missing=-1
  bnd=$((0x$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
  for ((v = 0; v < ${#CAP_NAMES[@]}; v++)); do
    if ((!(bnd >> v & 1))); then
      missing=$v
      break
    fi
  done
  ((missing >= 0)) || skip "the runtime holds every capability: none to be refused"
  new_bundle
  cfg_set '.process.capabilities = {"bounding": ["CAP_KILL", $c], "effective": ["CAP_KILL", $c],
      "permitted": ["CAP_KILL", $c]} | .process.noNewPrivileges = true' \
    --arg c "CAP_${CAP_NAMES[$missing]}"
  run_sh_ok "$CAP_MASKS"
  assert_contains "$ERR" "CAP_${CAP_NAMES[$missing]} cannot be granted" "warning"
  assert_eq "0000000000000000 0000000000000020 0000000000000020 0000000000000020 0000000000000000 " \
    "$OUT" "capability masks without the one the runtime lacks"
}

case_capabilities_unknown() {
  new_bundle
  cfg_set '.process.capabilities.bounding += ["CAP_FLY"]'
  bad_config 'config.json: process.capabilities.bounding: unknown capability "CAP_FLY"'
  new_bundle
  cfg_set '.process.capabilities.ambient = ["cap_kill"]'
  bad_config 'config.json: process.capabilities.ambient: unknown capability "cap_kill"'
}

case_no_new_privileges() {
  new_bundle
  cfg_set '.process.noNewPrivileges = true'
  run_sh_ok 'grep NoNewPrivs /proc/self/status | tr -d "[:space:]"'
  assert_eq "NoNewPrivs:1" "$OUT"
  cfg_set '.process.noNewPrivileges = false'
  run_sh_ok 'grep NoNewPrivs /proc/self/status | tr -d "[:space:]"'
  assert_eq "NoNewPrivs:0" "$OUT"
}

# Every resource, with soft and hard limits of their own, as /proc/self/limits
# shows them.  Hard limits stay within the runtime's own: raising one needs
# CAP_SYS_RESOURCE, which a runtime may not have.
case_rlimits_every_type() {
  local rl=() want="" i=0 type row soft hard host
  declare -A rows=([CPU]="Max cpu time" [FSIZE]="Max file size" [DATA]="Max data size"
    [STACK]="Max stack size" [CORE]="Max core file size" [RSS]="Max resident set"
    [NPROC]="Max processes" [NOFILE]="Max open files" [MEMLOCK]="Max locked memory"
    [AS]="Max address space" [LOCKS]="Max file locks" [SIGPENDING]="Max pending signals"
    [MSGQUEUE]="Max msgqueue size" [NICE]="Max nice priority" [RTPRIO]="Max realtime priority"
    [RTTIME]="Max realtime timeout")
  new_bundle
  for type in CPU FSIZE DATA STACK CORE RSS NPROC NOFILE MEMLOCK AS LOCKS SIGPENDING MSGQUEUE \
    NICE RTPRIO RTTIME; do
    i=$((i + 1))
    host=$(grep "^${rows[$type]} " /proc/self/limits | sed -E 's/ {2,}/|/g' | cut -d"|" -f3)
    if [[ $host == unlimited ]]; then
      soft=$((100000000 + i)) hard=$((200000000 + i))
    else
      hard=$((host > i ? host - i : host)) soft=$((host > i ? (host - i) / 2 : host))
    fi
    rl+=("{\"type\": \"RLIMIT_$type\", \"soft\": $soft, \"hard\": $hard}")
    want+="${rows[$type]} $soft $hard"$'\n'
  done
  cfg_set ".process.rlimits = [$(IFS=,; echo "${rl[*]}")]"
  run_sh_ok 'sed 1d /proc/self/limits | sed -E "s/ {2,}/|/g" | cut -d"|" -f1-3 | tr "|" " "'
  while read -r row; do
    assert_contains "$OUT" "$row" "/proc/self/limits"
  done <<<"${want%$'\n'}"
}

case_rlimits_bad() {
  new_bundle
  cfg_set '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20},
      {"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20}]'
  bad_config 'config.json: process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE"'
  cfg_set '.process.rlimits = [{"type": "RLIMIT_FAST", "soft": 1, "hard": 1}]'
  bad_config 'config.json: process.rlimits[0].type: unknown rlimit "RLIMIT_FAST"'
  cfg_set '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 30, "hard": 20}]'
  bad_config 'config.json: process.rlimits[0]: soft limit 30 exceeds hard limit 20'
}

case_oom_score_adj() {
  new_bundle
  cfg_set '.process.oomScoreAdj = 417'
  run_sh_ok 'cat /proc/self/oom_score_adj'
  assert_eq 417 "$OUT" "oomScoreAdj"
  # lowering it needs CAP_SYS_RESOURCE (bit 24), which a runtime may not have
  cfg_set '.process.oomScoreAdj = -417'
  if (($(printf '%d' "0x$(awk '/^CapEff/ { print $2 }' /proc/self/status)") >> 24 & 1)); then
    run_sh_ok 'cat /proc/self/oom_score_adj'
    assert_eq -417 "$OUT" "negative oomScoreAdj"
  else
    bad_config 'write /proc/self/oom_score_adj: Permission denied'
  fi
  cfg_set '.process.oomScoreAdj = 1001'
  bad_config 'config.json: process.oomScoreAdj: must be between -1000 and 1000'
}

# When the pty master cannot be handed on (the receiver went away), run
# fails and the program never ran, however long the device filter takes.
case_console_socket_gone() {
  local sock=$CASE_DIR/gone.sock id i ran=0 failed=0
  new_bundle
  cfg_set '.root.readonly = false | .process.terminal = true
           | .linux.resources.devices = [{"allow": false, "access": "rwm"}]
             + [range(300) | {"allow": true, "type": "c", "major": 99, "minor": ., "access": "rw"}]'
  cfg_args sh -c 'echo ran >> /ran'
  python3 - "$sock" 10 >"$CASE_DIR/srv.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(16)
for _ in range(int(sys.argv[2])):
    c, _ = s.accept(); c.close()
PY
  wait_until 5 test -S "$sock"
  for ((i = 0; i < 10; i++)); do
    id=$(new_id)
    capture husk_cmd run --detach --console-socket "$sock" --bundle "$BUNDLE" "$id"
    [[ $RC != 0 ]] && failed=$((failed + 1))
    assert_no_leftovers "$id"
  done
  [[ -e $ROOTFS/ran ]] && ran=$(wc -l <"$ROOTFS/ran")
  assert_eq "10 0" "$failed $ran" "failed runs, and runs whose program ran anyway"
}

# A terminal through --console-socket: the pty master reaches the socket,
# the process's stdio is the pty's peer (also bound on /dev/console), sized
# as consoleSize says.
case_terminal_console_socket() {
  local sock=$CASE_DIR/console.sock cs id tool_pid
  cs=$(tool console_socket)
  new_bundle
  cfg_set '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
  cfg_args sh -c 'tty; stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty
    awk "\$5 == \"/dev/console\" { for (i = 7; \$i != \"-\"; i++); print \$4, \$(i + 1) }" /proc/self/mountinfo
    read line; echo "got: $line"'
  "$cs" "$sock" "$CASE_DIR/console.out" $'hello console\n' >"$CASE_DIR/cs.out" 2>&1 &
  tool_pid=$!
  wait_until 5 test -S "$sock"
  id=$(new_id)
  capture husk_cmd run --detach --console-socket "$sock" --bundle "$BUNDLE" "$id"
  assert_eq 0 "$RC" "run --detach --console-socket"$'\n'"$ERR"
  wait "$tool_pid" || fail "console_socket failed: $(cat "$CASE_DIR/cs.out")"
  assert_match "$(cat "$CASE_DIR/cs.out")" '^pty [0-9]+$' "a pty master came over the socket"
  OUT=$(tr -d '\r' <"$CASE_DIR/console.out")
  assert_contains "$OUT" $'/dev/pts/0\n33 101\nall-tty\n/0 devpts\n' "tty, size and /dev/console"
  assert_contains "$OUT" "got: hello console" "input written to the master reaches the process"
  wait_until 10 status_is "$id" stopped
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_terminal_needs_console_socket() {
  new_bundle
  cfg_set '.process.terminal = true'
  local id
  id=$(new_id)
  assert_fails_with "cannot allocate a terminal for a detached container without --console-socket" \
    husk_cmd run --detach --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
  assert_fails_with 'connect to console socket `/nonexistent/sock`' \
    husk_cmd run --detach --console-socket /nonexistent/sock --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
}

# A new session keyring named after the container, unless --no-new-keyring.
case_session_keyring() {
  new_bundle
  cfg_set '.linux.maskedPaths -= ["/proc/keys"]'
  run_sh_ok 'cat /proc/keys'
  assert_match "$OUT" " keyring +$LAST_ID: " "the container's session keyring"
  run_sh_ok 'cat /proc/keys' --no-new-keyring
  assert_not_contains "$OUT" "$LAST_ID" "keyring with --no-new-keyring"
}

run_cases case_scheduler_batch_nice case_scheduler_fifo case_scheduler_bad case_io_priority \
  case_io_priority_bad case_personality case_personality_bad case_memory_policy \
  case_memory_policy_bad case_exec_cpu_affinity case_exec_cpu_affinity_bad \
  case_capabilities_default case_capabilities_root case_capabilities_all_sets \
  case_capabilities_ambient_warning case_capabilities_not_held case_capabilities_unknown case_no_new_privileges \
  case_rlimits_every_type case_rlimits_bad case_oom_score_adj case_terminal_console_socket case_console_socket_gone \
  case_terminal_needs_console_socket case_session_keyring
