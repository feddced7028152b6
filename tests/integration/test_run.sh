#!/bin/bash
# `run`: exit codes, output, signals, --detach, --keep.
source "$(dirname "$0")/lib.sh"

case_exit_code() {
  new_bundle
  run_sh 'exit 42'
  assert_eq 42 "$RC" "exit code of run"
  assert_no_leftovers "$LAST_ID"
}

case_output_and_success() {
  new_bundle
  run_sh 'echo out; echo err >&2'
  assert_eq 0 "$RC" "exit code"
  assert_eq out "$OUT" "stdout"
  assert_contains "$ERR" err "stderr"
  assert_no_leftovers "$LAST_ID"
}

case_stdin_passed() {
  local id
  new_bundle
  cfg_args cat
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id" <<<"through stdin"
  assert_eq 0 "$RC"
  assert_eq "through stdin" "$OUT"
  assert_no_leftovers "$id"
}

# The container's init dies of SIGKILL sent with `kill`: run exits 128+9.
case_killed_by_signal() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  husk_bg run --bundle "$BUNDLE" "$id"
  wait_until 10 status_is "$id" running
  track_container "$id"
  husk_cmd kill "$id" KILL
  bg_wait
  assert_eq 137 "$RC" "exit code of run after SIGKILL"
  assert_no_leftovers "$id"
}

# Without a pid namespace the process is not an init, so SIGTERM's default
# action applies: 128+15.
case_term_without_pidns() {
  local id
  new_bundle
  cfg_set 'del(.linux.namespaces[] | select(.type == "pid"))'
  cfg_args sleep 1000
  id=$(new_id)
  husk_bg run --bundle "$BUNDLE" "$id"
  wait_until 10 status_is "$id" running
  track_container "$id"
  husk_cmd kill "$id" TERM
  bg_wait
  assert_eq 143 "$RC" "exit code of run after SIGTERM"
  assert_no_leftovers "$id"
}

# A signal sent to the foreground `run` reaches the container's process.
case_signal_forwarded() {
  local id
  new_bundle
  cfg_set '.root.readonly = false'
  cfg_args sh -c 'trap "exit 7" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
  id=$(new_id)
  husk_bg run --bundle "$BUNDLE" "$id"
  wait_until 10 test -e "$ROOTFS/tmp/ready"
  track_container "$id"
  kill -TERM "$BG_PID"
  bg_wait
  assert_eq 7 "$RC" "exit code after forwarded SIGTERM"
  assert_no_leftovers "$id"
}

case_detach() {
  local id pid
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  assert_exit 0 husk_cmd run --detach --bundle "$BUNDLE" "$id"
  assert_eq running "$(state_field "$id" .status)" "status after run --detach"
  pid=$(state_field "$id" .pid)
  track_pid "$pid" "$id"
  wait_until 10 grep -qx sleep "/proc/$pid/comm" # the detached process runs the command
  husk_cmd kill "$id" KILL
  wait_until 10 status_is "$id" stopped
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

case_detach_short_flag() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  assert_exit 0 husk_cmd run -d --bundle "$BUNDLE" "$id"
  track_container "$id"
  assert_eq running "$(state_field "$id" .status)"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_keep() {
  local id
  new_bundle
  cfg_args sh -c 'exit 3'
  id=$(new_id)
  assert_exit 3 husk_cmd run --keep --bundle "$BUNDLE" "$id"
  assert_eq stopped "$(state_field "$id" .status)" "status after run --keep"
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

# Without --keep the container is gone once run returns.
case_gone_after_run() {
  new_bundle
  run_sh 'true'
  assert_eq 0 "$RC"
  assert_fails_with "does not exist" husk_cmd state "$LAST_ID"
  assert_no_leftovers "$LAST_ID"
}

# run deletes the container it ran, not one made under the same id after
# another `delete --force` took its own away while run was held up.
case_run_leaves_a_successor_alone() {
  local id
  new_bundle
  cfg_set '.root.readonly = false'
  cfg_args sh -c 'touch /tmp/ready; exec sleep 1000'
  id=$(new_id)
  husk_bg run --bundle "$BUNDLE" "$id"
  wait_until 10 test -e "$ROOTFS/tmp/ready"
  track_container "$id"
  kill -STOP "$BG_PID"
  husk_cmd delete --force "$id"
  cfg_args sleep 1000
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_pid "$(state_field "$id" .pid)" "$id"
  kill -CONT "$BG_PID"
  bg_wait
  assert_eq created "$(state_field "$id" .status)" "the successor after the first run ended"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

run_cases case_run_leaves_a_successor_alone case_exit_code case_output_and_success case_stdin_passed case_killed_by_signal \
  case_term_without_pidns case_signal_forwarded case_detach case_detach_short_flag case_keep \
  case_gone_after_run
