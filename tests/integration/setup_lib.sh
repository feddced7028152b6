# Helpers shared by the container-setup tests (test_setup_*.sh,
# test_hardening.sh); sourced after lib.sh.

# bad_config TEXT: `run` of the current bundle fails saying TEXT, and leaves
# nothing behind.
bad_config() {
  local id
  id=$(new_id bad)
  assert_fails_with "$1" husk_cmd run --bundle "$BUNDLE" "$id"
  assert_no_leftovers "$id"
}

# tool NAME: path of a helper from tests/tools, built by CMake next to the
# runtime under test, else compiled here once per HUSK_TEST_WORK.
tool() {
  local name=$1 dir=$HUSK_TEST_WORK/tools built
  built=$(dirname "$HUSK")/tests/tools/$name
  if [[ -x $built ]]; then
    echo "$built"
    return
  fi
  if [[ ! -x $dir/$name ]]; then
    need_cmd cc
    mkdir -p "$dir"
    cc -O2 -Wall -o "$dir/$name.tmp.$$" "$LIB_DIR/../tools/$name.c" || fail "cannot build $name"
    mv "$dir/$name.tmp.$$" "$dir/$name"
  fi
  echo "$dir/$name"
}
