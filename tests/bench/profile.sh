#!/bin/bash
# Where husk's `run` spends its time, for tests/bench/PROFILE.md.  Run as root
# from the repository:
#
#   bash tests/bench/profile.sh [--reps N] [--traces N] [--out DIR] [--no-install]
#
#   --reps N     samples per variant in the ablation and perf stat (default 20)
#   --traces N   traced runs per variant for the phase table (default 5)
#   --out DIR    default build-bench/profile; profile.txt holds every section
#   --no-install do not run tests/install-deps.sh --bench first
#
# Same bundle and sandbox as run.sh (lib.sh).  Sections:
#  1. ablation: untimed-tool medians of `run` for husk built as is, stripped,
#     and on a read-only mount (husk-ro: no exe protection, so no husk-dmz
#     trampoline exec or sealed-copy re-exec), and of the
#     read-only husk on bundles with one thing removed each, so each
#     difference is the measured cost of that thing; the floor and crun for
#     reference
#  2. phases: ftrace (tracefs: sched and a few syscall events) of husk,
#     husk-ro and the floor, cut into phases (phases.py); skipped without
#     tracefs
#  3. perf stat software counters (no hardware counters in most VMs)
#  4. callgrind: user-space instructions of husk-ro's run by function
set -euo pipefail
shopt -s inherit_errexit

src=$(cd "$(dirname "$0")/../.." && pwd)
bench_dir=$src/tests/bench

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "$0" >&2
  exit "${1:-2}"
}

reps=20 traces=5 out="" install=1
args=("$@")
# shellcheck disable=SC2034  # install is read by lib.sh
while (($#)); do
  case $1 in
    --reps) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; reps=$2; shift 2 ;;
    --traces) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; traces=$2; shift 2 ;;
    --out) [[ -n ${2:-} ]] || usage; out=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    -h | --help) usage 0 ;;
    *) usage ;;
  esac
done

# shellcheck source=tests/bench/lib.sh
source "$bench_dir/lib.sh"
bench_stage1 "${args[@]}"
for cmd in valgrind perf; do
  command -v "$cmd" >/dev/null || die "needs \`$cmd\` (bash tests/install-deps.sh --bench)"
done
bench_setup
out=${out:-$build/profile}
mkdir -p "$out"
out=$(realpath "$out")
report=$out/profile.txt
: >"$report"

section() {
  printf '\n== %s\n' "$*" | tee -a "$report"
}

# ---------------------------------------------------------------- variants

# bundles with one thing removed each
ablate() { # NAME JQ-FILTER
  mkdir -p "$work/bundle-$1"
  jq "$2" "$bundle/config.json" >"$work/bundle-$1/config.json"
}
ablate no-cgroup-mount 'del(.mounts[] | select(.destination == "/sys/fs/cgroup"))'
ablate no-netns 'del(.linux.namespaces[] | select(.type == "network"))'
ablate no-cgroupns 'del(.linux.namespaces[] | select(.type == "cgroup"))'
ablate no-masks 'del(.linux.maskedPaths, .linux.readonlyPaths)'
ablate floor-like '.mounts = [.mounts[] | select(.destination == "/proc")]
                   | del(.linux.maskedPaths, .linux.readonlyPaths)'

strip -o "$work/husk-stripped" "$husk"
husk_ro=$work/ro/husk
# command lines, split at spaces where used (no path in them has one)
declare -A VARIANT=(
  [husk]="$husk --root $work/state/husk run --bundle $bundle"
  [husk-stripped]="$work/husk-stripped --root $work/state/husk run --bundle $bundle"
  [husk-ro]="$husk_ro --root $work/state/husk run --bundle $bundle"
  [husk-ro:state-on-disk]="$husk_ro --root $work/state-disk run --bundle $bundle"
  [husk-ro:no-cgroup-mount]="$husk_ro --root $work/state/husk run --bundle $work/bundle-no-cgroup-mount"
  [husk-ro:no-netns]="$husk_ro --root $work/state/husk run --bundle $work/bundle-no-netns"
  [husk-ro:no-cgroupns]="$husk_ro --root $work/state/husk run --bundle $work/bundle-no-cgroupns"
  [husk-ro:no-masks]="$husk_ro --root $work/state/husk run --bundle $work/bundle-no-masks"
  [husk-ro:no-new-keyring]="$husk_ro --root $work/state/husk run --no-new-keyring --bundle $bundle"
  [husk-ro:floor-like]="$husk_ro --root $work/state/husk run --bundle $work/bundle-floor-like"
  [husk-ro:seccomp]="$husk_ro --root $work/state/husk run --bundle $work/bundle-seccomp"
  [husk-ro:seccomp-cold-cache]="$husk_ro --root $work/state/cold-ROUND run --bundle $work/bundle-seccomp"
  [crun]="crun --root $work/state/crun run --bundle $bundle"
  [floor]="$floor $work/rootfs"
)
needs_id() { [[ $1 != floor ]]; }

# ---------------------------------------------------------------- 1. ablation

section "1. ablation: \`run\`, $reps interleaved rounds"
samples=$out/ablation.csv
echo "round,variant,wall_ns,user_us,sys_us,maxrss_kb,status" >"$samples"
for ((r = 0; r <= reps; r++)); do
  for v in $(printf '%s\n' "${!VARIANT[@]}" | shuf); do
    # ROUND: a fresh --root each round, so the seccomp cache is empty
    read -ra cmd <<<"${VARIANT[$v]//ROUND/$r}"
    needs_id "$v" && cmd+=("p-$r-${v//:/-}")
    line=$("$measure" --cgroup "$sandbox/bench" --mntns "/proc/$holder/ns/mnt" -- "${cmd[@]}" \
      2>>"$out/errors.log") || die "$v failed: $line (see $out/errors.log)"
    [[ $line =~ wall_ns=([0-9]+)\ user_us=([0-9]+)\ sys_us=([0-9]+)\ maxrss_kb=([0-9]+)\ status=([0-9]+) ]]
    ((r == 0)) || echo "$r,$v,${BASH_REMATCH[1]},${BASH_REMATCH[2]},${BASH_REMATCH[3]},${BASH_REMATCH[4]},${BASH_REMATCH[5]}" >>"$samples"
  done
done
python3 - "$samples" <<'EOF' | tee -a "$report"
import csv, statistics, sys
from collections import defaultdict
walls, cpus, rss = defaultdict(dict), defaultdict(dict), defaultdict(list)
for row in csv.DictReader(open(sys.argv[1])):
    r = int(row["round"])
    walls[row["variant"]][r] = int(row["wall_ns"]) / 1e6
    cpus[row["variant"]][r] = (int(row["user_us"]) + int(row["sys_us"])) / 1e3
    rss[row["variant"]].append(int(row["maxrss_kb"]))
def q(v):
    v = sorted(v)
    return statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
def delta(d, v):
    return q([d[v][r] - d["husk-ro"][r] for r in d[v] if r in d["husk-ro"]])
print("  wall and CPU (user+sys) ms, median [p25-p75]; 'vs husk-ro': per-round difference")
print(f"  {'variant':<27}{'wall':<20}{'vs husk-ro':<21}{'cpu':<19}{'vs husk-ro':<21}{'RSS KiB':>7}")
for v in sorted(walls, key=lambda k: statistics.median(cpus[k].values())):
    w, c, dw, dc = q(walls[v].values()), q(cpus[v].values()), delta(walls, v), delta(cpus, v)
    print(f"  {v:<27}{w[1]:5.2f} [{w[0]:.2f}-{w[2]:.2f}]  {dw[1]:+6.2f} [{dw[0]:+.2f}-{dw[2]:+.2f}]"
          f"  {c[1]:5.2f} [{c[0]:.2f}-{c[2]:.2f}]  {dc[1]:+6.2f} [{dc[0]:+.2f}-{dc[2]:+.2f}]"
          f"  {statistics.median(rss[v]):6.0f}")
EOF
untraced() { # VARIANT: its median wall in ms
  python3 -c '
import csv, statistics, sys
print("%.2f" % statistics.median(int(r["wall_ns"]) / 1e6 for r in csv.DictReader(open(sys.argv[1]))
                                 if r["variant"] == sys.argv[2]))' "$samples" "$1"
}

# ---------------------------------------------------------------- 2. phases

# A tracefs instance of our own: its events, pid filter and buffer are apart
# from the global ones (which stay as they are, whoever uses them), and it
# goes away on exit, on error too.  Events are recorded only for the traced
# command's process tree: set_event_pid holds the subshell that execs measure,
# and options/event-fork adds each child at fork.  The syscall tracepoints
# cost far less than strace, which stops the process at every syscall and
# inflated the syscall-dense phases.
tracefs=/sys/kernel/tracing
ftrace=""
ftrace_cleanup() {
  [[ -n $ftrace && -d $ftrace ]] || return 0
  # each step even if one before failed: this also runs from the EXIT trap
  echo 0 >"$ftrace/tracing_on" || true
  echo >"$ftrace/set_event" || true
  echo >"$ftrace/set_event_pid" || true
  rmdir "$ftrace" || echo "profile: WARNING: could not remove the tracefs instance $ftrace" >&2
  ftrace=""
}
ftrace_setup() {
  local ev
  ftrace=$tracefs/instances/husk-profile-$$
  trap 'ftrace_cleanup; bench_cleanup' EXIT
  mkdir "$ftrace"
  # a new instance records at once, from every process
  echo 0 >"$ftrace/tracing_on"
  # one clock for all CPUs: the runtime and its init run on different ones
  echo mono >"$ftrace/trace_clock"
  echo 1024 >"$ftrace/buffer_size_kb"
  echo 1 >"$ftrace/options/event-fork"
  for ev in $(python3 "$bench_dir/phases.py" --events); do
    echo 1 >"$ftrace/events/$ev/enable"
  done
}
ftrace_run() { # FILE CMD...: one traced run of CMD in the sandbox, the trace to FILE
  local file=$1
  shift
  echo >"$ftrace/trace" # empties the buffer
  (
    echo "$BASHPID" >"$ftrace/set_event_pid"
    echo 1 >"$ftrace/tracing_on"
    exec "$measure" --cgroup "$sandbox/bench" --mntns "/proc/$holder/ns/mnt" -- "$@"
  ) >/dev/null 2>>"$out/errors.log" || die "traced run of $* failed (see $out/errors.log)"
  echo 0 >"$ftrace/tracing_on"
  echo >"$ftrace/set_event_pid"
  cat "$ftrace/trace" >"$file"
}

if [[ ! -d $tracefs/events/syscalls ]]; then
  section "2. phases: skipped, tracefs not available" \
    "(no $tracefs/events/syscalls: needs tracefs mounted and CONFIG_FTRACE_SYSCALLS)"
else
  ftrace_setup
  traced=(husk husk-ro floor)
  # interleaved rounds, as in 1., so a change in the machine's load hits
  # every variant alike
  for ((i = 0; i < traces; i++)); do
    for v in "${traced[@]}"; do
      read -ra cmd <<<"${VARIANT[$v]}"
      needs_id "$v" && cmd+=("trace-$v-$i")
      ftrace_run "$out/ftrace-$v-$i.txt" "${cmd[@]}"
    done
  done
  for v in "${traced[@]}"; do
    section "2. phases of \`run\`, $v: ftrace (sched + a few syscall events), $traces runs"
    args=(--untraced-ms "$(untraced "$v")")
    [[ $v != floor ]] || args+=(--floor)
    for ((i = 0; i < traces; i++)); do
      args+=("$out/ftrace-$v-$i.txt")
    done
    python3 "$bench_dir/phases.py" "${args[@]}" | tee -a "$report"
  done
  ftrace_cleanup
  trap bench_cleanup EXIT
fi

# ---------------------------------------------------------------- 3. perf stat

section "3. perf stat, $reps runs each (software counters; mean per run)"
printf '  %-10s %12s %12s %12s %12s\n' variant task-clock-ms page-faults ctx-switches migrations \
  | tee -a "$report"
for v in husk husk-ro crun floor; do
  read -ra cmd <<<"${VARIANT[$v]}"
  needs_id "$v" && cmd+=("perf-$v")
  inns perf stat -r "$reps" -x, -o "$out/perf-$v.csv" \
    -e task-clock,page-faults,context-switches,cpu-migrations -- "${cmd[@]}" >/dev/null
  awk -F, -v v="$v" '
    $3 == "task-clock" { tc = $1 } $3 == "page-faults" { pf = $1 }
    $3 == "context-switches" { cs = $1 } $3 == "cpu-migrations" { mi = $1 }
    END { printf "  %-10s %12.2f %12.0f %12.0f %12.0f\n", v, tc, pf, cs, mi }' "$out/perf-$v.csv" \
    | tee -a "$report"
done

# ---------------------------------------------------------------- 4. callgrind

section "4. callgrind: user-space instructions of husk-ro's \`run\` (parent process)"
# valgrind 3.19 has no clone3: husk then fails there, after config, state and
# cgroup, which is where the parent's own user-space work is
read -ra cmd <<<"${VARIANT[husk-ro]}"
inns valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  "${cmd[@]}" callgrind-run 2>"$out/callgrind.log" || true
if grep -q 'clone3: Function not implemented' "$out/callgrind.log"; then
  echo "  (valgrind has no clone3: counted up to clone3, which failed there)" | tee -a "$report"
fi
grep -E 'Collected' "$out/callgrind.log" | sed 's/^==[0-9]*== /  /' | tee -a "$report"
callgrind_annotate --inclusive=yes "$out/callgrind.out" 2>/dev/null \
  | awk '/^ *[0-9,]+ \([ 0-9.]+%\)/ && !/below main/' \
  | sed -E 's#/[^ ]*/(src|include)/#\1/#; s/ \[[^]]*\]$//; s/^ */  /' \
  | awk '!seen[$0]++ && n++ < 25' | tee -a "$report"

echo
echo "profile: written to $report"
