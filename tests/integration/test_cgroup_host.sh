#!/bin/bash
# cgroup v2 on this hybrid host: what its cgroup2 hierarchy offers (no
# memory/pids/cpu/io controllers here; the full set is tested in the VM, see
# tests/vm): the container's own cgroup, the eBPF device filter, freezer,
# kill --all, delete removing the cgroup, and the clear refusals (a missing
# controller, a systemd cgroupsPath, an escaping one), each leaving nothing.
source "$(dirname "$0")/lib.sh"

CG=$(cgroup2_mount)

need_cgroup2() {
  [[ -n $CG ]] || skip "no cgroup2 mount on this machine"
}

# need_command CMD: skip when the runtime has no such command yet.
need_command() {
  husk_bare help "$1" >/dev/null 2>&1 || skip "the runtime has no \`$1\` command yet"
}

# start_sleeper [ARGS...]: create + start a container running ARGS (default
# sleep 1000) in $BUNDLE; sets ID and PID.
start_sleeper() {
  ((${#@} > 0)) || set -- sleep 1000
  cfg_args "$@"
  ID=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$ID"
  PID=$(state_field "$ID" .pid)
  track_pid "$PID"
  husk_cmd start "$ID"
}

# The cgroup directory of a process, from /proc/PID/cgroup.
cgroup_of() {
  echo "$CG$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
}

case_own_cgroup_while_running() {
  need_cgroup2
  new_bundle
  cfg_set '.root.readonly = false'
  start_sleeper sh -c 'cat /proc/self/cgroup > /tmp/cg; exec sleep 1000'
  local dir
  dir=$(cgroup_of "$PID")
  # runc's default for an unset cgroupsPath: <parent of our cgroup>/<id>
  local own parent
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  parent=$(dirname "$own")
  assert_eq "$CG${parent%/}/$ID" "$dir" "the container's cgroup"
  [[ -d $dir ]] || fail "$dir does not exist"
  grep -qx "$PID" "$dir/cgroup.procs" || fail "pid $PID not in $dir/cgroup.procs"
  wait_until 10 test -s "$ROOTFS/tmp/cg"
  assert_eq "0::/" "$(grep '^0::' "$ROOTFS/tmp/cg")" "/proc/self/cgroup inside (cgroup namespace)"
  husk_cmd delete --force "$ID"
  [[ ! -e $dir ]] || fail "$dir outlived delete --force"
  assert_no_leftovers "$ID"
}

case_run_removes_cgroup() {
  need_cgroup2
  new_bundle
  run_sh 'test "$(grep "^0::" /proc/self/cgroup)" = "0::/" && exit 7'
  assert_eq 7 "$RC" "exit code (7: the container saw its own cgroup as /)"
  [[ ! -e $CG/$LAST_ID ]] || fail "$CG/$LAST_ID left by run"
  assert_no_leftovers "$LAST_ID"
}

case_absolute_cgroups_path() {
  need_cgroup2
  local top=husk-itest-cg-$$ id
  new_bundle
  id=$(new_id)
  cfg_set '.linux.cgroupsPath = $p' --arg p "/$top/sub/$id"
  cfg_args sleep 1000
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_pid "$(state_field "$id" .pid)"
  assert_eq "$CG/$top/sub/$id" "$(cgroup_of "$(state_field "$id" .pid)")" "cgroup"
  husk_cmd delete --force "$id"
  [[ ! -e $CG/$top/sub/$id ]] || fail "the container's cgroup outlived delete"
  # the parents it made stay, as with runc; they are empty and ours to remove
  rmdir "$CG/$top/sub" "$CG/$top"
  assert_no_leftovers "$id"
}

case_device_filter() {
  need_cgroup2
  new_bundle
  cfg_set '.root.readonly = false'
  # mknod needs the capability: the cgroup's filter is what must refuse.
  cfg_set '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
  run_sh 'head -c1 /dev/null && head -c1 /dev/zero >/dev/null && echo allowed-ok
          mknod /tmp/kmsg c 1 11 && echo mknod-ok
          head -c1 /tmp/kmsg'
  assert_contains "$OUT" "allowed-ok" "the default devices"
  assert_contains "$OUT" "mknod-ok" "mknod (runc's defaults allow it)"
  assert_ne 0 "$RC" "exit code after opening a denied device"
  assert_contains "$ERR" "Operation not permitted" "opening /dev/kmsg (c 1:11)"
  assert_no_leftovers "$LAST_ID"
}

# The filter is on the cgroup before the container's program runs: its very
# first open of a device the rules deny fails, in every run.  300 rules for
# other devices make the kernel's verifier take milliseconds, longer than
# the init's setup, so a filter attached too late would let most runs in.
case_device_filter_before_exec() {
  need_cgroup2
  local dev="" i denied=0
  for i in /dev/loop0 /dev/vda /dev/sda /dev/nvme0n1; do
    [[ -b $i ]] && dev=$i && break
  done
  [[ -n $dev ]] || skip "no block device node on this machine to bind"
  new_bundle
  cfg_set '.mounts += [{"destination": "/dev/xblk", "type": "bind", "source": $d, "options": ["bind"]}]' \
    --arg d "$dev"
  cfg_set '.linux.resources.devices = [{"allow": false, "access": "rwm"}]
           + [range(300) | {"allow": true, "type": "c", "major": 99, "minor": ., "access": "rw"}]'
  cfg_args dd if=/dev/xblk of=/dev/null count=0
  for ((i = 0; i < 20; i++)); do
    capture husk_cmd run --bundle "$BUNDLE" "$(new_id)" </dev/null
    [[ $RC != 0 && $ERR == *"Operation not permitted"* ]] && denied=$((denied + 1))
  done
  assert_eq 20 "$denied" "runs whose first open of $dev was refused"
}

case_kill_all() {
  need_cgroup2
  new_bundle
  start_sleeper sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
  local dir
  dir=$(cgroup_of "$PID")
  wait_until 10 test "$(wc -l <"$dir/cgroup.procs")" -ge 3
  husk_cmd kill --all "$ID" KILL
  wait_until 10 status_is "$ID" stopped
  wait_until 10 test ! -s "$dir/cgroup.procs"
  husk_cmd delete "$ID"
  [[ ! -e $dir ]] || fail "$dir outlived delete"
  assert_no_leftovers "$ID"
}

case_kill_all_term() {
  need_cgroup2
  new_bundle
  # sleep as a pid namespace's init gets no TERM from outside; the others do
  start_sleeper sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
  local dir
  dir=$(cgroup_of "$PID")
  wait_until 10 test "$(wc -l <"$dir/cgroup.procs")" -ge 3
  husk_cmd kill --all "$ID" TERM
  wait_until 10 test "$(wc -l <"$dir/cgroup.procs")" -eq 1
  assert_eq 0 "$(cat "$dir/cgroup.freeze")" "cgroup.freeze after kill --all TERM"
  assert_eq running "$(state_field "$ID" .status)" "status"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_freezer() {
  need_cgroup2
  need_command pause
  need_command resume
  new_bundle
  cfg_set '.root.readonly = false'
  start_sleeper sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/n; sleep 0.05; done'
  local dir a
  dir=$(cgroup_of "$PID")
  wait_until 10 test -s "$ROOTFS/tmp/n"
  husk_cmd pause "$ID"
  assert_eq paused "$(state_field "$ID" .status)" "status after pause"
  assert_contains "$(cat "$dir/cgroup.events")" "frozen 1" "cgroup.events"
  a=$(cat "$ROOTFS/tmp/n")
  sleep 0.5
  assert_eq "$a" "$(cat "$ROOTFS/tmp/n")" "progress while paused"
  husk_cmd resume "$ID"
  assert_eq running "$(state_field "$ID" .status)" "status after resume"
  wait_until 10 test "$(cat "$ROOTFS/tmp/n")" -gt "$a"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

# missing_controller_case FIELD_JQ CONTROLLER SECTION
missing_controller_case() {
  local filter=$1 controller=$2 section=$3
  need_cgroup2
  if grep -qw "$controller" "$CG/cgroup.controllers"; then
    skip "this cgroup2 hierarchy has the $controller controller (tested in the VM instead)"
  fi
  new_bundle
  cfg_set "$filter"
  run_sh true
  assert_ne 0 "$RC" "exit code with linux.resources needing $controller"
  assert_contains "$ERR" "$section: the cgroup v2 hierarchy has no $controller controller" \
    "the error"
  assert_no_leftovers "$LAST_ID"
}

case_missing_memory_controller() {
  missing_controller_case '.linux.resources.memory = { "limit": 67108864 }' memory \
    linux.resources.memory
}

case_missing_pids_controller() {
  missing_controller_case '.linux.resources.pids = { "limit": 10 }' pids linux.resources.pids
}

case_systemd_cgroups_path() {
  new_bundle
  cfg_set '.linux.cgroupsPath = "system.slice:husk:abc"'
  run_sh true
  assert_ne 0 "$RC" "exit code"
  assert_contains "$ERR" "system.slice:husk:abc" "the error"
  assert_contains "$ERR" "systemd" "the error"
  assert_no_leftovers "$LAST_ID"
  [[ ! -e $CG/system.slice:husk:abc ]] || fail "a cgroup was made for the systemd path"
}

case_escaping_cgroups_path() {
  new_bundle
  cfg_set '.linux.cgroupsPath = "/../../husk-escape"'
  run_sh true
  assert_ne 0 "$RC" "exit code"
  assert_contains "$ERR" "linux.cgroupsPath" "the error"
  assert_no_leftovers "$LAST_ID"
  [[ ! -e $CG/husk-escape && ! -e /sys/fs/husk-escape ]] || fail "the escape made a directory"
}

# An engine may make the (empty) cgroup itself; a create that fails later
# must not remove what it did not make.
case_precreated_cgroup_kept_on_failure() {
  need_cgroup2
  local name=husk-precreated-$$ id
  mkdir "$CG/$name"
  new_bundle
  cfg_set '.linux.cgroupsPath = $p' --arg p "/$name"
  cfg_args /nonexistent
  id=$(new_id)
  assert_fails_with 'exec: "/nonexistent"' husk_cmd run --bundle "$BUNDLE" "$id"
  local kept=yes
  [[ -d $CG/$name ]] || kept=no
  rmdir "$CG/$name" 2>/dev/null || true
  assert_eq yes "$kept" "the engine's cgroup after a failed create"
  assert_no_leftovers "$id"
}

# Engines (and the bench) mount a sub-tree of cgroup2 at /sys/fs/cgroup.
# Our own cgroup is then seen through that mount's root, which husk asks of
# the kernel (statmount) where it can and reads from mountinfo otherwise:
# the container's cgroup must land beside ours, inside the sub-tree.
case_cgroup2_subtree_at_sys_fs_cgroup() {
  need_cgroup2
  local top=husk-subtree-$$ id out
  mkdir -p "$CG/$top/me"
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  cat >"$CASE_DIR/inside.sh" <<'SH'
set -e
cg=$1 top=$2 id=$3 bundle=$4
shift 4
echo $$ >"$cg/$top/me/cgroup.procs"
mount --bind "$cg/$top" /sys/fs/cgroup
"$@" create --bundle "$bundle" "$id"
pid=$("$@" state "$id" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
echo "through-mount=$(test -d "/sys/fs/cgroup/$id" && echo yes)"
echo "host-view=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
"$@" delete --force "$id"
SH
  out=$(timeout 60 unshare -m --propagation private -- sh "$CASE_DIR/inside.sh" "$CG" "$top" "$id" \
    "$BUNDLE" "${HUSK_ARGV[@]}" 2>&1) || true
  rmdir "$CG/$top/me" "$CG/$top" 2>/dev/null || true
  assert_contains "$out" "through-mount=yes" "the container's cgroup beside ours in the sub-tree ($out)"
  assert_contains "$out" "host-view=/$top/$id" "the container's cgroup seen from the host"
  [[ ! -e $CG/$top ]] || fail "$CG/$top left behind"
  assert_no_leftovers "$id"
}

run_cases case_cgroup2_subtree_at_sys_fs_cgroup case_precreated_cgroup_kept_on_failure case_own_cgroup_while_running case_run_removes_cgroup case_absolute_cgroups_path \
  case_device_filter case_device_filter_before_exec case_kill_all case_kill_all_term case_freezer \
  case_missing_memory_controller case_missing_pids_controller case_systemd_cgroups_path \
  case_escaping_cgroups_path
