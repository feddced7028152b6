# kill --all: every process of the container's cgroup, not only its init,
# with KILL (cgroup.kill) and with TERM (freeze, signal each, thaw).
. /tests/lib.sh

for sig in KILL TERM; do
  new_bundle
  # A pid namespace's init without a TERM handler (here: sleep) does not
  # get TERM from outside; the other processes do: only --all reaches them.
  cfg_args sh -c 'sleep 600 & sleep 600 & sh -c "sleep 600" & exec sleep 600'
  id=$(new_id)
  start_detached "$id"
  dir=$(cgroup_dir "$id")
  wait_for 10 'test $(wc -l <"$dir/cgroup.procs") -ge 4'
  h kill --all "$id" "$sig" || fail "kill --all $sig"
  if [ "$sig" = KILL ]; then
    wait_for 20 'test $(wc -l <"$dir/cgroup.procs") -eq 0'
    wait_for 10 is_status "$id" stopped
  else
    # the sleeps are gone, the init (ignoring TERM) stays
    wait_for 20 'test $(wc -l <"$dir/cgroup.procs") -eq 1'
    assert_eq 0 "$(cat "$dir/cgroup.freeze")" "cgroup.freeze after kill --all TERM"
    assert_eq running "$(status "$id")" "status after kill --all TERM"
  fi
  h delete --force "$id"
  [ ! -e "$dir" ] || fail "$dir outlived delete"
done
