#!/bin/bash
# Podman 4.3 (with conmon) drives husk: `podman` with husk as its OCI runtime
# runs, execs (with and without a tty), pauses, stops, kills, removes and
# updates containers of a busybox image imported from our rootfs.  Each case
# checks outputs and exit codes, what podman asked of husk, and that no
# container, husk state, mount, cgroup or process is left.
#
# Podman runs with a containers.conf and storage.conf of the test's own (all
# its state under $HUSK_TEST_WORK), inside the cgroup sandbox of
# engine_lib.sh, always with `--network none` (its default bridge would
# rewrite the host's iptables and sysctls).  husk keeps its state in its
# default root, /run/husk, as it would for a user: podman passes no --root.
# Skips (77) only when podman cannot be installed or cannot start here.
source "$(dirname "$0")/lib.sh"
source "$LIB_DIR/engine_lib.sh"

need_root
need_cmd jq tar
engine_install podman conmon script

# Decided outside the sandbox, inherited inside.  Podman's run root gets a
# short directory: the exit command conmon runs (`podman container cleanup`)
# refuses a --runroot longer than 50 characters.  Podman (as root) keeps an
# image blob cache in /var/lib/containers and network state in
# /run/containers whatever its configuration says: the test removes them
# afterwards if it created them.
if [[ -z ${HUSK_ENGINE_SANDBOX:-} ]]; then
  export PODMAN_RUN=/tmp/husk-podman-$$ PODMAN_NEW_DIRS=""
  for d in /var/lib/containers /run/containers; do
    [[ -e $d ]] || PODMAN_NEW_DIRS+=" $d"
  done
fi
engine_outer_cleanup() {
  local d
  for d in $PODMAN_RUN $PODMAN_NEW_DIRS; do
    rm -rf --one-file-system "$d"
  done
}
engine_sandbox "$@"

ENG=$T_WORK/engine
IMG=localhost/husk-busybox:test
case "$(basename "$HUSK")" in # the runtime's default --root (runc and crun work too)
  runc | crun) HUSK_ROOT_DEFAULT=/run/$(basename "$HUSK") ;;
  *) HUSK_ROOT_DEFAULT=/run/husk ;;
esac

pod() {
  podman --log-level=error "$@"
}

# ---------------------------------------------------------------- the engine

min() {
  if [[ $1 == unlimited ]] || { [[ $2 != unlimited ]] && (($2 < $1)); }; then echo "$2"; else echo "$1"; fi
}

write_conf() { # STORAGE_DRIVER
  local nofile nproc pids_limit=""
  # Podman raises its own RLIMIT_NOFILE to 1048576 where it may and lowers its
  # RLIMIT_NPROC to 32768 before it starts anything, and without
  # CAP_SYS_RESOURCE a container's hard limit cannot exceed the runtime's.
  nofile=$(min "$(ulimit -Hn)" 1048576)
  nproc=$(min "$(ulimit -Hu)" 32768)
  # podman's default pids limit needs the pids controller
  grep -qw pids /sys/fs/cgroup/cgroup.controllers || pids_limit="pids_limit = 0"
  cat >"$ENG/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
$pids_limit
netns = "none"
log_driver = "k8s-file"

[engine]
runtime = "husk"
runtime_supports_json = ["husk"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$ENG/events.log"
lock_type = "file"
tmp_dir = "$PODMAN_RUN/tmp"
static_dir = "$ENG/graph/libpod"
volume_path = "$ENG/graph/volumes"
image_copy_tmp_dir = "$PODMAN_RUN/tmp"

[engine.runtimes]
husk = ["$ENGINE_HUSK"]

[network]
network_config_dir = "$ENG/net"
EOF
  cat >"$ENG/storage.conf" <<EOF
[storage]
driver = "$1"
runroot = "$PODMAN_RUN/runroot"
graphroot = "$ENG/graph"
EOF
}

setup_podman() {
  local d log=$ENG/setup.log
  rm -rf --one-file-system "$ENG" "$PODMAN_RUN"
  mkdir -p "$ENG/net" "$PODMAN_RUN/tmp"
  engine_wrapper "$ENG/bin"
  export CONTAINERS_CONF=$ENG/containers.conf CONTAINERS_STORAGE_CONF=$ENG/storage.conf
  for d in overlay vfs; do
    write_conf "$d"
    pod info >"$log" 2>&1 && break
    echo "podman: storage driver $d does not work here:" && tail -n 5 "$log"
    rm -rf --one-file-system "$ENG/graph" "$PODMAN_RUN/runroot"
  done
  pod info >"$log" 2>&1 || skip "\`podman info\` fails with both overlay and vfs storage: $(tail -n 3 "$log")"
  echo "podman: $(podman --version), conmon $(conmon --version | head -n1), storage $d"
  make_rootfs "$ENG/rootfs"
  tar -C "$ENG/rootfs" -cf "$ENG/rootfs.tar" .
  pod import "$ENG/rootfs.tar" "$IMG" >"$log" 2>&1 || fail "podman import failed: $(cat "$log")"
  pod_mounts >"$ENG/mounts.base"
}

pod_mounts() {
  engine_mounts "$ENG"
  engine_mounts "$PODMAN_RUN"
}

# podman_case: start of every case: whatever it leaves running is removed.
podman_case() {
  trap 'pod rm -af -t 0 >/dev/null 2>&1; _cleanup_case' EXIT
}

# podman_clean ID: podman knows no container, husk has no state for ID, and
# no mount, cgroup or process of it is left.
podman_clean() {
  wait_engine_clean "$1" "$HUSK_ROOT_DEFAULT"
  assert_eq "" "$(pod ps -aq)" "containers podman still has"
  assert_eq "$(cat "$ENG/mounts.base")" "$(pod_mounts)" "mounts under $ENG and $PODMAN_RUN"
}

run_d() { # ARGS...: podman run -d; prints the id
  pod run -d --network none "$@"
}

inspect() { # ID GO_TEMPLATE
  pod inspect --format "$2" "$1"
}

husk_status() { # ID
  "$HUSK" --root "$HUSK_ROOT_DEFAULT" state "$1" | jq -r .status
}

logged() { # ID TEXT: the container's output has TEXT (its trap is set)
  pod logs "$1" 2>/dev/null | grep -F "$2" >/dev/null
}

exited() { # ID
  [[ $(inspect "$1" '{{.State.Status}}') == exited ]]
}

# --------------------------------------------------------------------- cases

case_run() {
  podman_case
  local cid=$CASE_DIR/cid id
  capture pod run --rm --network none --cidfile "$cid" "$IMG" sh -c 'echo out; echo err >&2; exit 3'
  assert_eq 3 "$RC" "exit code of podman run"
  assert_eq out "$OUT" stdout
  assert_contains "$ERR" err stderr
  id=$(cat "$cid")
  argv_seen "^--log-format=json --log [^ ]+ create --bundle [^ ]+ --pid-file [^ ]+ $id\$"
  argv_seen "^start $id\$"
  argv_seen "^delete --force $id\$"
  podman_clean "$id"

  rm -f "$cid"
  capture pod run --rm --network none --cidfile "$cid" --hostname husk-pod -e FOO=bar -w /tmp \
    "$IMG" sh -c 'echo $$ $(hostname) $FOO $(pwd); ulimit -Hn'
  assert_eq 0 "$RC" "exit code of podman run"$'\n'"$ERR"
  assert_eq "1 husk-pod bar /tmp"$'\n'"$(min "$(ulimit -Hn)" 1048576)" "$OUT" "what the container sees"
  podman_clean "$(cat "$cid")"

  # a process that cannot start: conmon passes on husk's error from the log
  # file, and podman maps "no such file or directory" to 127
  rm -f "$cid"
  capture pod run --rm --network none --cidfile "$cid" "$IMG" /no/such/binary
  assert_eq 127 "$RC" "podman run of a missing binary"$'\n'"$ERR"
  assert_contains "$ERR" "/no/such/binary" "podman's error"
  podman_clean "$(cat "$cid")"
}

# A container that runs as another user, or as root of a user namespace:
# its init must still be able to open the exec fifo once `start` comes.
case_run_user() {
  podman_case
  local cid=$CASE_DIR/cid
  capture pod run --rm --network none --cidfile "$cid" --user 65534:65534 "$IMG" id
  assert_eq 0 "$RC" "podman run --user 65534:65534"$'\n'"$ERR"
  assert_eq "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" "$OUT" "id in the container"
  podman_clean "$(cat "$cid")"
  rm -f "$cid"
  capture pod run --rm --network none --cidfile "$cid" --uidmap 0:100000:65536 \
    --gidmap 0:100000:65536 "$IMG" sh -c 'id -u; cat /proc/self/uid_map'
  assert_eq 0 "$RC" "podman run --uidmap"$'\n'"$ERR"
  assert_match "$OUT" '^0'$'\n'' +0 +100000 +65536$' "uid and uid_map in the container"
  podman_clean "$(cat "$cid")"
}

case_run_tty() {
  podman_case
  local cid=$CASE_DIR/cid id
  in_pty podman --log-level=error run --rm -it --network none --cidfile "$cid" "$IMG" sh -c 'tty; exit 4'
  assert_eq 4 "$RC" "exit code of podman run -it"$'\n'"$OUT"
  assert_match "$OUT" '(^|[^a-z])/dev/pts/[0-9]+' "tty in the container"
  id=$(cat "$cid")
  argv_seen "create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ $id\$"
  podman_clean "$id"
}

case_exec() {
  podman_case
  local id
  id=$(run_d "$IMG" sleep 1000)
  assert_eq running "$(husk_status "$id")" "husk state of the container"
  capture pod exec "$id" sh -c 'echo in-exec; tr "\0" " " </proc/1/cmdline; exit 7'
  assert_eq 7 "$RC" "exit code of podman exec"
  assert_eq "in-exec"$'\n'"sleep 1000 " "$OUT" "exec output (pid 1 is the container's)"
  argv_seen "exec --pid-file [^ ]+ --process [^ ]+ --detach $id\$"
  capture pod exec -e FOO=bar -w /tmp -u 65534:65534 "$id" sh -c 'echo $FOO $(pwd) $(id -u) $(id -g)'
  assert_eq 0 "$RC" "exit code of podman exec -e -w -u"$'\n'"$ERR"
  assert_eq "bar /tmp 65534 65534" "$OUT" "env, cwd and user of the exec"
  capture pod exec "$id" /no/such/binary
  assert_eq 127 "$RC" "podman exec of a missing binary"$'\n'"$ERR"
  assert_contains "$ERR" "/no/such/binary"
  assert_eq running "$(inspect "$id" '{{.State.Status}}')" "status after the execs"
  pod rm -f -t 0 "$id" >/dev/null
  podman_clean "$id"
}

case_exec_tty() {
  podman_case
  local id
  id=$(run_d "$IMG" sleep 1000)
  in_pty podman --log-level=error exec -it "$id" sh -c 'tty; exit 5'
  assert_eq 5 "$RC" "exit code of podman exec -it"$'\n'"$OUT"
  assert_match "$OUT" '(^|[^a-z])/dev/pts/[0-9]+' "tty of the exec"
  argv_seen "exec --pid-file [^ ]+ --process [^ ]+ --detach --tty --console-socket [^ ]+ $id\$"
  pod rm -f -t 0 "$id" >/dev/null
  podman_clean "$id"
}

case_pause() {
  podman_case
  need_husk pause resume "podman pause/unpause call \`husk pause ID\` and \`husk resume ID\`"
  local id cg
  id=$(run_d "$IMG" sleep 1000)
  cg=$(engine_cgroup "$id")
  [[ -n $cg ]] || fail "no cgroup named after $id under /sys/fs/cgroup"
  capture pod pause "$id"
  assert_eq 0 "$RC" "podman pause"$'\n'"$ERR"
  assert_eq paused "$(inspect "$id" '{{.State.Status}}')" "podman's status after pause"
  assert_eq paused "$(husk_status "$id")" "husk's status after pause"
  assert_contains "$(cat "$cg/cgroup.events")" "frozen 1" "$cg/cgroup.events"
  capture pod unpause "$id"
  assert_eq 0 "$RC" "podman unpause"$'\n'"$ERR"
  assert_eq running "$(inspect "$id" '{{.State.Status}}')" "podman's status after unpause"
  assert_contains "$(cat "$cg/cgroup.events")" "frozen 0" "$cg/cgroup.events"
  assert_exit 0 pod exec "$id" true
  argv_seen "^pause $id\$"
  argv_seen "^resume $id\$"
  pod rm -f -t 0 "$id" >/dev/null
  podman_clean "$id"
  # a paused container removed by force
  id=$(run_d "$IMG" sleep 1000)
  assert_exit 0 pod pause "$id"
  assert_exit 0 pod rm -f -t 0 "$id"
  podman_clean "$id"
}

case_stop() {
  podman_case
  local id start
  # a container that exits on SIGTERM
  id=$(run_d "$IMG" sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done')
  wait_until 30 logged "$id" ready
  start=$SECONDS
  capture pod stop -t 30 "$id"
  assert_eq 0 "$RC" "podman stop"$'\n'"$ERR"
  ((SECONDS - start < 30)) || fail "podman stop waited the whole timeout: SIGTERM did not arrive"
  assert_eq 42 "$(inspect "$id" '{{.State.ExitCode}}')" "exit code after SIGTERM"
  argv_seen "^kill $id 15\$"
  pod rm "$id" >/dev/null
  podman_clean "$id"
  # pid 1 without a handler ignores SIGTERM: podman falls back to SIGKILL
  id=$(run_d "$IMG" sleep 1000)
  capture pod stop -t 1 "$id"
  assert_eq 0 "$RC" "podman stop"$'\n'"$ERR"
  assert_eq 137 "$(inspect "$id" '{{.State.ExitCode}}')" "exit code after SIGKILL"
  argv_seen "^kill $id 9\$"
  pod rm "$id" >/dev/null
  podman_clean "$id"
}

case_kill() {
  podman_case
  local id
  id=$(run_d "$IMG" sh -c 'trap "echo got-usr1; exit 5" USR1; echo ready; while :; do sleep 0.1; done')
  wait_until 30 logged "$id" ready
  assert_exit 0 pod kill -s USR1 "$id"
  wait_until 30 exited "$id"
  assert_eq 5 "$(inspect "$id" '{{.State.ExitCode}}')" "exit code after SIGUSR1"
  # "exited": conmon's exit command (podman container cleanup) ran `husk delete`
  [[ ! -e $HUSK_ROOT_DEFAULT/$id ]] || fail "husk state of $id outlived podman's cleanup"
  assert_contains "$(pod logs "$id")" got-usr1 "container log"
  argv_seen "^kill $id 10\$"
  pod rm "$id" >/dev/null
  podman_clean "$id"
  id=$(run_d "$IMG" sleep 1000)
  assert_exit 0 pod kill "$id"
  wait_until 30 exited "$id"
  assert_eq 137 "$(inspect "$id" '{{.State.ExitCode}}')" "exit code after podman kill"
  pod rm "$id" >/dev/null
  podman_clean "$id"
  # a foreground `podman run` passes the SIGTERM it gets on (husk kill ID 15)
  local out=$CASE_DIR/fg.out pid
  rm -f "$CASE_DIR/cid"
  podman --log-level=error run --rm --network none --cidfile "$CASE_DIR/cid" "$IMG" \
    sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$out" 2>&1 &
  pid=$!
  wait_until 30 grep -q ready "$out"
  kill -TERM "$pid"
  RC=0
  wait "$pid" || RC=$?
  assert_eq 7 "$RC" "exit code of podman run after SIGTERM"$'\n'"$(cat "$out")"
  assert_contains "$(cat "$out")" got-term "container output"
  id=$(cat "$CASE_DIR/cid")
  argv_seen "^kill $id 15\$"
  podman_clean "$id"
}

case_rm_force() {
  podman_case
  local id pid
  id=$(run_d "$IMG" sleep 1000)
  pid=$(inspect "$id" '{{.State.Pid}}')
  track_pid "$pid" "$id"
  assert_exit 0 pod rm -f -t 0 "$id"
  pid_alive "$pid" && fail "the container's process $pid outlived podman rm -f"
  podman_clean "$id"
  # a created container (`podman init` runs `husk create`) removed by force
  id=$(pod create --network none "$IMG" sleep 1000)
  assert_exit 0 pod init "$id"
  assert_eq created "$(husk_status "$id")" "husk's status after podman init"
  assert_exit 0 pod rm -f "$id"
  argv_seen "^delete --force $id\$"
  podman_clean "$id"
}

case_update() {
  podman_case
  need_husk update "podman update calls \`husk update --resources=FILE ID\`"
  local id cg
  id=$(run_d "$IMG" sleep 1000)
  cg=$(engine_cgroup "$id")
  [[ -n $cg ]] || fail "no cgroup named after $id under /sys/fs/cgroup"
  capture pod update --memory 64m "$id"
  argv_seen "^update --resources=[^ ]+ $id\$"
  if grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    assert_eq 0 "$RC" "podman update --memory"$'\n'"$ERR"
    assert_eq 67108864 "$(cat "$cg/memory.max")" "$cg/memory.max after update"
  else
    # no memory controller in this hierarchy: husk's error names it
    assert_ne 0 "$RC" "podman update --memory without a memory controller"
    assert_contains "$ERR" memory "podman update's error"
  fi
  assert_eq running "$(inspect "$id" '{{.State.Status}}')" "status after update"
  assert_exit 0 pod exec "$id" true
  pod rm -f -t 0 "$id" >/dev/null
  podman_clean "$id"
}

setup_podman
run_cases case_run case_run_user case_run_tty case_exec case_exec_tty case_pause case_stop case_kill \
  case_rm_force case_update
