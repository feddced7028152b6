#!/bin/bash
# linux.seccomp: errno and kill actions, argument filters, the notify agent
# protocol, bad input, the engines' default profile, and the compiled-filter
# cache (the cached and uncached paths load the same program).
source "$(dirname "$0")/lib.sh"

# Note: cases run as `( ... ) || rc=$?`, where bash ignores `set -e`; so every
# step here that can fail fails the case explicitly.

TOOLS_SRC=$(cd "$LIB_DIR/../tools" && pwd)
ENGINE_PROFILE=/usr/share/containers/seccomp.json
SIGSYS_EXIT=$((128 + 31))

# tool NAME: path of a helper from tests/tools, built by CMake next to the
# runtime, else compiled here once per HUSK_TEST_WORK.
tool() {
  local name=$1 built dir
  built=$(dirname "$HUSK")/tests/tools/$name
  if [[ -x $built ]]; then
    echo "$built"
    return
  fi
  dir=$HUSK_TEST_WORK/tools
  mkdir -p "$dir"
  if [[ ! -x $dir/$name ]]; then
    need_cmd cc
    cc -O2 -Wall -o "$dir/$name.tmp.$$" "$TOOLS_SRC/$name.c" -lseccomp ||
      fail "cannot build $name"
    mv "$dir/$name.tmp.$$" "$dir/$name"
  fi
  echo "$dir/$name"
}

# cfg_seccomp JSON: set linux.seccomp.
cfg_seccomp() {
  cfg_set '.linux.seccomp = $sc' --argjson sc "$1"
}

# allow_all_but NAMES_JSON ACTION [EXTRA_RULE_FIELDS]: a profile allowing
# everything except NAMES, which get ACTION.
allow_all_but() {
  cfg_seccomp "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":$1,\"action\":\"$2\"${3:+,$3}}]}"
}

# run_args ARG...: `run` exactly these args under a new id; sets OUT/ERR/RC/LAST_ID.
run_args() {
  cfg_args "$@"
  LAST_ID=$(new_id run)
  capture husk_cmd run --bundle "$BUNDLE" "$LAST_ID" </dev/null
}

seccomp_mode() { # the Seccomp: line of /proc/self/status in OUT
  awk -F'\t' '/^Seccomp:/ { print $2 }' <<<"$OUT"
}

# ------------------------------------------------------------ errno actions

case_blocked_syscall_eperm() {
  new_bundle
  cfg_set '.root.readonly = false'
  allow_all_but '["mkdir","mkdirat"]' SCMP_ACT_ERRNO
  run_sh 'grep "^Seccomp:" /proc/self/status; mkdir /tmp/blocked; echo "rc=$?"; touch /tmp/allowed'
  assert_eq 0 "$RC" "exit code"$'\n'"$(_show_output)"
  assert_eq 2 "$(seccomp_mode)" "Seccomp mode inside"
  assert_contains "$OUT" "rc=1"
  assert_contains "$ERR" "Operation not permitted"
  [[ ! -e $ROOTFS/tmp/blocked ]] || fail "mkdir was not blocked"
  [[ -e $ROOTFS/tmp/allowed ]] || fail "an unlisted syscall was blocked"
  assert_no_leftovers "$LAST_ID"
}

case_blocked_syscall_custom_errno() {
  new_bundle
  cfg_set '.root.readonly = false'
  allow_all_but '["mkdir","mkdirat"]' SCMP_ACT_ERRNO '"errnoRet":28'
  run_sh 'mkdir /tmp/blocked; echo "rc=$?"'
  assert_eq 0 "$RC"
  assert_contains "$ERR" "No space left on device"
  [[ ! -e $ROOTFS/tmp/blocked ]] || fail "mkdir was not blocked"
  assert_no_leftovers "$LAST_ID"
}

# --------------------------------------------------------- argument filters

# kill(2)'s signal is argument 1; the shell ignores both signals, so a kill
# that gets through is harmless and returns 0.
check_kill_filter() { # ARG_JSON BLOCKED_SIG ALLOWED_SIG
  new_bundle
  allow_all_but '["kill"]' SCMP_ACT_ERRNO "\"errnoRet\":1,\"args\":[$1]"
  run_sh "trap '' $2 $3; kill -$2 \$\$; echo \"blocked=\$?\"; kill -$3 \$\$; echo \"allowed=\$?\""
  assert_eq 0 "$RC" "exit code"$'\n'"$(_show_output)"
  assert_contains "$OUT" "blocked=1" "kill -$2 with $1"
  assert_contains "$OUT" "allowed=0" "kill -$3 with $1"
  assert_contains "$ERR" "Operation not permitted"
  assert_no_leftovers "$LAST_ID"
}

case_args_eq() {
  check_kill_filter '{"index":1,"value":10,"op":"SCMP_CMP_EQ"}' USR1 USR2
}

case_args_ge() {
  check_kill_filter '{"index":1,"value":12,"op":"SCMP_CMP_GE"}' USR2 USR1
}

case_args_masked_eq() {
  # USR1 is 10 = 0b1010: bit 3 set; HUP is 1: clear.
  check_kill_filter '{"index":1,"value":8,"valueTwo":8,"op":"SCMP_CMP_MASKED_EQ"}' USR1 HUP
}

# ------------------------------------------------------------- kill actions

case_kill_actions_sigsys() {
  local action
  new_bundle
  cfg_set '.root.readonly = false'
  for action in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
    allow_all_but '["mkdir","mkdirat"]' "$action"
    run_args mkdir /tmp/killed
    assert_eq "$SIGSYS_EXIT" "$RC" "exit code of run with $action"$'\n'"$(_show_output)"
    [[ ! -e $ROOTFS/tmp/killed ]] || fail "$action: mkdir ran"
    assert_no_leftovers "$LAST_ID"
  done
}

# ------------------------------------------------------------------- notify

# The filter is loaded at one of two points (before the capabilities are
# dropped without noNewPrivileges, else just before execve): cover both.
check_notify_agent() { # NO_NEW_PRIVILEGES
  local agent sock state agent_pid rc=0
  agent=$(tool seccomp_agent) || exit $?
  sock=$CASE_DIR/agent-$1.sock
  state=$CASE_DIR/agent-state-$1.json
  # The agent makes mkdir fail with EDQUOT, which nothing else here would say.
  "$agent" "$sock" "$state" mkdir=-122 mkdirat=-122 &
  agent_pid=$!
  track_pid "$agent_pid"
  wait_until 10 test -S "$sock"

  new_bundle
  cfg_set ".root.readonly = false | .process.noNewPrivileges = $1"
  cfg_seccomp "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"$sock\",
    \"listenerMetadata\":\"husk-test-metadata\",
    \"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"
  run_sh 'mkdir /tmp/answered; echo "rc=$?"; touch /tmp/untouched'
  assert_eq 0 "$RC" "exit code (noNewPrivileges $1)"$'\n'"$(_show_output)"
  assert_eq "rc=1" "$OUT"
  assert_contains "$ERR" "Disk quota exceeded" "mkdir answered by the agent"
  [[ ! -e $ROOTFS/tmp/answered ]] || fail "the notified mkdir ran"
  [[ -e $ROOTFS/tmp/untouched ]] || fail "an unlisted syscall was blocked"
  wait "$agent_pid" || rc=$?
  assert_eq 0 "$rc" "agent exit status"

  assert_eq '["seccompFd"]' "$(jq -c .fds "$state")" "fds sent to the agent"
  assert_eq husk-test-metadata "$(jq -r .metadata "$state")" "metadata sent to the agent"
  assert_eq "$LAST_ID" "$(jq -r .state.id "$state")" "state.id sent to the agent"
  assert_match "$(jq -r .pid "$state")" '^[1-9][0-9]*$' "pid sent to the agent"
  assert_match "$(jq -r .ociVersion "$state")" '^1\.' "ociVersion sent to the agent"
  assert_no_leftovers "$LAST_ID"
}

case_notify_agent() {
  check_notify_agent false
}

case_notify_agent_no_new_privs() {
  check_notify_agent true
}

# SCMP_ACT_NOTIFY without listenerPath: nobody listens, the runtime closes
# the listener, and the syscall fails with ENOSYS (create/start too).
case_notify_without_listener() {
  local nnp
  for nnp in false true; do
    new_bundle
    cfg_set ".root.readonly = false | .process.noNewPrivileges = $nnp"
    allow_all_but '["mkdir","mkdirat"]' SCMP_ACT_NOTIFY
    run_sh 'mkdir /tmp/notified; echo "rc=$?"'
    assert_eq 0 "$RC" "run with a notify rule and no listener (noNewPrivileges $nnp)"
    assert_contains "$ERR" "Function not implemented"
    [[ ! -e $ROOTFS/tmp/notified ]] || fail "mkdir was not stopped"
    assert_no_leftovers "$LAST_ID"
  done
}

case_notify_listener_unreachable() {
  local id nnp
  new_bundle
  cfg_args true
  for nnp in false true; do
    cfg_set ".process.noNewPrivileges = $nnp"
    cfg_seccomp "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"$CASE_DIR/nobody.sock\",
      \"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"
    id=$(new_id)
    assert_fails_with "$CASE_DIR/nobody.sock" husk_cmd run --bundle "$BUNDLE" "$id"
    assert_no_leftovers "$id"
    # create/start: the listener must be handed over while `create` still
    # runs (after it, nobody could take it), even with noNewPrivileges
    id=$(new_id)
    assert_fails_with "$CASE_DIR/nobody.sock" husk_cmd create --bundle "$BUNDLE" "$id"
    assert_no_leftovers "$id"
  done
}

# ---------------------------------------------------------------- bad input

case_bad_input() {
  local id profile expect
  new_bundle
  cfg_args true
  while IFS='|' read -r profile expect; do
    cfg_seccomp "$profile"
    id=$(new_id)
    assert_fails_with "$expect" husk_cmd run --bundle "$BUNDLE" "$id"
    assert_no_leftovers "$id"
  done <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_BOGUS"}]}|config.json: linux.seccomp.syscalls[0].action: unknown action `SCMP_ACT_BOGUS`
{"defaultAction":"SCMP_ACT_MAYBE"}|config.json: linux.seccomp.defaultAction: unknown action `SCMP_ACT_MAYBE`
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_KILL","errnoRet":1}]}|config.json: linux.seccomp.syscalls[0].errnoRet: not allowed with action SCMP_ACT_KILL
{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_PDP11"]}|config.json: linux.seccomp.architectures[0]: unknown architecture `SCMP_ARCH_PDP11`
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":1,"op":"SCMP_CMP_ROUGHLY"}]}]}|config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator `SCMP_CMP_ROUGHLY`
{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_BOGUS"]}|config.json: linux.seccomp.flags[0]: unknown flag `SECCOMP_FILTER_FLAG_BOGUS`
EOF
}

# ------------------------------------------------ the engines' default profile

case_engine_default_profile() {
  need_cmd python3
  [[ -r $ENGINE_PROFILE ]] || skip "needs $ENGINE_PROFILE (Debian: golang-github-containers-common)"
  new_bundle
  cfg_set '.root.readonly = false'
  # Converted for this container's own bounding capabilities, as Podman does.
  python3 "$TOOLS_SRC/seccomp_oci_profile.py" --profile "$ENGINE_PROFILE" --config "$CFG" --write ||
    fail "converting $ENGINE_PROFILE failed"
  [[ $(jq '.linux.seccomp.syscalls | map(.names | length) | add' "$CFG") -gt 300 ]] ||
    fail "converted profile looks too small"
  run_sh 'grep "^Seccomp" /proc/self/status; echo hello >/tmp/f && cat /tmp/f; ls /bin >/dev/null && echo listed; mkdir /tmp/d && echo made; id -u; ps >/dev/null && echo ps'
  assert_eq 0 "$RC" "busybox under the engines' profile"$'\n'"$(_show_output)"
  assert_eq 2 "$(seccomp_mode)" "Seccomp mode inside"
  assert_contains "$OUT" $'hello\nlisted\nmade\n0\nps'
  assert_no_leftovers "$LAST_ID"
}

# ------------------------------------------------------------------ caching

# dump_filter PID: the loaded program, one "code jt jf k" line per instruction.
dump_filter() {
  local rc=0 out
  out=$("$DUMP" "$1") || rc=$?
  [[ $rc == 77 ]] && skip "the kernel cannot dump seccomp filters (PTRACE_SECCOMP_GET_FILTER)"
  [[ $rc == 0 ]] || fail "seccomp_dump $1 failed"
  grep -c '^filter ' <<<"$out" | grep -qx 1 || fail "expected one filter on $1:"$'\n'"$out"
  sed 1d <<<"$out"
}

# start_and_dump: create and start a container running `sleep` and print the
# filter its process got (loaded at the latest just before execve).
start_and_dump() {
  local id pid
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$CASE_DIR/create.err" ||
    fail "create failed: $(cat "$CASE_DIR/create.err")"
  pid=$(state_field "$id" .pid) || fail "state $id failed"
  track_pid "$pid"
  husk_cmd start "$id" >/dev/null 2>"$CASE_DIR/start.err" ||
    fail "start failed: $(cat "$CASE_DIR/start.err")"
  wait_until 10 grep -q '^Seccomp:.*2' "/proc/$pid/status"
  dump_filter "$pid" || exit $?
  husk_cmd delete --force "$id" >/dev/null || fail "delete --force $id failed"
  assert_no_leftovers "$id"
}

# The program stored in a cache file: its last N instructions, decoded as
# seccomp_dump prints them.
cached_program() { # FILE COUNT
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
n = int(sys.argv[2])
for code, jt, jf, k in struct.iter_unpack("=HBBI", data[len(data) - 8 * n:]):
    print("%04x %02x %02x %08x" % (code, jt, jf, k))
PY
}

case_cache_same_filter() {
  local first second third files file ino
  need_cmd python3
  DUMP=$(tool seccomp_dump) || exit $?
  new_bundle
  allow_all_but '["mkdir","mkdirat","kill"]' SCMP_ACT_ERRNO '"errnoRet":13'
  cfg_args sleep 1000

  first=$(start_and_dump) || exit $? # compiled (cache miss)
  mapfile -t files < <(find "$HUSK_ROOT" -maxdepth 2 -path '*seccomp-cache/*.bpf')
  assert_eq 1 "${#files[@]}" "cache files under $HUSK_ROOT"
  file=${files[0]}
  assert_eq 700 "$(stat -c %a "$(dirname "$file")")" "cache directory mode"
  assert_eq 600 "$(stat -c %a "$file")" "cache file mode"
  assert_eq "$first" "$(cached_program "$file" "$(wc -l <<<"$first")")" "cached program vs loaded"
  ino=$(stat -c %i "$file")

  second=$(start_and_dump) || exit $? # from the cache
  assert_eq "$first" "$second" "filter loaded from the cache"
  assert_eq "$ino" "$(stat -c %i "$file")" "cache file rewritten on a hit"

  # A damaged cache file is not trusted: recompiled, same filter, file replaced.
  python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(-2, 2); b = f.read(1)
f.seek(-2, 2); f.write(bytes([b[0] ^ 0x10]))' "$file" || fail "cannot damage $file"
  third=$(start_and_dump) || exit $?
  assert_eq "$first" "$third" "filter after a damaged cache file"
  assert_ne "$ino" "$(stat -c %i "$file")" "damaged cache file replaced"
  assert_eq "$first" "$(cached_program "$file" "$(wc -l <<<"$first")")" "replacement content"
}

run_cases \
  case_blocked_syscall_eperm \
  case_blocked_syscall_custom_errno \
  case_args_eq \
  case_args_ge \
  case_args_masked_eq \
  case_kill_actions_sigsys \
  case_notify_agent \
  case_notify_agent_no_new_privs \
  case_notify_listener_unreachable \
  case_notify_without_listener \
  case_bad_input \
  case_engine_default_profile \
  case_cache_same_filter
