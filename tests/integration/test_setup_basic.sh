#!/bin/bash
# What the process inside sees for the common-case fields of config.json.
source "$(dirname "$0")/lib.sh"

case_hostname_domainname() {
  local host_before
  host_before=$(hostname)
  new_bundle
  cfg_set '.hostname = "itest-host" | .domainname = "itest.example"'
  run_sh_ok 'hostname; cat /proc/sys/kernel/domainname'
  assert_eq $'itest-host\nitest.example' "$OUT" "hostname and domainname inside"
  assert_eq "$host_before" "$(hostname)" "host's hostname untouched"
}

case_pid_one() {
  new_bundle
  run_sh_ok 'echo $$'
  assert_eq 1 "$OUT" "pid of the container process"
}

case_user_and_groups() {
  new_bundle
  cfg_set '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 7]}'
  run_sh_ok 'id -u; id -g; id -G | tr " " "\n" | sort -n | tr "\n" " "'
  assert_eq $'1000\n1001\n5 7 1001 ' "$OUT" "uid, gid, groups"
}

# No additionalGids: no supplementary group of the runtime reaches the process.
case_no_supplementary_groups() {
  new_bundle
  cfg_set '.process.user = {"uid": 0, "gid": 0}'
  run_sh_ok 'grep "^Groups:" /proc/self/status | tr -d "[:space:]"'
  assert_eq "Groups:" "$OUT" "supplementary groups"
}

case_umask() {
  new_bundle
  cfg_set '.process.user.umask = 23' # 0027
  run_sh_ok 'umask; touch /dev/shm/f; stat -c %a /dev/shm/f'
  assert_eq $'0027\n640' "$OUT" "umask and the mode it gives"
}

case_cwd() {
  new_bundle
  cfg_set '.process.cwd = "/etc"'
  run_sh_ok 'pwd; readlink /proc/self/cwd; ls passwd'
  assert_eq $'/etc\n/etc\npasswd' "$OUT" "working directory"
}

case_env() {
  new_bundle
  cfg_set '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY=", "EQ=a=b"]'
  run_sh_ok 'env | sort'
  assert_contains "$OUT" $'\nFOO=bar baz\n' "env"
  assert_contains "$OUT" $'EMPTY=\n' "env"
  assert_contains "$OUT" $'EQ=a=b\n' "env"
  assert_contains "$OUT" $'PATH=/bin' "env"
  assert_not_contains "$OUT" "HUSK_TEST_WORK" "the runtime's environment leaked"
}

case_args_preserved() {
  local id
  new_bundle
  cfg_args sh -c 'printf "[%s]" "$0" "$@"' zero 'a b' '' '$x' "'q'" '-c'
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  assert_eq 0 "$RC" "run"$'\n'"$ERR"
  assert_eq "[zero][a b][][\$x]['q'][-c]" "$OUT" "argv"
  assert_no_leftovers "$id"
}

# ns_inodes TYPES: "type inode" of /proc/self/ns/<type> here.
host_ns_inode() {
  stat -L -c %i "/proc/self/ns/$1"
}

# proc name of each OCI namespace type
declare -A NS_PROC=([pid]=pid [network]=net [ipc]=ipc [uts]=uts [mount]=mnt [cgroup]=cgroup
  [user]=user)

check_namespaces() {
  local type listed inside host
  run_sh_ok 'for n in pid net ipc uts mnt cgroup user; do echo "$n $(stat -L -c %i /proc/self/ns/$n)"; done'
  for type in "${!NS_PROC[@]}"; do
    listed=$(jq -r --arg t "$type" '[.linux.namespaces[] | select(.type == $t)] | length' "$CFG")
    inside=$(awk -v n="${NS_PROC[$type]}" '$1 == n { print $2 }' <<<"$OUT")
    host=$(host_ns_inode "${NS_PROC[$type]}")
    [[ -n $inside ]] || fail "no inode for $type inside:"$'\n'"$OUT"
    if ((listed)); then
      assert_ne "$host" "$inside" "$type namespace inode (listed in config: new)"
    else
      assert_eq "$host" "$inside" "$type namespace inode (not in config: the host's)"
    fi
  done
}

case_namespaces_default() {
  new_bundle
  cfg_set '.linux.namespaces |= map(select(.type != "cgroup"))'
  check_namespaces
}

case_namespaces_with_cgroup() {
  new_bundle
  cfg_set '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
  check_namespaces
}

case_join_netns_path() {
  local ns=$CASE_DIR/netns
  need_cmd unshare
  new_bundle
  touch "$ns"
  unshare --net="$ns" true || skip "cannot create a persistent network namespace"
  cfg_set '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "$ns"
  run_sh_ok 'stat -L -c %i /proc/self/ns/net'
  assert_eq "$(stat -L -c %i "$ns")" "$OUT" "network namespace joined through path"
  umount "$ns"
}

# A second container joins the namespaces of a running one through /proc/PID/ns.
case_join_container_namespaces() {
  local a pid type
  new_bundle
  cfg_args sleep 1000
  a=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$a"
  pid=$(state_field "$a" .pid)
  track_pid "$pid" "$a"
  new_bundle
  cfg_set 'del(.hostname) | .linux.namespaces |= map(
      if (.type | IN("pid", "ipc", "uts", "network")) then
        .path = "/proc/\($pid)/ns/\({"pid": "pid", "ipc": "ipc", "uts": "uts", "network": "net"}[.type])"
      else . end)' --arg pid "$pid"
  run_sh_ok 'for n in pid ipc uts net; do echo "$n $(stat -L -c %i /proc/self/ns/$n)"; done
    echo "self $$"'
  for type in pid ipc uts net; do
    assert_contains "$OUT" "$type $(stat -L -c %i "/proc/$pid/ns/$type")" "joined $type namespace"
  done
  assert_ne "self 1" "$(grep '^self' <<<"$OUT")" "pid inside a joined pid namespace"
  husk_cmd delete --force "$a"
  assert_no_leftovers "$a"
}

case_readonly_root() {
  new_bundle
  cfg_set '.root.readonly = true'
  run_sh_ok 'if touch /newfile 2>/dev/null; then echo writable; else echo readonly; fi
    touch /dev/shm/ok && echo tmpfs-writable
    awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo'
  assert_contains "$OUT" readonly "root.readonly: true"
  assert_contains "$OUT" tmpfs-writable "/dev/shm on a readonly root"
  assert_match "$(sed -n 3p <<<"$OUT")" '(^|,)ro(,|$)' "mount flags of /"
  [[ ! -e $ROOTFS/newfile ]] || fail "a file was written into a readonly rootfs"
}

case_writable_root() {
  new_bundle
  cfg_set '.root.readonly = false'
  run_sh_ok 'echo data > /newfile && cat /newfile'
  assert_eq data "$OUT"
  assert_eq data "$(cat "$ROOTFS/newfile")" "the write lands in the bundle's rootfs"
}

# The host's filesystem is not reachable from inside (pivot_root or --no-pivot).
check_jailed() {
  echo marker >"$ROOTFS/etc/husk-marker"
  run_sh_ok "cat /etc/husk-marker; if [ -e '$CASE_DIR' ]; then echo host-visible; fi" "$@"
  assert_eq marker "$OUT" "the container sees its rootfs, and only it"
}

case_pivot_root() {
  new_bundle
  check_jailed
}

case_no_pivot() {
  new_bundle
  check_jailed --no-pivot
}

# Every mount of the default config is present with its type, and with the
# ro/nosuid/nodev/noexec flags its options ask for.
case_default_mounts() {
  local dest type flags want opt line
  new_bundle
  run_sh_ok 'cat /proc/self/mountinfo'
  while read -r dest type flags; do
    line=$(awk -v d="$dest" '$5 == d { for (i = 7; $i != "-"; i++); print $(i + 1), $6 }' <<<"$OUT" |
      tail -n1)
    [[ -n $line ]] || fail "mount $dest missing inside:"$'\n'"$OUT"
    want=$type
    [[ $type == cgroup ]] && want=cgroup2
    assert_eq "$want" "${line%% *}" "type of $dest"
    for opt in ${flags//,/ }; do
      assert_match "${line#* }" "(^|,)$opt(,|$)" "flag $opt of $dest"
    done
  done < <(jq -r '.mounts[] | "\(.destination) \(.type) \([(.options // [])[] |
      select(IN("ro", "nosuid", "nodev", "noexec"))] | join(","))"' "$CFG")
  for dest in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup; do
    assert_match "$OUT" "[0-9]+ [0-9]+ [0-9]+:[0-9]+ [^ ]+ $dest " "mount at $dest"
  done
}

case_extra_mounts() {
  local host=$CASE_DIR/hostdir
  mkdir -p "$host/sub"
  echo hello >"$host/file"
  mount -t tmpfs -o size=1m itest "$host/sub"
  echo inner >"$host/sub/inner"
  new_bundle
  cfg_set '.mounts += [
      {"destination": "/mnt/ro", "type": "bind", "source": $h, "options": ["bind", "ro"]},
      {"destination": "/mnt/rbind", "type": "bind", "source": $h, "options": ["rbind"]},
      {"destination": "/mnt/bind", "type": "none", "source": $h, "options": ["bind"]},
      {"destination": "/mnt/tmp", "type": "tmpfs", "source": "tmpfs",
       "options": ["nosuid", "size=2m", "mode=710"]}]' --arg h "$host"
  run_sh_ok 'cat /mnt/ro/file
    if touch /mnt/ro/x 2>/dev/null; then echo ro-writable; else echo ro-refused; fi
    cat /mnt/rbind/sub/inner
    if [ -e /mnt/bind/sub/inner ]; then echo bind-recursed; else echo bind-flat; fi
    stat -c %a /mnt/tmp
    awk "\$5 == \"/mnt/tmp\" { for (i = 7; \$i != \"-\"; i++); print \$(i + 1), \$6, \$(i + 3) }" /proc/self/mountinfo'
  assert_eq "hello" "$(sed -n 1p <<<"$OUT")" "bind ro: content"
  assert_eq "ro-refused" "$(sed -n 2p <<<"$OUT")" "bind ro: write refused"
  assert_eq "inner" "$(sed -n 3p <<<"$OUT")" "rbind: submount visible"
  assert_eq "bind-flat" "$(sed -n 4p <<<"$OUT")" "bind: submount not visible"
  assert_eq "710" "$(sed -n 5p <<<"$OUT")" "tmpfs mode="
  assert_match "$(sed -n 6p <<<"$OUT")" '^tmpfs [^ ]*nosuid[^ ]* [^ ]*size=2048k' "tmpfs flags and size"
  [[ ! -e $host/x ]] || fail "write through a ro bind reached the host"
  umount "$host/sub"
}

# maskedPaths: files show the null device, directories an empty read-only
# tmpfs (one for all of them, cloned); readonlyPaths refuse writes.
case_masked_and_readonly_paths() {
  new_bundle
  mkdir -p "$ROOTFS/m1/sub" "$ROOTFS/m2" "$ROOTFS/ro"
  echo secret >"$ROOTFS/m1/sub/f"
  echo secret >"$ROOTFS/m2/f"
  echo secret >"$ROOTFS/mf"
  cfg_set '.root.readonly = false
           | .linux.maskedPaths = ["/m1", "/m2", "/mf", "/does-not-exist"]
           | .linux.readonlyPaths = ["/ro"]'
  run_sh_ok 'echo "m1: $(ls -A /m1 | tr "\n" " ")"; echo "m2: $(ls -A /m2 | tr "\n" " ")"
    echo "mf: $(cat /mf) $(stat -c %t:%T /mf)"
    touch /m1/x 2>/dev/null && echo m1-writable; touch /m2/x 2>/dev/null && echo m2-writable
    touch /ro/x 2>/dev/null && echo ro-writable
    stat -f -c "%T" /m1; stat -f -c "%T" /m2'
  assert_eq "m1: 
m2: 
mf:  1:3
tmpfs
tmpfs" "$OUT" "what the container sees"
  [[ -e $ROOTFS/m1/sub/f && -e $ROOTFS/m2/f && ! -e $ROOTFS/ro/x ]] || fail "the rootfs changed"
}

# Without a /dev mount the nodes go into the rootfs's own /dev: a setgid
# directory there must not hand them its group.
case_default_devices_in_setgid_dev() {
  new_bundle
  cfg_set '.root.readonly = false | del(.mounts[] | select(.destination | startswith("/dev")))'
  mkdir -p "$ROOTFS/dev"
  chgrp 5 "$ROOTFS/dev"
  chmod 2775 "$ROOTFS/dev"
  run_sh_ok 'stat -c "%n %a %u:%g" /dev/null /dev/zero'
  assert_eq "/dev/null 666 0:0
/dev/zero 666 0:0" "$OUT" "device nodes in a setgid /dev"
  rm -f "$ROOTFS/dev/null" "$ROOTFS/dev/zero" "$ROOTFS/dev/full" "$ROOTFS/dev/random" \
    "$ROOTFS/dev/urandom" "$ROOTFS/dev/tty"
}

case_default_devices() {
  new_bundle
  run_sh_ok 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done
    for l in fd stdin stdout stderr ptmx; do echo "/dev/$l -> $(readlink /dev/$l)"; done
    echo x > /dev/null && head -c 4 /dev/zero | od -An -tx1 | tr -d " "'
  assert_eq "/dev/null character special file 1:3 666 0:0
/dev/zero character special file 1:5 666 0:0
/dev/full character special file 1:7 666 0:0
/dev/random character special file 1:8 666 0:0
/dev/urandom character special file 1:9 666 0:0
/dev/tty character special file 5:0 666 0:0
/dev/fd -> /proc/self/fd
/dev/stdin -> /proc/self/fd/0
/dev/stdout -> /proc/self/fd/1
/dev/stderr -> /proc/self/fd/2
/dev/ptmx -> pts/ptmx
00000000" "$OUT" "default devices and /dev symlinks"
}

# No descriptor of the runtime or its caller reaches the process.
case_only_stdio() {
  new_bundle
  exec 7<"$CFG" 8>"$CASE_DIR/fd8"
  # ls lists its parent shell's fds: no pipe or $(...) (the shell would hold
  # the pipe's fds), and not as the last command (the shell would exec it)
  run_sh_ok 'ls /proc/$$/fd; true'
  exec 7<&- 8>&-
  assert_eq $'0\n1\n2' "$OUT" "descriptors open inside"
}

case_preserve_fds() {
  local id
  new_bundle
  echo three >"$CASE_DIR/f3"
  echo four >"$CASE_DIR/f4"
  cfg_args sh -c 'ls /proc/$$/fd; cat <&3; cat <&4'
  id=$(new_id)
  capture husk_cmd run --preserve-fds 2 --bundle "$BUNDLE" "$id" \
    3<"$CASE_DIR/f3" 4<"$CASE_DIR/f4" 5<"$CASE_DIR/f4"
  assert_eq 0 "$RC" "run --preserve-fds"$'\n'"$ERR"
  assert_eq $'0\n1\n2\n3\n4\nthree\nfour' "$OUT" "descriptors passed with --preserve-fds 2"
  assert_no_leftovers "$id"

  id=$(new_id)
  capture husk_cmd run --preserve-fds=1 --bundle "$BUNDLE" "$id" 3<"$CASE_DIR/f3" 4<"$CASE_DIR/f4"
  assert_eq $'0\n1\n2\n3\nthree' "$OUT" "descriptors passed with --preserve-fds=1"
  assert_no_leftovers "$id"
}

# Socket activation: LISTEN_FDS descriptors are passed on, and so is the count.
case_listen_fds() {
  local id
  new_bundle
  echo listened >"$CASE_DIR/f3"
  cfg_args sh -c 'ls /proc/$$/fd; cat <&3; echo "LISTEN_FDS=$LISTEN_FDS"'
  id=$(new_id)
  RC=0
  (
    export LISTEN_FDS=1 LISTEN_PID=$BASHPID
    exec "${HUSK_ARGV[@]}" run --bundle "$BUNDLE" "$id" >"$CASE_DIR/out" 2>"$CASE_DIR/err"
  ) 3<"$CASE_DIR/f3" || RC=$?
  assert_eq 0 "$RC" "run with LISTEN_FDS=1"$'\n'"$(cat "$CASE_DIR/err")"
  assert_eq $'0\n1\n2\n3\nlistened\nLISTEN_FDS=1' "$(cat "$CASE_DIR/out")" "LISTEN_FDS passing"
  assert_no_leftovers "$id"
}

run_cases case_hostname_domainname case_pid_one case_user_and_groups case_no_supplementary_groups \
  case_masked_and_readonly_paths case_default_devices_in_setgid_dev case_umask case_cwd case_env case_args_preserved case_namespaces_default \
  case_namespaces_with_cgroup case_join_netns_path case_join_container_namespaces \
  case_readonly_root case_writable_root case_pivot_root case_no_pivot case_default_mounts \
  case_extra_mounts case_default_devices case_only_stdio case_preserve_fds case_listen_fds
