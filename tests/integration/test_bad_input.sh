#!/bin/bash
# Bad input: each error names its cause, and nothing is left behind.
source "$(dirname "$0")/lib.sh"

# expect_error TEXT: both `create` and `run` of $BUNDLE fail saying TEXT on
# stderr, and leave no trace.
expect_error() {
  local text=$1 id cmd
  for cmd in create run; do
    id=$(new_id "$cmd")
    assert_fails_with "$text" husk_cmd "$cmd" --bundle "$BUNDLE" "$id"
    assert_no_leftovers "$id"
  done
}

case_args_not_array() {
  new_bundle
  cfg_set '.process.args = 5'
  expect_error 'config.json: process.args: expected an array of strings'
}

case_args_element_not_string() {
  new_bundle
  cfg_set '.process.args = ["sh", 5]'
  expect_error 'config.json: process.args'
}

# A wrong type anywhere is an error naming the JSON path.
case_wrong_types() {
  local filter path
  while IFS='|' read -r filter path; do
    new_bundle
    cfg_set "$filter"
    expect_error "config.json: $path"
  done <<'EOF'
.ociVersion = 1|ociVersion
.hostname = 5|hostname
.process = []|process
.process.terminal = "yes"|process.terminal
.process.cwd = 5|process.cwd
.process.env = "PATH=/bin"|process.env
.process.user.uid = "0"|process.user.uid
.process.user.uid = -1|process.user.uid
.process.user.additionalGids = [true]|process.user.additionalGids
.root.path = true|root.path
.root.readonly = "no"|root.readonly
.mounts = {}|mounts
.annotations = []|annotations
.linux.namespaces = "pid"|linux.namespaces
EOF
}

case_wrong_type_nested_array() {
  new_bundle
  cfg_set '.linux.namespaces[0].type = 5'
  expect_error "config.json: linux.namespaces"
  new_bundle
  cfg_set '.mounts[0].destination = ["x"]'
  expect_error "config.json: mounts"
}

case_missing_required() {
  local filter path
  while IFS='|' read -r filter path; do
    new_bundle
    cfg_set "$filter"
    expect_error "$path"
  done <<'EOF'
del(.ociVersion)|ociVersion
del(.process)|process
del(.process.args)|process.args
del(.process.cwd)|process.cwd
del(.process.user.uid)|process.user.uid
del(.root)|root
del(.root.path)|root.path
del(.mounts[0].destination)|destination
EOF
}

case_empty_args() {
  new_bundle
  cfg_set '.process.args = []'
  expect_error 'process.args'
}

case_unsupported_oci_version() {
  local v
  for v in 2.0.0 0.9.0 banana; do
    new_bundle
    cfg_set '.ociVersion = $v' --arg v "$v"
    expect_error 'ociVersion'
  done
}

case_malformed_json() {
  new_bundle
  echo '{"ociVersion": "1.0.2", "process": {' >"$CFG"
  expect_error 'config.json'
  new_bundle
  : >"$CFG"
  expect_error 'config.json'
  new_bundle
  echo '[1, 2]' >"$CFG"
  expect_error 'config.json'
}

case_missing_bundle() {
  local id
  id=$(new_id)
  assert_fails_with "$CASE_DIR/no-such-bundle" husk_cmd create --bundle "$CASE_DIR/no-such-bundle" "$id"
  assert_no_leftovers "$id"
}

case_missing_config() {
  new_bundle
  rm "$CFG"
  expect_error 'config.json'
}

case_missing_rootfs() {
  new_bundle
  cfg_set '.root.path = "no-such-rootfs"'
  expect_error 'no-such-rootfs'
}

# Cross-field rules, checked before any side effect.
case_validation_rules() {
  local filter path
  while IFS='|' read -r filter path; do
    new_bundle
    cfg_set "$filter"
    expect_error "config.json: $path"
  done <<'EOF'
.linux.namespaces += [{"type": "pid"}]|linux.namespaces
.linux.namespaces += [{"type": "no-such-ns"}]|linux.namespaces
.mounts += [{"destination": "relative/dir", "type": "tmpfs", "source": "tmpfs"}]|mounts
.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]|linux.uidMappings
.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 10, "soft": 10}, {"type": "RLIMIT_NOFILE", "hard": 20, "soft": 20}]|process.rlimits
.hooks = {"prestart": [{"path": "relative/hook"}]}|hooks.prestart
.process.cwd = "relative"|process.cwd
EOF
}

# Unknown properties are ignored, as the spec requires.
case_unknown_keys_ignored() {
  new_bundle
  cfg_set '.futureField = {"a": [1, {"b": null}]} | .process.futureKnob = true
    | .linux.futureLinux = "x" | .root.futureRoot = 1 | .mounts[0].futureMount = []'
  run_sh_ok 'echo fine'
  assert_eq fine "$OUT"
}

case_unknown_id() {
  local cmd
  for cmd in state start kill delete; do
    assert_fails_with 'container "no-such-id" does not exist' husk_cmd "$cmd" no-such-id
  done
  assert_no_leftovers no-such-id
}

# A failure inside the container's setup reaches the user as the real cause.
case_exec_not_found() {
  new_bundle
  cfg_args /no/such/binary
  expect_error '/no/such/binary'
}

case_cwd_not_a_directory() {
  local id
  new_bundle
  cfg_set '.process.cwd = "/etc/passwd"'
  cfg_args true
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  assert_ne 0 "$RC" "run with a file as cwd"
  assert_match "${ERR,,}" 'not a directory' "the error gives the cause"
  assert_no_leftovers "$id"
}

case_bad_mount() {
  new_bundle
  cfg_set '.mounts += [{"destination": "/mnt/x", "type": "no-such-fs", "source": "none"}]'
  expect_error '/mnt/x'
}

# A setup that fails in the init is reported as itself every time, also
# when the parent had already queued the go-ahead (the init's close then
# resets the socket before its error message is read).  One CPU makes the
# order that lost the message common.
case_setup_error_always_reported() {
  command -v taskset >/dev/null || skip "no taskset"
  local i id ok=0
  new_bundle
  cfg_set '.mounts += [{"destination": "/mnt/x", "type": "no-such-fs", "source": "none"}]'
  for ((i = 0; i < 30; i++)); do
    id=$(new_id)
    capture taskset -c 0 "${HUSK_ARGV[@]}" run --bundle "$BUNDLE" "$id" </dev/null
    [[ $RC != 0 && $ERR == *"/mnt/x"* ]] && ok=$((ok + 1))
    assert_no_leftovers "$id"
  done
  assert_eq 30 "$ok" "runs that reported the failed mount ($ERR)"
}

# A failed create leaves the id free for the next attempt.
case_id_reusable_after_failure() {
  local id
  new_bundle
  cfg_set '.process.args = 5'
  id=$(new_id)
  capture husk_cmd create --bundle "$BUNDLE" "$id"
  assert_ne 0 "$RC"
  new_bundle
  cfg_args true
  assert_exit 0 husk_cmd run --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
}

run_cases case_args_not_array case_args_element_not_string case_wrong_types \
  case_wrong_type_nested_array case_missing_required case_empty_args \
  case_unsupported_oci_version case_malformed_json case_missing_bundle case_missing_config \
  case_missing_rootfs case_validation_rules case_unknown_keys_ignored case_unknown_id \
  case_exec_not_found case_cwd_not_a_directory case_bad_mount case_setup_error_always_reported \
  case_id_reusable_after_failure
