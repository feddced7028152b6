# update on a live container: runc's flags and --resources, applied to the
# cgroup files.
. /tests/lib.sh
need_command update

new_bundle
cfg '.linux.resources.memory = { "limit": 67108864 } | .linux.resources.pids = { "limit": 50 }'
cfg_args sleep 600
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
h update --memory 50331648 --pids-limit 40 --cpu-quota 20000 --cpu-period 100000 \
  --cpu-shares 2048 --cpuset-cpus 0 --blkio-weight 300 "$id" || fail "update with flags"
assert_eq 50331648 "$(cat "$dir/memory.max")" "memory.max after update"
assert_eq 40 "$(cat "$dir/pids.max")" "pids.max after update"
assert_eq "20000 100000" "$(cat "$dir/cpu.max")" "cpu.max after update"
assert_eq 174 "$(cat "$dir/cpu.weight")" "cpu.weight after --cpu-shares 2048"
assert_eq 0 "$(cat "$dir/cpuset.cpus")" "cpuset.cpus after update"
echo '{ "memory": { "limit": 41943040 }, "pids": { "limit": 30 } }' >"$W/res.json"
h update --resources "$W/res.json" "$id" || fail "update --resources FILE"
assert_eq 41943040 "$(cat "$dir/memory.max")" "memory.max after --resources"
assert_eq 30 "$(cat "$dir/pids.max")" "pids.max after --resources"
echo '{ "pids": { "limit": 20 } }' | h update --resources - "$id" || fail "update --resources -"
assert_eq 20 "$(cat "$dir/pids.max")" "pids.max after --resources -"
# Refused: a memory limit below the current usage with checkBeforeUpdate.
echo '{ "memory": { "limit": 4096, "checkBeforeUpdate": true } }' >"$W/low.json"
if h update --resources "$W/low.json" "$id" 2>"$W/err"; then
  fail "checkBeforeUpdate let a limit below the usage through"
fi
assert_eq 41943040 "$(cat "$dir/memory.max")" "memory.max after a refused update"
h delete --force "$id"
