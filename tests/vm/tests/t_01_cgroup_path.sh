# The container's own cgroup: where it is (runc's default /<id> when
# cgroupsPath is unset, an absolute cgroupsPath from the root), that the
# container starts inside it and sees it as its cgroup namespace's root, and
# that delete removes it.
. /tests/lib.sh

new_bundle
cfg_args sh -c 'cat /proc/self/cgroup; sleep 60'
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_eq "$CG/$id" "$dir" "cgroup of a container without cgroupsPath"
wait_for 10 grep -q . "$W/$id.out"
assert_eq "0::/" "$(cat "$W/$id.out")" "/proc/self/cgroup inside (cgroup namespace)"
pid=$(init_pid "$id")
grep -qx "$pid" "$dir/cgroup.procs" || fail "init pid $pid not in $dir/cgroup.procs"
h kill "$id" KILL
wait_for 10 is_status "$id" stopped
h delete "$id" || fail "delete $id"
[ ! -e "$dir" ] || fail "$dir still exists after delete"

# An absolute cgroupsPath is taken from the hierarchy's root.
new_bundle
id=$(new_id)
cfg '.linux.cgroupsPath = $p' --arg p "/husk-vm/nested/$id"
cfg_args sleep 60
start_detached "$id"
assert_eq "$CG/husk-vm/nested/$id" "$(cgroup_dir "$id")" "cgroup with an absolute cgroupsPath"
h delete --force "$id" || fail "delete --force $id"
[ ! -e "$CG/husk-vm/nested/$id" ] || fail "the cgroup of $id outlived delete --force"
rmdir "$CG/husk-vm/nested" "$CG/husk-vm"

# run: the cgroup exists while it runs and is gone after.
new_bundle
id=$(new_id)
cfg_args sh -c 'exit 42'
rc=0
h run --bundle "$B" "$id" </dev/null || rc=$?
assert_eq 42 "$rc" "exit code of run"
[ ! -e "$CG/$id" ] || fail "$CG/$id left behind by run"

# An escaping cgroupsPath is refused, and leaves nothing.
new_bundle
id=$(new_id)
cfg '.linux.cgroupsPath = "/../../escape"'
cfg_args true
if out=$(h run --bundle "$B" "$id" 2>&1 </dev/null); then
  fail "a cgroupsPath with .. was accepted"
fi
assert_contains "$out" ".." "error for an escaping cgroupsPath"
[ -z "$(status "$id")" ] || fail "$id exists after a refused create"
