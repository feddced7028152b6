#!/bin/bash
# linux.sysctl, linux.netDevices and the LSM fields: what the process inside
# sees, that the host is left alone, and each refusal before anything exists.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/setup_lib.sh"

case_sysctl_namespaced() {
  local host_shmmax host_forward host_domain
  host_shmmax=$(cat /proc/sys/kernel/shmmax)
  host_forward=$(cat /proc/sys/net/ipv4/ip_forward)
  host_domain=$(cat /proc/sys/kernel/domainname)
  new_bundle
  cfg_set '.linux.sysctl = {"kernel.shmmax": "123456789", "kernel.msgmax": "4321",
      "fs.mqueue.msg_max": "17", "kernel.sem": "250 32000 32 129",
      "net.ipv4.ip_forward": "1", "net/core/somaxconn": "1234",
      "kernel.domainname": "dom.example"}'
  run_sh_ok 'cd /proc/sys; cat kernel/shmmax kernel/msgmax fs/mqueue/msg_max kernel/sem \
    net/ipv4/ip_forward net/core/somaxconn kernel/domainname | tr -s "\t" " "'
  assert_eq "123456789
4321
17
250 32000 32 129
1
1234
dom.example" "$OUT" "sysctl values inside"
  assert_eq "$host_shmmax" "$(cat /proc/sys/kernel/shmmax)" "host kernel.shmmax"
  assert_eq "$host_forward" "$(cat /proc/sys/net/ipv4/ip_forward)" "host net.ipv4.ip_forward"
  assert_eq "$host_domain" "$(cat /proc/sys/kernel/domainname)" "host kernel.domainname"
}

case_sysctl_refused() {
  local pattern
  pattern=$(cat /proc/sys/kernel/core_pattern)
  new_bundle
  cfg_set '.linux.sysctl = {"kernel.core_pattern": "|/tmp/evil"}'
  bad_config 'config.json: linux.sysctl: "kernel.core_pattern" is not namespaced: it would change the host'
  assert_eq "$pattern" "$(cat /proc/sys/kernel/core_pattern)" "host core_pattern"
  cfg_set '.linux.sysctl = {"vm.overcommit_memory": "1"}'
  bad_config 'config.json: linux.sysctl: "vm.overcommit_memory" is not namespaced'
  cfg_set '.linux.sysctl = {"net/../kernel/core_pattern": "x"}'
  bad_config 'config.json: linux.sysctl: "net/../kernel/core_pattern" is not a valid key'
  cfg_set '.linux.sysctl = {"kernel.hostname": "x"}'
  bad_config 'config.json: linux.sysctl: "kernel.hostname" is not allowed: it conflicts with the hostname field'
  cfg_set '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
  bad_config 'config.json: linux.sysctl: "net.ipv4.ip_forward" needs a network namespace of the container'"'"'s own'
  cfg_set '.linux.sysctl = {"kernel.shmmax": "1"} | .linux.namespaces |= map(select(.type != "ipc"))'
  bad_config 'config.json: linux.sysctl: "kernel.shmmax" needs a ipc namespace'
  # the runtime's own network namespace given as a path is the host's
  cfg_set '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
    | .linux.namespaces += [{"type": "network", "path": "/proc/self/ns/net"}]'
  bad_config 'needs a network namespace of the container'
}

case_sysctl_bad_value() {
  new_bundle
  cfg_set '.linux.sysctl = {"net.ipv4.nonexistent_knob": "1"}'
  bad_config 'linux.sysctl "net.ipv4.nonexistent_knob": open: No such file or directory'
  cfg_set '.linux.sysctl = {"kernel.shmmni": "not-a-number"}'
  bad_config 'linux.sysctl "kernel.shmmni": write "not-a-number": Invalid argument'
}

# linux.devices: made with their type, numbers, mode and owner, anywhere.
case_linux_devices() {
  new_bundle
  cfg_set '.linux.devices = [
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 432, "uid": 12, "gid": 34},
      {"path": "/dev/loop-test", "type": "b", "major": 7, "minor": 0, "fileMode": 384},
      {"path": "/dev/pipe", "type": "p", "fileMode": 420},
      {"path": "/opt/deep/kmsg", "type": "u", "major": 1, "minor": 11}]'
  run_sh_ok 'for d in /dev/fuse /dev/loop-test /dev/pipe /opt/deep/kmsg; do
      stat -c "%n %F %t:%T %a %u:%g" $d; done'
  assert_eq "/dev/fuse character special file a:e5 660 12:34
/dev/loop-test block special file 7:0 600 0:0
/dev/pipe fifo 0:0 644 0:0
/opt/deep/kmsg character special file 1:b 666 0:0" "$OUT" "devices made from linux.devices"
}

# A path that exists and is not the requested device is an error (spec).
case_linux_device_conflict() {
  new_bundle
  cfg_set '.mounts |= map(select(.destination != "/dev"))'
  mkdir -p "$ROOTFS/dev/pts" "$ROOTFS/dev/shm" "$ROOTFS/dev/mqueue"
  echo file >"$ROOTFS/dev/mydev"
  cfg_set '.linux.devices = [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 5}]'
  bad_config 'linux.devices[0]: `/dev/mydev` exists and is not the requested device 1:5'
  assert_eq file "$(cat "$ROOTFS/dev/mydev")" "the file in the rootfs"
  # the very device already there is fine
  rm "$ROOTFS/dev/mydev"
  mknod "$ROOTFS/dev/mydev" c 1 5
  run_sh_ok 'stat -c "%t:%T %a" /dev/mydev'
  assert_eq "1:5 666" "$OUT" "an existing node of the requested device, its mode set"
}

# veth_pair A B: a veth pair on the host, removed when the case ends.
veth_pair() {
  need_cmd ip
  ip link add "$1" type veth peer name "$2" 2>/dev/null || skip "cannot create a veth pair"
  echo "ip link del $2 2>/dev/null; ip link del $1 2>/dev/null; true" >>"$CASE_DIR/undo"
  trap 'bash "$CASE_DIR/undo"; _cleanup_case' EXIT
}

case_net_devices() {
  local a=hk$$a b=hk$$b
  veth_pair "$a" "$b"
  ip addr add 10.213.7.1/24 dev "$a"
  ip addr add fd00:213::7/64 dev "$a" nodad
  ip link set "$a" up
  new_bundle
  cfg_set '.linux.netDevices = {($a): {"name": "eth7"}}' --arg a "$a"
  run_sh_ok 'ip -o link show eth7 | grep -o "<[^>]*>"
    ip -o -4 addr show eth7 | awk "{ print \$4 }"
    ip -o -6 addr show eth7 scope global | awk "{ print \$4 }"
    ip -o link show | grep -c "'"$a"'" || true'
  assert_eq "10.213.7.1/24" "$(sed -n 2p <<<"$OUT")" "IPv4 address kept"
  assert_eq "fd00:213::7/64" "$(sed -n 3p <<<"$OUT")" "IPv6 address kept"
  assert_match "$(sed -n 1p <<<"$OUT")" '(<|,)UP(,|>)' "up, as on the host"
  assert_eq 0 "$(sed -n 4p <<<"$OUT")" "the host name is not used inside"
  # the container's network namespace is gone (the kernel frees it a little
  # later): a veth pair goes with it
  wait_until 10 bash -c "! ip link show $b"
}

case_net_devices_keep_name() {
  local a=hk$$c b=hk$$d
  veth_pair "$a" "$b"
  new_bundle
  cfg_set '.linux.netDevices = {($a): {}}' --arg a "$a"
  run_sh_ok "ip -o link show $a | cut -d: -f2 | cut -d@ -f1 | tr -d ' '
    ip -o link show | grep -c UP || true"
  assert_eq "$a" "$(sed -n 1p <<<"$OUT")" "the host name kept without a name"
  assert_eq 0 "$(sed -n 2p <<<"$OUT")" "down on the host, down inside"
}

case_net_devices_errors() {
  local a=hk$$e b=hk$$f
  new_bundle
  cfg_set '.linux.netDevices = {"nosuchdev0": {"name": "eth0"}}'
  bad_config 'config.json: linux.netDevices: "nosuchdev0": no such interface on the host'
  veth_pair "$a" "$b"
  cfg_set '.linux.netDevices = {($a): {"name": "a/b"}}' --arg a "$a"
  bad_config "config.json: linux.netDevices.$a.name: \"a/b\" is not a valid interface name"
  cfg_set '.linux.netDevices = {($a): {"name": "x"}, ($b): {"name": "x"}}' --arg a "$a" --arg b "$b"
  bad_config 'config.json: linux.netDevices: two devices named "x"'
  cfg_set '.linux.netDevices = {($a): {}} | .linux.namespaces |= map(select(.type != "network"))' \
    --arg a "$a"
  bad_config 'config.json: linux.netDevices: requires a network namespace'
  ip link show "$a" >/dev/null || fail "a refused config moved $a away"
}

# AppArmor and SELinux are applied where enabled; asked for where they are
# not, create fails before anything exists.
case_lsm_not_enabled() {
  new_bundle
  if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) != Y ]]; then
    cfg_set '.process.apparmorProfile = "husk-test"'
    bad_config 'config.json: process.apparmorProfile: "husk-test" is asked for, but AppArmor is not enabled on this host'
    cfg_set 'del(.process.apparmorProfile)'
  else
    echo "NOTE: AppArmor is enabled here: its refusal is not tested" >&2
  fi
  if ! stat -f -c %T /sys/fs/selinux 2>/dev/null | grep -q selinux; then
    cfg_set '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
    bad_config 'config.json: process.selinuxLabel: "system_u:system_r:container_t:s0" is asked for, but SELinux is not enabled on this host'
    cfg_set 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
    bad_config 'config.json: linux.mountLabel: "system_u:object_r:container_file_t:s0" is asked for, but SELinux is not enabled on this host'
  else
    echo "NOTE: SELinux is enabled here: its refusal is not tested" >&2
  fi
}

case_apparmor_applied() {
  local profile=unconfined
  [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]] ||
    skip "AppArmor is not enabled on this host"
  new_bundle
  cfg_set '.process.apparmorProfile = $p' --arg p "$profile"
  run_sh_ok 'cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current'
  assert_contains "$OUT" "$profile" "AppArmor profile of the process"
}

case_selinux_applied() {
  stat -f -c %T /sys/fs/selinux 2>/dev/null | grep -q selinux || skip "SELinux is not enabled on this host"
  local label
  label=$(cat /proc/self/attr/current)
  new_bundle
  cfg_set '.process.selinuxLabel = $l' --arg l "$label"
  run_sh_ok 'cat /proc/self/attr/current'
  assert_eq "$label" "${OUT%$'\0'}" "SELinux label of the process"
}

run_cases case_sysctl_namespaced case_sysctl_refused case_sysctl_bad_value case_linux_devices \
  case_linux_device_conflict case_net_devices \
  case_net_devices_keep_name case_net_devices_errors case_lsm_not_enabled case_apparmor_applied \
  case_selinux_applied
