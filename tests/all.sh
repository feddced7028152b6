#!/bin/bash
# THE test command: install what is missing (install-deps.sh --vm --engines:
# what the vm and engine tests need too), build the release binary into
# build/, check it is static, run every CTest test (unit, integration, vm),
# run the unit tests again under ASan+UBSan (build-asan/), then a bounded fuzz
# run of the config parser.  Exits non-zero if anything failed.  Run as root
# from the repository; CI runs exactly this.
#
#   HUSK_FUZZ_SECONDS  length of the fuzz run (default 60)
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 1
exec </dev/null

steps=()      # "name|result|seconds"
passed=0 failed=0 skipped=0

# step NAME CMD...: run one step, record its result and time.
step() {
  local name=$1 start rc=0
  shift
  echo
  echo "==== $name"
  start=$SECONDS
  "$@" || rc=$?
  if ((rc == 0)); then
    steps+=("$name|ok|$((SECONDS - start))")
  else
    steps+=("$name|FAILED (exit $rc)|$((SECONDS - start))")
  fi
  return "$rc"
}

# check NAME CMD...: a step that is itself one test in the final count.
check() {
  if step "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# run_ctest BUILD_DIR [CTEST_ARGS...]: run ctest, add its counts to the totals.
run_ctest() {
  local dir=$1 log total=0 nfail=0 nskip=0 rc=0 line
  shift
  log=$(mktemp /tmp/husk-ctest.XXXXXX)
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 900 "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    nfail=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
  fi
  nskip=$(grep -cE '\(Skipped\)$' "$log" || true)
  rm -f "$log"
  ((total > 0)) || { echo "all.sh: ctest in $dir ran no test" >&2; rc=1; nfail=1; }
  passed=$((passed + total - nfail - nskip))
  failed=$((failed + nfail))
  skipped=$((skipped + nskip))
  return "$rc"
}

# build DIR [CMAKE_ARGS...] [-- TARGETS...]: configure and build, quiet
# unless it fails.  TARGETS are regexes over the target names (unit_.*).
build() {
  local dir=$1 log args=() targets=() pattern
  shift
  while (($#)) && [[ $1 != -- ]]; do args+=("$1") && shift; done
  (($#)) && shift
  log=$(mktemp /tmp/husk-build.XXXXXX)
  if ! {
    cmake -S "$src" -B "$dir" "${args[@]}" &&
      for pattern in "$@"; do
        mapfile -t -O "${#targets[@]}" targets < <(make -C "$dir" help | awk '$1 == "..." { print $2 }' | grep -x -- "$pattern")
      done &&
      make -C "$dir" -j2 --no-print-directory "${targets[@]}"
  } >"$log" 2>&1; then
    tail -n 60 "$log"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

is_static() {
  file "$src/build/husk"
  file "$src/build/husk" | grep -q 'statically linked'
}

# Every C file as clang-format (.clang-format) would write it.
format_check() {
  local f bad=0
  while IFS= read -r f; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || { echo "not formatted: $f"; bad=1; }
  done < <(cd "$src" && git ls-files '*.c' '*.h' 2>/dev/null || find src include tests -name '*.[ch]')
  return "$bad"
}

summary() {
  local s name result secs
  echo
  echo "==== summary"
  for s in "${steps[@]}"; do
    IFS='|' read -r name result secs <<<"$s"
    printf '  %-34s %-20s %4ss\n' "$name" "$result" "$secs"
  done
  echo "all: $passed passed, $failed failed, $skipped skipped"
}

if step "install dependencies" bash "$src/tests/install-deps.sh" --vm --engines &&
  step "build release (build/)" build "$src/build" -DCMAKE_BUILD_TYPE=Release -DHUSK_TESTS=ON; then
  check "husk is statically linked" is_static
  check "clang-format" format_check
  step "ctest (build/)" run_ctest "$src/build"
  if step "build ASan+UBSan (build-asan/)" build "$src/build-asan" -DHUSK_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug -DHUSK_TESTS=ON -- 'unit_.*'; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      step "unit tests under ASan+UBSan" run_ctest "$src/build-asan" -L unit
  else
    failed=$((failed + 1))
  fi
  if [[ -f $src/tests/fuzz/run.sh ]]; then
    check "fuzz config parser (${HUSK_FUZZ_SECONDS:-60}s)" \
      bash "$src/tests/fuzz/run.sh" "$src/build-fuzz" "${HUSK_FUZZ_SECONDS:-60}"
  fi
else
  failed=$((failed + 1))
fi

summary
for s in "${steps[@]}"; do
  [[ $s == *"|ok|"* ]] || exit 1
done
exit 0
