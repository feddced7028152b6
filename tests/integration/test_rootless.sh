#!/bin/bash
# husk run by an unprivileged user: the default --root under
# $XDG_RUNTIME_DIR, id maps written directly (the caller's own id, as
# `spec --rootless` makes them) or through newuidmap/newgidmap (ranges from
# /etc/subuid and /etc/subgid), no cgroup without delegation, and the errors.
# shellcheck disable=SC2016 # backquotes of husk's messages, jq variables
source "$(dirname "$0")/lib.sh"

RL_USER=husk-rootless

# ---- host preconditions (the whole test is skipped without them)

[[ $EUID -eq 0 ]] || skip "needs root (to create the test user)"
need_cmd runuser useradd usermod jq
if [[ -r /proc/sys/kernel/unprivileged_userns_clone ]] &&
  [[ $(cat /proc/sys/kernel/unprivileged_userns_clone) == 0 ]]; then
  skip "the kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone=0)"
fi
if [[ $(sysctl -n user.max_user_namespaces 2>/dev/null || echo 1) == 0 ]]; then
  skip "the kernel forbids user namespaces (user.max_user_namespaces=0)"
fi
if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
  bash "$LIB_DIR/../install-deps.sh" >&2 || true
fi

# The test user, made once: a system account without a home or a shell.
id -u "$RL_USER" >/dev/null 2>&1 ||
  useradd --system --no-create-home --shell /usr/sbin/nologin "$RL_USER" ||
  skip "cannot create user $RL_USER"
# whatever else may forbid them (an LSM, a seccomp policy): ask the kernel
if ! probe=$(runuser -u "$RL_USER" -- unshare --user --map-root-user true 2>&1); then
  skip "$RL_USER cannot create a user namespace: $probe"
fi
RL_UID=$(id -u "$RL_USER")
RL_GID=$(id -g "$RL_USER")

# A subordinate id range for the user, added only when it has none: the
# first 65536 ids above every range in /etc/subuid and /etc/subgid.
if ! grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || ! grep -q "^$RL_USER:" /etc/subgid 2>/dev/null; then
  start=$(cat /etc/subuid /etc/subgid 2>/dev/null |
    awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }')
  grep -q "^$RL_USER:" /etc/subuid 2>/dev/null ||
    usermod --add-subuids "$start-$((start + 65535))" "$RL_USER" || skip "cannot add a subuid range"
  grep -q "^$RL_USER:" /etc/subgid 2>/dev/null ||
    usermod --add-subgids "$start-$((start + 65535))" "$RL_USER" || skip "cannot add a subgid range"
fi
IFS=: read -r _ SUB_UID SUB_UID_N < <(grep "^$RL_USER:" /etc/subuid | head -n1)
IFS=: read -r _ SUB_GID SUB_GID_N < <(grep "^$RL_USER:" /etc/subgid | head -n1)

# The binary under test, where the user can surely run it (the build
# directory may be in a tree it cannot enter).
mkdir -p "$T_WORK"
chmod 755 "$T_WORK"
RL_HUSK=$T_WORK/husk
cp "$HUSK" "$RL_HUSK"
chmod 755 "$RL_HUSK"

# ---- helpers

# rl_setup: this case's runtime directory owned by the user; HUSK_ROOT (for
# lib.sh's leftover checks and cleanup) is the root husk picks by default.
rl_setup() {
  chmod 755 "$CASE_DIR"
  RL_XDG=$CASE_DIR/xdg
  mkdir -p "$RL_XDG"
  chown "$RL_USER:" "$RL_XDG"
  chmod 700 "$RL_XDG"
  # shellcheck disable=SC2034 # read by lib.sh
  HUSK_ROOT=$RL_XDG/husk
  _set_husk_argv
}

# rl_husk ARGS...: husk as the user, with no --root, from the current directory.
rl_husk() {
  timeout -k 5 "$HUSK_CMD_TIMEOUT" runuser -u "$RL_USER" -- \
    env PATH="${RL_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" XDG_RUNTIME_DIR="$RL_XDG" \
    "$RL_HUSK" "$@"
}

# rl_bundle: a bundle owned by the user, config from `spec --rootless` run
# as the user, with a writable root and no terminal.  Sets BUNDLE, ROOTFS, CFG.
rl_bundle() {
  rl_setup
  BUNDLE=$CASE_DIR/bundle
  ROOTFS=$BUNDLE/rootfs
  CFG=$BUNDLE/config.json
  mkdir -p "$BUNDLE"
  make_rootfs "$ROOTFS"
  chown -R "$RL_USER:" "$BUNDLE"
  (cd "$BUNDLE" && rl_husk spec --rootless) || fail "\`spec --rootless\` as $RL_USER failed"
  runuser -u "$RL_USER" -- test -r "$CFG" ||
    skip "$RL_USER cannot reach $BUNDLE (HUSK_TEST_WORK=$HUSK_TEST_WORK not traversable)"
  cfg_set '.process.terminal = false | .root.readonly = false'
}

# rl_run SCRIPT: `run` sh -c SCRIPT as the user; sets OUT, ERR, RC, LAST_ID.
rl_run() {
  cfg_args sh -c "$1"
  LAST_ID=$(new_id run)
  capture rl_husk run --bundle "$BUNDLE" "$LAST_ID" </dev/null
}

rl_status_is() { # ID STATUS
  [[ $(rl_husk state "$1" | jq -r .status) == "$2" ]]
}

# Map lines as "inside outside count", single spaces.
maps_of() { tr -s ' ' <<<"$1" | sed 's/^ //'; }

# A mapping of the user's own id plus a subordinate range (needs the tools).
multi_range_maps() {
  cfg_set '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1},
                                 {"containerID": 1, "hostID": $su, "size": $sun}]
         | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1},
                                 {"containerID": 1, "hostID": $sg, "size": $sgn}]' \
    --argjson u "$RL_UID" --argjson g "$RL_GID" \
    --argjson su "$SUB_UID" --argjson sun "$SUB_UID_N" \
    --argjson sg "$SUB_GID" --argjson sgn "$SUB_GID_N"
}

# ---- cases

# spec --rootless maps the caller's own ids; husk writes them without the
# setuid tools (setgroups denied first) and needs no cgroup.
case_own_id() {
  rl_bundle
  assert_eq "$RL_UID 1" "$(jq -r '.linux.uidMappings[] | "\(.hostID) \(.size)"' "$CFG")" "uidMappings"
  assert_eq "$RL_GID 1" "$(jq -r '.linux.gidMappings[] | "\(.hostID) \(.size)"' "$CFG")" "gidMappings"
  # PATH without the tools: this mapping must not need them
  RL_PATH=$CASE_DIR/empty-path
  mkdir -p "$RL_PATH"
  rl_run 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
    touch /tmp/made-inside'
  [[ $RC == 0 ]] || fail "rootless run failed"$'\n'"$(_show_output)"
  assert_eq "0
0
$(maps_of "0 $RL_UID 1
0 $RL_GID 1")
deny" "$(maps_of "$OUT")" "ids, maps and setgroups inside"
  assert_eq "$RL_UID:$RL_GID" "$(stat -c %u:%g "$ROOTFS/tmp/made-inside")" "owner on the host"
  assert_no_leftovers "$LAST_ID"
}

# create/start/kill/delete as the user; the state lives in $XDG_RUNTIME_DIR/husk.
case_lifecycle_default_root() {
  local id
  rl_bundle
  cfg_args sleep 1000
  id=$(new_id)
  (cd "$BUNDLE" && rl_husk create "$id") </dev/null || fail "rootless create failed"
  [[ -f $RL_XDG/husk/$id/state.json ]] || fail "no state in $RL_XDG/husk/$id"
  track_container "$id"
  assert_eq created "$(rl_husk state "$id" | jq -r .status)" "status after create"
  assert_eq "$RL_UID" "$(stat -c %u "/proc/$(rl_husk state "$id" | jq -r .pid)")" \
    "host uid of the container's init"
  rl_husk start "$id" || fail "rootless start failed"
  assert_eq running "$(rl_husk state "$id" | jq -r .status)" "status after start"
  rl_husk kill "$id" KILL || fail "rootless kill failed"
  wait_until 10 rl_status_is "$id" stopped
  rl_husk delete "$id" || fail "rootless delete failed"
  assert_fails_with "container \"$id\" does not exist" rl_husk state "$id"
  assert_no_leftovers "$id"
}

# exec as the user: the new process joins the container's user namespace
# (the runtime enters it first to reach the pid namespace).
case_exec() {
  local id
  rl_bundle
  multi_range_maps
  cfg_args sleep 1000
  id=$(new_id)
  (cd "$BUNDLE" && rl_husk run --detach "$id") </dev/null || fail "rootless run --detach failed"
  track_container "$id"
  capture rl_husk exec "$id" sh -c 'id -u; cat /proc/self/uid_map'
  [[ $RC == 0 ]] || fail "rootless exec failed"$'\n'"$(_show_output)"
  assert_eq "0
$(maps_of "0 $RL_UID 1
1 $SUB_UID $SUB_UID_N")" "$(maps_of "$OUT")" "uid and map of the exec'd process"
  capture rl_husk exec --user 1000:1000 "$id" id -u
  assert_eq "0 1000" "$RC $OUT" "exec --user 1000:1000"
  rl_husk kill "$id" KILL || fail "rootless kill failed"
  wait_until 10 rl_status_is "$id" stopped
  rl_husk delete "$id" || fail "rootless delete failed"
  assert_no_leftovers "$id"
}

# Several ranges, from /etc/subuid and /etc/subgid: newuidmap/newgidmap.
case_multi_range() {
  rl_bundle
  multi_range_maps
  cfg_set '.process.user.uid = 1000 | .process.user.gid = 1000'
  rl_run 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/by-1000'
  [[ $RC == 0 ]] || fail "rootless run with ranges failed"$'\n'"$(_show_output)"
  assert_eq "1000
1000
$(maps_of "0 $RL_UID 1
1 $SUB_UID $SUB_UID_N
0 $RL_GID 1
1 $SUB_GID $SUB_GID_N")" "$(maps_of "$OUT")" "ids and maps inside"
  assert_eq "$((SUB_UID + 999)):$((SUB_GID + 999))" "$(stat -c %u:%g "$ROOTFS/tmp/by-1000")" \
    "owner on the host of a file made by uid 1000"
  assert_no_leftovers "$LAST_ID"
}

# Without newuidmap in PATH, a mapping that needs it fails naming it.
case_missing_newuidmap() {
  rl_bundle
  multi_range_maps
  RL_PATH=$CASE_DIR/empty-path
  mkdir -p "$RL_PATH"
  rl_run 'true'
  assert_ne 0 "$RC" "exit code without newuidmap"
  assert_contains "$ERR" 'linux.uidMappings: cannot run `newuidmap`'
  assert_contains "$ERR" 'package `uidmap`'
  assert_no_leftovers "$LAST_ID"
}

# A range the user was not given: newuidmap refuses, and says why.
case_range_not_allowed() {
  rl_bundle
  multi_range_maps
  cfg_set '.linux.uidMappings[1].hostID = $h' --argjson h "$((SUB_UID + SUB_UID_N))"
  rl_run 'true'
  assert_ne 0 "$RC" "exit code with a range outside /etc/subuid"
  assert_match "$ERR" 'linux.uidMappings: `newuidmap [0-9]+ 0 '"$RL_UID"' 1 1 [0-9]+ [0-9]+` failed with exit status [0-9]+: newuidmap'
  assert_no_leftovers "$LAST_ID"
}

# Without cgroup delegation, asking for limits is an error naming the cgroup.
case_resources_need_cgroup() {
  local cg own parent
  cg=$(cgroup2_mount)
  [[ -n $cg ]] || skip "no cgroup2 mount"
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  parent=$(dirname "$own")
  if runuser -u "$RL_USER" -- test -w "$cg$parent"; then
    skip "$cg$parent is writable by $RL_USER (delegated): nothing to refuse"
  fi
  rl_bundle
  cfg_set '.linux.resources = {"unified": {"cgroup.max.descendants": "10"}}'
  rl_run 'true'
  assert_ne 0 "$RC" "exit code with resources and no delegation"
  assert_contains "$ERR" "linux.resources need cgroup \`${parent%/}/$LAST_ID\`"
  assert_contains "$ERR" "no cgroup delegation"
  assert_no_leftovers "$LAST_ID"
}

run_cases case_own_id case_lifecycle_default_root case_exec case_multi_range case_missing_newuidmap \
  case_range_not_allowed case_resources_need_cgroup
