# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with run.sh and profile.sh
# Shared by tests/bench/run.sh and profile.sh: build, the bundle, and the
# sandbox every measured command runs in.  Source it with $src (repository),
# $bench_dir and $install (1: call install-deps) set; then:
#
#   bench_stage1 ARGS...  install, build, re-exec the calling script under the
#                         reaper (returns only inside the re-exec'd script)
#   bench_setup           the bundles, the sandbox, and RT (variant -> command)
#   inns CMD...           run CMD in the sandbox, untimed (stdout kept)
#
# The sandbox: crun 1.8 refuses hybrid cgroup machines, and runc on one would
# create cgroups in the v1 hierarchies.  So one long-lived holder process
# keeps a private mount namespace in which /sys/fs/cgroup is a cgroup2
# directory we created (husk-bench-PID under the host's cgroup2 mount); the
# host's own cgroup2 mount is unmounted there, so that directory is the only
# cgroup2 mount each runtime sees.  The v1 hierarchies are not touched, the
# host mount table is not changed, and every variant (the floor and `true`
# included) enters the namespace the same way, in measure, before timing.

die() {
  echo "bench: $*" >&2
  exit 1
}
[[ $EUID -eq 0 ]] || die "must run as root"

build=${HUSK_BENCH_BUILD:-$src/build-bench}

# Install, build, then re-run the calling script under the reaper (a child
# subreaper), so the container processes that outlive their runtime come back
# to us instead of the machine's pid 1.
bench_stage1() {
  [[ -z ${HUSK_BENCH_INNER:-} ]] || return 0
  if ((install)); then bash "$src/tests/install-deps.sh" --bench; fi
  local log targets=(bench_measure bench_floor bench_reaper bench_true)
  log=$(mktemp /tmp/husk-bench-build.XXXXXX)
  [[ -n ${HUSK:-} ]] || targets+=(husk)
  echo "bench: building ${targets[*]} in $build"
  if ! { cmake -S "$src" -B "$build" && make -C "$build" -j2 "${targets[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    die "build failed"
  fi
  rm -f "$log"
  export HUSK_BENCH_INNER=1 HUSK_BENCH_BUILD=$build
  exec "$build/tests/bench/bench_reaper" bash "$0" "$@"
}

tools=$build/tests/bench
measure=$tools/bench_measure
floor=$tools/bench_floor
static_true=$tools/bench_true
reaper_pid=$PPID
holder="" sandbox="" work=""
declare -A RT=()

# inns CMD...: run CMD in the bench's cgroup and namespace, untimed.
inns() {
  "$measure" --cgroup "$sandbox/bench" --mntns "/proc/$holder/ns/mnt" -q -o -- "$@"
}

bench_cleanup() {
  local rt id dir i
  local -a runtimes=()
  set +e
  if [[ -n $holder ]]; then
    for rt in "${!RT[@]}"; do
      [[ $rt == husk-ro ]] || runtimes+=("${RT[$rt]}")
    done
    runtimes+=("$husk --root $work/state/leak")
    for rt in "${runtimes[@]}"; do
      for id in $(inns $rt list -q 2>/dev/null); do
        inns $rt delete --force "$id" >/dev/null 2>&1
      done
    done
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
  fi
  if [[ -n $sandbox && -d $sandbox ]]; then
    # whatever a failed run left in our cgroups (all ours) is killed
    for dir in $(find "$sandbox" -mindepth 1 -type d); do
      if [[ -s $dir/cgroup.procs ]]; then
        echo 1 >"$dir/cgroup.kill" 2>/dev/null || xargs -r kill -9 <"$dir/cgroup.procs"
      fi
    done
    for ((i = 0; i < 20; i++)); do
      # children first; rmdir only removes empty cgroups
      find "$sandbox" -depth -type d -exec rmdir {} \; 2>/dev/null
      [[ -d $sandbox ]] || break
      sleep 0.1
    done
    [[ ! -d $sandbox ]] || echo "bench: WARNING: $sandbox could not be removed" >&2
  fi
  [[ -z $work ]] || rm -rf --one-file-system "$work"
}

# The bundles: $bundle (/bin/true), $work/bundle-sleep, $work/bundle-seccomp.
make_bundles() {
  echo "bench: building a busybox-static bundle in $work"
  bash "$src/tests/make-rootfs.sh" "$work/rootfs"
  # /bin/true: a minimal static program instead of the busybox applet, so the
  # container's program adds next to nothing to any sample (see true.c)
  rm "$work/rootfs/bin/true"
  cp "$static_true" "$work/rootfs/bin/true"
  bundle=$work/bundle
  mkdir -p "$bundle"
  (cd "$bundle" && "$husk" spec)
  # ociVersion: crun 1.8 and runc 1.1 reject husk's 1.3.0 ("unknown version").
  local filter='.ociVersion = "1.0.2" | .process.terminal = false
                | .process.args = ["/bin/true"] | .root.path = $rootfs' capeff
  # crun loads its eBPF device filter only after raising RLIMIT_MEMLOCK to
  # infinity, which needs CAP_SYS_RESOURCE; without it crun cannot run this
  # config at all, so every runtime gets the config without the device list.
  capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  if (((0x$capeff >> 24 & 1) == 0)); then
    echo "bench: no CAP_SYS_RESOURCE here: linux.resources.devices removed from the bundle"
    filter+=' | del(.linux.resources.devices)'
  fi
  jq --arg rootfs "$work/rootfs" "$filter" "$bundle/config.json" >"$bundle/config.json.new"
  mv "$bundle/config.json.new" "$bundle/config.json"

  mkdir -p "$work/bundle-sleep" "$work/bundle-seccomp"
  jq '.process.args = ["/bin/sleep", "1000000"]' "$bundle/config.json" \
    >"$work/bundle-sleep/config.json"
  cp "$bundle/config.json" "$work/bundle-seccomp/config.json"
  python3 "$src/tests/tools/seccomp_oci_profile.py" --config "$work/bundle-seccomp/config.json" \
    --write
  seccomp_rules=$(jq '[.linux.seccomp.syscalls[].names | length] | add' \
    "$work/bundle-seccomp/config.json")
}

# The holder: a private mount namespace with our cgroup2 directory as the
# only cgroup2 mount, at /sys/fs/cgroup; a tmpfs at $work/state for the
# runtimes' --root directories (where /run usually is: state writes cost what
# they cost there, not what a disk journal adds); and a read-only bind of the
# husk binary (the husk-ro variant: on a read-only mount husk needs no
# protection of its binary, so its last exec skips the husk-dmz trampoline).
make_sandbox() {
  local cg2
  # the cgroup2 mount point: 5th field of its mountinfo line
  cg2=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
  [[ -n $cg2 ]] || die "no cgroup2 filesystem is mounted"
  sandbox=$cg2/husk-bench-$$
  mkdir "$sandbox" "$sandbox/bench"
  mkdir -p "$work/cg" "$work/ro" "$work/state"
  touch "$work/ro/husk"
  unshare -m --propagation private -- sh -c '
    set -e
    mount --bind "$2" "$1/cg"
    umount "$3"
    mount --move "$1/cg" /sys/fs/cgroup
    mount --bind "$4" "$1/ro/husk"
    mount -o remount,bind,ro "$1/ro/husk"
    mount -t tmpfs -o mode=0700 husk-bench-state "$1/state"
    echo ready
    exec sleep 1000000' sh "$work" "$sandbox" "$cg2" "$husk" >"$work/holder.out" 2>&1 &
  holder=$!
  for _ in $(seq 100); do
    grep -q ready "$work/holder.out" 2>/dev/null && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.05
  done
  grep -q ready "$work/holder.out" || die "sandbox setup failed: $(cat "$work/holder.out")"
  [[ $(inns stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] \
    || die "sandbox: /sys/fs/cgroup is not cgroup2"
}

bench_setup() {
  local cmd
  husk=$(realpath "${HUSK:-$build/husk}")
  [[ -x $husk ]] || die "no husk binary at $husk"
  for cmd in crun runc jq python3 unshare; do
    command -v "$cmd" >/dev/null || die "needs \`$cmd\` (bash tests/install-deps.sh --bench)"
  done
  work=$(mktemp -d /tmp/husk-bench.XXXXXX)
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  make_bundles
  make_sandbox
  RT=(
    [husk]="$husk --root $work/state/husk"
    [husk-ro]="$work/ro/husk --root $work/state/husk"
    [crun]="crun --root $work/state/crun"
    [runc]="runc --root $work/state/runc"
  )
}
