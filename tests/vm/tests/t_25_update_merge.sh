# update merges over what the container has, so that values that depend on
# each other stay right when one changes (memory.swap.max = swap - limit,
# cpu.max = "quota period"), runc's "-1" rules, the remaining flags, the
# numbers events --stats reports afterwards, and ps --format json.
. /tests/lib.sh
need_command update

new_bundle
cfg '.linux.resources.memory = { "limit": 67108864, "swap": 134217728 } | .linux.resources.cpu = { "quota": 50000, "period": 100000 }'
cfg_args sh -c 'sleep 600 & exec sleep 601'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_eq 67108864 "$(cat "$dir/memory.swap.max")" "memory.swap.max from config.json (swap - limit)"

# Only the limit changes: swap stays 128M in total, so swap.max follows.
h update --memory 96m "$id" || fail "update --memory 96m"
assert_eq 100663296 "$(cat "$dir/memory.max")" "memory.max after --memory 96m"
assert_eq 33554432 "$(cat "$dir/memory.swap.max")" "memory.swap.max after --memory 96m"
h update --memory-swap 256M "$id" || fail "update --memory-swap 256M"
assert_eq 100663296 "$(cat "$dir/memory.max")" "memory.max after --memory-swap"
assert_eq 167772160 "$(cat "$dir/memory.swap.max")" "memory.swap.max after --memory-swap 256M"
# A swap below the limit is refused, and nothing changes.
if h update --memory-swap 32m "$id" 2>"$W/err"; then
  fail "a memory+swap limit below the memory limit was accepted"
fi
assert_contains "$(cat "$W/err")" "linux.resources.memory.swap" "the error"
assert_eq 167772160 "$(cat "$dir/memory.swap.max")" "memory.swap.max after a refused update"

# quota and period each keep the other.
h update --cpu-quota 20000 "$id" || fail "update --cpu-quota"
assert_eq "20000 100000" "$(cat "$dir/cpu.max")" "cpu.max after --cpu-quota"
h update --cpu-period 200000 "$id" || fail "update --cpu-period"
assert_eq "20000 200000" "$(cat "$dir/cpu.max")" "cpu.max after --cpu-period"
h update --cpu-quota -1 "$id" || fail "update --cpu-quota -1"
assert_eq "max 200000" "$(cat "$dir/cpu.max")" "cpu.max after --cpu-quota -1"

# The other flags.
h update --memory-reservation 16m --cpuset-mems 0 --cpu-share 2048 "$id" ||
  fail "update --memory-reservation --cpuset-mems --cpu-share"
assert_eq 16777216 "$(cat "$dir/memory.low")" "memory.low"
assert_eq 0 "$(cat "$dir/cpuset.mems")" "cpuset.mems"
assert_eq 174 "$(cat "$dir/cpu.weight")" "cpu.weight for --cpu-share 2048"
# An idle group has no weight (the kernel refuses cpu.weight then): later
# updates, which apply the recorded shares again, must still work.
h update --cpu-idle 1 "$id" || fail "update --cpu-idle 1"
assert_eq 1 "$(cat "$dir/cpu.idle")" "cpu.idle"
h update --cpu-quota 30000 --cpu-burst 1000 "$id" || fail "update --cpu-burst while idle"
assert_eq 1000 "$(cat "$dir/cpu.max.burst")" "cpu.max.burst"
assert_eq "30000 200000" "$(cat "$dir/cpu.max")" "cpu.max while idle"
h update --cpu-idle 0 "$id" || fail "update --cpu-idle 0"
assert_eq 0 "$(cat "$dir/cpu.idle")" "cpu.idle after --cpu-idle 0"
assert_eq 174 "$(cat "$dir/cpu.weight")" "cpu.weight back after --cpu-idle 0"

# runc: an unlimited memory without a swap setting unlimits swap too.
h update --memory -1 "$id" || fail "update --memory -1"
assert_eq max "$(cat "$dir/memory.max")" "memory.max after --memory -1"
assert_eq max "$(cat "$dir/memory.swap.max")" "memory.swap.max after --memory -1"

# events --stats reports the new limits, as runc does ("max": 2^64-1).
h events --stats "$id" >"$W/stats.json" || fail "events --stats"
# (jq would round 2^64-1 to a double: read the text)
assert_contains "$(cat "$W/stats.json")" '"usage":{"limit":18446744073709551615,' \
  "memory.usage.limit after --memory -1"
assert_eq 2 "$(jq -r .data.pids.current "$W/stats.json")" "pids.current"
assert_ge "$(jq -r .data.memory.raw.anon "$W/stats.json")" 0 "memory.raw.anon"

# ps --format json: the cgroup's pids, ascending.
want=$(sort -n "$dir/cgroup.procs" | tr '\n' , | sed 's/,$//')
assert_eq "[$want]" "$(h ps --format json "$id")" "ps --format json"
h delete --force "$id"
[ ! -e "$dir" ] || fail "$dir outlived delete"
