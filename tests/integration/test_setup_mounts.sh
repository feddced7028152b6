#!/bin/bash
# mounts: every OCI mount option as /proc/self/mountinfo shows it inside,
# tmpcopyup, idmapped mounts, file binds, created destinations.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/setup_lib.sh"

# MOUNT_OPTS: print "<per-mount options> <super options>" of each mount
# point given as an argument, one line each (the last mount at that point).
MOUNT_OPTS='mopts() { for d in "$@"; do
  awk -v d="$d" "\$5 == d { for (i = 7; \$i != \"-\"; i++); l = \$6 \" \" \$(i + 3) } END { print l }" /proc/self/mountinfo
  done; }'
# MOUNT_PROP: the optional fields (shared:N, master:N, unbindable) of a mount point.
MOUNT_PROP='mprop() { awk -v d="$1" "\$5 == d { o = \"\"; for (i = 7; \$i != \"-\"; i++) o = o \" \" \$i; l = o } END { print l }" /proc/self/mountinfo; }'


# has_opt LINE OPT...: each OPT is one of the comma-separated words of LINE.
has_opts() {
  local line=$1 o
  shift
  for o in "$@"; do
    [[ ,${line// /,}, == *",$o,"* ]] || fail "option $o missing in [$line]"
  done
}
lacks_opts() {
  local line=$1 o
  shift
  for o in "$@"; do
    [[ ,${line// /,}, != *",$o,"* ]] || fail "option $o unexpected in [$line]"
  done
}

json_list() { # STRING...: a JSON array of the strings
  jq -cn '$ARGS.positional' --args "$@"
}

add_tmpfs() { # DEST OPTION...
  local dest=$1
  shift
  cfg_set '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs", "options": $o}]' \
    --arg d "$dest" --argjson o "$(json_list "$@")"
}

add_bind() { # SOURCE DEST OPTION...
  local src=$1 dest=$2
  shift 2
  cfg_set '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o}]' \
    --arg s "$src" --arg d "$dest" --argjson o "$(json_list "$@")"
}

case_flag_options() {
  new_bundle
  add_tmpfs /m/a nosuid nodev noexec noatime nodiratime nosymfollow ro
  add_tmpfs /m/b suid dev exec relatime rw sync dirsync lazytime
  add_tmpfs /m/c strictatime nodiratime diratime
  add_tmpfs /m/d noatime atime
  run_sh_ok "$MOUNT_OPTS; mopts /m/a /m/b /m/c /m/d"
  local a b c d
  a=$(sed -n 1p <<<"$OUT") b=$(sed -n 2p <<<"$OUT") c=$(sed -n 3p <<<"$OUT") d=$(sed -n 4p <<<"$OUT")
  has_opts "${a% *}" ro nosuid nodev noexec noatime nodiratime nosymfollow
  has_opts "${b% *}" rw relatime
  lacks_opts "${b% *}" nosuid nodev noexec
  has_opts "${b#* }" sync dirsync lazytime
  lacks_opts "${c% *}" relatime noatime nodiratime
  has_opts "${d% *}" relatime
  lacks_opts "${d% *}" noatime
}

case_bind_flags() {
  local host=$CASE_DIR/src
  mkdir -p "$host"
  new_bundle
  add_bind "$host" /m/ro ro nosuid nodev noexec noatime
  add_bind "$host" /m/rw rbind rw
  run_sh_ok "$MOUNT_OPTS; mopts /m/ro /m/rw"
  has_opts "$(sed -n 1p <<<"$OUT" | cut -d" " -f1)" ro nosuid nodev noexec noatime
  has_opts "$(sed -n 2p <<<"$OUT" | cut -d" " -f1)" rw
  lacks_opts "$(sed -n 2p <<<"$OUT" | cut -d" " -f1)" nosuid nodev noexec
}

# ro applies to the mount itself, rro (mount_setattr) to its submounts too.
case_recursive_attributes() {
  local host=$CASE_DIR/src
  mkdir -p "$host/sub"
  mount -t tmpfs -o size=1m itest "$host/sub"
  new_bundle
  add_bind "$host" /m/flat rbind ro nosuid
  add_bind "$host" /m/deep rbind rro rnosuid rnodev rnoexec rnoatime
  run_sh_ok "$MOUNT_OPTS; mopts /m/flat /m/flat/sub /m/deep /m/deep/sub"
  umount "$host/sub"
  has_opts "$(sed -n 1p <<<"$OUT" | cut -d" " -f1)" ro nosuid
  lacks_opts "$(sed -n 2p <<<"$OUT" | cut -d" " -f1)" ro nosuid
  has_opts "$(sed -n 3p <<<"$OUT" | cut -d" " -f1)" ro nosuid nodev noexec noatime
  has_opts "$(sed -n 4p <<<"$OUT" | cut -d" " -f1)" ro nosuid nodev noexec noatime
}

# The rest of the recursive attributes, and flags the kernel takes silently.
case_more_recursive_attributes() {
  local host=$CASE_DIR/src
  mkdir -p "$host/sub"
  mount -t tmpfs -o size=1m,ro,noatime itest "$host/sub"
  new_bundle
  add_bind "$host" /m/rw rbind rrw
  add_bind "$host" /m/dir rbind rnodiratime rnosymfollow
  add_bind "$host" /m/strict rbind rstrictatime
  add_bind "$host" /m/rel rbind rnoatime rrelatime
  add_tmpfs /m/quiet mand nomand iversion noiversion silent loud
  run_sh_ok "$MOUNT_OPTS; mopts /m/rw/sub /m/dir/sub /m/strict/sub /m/rel/sub /m/quiet"
  umount "$host/sub"
  local rw dir strict rel
  rw=$(sed -n 1p <<<"$OUT" | cut -d" " -f1) dir=$(sed -n 2p <<<"$OUT" | cut -d" " -f1)
  strict=$(sed -n 3p <<<"$OUT" | cut -d" " -f1) rel=$(sed -n 4p <<<"$OUT" | cut -d" " -f1)
  has_opts "$rw" rw
  has_opts "$dir" nodiratime nosymfollow
  lacks_opts "$strict" relatime noatime
  has_opts "$rel" relatime
  lacks_opts "$rel" noatime
  assert_match "$(sed -n 5p <<<"$OUT")" '^rw' "tmpfs with flags the kernel ignores"
}

case_propagation() {
  local host=$CASE_DIR/src
  # a shared mount of the host: the container's bind of it can be its slave
  mkdir -p "$host"
  mount -t tmpfs -o size=1m itest "$host"
  mount --make-shared "$host"
  new_bundle
  add_tmpfs /m/shared rshared
  add_tmpfs /m/private shared private
  add_tmpfs /m/unbindable runbindable
  add_bind "$host" /m/slave rbind rslave
  add_bind "$host" /m/bind rbind rprivate
  run_sh_ok "$MOUNT_PROP; for m in shared private unbindable slave bind; do echo \"\$m:\$(mprop /m/\$m)\"; done"
  umount "$host"
  assert_match "$(sed -n 1p <<<"$OUT")" '^shared: shared:[0-9]+$' "rshared"
  assert_eq "private:" "$(sed -n 2p <<<"$OUT")" "shared then private"
  assert_eq "unbindable: unbindable" "$(sed -n 3p <<<"$OUT")" "runbindable"
  assert_match "$(sed -n 4p <<<"$OUT")" '^slave: master:[0-9]+$' "rslave bind of a shared host mount"
  assert_eq "bind:" "$(sed -n 5p <<<"$OUT")" "rprivate bind of a shared host mount"
}

case_rootfs_propagation() {
  new_bundle
  cfg_set '.linux.rootfsPropagation = "shared"'
  run_sh_ok "$MOUNT_PROP; mprop /"
  assert_match "$OUT" 'shared:[0-9]+' "rootfsPropagation shared"
  cfg_set '.linux.rootfsPropagation = "private"'
  run_sh_ok "$MOUNT_PROP; mprop /"
  assert_eq "" "$OUT" "rootfsPropagation private"
  cfg_set '.linux.rootfsPropagation = "sideways"'
  bad_config 'config.json: linux.rootfsPropagation: unsupported value "sideways"'
}

case_remount() {
  new_bundle
  add_tmpfs /m/t size=1m
  cfg_set '.mounts += [{"destination": "/m/t", "type": "tmpfs", "source": "tmpfs",
      "options": ["remount", "ro", "nosuid"]}]'
  run_sh_ok "$MOUNT_OPTS; mopts /m/t"
  has_opts "${OUT% *}" ro nosuid
}

case_data_options() {
  new_bundle
  add_tmpfs /m/t size=3m mode=1750 uid=12 gid=34 nr_inodes=77
  run_sh_ok "$MOUNT_OPTS; mopts /m/t; stat -c '%a %u %g' /m/t"
  has_opts "$(sed -n 1p <<<"$OUT" | cut -d" " -f2)" size=3072k mode=1750 uid=12 gid=34 nr_inodes=77
  assert_eq "1750 12 34" "$(sed -n 2p <<<"$OUT")" "tmpfs root from the data options"
}

# devpts is a new instance: the host's ptys are not there.
case_devpts_newinstance() {
  new_bundle
  run_sh_ok "$MOUNT_OPTS; mopts /dev/pts; ls /dev/pts; readlink /dev/ptmx"
  has_opts "$(sed -n 1p <<<"$OUT" | cut -d" " -f2)" ptmxmode=666 mode=620 gid=5
  assert_eq $'ptmx\npts/ptmx' "$(sed -n 2,3p <<<"$OUT")" "/dev/pts holds only ptmx"
}

case_tmpcopyup() {
  new_bundle
  mkdir -p "$ROOTFS/opt/data/sub"
  echo content >"$ROOTFS/opt/data/file"
  echo deep >"$ROOTFS/opt/data/sub/deep"
  ln -s file "$ROOTFS/opt/data/link"
  ln -s /etc/passwd "$ROOTFS/opt/data/abs"
  mkfifo "$ROOTFS/opt/data/fifo"
  chmod 751 "$ROOTFS/opt/data/sub"
  chown 7:8 "$ROOTFS/opt/data/file"
  chmod 1755 "$ROOTFS/opt/data"
  add_tmpfs /opt/data tmpcopyup
  run_sh_ok "cat /opt/data/file /opt/data/sub/deep /opt/data/link
    readlink /opt/data/link; readlink /opt/data/abs; stat -c '%F' /opt/data/fifo
    stat -c '%a' /opt/data/sub /opt/data; stat -c '%u:%g' /opt/data/file
    awk '\$5 == \"/opt/data\" { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }' /proc/self/mountinfo
    echo new > /opt/data/written"
  assert_eq "content
deep
content
file
/etc/passwd
fifo
751
1755
7:8
tmpfs" "$OUT" "tmpcopyup content, links, modes and owners"
  [[ ! -e $ROOTFS/opt/data/written ]] || fail "a write to the tmpfs reached the rootfs"
}

case_bind_file() {
  echo "from the host" >"$CASE_DIR/hostfile"
  new_bundle
  add_bind "$CASE_DIR/hostfile" /etc/deep/new/file.conf ro
  run_sh_ok 'cat /etc/deep/new/file.conf; stat -c %F /etc/deep/new/file.conf
    if echo x 2>/dev/null > /etc/deep/new/file.conf; then echo writable; else echo read-only; fi'
  assert_eq $'from the host\nregular file\nread-only' "$OUT" "a file bound on a created file"
  assert_eq "from the host" "$(cat "$CASE_DIR/hostfile")" "host file untouched"
}

case_created_destinations() {
  new_bundle
  add_tmpfs /a/b/c/d
  run_sh_ok "stat -c '%F %a' /a /a/b /a/b/c /a/b/c/d"
  assert_eq $'directory 755\ndirectory 755\ndirectory 755\ndirectory 1777' "$OUT" "created path"
  [[ -d $ROOTFS/a/b/c/d ]] || fail "destination not created in the rootfs"
}

# idmapped bind: on-disk ids go through the mount's mapping.
case_idmap_mount() {
  local host=$CASE_DIR/src
  mkdir -p "$host/sub"
  touch "$host/root-owned"
  touch "$host/other" && chown 1000:1000 "$host/other"
  mount -t tmpfs -o size=1m itest "$host/sub"
  touch "$host/sub/inner"
  new_bundle
  cfg_set '.mounts += [
    {"destination": "/m/idmap", "type": "bind", "source": $s, "options": ["rbind", "idmap"],
     "uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
     "gidMappings": [{"containerID": 0, "hostID": 4321, "size": 1}]},
    {"destination": "/m/ridmap", "type": "bind", "source": $s, "options": ["rbind", "ridmap"],
     "uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
     "gidMappings": [{"containerID": 0, "hostID": 4321, "size": 1}]}]' --arg s "$host"
  run_sh_ok "stat -c '%n %u:%g' /m/idmap/root-owned /m/idmap/other /m/idmap/sub/inner \
    /m/ridmap/sub/inner; awk '\$5 == \"/m/idmap\" { print \$6 }' /proc/self/mountinfo"
  umount "$host/sub"
  assert_eq "/m/idmap/root-owned 1234:4321
/m/idmap/other 65534:65534
/m/idmap/sub/inner 0:0
/m/ridmap/sub/inner 1234:4321" "$(sed -n 1,4p <<<"$OUT")" "ids through idmapped mounts"
  has_opts "$(sed -n 5p <<<"$OUT")" idmapped
  assert_eq "0:0" "$(stat -c %u:%g "$host/root-owned")" "the source keeps its owner"
}

# Without mappings of its own, an idmapped mount takes the container's: the
# host's root-owned files are root's inside the user namespace.
case_idmap_container_mapping() {
  local host=$CASE_DIR/src
  mkdir -p "$host"
  touch "$host/root-owned"
  new_bundle
  cfg_set '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  add_bind "$host" /mnt idmap
  cfg_set '.mounts += [{"destination": "/tmp", "type": "bind", "source": $s, "options": ["bind"]}]' \
    --arg s "$host"
  run_sh_ok "stat -c %u:%g /mnt/root-owned /tmp/root-owned; touch /mnt/made-inside"
  assert_eq $'0:0\n65534:65534' "$OUT" "idmapped and plain binds in a user namespace"
  assert_eq "0:0" "$(stat -c %u:%g "$host/made-inside")" "a file made through the idmapped mount"
}

case_idmap_errors() {
  new_bundle
  cfg_set '.mounts += [{"destination": "/m", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]'
  bad_config 'config.json: mounts[7]: mount `/m`: idmapped mounts (idmap, ridmap, uidMappings, gidMappings) need a bind mount'
  new_bundle
  add_bind /tmp /m idmap
  bad_config "config.json: mounts[7]: an idmapped mount needs uidMappings and gidMappings"
}

run_cases case_flag_options case_bind_flags case_recursive_attributes \
  case_more_recursive_attributes case_propagation \
  case_rootfs_propagation case_remount case_data_options case_devpts_newinstance case_tmpcopyup \
  case_bind_file case_created_destinations case_idmap_mount case_idmap_container_mapping \
  case_idmap_errors
