#!/bin/bash
# Build the config.json fuzz target with clang and run it.
#   tests/fuzz/run.sh [build-dir] [seconds]      (defaults: build-fuzz, 60)
# Exits non-zero when the fuzzer finds a crash, a leak, undefined behaviour
# or a slow input; the input that triggers it is left in the build dir as
# fuzz-crash-*, fuzz-leak-*, fuzz-timeout-* (replay: <build>/tests/fuzz/fuzz_spec <file>).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-fuzz}
seconds=${2:-60}

cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DHUSK_FUZZ=ON -DHUSK_STATIC=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
make -C "$build" -j2 fuzz_spec > /dev/null

# New inputs go to a scratch copy: the seed corpus in git stays as written.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src"/tests/fuzz/corpus/* "$work"/

"$build"/tests/fuzz/fuzz_spec -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=16384 -dict="$src"/tests/fuzz/spec.dict -artifact_prefix="$build"/fuzz- \
  -print_final_stats=1 "$work"
