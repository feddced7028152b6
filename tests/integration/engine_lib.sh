# shellcheck shell=bash
# Helpers for the engine tests (test_engine_*.sh), sourced after lib.sh:
# installing an engine, the cgroup sandbox the engines run in, an argv log
# of what they ask of husk, and leftover checks.
#
# The sandbox.  Engines decide between cgroup v1 and v2 by looking at
# /sys/fs/cgroup, which is a v1 tmpfs on hybrid hosts: left alone they would
# create cgroups in the host's v1 hierarchies.  So each engine test runs
# itself again inside a private mount namespace and a new cgroup namespace
# rooted at a cgroup2 directory of its own, with a cgroup2 mount of that
# namespace on /sys/fs/cgroup.  Engines, husk and containers then see a pure
# cgroup v2 host whose root is that directory; the host's mounts and its
# other cgroups are never touched, everything the test starts lives in that
# cgroup subtree (so nothing can outlive the test unseen: the outer half
# counts and kills stragglers, then removes the subtree), and every mount
# the engines make disappears with the namespace.

ENGINE_CG_TEST=/sys/fs/cgroup/test # the cgroup of the test's own processes, inside

# engine_install CMD...: make sure the engine commands exist, installing the
# `--engines` group of tests/install-deps.sh if one is missing.
engine_install() {
  local c missing=() log
  for c in "$@"; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  ((${#missing[@]} == 0)) && return 0
  log=$HUSK_TEST_WORK/$TEST_NAME.install.log
  mkdir -p "$HUSK_TEST_WORK"
  echo "engine: ${missing[*]} missing: bash tests/install-deps.sh --engines"
  if ! bash "$LIB_DIR/../install-deps.sh" --engines >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    skip "cannot install ${missing[*]}: \`tests/install-deps.sh --engines\` failed (see $log)"
  fi
  for c in "${missing[@]}"; do
    command -v "$c" >/dev/null || skip "\`$c\` still missing after tests/install-deps.sh --engines"
  done
}

# engine_sandbox "$@": outside, run this script again inside the sandbox and
# exit with its status (after calling engine_outer_cleanup, if the test
# defines it, for what lives outside the sandbox); inside
# (HUSK_ENGINE_SANDBOX set), finish the mounts and return.
engine_sandbox() {
  if [[ -n ${HUSK_ENGINE_SANDBOX:-} ]]; then
    _engine_sandbox_inside
    return 0
  fi
  need_root
  need_cmd unshare
  local cg rc=0
  cg=$(cgroup2_mount)
  [[ -n $cg ]] || skip "the engine sandbox needs a cgroup2 mount (none in /proc/self/mountinfo)"
  _engine_sandbox_reap_stale "$cg"
  ENGINE_SANDBOX=$cg/husk-$TEST_NAME-$$
  mkdir "$ENGINE_SANDBOX" || skip "cannot create the sandbox cgroup $ENGINE_SANDBOX"
  [[ -e $ENGINE_SANDBOX/cgroup.kill ]] || {
    rmdir "$ENGINE_SANDBOX"
    skip "the kernel has no cgroup.kill (< 5.14): the engine sandbox cannot be emptied safely"
  }
  # in the background, so that a signal to us is handled at once
  trap '_engine_sandbox_teardown; declare -F engine_outer_cleanup >/dev/null && engine_outer_cleanup; exit 1' INT TERM
  (
    echo "$BASHPID" >"$ENGINE_SANDBOX/cgroup.procs"
    exec env HUSK_ENGINE_SANDBOX="$ENGINE_SANDBOX" \
      unshare --mount --cgroup --propagation private -- bash "$0" "$@"
  ) </dev/null &
  wait $! || rc=$?
  if ! _engine_sandbox_teardown && [[ $rc == 0 || $rc == 77 ]]; then
    rc=1
  fi
  if declare -F engine_outer_cleanup >/dev/null; then
    engine_outer_cleanup
  fi
  if [[ -z ${HUSK_TEST_KEEP:-} ]]; then
    rm -rf --one-file-system "$T_WORK"
  fi
  exit "$rc"
}

# A sandbox of this test whose owner died (killed before its teardown):
# kill what it still holds, say so, and remove it.
_engine_sandbox_reap_stale() {
  local d owner
  for d in "$1/husk-$TEST_NAME-"*; do
    [[ -d $d ]] || continue
    owner=${d##*-}
    [[ -d /proc/$owner ]] && continue
    echo "WARNING: removing the stale sandbox $d of a killed run" >&2
    echo 1 >"$d/cgroup.kill" 2>/dev/null
    sleep 0.2
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

# Inside: the host's cgroup2 mounts go (from this namespace only) and a
# cgroup2 mount of our cgroup namespace takes /sys/fs/cgroup; the test moves
# into a leaf so that the root can delegate controllers.
_engine_sandbox_inside() {
  local mp
  for mp in $(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") print $5 }' \
    /proc/self/mountinfo | sort -r); do
    umount -l "$mp" || fail "sandbox: umount $mp (private mount namespace) failed"
  done
  mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "sandbox: cannot mount cgroup2 on /sys/fs/cgroup"
  mkdir -p "$ENGINE_CG_TEST"
  echo $$ >"$ENGINE_CG_TEST/cgroup.procs"
}

# Outside, after the inner test: whatever still runs in the sandbox is a
# leftover; kill it, wait, and remove the cgroups.  Fails if there was any.
_engine_sandbox_teardown() {
  local d procs i ok=0
  [[ -n ${ENGINE_SANDBOX:-} && -d $ENGINE_SANDBOX ]] || return 0
  procs=$(find "$ENGINE_SANDBOX" -name cgroup.procs -exec awk '{ print FILENAME ": " $0 }' {} +)
  if [[ -n $procs ]]; then
    echo "FAIL: $TEST_NAME: processes left in the sandbox cgroup after the test:" >&2
    while read -r d; do
      echo "  $d $(tr '\0' ' ' 2>/dev/null <"/proc/${d##*: }/cmdline")" >&2
    done <<<"$procs"
    ok=1
    echo 1 >"$ENGINE_SANDBOX/cgroup.kill"
  fi
  for ((i = 0; i < 100; i++)); do
    grep -q '^populated 0' "$ENGINE_SANDBOX/cgroup.events" && break
    sleep 0.05
  done
  find "$ENGINE_SANDBOX" -depth -type d -exec rmdir {} \; 2>/dev/null
  [[ ! -d $ENGINE_SANDBOX ]] || echo "WARNING: $ENGINE_SANDBOX could not be removed" >&2
  return "$ok"
}

# engine_wrapper DIR: a `husk` in DIR that appends its argv to DIR/argv.log
# and execs $HUSK, so a test can tell what the engine asked.  Sets
# ENGINE_HUSK and ENGINE_ARGV_LOG.
engine_wrapper() {
  local dir=$1
  mkdir -p "$dir"
  ENGINE_HUSK=$dir/husk
  ENGINE_ARGV_LOG=$dir/argv.log
  : >"$ENGINE_ARGV_LOG"
  cat >"$ENGINE_HUSK" <<EOF
#!/bin/sh
echo "\$*" >>'$ENGINE_ARGV_LOG'
exec '$HUSK' "\$@"
EOF
  chmod 755 "$ENGINE_HUSK"
}

# argv_seen ERE: some husk call so far matched ERE (grep -E on argv.log).
argv_seen() {
  grep -qE -- "$1" "$ENGINE_ARGV_LOG" ||
    fail "no husk call matching /$1/ in $ENGINE_ARGV_LOG:"$'\n'"$(tail -n 20 "$ENGINE_ARGV_LOG")"
}

# husk_has COMMAND: this husk build has the command.
husk_has() {
  "$HUSK" help "$1" >/dev/null 2>&1
}

# need_husk COMMAND... WHY: skip the case loudly when husk lacks a command.
need_husk() {
  local why=${!#} c
  for c in "${@:1:$#-1}"; do
    husk_has "$c" || skip "husk has no \`$c\` command yet: $why"
  done
}

# in_pty CMD...: run CMD with a pseudo-terminal as its stdin/stdout/stderr
# (util-linux `script`); sets OUT (carriage returns dropped), RC.
in_pty() {
  local cmd
  cmd=$(printf '%q ' "$@")
  capture script -qefc "$cmd" /dev/null
  OUT=${OUT//$'\r'/}
}

# engine_mounts DIR: the mount points under DIR, sorted.
engine_mounts() {
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort
}

# engine_cgroup ID: the container's cgroup directory (one whose name
# contains ID), empty if none.
engine_cgroup() {
  find /sys/fs/cgroup -mindepth 1 -type d -name "*$1*" 2>/dev/null | head -n1
}

# assert_engine_clean ID HUSK_ROOT: nothing of the container remains: no
# husk state, no mount, no cgroup and no process mentioning ID, and no
# process in any cgroup of the sandbox but the test's own.
assert_engine_clean() {
  local id=$1 root=$2 problems="" p cgf mp
  [[ ! -e $root/$id ]] || problems+=$'\n'"  husk state $root/$id still exists"
  while read -r mp; do
    [[ -z $mp ]] || problems+=$'\n'"  mount left at $mp"
  done < <(awk -v id="$id" 'index($4 " " $5, id) { print $5 }' /proc/self/mountinfo)
  while read -r p; do
    [[ -z $p ]] || problems+=$'\n'"  cgroup $p still exists"
  done < <(engine_cgroup "$id")
  while read -r cgf; do
    [[ $cgf == "$ENGINE_CG_TEST/cgroup.procs" ]] && continue
    while read -r p; do
      [[ -z $p ]] || problems+=$'\n'"  process $p in ${cgf%/cgroup.procs}: $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")"
    done <"$cgf"
  done < <(find /sys/fs/cgroup -name cgroup.procs)
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$$" || $p == "$BASHPID" ]] && continue
    if tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -F -- "$id" >/dev/null; then
      [[ $(awk '/^PPid/ { print $2 }' "/proc/$p/status" 2>/dev/null) == "$BASHPID" ]] && continue
      problems+=$'\n'"  process $p mentions $id: $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")"
    fi
  done
  [[ -z $problems ]] || fail "leftovers of $id:$problems"
}

# wait_engine_clean ID HUSK_ROOT: the engine may finish its cleanup just after
# the command returned (conmon's exit command, the shim's exit): poll, then assert.
wait_engine_clean() {
  local i
  for ((i = 0; i < 100; i++)); do
    (assert_engine_clean "$@") >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  assert_engine_clean "$@"
}

# make_oci_archive ROOTFS OUT NAME: an OCI image layout tarball (one gzip
# layer of ROOTFS, its config and manifest, index.json naming it NAME).
make_oci_archive() {
  local rootfs=$1 out=$2 name=$3 w diff_id layer config manifest
  w=$(mktemp -d "$T_WORK/oci.XXXXXX")
  mkdir -p "$w/blobs/sha256"
  tar --sort=name --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$w/layer.tar" .
  diff_id=$(sha256sum <"$w/layer.tar" | cut -d' ' -f1)
  gzip -n "$w/layer.tar"
  layer=$(_oci_blob "$w" "$w/layer.tar.gz")
  jq -cn --arg d "sha256:$diff_id" --arg a "$(oci_arch)" '{architecture: $a, os: "linux",
      config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               Cmd: ["sh"], WorkingDir: "/"},
      rootfs: {type: "layers", diff_ids: [$d]}}' >"$w/config"
  config=$(_oci_blob "$w" "$w/config")
  jq -cn --argjson c "$config" --argjson l "$layer" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: ($c + {mediaType: "application/vnd.oci.image.config.v1+json"}),
      layers: [$l + {mediaType: "application/vnd.oci.image.layer.v1.tar+gzip"}]}' >"$w/manifest"
  manifest=$(_oci_blob "$w" "$w/manifest")
  jq -cn --argjson m "$manifest" --arg n "$name" --arg a "$(oci_arch)" '{schemaVersion: 2, manifests: [$m + {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: {architecture: $a, os: "linux"},
      annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $n}}]}' \
    >"$w/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$w/oci-layout"
  tar -C "$w" -cf "$out" oci-layout index.json blobs
  rm -rf "$w"
}

# oci_arch: this machine's architecture in OCI's (Go's) words.
oci_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    i?86) echo 386 ;;
    ppc64le) echo ppc64le ;;
    s390x) echo s390x ;;
    riscv64) echo riscv64 ;;
    *) dpkg --print-architecture ;;
  esac
}

# _oci_blob DIR FILE: move FILE into DIR/blobs/sha256 under its digest; print
# its descriptor {digest, size}.
_oci_blob() {
  local digest size
  digest=$(sha256sum <"$2" | cut -d' ' -f1)
  size=$(stat -c %s "$2")
  mv "$2" "$1/blobs/sha256/$digest"
  jq -cn --arg d "sha256:$digest" --argjson s "$size" '{digest: $d, size: $s}'
}
