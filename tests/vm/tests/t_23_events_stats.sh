# events --stats: one stats object with the numbers of the v2 files.
. /tests/lib.sh
need_command events

new_bundle
cfg '.linux.resources.memory = { "limit": 67108864 } | .linux.resources.pids = { "limit": 50 }'
cfg_args sh -c 'sleep 600 & i=0; while [ $i -lt 2000 ]; do i=$((i + 1)); done; wait'
id=$(new_id)
start_detached "$id"
sleep 1
h events --stats "$id" >"$W/stats.json" || fail "events --stats"
j=$(cat "$W/stats.json")
assert_eq stats "$(echo "$j" | jq -r .type)" "type"
assert_eq "$id" "$(echo "$j" | jq -r .id)" "id"
assert_eq 67108864 "$(echo "$j" | jq -r .data.memory.usage.limit)" "memory limit"
assert_ge "$(echo "$j" | jq -r .data.memory.usage.usage)" 1 "memory usage"
assert_ge "$(echo "$j" | jq -r .data.pids.current)" 2 "pids.current"
assert_eq 50 "$(echo "$j" | jq -r .data.pids.limit)" "pids limit"
assert_ge "$(echo "$j" | jq -r .data.cpu.usage.total)" 1 "cpu usage"
h delete --force "$id"
