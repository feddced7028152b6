# pids: pids.max inside and outside, and a fork bomb capped at it while the
# machine stays usable; kill --all ends it.
. /tests/lib.sh

new_bundle
cfg '.linux.resources.pids = { "limit": 32 }'
# The bomb: every function call forks two more, forever.
cfg_args sh -c 'cat /sys/fs/cgroup/pids.max; b() { b | b & }; b; sleep 3600'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_eq 32 "$(cat "$dir/pids.max")" "pids.max outside"
wait_for 10 grep -q . "$W/$id.out"
assert_eq 32 "$(head -n1 "$W/$id.out")" "pids.max inside"
# It reaches the cap and stays there.
wait_for 60 'test "$(read_key "$dir/pids.events" max)" -gt 0'
sleep 2
cur=$(cat "$dir/pids.current")
assert_le "$cur" 32 "pids.current under a fork bomb"
note "pids.current $cur, pids.events max $(read_key "$dir/pids.events" max)"
# The machine itself can still fork.
assert_eq usable "$(sh -c 'echo usable')" "a fork outside the container"
h kill --all "$id" KILL || fail "kill --all"
wait_for 30 'test "$(cat "$dir/pids.current")" -eq 0'
wait_for 10 is_status "$id" stopped
h delete "$id"
[ ! -e "$dir" ] || fail "$dir still exists after delete"
