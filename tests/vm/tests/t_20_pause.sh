# pause / resume through cgroup.freeze: state "paused", the cgroup frozen,
# the process making no progress, and running again after resume.
. /tests/lib.sh
need_command pause
need_command resume

new_bundle
cfg_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/count; sleep 0.1; done'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
count() { cat "$B/rootfs/tmp/count" 2>/dev/null || echo 0; }
wait_for 10 'test "$(count)" -gt 0'
h pause "$id" || fail "pause"
assert_eq paused "$(status "$id")" "status after pause"
assert_eq 1 "$(cat "$dir/cgroup.freeze")" "cgroup.freeze"
assert_eq 1 "$(read_key "$dir/cgroup.events" frozen)" "cgroup.events frozen"
a=$(count)
sleep 1
assert_eq "$a" "$(count)" "the counter while paused"
h resume "$id" || fail "resume"
assert_eq running "$(status "$id")" "status after resume"
assert_eq 0 "$(read_key "$dir/cgroup.events" frozen)" "cgroup.events frozen after resume"
wait_for 10 'test "$(count)" -gt "$a"'
# A paused container can be killed and deleted.
h pause "$id"
h kill "$id" KILL || fail "kill of a paused container"
wait_for 10 is_status "$id" stopped
h delete "$id"
[ ! -e "$dir" ] || fail "$dir outlived delete"
