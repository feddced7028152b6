#!/bin/bash
# spec/cli.md against the binary: the same commands, every documented flag
# accepted in each of its spellings, every flag of a usage line documented.
source "$(dirname "$0")/lib.sh"

CLI_MD=$LIB_DIR/../../spec/cli.md

# The commands `husk --help` lists (the help line is not a command).
binary_commands() {
  husk_bare --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
    on && $1 != "help" { print $1 }'
}

# The commands with a "## `husk NAME`" section, "help" left out.
documented_commands() {
  sed -n 's/^## `husk \([a-z]*\)`$/\1/p' "$CLI_MD" | grep -vx help
}

# The flag rows of one section ("" for the global options):
# "SHORT LONG VALUE" per line, "-" where there is none.
flag_rows() {
  local section=$1
  awk -v want="$section" '
    /^## / { in_sec = (want == "" ? $0 == "## Global options" : $0 == "## `husk " want "`") ; next }
    in_sec && /^\| `-/ {
      split($0, cell, " \\| ")
      names = cell[1]; sub(/^\| /, "", names)
      value = cell[2]; gsub(/`/, "", value); gsub(/\\\|/, "|", value)
      short = "-"; long = "-"
      n = split(names, parts, ", ")
      for (i = 1; i <= n; i++) {
        f = parts[i]; gsub(/`/, "", f)
        if (f ~ /^--/) long = f; else short = f
      }
      print short, long, value
    }' "$CLI_MD"
}

# An example for each metavariable of the Value column.
example() {
  case $1 in
    DIR) echo "$CASE_DIR/empty" ;;
    FILE | 'FILE|-') echo "$CASE_DIR/no-such-file" ;;
    N) echo 1 ;;
    M) echo 64M ;;
    L | GID) echo 0 ;;
    K=V) echo A=b ;;
    'UID[:GID]') echo 0:0 ;;
    CAP) echo CAP_CHOWN ;;
    PROFILE | LABEL | SCHEMA | PATH) echo x ;;
    DURATION) echo 1s ;;
    'table|json' | 'text|json') echo json ;;
    'true|false|auto') echo false ;;
    *) fail "cli.md: no example value for metavariable \`$1\` in $TEST_NAME" ;;
  esac
}

case_same_commands() {
  assert_eq "$(binary_commands | sort)" "$(documented_commands | sort)" \
    "commands of \`husk --help\` vs spec/cli.md"
}

# try_flag CMD TAIL_WORDS ARG...: `husk CMD ARG... TAIL...` fails, if at all,
# for its missing container or empty bundle, never on the flag.
try_flag() {
  local cmd=$1 tail=$2 bad
  shift 2
  # `spec` writes into the bundle or the current directory: start afresh
  rm -rf "$CASE_DIR/cwd" "$CASE_DIR/empty"
  mkdir -p "$CASE_DIR/cwd" "$CASE_DIR/empty"
  cd "$CASE_DIR/cwd" || fail "cd $CASE_DIR/cwd"
  capture husk_cmd "$cmd" "$@" $tail
  for bad in "flag provided but not defined" "flag needs an argument" "requires" "takes at most"; do
    assert_not_contains "$ERR" "$bad" "husk $cmd $*"
  done
}

# Every flag documented for a command is accepted, as --long VALUE,
# --long=VALUE and -s VALUE.
case_documented_flags_accepted() {
  local cmd short long value ex tail n=0
  for cmd in $(documented_commands); do
    while read -r short long value; do
      [[ $long != --help ]] || continue
      case $cmd:$long in
        exec:--process) tail=no-such-container ;;
        exec:*) tail="no-such-container true" ;;
        list:* | features:* | spec:*) tail= ;;
        *) tail=no-such-container ;;
      esac
      if [[ $value == - ]]; then
        try_flag "$cmd" "$tail" "$long"
        [[ $short == - ]] || try_flag "$cmd" "$tail" "$short"
        n=$((n + 1))
        continue
      fi
      ex=$(example "$value") || exit 1
      try_flag "$cmd" "$tail" "$long" "$ex"
      try_flag "$cmd" "$tail" "$long=$ex"
      [[ $short == - ]] || try_flag "$cmd" "$tail" "$short" "$ex"
      n=$((n + 1))
    done < <(flag_rows "$cmd")
  done
  ((n > 50)) || fail "only $n flags found in cli.md (layout changed?)"
  # and the check can fail
  capture husk_cmd state --no-such-flag x
  assert_contains "$ERR" "flag provided but not defined" "control"
}

# Every global flag is accepted before --version.
case_global_flags_accepted() {
  local short long value ex
  while read -r short long value; do
    ex=
    if [[ $value != - ]]; then
      ex=$(example "$value") || exit 1
    fi
    if [[ -n $ex ]]; then
      assert_exit 0 husk_cmd "$long" "$ex" --version
      assert_exit 0 husk_cmd "$long=$ex" --version
    else
      assert_exit 0 husk_cmd "$long" --version
      [[ $short == - ]] || assert_exit 0 husk_cmd "$short"
    fi
  done < <(flag_rows "")
}

# Every flag a command's usage line names is in its table.
case_usage_flags_documented() {
  local cmd flag documented usage n=0
  for cmd in $(binary_commands); do
    documented=$(flag_rows "$cmd" | awk '{ print $1; print $2 }')
    capture husk_bare "$cmd" --help
    assert_eq 0 "$RC" "husk $cmd --help"
    usage=$(grep '^Usage: ' <<<"$OUT") || fail "husk $cmd --help: no Usage line"
    for flag in $({ grep -oE -- '[[ |]--?[a-z][a-z-]*' <<<"$usage" || true; } | tr -d '[ |' | sort -u); do
      grep -qx -- "$flag" <<<"$documented" || fail "husk $cmd: $flag is in the usage, not in cli.md"
      n=$((n + 1))
    done
  done
  ((n > 30)) || fail "only $n flags found in the usage lines"
}

run_cases case_same_commands case_documented_flags_accepted case_global_flags_accepted \
  case_usage_flags_documented
