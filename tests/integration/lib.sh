# Shared helpers for tests/integration/test_*.sh.  Source it, define case_*
# functions, end with `run_cases case_a case_b ...`.
#
# Environment:
#   HUSK            the runtime under test (path or command name; runc works too)
#   HUSK_TEST_WORK  scratch directory (default /tmp/husk-itest)
#   HUSK_TEST_CASES only run cases whose name matches this regex
#   HUSK_TEST_KEEP  keep each case's directory after it ran
#   HUSK_CMD_TIMEOUT  seconds one runtime command may take (default 60)
#   HUSK_CGROUP_SANDBOX  1: run the runtime in a private mount namespace whose
#                   /sys/fs/cgroup is a cgroup2 directory of our own, so a
#                   runtime that would otherwise use the host's cgroup v1
#                   hierarchies (runc, crun) cannot touch them.  Default: 1
#                   for runc/crun, 0 otherwise.
#
# Every case runs in a subshell with `set -euo pipefail`; an assertion that
# fails ends the case, its EXIT trap force-deletes the containers it created,
# and the remaining cases still run.  Exit status: 0 all passed, 1 some case
# failed, 77 every case skipped.

set -euo pipefail
shopt -s inherit_errexit

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_NAME=$(basename "$0" .sh)

HUSK=${HUSK:-$LIB_DIR/../../build/husk}
if [[ $HUSK != */* ]]; then
  HUSK=$(command -v "$HUSK" || echo "$HUSK")
fi
HUSK_TEST_WORK=${HUSK_TEST_WORK:-/tmp/husk-itest}
HUSK_CMD_TIMEOUT=${HUSK_CMD_TIMEOUT:-60}
T_WORK=$HUSK_TEST_WORK/$TEST_NAME
PRISTINE_ROOTFS=$HUSK_TEST_WORK/rootfs.pristine

case "$(basename "$HUSK")" in
  runc | crun) HUSK_CGROUP_SANDBOX=${HUSK_CGROUP_SANDBOX:-1} ;;
  *) HUSK_CGROUP_SANDBOX=${HUSK_CGROUP_SANDBOX:-0} ;;
esac

# ---------------------------------------------------------------- reporting

# Print a loud SKIP line and end the case (or the whole test) with 77.
skip() {
  echo "SKIP: $TEST_NAME${CASE:+/$CASE}: $*" >&2
  exit 77
}

fail() {
  echo "FAIL: $TEST_NAME${CASE:+/$CASE}: $*" >&2
  exit 1
}

need_root() {
  [[ $EUID -eq 0 ]] || skip "needs root"
}

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || skip "needs command \`$c\`"
  done
}

# --------------------------------------------------------------- assertions

# capture CMD...: run it; sets OUT, ERR (trailing newlines stripped) and RC.
capture() {
  local o e
  o=$(mktemp "$T_WORK/out.XXXXXX")
  e=$(mktemp "$T_WORK/err.XXXXXX")
  RC=0
  "$@" >"$o" 2>"$e" || RC=$?
  OUT=$(cat "$o")
  ERR=$(cat "$e")
  rm -f "$o" "$e"
}

_show_output() {
  echo "  exit: $RC"
  echo "  stdout: ${OUT//$'\n'/$'\n'          }"
  echo "  stderr: ${ERR//$'\n'/$'\n'          }"
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
  [[ $1 == "$2" ]] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
  [[ $1 != "$2" ]] || fail "${3:-value}: expected anything but [$1]"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
  [[ $1 == *"$2"* ]] || fail "${3:-output}: [$2] not found in:"$'\n'"$1"
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
  [[ $1 != *"$2"* ]] || fail "${3:-output}: [$2] unexpectedly found in:"$'\n'"$1"
}

assert_match() { # HAYSTACK ERE [WHAT]
  [[ $1 =~ $2 ]] || fail "${3:-output}: no match for /$2/ in:"$'\n'"$1"
}

# assert_exit CODE CMD...: the command exits with CODE.  OUT/ERR/RC are left set.
assert_exit() {
  local want=$1
  shift
  capture "$@"
  [[ $RC == "$want" ]] || fail "\`$*\`: expected exit $want"$'\n'"$(_show_output)"
}

# assert_fails_with TEXT CMD...: the command fails and says TEXT on stderr.
assert_fails_with() {
  local text=$1
  shift
  capture "$@"
  [[ $RC != 0 ]] || fail "\`$*\`: expected failure with [$text], it succeeded"$'\n'"$(_show_output)"
  [[ $ERR == *"$text"* ]] || fail "\`$*\`: expected [$text] on stderr"$'\n'"$(_show_output)"
}

# wait_until SECONDS CMD...: poll until CMD succeeds; fails the case on timeout.
wait_until() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 20; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "timed out after ${limit}s waiting for \`$*\`"
}

# ------------------------------------------------------------------ rootfs

# make_rootfs DIR: a busybox-static rootfs in DIR (copied from a cached
# pristine tree built once per HUSK_TEST_WORK).
make_rootfs() {
  local dir=$1
  [[ -d $PRISTINE_ROOTFS ]] || _build_pristine_rootfs
  mkdir -p "$(dirname "$dir")"
  cp -a "$PRISTINE_ROOTFS" "$dir"
}

_build_pristine_rootfs() {
  local tmp lock
  mkdir -p "$HUSK_TEST_WORK"
  exec {lock}>"$HUSK_TEST_WORK/.rootfs.lock"
  flock "$lock"
  if [[ ! -d $PRISTINE_ROOTFS ]]; then
    tmp=$HUSK_TEST_WORK/rootfs.tmp.$$
    rm -rf "$tmp"
    "$LIB_DIR/../make-rootfs.sh" "$tmp" || skip "cannot build a busybox-static rootfs"
    mv "$tmp" "$PRISTINE_ROOTFS"
  fi
  exec {lock}>&-
}

# ------------------------------------------------------------ the runtime

# HUSK_ARGV: the command prefix that runs the runtime with this case's --root.
_set_husk_argv() {
  HUSK_ARGV=()
  if [[ $HUSK_CGROUP_SANDBOX == 1 ]]; then
    HUSK_ARGV=(unshare -m --propagation private -- sh -c
      'mount --bind "$0" /sys/fs/cgroup && exec "$@"' "$SANDBOX_CGROUP")
  fi
  HUSK_ARGV+=("$HUSK" --root "$HUSK_ROOT")
}

# husk_cmd ARGS...: the runtime with this case's --root (global flags may
# follow), bounded by HUSK_CMD_TIMEOUT seconds (exit 124 when it hangs).
husk_cmd() {
  timeout -k 5 "$HUSK_CMD_TIMEOUT" "${HUSK_ARGV[@]}" "$@"
}

# husk_bare ARGS...: the runtime with no --root (for --version, help, spec).
husk_bare() {
  timeout -k 5 "$HUSK_CMD_TIMEOUT" "${HUSK_ARGV[@]:0:${#HUSK_ARGV[@]}-2}" "$@"
}

# new_id [TAG]: a unique container id, registered for cleanup.
new_id() {
  local n id
  n=$(($(wc -l <"$CASE_DIR/ids") + 1))
  id="${TEST_NAME#test_}-$CASE_NO-${1:-c}$n-$$"
  echo "$id" >>"$CASE_DIR/ids"
  echo "$id"
}

# new_bundle: a fresh bundle from `husk spec` with a busybox rootfs and
# process.terminal off.  Sets BUNDLE, ROOTFS and CFG (its config.json).
new_bundle() {
  local n
  n=$(find "$CASE_DIR" -maxdepth 1 -name 'bundle*' | wc -l)
  BUNDLE=$CASE_DIR/bundle$n
  ROOTFS=$BUNDLE/rootfs
  CFG=$BUNDLE/config.json
  mkdir -p "$BUNDLE"
  make_rootfs "$ROOTFS"
  (cd "$BUNDLE" && husk_bare spec) || fail "\`spec\` failed in $BUNDLE"
  cfg_set '.process.terminal = false'
}

# cfg_set JQ_FILTER [JQ_ARGS...]: edit $CFG in place.
cfg_set() {
  local filter=$1
  shift
  jq "$@" "$filter" "$CFG" >"$CFG.new" || fail "jq filter failed: $filter"
  mv "$CFG.new" "$CFG"
}

# cfg_args ARG...: set process.args to exactly these strings.
cfg_args() {
  local jqargs=() list="" i
  for ((i = 1; i <= $#; i++)); do
    jqargs+=(--arg "a$i" "${!i}")
    list+="${list:+,}\$a$i"
  done
  cfg_set ".process.args = [$list]" "${jqargs[@]}"
}

# run_sh SCRIPT [RUN_FLAGS...]: `run` `sh -c SCRIPT` in $BUNDLE under a new id
# with stdin from /dev/null; sets OUT, ERR, RC and LAST_ID.
run_sh() {
  local script=$1
  shift
  cfg_args sh -c "$script"
  LAST_ID=$(new_id run)
  capture husk_cmd run "$@" --bundle "$BUNDLE" "$LAST_ID" </dev/null
}

# run_sh_ok SCRIPT: run_sh that must exit 0 and leave nothing behind.
run_sh_ok() {
  run_sh "$@"
  [[ $RC == 0 ]] || fail "run of [$1] failed"$'\n'"$(_show_output)"
  assert_no_leftovers "$LAST_ID"
}

# husk_bg ARGS...: start the runtime in the background; BG_PID is the
# runtime's own pid (signals sent to it reach it).  A wrapper shell waits for
# it and records its exit code, so the test's shell prints no job notices.
husk_bg() {
  local i
  BG_DIR=$(mktemp -d "$CASE_DIR/bg.XXXXXX")
  # shellcheck disable=SC2034 # BG_OUT/BG_ERR: for tests that read them while it runs
  BG_OUT=$BG_DIR/out BG_ERR=$BG_DIR/err
  (
    "${HUSK_ARGV[@]}" "$@" >"$BG_DIR/out" 2>"$BG_DIR/err" </dev/null &
    echo $! >"$BG_DIR/pid"
    rc=0
    wait $! || rc=$?
    echo "$rc" >"$BG_DIR/rc"
  ) 2>/dev/null &
  BG_WRAPPER=$!
  for ((i = 0; i < 200; i++)); do
    [[ -s $BG_DIR/pid ]] && break
    sleep 0.01
  done
  BG_PID=$(cat "$BG_DIR/pid")
  track_pid "$BG_PID" "${!#}"
}

# bg_wait [SECONDS]: wait for the husk_bg process; sets OUT, ERR and RC.
bg_wait() {
  local limit=${1:-20} i
  for ((i = 0; i < limit * 20; i++)); do
    [[ -s $BG_DIR/rc ]] && break
    sleep 0.05
  done
  [[ -s $BG_DIR/rc ]] || fail "background \`$HUSK\` (pid $BG_PID) still runs after ${limit}s"
  wait "$BG_WRAPPER" || true
  RC=$(cat "$BG_DIR/rc")
  OUT=$(cat "$BG_DIR/out")
  ERR=$(cat "$BG_DIR/err")
}

# state_json ID / state_field ID JQ_PATH
state_json() {
  husk_cmd state "$1"
}
state_field() {
  husk_cmd state "$1" | jq -r "$2"
}

status_is() { # ID STATUS: for wait_until
  [[ $(state_field "$1" .status) == "$2" ]]
}

# ------------------------------------------------------ processes and leftovers

proc_start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # fields after "(comm) ": state is 3rd overall, starttime 22nd
  set -- $stat
  echo "${20}"
}

# track_pid PID [ID]: remember a process the test caused (belonging to
# container ID, if given), to check in assert_no_leftovers and reap at the end.
track_pid() {
  local st
  st=$(proc_start_time "$1") || return 0
  echo "$1 $st ${2:-}" >>"$CASE_DIR/pids"
}

# track_container ID: track the container's init process, read from `state`.
track_container() {
  track_pid "$(state_field "$1" .pid)" "$1"
}

# pid_alive PID: alive and not reused since it was tracked (zombies count as gone).
pid_alive() {
  local pid=$1 want st state
  want=$(awk -v p="$pid" '$1 == p { print $2 }' "$CASE_DIR/pids" | tail -n1)
  st=$(proc_start_time "$pid") || return 1
  [[ -z $want || $st == "$want" ]] || return 1
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

cgroup2_mount() {
  awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' \
    /proc/self/mountinfo
}

# pids_mentioning ID: processes whose cgroup path or command line names ID
# (one grep over /proc each: this runs after every case, it must be cheap).
pids_mentioning() {
  local id=$1 f pid
  for f in $({
    grep -lsE -- "/$id(/|\$)" /proc/[0-9]*/cgroup
    grep -lsaw -- "$id" /proc/[0-9]*/cmdline
  } 2>/dev/null | sort -u || true); do
    pid=${f#/proc/}
    pid=${pid%%/*}
    # the greps themselves match their own command line, and are gone by now
    [[ -d /proc/$pid && $pid != "$$" && $pid != "$BASHPID" ]] && echo "$pid"
  done
  return 0
}

# assert_no_leftovers ID: no state dir, no mount under the bundle, no process
# and no cgroup named after ID remain.
assert_no_leftovers() {
  local id=$1 problems="" pid st owner cg mp
  [[ ! -e $HUSK_ROOT/$id ]] || problems+=$'\n'"  state dir $HUSK_ROOT/$id still exists"
  while read -r mp; do
    if [[ $mp == "$CASE_DIR"/bundle* ]]; then
      problems+=$'\n'"  mount left at $mp"
    fi
  done < <(awk '{ print $5 }' /proc/self/mountinfo)
  if [[ -s $CASE_DIR/pids ]]; then
    while read -r pid st owner; do
      [[ -z $owner || $owner == "$id" ]] || continue
      if pid_alive "$pid"; then
        problems+=$'\n'"  process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")) still runs"
      fi
    done <"$CASE_DIR/pids"
  fi
  for pid in $(pids_mentioning "$id"); do
    problems+=$'\n'"  process $pid mentions $id: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
  done
  cg=$(cgroup2_mount)
  if [[ -n $cg ]]; then
    while read -r mp; do
      problems+=$'\n'"  cgroup $mp still exists"
    done < <(find "$cg" -xdev -type d -name "*$id*" 2>/dev/null)
  fi
  [[ -z $problems ]] || fail "leftovers of $id:$problems"
}

# ------------------------------------------------------------------ cleanup

_cleanup_case() {
  trap - ERR
  set +e
  local id pid st mp
  if [[ -s $CASE_DIR/ids ]]; then
    while read -r id; do
      husk_cmd delete --force "$id" >/dev/null 2>&1 </dev/null
    done <"$CASE_DIR/ids"
  fi
  if [[ -s $CASE_DIR/pids ]]; then
    while read -r pid st _; do
      pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    done <"$CASE_DIR/pids"
  fi
  # processes the runtime left behind for our (unique) ids
  if [[ -s $CASE_DIR/ids ]]; then
    while read -r id; do
      for pid in $(pids_mentioning "$id"); do kill -KILL "$pid" 2>/dev/null; done
    done <"$CASE_DIR/ids"
  fi
  [[ -n ${HUSK_TEST_KEEP:-} ]] || _remove_case_dir
}

# Anything still mounted under the case directory is a leak of the runtime
# under test (or of an interrupted run): detach it so that removing the
# directory cannot reach through to what it covers.
_remove_case_dir() {
  local mp
  for mp in $(awk '{ print $5 }' /proc/self/mountinfo | { grep -F "$CASE_DIR/" || true; } | sort -r); do
    umount -l "$mp" || true
  done
  rm -rf --one-file-system "$CASE_DIR"
}

_sandbox_setup() {
  [[ $HUSK_CGROUP_SANDBOX == 1 ]] || return 0
  local cg
  cg=$(cgroup2_mount)
  [[ -n $cg ]] || skip "HUSK_CGROUP_SANDBOX needs a cgroup2 mount"
  SANDBOX_CGROUP=$cg/husk-itest-$$
  mkdir -p "$SANDBOX_CGROUP"
}

_sandbox_teardown() {
  [[ -n ${SANDBOX_CGROUP:-} && -d $SANDBOX_CGROUP ]] || return 0
  # children first; rmdir only succeeds on empty cgroups, which is what we
  # want; a process killed a moment ago may still be leaving: retry briefly
  local i
  for ((i = 0; i < 40; i++)); do
    find "$SANDBOX_CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ -d $SANDBOX_CGROUP ]] || return 0
    sleep 0.05
  done
  echo "WARNING: $SANDBOX_CGROUP could not be removed" >&2
}

# ------------------------------------------------------------------ runner

_on_err() {
  echo "FAIL: $TEST_NAME/${CASE:-}: line $1: \`$2\` exited $3" >&2
}

# run_cases FUNC...: run each case in its own subshell; summarize.
run_cases() {
  local fn rc passed=() failed=() skipped=() CASE_NO=0
  need_root
  mkdir -p "$T_WORK"
  _sandbox_setup
  trap _sandbox_teardown EXIT
  for fn in "$@"; do
    if [[ -n ${HUSK_TEST_CASES:-} && ! $fn =~ $HUSK_TEST_CASES ]]; then
      continue
    fi
    echo "--- $fn"
    CASE_NO=$((CASE_NO + 1))
    # Not `( ... ) || rc=$?`: errexit is ignored inside anything on the left
    # of ||, so the subshell would run on past failing commands.
    set +e
    (
      set -euo pipefail
      CASE=$fn
      CASE_DIR=$T_WORK/$fn
      HUSK_ROOT=$CASE_DIR/root
      _remove_case_dir
      mkdir -p "$CASE_DIR" "$HUSK_ROOT"
      : >"$CASE_DIR/ids"
      : >"$CASE_DIR/pids"
      _set_husk_argv
      trap _cleanup_case EXIT
      set -E
      trap '_on_err "$LINENO" "$BASH_COMMAND" "$?"' ERR
      "$fn"
    ) </dev/null
    rc=$?
    set -e
    case $rc in
      0) passed+=("$fn") && echo "ok   $fn" ;;
      77) skipped+=("$fn") && echo "SKIP $fn" ;;
      *) failed+=("$fn") && echo "FAIL $fn" ;;
    esac
  done
  echo "$TEST_NAME: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
  ((${#failed[@]} == 0)) || {
    echo "failed: ${failed[*]}"
    return 1
  }
  ((${#passed[@]} > 0 || ${#skipped[@]} == 0)) || return 77
  return 0
}
