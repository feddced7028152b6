# events: an "oom" event when memory.events oom_kill grows.
. /tests/lib.sh
need_command events

new_bundle
cfg '.linux.resources.memory = { "limit": 33554432, "swap": 33554432 }'
# The init survives; its child, the hog, is killed.
cfg_args sh -c 'sleep 2; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 600'
id=$(new_id)
h create --bundle "$B" "$id" >"$W/out" 2>&1 </dev/null || fail "create"
h events "$id" >"$W/events" 2>&1 &
ev=$!
at_exit "kill $ev 2>/dev/null"
h start "$id" || fail "start"
wait_for 60 'grep -q "\"oom\"" "$W/events"' 
line=$(grep '"oom"' "$W/events" | head -n1)
assert_eq oom "$(echo "$line" | jq -r .type)" "event type"
assert_eq "$id" "$(echo "$line" | jq -r .id)" "event id"
h delete --force "$id"
