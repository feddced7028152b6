# The test bed itself: husk runs, and the machine is pure cgroup v2 with
# every controller the tests need delegated from the root.
. /tests/lib.sh

v=$(h --version) || fail "husk --version failed"
assert_contains "$v" "husk version" "husk --version"
note "$(echo "$v" | head -n1), kernel $(uname -r)"

line=$(awk '$5 == "/sys/fs/cgroup" { print }' /proc/self/mountinfo)
assert_contains "$line" " - cgroup2 " "the /sys/fs/cgroup mount"
assert_contains "$line" "nsdelegate" "the /sys/fs/cgroup mount options"
if awk '$0 ~ / - cgroup / { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  fail "a cgroup v1 hierarchy is mounted"
fi

enabled=$(cat $CG/cgroup.subtree_control)
for c in cpuset cpu io memory hugetlb pids rdma; do
  assert_contains " $enabled " " $c " "cgroup.subtree_control"
done
