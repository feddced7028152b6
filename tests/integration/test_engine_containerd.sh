#!/bin/bash
# containerd 1.6 drives husk through its io.containerd.runc.v2 shim:
# `ctr run --runc-binary <husk>` of a busybox image that the test builds as
# an OCI layout tarball and loads with `ctr images import`: run --rm, run -d,
# run -t, task exec (and -t), task ps, pause/resume, kill, kill --all,
# delete, and exit codes.  Each case checks outputs and exit codes, what the
# shim asked of husk, and that no container, task, husk state, mount, cgroup
# or process is left.
#
# The test starts its own containerd (root, state and sockets under temp
# directories, the CRI plugin off) inside the cgroup sandbox of
# engine_lib.sh and stops it by pid.  Skips (77) only when containerd cannot
# be installed or cannot start here.
source "$(dirname "$0")/lib.sh"
source "$LIB_DIR/engine_lib.sh"

need_root
need_cmd jq tar gzip sha256sum
engine_install containerd ctr containerd-shim-runc-v2 script

# Decided outside the sandbox, inherited inside.  Sockets get a short
# directory: a unix socket path has at most 107 bytes and $HUSK_TEST_WORK may
# be deep.  The shims put theirs in /run/containerd/s (fixed in 1.6): when
# the test created /run/containerd, it removes it.
if [[ -z ${HUSK_ENGINE_SANDBOX:-} ]]; then
  export CTD_SOCK_DIR=/tmp/husk-ctd-$$ CTD_RUN_DIR_EXISTED=
  [[ ! -e /run/containerd ]] || CTD_RUN_DIR_EXISTED=1
fi
engine_outer_cleanup() {
  rm -rf "$CTD_SOCK_DIR"
  [[ -n $CTD_RUN_DIR_EXISTED ]] || rm -rf /run/containerd
}
engine_sandbox "$@"

ENG=$T_WORK/engine
IMG=docker.io/library/husk-busybox:test
RUNC_ROOT=$ENG/husk-root
HUSK_STATE=$RUNC_ROOT/default # the shim adds the containerd namespace

# ------------------------------------------------------------ the daemon

CTD_PID=
SOCK=$CTD_SOCK_DIR/containerd.sock

CTR=(ctr --address "$SOCK")
RUN_OPTS=(--runc-binary PLACEHOLDER --runc-root "$RUNC_ROOT" --fifo-dir "$ENG/fifo")

C() {
  "${CTR[@]}" "$@"
}

start_containerd() {
  local i log=$ENG/containerd.log
  rm -rf --one-file-system "$ENG"
  mkdir -p "$ENG/fifo" "$CTD_SOCK_DIR"
  engine_wrapper "$ENG/bin"
  RUN_OPTS[1]=$ENGINE_HUSK
  # ctr asks for cpu.shares 1024 unless told 0: a resource whose controller
  # the hierarchy lacks is an error in husk (runc fails on cpu.weight too)
  grep -qw cpu /sys/fs/cgroup/cgroup.controllers || RUN_OPTS+=(--cpu-shares 0)
  cat >"$ENG/config.toml" <<EOF
version = 2
root = "$ENG/root"
state = "$ENG/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$ENG/opt"
EOF
  containerd --config "$ENG/config.toml" --log-level warn >"$log" 2>&1 &
  CTD_PID=$!
  for ((i = 0; i < 200; i++)); do
    C version >/dev/null 2>&1 && break
    kill -0 "$CTD_PID" 2>/dev/null || break
    sleep 0.05
  done
  C version >/dev/null 2>&1 || skip "containerd did not start: $(tail -n 5 "$log")"
  echo "containerd: $(containerd --version)"
  # overlayfs where it works here, otherwise the native snapshotter
  if C plugins ls | grep -E 'io\.containerd\.snapshotter\.v1 +overlayfs +[^ ]+ +ok' >/dev/null; then
    export CONTAINERD_SNAPSHOTTER=overlayfs
  else
    export CONTAINERD_SNAPSHOTTER=native
  fi
  make_rootfs "$ENG/rootfs"
  make_oci_archive "$ENG/rootfs" "$ENG/image.tar" "$IMG"
  C images import "$ENG/image.tar" >"$ENG/import.log" 2>&1 ||
    fail "ctr images import failed: $(cat "$ENG/import.log")"
  C images ls -q | grep -xF "$IMG" >/dev/null || fail "ctr images import did not name the image $IMG"
  echo "containerd: snapshotter $CONTAINERD_SNAPSHOTTER, image $IMG imported"
  engine_mounts "$ENG" >"$ENG/mounts.base"
}

stop_containerd() {
  local i
  [[ -n $CTD_PID ]] || return 0
  kill -TERM "$CTD_PID" 2>/dev/null
  for ((i = 0; i < 200; i++)); do
    kill -0 "$CTD_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$CTD_PID" 2>/dev/null && {
    echo "containerd (pid $CTD_PID) ignored SIGTERM for 10s" >&2
    kill -KILL "$CTD_PID"
  }
  wait "$CTD_PID" 2>/dev/null
  CTD_PID=
  return 0
}

# ------------------------------------------------------------- helpers

ctd_case() {
  trap 'ctd_reset; _cleanup_case' EXIT
}

# Remove every task and container of the test's containerd.
ctd_reset() {
  local t
  for t in $(C tasks ls -q 2>/dev/null); do
    C tasks delete -f "$t" >/dev/null 2>&1
  done
  for t in $(C containers ls -q 2>/dev/null); do
    C containers rm "$t" >/dev/null 2>&1
  done
}

# new_cid TAG: a container id for this case.
new_cid() {
  local id="${CASE#case_}-$1-$$"
  echo "${id//_/-}"
}

task_status() { # ID
  C tasks ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_pid() { # ID
  C tasks ls | awk -v id="$1" '$1 == id { print $2 }'
}

status_of() { # ID STATUS: for wait_until
  [[ $(task_status "$1") == "$2" ]]
}

husk_status() { # ID
  "$HUSK" --root "$HUSK_STATE" state "$1" | jq -r .status
}

cgroup_procs() { # ID: the pids in the container's cgroup, sorted
  sort -n "/sys/fs/cgroup/default/$1/cgroup.procs"
}

n_procs() { # ID N: for wait_until
  [[ $(cgroup_procs "$1" | wc -l) == "$2" ]]
}

# ctd_clean ID: containerd knows no container or task, husk has no state for
# ID, and no mount, cgroup or process of it is left.
ctd_clean() {
  wait_engine_clean "$1" "$HUSK_STATE"
  assert_eq "" "$(C containers ls -q)" "containers containerd still has"
  assert_eq "" "$(C tasks ls -q)" "tasks containerd still has"
  assert_eq "$(cat "$ENG/mounts.base")" "$(engine_mounts "$ENG")" "mounts under $ENG"
  # The cleanup after the shim exits runs `delete --force` once more, which
  # must succeed on a container that is gone.  (Its shim sometimes reports
  # "exit status 255" for a delete that exited 0: a reaping race in
  # containerd 1.6, not checked here.)
  if grep -F "failed to remove runc container" "$ENG/containerd.log" | grep -F -- "$1" |
    grep -F "does not exist" >/dev/null; then
    fail "containerd could not remove $1 (husk delete --force):"$'\n'"$(grep -F "$1" "$ENG/containerd.log")"
  fi
}

# run_rm ID ARGS...: ctr run --rm in the foreground; sets OUT, ERR, RC.
run_rm() {
  local id=$1
  shift
  capture C run --rm "${RUN_OPTS[@]}" "$IMG" "$id" "$@"
}

# run_detached ID ARGS...: ctr run -d, then wait for RUNNING.
run_detached() {
  local id=$1
  shift
  capture C run -d "${RUN_OPTS[@]}" "$IMG" "$id" "$@"
  assert_eq 0 "$RC" "ctr run -d"$'\n'"$ERR"
  wait_until 30 status_of "$id" RUNNING
}

# remove ID: kill (if running), delete the task and the container.
remove() {
  local id=$1
  if [[ $(task_status "$id") != STOPPED ]]; then
    C tasks kill -s KILL "$id"
    wait_until 30 status_of "$id" STOPPED
  fi
  C tasks delete "$id" >/dev/null 2>&1 || true
  C containers rm "$id"
}

# --------------------------------------------------------------------- cases

case_run_rm() {
  ctd_case
  local id
  id=$(new_cid a)
  run_rm "$id" sh -c 'echo out; echo $$; grep ^0:: /proc/self/cgroup'
  assert_eq 0 "$RC" "ctr run --rm"$'\n'"$ERR"
  assert_eq "out"$'\n'"1"$'\n'"0::/default/$id" "$OUT" "what the container sees"
  argv_seen "^--root $HUSK_STATE --log [^ ]+/log\\.json --log-format json create --bundle [^ ]+ --pid-file [^ ]+/init\\.pid $id\$"
  argv_seen "^--root $HUSK_STATE --log [^ ]+ --log-format json start $id\$"
  argv_seen "^--root $HUSK_STATE --log [^ ]+ --log-format json delete $id\$"
  ctd_clean "$id"
}

case_exit_code() {
  ctd_case
  local id
  id=$(new_cid a)
  run_rm "$id" sh -c 'exit 42'
  assert_eq 42 "$RC" "ctr run --rm of \`exit 42\`"$'\n'"$ERR"
  ctd_clean "$id"
  # a process that cannot start: the shim reports husk's last error log line
  id=$(new_cid b)
  run_rm "$id" /no/such/binary
  assert_ne 0 "$RC" "ctr run of a missing binary"
  assert_contains "$ERR" "/no/such/binary" "ctr's error"
  ctd_reset
  ctd_clean "$id"
}

case_run_detach() {
  ctd_case
  local id pid
  id=$(new_cid a)
  run_detached "$id" sleep 1000
  pid=$(task_pid "$id")
  assert_eq running "$(husk_status "$id")" "husk's status"
  assert_eq "$pid" "$("$HUSK" --root "$HUSK_STATE" state "$id" | jq -r .pid)" "husk's pid"
  assert_contains "$(cat "/proc/$pid/cgroup")" "0::/default/$id" "cgroup of the task"
  assert_eq "$pid" "$(cgroup_procs "$id")" "the container's cgroup.procs"
  remove "$id"
  ctd_clean "$id"
}

case_run_tty() {
  ctd_case
  local id
  id=$(new_cid a)
  in_pty "${CTR[@]}" run --rm -t "${RUN_OPTS[@]}" "$IMG" "$id" sh -c 'tty; exit 3'
  assert_eq 3 "$RC" "exit code of ctr run -t"$'\n'"$OUT"
  assert_match "$OUT" '(^|[^a-z])/dev/pts/[0-9]+' "tty in the container"
  argv_seen "create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ $id\$"
  ctd_clean "$id"
}

case_exec() {
  ctd_case
  local id
  id=$(new_cid a)
  run_detached "$id" sleep 1000
  capture C tasks exec --fifo-dir "$ENG/fifo" --exec-id e1 "$id" sh -c 'echo in-exec; tr "\0" " " </proc/1/cmdline; exit 4'
  assert_eq 4 "$RC" "exit code of ctr task exec"$'\n'"$ERR"
  assert_eq "in-exec"$'\n'"sleep 1000 " "$OUT" "exec output (pid 1 is the container's)"
  argv_seen "exec --process [^ ]+ --detach --pid-file [^ ]+ $id\$"
  capture C tasks exec --fifo-dir "$ENG/fifo" --exec-id e2 --cwd /tmp --user 65534 "$id" sh -c 'echo $(pwd) $(id -u)'
  assert_eq 0 "$RC" "exit code of ctr task exec --cwd --user"$'\n'"$ERR"
  assert_eq "/tmp 65534" "$OUT" "cwd and user of the exec"
  assert_eq RUNNING "$(task_status "$id")" "task status after the execs"
  assert_eq "$(task_pid "$id")" "$(cgroup_procs "$id")" "no exec process left in the cgroup"
  remove "$id"
  ctd_clean "$id"
}

case_exec_tty() {
  ctd_case
  local id
  id=$(new_cid a)
  run_detached "$id" sleep 1000
  in_pty "${CTR[@]}" tasks exec -t --fifo-dir "$ENG/fifo" --exec-id t1 "$id" sh -c 'tty; exit 6'
  assert_eq 6 "$RC" "exit code of ctr task exec -t"$'\n'"$OUT"
  assert_match "$OUT" '(^|[^a-z])/dev/pts/[0-9]+' "tty of the exec"
  argv_seen "exec --process [^ ]+ --console-socket [^ ]+ --detach --pid-file [^ ]+ $id\$"
  remove "$id"
  ctd_clean "$id"
}

case_ps() {
  ctd_case
  need_husk ps "ctr task ps calls \`husk ps --format json ID\`"
  local id
  id=$(new_cid a)
  run_detached "$id" sh -c 'sleep 1000 & sleep 1000 & wait'
  wait_until 30 n_procs "$id" 3
  capture C tasks ps "$id"
  assert_eq 0 "$RC" "ctr task ps"$'\n'"$ERR"
  argv_seen "ps --format json $id\$"
  assert_eq "$(cgroup_procs "$id")" "$(awk 'NR > 1 { print $1 }' <<<"$OUT" | sort -n)" \
    "pids of ctr task ps (vs the cgroup's)"
  remove "$id"
  ctd_clean "$id"
}

case_pause() {
  ctd_case
  need_husk pause resume "ctr task pause/resume call \`husk pause ID\` and \`husk resume ID\`"
  local id cg
  id=$(new_cid a)
  run_detached "$id" sleep 1000
  cg=/sys/fs/cgroup/default/$id
  assert_exit 0 C tasks pause "$id"
  assert_eq PAUSED "$(task_status "$id")" "task status after pause"
  assert_eq paused "$(husk_status "$id")" "husk's status after pause"
  assert_contains "$(cat "$cg/cgroup.events")" "frozen 1" "$cg/cgroup.events"
  assert_exit 0 C tasks resume "$id"
  assert_eq RUNNING "$(task_status "$id")" "task status after resume"
  assert_contains "$(cat "$cg/cgroup.events")" "frozen 0" "$cg/cgroup.events"
  argv_seen "pause $id\$"
  argv_seen "resume $id\$"
  remove "$id"
  ctd_clean "$id"
  # a paused task deleted by force
  id=$(new_cid b)
  run_detached "$id" sleep 1000
  assert_exit 0 C tasks pause "$id"
  capture C tasks delete -f "$id"
  [[ $RC == 0 ]] || fail "ctr task delete -f of a paused task: exit $RC"$'\n'"$ERR"
  assert_exit 0 C containers rm "$id"
  ctd_clean "$id"
}

case_kill() {
  ctd_case
  local id
  id=$(new_cid a)
  run_detached "$id" sh -c 'trap "exit 9" TERM; touch /ready; while :; do sleep 0.1; done'
  wait_until 30 test -e "$ENG/state/io.containerd.runtime.v2.task/default/$id/rootfs/ready"
  assert_exit 0 C tasks kill "$id"
  argv_seen "kill $id 15\$"
  wait_until 30 status_of "$id" STOPPED
  capture C tasks delete "$id"
  assert_contains "$ERR" "exit code 9" "ctr task delete"
  C containers rm "$id"
  ctd_clean "$id"
}

case_kill_all() {
  ctd_case
  local id pids p
  id=$(new_cid a)
  run_detached "$id" sh -c 'sleep 1000 & sleep 1000 & wait'
  wait_until 30 n_procs "$id" 3
  pids=$(cgroup_procs "$id")
  for p in $pids; do track_pid "$p" "$id"; done
  assert_exit 0 C tasks kill --all -s KILL "$id"
  argv_seen "kill --all $id 9\$"
  wait_until 30 status_of "$id" STOPPED
  for p in $pids; do
    wait_until 30 eval "! pid_alive $p"
  done
  capture C tasks delete "$id"
  assert_contains "$ERR" "exit code 137" "ctr task delete"
  C containers rm "$id"
  ctd_clean "$id"
}

case_delete() {
  ctd_case
  local id pid
  # a running task, deleted by force
  id=$(new_cid a)
  run_detached "$id" sleep 1000
  pid=$(task_pid "$id")
  track_pid "$pid" "$id"
  capture C tasks delete -f "$id"
  [[ $RC == 0 || $RC == 137 ]] || fail "ctr task delete -f: exit $RC"$'\n'"$ERR"
  pid_alive "$pid" && fail "the task's process $pid outlived ctr task delete -f"
  assert_eq "" "$(task_status "$id")" "task after delete -f"
  assert_exit 0 C containers rm "$id"
  ctd_clean "$id"
  # a task that exited by itself
  id=$(new_cid b)
  assert_exit 0 C run -d "${RUN_OPTS[@]}" "$IMG" "$id" sh -c 'sleep 0.2'
  wait_until 30 status_of "$id" STOPPED
  assert_eq stopped "$(husk_status "$id")" "husk's status of the exited task"
  assert_exit 0 C tasks delete "$id"
  argv_seen "delete $id\$"
  assert_exit 0 C containers rm "$id"
  ctd_clean "$id"
}

trap stop_containerd EXIT # until run_cases takes the EXIT trap over
start_containerd
rc=0
run_cases case_run_rm case_exit_code case_run_detach case_run_tty case_exec case_exec_tty case_ps \
  case_pause case_kill case_kill_all case_delete || rc=$?
ctd_reset
stop_containerd
exit "$rc"
