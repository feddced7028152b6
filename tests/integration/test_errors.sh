#!/bin/bash
# spec/errors.md, row by row: each case is brought about and its error line
# and exit status asserted exactly, from the table itself, so the page and
# the code cannot drift apart.
source "$(dirname "$0")/lib.sh"

ERRORS_MD=$LIB_DIR/../../spec/errors.md

declare -A WANT_LINE WANT_EXIT

# Rows: | `case` | when | exit | `` line `` |
load_table() {
  local line name exit text
  [[ -r $ERRORS_MD ]] || fail "cannot read $ERRORS_MD"
  while IFS= read -r line; do
    [[ $line =~ ^\|\ \`([a-z0-9-]+)\`\ \|.*\|\ ([0-9]+)\ \|\ \`\`\ (.*)\ \`\`\ \|$ ]] || continue
    name=${BASH_REMATCH[1]}
    exit=${BASH_REMATCH[2]}
    text=${BASH_REMATCH[3]}
    [[ -z ${WANT_LINE[$name]+x} ]] || fail "errors.md: case $name twice"
    WANT_LINE[$name]=$text
    WANT_EXIT[$name]=$exit
  done <"$ERRORS_MD"
  ((${#WANT_LINE[@]} > 0)) || fail "errors.md: no rows found (layout changed?)"
}

# Placeholders of the current case: P[ID], P[BUNDLE], P[SOCKET].
declare -A P

# expect_error CMD...: CMD exits with the row's status, and the last line of
# its stderr is the row's line, placeholders filled in.
expect_error() {
  local name=${CASE#err_} want key last
  name=${name//_/-}
  [[ -n ${WANT_LINE[$name]+x} ]] || fail "no row \`$name\` in spec/errors.md"
  want=${WANT_LINE[$name]}
  for key in "${!P[@]}"; do
    want=${want//<$key>/${P[$key]}}
  done
  [[ $want != *'<'[A-Z]*'>'* ]] || fail "placeholder left unfilled in [$want]"
  capture "$@"
  last=${ERR##*$'\n'}
  [[ $RC == "${WANT_EXIT[$name]}" ]] ||
    fail "\`$*\`: expected exit ${WANT_EXIT[$name]}"$'\n'"$(_show_output)"
  [[ $last == "$want" ]] ||
    fail "\`$*\`: last stderr line"$'\n'"  want: $want"$'\n'"  got:  $last"
}

# Both `create` and `run` of $BUNDLE fail as the row says and leave nothing.
bundle_fails() {
  local cmd
  P[BUNDLE]=$BUNDLE
  for cmd in create run; do
    P[ID]=$(new_id "$cmd")
    expect_error husk_cmd "$cmd" --bundle "$BUNDLE" "${P[ID]}"
    assert_no_leftovers "${P[ID]}"
  done
}

# A fresh bundle whose config.json is changed by a jq filter, then bundle_fails.
expect_config_error() {
  new_bundle
  cfg_set "$1"
  bundle_fails
}

# A container of $BUNDLE (a `sleep`) in state created, running or stopped.
container_in() {
  local status=$1
  new_bundle
  cfg_args sleep 1000
  P[ID]=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "${P[ID]}" >/dev/null 2>&1 || fail "create failed"
  track_container "${P[ID]}"
  [[ $status != created ]] || return 0
  husk_cmd start "${P[ID]}" || fail "start failed"
  [[ $status != running ]] || return 0
  husk_cmd kill "${P[ID]}" KILL || fail "kill failed"
  wait_until 10 status_is "${P[ID]}" stopped
}

# ---------------------------------------------------------------- command line

err_unknown_command() { expect_error husk_cmd bogus; }
err_help_unknown_command() { expect_error husk_cmd help bogus; }
err_unknown_global_flag() { expect_error husk_cmd --bogus state x; }
err_unknown_flag() { expect_error husk_cmd state --bogus x; }
err_missing_argument() { expect_error husk_cmd state; }
err_too_many_arguments() { expect_error husk_cmd state x other; }
err_invalid_log_format() { expect_error husk_cmd --log-format xml state x; }
err_invalid_flag_value() { expect_error husk_cmd create --preserve-fds x "$(new_id)"; }
err_invalid_list_format() { expect_error husk_cmd list --format yaml; }

err_invalid_signal() {
  container_in created
  expect_error husk_cmd kill "${P[ID]}" SIGBOGUS
  assert_eq created "$(state_field "${P[ID]}" .status)" "status after a bad signal"
}

err_systemd_cgroup() {
  new_bundle
  P[ID]=$(new_id)
  expect_error husk_cmd --systemd-cgroup create --bundle "$BUNDLE" "${P[ID]}"
  assert_no_leftovers "${P[ID]}"
}

err_spec_exists() {
  new_bundle
  cd "$BUNDLE" || fail "cd $BUNDLE"
  expect_error husk_bare spec
}

# ---------------------------------------------------------------- ids

err_id_bad_character() { expect_error husk_cmd state a/b; }
err_id_leading_dot() { expect_error husk_cmd state .hidden; }
err_id_empty() { expect_error husk_cmd state ""; }
err_id_too_long() { expect_error husk_cmd state "$(printf 'a%.0s' {1..1025})"; }

# ---------------------------------------------------------------- state

err_does_not_exist() {
  local cmd
  P[ID]=$(new_id)
  for cmd in state start kill delete; do
    expect_error husk_cmd $cmd "${P[ID]}"
  done
  # runc: --force on a missing container succeeds silently
  husk_cmd delete --force "${P[ID]}" || fail "delete --force of a missing container failed"
}

err_exec_does_not_exist() {
  P[ID]=$(new_id)
  expect_error husk_cmd exec "${P[ID]}" true
}

err_already_exists() {
  local cmd
  container_in created
  for cmd in create run; do
    expect_error husk_cmd "$cmd" --bundle "$BUNDLE" "${P[ID]}"
  done
  assert_eq created "$(state_field "${P[ID]}" .status)" "the first container is untouched"
}

err_start_running() {
  container_in running
  expect_error husk_cmd start "${P[ID]}"
}

err_start_stopped() {
  container_in stopped
  expect_error husk_cmd start "${P[ID]}"
}

err_kill_stopped() {
  container_in stopped
  expect_error husk_cmd kill "${P[ID]}" TERM
}

err_delete_running() {
  container_in running
  expect_error husk_cmd delete "${P[ID]}"
  assert_eq running "$(state_field "${P[ID]}" .status)" "still running"
}

err_exec_stopped() {
  container_in stopped
  expect_error husk_cmd exec "${P[ID]}" true
}

# ---------------------------------------------------------------- bundle, config.json

err_bundle_missing() {
  P[BUNDLE]=$CASE_DIR/no-such-bundle
  P[ID]=$(new_id)
  expect_error husk_cmd create --bundle "${P[BUNDLE]}" "${P[ID]}"
  assert_no_leftovers "${P[ID]}"
}

err_config_missing() {
  new_bundle
  rm "$CFG"
  bundle_fails
}

err_config_not_json() {
  new_bundle
  printf '{"ociVersion": "1.3.0", "process": {' >"$CFG"
  bundle_fails
}

err_config_wrong_type() { expect_config_error '.process.args = 5'; }
err_config_missing_field() { expect_config_error 'del(.process.cwd)'; }
err_config_unsupported_version() { expect_config_error '.ociVersion = "2.0.0"'; }
err_args_empty() { expect_config_error '.process.args = []'; }
err_cwd_relative() { expect_config_error '.process.cwd = "tmp"'; }

# The two namespace rows name index 6: runc's default has six namespaces.
err_unknown_namespace() {
  new_bundle
  assert_eq 6 "$(jq '.linux.namespaces | length' "$CFG")" "namespaces in husk spec's config"
  cfg_set '.linux.namespaces += [{"type": "foo"}]'
  bundle_fails
}

err_duplicate_namespace() {
  new_bundle
  assert_eq 6 "$(jq '.linux.namespaces | length' "$CFG")" "namespaces in husk spec's config"
  cfg_set '.linux.namespaces += [{"type": "pid"}]'
  bundle_fails
}

err_no_mount_namespace() { expect_config_error '.linux.namespaces |= map(select(.type != "mount"))'; }
err_uid_mappings_without_userns() {
  expect_config_error '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
}
err_hostname_without_uts() {
  expect_config_error '.hostname = "h" | .linux.namespaces |= map(select(.type != "uts"))'
}
err_mount_destination_relative() { expect_config_error '.mounts[0].destination = "proc"'; }
err_hook_path_relative() { expect_config_error '.hooks.prestart = [{"path": "rel"}]'; }

err_duplicate_rlimit() {
  new_bundle
  assert_eq '["RLIMIT_NOFILE"]' "$(jq -c '[.process.rlimits[].type]' "$CFG")" "default rlimits"
  cfg_set '.process.rlimits += [.process.rlimits[0]]'
  bundle_fails
}

err_unknown_capability() { expect_config_error '.process.capabilities.bounding += ["CAP_FOO"]'; }
err_seccomp_unknown_action() { expect_config_error '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOPE"}'; }
err_rootfs_missing() { expect_config_error '.root.path = "nope"'; }

# ---------------------------------------------------------------- creating

err_terminal_detached() {
  new_bundle
  cfg_set '.process.terminal = true'
  P[ID]=$(new_id)
  expect_error husk_cmd run --detach --bundle "$BUNDLE" "${P[ID]}"
  assert_no_leftovers "${P[ID]}"
}

err_console_socket_missing() {
  new_bundle
  cfg_set '.process.terminal = true'
  P[ID]=$(new_id)
  P[SOCKET]=$CASE_DIR/nobody-listens.sock
  expect_error husk_cmd create --console-socket "${P[SOCKET]}" --bundle "$BUNDLE" "${P[ID]}"
  assert_no_leftovers "${P[ID]}"
}

err_executable_not_found() {
  new_bundle
  cfg_args nosuch
  bundle_fails
}

err_hook_failed() {
  [[ -x /bin/false ]] || skip "needs /bin/false on the host"
  expect_config_error '.hooks.createRuntime = [{"path": "/bin/false"}]'
}

# ---------------------------------------------------------------- runner

load_table
cases=()
missing=()
for name in "${!WANT_LINE[@]}"; do
  fn=err_${name//-/_}
  if declare -F "$fn" >/dev/null; then
    cases+=("$fn")
  else
    missing+=("$name")
  fi
done
extra=()
for fn in $(declare -F | awk '$3 ~ /^err_/ { print $3 }'); do
  name=${fn#err_}
  [[ -n ${WANT_LINE[${name//_/-}]+x} ]] || extra+=("$fn")
done
if ((${#missing[@]} || ${#extra[@]})); then
  ((${#missing[@]} == 0)) || echo "FAIL: rows of spec/errors.md without a test: ${missing[*]}" >&2
  ((${#extra[@]} == 0)) || echo "FAIL: tests without a row in spec/errors.md: ${extra[*]}" >&2
  exit 1
fi
mapfile -t cases < <(printf '%s\n' "${cases[@]}" | sort)
run_cases "${cases[@]}"
