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
