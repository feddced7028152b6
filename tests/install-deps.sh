#!/bin/bash
# Install what building and testing husk needs on Debian 12, as root.
# Idempotent: asks apt only when a package is missing.
#
#   bash tests/install-deps.sh            build + unit/integration/fuzz deps
#   bash tests/install-deps.sh --vm ...   plus the named optional groups
#
# Adding a group is one line in PKG_GROUPS below (and it becomes --<name>).
set -euo pipefail

declare -A PKG_GROUPS=(
  [base]="cmake make gcc libc6-dev pkg-config git libyajl-dev libseccomp-dev libcap-dev check
          busybox-static clang libclang-rt-dev file jq util-linux procps iproute2 kmod coreutils
          uidmap clang-format python3 golang-github-containers-common"
  [vm]=""
  [engines]="podman conmon containerd bsdutils"
  [bench]="crun runc python3 golang-github-containers-common valgrind linux-perf binutils"
)

usage() {
  echo "usage: $0 [$(printf -- '--%s ' "${!PKG_GROUPS[@]}" | sed 's/--base //')]" >&2
  exit 2
}

wanted=(base)
for arg in "$@"; do
  case "$arg" in
    --all) wanted=("${!PKG_GROUPS[@]}") ;;
    --base) ;;
    --*) [[ -v PKG_GROUPS[${arg#--}] ]] || usage; wanted+=("${arg#--}") ;;
    *) usage ;;
  esac
done

if [[ $EUID -ne 0 ]]; then
  echo "install-deps: must run as root" >&2
  exit 1
fi

missing=()
for group in "${wanted[@]}"; do
  for pkg in ${PKG_GROUPS[$group]}; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$pkg")
  done
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present (${wanted[*]})"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
log=$(mktemp /tmp/husk-install-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
  </dev/null >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get failed" >&2
  exit 1
fi
echo "install-deps: done"
