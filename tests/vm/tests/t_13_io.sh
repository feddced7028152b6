# io: io.max and io.weight on a loop device, visible outside, and the read
# throttle in effect inside the container.
. /tests/lib.sh

[ -b /dev/loop0 ] || skip "no /dev/loop0 (loop module not loaded?)"
dd if=/dev/zero of=/work/disk.img bs=1M count=8 2>/dev/null
losetup /dev/loop0 /work/disk.img || fail "losetup"
at_exit 'losetup -d /dev/loop0'
maj=$(printf %d 0x$(stat -c %t /dev/loop0))
min=$(printf %d 0x$(stat -c %T /dev/loop0))

new_bundle
cfg '.linux.resources.blockIO = { "weight": 500, "throttleReadBpsDevice": [ { "major": $ma, "minor": $mi, "rate": 1048576 } ] }
     | .linux.devices = [ { "path": "/dev/loop0", "type": "b", "major": $ma, "minor": $mi } ]' \
  --argjson ma "$maj" --argjson mi "$min"
cfg_args sh -c 'a=$(sed "s/\.//;s/ .*//" /proc/uptime); dd if=/dev/loop0 of=/dev/null bs=1M count=3 iflag=direct 2>/dev/null || echo dd-failed; b=$(sed "s/\.//;s/ .*//" /proc/uptime); echo $((b - a)); sleep 60'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_contains "$(cat "$dir/io.max")" "$maj:$min rbps=1048576 wbps=max riops=max wiops=max" "io.max"
if [ -e "$dir/io.bfq.weight" ]; then
  assert_contains "$(cat "$dir/io.bfq.weight")" "default 500" "io.bfq.weight"
else
  assert_contains "$(cat "$dir/io.weight")" "default 4950" "io.weight (runc's conversion of 500)"
fi
wait_for 30 grep -q . "$W/$id.out"
out=$(cat "$W/$id.out")
[ "$out" != dd-failed ] || fail "dd from /dev/loop0 failed inside the container"
note "3 MiB at 1 MiB/s took ${out}0 ms"
assert_ge "$out" 150 "centiseconds to read 3 MiB at 1 MiB/s"
h delete --force "$id"
