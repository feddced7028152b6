#!/bin/bash
# make-rootfs.sh DIR: a minimal busybox-static root filesystem in DIR (created,
# must not exist yet): /bin with busybox and a symlink per applet, /etc/passwd
# and /etc/group, and the empty mount points a container needs.
set -euo pipefail

dir=${1:?usage: make-rootfs.sh DIR}
bb=${BUSYBOX:-/bin/busybox}

[[ -x $bb ]] || { echo "make-rootfs: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
if ! file -L "$bb" | grep -q 'statically linked'; then
  echo "make-rootfs: $bb is not statically linked (install busybox-static)" >&2
  exit 1
fi
[[ ! -e $dir ]] || { echo "make-rootfs: $dir already exists" >&2; exit 1; }

mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root,mnt}
chmod 755 "$dir"
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$dir/bin/$applet"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' \
  >"$dir/etc/passwd"
printf '%s\n' 'root:x:0:' 'tty:x:5:' 'nogroup:x:65534:' >"$dir/etc/group"
