# memory: the limit is visible inside and outside the container, a memory
# hog is OOM-killed (exit 137) and memory.events counts the kill.
. /tests/lib.sh

limit=33554432 # 32 MiB
new_bundle
cfg '.linux.resources.memory = { "limit": $l, "reservation": 16777216, "swap": $l }' \
  --argjson l $limit
cfg_args sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.low /sys/fs/cgroup/memory.swap.max; sleep 60'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_eq $limit "$(cat "$dir/memory.max")" "memory.max outside"
assert_eq 16777216 "$(cat "$dir/memory.low")" "memory.low outside"
assert_eq 0 "$(cat "$dir/memory.swap.max")" "memory.swap.max (swap == limit: no swap)"
wait_for 10 'test $(wc -l <"$W/$id.out") -ge 3'
assert_eq "$limit 16777216 0" "$(tr '\n' ' ' <"$W/$id.out" | sed 's/ $//')" "memory files inside"
h delete --force "$id"

# A hog: dd with a 64 MiB buffer in a 32 MiB cgroup.
new_bundle
cfg '.linux.resources.memory = { "limit": $l, "swap": $l }' --argjson l $limit
cfg_args dd if=/dev/zero of=/dev/null bs=64M count=1
id=$(new_id)
start_detached "$id"
wait_for 60 is_status "$id" stopped
dir=$CG/$id
kills=$(read_key "$dir/memory.events" oom_kill)
assert_ge "$kills" 1 "memory.events oom_kill"
note "memory.events: $(tr '\n' ' ' <"$dir/memory.events")"
h delete "$id"
[ ! -e "$dir" ] || fail "$dir still exists after delete"

# The same through run: 128 + SIGKILL.
id=$(new_id)
rc=0
h run --bundle "$B" "$id" </dev/null >"$W/run.out" 2>&1 || rc=$?
assert_eq 137 "$rc" "exit code of an OOM-killed run"
