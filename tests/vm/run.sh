#!/bin/bash
# The cgroup v2 test bed: boot Debian's cloud kernel under QEMU (software
# emulation, no KVM needed) with an initramfs holding busybox-static, the
# husk binary, jq and tests/vm/tests/*.sh; run those tests inside on a pure
# cgroup v2 hierarchy; exit with their verdict (0 passed, 1 failed, 77 all
# skipped or the VM cannot be had here).
#
# Environment:
#   HUSK            the husk binary to test (required; must be static)
#   HUSK_VM_CACHE   where the kernel package is kept (default /var/cache/husk-vm)
#   HUSK_VM_WORK    scratch directory (default $HUSK_TEST_WORK/vm or /tmp/husk-vm)
#   HUSK_VM_TIMEOUT seconds the whole VM may run (default 900)
#   HUSK_VM_TESTS   only run tests whose file name matches this shell pattern
#
# Output: the kernel console goes to $WORK/console.log, the tests' output (the
# VM's second serial port) to $WORK/results.log, which is also printed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUSK=${HUSK:?set HUSK to the husk binary}
CACHE=${HUSK_VM_CACHE:-/var/cache/husk-vm}
WORK=${HUSK_VM_WORK:-${HUSK_TEST_WORK:-/tmp/husk-vm}/vm}
VM_TIMEOUT=${HUSK_VM_TIMEOUT:-900}
KERNEL_META=linux-image-cloud-amd64
PACKAGES=(qemu-system-x86 cpio busybox-static jq)

skip() {
  echo "SKIP: vm/cgroup_v2: $*" >&2
  exit 77
}

fail() {
  echo "FAIL: vm/cgroup_v2: $*" >&2
  exit 1
}

log() {
  echo "vm: $*"
}

# ---------------------------------------------------------------- packages

ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $EUID -eq 0 ]] || skip "needs ${missing[*]} installed (or root to install them)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1; then
    apt-get update >>"$WORK/apt.log" 2>&1 || true
    apt-get install -y --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1 ||
      skip "cannot install ${missing[*]} (see $WORK/apt.log)"
  fi
}

# ------------------------------------------------------------------ kernel

# The versioned image package the meta package points to, e.g.
# linux-image-6.1.0-57-cloud-amd64.
kernel_package() {
  apt-cache depends "$KERNEL_META" 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# Sets KDIR to an unpacked kernel package in the cache (vmlinuz + modules).
fetch_kernel() {
  local pkg deb
  pkg=$(kernel_package)
  if [[ -z $pkg ]]; then
    apt-get update >>"$WORK/apt.log" 2>&1 || true
    pkg=$(kernel_package)
  fi
  [[ -n $pkg ]] || skip "apt knows no $KERNEL_META (no Debian repository reachable?)"
  mkdir -p "$CACHE"
  exec {lock}>"$CACHE/.lock"
  flock "$lock"
  KDIR=$CACHE/$pkg
  if [[ ! -e $KDIR/.unpacked ]]; then
    deb=$(ls "$CACHE/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
    if [[ -z $deb ]]; then
      log "downloading $pkg"
      (cd "$CACHE" && apt-get download "$pkg" >>"$WORK/apt.log" 2>&1) ||
        skip "apt-get download $pkg failed (see $WORK/apt.log)"
      deb=$(ls "$CACHE/${pkg}"_*.deb | head -n1)
    fi
    rm -rf "$KDIR"
    dpkg-deb -x "$deb" "$KDIR"
    touch "$KDIR/.unpacked"
  fi
  exec {lock}>&-
  VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -n1)
  KVER=${VMLINUZ##*/vmlinuz-}
  [[ -f $VMLINUZ ]] || fail "no vmlinuz in $KDIR"
}

# --------------------------------------------------------------- initramfs

# copy_with_libs BIN DEST_DIR: a dynamically linked program and the shared
# objects it loads, at their own paths under DEST_DIR.
copy_with_libs() {
  local bin=$1 root=$2 lib
  install -D -m 0755 "$bin" "$root$bin"
  for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

build_initramfs() {
  local st=$WORK/initramfs m
  rm -rf "$st"
  mkdir -p "$st"/{bin,dev,proc,sys,run,tmp,work,tests,etc}
  cp /bin/busybox "$st/bin/busybox"
  ln -s busybox "$st/bin/sh"
  cp "$HUSK" "$st/bin/husk"
  copy_with_libs "$(command -v jq)" "$st"
  install -m 0755 "$HERE/init" "$st/init"
  cp "$HERE"/tests/*.sh "$st/tests/"
  if [[ -n ${HUSK_VM_TESTS:-} ]]; then
    for m in "$st"/tests/t_*.sh; do
      # shellcheck disable=SC2053
      [[ $(basename "$m") == $HUSK_VM_TESTS ]] || rm -f "$m"
    done
  fi
  # Modules the tests need that the cloud kernel builds as modules.
  for m in kernel/drivers/block/loop.ko; do
    install -D -m 0644 "$KDIR/lib/modules/$KVER/$m" "$st/lib/modules/$KVER/$m"
  done
  mknod -m 0600 "$st/dev/console" c 5 1
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$st/etc/passwd"
  printf 'root:x:0:\n' >"$st/etc/group"
  # One newc archive (so the 4-byte alignment of an appended second archive
  # never comes up), owned by root whoever builds it.
  (cd "$st" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -1 >"$WORK/initramfs.img"
}

# ------------------------------------------------------------------ run

run_vm() {
  local append="console=ttyS0 quiet panic=-1"
  rm -f "$WORK/console.log" "$WORK/results.log"
  log "booting $KVER (TCG, timeout ${VM_TIMEOUT}s)"
  VM_RC=0
  timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
    -machine q35,accel=tcg -cpu max -m 1024 -smp 2 \
    -display none -vga none -nic none -monitor none -no-reboot \
    -kernel "$VMLINUZ" -initrd "$WORK/initramfs.img" -append "$append" \
    -serial "file:$WORK/console.log" -serial "file:$WORK/results.log" \
    </dev/null >"$WORK/qemu.log" 2>&1 || VM_RC=$?
}

report() {
  local results line passed failed skipped
  [[ -f $WORK/results.log ]] || : >"$WORK/results.log"
  results=$(tr -d '\r' <"$WORK/results.log")
  echo "----- VM test output ($WORK/results.log)"
  printf '%s\n' "$results"
  echo "-----"
  line=$(grep -E '^HUSK-VM-RESULT: ' <<<"$results" | tail -n1 || true)
  if [[ -z $line ]]; then
    echo "----- qemu (exit $VM_RC):"
    cat "$WORK/qemu.log"
    echo "----- kernel console, last lines ($WORK/console.log):"
    tr -d '\r' <"$WORK/console.log" | tail -n 40
    ((VM_RC == 124)) && fail "the VM did not finish within ${VM_TIMEOUT}s"
    fail "the VM ended without a result (qemu exit $VM_RC)"
  fi
  passed=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$line")
  failed=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")
  skipped=$(sed -E 's/.*skipped=([0-9]+).*/\1/' <<<"$line")
  echo "vm: $passed passed, $failed failed, $skipped skipped"
  ((failed == 0)) || exit 1
  ((passed > 0 || skipped == 0)) || exit 77
  exit 0
}

main() {
  [[ $(uname -m) == x86_64 ]] || skip "the test bed boots an amd64 kernel; this is $(uname -m)"
  [[ -x $HUSK ]] || fail "HUSK=$HUSK is not executable"
  file -L "$HUSK" | grep -q 'statically linked' || skip "$HUSK is not statically linked"
  mkdir -p "$WORK"
  ensure_packages
  [[ -x /bin/busybox ]] && file -L /bin/busybox | grep -q 'statically linked' ||
    skip "/bin/busybox is not busybox-static"
  fetch_kernel
  build_initramfs
  run_vm
  report
}

main "$@"
