#!/bin/bash
# `spec`: the default config.json and --rootless.
source "$(dirname "$0")/lib.sh"

jq_check() { # FILE FILTER WHAT
  jq -e "$2" "$1" >/dev/null || fail "$3: \`$2\` is not true for:"$'\n'"$(cat "$1")"
}

case_default_spec() {
  local dir=$CASE_DIR/spec f
  mkdir -p "$dir"
  (cd "$dir" && husk_bare spec)
  f=$dir/config.json
  [[ -s $f ]] || fail "spec wrote no config.json"
  jq_check "$f" '.ociVersion | startswith("1.")' ociVersion
  jq_check "$f" '.process.args == ["sh"]' process.args
  jq_check "$f" '.process.cwd == "/"' process.cwd
  jq_check "$f" '.process.user.uid == 0 and .process.user.gid == 0' process.user
  jq_check "$f" '.process.env | any(startswith("PATH="))' process.env
  jq_check "$f" '.process.noNewPrivileges == true' process.noNewPrivileges
  jq_check "$f" '.root.path == "rootfs"' root.path
  jq_check "$f" '.hostname | type == "string"' hostname
  jq_check "$f" '[.linux.namespaces[].type] | contains(["pid", "network", "ipc", "uts", "mount"])' \
    linux.namespaces
  jq_check "$f" '[.linux.namespaces[].type] | index("user") == null' "no user namespace"
  jq_check "$f" '.process.capabilities.bounding | length > 0' capabilities.bounding
  jq_check "$f" '(.process.capabilities.inheritable // []) == []' "no inheritable capabilities"
  jq_check "$f" '[.mounts[].destination] | contains(["/proc", "/dev", "/dev/pts", "/dev/shm",
      "/dev/mqueue", "/sys"])' mounts
  jq_check "$f" '.linux.maskedPaths | length > 0' linux.maskedPaths
  jq_check "$f" '.linux.readonlyPaths | length > 0' linux.readonlyPaths
}

case_no_overwrite() {
  local dir=$CASE_DIR/spec
  mkdir -p "$dir"
  echo '{"mine": true}' >"$dir/config.json"
  capture husk_bare spec --bundle "$dir"
  assert_ne 0 "$RC" "exit code of spec over an existing config.json"
  assert_contains "$ERR" config.json "the error names the file"
  assert_eq '{"mine": true}' "$(cat "$dir/config.json")" "existing config.json untouched"
}

case_bundle_flag() {
  local flag dir
  for flag in -b --bundle --bundle=; do
    dir=$CASE_DIR/spec${flag//[-=]/_}
    mkdir -p "$dir"
    if [[ $flag == *= ]]; then
      husk_bare spec "$flag$dir"
    else
      husk_bare spec "$flag" "$dir"
    fi
    jq -e . "$dir/config.json" >/dev/null || fail "spec $flag DIR wrote no valid config.json"
  done
}

case_rootless() {
  local dir=$CASE_DIR/spec f
  mkdir -p "$dir"
  husk_bare spec --rootless --bundle "$dir"
  f=$dir/config.json
  jq_check "$f" '[.linux.namespaces[].type] | index("user") != null' "user namespace"
  jq_check "$f" '[.linux.namespaces[].type] | index("network") == null' "no network namespace"
  jq_check "$f" ".linux.uidMappings == [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}]" \
    uidMappings
  jq_check "$f" ".linux.gidMappings == [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}]" \
    gidMappings
  jq_check "$f" '(.process.capabilities.inheritable // []) == []' "no inheritable capabilities"
}

# The default config, with only the command changed, runs as it is.
case_default_config_runs() {
  new_bundle
  run_sh 'cat /etc/passwd >/dev/null && echo ran'
  assert_eq 0 "$RC" "exit code of the default config"$'\n'"$ERR"
  assert_eq ran "$OUT"
  assert_no_leftovers "$LAST_ID"
}

run_cases case_default_spec case_no_overwrite case_bundle_flag case_rootless \
  case_default_config_runs
