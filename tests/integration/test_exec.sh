#!/bin/bash
# husk exec: a new process in a running container's namespaces and cgroup,
# with the flags runc has, its exit code in the foreground, 255 when it
# cannot start, and the refusals (stopped, paused, an LSM the host lacks).
source "$(dirname "$0")/lib.sh"

# running_container: a container whose init sleeps; sets ID and PID.
running_container() {
  new_bundle
  cfg_set '.hostname = "exectest"'
  cfg_args sleep 1000
  ID=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$ID"
  PID=$(state_field "$ID" .pid)
  track_pid "$PID" "$ID"
}

case_output_and_exit_code() {
  running_container
  capture husk_cmd exec "$ID" sh -c 'echo out; echo err >&2; exit 7'
  assert_eq 7 "$RC" "exit code of the exec'd process"
  assert_eq out "$OUT" "stdout"
  assert_eq err "$ERR" "stderr"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_joins_namespaces_and_cgroup() {
  running_container
  local ns inside
  for ns in pid mnt net ipc uts cgroup; do
    inside=$(husk_cmd exec "$ID" readlink "/proc/self/ns/$ns")
    assert_eq "$(readlink "/proc/$PID/ns/$ns")" "$inside" "$ns namespace of the exec'd process"
  done
  assert_eq exectest "$(husk_cmd exec "$ID" hostname)" "hostname"
  # its cgroup (seen from the container's cgroup namespace) is the init's
  assert_eq "$(husk_cmd exec "$ID" cat /proc/1/cgroup)" "$(husk_cmd exec "$ID" cat /proc/self/cgroup)" \
    "cgroup of the exec'd process"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_env_cwd_user() {
  running_container
  assert_eq "v=1" "$(husk_cmd exec --env V=1 "$ID" sh -c 'echo v=$V')" "--env"
  assert_eq "/tmp" "$(husk_cmd exec --cwd /tmp "$ID" pwd)" "--cwd"
  assert_eq "1000 1001" "$(husk_cmd exec --user 1000:1001 "$ID" sh -c 'echo $(id -u) $(id -g)')" "--user"
  assert_contains "$(husk_cmd exec -u 1000:1001 -g 1234 "$ID" id -G)" 1234 "--additional-gids"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_cap_never_inheritable() {
  running_container
  local status eff inh
  status=$(husk_cmd exec --cap CAP_SYS_ADMIN "$ID" cat /proc/self/status)
  eff=$(awk '/^CapEff/ { print $2 }' <<<"$status")
  inh=$(awk '/^CapInh/ { print $2 }' <<<"$status")
  (((0x$eff >> 21) & 1)) || fail "CAP_SYS_ADMIN (21) not effective: CapEff $eff"
  assert_eq 0000000000000000 "$inh" "CapInh after --cap (CVE-2022-29162)"
  assert_fails_with 'unknown capability "CAP_NOPE"' husk_cmd exec --cap CAP_NOPE "$ID" true
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_detach_pid_file() {
  running_container
  husk_cmd exec --detach --pid-file "$CASE_DIR/exec.pid" "$ID" sleep 30
  local epid
  epid=$(cat "$CASE_DIR/exec.pid")
  track_pid "$epid" "$ID"
  [[ -d /proc/$epid ]] || fail "exec'd process $epid gone after exec --detach returned"
  assert_eq sleep "$(cat "/proc/$epid/comm")" "the detached process"
  assert_eq "$(readlink "/proc/$PID/ns/pid")" "$(readlink "/proc/$epid/ns/pid")" "its pid namespace"
  husk_cmd delete --force "$ID"
  wait_until 10 test ! -d "/proc/$epid"
  assert_no_leftovers "$ID"
}

case_process_file_and_preserve_fds() {
  running_container
  cat >"$CASE_DIR/process.json" <<'EOF'
{"args": ["sh", "-c", "echo $GREETING; cat <&3"], "env": ["GREETING=hi", "PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}
EOF
  echo passed >"$CASE_DIR/f3"
  capture husk_cmd exec --process "$CASE_DIR/process.json" --preserve-fds 1 "$ID" 3<"$CASE_DIR/f3"
  assert_eq 0 "$RC" "exec --process"
  assert_eq $'hi\npassed' "$OUT" "process.json args and env, fd 3"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_failure_exits_255() {
  running_container
  assert_exit 255 husk_cmd exec "$ID" /nonexistent
  assert_contains "$ERR" 'exec: "/nonexistent"' "error line"
  assert_exit 255 husk_cmd exec "$ID" nosuchcommand
  assert_contains "$ERR" 'exec: "nosuchcommand": executable file not found in $PATH' "error line"
  assert_exit 255 husk_cmd exec --apparmor someprofile "$ID" true
  assert_contains "$ERR" 'process.apparmorProfile: "someprofile" is asked for' "error line"
  # the container is untouched by the failures
  assert_eq running "$(state_field "$ID" .status)" "status after failed execs"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

# While it waits for start, the init still holds runtime fds (the exec fifo,
# a private procfs): it is non-dumpable, so a process of the container
# without CAP_SYS_PTRACE cannot read its fds or ptrace it.  In every mode of
# the binary protection (exe.h): a profile that refuses execveat takes the
# sealed self-copy instead of the trampoline.
case_created_init_not_inspectable() {
  new_bundle
  cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["execveat"], "action": "SCMP_ACT_ERRNO"}]}'
  cfg_args sleep 1000
  ID=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$ID"
  PID=$(state_field "$ID" .pid)
  track_pid "$PID" "$ID"
  capture husk_cmd exec "$ID" readlink /proc/1/fd/0
  [[ $RC != 0 ]] || fail "a container process read the waiting init's fds:"$'\n'"$OUT"
  # once started, the container's own program is an ordinary process
  husk_cmd start "$ID"
  wait_until 10 grep -qx sleep "/proc/$PID/comm"
  husk_cmd exec "$ID" readlink /proc/1/fd/0 >/dev/null
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_stopped_and_paused() {
  running_container
  husk_cmd pause "$ID"
  assert_exit 255 husk_cmd exec "$ID" true
  assert_contains "$ERR" "cannot exec in a paused container" "exec into a paused container"
  husk_cmd resume "$ID"
  husk_cmd kill "$ID" KILL
  wait_until 10 status_is "$ID" stopped
  assert_exit 255 husk_cmd exec "$ID" true
  assert_contains "$ERR" "cannot exec in a stopped container" "exec into a stopped container"
  husk_cmd delete "$ID"
  assert_no_leftovers "$ID"
}

# The exec'd process starts from the config the container was created with,
# even when the bundle's config.json changed since (create keeps a copy).
case_config_from_create_time() {
  running_container
  jq '.process.env += ["LATE=changed"]' "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
  mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
  assert_eq "late=" "$(husk_cmd exec "$ID" sh -c 'echo late=$LATE')" "the env from create time"
  rm "$BUNDLE/config.json"
  assert_eq "ok" "$(husk_cmd exec "$ID" echo ok)" "exec without the bundle's config.json"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

run_cases case_config_from_create_time case_output_and_exit_code case_joins_namespaces_and_cgroup case_env_cwd_user \
  case_cap_never_inheritable case_detach_pid_file case_process_file_and_preserve_fds \
  case_failure_exits_255 case_created_init_not_inspectable case_stopped_and_paused
