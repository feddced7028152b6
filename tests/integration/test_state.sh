#!/bin/bash
# `state` JSON and `list` in its three forms.
source "$(dirname "$0")/lib.sh"

# jq_check JSON FILTER WHAT: FILTER must yield true on JSON.
jq_check() {
  jq -e "$2" >/dev/null <<<"$1" || fail "$3: \`$2\` is not true for:"$'\n'"$1"
}

case_state_fields() {
  local id json
  new_bundle
  cfg_set '.annotations = {"org.husk.test": "value", "other": ""}'
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  json=$(state_json "$id")
  track_pid "$(jq -r .pid <<<"$json")" "$id"
  jq_check "$json" '.ociVersion | type == "string" and startswith("1.")' ociVersion
  jq_check "$json" ".id == \"$id\"" id
  jq_check "$json" '.pid | type == "number" and . > 0' pid
  jq_check "$json" '.status == "created"' status
  jq_check "$json" ".bundle == \"$BUNDLE\"" bundle
  jq_check "$json" ".rootfs == \"$ROOTFS\"" rootfs
  jq_check "$json" '.created | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)$")' \
    created
  jq_check "$json" '.owner | type == "string"' owner
  jq_check "$json" '.annotations == {"org.husk.test": "value", "other": ""}' annotations
  assert_eq "$(state_field "$id" .pid)" "$(jq -r .pid <<<"$json")" "pid is stable"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# The state keeps the bundle's absolute path even when given a relative one.
case_state_bundle_absolute() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  (cd "$CASE_DIR" && husk_cmd create --bundle "$(basename "$BUNDLE")" "$id")
  track_container "$id"
  assert_eq "$BUNDLE" "$(state_field "$id" .bundle)" "bundle"
  assert_eq "$ROOTFS" "$(state_field "$id" .rootfs)" "rootfs"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

# create in the bundle directory itself, without --bundle.
case_default_bundle_is_cwd() {
  local id
  new_bundle
  cfg_args sleep 1000
  id=$(new_id)
  (cd "$BUNDLE" && husk_cmd create "$id")
  track_container "$id"
  assert_eq "$BUNDLE" "$(state_field "$id" .bundle)" "bundle"
  husk_cmd delete --force "$id"
  assert_no_leftovers "$id"
}

case_list_empty() {
  capture husk_cmd list -q
  assert_eq 0 "$RC"
  assert_eq "" "$OUT" "list -q with no containers"
  capture husk_cmd list --format json
  assert_eq 0 "$RC"
  jq_check "$OUT" '(. // []) | length == 0' "list --format json with no containers"
  capture husk_cmd list
  assert_eq 0 "$RC"
  assert_match "$OUT" '^ID +PID +STATUS +BUNDLE +CREATED +OWNER' "table header"
}

case_list_formats() {
  local a b json
  new_bundle
  cfg_args sleep 1000
  a=$(new_id)
  b=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$a"
  track_container "$a"
  husk_cmd run --detach --bundle "$BUNDLE" "$b"
  track_container "$b"

  capture husk_cmd list -q
  assert_eq "$(printf '%s\n' "$a" "$b" | sort)" "$(sort <<<"$OUT")" "list -q"

  capture husk_cmd list
  assert_match "$OUT" '^ID +PID +STATUS +BUNDLE +CREATED +OWNER' "table header"
  assert_match "$OUT" $'\n'"$a +$(state_field "$a" .pid) +created +$BUNDLE " "table row of $a"
  assert_match "$OUT" $'\n'"$b +$(state_field "$b" .pid) +running +$BUNDLE " "table row of $b"

  for flag in "--format json" "--format=json" "-f json"; do
    capture husk_cmd list $flag
    assert_eq 0 "$RC" "list $flag"
    json=$OUT
    jq_check "$json" 'type == "array" and length == 2' "list $flag"
    jq_check "$json" "map(select(.id == \"$a\"))[0].status == \"created\"" "list $flag: $a"
    jq_check "$json" "map(select(.id == \"$b\"))[0].status == \"running\"" "list $flag: $b"
    jq_check "$json" "all(.[]; .bundle == \"$BUNDLE\" and (.pid | type) == \"number\")" "list $flag"
  done
  capture husk_cmd list --format table
  assert_eq 0 "$RC" "list --format table"
  assert_match "$OUT" '^ID +PID +STATUS' "list --format table"

  husk_cmd delete --force "$a"
  husk_cmd delete --force "$b"
  assert_no_leftovers "$a"
  assert_no_leftovers "$b"
}

case_state_of_stopped() {
  local id
  new_bundle
  cfg_args true
  id=$(new_id)
  husk_cmd run --keep --bundle "$BUNDLE" "$id"
  assert_eq stopped "$(state_field "$id" .status)"
  assert_eq "$id" "$(state_field "$id" .id)"
  husk_cmd delete "$id"
  assert_no_leftovers "$id"
}

# `run` records the init's pid before the init's setup ends (it queues the
# go-ahead early); until the init is ready the status is "creating", not
# "running".  A tmpcopyup of many files makes the setup long enough to see.
case_creating_during_run_setup() {
  local id out="" i pid
  new_bundle
  mkdir -p "$ROOTFS/big"
  (cd "$ROOTFS/big" && seq 60000 | xargs touch)
  cfg_set '.mounts += [{"destination": "/big", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
  cfg_args true
  id=$(new_id)
  husk_bg run --bundle "$BUNDLE" "$id"
  for ((i = 0; i < 400; i++)); do
    out=$(husk_cmd state "$id" 2>/dev/null) || out=""
    pid=$(jq -r '.pid // 0' <<<"${out:-{\}}")
    [[ $pid != 0 ]] && break
    sleep 0.01
  done
  [[ $pid != 0 ]] || fail "no pid in the state while run set up"
  assert_eq creating "$(jq -r .status <<<"$out")" "status while the init sets up"
  bg_wait 30
  assert_eq 0 "$RC" "run"
  assert_no_leftovers "$id"
}

run_cases case_creating_during_run_setup case_state_fields case_state_bundle_absolute case_default_bundle_is_cwd \
  case_list_empty case_list_formats case_state_of_stopped
