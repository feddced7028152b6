#!/bin/bash
# pause, resume, update, events and ps on this hybrid host's cgroup2
# hierarchy (no memory/pids/cpu/io controllers here: their effect is tested
# in the VM, see tests/vm/tests/t_2*.sh).  What the host can show: the
# freezer and its errors, kill and delete of a paused container, ps in both
# formats, events --stats and a stream that ends with the container, update
# of core cgroup files and of the device filter, recorded in resources.json,
# and the clear refusal of a controller the hierarchy lacks.
source "$(dirname "$0")/lib.sh"

CG=$(cgroup2_mount)

need_cgroup2() {
  [[ -n $CG ]] || skip "no cgroup2 mount on this machine"
}

need_command() {
  husk_bare help "$1" >/dev/null 2>&1 || skip "the runtime has no \`$1\` command yet"
}

# start_container ARGS...: create + start ARGS in $BUNDLE; sets ID, PID, DIR
# (the container's cgroup directory).
start_container() {
  cfg_args "$@"
  ID=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$ID"
  PID=$(state_field "$ID" .pid)
  track_pid "$PID" "$ID"
  husk_cmd start "$ID"
  DIR=$CG$(sed -n 's/^0:://p' "/proc/$PID/cgroup")
  [[ -d $DIR && $DIR != "$CG/" ]] || fail "no cgroup directory for $ID: [$DIR]"
}

# procs_count DIR OP N: the number of processes in DIR compares so to N
# (for wait_until, which needs a command it can run again).
procs_count() {
  test "$(procs "$1" | wc -l)" "$2" "$3"
}

# lines_at_least FILE N: for wait_until.
lines_at_least() {
  (($(wc -l <"$1") >= $2))
}

# procs DIR: the pids of the cgroup DIR and below, ascending, one a line.
procs() {
  find "$1" -name cgroup.procs -exec cat {} + | sort -n
}

case_pause_resume_errors() {
  need_cgroup2
  need_command pause
  new_bundle
  start_container sleep 1000
  assert_fails_with "container not paused" husk_cmd resume "$ID"
  husk_cmd pause "$ID"
  assert_eq paused "$(state_field "$ID" .status)" "status"
  assert_eq 1 "$(cat "$DIR/cgroup.freeze")" "cgroup.freeze"
  # runc: pausing a paused container is "not running"
  assert_fails_with "container not running" husk_cmd pause "$ID"
  husk_cmd resume "$ID"
  assert_eq running "$(state_field "$ID" .status)" "status after resume"
  assert_fails_with "container not paused" husk_cmd resume "$ID"
  husk_cmd kill "$ID" KILL
  wait_until 10 status_is "$ID" stopped
  assert_fails_with "container not running" husk_cmd pause "$ID"
  assert_fails_with "container not paused" husk_cmd resume "$ID"
  assert_fails_with "does not exist" husk_cmd pause "no-such-$ID"
  husk_cmd delete "$ID"
  assert_no_leftovers "$ID"
}

case_pause_created_container() {
  need_cgroup2
  need_command pause
  new_bundle
  cfg_set '.root.readonly = false'
  cfg_args sh -c 'echo started > /tmp/mark; exec sleep 1000'
  ID=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$ID"
  track_container "$ID"
  local pid dir
  pid=$(state_field "$ID" .pid)
  dir=$CG$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  # as runc: a created container can be paused, and resumed
  husk_cmd pause "$ID"
  assert_contains "$(cat "$dir/cgroup.events")" "frozen 1" "cgroup.events after pause"
  husk_cmd resume "$ID"
  assert_contains "$(cat "$dir/cgroup.events")" "frozen 0" "cgroup.events after resume"
  husk_cmd start "$ID"
  wait_until 10 test -s "$ROOTFS/tmp/mark"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_delete_force_paused() {
  need_cgroup2
  need_command pause
  new_bundle
  start_container sh -c 'sleep 1000 & exec sleep 1000'
  wait_until 10 procs_count "$DIR" -ge 2
  husk_cmd pause "$ID"
  assert_exit 0 husk_cmd delete --force "$ID"
  [[ ! -e $DIR ]] || fail "$DIR outlived delete --force of a paused container"
  assert_no_leftovers "$ID"
}

case_kill_all_paused() {
  need_cgroup2
  need_command pause
  new_bundle
  start_container sh -c 'sleep 1000 & exec sleep 1000'
  wait_until 10 procs_count "$DIR" -ge 2
  husk_cmd pause "$ID"
  # SIGKILL reaches frozen tasks on cgroup v2
  husk_cmd kill --all "$ID" KILL
  wait_until 10 status_is "$ID" stopped
  wait_until 10 test ! -s "$DIR/cgroup.procs"
  husk_cmd delete "$ID"
  [[ ! -e $DIR ]] || fail "$DIR outlived delete"
  assert_no_leftovers "$ID"
}

case_ps_json_and_table() {
  need_cgroup2
  need_command ps
  need_cmd ps
  new_bundle
  start_container sh -c 'sleep 1000 & sleep 1001 & exec sleep 1002'
  wait_until 10 procs_count "$DIR" -eq 3
  local want got
  want=$(procs "$DIR" | paste -sd, -)
  assert_eq "[$want]" "$(husk_cmd ps --format json "$ID")" "ps --format json"
  assert_eq "[$want]" "$(husk_cmd ps -f json "$ID")" "ps -f json"
  # table: the header of `ps -ef` and exactly the container's rows
  capture husk_cmd ps "$ID"
  assert_eq 0 "$RC" "ps exit code"
  assert_match "$(head -n1 <<<"$OUT")" "PID" "ps header"
  got=$(tail -n +2 <<<"$OUT" | awk '{ print $2 }' | sort -n | paste -sd, -)
  assert_eq "$want" "$got" "the PID column of ps"
  assert_contains "$OUT" "sleep 1001" "ps -ef's command column"
  # ps options after the id (and after --), as runc passes them on
  capture husk_cmd ps "$ID" -- -o pid,comm
  assert_eq 0 "$RC" "ps -- -o pid,comm"
  assert_eq "PID COMMAND" "$(head -n1 <<<"$OUT" | xargs)" "header with -o pid,comm"
  assert_eq 3 "$(tail -n +2 <<<"$OUT" | grep -c sleep)" "rows with -o pid,comm"
  assert_fails_with 'invalid format option "xml"' husk_cmd ps --format xml "$ID"
  assert_fails_with "couldn't find PID field" husk_cmd ps "$ID" -- -o comm
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_events_stats() {
  need_cgroup2
  need_command events
  new_bundle
  start_container sh -c 'sleep 1000 & i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; wait'
  wait_until 10 procs_count "$DIR" -eq 2
  capture husk_cmd events --stats "$ID"
  assert_eq 0 "$RC" "events --stats exit code"
  assert_eq 1 "$(wc -l <<<"$OUT")" "one line"
  jq -e . <<<"$OUT" >/dev/null || fail "not JSON: $OUT"
  assert_eq stats "$(jq -r .type <<<"$OUT")" "type"
  assert_eq "$ID" "$(jq -r .id <<<"$OUT")" "id"
  # without the pids controller the pids are counted from cgroup.procs (runc)
  assert_eq 2 "$(jq -r .data.pids.current <<<"$OUT")" "pids.current"
  # cpu.stat is always there: usage_usec in ns, and grows
  local total
  total=$(jq -r .data.cpu.usage.total <<<"$OUT")
  [[ $total =~ ^[0-9]+$ && $total -gt 0 ]] || fail "cpu.usage.total: [$total]"
  assert_eq "number number" "$(jq -r '.data.cpu.usage | [.kernel, .user] | map(type) | join(" ")' <<<"$OUT")" \
    "cpu.usage kernel and user"
  assert_eq "cpu cpuset memory pids blkio hugetlb intel_rdt network_interfaces" \
    "$(jq -r '.data | keys_unsorted | join(" ")' <<<"$OUT")" "the members of data (runc's types.Stats)"
  assert_eq object "$(jq -r '.data.memory.usage | type' <<<"$OUT")" "memory.usage"
  if ! grep -qw memory "$DIR/cgroup.controllers"; then
    assert_eq 0 "$(jq -r .data.memory.usage.limit <<<"$OUT")" "memory limit without the controller"
  fi
  assert_fails_with "duration interval must be greater than 0" \
    husk_cmd events --interval 0s "$ID"
  assert_fails_with 'invalid value "5" for flag --interval: time: missing unit' \
    husk_cmd events --interval 5 "$ID"
  husk_cmd kill "$ID" KILL
  wait_until 10 status_is "$ID" stopped
  assert_fails_with "container with id $ID is not running" husk_cmd events --stats "$ID"
  husk_cmd delete "$ID"
  assert_no_leftovers "$ID"
}

case_events_stream_ends_with_container() {
  need_cgroup2
  need_command events
  new_bundle
  start_container sleep 1000
  husk_bg events --interval 200ms "$ID"
  wait_until 10 lines_at_least "$BG_OUT" 2
  # the stream does not hold the container's lock
  assert_eq running "$(state_field "$ID" .status)" "state while events runs"
  husk_cmd kill "$ID" KILL
  bg_wait 10
  assert_eq 0 "$RC" "events exit code after the container stopped"
  local line
  while read -r line; do
    assert_eq stats "$(jq -r .type <<<"$line")" "each line's type"
    assert_eq "$ID" "$(jq -r .id <<<"$line")" "each line's id"
  done <<<"$OUT"
  husk_cmd delete "$ID"
  assert_no_leftovers "$ID"
}

# missing_controller_update FLAG VALUE CONTROLLER SECTION
missing_controller_update() {
  local flag=$1 value=$2 controller=$3 section=$4
  if grep -qw "$controller" "$DIR/cgroup.controllers"; then
    echo "  ($controller is available here: --$flag is tested in the VM)"
    return 0
  fi
  assert_fails_with "$section: the cgroup v2 hierarchy has no $controller controller" \
    husk_cmd update "--$flag" "$value" "$ID"
}

case_update_refusals() {
  need_cgroup2
  need_command update
  new_bundle
  start_container sleep 1000
  missing_controller_update memory 64m memory linux.resources.memory
  missing_controller_update pids-limit 10 pids linux.resources.pids
  missing_controller_update cpu-quota 20000 cpu linux.resources.cpu
  missing_controller_update blkio-weight 300 io linux.resources.blockIO
  assert_fails_with "invalid value for --memory: invalid size: '12x'" \
    husk_cmd update --memory 12x "$ID"
  assert_fails_with "resources.json: invalid JSON" \
    husk_cmd update --resources - "$ID" <<<'{"pids": '
  assert_fails_with "linux.resources.cpu.realtimeRuntime" \
    husk_cmd update --cpu-rt-runtime 1000 "$ID"
  assert_fails_with "/no/such/file\`: No such file or directory" \
    husk_cmd update --resources /no/such/file "$ID"
  # nothing was applied, so nothing was recorded
  [[ ! -e $HUSK_ROOT/$ID/resources.json ]] || fail "a refused update left resources.json"
  husk_cmd kill "$ID" KILL
  wait_until 10 status_is "$ID" stopped
  assert_fails_with "container not running" husk_cmd update --resources - "$ID" <<<'{}'
  husk_cmd delete "$ID"
  assert_no_leftovers "$ID"
}

case_update_core_files_recorded() {
  need_cgroup2
  need_command update
  new_bundle
  cfg_set '.linux.resources.unified = { "cgroup.max.depth": "5" }'
  start_container sleep 1000
  assert_eq 5 "$(cat "$DIR/cgroup.max.depth")" "cgroup.max.depth from config.json"
  # an empty document changes nothing, and the state records the resources
  husk_cmd update --resources - "$ID" <<<'{}'
  assert_eq 5 "$(cat "$DIR/cgroup.max.depth")" "cgroup.max.depth after {}"
  assert_eq '"5"' "$(jq -c '.unified["cgroup.max.depth"]' "$HUSK_ROOT/$ID/resources.json")" \
    "resources.json after {}"
  echo '{ "unified": { "cgroup.max.descendants": "3" } }' >"$CASE_DIR/res.json"
  husk_cmd update -r "$CASE_DIR/res.json" "$ID"
  assert_eq 3 "$(cat "$DIR/cgroup.max.descendants")" "cgroup.max.descendants"
  # the next update merges over the recorded one: both files stay
  husk_cmd update --resources=- "$ID" <<<'{ "unified": { "cgroup.max.depth": "2" } }'
  assert_eq 2 "$(cat "$DIR/cgroup.max.depth")" "cgroup.max.depth after the second update"
  assert_eq 3 "$(cat "$DIR/cgroup.max.descendants")" "cgroup.max.descendants kept"
  assert_eq '{"cgroup.max.depth":"2","cgroup.max.descendants":"3"}' \
    "$(jq -cS .unified "$HUSK_ROOT/$ID/resources.json")" "the recorded unified keys"
  # a paused container can be updated too
  husk_cmd pause "$ID"
  husk_cmd update --resources - "$ID" <<<'{ "unified": { "cgroup.max.depth": "4" } }'
  assert_eq 4 "$(cat "$DIR/cgroup.max.depth")" "cgroup.max.depth while paused"
  assert_eq paused "$(state_field "$ID" .status)" "status after an update while paused"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

case_update_device_filter() {
  need_cgroup2
  need_command update
  need_command exec
  new_bundle
  cfg_set '.root.readonly = false'
  cfg_set '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
  # 240:0 is an unassigned (local use) major: allowed by the filter, opening
  # it fails with ENXIO; refused by the filter, with EPERM.
  start_container sh -c 'mknod /tmp/dev240 c 240 0; exec sleep 1000'
  wait_until 10 test -e "$ROOTFS/tmp/dev240"
  capture husk_cmd exec "$ID" head -c1 /tmp/dev240
  assert_contains "$ERR" "Operation not permitted" "c 240:0 before the update"
  husk_cmd update --resources - "$ID" <<<'{ "devices": [ { "allow": false, "access": "rwm" },
    { "allow": true, "type": "c", "major": 240, "minor": 0, "access": "rw" } ] }'
  capture husk_cmd exec "$ID" head -c1 /tmp/dev240
  assert_contains "$ERR" "No such device or address" "c 240:0 after the update allowed it"
  capture husk_cmd exec "$ID" sh -c 'head -c1 /dev/zero | wc -c'
  assert_eq 1 "$OUT" "/dev/zero (runc's default devices stay allowed)"
  assert_eq 240 "$(jq '.devices[1].major' "$HUSK_ROOT/$ID/resources.json")" "the recorded rule"
  # an update without devices leaves the filter as it is
  husk_cmd update --resources - "$ID" <<<'{}'
  capture husk_cmd exec "$ID" head -c1 /tmp/dev240
  assert_contains "$ERR" "No such device or address" "c 240:0 after an update without devices"
  husk_cmd delete --force "$ID"
  assert_no_leftovers "$ID"
}

run_cases case_pause_resume_errors case_pause_created_container case_delete_force_paused \
  case_kill_all_paused case_ps_json_and_table case_events_stats \
  case_events_stream_ends_with_container case_update_refusals case_update_core_files_recorded \
  case_update_device_filter
