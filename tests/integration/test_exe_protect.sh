#!/bin/bash
# CVE-2019-5736: nothing in a container can reach the husk binary on the
# host to write it (include/husk/exe.h).  Every case checks the binary's
# checksum before and after.  The trampoline (husk-dmz) is the default; the
# sealed self-copy is taken where a process may hold CAP_SYS_PTRACE in our
# user namespace, the pid namespace is shared, or seccomp stops execveat.
source "$(dirname "$0")/lib.sh"

HUSK_SUM=$(sha256sum "$HUSK" | cut -d' ' -f1)
HUSK_INODE=$(stat -L -c %d:%i "$HUSK")
DYNAMIC=false
if ldd "$HUSK" >/dev/null 2>&1; then DYNAMIC=true; fi

TRAMPOLINE="exe protection: exec through the trampoline"
SEALED_COPY="exe protection: re-exec from a sealed copy"
# shellcheck disable=SC2016 # backquotes of husk's messages
BAD_EXEC='exec `/bad`: Exec format error'

assert_binary_intact() {
  assert_eq "$HUSK_SUM" "$(sha256sum "$HUSK" | cut -d' ' -f1)" "checksum of $HUSK"
}

ptrace_caps() {
  cfg_set '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
}

# exe_of PID: what /proc/PID/exe is, "husk" for the host binary itself.
exe_of() {
  if [[ $(stat -L -c %d:%i "/proc/$1/exe") == "$HUSK_INODE" ]]; then
    echo husk
  else
    readlink "/proc/$1/exe"
  fi
}

# debug_run: `run` of $BUNDLE with --debug, so that the mode taken shows on
# stderr; sets OUT, ERR, RC and LAST_ID.
debug_run() {
  LAST_ID=$(new_id run)
  capture husk_cmd --debug run --bundle "$BUNDLE" "$LAST_ID" </dev/null
}

# The program sees exactly process.args: argv[0] included, empty and
# spaced arguments kept, no trampoline detail in between.
case_argv_is_process_args() {
  local script='cat /proc/$$/cmdline | tr "\0" "|"'
  new_bundle
  cfg_args sh -c "$script" zero "two words" "" -
  debug_run
  assert_eq 0 "$RC" "exit code"$'\n'"$ERR"
  assert_contains "$ERR" "$TRAMPOLINE"
  assert_eq "sh|-c|$script|zero|two words||-|" "$OUT" "argv of the container process"
  assert_no_leftovers "$LAST_ID"
}

# A `#!/proc/self/exe` entrypoint, and /proc/self/exe as the entrypoint:
# with the trampoline they get husk-dmz; with the sealed copy, a husk that
# cannot be written.  Neither reaches the file.
entrypoint_self_exe() {
  local mode=$1
  new_bundle
  [[ $mode == trampoline ]] || ptrace_caps
  printf '#!/proc/self/exe\n' >"$ROOTFS/evil"
  chmod 755 "$ROOTFS/evil"
  cfg_args /evil
  debug_run
  assert_ne 0 "$RC" "exit code of the #!/proc/self/exe entrypoint"
  if [[ $mode == trampoline ]]; then
    assert_contains "$ERR" "$TRAMPOLINE"
    assert_contains "$ERR" "husk-dmz: not meant to be run by hand"
  else
    assert_contains "$ERR" "$SEALED_COPY"
    # a dynamically linked husk (sanitizer builds) cannot start in busybox
    $DYNAMIC || assert_contains "$ERR" 'no such command "/evil"'
  fi
  cfg_args /proc/self/exe --version
  debug_run
  if [[ $mode == trampoline ]]; then
    assert_eq 127 "$RC" "exit code of /proc/self/exe as the entrypoint"
  else
    $DYNAMIC || assert_contains "$OUT" "husk version" "/proc/self/exe as the entrypoint"
  fi
  assert_binary_intact
  assert_no_leftovers "$LAST_ID"
}

case_entrypoint_self_exe_trampoline() {
  entrypoint_self_exe trampoline
}

# With the sealed copy the container runs husk, but only the copy.
case_entrypoint_self_exe_sealed_copy() {
  entrypoint_self_exe copy
}

# create_waiting MODE_LINE: `create` of $BUNDLE running `sleep`, which
# must log MODE_LINE; sets id and pid (of the init, waiting for start).
create_waiting() {
  cfg_args sleep 1000
  id=$(new_id)
  capture husk_cmd --debug create --bundle "$BUNDLE" "$id"
  assert_eq 0 "$RC" "create"$'\n'"$ERR"
  assert_contains "$ERR" "$1"
  track_container "$id"
  pid=$(state_field "$id" .pid)
}

# A created container's init waits as a husk process for `start`: an exec'd
# process in the container must not open its exe.
case_created_init_trampoline() {
  local id pid
  new_bundle
  create_waiting "$TRAMPOLINE"
  assert_eq husk "$(exe_of "$pid")" "exe of the waiting init (this case tests the trampoline)"
  capture husk_cmd exec "$id" sh -c 'cat /proc/1/exe >/dev/null; echo x >>/proc/1/exe'
  assert_contains "$ERR" "can't open '/proc/1/exe': Permission denied" "reading the init's exe"
  assert_contains "$ERR" "can't create /proc/1/exe: Permission denied" "writing the init's exe"
  husk_cmd start "$id"
  wait_until 10 status_is "$id" running
  assert_eq /bin/busybox "$(exe_of "$pid")" "exe of the started container process"
  assert_binary_intact
}

# CAP_SYS_PTRACE in the config: the sealed copy.  An exec'd process (with
# that capability too) opens the waiting init's exe, which is the copy, and
# once the init has exec'd the program (no more "text file busy") reopens it
# for writing, as the exploit does: the seals refuse the write.
case_created_init_sealed_copy() {
  local id pid
  new_bundle
  ptrace_caps
  create_waiting "$SEALED_COPY"
  assert_eq "/memfd:husk (deleted)" "$(exe_of "$pid")" "exe of the waiting init"
  # shellcheck disable=SC2016 # expanded in the container
  husk_bg exec "$id" sh -c 'exec 3</proc/1/exe; sha256sum <&3; echo opened >&2
    while [ "$(readlink /proc/1/exe)" != /bin/busybox ]; do sleep 0.05; done
    echo x >>/proc/self/fd/3'
  wait_until 10 grep -q opened "$BG_ERR"
  husk_cmd start "$id"
  bg_wait
  assert_eq "$HUSK_SUM  -" "$OUT" "the init's exe, read from inside: the copy"
  assert_contains "$ERR" "Operation not permitted" "writing the sealed copy"
  assert_eq /bin/busybox "$(exe_of "$pid")" "exe of the started container process"
  assert_binary_intact
}

# A husk exec child is caught during its setup (cloned into a frozen
# cgroup), and another exec'd process goes for its /proc/<pid>/exe as the
# exploit does: open it, and reopen it for writing once it no longer runs.
exec_child_caught() {
  local mode=$1 id cg child nspid caught caps=()
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id" </dev/null
  track_container "$id"
  cg=$(cgroup2_mount)$(awk -F: '$1 == 0 { print $3 }' "/proc/$(state_field "$id" .pid)/cgroup")
  [[ -w $cg/cgroup.procs ]] || skip "the container's cgroup2 directory is not writable"
  mkdir "$cg/frozen"
  echo 1 >"$cg/frozen/cgroup.freeze"
  [[ $mode == trampoline ]] || caps=(--cap CAP_SYS_PTRACE)
  (
    rc=0
    husk_cmd --debug exec "${caps[@]}" --cgroup frozen "$id" echo released \
      >"$CASE_DIR/caught.out" 2>"$CASE_DIR/caught.err" || rc=$?
    echo "$rc" >"$CASE_DIR/caught.rc"
  ) &
  caught=$!
  wait_until 10 grep -q . "$cg/frozen/cgroup.procs"
  child=$(head -n1 "$cg/frozen/cgroup.procs")
  nspid=$(awk '/^NSpid/ { print $NF }' "/proc/$child/status")
  husk_bg exec "${caps[@]}" "$id" sh -c "exec 3</proc/$nspid/exe; echo opened >&2
    while [ -e /proc/$nspid ]; do sleep 0.05; done
    echo x >>/proc/self/fd/3"
  if [[ $mode == trampoline ]]; then
    assert_eq husk "$(exe_of "$child")" "exe of the caught exec child"
    bg_wait
    assert_contains "$ERR" "can't open /proc/$nspid/exe: Permission denied"
  else
    assert_eq "/memfd:husk (deleted)" "$(exe_of "$child")" "exe of the caught exec child"
    wait_until 10 grep -q opened "$BG_ERR"
  fi
  echo 0 >"$cg/frozen/cgroup.freeze"
  wait "$caught"
  assert_eq 0 "$(cat "$CASE_DIR/caught.rc")" "the caught exec, released: $(cat "$CASE_DIR/caught.err")"
  assert_eq released "$(cat "$CASE_DIR/caught.out")"
  if [[ $mode == trampoline ]]; then
    assert_contains "$(cat "$CASE_DIR/caught.err")" "$TRAMPOLINE"
  else
    assert_contains "$(cat "$CASE_DIR/caught.err")" "$SEALED_COPY"
    bg_wait
    assert_contains "$ERR" "Operation not permitted" "writing the sealed copy"
  fi
  assert_binary_intact
  husk_cmd delete --force "$id"
  rmdir "$cg/frozen" 2>/dev/null || true
}

case_exec_child_trampoline() {
  exec_child_caught trampoline
}

case_exec_child_sealed_copy() {
  exec_child_caught copy
}

# The exec child later on: set up, capabilities dropped, waiting for the
# go.  It is held there by its runtime blocking on --pid-file (husk writes
# "<file>.husk-tmp" first; a FIFO there blocks the open until read).  Only
# non-dumpability keeps a process with the same uid and capabilities from
# its exe now.
case_exec_child_after_setup() {
  local id child nspid
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id" </dev/null
  track_container "$id"
  mkfifo "$CASE_DIR/pid.husk-tmp"
  husk_bg exec --pid-file "$CASE_DIR/pid" "$id" echo released
  wait_until 10 grep -q . "/proc/$BG_PID/task/$BG_PID/children"
  child=$(awk '{ print $1 }' "/proc/$BG_PID/task/$BG_PID/children")
  nspid=$(awk '/^NSpid/ { print $NF }' "/proc/$child/status")
  assert_eq husk "$(exe_of "$child")" "exe of the waiting exec child"
  assert_eq "$(awk '/^CapEff/ { print $2 }' "/proc/$(state_field "$id" .pid)/status")" \
    "$(awk '/^CapEff/ { print $2 }' "/proc/$child/status")" "capabilities dropped already"
  capture husk_cmd exec "$id" sh -c "cat /proc/$nspid/exe >/dev/null"
  assert_contains "$ERR" "can't open '/proc/$nspid/exe': Permission denied"
  cat "$CASE_DIR/pid.husk-tmp" >/dev/null
  bg_wait
  assert_eq 0 "$RC" "the held exec, released"$'\n'"$ERR"
  assert_eq released "$OUT"
  assert_binary_intact
}

# An exec with CAP_SYS_PTRACE may leave processes that watch later execs:
# every later exec of that container takes the sealed copy.
case_exec_ptrace_is_remembered() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id" </dev/null
  track_container "$id"
  capture husk_cmd --debug exec "$id" true
  assert_contains "$ERR" "$TRAMPOLINE" "exec before"
  capture husk_cmd --debug exec --cap CAP_SYS_PTRACE "$id" true
  assert_contains "$ERR" "$SEALED_COPY" "exec with CAP_SYS_PTRACE"
  capture husk_cmd --debug exec "$id" true
  assert_contains "$ERR" "$SEALED_COPY" "exec after one with CAP_SYS_PTRACE"
  assert_binary_intact
}

# When the trampoline is enough, and when not.
case_mode_choice() {
  new_bundle
  cfg_args true
  cfg_set 'del(.linux.namespaces[] | select(.type == "pid"))'
  debug_run
  assert_eq 0 "$RC" "run"$'\n'"$ERR"
  assert_contains "$ERR" "$SEALED_COPY" "without a pid namespace"

  new_bundle
  cfg_args true
  cfg_set '.process.capabilities = null'
  debug_run
  assert_contains "$ERR" "$SEALED_COPY" "with husk's own capabilities"

  new_bundle
  cfg_args true
  ptrace_caps
  cfg_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = .linux.uidMappings'
  debug_run
  assert_eq 0 "$RC" "run in a user namespace"$'\n'"$ERR"
  assert_contains "$ERR" "$TRAMPOLINE" "CAP_SYS_PTRACE, but in a new user namespace"

  new_bundle
  cfg_args true
  cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["execveat"], "action": "SCMP_ACT_ERRNO"}]}'
  debug_run
  assert_eq 0 "$RC" "run with execveat refused"$'\n'"$ERR"
  assert_contains "$ERR" "$SEALED_COPY" "seccomp refusing execveat"
  assert_binary_intact
}

# execve errors after the trampoline: reported by husk when it still waits
# (run, exec), by husk-dmz on the container's stderr after `start`.
case_exec_error_reported() {
  local id pid
  new_bundle
  printf 'not a program\0\1\2' >"$ROOTFS/bad"
  chmod 755 "$ROOTFS/bad"
  cfg_args /bad
  debug_run
  assert_eq 1 "$RC" "run of a bad program"$'\n'"$ERR"
  assert_contains "$ERR" "$TRAMPOLINE"
  assert_contains "$ERR" "husk: $BAD_EXEC"
  assert_no_leftovers "$LAST_ID"

  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id" </dev/null
  track_container "$id"
  assert_exit 255 husk_cmd exec "$id" /bad
  assert_contains "$ERR" "$BAD_EXEC"
  husk_cmd delete --force "$id"

  cfg_args /bad
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id" </dev/null 2>"$CASE_DIR/create.err"
  track_container "$id"
  husk_cmd start "$id"
  wait_until 10 status_is "$id" stopped
  assert_contains "$(cat "$CASE_DIR/create.err")" "husk: $BAD_EXEC"
}

# Without fcntl in the seccomp profile the trampoline does not keep the
# sync socket: the error goes to the container's stderr, exit 127.
case_exec_error_without_fcntl() {
  new_bundle
  printf 'not a program\0\1\2' >"$ROOTFS/bad"
  chmod 755 "$ROOTFS/bad"
  cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["fcntl"], "action": "SCMP_ACT_ERRNO"}]}'
  cfg_args /bad
  debug_run
  assert_eq 127 "$RC" "exit code"$'\n'"$ERR"
  assert_contains "$ERR" "$TRAMPOLINE"
  assert_contains "$ERR" "husk: $BAD_EXEC"
  cfg_args true
  debug_run
  assert_eq 0 "$RC" "a good program with fcntl refused"$'\n'"$ERR"
}

# A binary on a read-only mount needs neither.
case_readonly_binary() {
  need_cmd unshare
  new_bundle
  cfg_args true
  LAST_ID=$(new_id run)
  # shellcheck disable=SC2016 # the inner shell's arguments
  capture unshare -m --propagation private -- sh -c \
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
    sh "$HUSK" timeout -k 5 "$HUSK_CMD_TIMEOUT" "$HUSK" --root "$HUSK_ROOT" --debug run \
    --bundle "$BUNDLE" "$LAST_ID" </dev/null
  assert_eq 0 "$RC" "run"$'\n'"$ERR"
  assert_contains "$ERR" "exe protection: the binary is on a read-only mount"
  assert_no_leftovers "$LAST_ID"
}

run_cases case_argv_is_process_args case_entrypoint_self_exe_trampoline \
  case_entrypoint_self_exe_sealed_copy case_created_init_trampoline \
  case_created_init_sealed_copy case_exec_child_trampoline case_exec_child_sealed_copy \
  case_exec_child_after_setup case_exec_ptrace_is_remembered case_mode_choice \
  case_exec_error_reported case_exec_error_without_fcntl case_readonly_binary
