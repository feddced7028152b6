#!/bin/bash
# The create/start split and the status moves: created → running → stopped → gone.
source "$(dirname "$0")/lib.sh"

# A container that writes a marker into its (writable) rootfs once it runs.
marker_bundle() {
  new_bundle
  cfg_set '.root.readonly = false'
  cfg_args sh -c 'echo started > /tmp/started; exec sleep 1000'
}

case_full_lifecycle() {
  local id pid pidfile
  marker_bundle
  id=$(new_id)
  pidfile=$CASE_DIR/init.pid

  husk_cmd create --bundle "$BUNDLE" --pid-file "$pidfile" "$id"
  pid=$(state_field "$id" .pid)
  track_pid "$pid" "$id"
  assert_eq created "$(state_field "$id" .status)" "status after create"
  assert_match "$pid" '^[1-9][0-9]*$' "pid in state"
  assert_eq "$pid" "$(cat "$pidfile")" "pid-file content"
  [[ -d /proc/$pid ]] || fail "container process $pid does not exist after create"
  # blocked: the user's process has not run yet
  sleep 0.2
  [[ ! -e $ROOTFS/tmp/started ]] || fail "process ran before start"
  assert_contains "$(husk_cmd list -q)" "$id" "list -q after create"

  husk_cmd start "$id"
  wait_until 10 test -e "$ROOTFS/tmp/started"
  assert_eq running "$(state_field "$id" .status)" "status after start"
  assert_eq "$pid" "$(state_field "$id" .pid)" "pid after start"

  husk_cmd kill "$id" KILL
  wait_until 10 status_is "$id" stopped
  assert_eq stopped "$(state_field "$id" .status)" "status after kill"

  husk_cmd delete "$id"
  assert_fails_with "container \"$id\" does not exist" husk_cmd state "$id"
  assert_not_contains "$(husk_cmd list -q)" "$id" "list -q after delete"
  assert_no_leftovers "$id"
}

# The init process of a created container is blocked until start, not gone.
case_created_process_waits() {
  local id pid st
  marker_bundle
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  pid=$(state_field "$id" .pid)
  track_pid "$pid" "$id"
  sleep 0.5
  st=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat")
  assert_match "$st" '^[SD]$' "scheduler state of the blocked process"
  [[ ! -e $ROOTFS/tmp/started ]] || fail "process ran before start"
  assert_eq created "$(state_field "$id" .status)"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_process_exit_means_stopped() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_container "$id"
  husk_cmd start "$id"
  wait_until 10 status_is "$id" stopped
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

# kill's signal forms; a trap inside records which signal arrived.
signal_bundle() {
  new_bundle
  cfg_set '.root.readonly = false'
  cfg_args sh -c 'trap "echo TERM > /tmp/sig; exit 0" TERM; trap "echo USR1 > /tmp/sig; exit 0" USR1
    touch /tmp/ready; while :; do sleep 0.1; done'
}

start_signal_container() {
  local id=$1
  rm -f "$ROOTFS/tmp/sig" "$ROOTFS/tmp/ready"
  husk_cmd run --detach --bundle "$BUNDLE" "$id"
  track_container "$id"
  wait_until 10 test -e "$ROOTFS/tmp/ready"
}

case_kill_default_is_term() {
  local id
  signal_bundle
  id=$(new_id)
  start_signal_container "$id"
  husk_cmd kill "$id"
  wait_until 10 status_is "$id" stopped
  assert_eq TERM "$(cat "$ROOTFS/tmp/sig")" "signal delivered by kill without SIGNAL"
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_kill_signal_forms() {
  local id form want
  signal_bundle
  for form in TERM:TERM SIGTERM:TERM 15:TERM USR1:USR1 SIGUSR1:USR1 10:USR1; do
    want=${form#*:}
    id=$(new_id)
    start_signal_container "$id"
    husk_cmd kill "$id" "${form%:*}"
    wait_until 10 status_is "$id" stopped
    assert_eq "$want" "$(cat "$ROOTFS/tmp/sig")" "signal delivered by kill ${form%:*}"
    husk_cmd delete "$id"
    assert_no_leftovers "$id"
  done
}

case_kill_sigkill_forms() {
  local id form
  new_bundle
  cfg_args sleep 1000
  for form in KILL SIGKILL 9; do
    id=$(new_id)
    husk_cmd run --detach --bundle "$BUNDLE" "$id"
    track_container "$id"
    husk_cmd kill "$id" "$form"
    wait_until 10 status_is "$id" stopped
    husk_cmd delete "$id"
    assert_no_leftovers "$id"
  done
}

case_kill_all() {
  local id
  new_bundle
  cfg_args sh -c 'sleep 1000 & sleep 1000'
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id"
  track_container "$id"
  husk_cmd kill --all "$id" KILL
  wait_until 10 status_is "$id" stopped
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_kill_bad_signal() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id"
  track_container "$id"
  capture husk_cmd kill "$id" NOSUCHSIG
  assert_ne 0 "$RC" "exit code of kill with an unknown signal"
  assert_contains "$ERR" NOSUCHSIG "error names the signal"
  assert_eq running "$(state_field "$id" .status)" "status after a refused kill"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_kill_stopped() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  husk_cmd run --keep --bundle "$BUNDLE" "$id"
  assert_fails_with "container not running" husk_cmd kill "$id" KILL
  assert_fails_with "container not running" husk_cmd kill "$id"
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_start_twice() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_container "$id"
  husk_cmd start "$id"
  capture husk_cmd start "$id"
  assert_ne 0 "$RC" "exit code of start on a running container"
  assert_eq running "$(state_field "$id" .status)" "status after the refused start"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_start_stopped() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  husk_cmd run --keep --bundle "$BUNDLE" "$id"
  capture husk_cmd start "$id"
  assert_ne 0 "$RC" "exit code of start on a stopped container"
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_create_existing_id() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_container "$id"
  assert_fails_with "container \"$id\" already exists" husk_cmd create --bundle "$BUNDLE" "$id"
  assert_eq created "$(state_field "$id" .status)" "the first container is untouched"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_delete_running_needs_force() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id"
  track_container "$id"
  capture husk_cmd delete "$id"
  assert_ne 0 "$RC" "exit code of delete on a running container"
  assert_eq running "$(state_field "$id" .status)" "still running after refused delete"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_delete_short_force() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd run --detach --bundle "$BUNDLE" "$id"
  track_container "$id"
  husk_cmd delete -f "$id"
  assert_no_leftovers "$id"
}

# delete of a created (never started) container removes it and its process.
case_delete_created() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_container "$id"
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_delete_force_stopped() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  husk_cmd run --keep --bundle "$BUNDLE" "$id"
  assert_exit 0 husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# create returns while the container process lives on, as engines expect.
case_create_returns() {
  local id pid
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" --pid-file "$CASE_DIR/pid" "$id"
  pid=$(cat "$CASE_DIR/pid")
  track_pid "$pid" "$id"
  pid_alive "$pid" || fail "container process $pid gone after create returned"
  husk_cmd start "$id"
  # start releases the process; its execve may land a moment later
  wait_until 10 grep -qx sleep "/proc/$pid/comm"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# Concurrent creates of one id serialize: exactly one wins, the rest are told
# the id exists, and the winner is intact.
case_concurrent_create() {
  local id i ok=0 exists=0 rc
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  for i in 1 2 3 4; do
    (
      rc=0
      husk_cmd create --bundle "$BUNDLE" "$id" >"$CASE_DIR/cc$i.out" 2>&1 || rc=$?
      echo "$rc" >"$CASE_DIR/cc$i.rc"
    ) &
  done
  wait
  for i in 1 2 3 4; do
    rc=$(cat "$CASE_DIR/cc$i.rc")
    if [[ $rc == 0 ]]; then
      ok=$((ok + 1))
    elif grep -q "already exists" "$CASE_DIR/cc$i.out"; then
      exists=$((exists + 1))
    else
      fail "concurrent create $i: exit $rc: $(cat "$CASE_DIR/cc$i.out")"
    fi
  done
  assert_eq "1 3" "$ok $exists" "winners and 'already exists' answers"
  track_container "$id"
  assert_eq created "$(state_field "$id" .status)" "the winner's status"
  husk_cmd start "$id"
  assert_eq running "$(state_field "$id" .status)"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# A create killed at any point is cleaned up by delete --force.
case_killed_create_cleanup() {
  local id delay
  new_bundle
  cfg_args sleep 1000
  for delay in 0.001 0.005 0.01 0.02 0.04 0.08 0.15; do
    id=$(new_id)
    husk_bg create --bundle "$BUNDLE" "$id"
    sleep "$delay"
    kill -KILL "$BG_PID" 2>/dev/null || true
    bg_wait
    if [[ -e $HUSK_ROOT/$id ]]; then
      assert_exit 0 husk_cmd delete --force "$id"
    else
      capture husk_cmd delete --force "$id"
    fi
    assert_no_leftovers "$id"
  done
}

run_cases case_full_lifecycle case_created_process_waits case_process_exit_means_stopped \
  case_kill_default_is_term case_kill_signal_forms case_kill_sigkill_forms case_kill_all \
  case_kill_bad_signal case_kill_stopped case_start_twice case_start_stopped \
  case_create_existing_id case_delete_running_needs_force case_delete_short_force \
  case_delete_created case_delete_force_stopped case_create_returns case_concurrent_create \
  case_killed_create_cleanup
