# The device filter (eBPF): default deny plus runc's default devices, and
# linux.devices allowed (here /dev/loop0, and not its neighbour loop1); a denied device cannot be opened, for reading or
# writing, even once its node exists.
. /tests/lib.sh

new_bundle
[ -b /dev/loop0 ] || skip "no /dev/loop0 (loop module not loaded?)"
cfg '.linux.devices = [ { "path": "/dev/loop0", "type": "b", "major": 7, "minor": 0 } ]'
# mknod needs the capability; the cgroup filter is what must say no.
cfg '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
cfg_args sh -c '
  r() { if "$@" 2>/dev/null; then echo ok; else echo denied; fi; }
  echo null=$(r sh -c "head -c1 /dev/null")
  echo zero=$(r sh -c "head -c1 /dev/zero >/dev/null")
  echo full=$(r sh -c "head -c1 /dev/full >/dev/null")
  echo loop0=$(r sh -c "head -c1 /dev/loop0 >/dev/null")
  mknod /tmp/loop1 b 7 1 2>/dev/null
  echo loop1=$(r sh -c "head -c1 /tmp/loop1 >/dev/null")
  mknod /tmp/kmsg c 1 11 && echo mknod=ok || echo mknod=denied
  echo kmsg_read=$(r sh -c "head -c1 /tmp/kmsg >/dev/null")
  echo kmsg_write=$(r sh -c "echo x >/tmp/kmsg")
  mknod /tmp/mem c 1 1 2>/dev/null
  echo mem_read=$(r sh -c "head -c1 /tmp/mem >/dev/null")
  mknod /tmp/sda b 8 0 2>/dev/null
  echo sda_read=$(r sh -c "head -c1 /tmp/sda >/dev/null")
  exec 2>&1; head -c1 /tmp/kmsg'
id=$(new_id)
rc=0
h run --bundle "$B" "$id" >"$W/out" 2>&1 </dev/null || rc=$?
out=$(cat "$W/out")
note "$(echo "$out" | tr '\n' ' ')"
for want in null=ok zero=ok full=ok loop0=ok loop1=denied mknod=ok kmsg_read=denied kmsg_write=denied \
  mem_read=denied sda_read=denied "Operation not permitted"; do
  assert_contains "$out" "$want" "device access inside the container"
done
[ "$rc" -ne 0 ] || fail "reading a denied device succeeded"
