#!/bin/bash
# linux.namespaces, uid/gid mappings and timeOffsets: what the process inside
# sees, and the errors the spec asks for.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/setup_lib.sh"

HOST_ID=100000


userns_bundle() {
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": ($h | tonumber), "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": ($h | tonumber), "size": 65536}]' \
    --arg h "$HOST_ID"
}

# Becoming root of the namespace must not lock the init out of its own
# /proc/self (the id change makes a process non-dumpable).
case_userns_oom_score_adj() {
  userns_bundle
  cfg_set '.process.oomScoreAdj = 417'
  run_sh_ok 'cat /proc/self/oom_score_adj'
  assert_eq 417 "$OUT" "oomScoreAdj in a user namespace"
}

case_userns_maps() {
  local shared=$CASE_DIR/shared
  mkdir -p "$shared"
  chmod 777 "$shared"
  userns_bundle
  # (an existing destination: the rootfs belongs to an id unmapped inside)
  cfg_set '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["bind"]}]' \
    --arg s "$shared"
  run_sh_ok 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " " | sed "s/^ //"
    id -u; id -g
    touch /mnt/made-inside
    stat -c "%u:%g" /bin/busybox'
  assert_eq "0 $HOST_ID 65536
0 $HOST_ID 65536
0
0
65534:65534" "$OUT" "maps, ids, and the unmapped owner of the rootfs"
  assert_eq "$HOST_ID:$HOST_ID" "$(stat -c %u:%g "$shared/made-inside")" \
    "a file made by root inside is owned by the mapped host id"
}

# mknod is refused in a user namespace: the devices are the host's, bound.
case_userns_devices() {
  userns_bundle
  # (devices anywhere: the runtime's node found by number; a fifo is made)
  cfg_set '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229},
      {"path": "/tmp/kmsg", "type": "c", "major": 1, "minor": 11},
      {"path": "/dev/fifo", "type": "p"}]'
  run_sh_ok 'for d in null zero full random urandom tty fuse; do stat -c "%n %t:%T" /dev/$d; done
    stat -c "%n %t:%T" /tmp/kmsg; stat -c "%n %F" /dev/fifo
    awk "\$5 ~ /^\/dev\/(null|fuse)\$/ { print \$5 }" /proc/self/mountinfo | sort
    echo x > /dev/null && echo written'
  assert_eq "/dev/null 1:3
/dev/zero 1:5
/dev/full 1:7
/dev/random 1:8
/dev/urandom 1:9
/dev/tty 5:0
/dev/fuse a:e5
/tmp/kmsg 1:b
/dev/fifo fifo
/dev/fuse
/dev/null
written" "$OUT" "devices in a user namespace"
}

# sysfs cannot be mounted from a user namespace that does not own the
# network namespace: the host's /sys is bound read-only instead.
case_userns_sysfs_shared_netns() {
  userns_bundle
  cfg_set '.linux.namespaces |= map(select(.type != "network"))'
  run_sh_ok 'ls /sys/class/net | grep -c . ; awk "\$5 == \"/sys\" { print \$6 }" /proc/self/mountinfo
    if touch /sys/x 2>/dev/null; then echo writable; else echo read-only; fi'
  assert_eq "$(ls /sys/class/net | grep -c .)" "$(sed -n 1p <<<"$OUT")" "the host's interfaces in /sys"
  assert_match "$(sed -n 2p <<<"$OUT")" '(^|,)ro(,|$)' "/sys read-only"
  assert_eq read-only "$(sed -n 3p <<<"$OUT")"
}

case_userns_missing_mappings() {
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "user"}]'
  bad_config 'config.json: linux.uidMappings: a new user namespace needs uid mappings'
  cfg_set '.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]
    | .linux.namespaces |= map(select(.type != "user"))'
  bad_config 'config.json: linux.uidMappings: requires a user namespace'
}

# The kernel refuses a map the runtime cannot grant (overlapping ranges).
case_userns_bad_mapping() {
  userns_bundle
  cfg_set '.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 10},
                                 {"containerID": 5, "hostID": 2000, "size": 10}]'
  bad_config 'linux.uidMappings: write `/proc/'
}

case_time_offsets() {
  local host_uptime
  host_uptime=$(cut -d. -f1 /proc/uptime)
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 8640000, "nanosecs": 5},
                            "monotonic": {"secs": -30, "nanosecs": 0}}'
  run_sh_ok 'cat /proc/self/timens_offsets | tr -s " "; cut -d. -f1 /proc/uptime'
  assert_eq "monotonic -30 0
boottime 8640000 5" "$(sed -n 1,2p <<<"$OUT")" "offsets of the time namespace"
  (($(sed -n 3p <<<"$OUT") >= host_uptime + 8640000)) ||
    fail "uptime inside ($(sed -n 3p <<<"$OUT")) is not the host's ($host_uptime) + 100 days"
  assert_ne "$(stat -L -c %i /proc/self/ns/time)" "$(run_sh_ok 'stat -L -c %i /proc/self/ns/time' && echo "$OUT")" \
    "a new time namespace"
}

case_time_offsets_in_userns() {
  userns_bundle
  cfg_set '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 86400}}'
  run_sh_ok 'cat /proc/self/timens_offsets | tr -s " "'
  assert_eq "monotonic 0 0
boottime 86400 0" "$OUT" "offsets of a time namespace owned by the container's user namespace"
}

case_time_ns_without_offsets() {
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "time"}]'
  run_sh_ok 'stat -L -c %i /proc/self/ns/time; cat /proc/self/timens_offsets | tr -s " "'
  assert_ne "$(stat -L -c %i /proc/self/ns/time)" "$(sed -n 1p <<<"$OUT")" "new time namespace"
  assert_eq $'monotonic 0 0\nboottime 0 0' "$(sed -n 2,3p <<<"$OUT")" "no offsets"
}

case_time_offsets_need_new_timens() {
  new_bundle
  cfg_set '.linux.timeOffsets = {"boottime": {"secs": 1}}'
  bad_config 'config.json: linux.timeOffsets: requires a new time namespace'
}

# run_detached: a `sleep` container in $BUNDLE; sets A_ID and A_PID.
run_detached() {
  cfg_args sleep 1000
  A_ID=$(new_id a)
  husk_cmd run --detach --bundle "$BUNDLE" "$A_ID" || fail "run --detach failed"
  A_PID=$(state_field "$A_ID" .pid)
  track_pid "$A_PID" "$A_ID"
}

# A joined pid namespace is entered as a new process of it, not its init.
case_join_pid_namespace() {
  new_bundle
  run_detached
  new_bundle
  cfg_set 'del(.hostname) | .linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
    --arg p "/proc/$A_PID/ns/pid"
  run_sh_ok 'echo $$; stat -L -c %i /proc/self/ns/pid; ps -o pid,args | grep -c "[s]leep 1000"'
  assert_ne 1 "$(sed -n 1p <<<"$OUT")" "pid in the joined namespace"
  assert_eq "$(stat -L -c %i "/proc/$A_PID/ns/pid")" "$(sed -n 2p <<<"$OUT")" "pid namespace"
  assert_eq 1 "$(sed -n 3p <<<"$OUT")" "the other container's process is visible"
}

case_join_time_and_cgroup_namespaces() {
  local holder
  need_cmd unshare
  unshare --time --boottime 777000 --cgroup sleep 1000 &
  holder=$!
  track_pid "$holder" holder
  wait_until 5 test "$(stat -L -c %i /proc/$holder/ns/time)" != "$(stat -L -c %i /proc/self/ns/time)"
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "time", "path": $t}]
    | .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup", "path": $c}])' \
    --arg t "/proc/$holder/ns/time" --arg c "/proc/$holder/ns/cgroup"
  run_sh_ok 'stat -L -c %i /proc/self/ns/time /proc/self/ns/cgroup; cut -d. -f1 /proc/uptime'
  assert_eq "$(stat -L -c %i "/proc/$holder/ns/time")" "$(sed -n 1p <<<"$OUT")" "joined time namespace"
  assert_eq "$(stat -L -c %i "/proc/$holder/ns/cgroup")" "$(sed -n 2p <<<"$OUT")" "joined cgroup namespace"
  (($(sed -n 3p <<<"$OUT") >= 777000)) || fail "uptime inside: $(sed -n 3p <<<"$OUT")"
  kill "$holder"
}

# Joining a container's user namespace: the new namespaces (a new pid one
# included) belong to it, so the setup inside works as in the first one.
case_join_user_namespace() {
  userns_bundle
  run_detached
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "user", "path": $u}]' --arg u "/proc/$A_PID/ns/user"
  run_sh_ok 'echo $$; cat /proc/self/uid_map | tr -s " " | sed "s/^ //"; id -u
    readlink /proc/self/ns/user'
  assert_eq "1
0 $HOST_ID 65536
0
$(readlink "/proc/$A_PID/ns/user")" "$OUT" "pid 1 of a new pid namespace in the joined user namespace"
}

case_join_wrong_type() {
  new_bundle
  run_detached
  new_bundle
  cfg_set '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
    --arg p "/proc/$A_PID/ns/ipc"
  bad_config "config.json: linux.namespaces[1].path: \`/proc/$A_PID/ns/ipc\` is not a network namespace"
  cfg_set '.linux.namespaces |= map(if .type == "network" then .path = "/etc/hostname" else . end)'
  bad_config 'config.json: linux.namespaces[1].path: `/etc/hostname` is not a namespace'
  cfg_set '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/ns" else . end)'
  bad_config 'config.json: linux.namespaces[1].path: open `/nonexistent/ns`: No such file or directory'
}

case_duplicate_namespace() {
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "ipc"}]'
  bad_config 'config.json: linux.namespaces[6].type: duplicate namespace "ipc"'
}

run_cases case_userns_oom_score_adj case_userns_maps case_userns_devices case_userns_sysfs_shared_netns \
  case_userns_missing_mappings case_userns_bad_mapping case_time_offsets \
  case_time_offsets_in_userns case_time_ns_without_offsets case_time_offsets_need_new_timens \
  case_join_pid_namespace case_join_time_and_cgroup_namespaces case_join_user_namespace \
  case_join_wrong_type case_duplicate_namespace
