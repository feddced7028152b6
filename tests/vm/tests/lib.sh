# Helpers for the tests that run inside the VM (busybox sh, pure cgroup v2
# at /sys/fs/cgroup).  A test sources this, runs its checks and exits 0
# (pass), 1 (fail) or 77 (skip, with a loud reason).  Every container it
# creates through new_id is force-deleted on exit.
set -eu

NAME=$(basename "$0" .sh)
HUSK=${HUSK:-/bin/husk}
ROOT=/run/husk-vm
CG=/sys/fs/cgroup
W=/work/$NAME
PRISTINE=/work/rootfs.pristine
mkdir -p "$W" "$ROOT"
: >"$W/ids"

fail() {
  echo "FAIL: $NAME: $*"
  exit 1
}

skip() {
  echo "SKIP: $NAME: $*"
  exit 77
}

note() {
  echo "  $NAME: $*"
}

AT_EXIT=
# at_exit CMD: run CMD (a string) when the test ends, after the containers go.
at_exit() {
  AT_EXIT="$AT_EXIT
$1"
}

_cleanup() {
  rc=$?
  set +e
  while read -r id; do
    "$HUSK" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done <"$W/ids"
  eval "$AT_EXIT"
  exit $rc
}
trap _cleanup EXIT

# h ARGS...: husk with this test bed's --root.
h() {
  "$HUSK" --root "$ROOT" "$@"
}

# need_command CMD: skip when husk does not have CMD yet.
need_command() {
  h help "$1" >/dev/null 2>&1 || skip "husk has no \`$1\` command yet"
}

assert_eq() { # WANT GOT WHAT
  [ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"
}

assert_contains() { # HAYSTACK NEEDLE WHAT
  case $1 in
    *"$2"*) ;;
    *) fail "$3: [$2] not in [$1]" ;;
  esac
}

assert_le() { # A B WHAT: A <= B (integers)
  [ "$1" -le "$2" ] || fail "$3: $1 > $2"
}

assert_ge() { # A B WHAT
  [ "$1" -ge "$2" ] || fail "$3: $1 < $2"
}

# wait_for SECONDS CONDITION...: poll until the shell command CONDITION
# (evaluated afresh each time: quote $(...) in single quotes) succeeds;
# fail on timeout.
wait_for() {
  local tenths=$(($1 * 10)) i=0
  shift
  while [ $i -lt $tenths ]; do
    eval "$*" >/dev/null 2>&1 && return 0
    sleep 0.1
    i=$((i + 1))
  done
  fail "timed out waiting for: $*"
}

# new_id: a fresh container id, deleted when the test ends.
new_id() {
  local n=$(($(wc -l <"$W/ids") + 1))
  echo "$NAME-$n" | tr _ - >>"$W/ids"
  tail -n1 "$W/ids"
}

_pristine_rootfs() {
  [ -d "$PRISTINE" ] && return 0
  local tmp=$PRISTINE.tmp a
  rm -rf "$tmp"
  mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/root"
  chmod 1777 "$tmp/tmp"
  cp /bin/busybox "$tmp/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$tmp/bin/$a"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
  echo 'root:x:0:' >"$tmp/etc/group"
  mv "$tmp" "$PRISTINE"
}

# new_bundle: $B, a bundle from `husk spec` with a writable busybox rootfs,
# no terminal, and $CFG its config.json.
new_bundle() {
  _pristine_rootfs
  B=$(mktemp -d "$W/bundle.XXXXXX")
  CFG=$B/config.json
  cp -a "$PRISTINE" "$B/rootfs"
  (cd "$B" && h spec) || fail "husk spec failed"
  cfg '.process.terminal = false | .root.readonly = false'
}

# cfg JQ_FILTER [JQ_ARGS...]: edit $CFG.
cfg() {
  local f=$1
  shift
  jq "$@" "$f" "$CFG" >"$CFG.new" || fail "jq: $f"
  mv "$CFG.new" "$CFG"
}

# cfg_args ARG...: process.args = ARG... (each passed with --arg: jq would
# take a "-c" among --args for its own option)
cfg_args() {
  local list= n=0 a
  for a in "$@"; do
    n=$((n + 1))
    list="$list${list:+,}\$a$n"
  done
  n=0
  for a in "$@"; do
    n=$((n + 1))
    set -- "$@" --arg "a$n" "$a"
  done
  shift $n
  cfg ".process.args = [$list]" "$@"
}

# status ID: the container's status ("" when it does not exist).
status() {
  h state "$1" 2>/dev/null | jq -r .status || true
}

is_status() { # ID STATUS
  [ "$(status "$1")" = "$2" ]
}

# init_pid ID
init_pid() {
  h state "$1" | jq -r .pid
}

# cgroup_dir ID: the container's cgroup directory, from its init's /proc/PID/cgroup.
cgroup_dir() {
  local p rel
  p=$(init_pid "$1")
  rel=$(sed -n 's/^0:://p' "/proc/$p/cgroup")
  [ -n "$rel" ] && [ "$rel" != / ] || fail "container $1 (pid $p) is in cgroup [$rel]"
  echo "$CG$rel"
}

# start_detached ID [OUTFILE]: create + start in $B; the container's stdout
# and stderr go to OUTFILE (default $W/ID.out).
start_detached() {
  local out=${2:-$W/$1.out}
  h create --bundle "$B" "$1" >"$out" 2>&1 </dev/null || fail "create $1: $(cat "$out")"
  h start "$1" || fail "start $1; its output: $(cat "$out")"
}

# read_key FILE KEY: the number after KEY in a "key value" file.
read_key() {
  awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# uptime_cs: time since boot in centiseconds.
uptime_cs() {
  awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime
}
