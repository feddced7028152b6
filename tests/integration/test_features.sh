#!/bin/bash
# `husk features` against spec/features.md and spec/features.json, and every
# name it lists against what `husk create` accepts and what a container sees.
source "$(dirname "$0")/lib.sh"

SPEC_DIR=$LIB_DIR/../../spec

# features_json: the document, checked to be valid JSON; sets FEATURES.
features_json() {
  capture husk_bare features
  [[ $RC == 0 && -z $ERR ]] || fail "\`features\` failed"$'\n'"$(_show_output)"
  jq -e . >/dev/null <<<"$OUT" || fail "\`features\` printed no valid JSON:"$'\n'"$OUT"
  FEATURES=$OUT
}

feat() { # [JQ_OPTIONS] JQ_FILTER: a value of the document
  jq -r "$@" <<<"$FEATURES"
}

# The JSON paths of every leaf (scalars, and arrays as a whole), as jq paths.
leaf_paths() {
  jq -r 'paths(type != "object") as $p
    | select($p | map(type) | all(. == "string"))
    | $p | map(if test("^[A-Za-z_][A-Za-z0-9_]*$") then "." + . else "[\"" + . + "\"]" end)
    | join("")'
}

# -------------------------------------------------------------- the document

case_valid_json_like_jq() {
  features_json
  # two-space indent, empty arrays on one line, final newline: `jq .`'s layout
  assert_eq "$(jq . <<<"$FEATURES")" "$FEATURES" "layout"
  assert_eq 1.0.0 "$(feat .ociVersionMin)" ociVersionMin
  capture husk_bare --version
  assert_eq "spec: $(feat .ociVersionMax)" "$(grep '^spec: ' <<<"$OUT")" "ociVersionMax vs --version"
  assert_fails_with 'takes at most 0 arguments' husk_bare features extra
}

# The table of spec/features.md: | `PATH` | exact|build|probed | source |
case_matches_spec() {
  local expected path check rows=() got want version line
  features_json
  expected=$(cat "$SPEC_DIR/features.json")
  jq -e . >/dev/null <<<"$expected" || fail "spec/features.json is not JSON"
  declare -A CHECK
  while IFS= read -r line; do
    [[ $line =~ ^\|\ \`(\.[^\`]+)\`\ \|\ (exact|build|probed)\ \| ]] || continue
    [[ -z ${CHECK[${BASH_REMATCH[1]}]+x} ]] || fail "features.md: ${BASH_REMATCH[1]} twice"
    CHECK[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    rows+=("${BASH_REMATCH[1]}")
  done <"$SPEC_DIR/features.md"
  ((${#rows[@]} > 20)) || fail "features.md: only ${#rows[@]} rows found (layout changed?)"

  # the same fields everywhere: output, features.json and the table
  assert_eq "$(leaf_paths <<<"$expected" | sort)" "$(leaf_paths <<<"$FEATURES" | sort)" \
    "fields of spec/features.json vs \`husk features\`"
  while read -r path; do
    [[ -n ${CHECK[$path]+x} ]] || fail "field $path has no row in spec/features.md"
  done < <(leaf_paths <<<"$FEATURES")

  capture husk_bare --version
  version=$OUT
  for path in "${rows[@]}"; do
    check=${CHECK[$path]}
    got=$(jq -c "$path" <<<"$FEATURES")
    want=$(jq -c "$path" <<<"$expected")
    [[ $got != null ]] || fail "features.md names $path, \`husk features\` has no such field"
    case $check in
      exact)
        assert_eq "$want" "$got" "$path"
        ;;
      build)
        jq -e --argjson want "$want" '($want - .) == []' <<<"$got" >/dev/null ||
          fail "$path: missing $(jq -c --argjson want "$want" '$want - .' <<<"$got")"
        ;;
      probed)
        case $path in
          .linux.seccomp.supportedFlags)
            jq -e '.linux.seccomp.supportedFlags - .linux.seccomp.knownFlags == []' \
              <<<"$FEATURES" >/dev/null || fail "supportedFlags not a subset of knownFlags"
            ;;
          '.annotations["io.github.husk.version"]')
            assert_eq "husk version $(jq -r . <<<"$got")" "$(head -n1 <<<"$version")" "$path"
            ;;
          '.annotations["io.github.husk.commit"]')
            assert_eq "commit: $(jq -r . <<<"$got")" "$(grep '^commit: ' <<<"$version")" "$path"
            ;;
          '.annotations["io.github.seccomp.libseccomp.version"]')
            assert_eq "libseccomp: $(jq -r . <<<"$got")" "$(grep '^libseccomp: ' <<<"$version")" \
              "$path"
            ;;
          *) fail "features.md: no probe for $path in $TEST_NAME" ;;
        esac
        ;;
    esac
  done
}

# spec/oci-version.md: the versions it calls accepted are, and the refused
# ones fail with the line it gives; ociVersionMin and Max are accepted.
case_oci_versions() {
  local line values msg v id accepted=() refused=()
  features_json
  while IFS= read -r line; do
    [[ $line =~ ^\|\ (\`[^|]+)\|\ (.*)\ \|$ ]] || continue
    values=$(grep -o '`[^`]*`' <<<"${BASH_REMATCH[1]}" | tr -d '`')
    msg=${BASH_REMATCH[2]}
    if [[ $msg == accepted* ]]; then
      mapfile -t -O "${#accepted[@]}" accepted <<<"$values"
    elif [[ $msg =~ ^\`(config.json:\ ociVersion:\ unsupported\ version\ \"VALUE\")\`$ ]]; then
      mapfile -t -O "${#refused[@]}" refused <<<"$values"
      msg=${BASH_REMATCH[1]}
      REFUSED_MSG=$msg
    fi
  done <"$SPEC_DIR/oci-version.md"
  ((${#accepted[@]} >= 3 && ${#refused[@]} >= 3)) || fail "oci-version.md: table not found"
  new_bundle
  for v in "$(feat .ociVersionMin)" "$(feat .ociVersionMax)" "${accepted[@]}"; do
    cfg_set '.ociVersion = $v' --arg v "$v"
    id=$(new_id)
    capture husk_cmd create --bundle "$BUNDLE" "$id"
    [[ $RC == 0 ]] || fail "ociVersion $v refused"$'\n'"$(_show_output)"
    husk_cmd delete --force "$id" || fail "delete failed"
  done
  for v in "${refused[@]}"; do
    cfg_set '.ociVersion = $v' --arg v "$v"
    id=$(new_id)
    assert_fails_with "${REFUSED_MSG/VALUE/$v}" husk_cmd create --bundle "$BUNDLE" "$id"
    assert_no_leftovers "$id"
  done
}

# ------------------------------------------------ every listed name is accepted

# create_ok WHAT: `create` of $BUNDLE succeeds (then the container is deleted).
create_ok() {
  local id
  id=$(new_id)
  capture husk_cmd create --bundle "$BUNDLE" "$id"
  [[ $RC == 0 ]] || fail "$1: refused"$'\n'"$(_show_output)"
  husk_cmd delete --force "$id" || fail "delete failed"
}

# create_refused TEXT: `create` of $BUNDLE fails saying TEXT.
create_refused() {
  local id
  id=$(new_id)
  assert_fails_with "$1" husk_cmd create --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
}

# All capabilities at once in the bounding set (the others cannot grow past
# what the runtime itself holds): an unknown one would be named in the
# error; one the kernel lacks is only a warning.
case_capabilities_accepted() {
  features_json
  new_bundle
  cfg_set '.process.capabilities.bounding = $caps' --argjson caps "$(feat -c .linux.capabilities)"
  create_ok "all listed capabilities"
  cfg_set '.process.capabilities.bounding += ["CAP_NOPE"]'
  create_refused 'unknown capability "CAP_NOPE"'
}

# Each namespace, added to runc's default set (the user namespace with the
# id maps it needs), is accepted; an unlisted type is not.
case_namespaces_accepted() {
  local ns
  features_json
  new_bundle
  for ns in $(feat '.linux.namespaces[]'); do
    cfg_set '.linux.namespaces |= (. + [{"type": $ns}] | unique_by(.type))' --arg ns "$ns"
    if [[ $ns == user ]]; then
      cfg_set '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .linux.gidMappings = .linux.uidMappings'
    fi
    create_ok "namespace $ns"
  done
  assert_eq "$(feat -c '.linux.namespaces | sort')" "$(jq -c '[.linux.namespaces[].type] | sort' "$CFG")" \
    "namespaces in the last config"
  cfg_set '.linux.namespaces += [{"type": "nope"}]'
  create_refused 'unknown namespace type "nope"'
}

# Every listed hook kind runs, in create, start and delete.
case_hooks_run() {
  local kind id log host_log hooks
  features_json
  new_bundle
  mkdir -p "$CASE_DIR/hooklog"
  host_log=$CASE_DIR/hooklog/log
  : >"$host_log"
  # startContainer runs in the container: its /bin/sh, and the log bound in
  cfg_set '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $d,
    "options": ["rbind"]}]' --arg d "$CASE_DIR/hooklog"
  hooks='{}'
  for kind in $(feat '.hooks[]'); do
    log=$host_log
    [[ $kind != startContainer ]] || log=/hooklog/log
    hooks=$(jq -c --arg k "$kind" --arg log "$log" \
      '.[$k] = [{"path": "/bin/sh", "args": ["sh", "-c", "echo \($k) >> \($log)"]}]' <<<"$hooks")
  done
  cfg_set '.hooks = $h' --argjson h "$hooks"
  cfg_args sleep 1000
  id=$(new_id)
  husk_cmd create --bundle "$BUNDLE" "$id" || fail "create with every hook failed"
  track_container "$id"
  husk_cmd start "$id" || fail "start failed"
  husk_cmd kill "$id" KILL || fail "kill failed"
  wait_until 10 status_is "$id" stopped
  husk_cmd delete "$id" || fail "delete failed"
  for kind in $(feat '.hooks[]'); do
    grep -qx "$kind" "$host_log" || fail "hook $kind listed but did not run; log:"$'\n'"$(cat "$host_log")"
  done
  assert_no_leftovers "$id"
}

# seccomp: each action as a rule's action, every operator in one profile,
# each architecture and each flag: none is refused as unknown.
case_seccomp_names_accepted() {
  local action arch flag default
  features_json
  new_bundle
  for action in $(feat '.linux.seccomp.actions[]'); do
    default=SCMP_ACT_ALLOW
    [[ $action != "$default" ]] || default=SCMP_ACT_ERRNO
    cfg_set '.linux.seccomp = {"defaultAction": $d,
      "syscalls": [{"names": ["getppid"], "action": $a}]}' --arg d "$default" --arg a "$action"
    create_ok "seccomp action $action"
  done
  cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [$ops[] | {"names": ["getppid"], "action": "SCMP_ACT_ERRNO",
                           "args": [{"index": 0, "value": 1, "valueTwo": 1, "op": .}]}]}' \
    --argjson ops "$(feat -c .linux.seccomp.operators)"
  create_ok "every seccomp operator"
  for arch in $(feat '.linux.seccomp.archs[]'); do
    cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": [$a]}' \
      --arg a "$arch"
    capture husk_cmd create --bundle "$BUNDLE" "$(new_id)"
    assert_not_contains "$ERR" "unknown" "seccomp architecture $arch"
    [[ $RC != 0 ]] || husk_cmd delete --force "$(tail -n1 "$CASE_DIR/ids")"
  done
  for flag in $(feat '.linux.seccomp.knownFlags[]'); do
    cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": [$f],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]}' --arg f "$flag"
    if feat '.linux.seccomp.supportedFlags[]' | grep -qx "$flag"; then
      create_ok "seccomp flag $flag"
    else
      capture husk_cmd create --bundle "$BUNDLE" "$(new_id)"
      assert_not_contains "$ERR" "unknown" "seccomp flag $flag"
    fi
  done
  cfg_set '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOPE"}'
  create_refused 'unknown action `SCMP_ACT_NOPE`'
}

# Every listed mount option is recognised: a tmpfs mounted with it does not
# get it as filesystem data, which tmpfs would refuse.  One container with
# one mount per option; bind, rbind and remount need a mount of their own
# kind, and the extensions have their probes below.
case_mount_options_recognised() {
  local opt mounts='[]' id
  features_json
  new_bundle
  mkdir -p "$BUNDLE/src"
  for opt in $(feat '.mountOptions[]'); do
    case $opt in
      bind | rbind)
        mounts=$(jq -c --arg o "$opt" '. + [{"destination": "/mnt/\($o)", "type": "none",
          "source": "src", "options": [$o]}]' <<<"$mounts")
        ;;
      remount)
        mounts=$(jq -c '. + [{"destination": "/mnt/remount", "type": "tmpfs", "source": "tmpfs"},
          {"destination": "/mnt/remount", "type": "tmpfs", "source": "tmpfs",
           "options": ["remount", "ro"]}]' <<<"$mounts")
        ;;
      tmpcopyup | idmap | ridmap) ;;
      *)
        mounts=$(jq -c --arg o "$opt" '. + [{"destination": "/mnt/\($o)", "type": "tmpfs",
          "source": "tmpfs", "options": [$o]}]' <<<"$mounts")
        ;;
    esac
  done
  cfg_set '.mounts += $m' --argjson m "$mounts"
  cfg_args sh -c 'grep -c " /mnt/" /proc/self/mountinfo'
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  [[ $RC == 0 ]] || fail "a listed mount option was refused"$'\n'"$(_show_output)"
  # remount adds no mount of its own
  assert_eq "$(($(jq length <<<"$mounts") - 1))" "$OUT" "mounts under /mnt"
  assert_no_leftovers "$id"
  # and the check can fail: an option nobody knows reaches tmpfs as data
  cfg_set '.mounts += [{"destination": "/mnt/x", "type": "tmpfs", "source": "tmpfs",
    "options": ["nosuchoption"]}]'
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  [[ $RC != 0 ]] || fail "tmpfs took an unknown option: this check proves nothing"
  assert_no_leftovers "$id"
}

# ------------------------------------- the support switches, probed both ways

# listed NAME FILTER: whether the document lists/enables it (prints yes/no).
listed() {
  if [[ $(feat "$1") == true ]]; then echo yes; else echo no; fi
}

# tmpcopyup: the files of the directory show through the new tmpfs.
case_probe_tmpcopyup() {
  local claimed seen id
  features_json
  claimed=$(listed '.mountOptions | index("tmpcopyup") != null')
  new_bundle
  echo probe >"$ROOTFS/etc/husk-probe"
  cfg_set '.mounts += [{"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
    "options": ["tmpcopyup"]}]'
  cfg_args sh -c 'cat /etc/husk-probe; grep " /etc " /proc/self/mountinfo'
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  seen=no
  [[ $RC == 0 && $OUT == probe*tmpfs* ]] && seen=yes
  assert_eq "$claimed" "$seen" "tmpcopyup listed vs applied (run: exit $RC, $OUT$ERR)"
  assert_no_leftovers "$id"
}

# idmapped mounts: a bind mount with its own mappings shows `idmapped`.
case_probe_idmap() {
  local claimed listed_opt seen id
  features_json
  claimed=$(listed '.linux.mountExtensions.idmap.enabled')
  listed_opt=$(listed '.mountOptions | index("idmap") != null')
  assert_eq "$claimed" "$listed_opt" "mountExtensions.idmap vs the idmap mount option"
  new_bundle
  mkdir -p "$BUNDLE/shared"
  cfg_set '.mounts += [{"destination": "/shared", "type": "bind", "source": "shared",
    "options": ["bind", "idmap"],
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]'
  cfg_args sh -c 'grep " /shared " /proc/self/mountinfo'
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  seen=no
  [[ $RC == 0 && $OUT == *idmapped* ]] && seen=yes
  assert_eq "$claimed" "$seen" "idmap enabled vs applied (run: exit $RC, $OUT$ERR)"
  assert_no_leftovers "$id"
}

# memoryPolicy: MPOL_BIND to node 0 shows in the process's numa_maps.
case_probe_memory_policy() {
  local claimed seen id
  [[ -r /proc/self/numa_maps && -d /sys/devices/system/node/node0 ]] || skip "no NUMA support"
  features_json
  claimed=$(listed '.linux.memoryPolicy.modes | index("MPOL_BIND") != null')
  new_bundle
  cfg_set '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
  cfg_args sh -c 'grep -c "bind:0" /proc/self/numa_maps || true'
  id=$(new_id)
  capture husk_cmd run --bundle "$BUNDLE" "$id"
  seen=no
  [[ $RC == 0 && $OUT =~ ^[0-9]+$ && $OUT -gt 0 ]] && seen=yes
  assert_eq "$claimed" "$seen" "memoryPolicy listed vs applied (run: exit $RC, $OUT$ERR)"
  assert_no_leftovers "$id"
  if [[ $claimed == yes ]]; then
    cfg_set '.linux.memoryPolicy = {"mode": "MPOL_NOPE"}'
    create_refused 'MPOL_NOPE'
  fi
}

# netDevices: a veth made in a private network namespace of the runtime
# (the host's is never touched) appears renamed in the container.
case_probe_net_devices() {
  local claimed seen id
  need_cmd unshare ip
  features_json
  claimed=$(listed '.linux.netDevices.enabled')
  new_bundle
  cfg_set '.linux.netDevices = {"hkprobe0": {"name": "eth7"}}'
  cfg_args cat /proc/net/dev
  id=$(new_id)
  capture timeout -k 5 "$HUSK_CMD_TIMEOUT" unshare -n -- sh -c \
    'ip link add hkprobe0 type veth peer name hkprobe1 || exit 99; exec "$@"' sh \
    "${HUSK_ARGV[@]}" run --bundle "$BUNDLE" "$id"
  [[ $RC != 99 ]] || skip "cannot make a veth pair in a private network namespace"
  seen=no
  [[ $RC == 0 && $OUT == *eth7:* ]] && seen=yes
  assert_eq "$claimed" "$seen" "netDevices enabled vs applied (run: exit $RC, $OUT$ERR)"
  assert_no_leftovers "$id"
}

run_cases case_valid_json_like_jq case_matches_spec case_oci_versions \
  case_capabilities_accepted case_namespaces_accepted case_hooks_run \
  case_seccomp_names_accepted case_mount_options_recognised \
  case_probe_tmpcopyup case_probe_idmap case_probe_memory_policy case_probe_net_devices
