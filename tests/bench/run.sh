#!/bin/bash
# husk against crun and runc, side by side in one run.  Run as root from the
# repository:
#
#   bash tests/bench/run.sh [--rounds N] [--out DIR] [--smoke]
#                           [--leak-check [N] | --no-leak-check] [--no-install]
#
#   --rounds N       measured rounds after the warm-up round (default 30)
#   --out DIR        where the CSVs and the table go (default build-bench/bench)
#   --smoke          2 rounds and a 20-run leak check: checks that the bench works
#   --leak-check [N] only the leak check, with N runs (default 500)
#   --no-leak-check  skip the leak check that follows the benchmark
#   --no-install     do not call tests/install-deps.sh --bench
#   HUSK=PATH        benchmark this husk binary instead of building one
#
# What it does: installs what is missing, builds husk and the helpers
# (measure, floor, reaper, true) into build-bench/, makes one busybox-static bundle
# (config from `husk spec`: terminal off, args /bin/true, where /bin/true is
# a minimal static program, tests/bench/true.c), and runs every case
# round-robin: each round runs each variant of each case once, in shuffled
# order, after one warm-up round that is not counted.  Every command is
# started by `measure`, which first joins the bench's cgroup and private
# mount namespace (lib.sh: how crun and runc are kept off the host's cgroup
# v1 hierarchies) and then times one fork+exec+wait: wall time, user+sys CPU
# of the whole process tree, peak RSS.  report.py prints medians, spreads,
# per-round ratios and the issue's targets; raw.csv, summary.csv, ratios.csv,
# targets.csv and table.txt land in --out.  A leak check follows.
set -euo pipefail
shopt -s inherit_errexit

src=$(cd "$(dirname "$0")/../.." && pwd)
bench_dir=$src/tests/bench

usage() {
  sed -n '2,15s/^# \{0,1\}//p' "$0" >&2
  exit "${1:-2}"
}

rounds=30 out="" smoke=0 leak_mode=after leak_runs="" install=1
args=("$@")
while (($#)); do
  case $1 in
    --rounds) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; rounds=$2; shift 2 ;;
    --out) [[ -n ${2:-} ]] || usage; out=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --leak-check)
      leak_mode=only
      if [[ ${2:-} =~ ^[1-9][0-9]*$ ]]; then leak_runs=$2; shift; fi
      shift ;;
    --no-leak-check) leak_mode=off; shift ;;
    --no-install) install=0; shift ;;
    -h | --help) usage 0 ;;
    *) usage ;;
  esac
done
if ((smoke)); then
  rounds=2
  leak_runs=${leak_runs:-20}
fi
leak_runs=${leak_runs:-500}

# shellcheck source=tests/bench/lib.sh
source "$bench_dir/lib.sh"
bench_stage1 "${args[@]}"
bench_setup
out=${out:-$build/bench}
mkdir -p "$out"
out=$(realpath "$out")

# ---------------------------------------------------------------- sampling

raw=$out/raw.csv
errors=$out/errors.log
: >"$errors"

# sample ROUND CASE VARIANT JOBS CMD...: one measurement, appended to raw.csv.
sample() {
  local round=$1 case=$2 variant=$3 jobs=$4 line
  shift 4
  line=$("$measure" --cgroup "$sandbox/bench" --mntns "/proc/$holder/ns/mnt" -j "$jobs" -- "$@" \
    2>>"$errors") || true
  if [[ ! $line =~ ^wall_ns=([0-9]+)\ user_us=([0-9]+)\ sys_us=([0-9]+)\ maxrss_kb=([0-9]+)\ status=([0-9]+)$ ]]; then
    die "$case/$variant: measure failed: $line (see $errors)"
  fi
  if [[ ${BASH_REMATCH[5]} != 0 ]]; then
    echo "bench: $case/$variant (round $round) failed with status ${BASH_REMATCH[5]}: $*" >>"$errors"
  fi
  echo "$round,$case,$variant,${BASH_REMATCH[1]},${BASH_REMATCH[2]},${BASH_REMATCH[3]},${BASH_REMATCH[4]},${BASH_REMATCH[5]}" >>"$raw"
}

shuffled() { printf '%s\n' "$@" | shuf; }

# wait_stopped VARIANT ID: the container's process has exited.
wait_stopped() {
  local i
  for ((i = 0; i < 500; i++)); do
    inns ${RT[$1]} state "$2" 2>/dev/null | grep -q '"status": *"stopped"' && return 0
    sleep 0.01
  done
  die "$1: container $2 did not stop"
}

# runs ROUND CASE JOBS VARIANT...: `run` of the /bin/true bundle, JOBS at once
runs() {
  local round=$1 case=$2 jobs=$3 v id
  shift 3
  for v in $(shuffled "$@"); do
    if [[ $v == floor ]]; then
      sample "$round" "$case" floor "$jobs" "$floor" "$work/rootfs"
    else
      id=$case-$round-$v
      ((jobs == 1)) || id+=-{}
      sample "$round" "$case" "$v" "$jobs" ${RT[$v]} run --bundle "$bundle" "$id"
    fi
  done
}

case_run() { runs "$1" run 1 husk husk-ro crun runc floor; }
case_parallel() { runs "$1" parallel10 10 husk crun runc floor; }

case_lifecycle() {
  local v id
  for v in $(shuffled husk crun runc); do
    id=lc-$1-$v
    sample "$1" create "$v" 1 ${RT[$v]} create --bundle "$bundle" "$id"
    sample "$1" start "$v" 1 ${RT[$v]} start "$id"
    wait_stopped "$v" "$id"
    sample "$1" delete "$v" 1 ${RT[$v]} delete "$id"
  done
}

case_cli() {
  local v
  for v in $(shuffled husk crun runc true); do
    if [[ $v == true ]]; then
      sample "$1" state true 1 "$static_true"
    else
      sample "$1" state "$v" 1 ${RT[$v]} state "st-$v"
    fi
  done
  for v in $(shuffled husk crun runc true); do
    if [[ $v == true ]]; then
      sample "$1" version true 1 "$static_true"
    else
      sample "$1" version "$v" 1 ${RT[$v]} --version
    fi
  done
}

case_seccomp() {
  local v
  for v in $(shuffled husk crun runc); do
    sample "$1" seccomp "$v" 1 ${RT[$v]} run --bundle "$work/bundle-seccomp" "sc-$1-$v"
  done
}

case_exec() {
  local v
  for v in $(shuffled husk husk-ro crun runc); do
    sample "$1" exec "$v" 1 ${RT[$v]} exec "ex-${v%-ro}" /bin/true
  done
}

# ---------------------------------------------------------------- leak check

# snapshot: what a container run could leave behind, one "name=value" a line.
snapshot() {
  local procs=0 f
  for f in $(find "$sandbox" -name cgroup.procs); do
    procs=$((procs + $(wc -l <"$f")))
  done
  echo "mounts=$(inns sh -c 'wc -l </proc/self/mountinfo')"
  echo "cgroups=$(find "$sandbox" -mindepth 1 -type d | wc -l)"
  echo "state_dirs=$(inns find "$work/state/leak" -mindepth 1 -maxdepth 1 | wc -l)"
  echo "keyrings=$(grep -c ' leak-[0-9]*: ' /proc/keys || true)"
  echo "processes=$procs"
  echo "orphans=$(ps -o pid= --ppid "$reaper_pid" | grep -cvw "$$" || true)"
  echo "container_fds=$(inns $husk --root "$work/state/leak" run --bundle "$work/bundle-fds" leak-fds)"
}

leak_check() {
  local n=$1 before after i line ok=1
  inns mkdir -p "$work/state/leak"
  mkdir -p "$work/bundle-fds"
  jq '.process.args = ["/bin/sh", "-c", "ls /proc/self/fd | wc -l"]' "$bundle/config.json" \
    >"$work/bundle-fds/config.json"
  echo
  echo "== leak check: $n sequential \`husk run\` of /bin/true"
  before=$(snapshot)
  line=$("$measure" --cgroup "$sandbox/bench" --mntns "/proc/$holder/ns/mnt" -r "$n" -- \
    $husk --root "$work/state/leak" run --bundle "$bundle" "leak-{}" 2>>"$errors") || true
  [[ $line == *status=0 ]] || { echo "FAIL: some runs failed: $line (see $errors)"; return 1; }
  # keyrings and cgroups are released asynchronously: give them a moment
  for i in 1 2 3 4 5; do
    after=$(snapshot)
    [[ $after == "$before" ]] && break
    sleep 0.5
  done
  local wall=${line#wall_ns=}
  wall=${wall%% *}
  awk -v n="$n" -v w="$wall" 'BEGIN { printf "%d runs in %.1f s (%.2f ms each)\n", n, w / 1e9, w / n / 1e6 }'
  printf '%-14s %8s %8s\n' what before after
  paste -d' ' <(echo "$before") <(echo "$after") | while read -r b a; do
    printf '%-14s %8s %8s %s\n' "${b%%=*}" "${b#*=}" "${a#*=}" \
      "$([[ $a == "$b" ]] && echo ok || echo LEAK)"
  done
  [[ $after == "$before" ]] || ok=0
  if ((ok)); then echo "leak check: PASS"; else echo "leak check: FAIL"; fi
  ((ok))
}

# ---------------------------------------------------------------- main

if [[ $leak_mode == only ]]; then
  leak_check "$leak_runs" | tee "$out/leak.txt"
  exit "${PIPESTATUS[0]}"
fi

# long-lived containers: one created (for state), one running (for exec)
for v in husk crun runc; do
  inns ${RT[$v]} create --bundle "$bundle" "st-$v" 2>>"$errors" || die "$v: create st-$v failed"
  inns ${RT[$v]} run -d --bundle "$work/bundle-sleep" "ex-$v" 2>>"$errors" \
    || die "$v: run -d ex-$v failed"
done

echo "round,case,variant,wall_ns,user_us,sys_us,maxrss_kb,status" >"$raw"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel: $(uname -r), cpus: $(nproc), load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "husk: $husk ($("$husk" --version | head -n1))"
  echo "crun: $(crun --version | head -n1)"
  echo "runc: $(runc --version | head -n1)"
  echo "rounds: $rounds (+1 warm-up), seccomp profile: $seccomp_rules syscall names"
} >"$out/env.txt"

start=$SECONDS
echo "bench: $rounds rounds after a warm-up round, results in $out"
for ((r = 0; r <= rounds; r++)); do
  if [[ -t 1 ]]; then
    printf '\rbench: round %d/%d ' "$r" "$rounds"
  elif ((r % 10 == 0)); then
    echo "bench: round $r/$rounds"
  fi
  case_run "$r"
  case_lifecycle "$r"
  case_cli "$r"
  case_seccomp "$r"
  case_exec "$r"
  case_parallel "$r"
done
printf '\rbench: %d rounds in %d s\n' "$rounds" "$((SECONDS - start))"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/env.txt"
nfail=$(grep -c 'failed with status' "$errors" || true)
((nfail == 0)) || echo "bench: $nfail samples failed (excluded; see $errors)"

python3 "$bench_dir/report.py" --raw "$raw" --out "$out" --env "$out/env.txt" \
  --binary husk="$husk" --binary crun="$(command -v crun)" --binary runc="$(command -v runc)" \
  | tee "$out/table.txt"

if [[ $leak_mode == after ]]; then
  leak_check "$leak_runs" | tee "$out/leak.txt"
  exit "${PIPESTATUS[0]}"
fi
