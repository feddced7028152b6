#!/bin/bash
# A bundle's rootfs is untrusted input.  Each case builds a hostile rootfs
# (or config) after one of the runc/crun/LXC advisories and asserts that
# husk refuses it, or confines it, and that nothing reaches the host.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/setup_lib.sh"

# host_target: a directory of the host with a marker, the target of the
# rootfs's symlinks; HOST_TARGET names it.
host_target() {
  HOST_TARGET=$CASE_DIR/host-target
  mkdir -p "$HOST_TARGET"
  echo untouched >"$HOST_TARGET/marker"
}

# assert_host_target_untouched: only the marker, unchanged, and no mount on it.
assert_host_target_untouched() {
  assert_eq marker "$(ls -A "$HOST_TARGET")" "contents of the host directory"
  assert_eq untouched "$(cat "$HOST_TARGET/marker")" "the marker"
  if awk '{ print $5 }' /proc/self/mountinfo | grep -q "^$HOST_TARGET"; then
    fail "a mount appeared on the host under $HOST_TARGET"
  fi
}

# mounts_at DIR (inside): the filesystem types mounted at DIR.
MOUNTS_AT='mounts_at() { awk -v d="$1" "\$5 == d { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo; }'

# CVE-2021-30465, LXC CVE-2015-1335: a symlinked mount destination is
# resolved inside the rootfs, never on the host.
case_symlink_destination_stays_inside() {
  host_target
  new_bundle
  cfg_set '.root.readonly = false'
  ln -s "$HOST_TARGET" "$ROOTFS/evil"
  ln -s "../../../../../../../../../..$HOST_TARGET" "$ROOTFS/evil-relative"
  mkdir -p "$ROOTFS/inner"
  ln -s "$HOST_TARGET" "$ROOTFS/inner/hop"
  cfg_set '.mounts += [
      {"destination": "/evil", "type": "tmpfs", "source": "tmpfs"},
      {"destination": "/evil-relative/sub", "type": "tmpfs", "source": "tmpfs"},
      {"destination": "/inner/hop/deeper", "type": "tmpfs", "source": "tmpfs"}]'
  run_sh_ok "$MOUNTS_AT; mounts_at '$HOST_TARGET'; mounts_at '$HOST_TARGET/sub'
    mounts_at '$HOST_TARGET/deeper'; echo written > /evil/file"
  assert_eq $'tmpfs\ntmpfs\ntmpfs' "$OUT" "the mounts, at the symlinks' targets inside the rootfs"
  assert_host_target_untouched
  [[ -d $ROOTFS$HOST_TARGET ]] || fail "the symlink's target was not made inside the rootfs"
}

# CVE-2024-45310: directories made for mount destinations are made inside
# the rootfs, also through a symlink to a host path.
case_created_directories_stay_inside() {
  host_target
  new_bundle
  ln -s "$HOST_TARGET" "$ROOTFS/link"
  cfg_set '.mounts += [{"destination": "/link/newdir/sub", "type": "tmpfs", "source": "tmpfs"}]'
  run_sh_ok "ls -d '$HOST_TARGET/newdir/sub'"
  assert_host_target_untouched
  [[ -d $ROOTFS$HOST_TARGET/newdir/sub ]] || fail "the directories were not made in the rootfs"
}

# CVE-2019-19921, CVE-2023-27561: proc and sysfs only on real directories.
case_proc_sys_symlinks_refused() {
  local d
  for d in proc sys; do
    host_target
    new_bundle
    rmdir "$ROOTFS/$d"
    ln -s "$HOST_TARGET" "$ROOTFS/$d"
    bad_config "\`/$d\` must not be or pass through a symlink"
    assert_host_target_untouched
    # a symlink to a directory inside the rootfs is refused just the same
    rm "$ROOTFS/$d"
    mkdir -p "$ROOTFS/elsewhere"
    ln -s /elsewhere "$ROOTFS/$d"
    bad_config "\`/$d\` must not be or pass through a symlink"
  done
}

# without_dev_tmpfs: the config uses the rootfs's own /dev.
without_dev_tmpfs() {
  cfg_set '.mounts |= map(select(.destination != "/dev"))'
  mkdir -p "$ROOTFS/dev/pts" "$ROOTFS/dev/shm" "$ROOTFS/dev/mqueue"
}

# CVE-2025-31133: /dev/null, the source of every masked file, must be the
# null device; a file, a symlink or another device is refused.
case_dev_null_swapped() {
  host_target
  new_bundle
  without_dev_tmpfs
  echo fake >"$ROOTFS/dev/null"
  bad_config '`/dev/null` exists and is not the requested device 1:3'
  rm "$ROOTFS/dev/null"
  ln -s "$HOST_TARGET/marker" "$ROOTFS/dev/null"
  bad_config '`/dev/null` exists and is not the requested device 1:3'
  rm "$ROOTFS/dev/null"
  mknod "$ROOTFS/dev/null" c 1 5
  bad_config '`/dev/null` exists and is not the requested device 1:3'
  assert_host_target_untouched
  # the real thing is accepted and used for masking
  rm "$ROOTFS/dev/null"
  mknod -m 666 "$ROOTFS/dev/null" c 1 3
  run_sh_ok 'wc -c < /proc/keys; stat -c %t:%T /proc/keys'
  assert_eq $'0\n1:3' "$OUT" "/proc/keys masked by the null device"
}

# CVE-2025-52565: /dev and /dev/console through verified fds only.
case_dev_console_symlink() {
  local cs sock=$CASE_DIR/console.sock id tool_pid
  host_target
  new_bundle
  without_dev_tmpfs
  ln -s "$HOST_TARGET/marker" "$ROOTFS/dev/console"
  cfg_set '.process.terminal = true'
  cs=$(tool console_socket)
  "$cs" "$sock" "$CASE_DIR/console.out" >/dev/null 2>&1 &
  tool_pid=$!
  track_pid "$tool_pid" console-tool
  wait_until 5 test -S "$sock"
  id=$(new_id)
  assert_fails_with '`/dev/console` must not be or pass through a symlink' \
    husk_cmd create --console-socket "$sock" --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
  assert_host_target_untouched
  kill "$tool_pid" 2>/dev/null || true
}

case_dev_symlink() {
  host_target
  new_bundle
  without_dev_tmpfs
  rm -rf "$ROOTFS/dev"
  ln -s "$HOST_TARGET" "$ROOTFS/dev"
  cfg_set '.mounts |= map(select(.destination | startswith("/dev") | not))'
  bad_config 'must not be or pass through a symlink'
  assert_host_target_untouched
}

# CVE-2025-52881, CVE-2019-16884: a config mount over /proc files cannot
# redirect the runtime's writes there: they go through a private procfs.
case_proc_writes_not_redirected() {
  local fake=$CASE_DIR/fake id pid
  echo junk >"$fake"
  new_bundle
  cfg_args sleep 1000
  cfg_set '.process.oomScoreAdj = 321 | .linux.sysctl = {"kernel.shmmax": "7654321"}
    | .mounts += [
      {"destination": "/proc/self/oom_score_adj", "type": "bind", "source": $f, "options": ["bind"]},
      {"destination": "/proc/sys/kernel/shmmax", "type": "bind", "source": $f, "options": ["bind"]}]' \
    --arg f "$fake"
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id"
  track_container "$id"
  pid=$(state_field "$id" .pid)
  assert_eq 321 "$(cat "/proc/$pid/oom_score_adj")" "oomScoreAdj of the container process"
  assert_eq 7654321 "$(nsenter -t "$pid" -i cat /proc/sys/kernel/shmmax)" \
    "kernel.shmmax of the container's ipc namespace"
  assert_eq junk "$(cat "$fake")" "the file bound over /proc"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# CVE-2022-29162: no inheritable or ambient capabilities unless asked for.
case_no_inheritable_capabilities_by_default() {
  new_bundle
  assert_eq "[]" "$(jq -c '[.process.capabilities | (.inheritable // [])[], (.ambient // [])[]]' "$CFG")" \
    "inheritable and ambient sets of \`husk spec\`"
  cfg_set '.process.user = {"uid": 1000, "gid": 1000}'
  run_sh_ok 'grep -E "^Cap(Inh|Amb|Prm|Eff)" /proc/self/status | cut -f2 | sort -u'
  assert_eq 0000000000000000 "$OUT" "a non-root process gets no capability through execve"
}

# CVE-2024-21626: no descriptor of the runtime or its caller reaches the
# container, and a cwd through one (/proc/self/fd/N) is refused.
case_leaked_fd_cwd_refused() {
  local n id
  mkdir -p "$CASE_DIR/hostdir"
  new_bundle
  for n in 3 4 5 6 7 8 9 10 11 12; do
    cfg_set '.process.cwd = $c' --arg c "/proc/self/fd/$n"
    cfg_args sh -c 'ls -la .; echo ESCAPED'
    id=$(new_id)
    capture husk_cmd run --bundle "$BUNDLE" "$id" \
      5<"$CASE_DIR/hostdir" 6<"$CASE_DIR/hostdir" 7<"$CASE_DIR/hostdir" 9<"$CASE_DIR/hostdir"
    assert_ne 0 "$RC" "run with cwd /proc/self/fd/$n"
    assert_not_contains "$OUT" ESCAPED "cwd /proc/self/fd/$n"
    assert_match "$ERR" 'chdir to cwd|outside the container' "cwd /proc/self/fd/$n"
    assert_no_leftovers "$id"
  done
  # and what the process can see of them
  cfg_set '.process.cwd = "/"'
  run_sh_ok 'ls /proc/$$/fd; true' 5<"$CASE_DIR/hostdir" 7<"$CASE_DIR/hostdir"
  assert_eq $'0\n1\n2' "$OUT" "descriptors of the container process"
}

# CVE-2019-5736: the runtime binary cannot be overwritten from inside.  A
# process of another container in the same pid namespace (a pod) tries to
# hold the created init's executable open, and to write it once the init
# has exec'd: opening it must be refused, or lead to a sealed copy.
case_runtime_binary_not_writable() {
  local copy=$CASE_DIR/husk-copy shared=$CASE_DIR/shared sum a b pid result
  need_cmd sha256sum
  cp "$HUSK" "$copy"
  sum=$(sha256sum <"$copy")
  mkdir -p "$shared"
  new_bundle
  cfg_args sleep 1000
  a=$(new_id a)
  "$copy" --root "$HUSK_ROOT" create --bundle "$BUNDLE" "$a" </dev/null ||
    fail "create with a copy of the runtime"
  track_container "$a"
  pid=$(state_field "$a" .pid)
  new_bundle
  cfg_set 'del(.hostname)
    | .linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
    | .mounts += [{"destination": "/shared", "type": "bind", "source": $s, "options": ["bind"]}]' \
    --arg p "/proc/$pid/ns/pid" --arg s "$shared"
  cfg_args sh -c 'if (exec 3</proc/1/exe) 2>/dev/null; then exec 3</proc/1/exe; echo opened; else echo OPEN-REFUSED; fi >/shared/opened
    while [ ! -e /shared/go ]; do sleep 0.05; done
    if [ "$(cat /shared/opened)" = opened ]; then
      if echo overwritten 2>/dev/null >/proc/self/fd/3; then echo WROTE; else echo WRITE-REFUSED; fi
    else cat /shared/opened; fi >/shared/result'
  b=$(new_id b)
  husk_cmd run --detach --bundle "$BUNDLE" "$b"
  track_container "$b"
  wait_until 10 test -s "$shared/opened"
  "$copy" --root "$HUSK_ROOT" start "$a" </dev/null || fail "start"
  wait_until 10 status_is "$a" running
  touch "$shared/go"
  wait_until 10 test -s "$shared/result"
  result=$(cat "$shared/result")
  assert_eq "$sum" "$(sha256sum <"$copy")" "the runtime binary on the host"
  assert_match "$result" '^(OPEN|WRITE)-REFUSED$' "the attack through /proc/1/exe"
  husk_cmd delete --force "$b"
  husk_cmd delete --force "$a"
  assert_no_leftovers "$a"
  assert_no_leftovers "$b"
}

run_cases case_symlink_destination_stays_inside case_created_directories_stay_inside \
  case_proc_sys_symlinks_refused case_dev_null_swapped case_dev_console_symlink case_dev_symlink \
  case_proc_writes_not_redirected case_no_inheritable_capabilities_by_default \
  case_leaked_fd_cwd_refused case_runtime_binary_not_writable
