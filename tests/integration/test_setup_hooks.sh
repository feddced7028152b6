#!/bin/bash
# hooks: all six at their points of runtime.md's lifecycle, with the state
# JSON on stdin, args, env and timeout; a failing hook before start aborts
# and cleans up, a failing poststart or poststop is a warning.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/setup_lib.sh"

# The hook: records its stdin, args, environment and mount namespace under
# DIR (its first argument) as NAME.* and appends NAME to DIR/order.
HOOK_SCRIPT='#!/bin/sh
dir=$1 name=$2
cat >"$dir/$name.json"
shift 2
printf "%s\n" "$@" >"$dir/$name.args"
env >"$dir/$name.env"
readlink /proc/self/ns/mnt >"$dir/$name.mntns"
echo "$name" >>"$dir/order"
'

# write_hooks: the recording hook on the host ($CASE_DIR/hook.sh, for the
# hooks resolved in the runtime's namespace) and in the rootfs (/hook.sh, for
# startContainer, resolved in the container's).
write_hooks() {
  printf '%s' "$HOOK_SCRIPT" >"$CASE_DIR/hook.sh"
  printf '%s' "$HOOK_SCRIPT" >"$ROOTFS/hook.sh"
  chmod 755 "$CASE_DIR/hook.sh" "$ROOTFS/hook.sh"
  mkdir -p "$CASE_DIR/rec"
}

# hook_entry KIND: the JSON of a recording hook of this kind.
hook_entry() {
  local path=$CASE_DIR/hook.sh dir=$CASE_DIR/rec
  if [[ $1 == startContainer ]]; then
    path=/hook.sh dir=/
  fi
  jq -cn --arg p "$path" --arg d "$dir" --arg k "$1" \
    '{"path": $p, "args": ["hook.sh", $d, $k, "two words"], "env": ["FOO=bar", "K=\($k)"]}'
}

# fail_hook KIND CODE: the JSON of a hook of KIND that exits CODE.
fail_hook() {
  printf '#!/bin/sh\ncat >/dev/null\nexit %s\n' "$2" >"$CASE_DIR/fail-$1.sh"
  chmod 755 "$CASE_DIR/fail-$1.sh"
  jq -cn --arg p "$CASE_DIR/fail-$1.sh" '{"path": $p}'
}

ALL_KINDS="prestart createRuntime createContainer startContainer poststart poststop"

all_hooks_bundle() {
  local k
  new_bundle
  write_hooks
  cfg_set '.root.readonly = false | .annotations = {"org.example.k": "v"} | .hooks = {}'
  for k in $ALL_KINDS; do
    cfg_set '.hooks[$k] = [$h]' --arg k "$k" --argjson h "$(hook_entry "$k")"
  done
}

# rec KIND EXT: what the KIND hook recorded.
rec() {
  if [[ $1 == startContainer ]]; then
    cat "$ROOTFS/$1.$2"
  else
    cat "$CASE_DIR/rec/$1.$2"
  fi
}

check_state() { # KIND ID STATUS
  local json
  json=$(rec "$1" json)
  assert_eq "$2" "$(jq -r .id <<<"$json")" "$1: state.id"
  assert_eq "$3" "$(jq -r .status <<<"$json")" "$1: state.status"
  assert_eq "$BUNDLE" "$(jq -r .bundle <<<"$json")" "$1: state.bundle"
  assert_eq v "$(jq -r '.annotations["org.example.k"]' <<<"$json")" "$1: state.annotations"
  assert_match "$(jq -r .ociVersion <<<"$json")" '^1\.' "$1: state.ociVersion"
}

case_all_hooks_lifecycle() {
  local id pid host_mnt k
  host_mnt=$(readlink /proc/self/ns/mnt)
  all_hooks_bundle
  cfg_args sh -c 'test -e /startContainer.json && echo startContainer-ran-before; sleep 1000'
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_container "$id"
  pid=$(state_field "$id" .pid)
  assert_eq $'prestart\ncreateRuntime\ncreateContainer' "$(cat "$CASE_DIR/rec/order")" \
    "hooks run by create, in order"
  [[ ! -e $ROOTFS/startContainer.json ]] || fail "startContainer ran before start"
  for k in prestart createRuntime createContainer; do
    check_state "$k" "$id" creating
    assert_eq "$pid" "$(rec "$k" json | jq -r .pid)" "$k: state.pid"
    assert_eq $'two words' "$(rec "$k" args)" "$k: args after the two of the hook"
    assert_contains "$(rec "$k" env)" "FOO=bar" "$k: env"
    assert_contains "$(rec "$k" env)" "K=$k" "$k: env"
    assert_not_contains "$(rec "$k" env)" "HUSK_TEST_WORK" "$k: the runtime's environment"
  done
  assert_eq "$host_mnt" "$(rec prestart mntns)" "prestart runs in the runtime's mount namespace"
  assert_eq "$host_mnt" "$(rec createRuntime mntns)" "createRuntime: runtime's mount namespace"
  assert_eq "$(readlink "/proc/$pid/ns/mnt")" "$(rec createContainer mntns)" \
    "createContainer runs in the container's mount namespace"

  husk_cmd start "$id"
  assert_eq $'prestart\ncreateRuntime\ncreateContainer\npoststart' "$(cat "$CASE_DIR/rec/order")" \
    "poststart after start"
  check_state poststart "$id" running
  check_state startContainer "$id" created
  assert_eq "$(readlink "/proc/$pid/ns/mnt")" "$(rec startContainer mntns)" \
    "startContainer runs in the container's mount namespace"
  assert_eq "startContainer" "$(cat "$ROOTFS/order")" "startContainer's path resolved in the container"
  [[ ! -e $CASE_DIR/rec/poststop.json ]] || fail "poststop before delete"

  husk_cmd kill "$id" KILL
  wait_until 10 status_is "$id" stopped
  husk_cmd delete "$id"
  check_state poststop "$id" stopped
  assert_eq $'prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop' \
    "$(cat "$CASE_DIR/rec/order")" "poststop last, at delete"
  assert_no_leftovers "$id"
}

# `run` goes through the same points; startContainer runs before the process.
case_all_hooks_run() {
  all_hooks_bundle
  run_sh_ok 'test -e /startContainer.json && echo startContainer-ran-before'
  assert_eq "startContainer-ran-before" "$OUT" "startContainer before the process"
  assert_eq $'prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop' \
    "$(cat "$CASE_DIR/rec/order")" "hooks of run, in order"
  check_state poststop "$LAST_ID" stopped
}

# A hook that runs inside the init must not leave SIGPIPE ignored for the process.
case_hooks_leave_no_trace_in_process() {
  all_hooks_bundle
  run_sh_ok 'grep SigIgn /proc/self/status | cut -f2'
  assert_eq 0000000000000000 "$OUT" "signals ignored by the container process"
}

# Annotations of any size reach every hook, in and out of the container.
case_hooks_large_state() {
  local big k
  big=$(head -c 6000 /dev/zero | tr '\0' x)
  all_hooks_bundle
  cfg_set '.annotations["org.example.big"] = $b' --arg b "$big"
  run_sh_ok true
  for k in $ALL_KINDS; do
    assert_eq 6000 "$(rec "$k" json | jq -r '.annotations["org.example.big"] | length')" \
      "$k: the large annotation in its state"
  done
}

# A hook that does not read its stdin, with a state larger than a pipe holds:
# the writer gets SIGPIPE, which must not stay pending and kill the
# container when its signal mask is restored.
case_hook_ignoring_stdin() {
  local big k
  big=$(head -c 100000 /dev/zero | tr '\0' x)
  new_bundle
  printf '#!/bin/sh\nexit 0\n' >"$CASE_DIR/deaf.sh"
  printf '#!/bin/sh\nexit 0\n' >"$ROOTFS/deaf.sh"
  chmod 755 "$CASE_DIR/deaf.sh" "$ROOTFS/deaf.sh"
  cfg_set '.annotations["org.example.big"] = $b | .hooks = {}' --arg b "$big"
  for k in prestart createRuntime createContainer; do
    cfg_set '.hooks[$k] = [{"path": $p}]' --arg k "$k" --arg p "$CASE_DIR/deaf.sh"
  done
  cfg_set '.hooks.startContainer = [{"path": "/deaf.sh"}]'
  run_sh_ok 'echo alive'
  assert_eq alive "$OUT" "the container ran past hooks that ignored their stdin"
}

case_failing_hook_aborts_create() {
  local k
  for k in prestart createRuntime createContainer; do
    new_bundle
    cfg_set '.hooks = {($k): [$h]}' --arg k "$k" --argjson h "$(fail_hook "$k" 3)"
    bad_config "$k hook \`$CASE_DIR/fail-$k.sh\` failed: exit status 3"
  done
}

case_failing_start_container_hook() {
  new_bundle
  printf '#!/bin/sh\nexit 4\n' >"$ROOTFS/fail.sh"
  chmod 755 "$ROOTFS/fail.sh"
  cfg_set '.hooks = {"startContainer": [{"path": "/fail.sh"}]}'
  cfg_args sh -c 'echo the process ran'
  local id
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  assert_ne 0 "$RC" "run with a failing startContainer hook"
  assert_contains "$ERR" 'startContainer hook `/fail.sh` failed: exit status 4'
  assert_not_contains "$OUT" "the process ran"
  assert_no_leftovers "$id"
}

case_failing_poststart_poststop_warn() {
  new_bundle
  cfg_set '.hooks = {"poststart": [$a], "poststop": [$b]}' \
    --argjson a "$(fail_hook poststart 5)" --argjson b "$(fail_hook poststop 6)"
  run_sh_ok 'echo ran'
  assert_eq ran "$OUT"
  assert_contains "$ERR" "poststart hook \`$CASE_DIR/fail-poststart.sh\` failed: exit status 5"
  assert_contains "$ERR" "poststop hook \`$CASE_DIR/fail-poststop.sh\` failed: exit status 6"
}

case_hook_timeout() {
  local start
  new_bundle
  printf '#!/bin/sh\nexec sleep 30\n' >"$CASE_DIR/slow.sh"
  chmod 755 "$CASE_DIR/slow.sh"
  cfg_set '.hooks = {"createRuntime": [{"path": $p, "timeout": 1}]}' --arg p "$CASE_DIR/slow.sh"
  start=$(date +%s)
  bad_config "createRuntime hook \`$CASE_DIR/slow.sh\` timed out after 1s"
  (($(date +%s) - start < 10)) || fail "the timeout did not end the hook"

}

case_hook_not_found() {
  new_bundle
  cfg_set '.hooks = {"prestart": [{"path": "/nonexistent/hook"}]}'
  bad_config 'prestart hook `/nonexistent/hook` failed: exit status 127'
}

# A hook may ask the runtime for the state of the container being created,
# whose lock its creator holds meanwhile: "creating", without waiting.
case_hook_asks_for_state() {
  new_bundle
  cat >"$CASE_DIR/ask.sh" <<EOF
#!/bin/sh
id=\$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
timeout 10 "$HUSK" --root "$HUSK_ROOT" state "\$id" >"$CASE_DIR/state.out" 2>&1
echo "exit \$?" >>"$CASE_DIR/state.out"
EOF
  chmod 755 "$CASE_DIR/ask.sh"
  cfg_set '.hooks = {"createRuntime": [{"path": $p}]}' --arg p "$CASE_DIR/ask.sh"
  run_sh 'exit 0'
  assert_eq 0 "$RC" "exit code"
  local out
  out=$(cat "$CASE_DIR/state.out")
  assert_contains "$out" '"status": "creating"' "the state the hook saw"
  assert_contains "$out" "exit 0" "husk state in the hook"
  assert_no_leftovers "$LAST_ID"
}

# poststart and poststop run as configured at create, even when the
# bundle's config.json changed or went away since (create keeps a copy).
case_late_hooks_from_create_time_config() {
  new_bundle
  printf '#!/bin/sh\ncat >/dev/null\necho "$1" >>"%s/late.log"\n' "$CASE_DIR" >"$CASE_DIR/late.sh"
  chmod 755 "$CASE_DIR/late.sh"
  cfg_set '.hooks = {"poststart": [{"path": $p, "args": ["late.sh", "poststart"]}],
                     "poststop": [{"path": $p, "args": ["late.sh", "poststop"]}]}' \
    --arg p "$CASE_DIR/late.sh"
  cfg_args true
  local id
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id"
  track_pid "$(state_field "$id" .pid)"
  mv "$BUNDLE/config.json" "$BUNDLE/config.json.gone"
  husk_cmd start "$id"
  wait_until 10 sh -c "$(printf '%q ' "${HUSK_ARGV[@]}") state $id | grep -q stopped"
  husk_cmd delete "$id"
  assert_eq $'poststart\npoststop' "$(cat "$CASE_DIR/late.log" 2>&1)" "the hooks that ran"
  assert_no_leftovers "$id"
}

run_cases case_late_hooks_from_create_time_config case_hook_asks_for_state case_all_hooks_lifecycle case_all_hooks_run case_hooks_leave_no_trace_in_process \
  case_hook_ignoring_stdin \
  case_hooks_large_state \
  case_failing_hook_aborts_create case_failing_start_container_hook \
  case_failing_poststart_poststop_warn case_hook_timeout case_hook_not_found
