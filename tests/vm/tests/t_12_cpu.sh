# cpu and cpuset: cpu.max, cpu.weight (runc >= 1.3.2's conversion of
# shares), cpu.max.burst, cpuset, visible inside and outside, and the quota
# in effect (a busy loop is throttled).
. /tests/lib.sh

new_bundle
cfg '.linux.resources.cpu = { "quota": 10000, "period": 100000, "shares": 512, "burst": 5000, "cpus": "0", "mems": "0" }'
cfg_args sh -c 'cat /sys/fs/cgroup/cpu.max; end=$(($(cut -d. -f1 /proc/uptime) + 4)); while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do :; done; sleep 60'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_eq "10000 100000" "$(cat "$dir/cpu.max")" "cpu.max outside"
assert_eq 59 "$(cat "$dir/cpu.weight")" "cpu.weight for shares 512"
assert_eq 5000 "$(cat "$dir/cpu.max.burst")" "cpu.max.burst"
assert_eq 0 "$(cat "$dir/cpuset.cpus")" "cpuset.cpus"
assert_eq 0 "$(cat "$dir/cpuset.mems")" "cpuset.mems"
wait_for 10 grep -q . "$W/$id.out"
assert_eq "10000 100000" "$(head -n1 "$W/$id.out")" "cpu.max inside"
# The busy loop runs for ~4 s of wall time at 10% of a CPU.
sleep 5
thr=$(read_key "$dir/cpu.stat" nr_throttled)
usage=$(read_key "$dir/cpu.stat" usage_usec)
note "cpu.stat: nr_throttled $thr, usage_usec $usage"
assert_ge "$thr" 1 "cpu.stat nr_throttled"
assert_le "$usage" 2500000 "cpu.stat usage_usec of a 4 s busy loop at 10%"
h delete --force "$id"

# Realtime limits do not exist in v2: refused, nothing left.
new_bundle
cfg '.linux.resources.cpu = { "realtimeRuntime": 950000 }'
cfg_args true
id=$(new_id)
if out=$(h run --bundle "$B" "$id" 2>&1 </dev/null); then
  fail "realtimeRuntime was accepted"
fi
assert_contains "$out" "linux.resources.cpu.realtimeRuntime" "error for realtimeRuntime"
[ ! -e "$CG/$id" ] || fail "$CG/$id left behind"
