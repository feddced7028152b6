# hugetlb, unified (overriding the typed fields), pids.max "max", and a
# pre-existing parent cgroup that gets only the controller the config needs.
. /tests/lib.sh

new_bundle
cfg '.linux.resources.hugepageLimits = [ { "pageSize": "2MB", "limit": 4194304 } ]
     | .linux.resources.pids = { "limit": 10 }
     | .linux.resources.unified = { "pids.max": "7", "memory.high": "50003968" }'
cfg_args sleep 60
id=$(new_id)
start_detached "$id"
dir=$(cgroup_dir "$id")
assert_eq 4194304 "$(cat "$dir/hugetlb.2MB.max")" "hugetlb.2MB.max"
if [ -e "$dir/hugetlb.2MB.rsvd.max" ]; then
  assert_eq 4194304 "$(cat "$dir/hugetlb.2MB.rsvd.max")" "hugetlb.2MB.rsvd.max"
fi
assert_eq 7 "$(cat "$dir/pids.max")" "pids.max (unified wins over pids.limit)"
assert_eq 50003968 "$(cat "$dir/memory.high")" "memory.high from unified"
h delete --force "$id"

# A parent that exists already and delegates nothing: husk adds memory
# (needed) to its subtree_control, and nothing else.
parent=$CG/husk-vm-parent
mkdir "$parent"
at_exit "rmdir $parent"
new_bundle
id=$(new_id)
cfg '.linux.cgroupsPath = $p | .linux.resources.memory = { "limit": 41943040 }' \
  --arg p "/husk-vm-parent/$id"
cfg_args sleep 60
start_detached "$id"
assert_eq "$parent/$id" "$(cgroup_dir "$id")" "cgroup under the existing parent"
assert_eq memory "$(cat "$parent/cgroup.subtree_control")" "the parent's subtree_control"
assert_eq 41943040 "$(cat "$parent/$id/memory.max")" "memory.max"
h delete --force "$id"
[ ! -e "$parent/$id" ] || fail "$parent/$id outlived delete"
