#!/bin/bash
# The command line: --version, help, flag spellings, --log, ids, usage errors.
source "$(dirname "$0")/lib.sh"

case_version() {
  local flag
  for flag in --version -v; do
    capture husk_bare "$flag"
    assert_eq 0 "$RC" "exit code of $flag"
    assert_match "$OUT" '^husk version [0-9]+\.[0-9]+\.[0-9]+'$'\n' "$flag first line"
    assert_match "$OUT" $'\n''spec: 1\.3\.0('$'\n''|$)' "$flag spec line"
    assert_match "$OUT" $'\n''commit: [^'$'\n'']+' "$flag commit line"
    assert_match "$OUT" $'\n''libseccomp: [0-9]+\.[0-9]+\.[0-9]+('$'\n''|$)' "$flag libseccomp line"
  done
}

case_help() {
  local cmd
  capture husk_bare --help
  assert_eq 0 "$RC" "exit code of --help"
  for cmd in create start state kill delete list run spec; do
    assert_match "$OUT" "(^|[[:space:]])$cmd([[:space:]]|,)" "--help lists $cmd"
  done
  capture husk_bare -h
  assert_eq 0 "$RC" "exit code of -h"
  assert_contains "$OUT" create "-h"
}

case_help_command() {
  local cmd flag
  for cmd in create start state kill delete list run spec; do
    capture husk_bare help "$cmd"
    assert_eq 0 "$RC" "exit code of help $cmd"
    assert_contains "$OUT" "$cmd" "help $cmd"
    capture husk_bare "$cmd" --help
    assert_eq 0 "$RC" "exit code of $cmd --help"
    assert_contains "$OUT" "$cmd" "$cmd --help"
  done
  capture husk_bare help create
  for flag in --bundle --pid-file --console-socket --no-pivot --no-new-keyring --preserve-fds; do
    assert_contains "$OUT" "$flag" "help create"
  done
  capture husk_bare help run
  for flag in --bundle --detach --keep --pid-file --no-pivot --preserve-fds; do
    assert_contains "$OUT" "$flag" "help run"
  done
  capture husk_bare help kill
  assert_contains "$OUT" "--all" "help kill"
  capture husk_bare help delete
  assert_contains "$OUT" "--force" "help delete"
  capture husk_bare help list
  assert_contains "$OUT" "--format" "help list"
  assert_contains "$OUT" "--quiet" "help list"
}

case_unknown_command() {
  capture husk_bare no-such-command
  assert_ne 0 "$RC" "exit code of an unknown command"
  assert_contains "$ERR" no-such-command "the error names the command"
}

case_unknown_flag() {
  capture husk_cmd state --no-such-flag x
  assert_ne 0 "$RC" "exit code of an unknown flag"
  assert_contains "$ERR" no-such-flag "the error names the flag"
}

case_missing_id() {
  local cmd
  for cmd in create start state kill delete run; do
    capture husk_cmd "$cmd"
    assert_ne 0 "$RC" "exit code of $cmd without an id"
    [[ -n $ERR ]] || fail "$cmd without an id printed no error"
  done
}

# --opt value and --opt=value, for global and command flags alike.
case_flag_spellings() {
  local id pid json
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  "${HUSK_ARGV[@]:0:${#HUSK_ARGV[@]}-2}" --root="$HUSK_ROOT" create --bundle="$BUNDLE" \
    --pid-file="$CASE_DIR/pid" "$id"
  pid=$(cat "$CASE_DIR/pid")
  track_pid "$pid" "$id"
  assert_eq "$pid" "$(state_field "$id" .pid)" "pid-file written with --pid-file=F"
  assert_eq "$BUNDLE" "$(state_field "$id" .bundle)" "bundle given as --bundle=B"
  capture husk_cmd list --format=json
  json=$OUT
  assert_eq "$id" "$(jq -r '.[0].id' <<<"$json")" "list --format=json"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"

  id=$(new_id)
  husk_cmd create -b "$BUNDLE" --pid-file "$CASE_DIR/pid2" "$id"
  track_pid "$(cat "$CASE_DIR/pid2")" "$id"
  assert_eq "$BUNDLE" "$(state_field "$id" .bundle)" "bundle given as -b B"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# --log F --log-format json: one JSON object per line with level, msg, time.
case_log_json() {
  local log=$CASE_DIR/log.json
  capture husk_cmd --log "$log" --log-format json state no-such-container
  assert_ne 0 "$RC" "exit code of state on an unknown id"
  [[ -s $log ]] || fail "--log file $log is empty"
  jq -e -s 'length > 0 and all(.[]; (.level | type) == "string" and (.msg | type) == "string"
      and (.time | type) == "string")' "$log" >/dev/null ||
    fail "log lines lack level/msg/time:"$'\n'"$(cat "$log")"
  jq -e -s 'map(select(.level == "error"))[-1].msg | contains("does not exist")' "$log" \
    >/dev/null || fail "no error line naming the cause in:"$'\n'"$(cat "$log")"
  [[ $(wc -l <"$log") == $(jq -c . "$log" | wc -l) ]] || fail "not one JSON object per line"
}

case_log_json_equals_form() {
  local log=$CASE_DIR/log2.json
  capture husk_cmd --log="$log" --log-format=json state no-such-container
  assert_ne 0 "$RC"
  jq -e -s 'map(select(.level == "error")) | length > 0' "$log" >/dev/null ||
    fail "no error line in:"$'\n'"$(cat "$log")"
}

case_log_text() {
  local log=$CASE_DIR/log.txt
  capture husk_cmd --log "$log" state no-such-container
  assert_ne 0 "$RC"
  assert_contains "$(cat "$log")" "does not exist" "text log"
  assert_contains "$(cat "$log")" "error" "text log level"
}

case_systemd_cgroup() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  capture husk_cmd --systemd-cgroup run --bundle "$BUNDLE" "$id"
  assert_ne 0 "$RC" "exit code with --systemd-cgroup"
  assert_contains "$ERR" systemd "the error explains the systemd driver"
  assert_no_leftovers "$id"
}

case_bad_ids() {
  local bad
  new_bundle
  cfg_args true
  for bad in 'a/b' '' 'a b' '.' '..' '../x' 'x;y' $'new\nline' "$(printf 'x%.0s' {1..1100})"; do
    capture husk_cmd create --bundle "$BUNDLE" "$bad"
    assert_ne 0 "$RC" "create with id [${bad:0:40}]"
    [[ -n $ERR ]] || fail "create with id [${bad:0:40}] printed no error"
    [[ -z $(ls -A "$HUSK_ROOT") ]] || fail "id [${bad:0:40}] left $(ls -A "$HUSK_ROOT") in --root"
  done
  capture husk_cmd list -q
  assert_eq "" "$OUT" "no container listed after refused ids"
}

case_good_id_chars() {
  local id
  new_bundle
  cfg_args true
  id="Ab_09.x-$(new_id)"
  echo "$id" >>"$CASE_DIR/ids"
  assert_exit 0 husk_cmd run --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
}

# Flags engines pass that change nothing visible here are accepted.
case_accepted_flags() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  assert_exit 0 husk_cmd --debug --log "$CASE_DIR/debug.log" run --no-new-keyring --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
}

run_cases case_version case_help case_help_command case_unknown_command case_unknown_flag \
  case_missing_id case_flag_spellings case_log_json case_log_json_equals_form case_log_text \
  case_systemd_cgroup case_bad_ids case_good_id_chars case_accepted_flags
