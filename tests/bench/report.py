#!/usr/bin/env python3
"""Summarise tests/bench/run.sh's raw.csv: per case and variant the median
and interquartile range (p25-p75) of wall time, CPU time (user+sys of the
process tree) and peak RSS; per-round ratios of husk to the others with
their medians; seccomp and binary-protection costs as per-round differences; the
binaries' sizes; the issue's targets, each marked met or not; and what a
`run` is made of (the floor's share of it, each runtime's own work).  Prints
the table and writes summary.csv, ratios.csv and targets.csv next to the
raw data.  Round 0 is the warm-up and is left out; so are failed samples.

Ratios are taken within a round (husk's sample over crun's sample of the
same round), then their median is reported: the rounds interleave the
variants, so a ratio compares runs made under the same load."""

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

CASES = [
    ("run", "run of /bin/true"),
    ("create", "create"),
    ("start", "start (of a created container)"),
    ("delete", "delete (of a stopped container)"),
    ("state", "state of an existing container"),
    ("version", "--version"),
    ("seccomp", "run with the engine seccomp profile"),
    ("exec", "exec of /bin/true into a running container"),
    ("parallel10", "10 runs in parallel (wall of all 10, summed CPU)"),
]
VARIANT_ORDER = ["husk", "husk-ro", "crun", "runc", "floor", "true"]

# (case, numerator, denominator) for the per-round ratio table
RATIOS = [
    ("run", "husk", "crun"),
    ("run", "husk", "runc"),
    ("run", "husk", "floor"),
    ("run", "husk", "husk-ro"),
    ("create", "husk", "crun"),
    ("create", "husk", "runc"),
    ("start", "husk", "crun"),
    ("start", "husk", "runc"),
    ("delete", "husk", "crun"),
    ("delete", "husk", "runc"),
    ("state", "husk", "crun"),
    ("state", "husk", "runc"),
    ("state", "husk", "true"),
    ("version", "husk", "crun"),
    ("version", "husk", "runc"),
    ("version", "husk", "true"),
    ("seccomp", "husk", "crun"),
    ("seccomp", "husk", "runc"),
    ("exec", "husk", "crun"),
    ("exec", "husk", "runc"),
    ("exec", "husk", "husk-ro"),
    ("parallel10", "husk", "crun"),
    ("parallel10", "husk", "runc"),
    ("parallel10", "husk", "floor"),
]


def quartiles(values):
    """(p25, median, p75) with linear interpolation; None for no data."""
    if not values:
        return None
    v = sorted(values)
    if len(v) == 1:
        return (v[0], v[0], v[0])
    q = statistics.quantiles(v, n=4, method="inclusive")
    return (q[0], q[1], q[2])


def load(path):
    samples = defaultdict(dict)  # (case, variant) -> {round: row}
    failed = defaultdict(int)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            rnd = int(row["round"])
            if rnd == 0:
                continue
            key = (row["case"], row["variant"])
            if row["status"] != "0":
                failed[key] += 1
                continue
            samples[key][rnd] = {
                "wall_ms": int(row["wall_ns"]) / 1e6,
                "cpu_ms": (int(row["user_us"]) + int(row["sys_us"])) / 1e3,
                "rss_kb": int(row["maxrss_kb"]),
            }
    return samples, failed


def rounds_of(samples, key_a, key_b, fn):
    """fn(a, b) for every round that has both samples."""
    a, b = samples.get(key_a, {}), samples.get(key_b, {})
    return [fn(a[r], b[r]) for r in sorted(set(a) & set(b))]


def per_round(samples, case, num, den, fn):
    return rounds_of(samples, (case, num), (case, den), fn)


def fmt_q(q, digits=2):
    if q is None:
        return "-"
    p25, med, p75 = q
    return f"{med:.{digits}f} [{p25:.{digits}f}-{p75:.{digits}f}]"


def shared_libs(binary):
    """Resolved shared libraries the dynamic loader maps for binary."""
    try:
        text = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return []
    libs = []
    for line in text.splitlines():
        parts = line.split()
        path = None
        if "=>" in parts:
            i = parts.index("=>")
            if i + 1 < len(parts) and parts[i + 1].startswith("/"):
                path = parts[i + 1]
        elif parts and parts[0].startswith("/"):
            path = parts[0]  # the dynamic loader itself
        if path and os.path.exists(path):
            libs.append(os.path.realpath(path))
    return sorted(set(libs))


def stripped_size(path):
    """Size after `strip` (Debian's packaged binaries are stripped)."""
    tmp = f"/tmp/husk-bench-strip.{os.getpid()}"
    try:
        subprocess.run(["strip", "-o", tmp, path], check=True, capture_output=True)
        return os.path.getsize(tmp)
    except (OSError, subprocess.CalledProcessError):
        return None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--env")
    ap.add_argument("--binary", action="append", default=[], help="NAME=PATH")
    a = ap.parse_args()

    samples, failed = load(a.raw)
    out = []
    p = out.append
    if a.env and os.path.exists(a.env):
        env = open(a.env).read().rstrip()
        p(env)
        loads = [float(x) for x in re.findall(r"load at (?:start|end): ([0-9.]+)", env)]
        if loads and max(loads) > (os.cpu_count() or 1):
            p(f"WARNING: load average above the {os.cpu_count()} CPUs while measuring: other "
              "work competed, wall times are inflated and noisy; compare CPU times")
        p("")

    summary_rows = []
    p("Per variant: median [p25-p75] over the rounds. wall and CPU (user+sys of the")
    p("whole process tree) in ms, peak RSS (largest resident set in the tree) in KiB.")
    for case, title in CASES:
        variants = [v for v in VARIANT_ORDER if (case, v) in samples or (case, v) in failed]
        if not variants:
            continue
        p("")
        p(f"{case}: {title}")
        p(f"  {'variant':<8} {'n':>3}  {'wall ms':<24} {'cpu ms':<24} {'peak RSS KiB':<12}")
        for v in variants:
            rows = list(samples.get((case, v), {}).values())
            wall = quartiles([r["wall_ms"] for r in rows])
            cpu = quartiles([r["cpu_ms"] for r in rows])
            rss = quartiles([r["rss_kb"] for r in rows])
            nf = failed.get((case, v), 0)
            note = f"  ({nf} failed)" if nf else ""
            p(f"  {v:<8} {len(rows):>3}  {fmt_q(wall):<24} {fmt_q(cpu):<24} "
              f"{fmt_q(rss, 0):<12}{note}")
            summary_rows.append([case, v, len(rows), nf]
                                + [f"{x:.3f}" if x is not None else "" for x in
                                   (wall or (None,) * 3) + (cpu or (None,) * 3)]
                                + [f"{rss[1]:.0f}" if rss else "",
                                   max((r["rss_kb"] for r in rows), default="")])

    ratio_rows = []
    p("")
    p("Per-round ratios: median [p25-p75] of wall time, and of CPU time (n rounds)")
    for case, num, den in RATIOS:
        r = per_round(samples, case, num, den, lambda x, y: x["wall_ms"] / y["wall_ms"])
        c = per_round(samples, case, num, den,
                      lambda x, y: x["cpu_ms"] / y["cpu_ms"] if y["cpu_ms"] else float("nan"))
        if not r:
            continue
        q, qc = quartiles(r), quartiles(c)
        p(f"  {case:<11} {num + '/' + den:<14} wall {fmt_q(q):<18} cpu {fmt_q(qc):<18} "
          f"(n={len(r)})")
        ratio_rows.append([case, f"{num}/{den}", len(r)] + [f"{x:.4f}" for x in (q[1], q[0], q[2])])
        ratio_rows.append([case + ":cpu", f"{num}/{den}", len(c)]
                          + [f"{x:.4f}" for x in (qc[1], qc[0], qc[2])])

    p("")
    p("Per-round differences, ms: median [p25-p75] of wall time, and of CPU time")
    diffs = {}

    def diff_row(label, key_a, key_b, csv_what, csv_of):
        d = rounds_of(samples, key_a, key_b, lambda x, y: x["wall_ms"] - y["wall_ms"])
        c = rounds_of(samples, key_a, key_b, lambda x, y: x["cpu_ms"] - y["cpu_ms"])
        if not d:
            return None
        q, qc = quartiles(d), quartiles(c)
        p(f"  {label:<44} wall {fmt_q(q):<22} cpu {fmt_q(qc)}")
        ratio_rows.append([csv_what, csv_of, len(d)] + [f"{x:.4f}" for x in (q[1], q[0], q[2])])
        ratio_rows.append([csv_what + ":cpu", csv_of, len(c)]
                          + [f"{x:.4f}" for x in (qc[1], qc[0], qc[2])])
        return q

    for v in ("husk", "crun", "runc"):
        diffs[("seccomp", v)] = diff_row(f"seccomp profile cost, {v}", ("seccomp", v), ("run", v),
                                         "seccomp-cost-ms", v)
    for case in ("run", "exec"):
        diff_row(f"binary protection (husk - husk-ro), {case}", (case, "husk"),
                 (case, "husk-ro"), f"memfd-cost-ms-{case}", "husk-husk-ro")

    binaries = dict(b.split("=", 1) for b in a.binary)
    if binaries:
        p("")
        p("Binary size, KiB: file, stripped, + shared libraries it loads (stripped or as shipped)")
        for name, path in binaries.items():
            libs = shared_libs(path)
            size = os.path.getsize(path)
            stripped = stripped_size(path) or size
            lib_size = sum(os.path.getsize(x) for x in libs)
            p(f"  {name:<5} {size / 1024:8.0f} {stripped / 1024:8.0f}  + {len(libs):2d} libs "
              f"{lib_size / 1024:6.0f}  = {(stripped + lib_size) / 1024:6.0f}")
            ratio_rows.append(["size-kib", name, 1, f"{(stripped + lib_size) / 1024:.0f}",
                               f"{stripped / 1024:.0f}", f"{size / 1024:.0f}"])

    def ratio_median(case, num, den, what="wall_ms"):
        r = per_round(samples, case, num, den, lambda x, y: x[what] / y[what] if y[what] else 0)
        return statistics.median(r) if r else None

    husk_rss = quartiles([r["rss_kb"] for r in samples.get(("run", "husk"), {}).values()])
    seccomp_cost = diffs.get(("seccomp", "husk"))
    cpu_cost = rounds_of(samples, ("seccomp", "husk"), ("run", "husk"),
                         lambda x, y: x["cpu_ms"] - y["cpu_ms"])
    # (name, limit text, value, bound, the same measured in CPU time)
    targets = [
        ("run: husk/crun", "<= 0.5", ratio_median("run", "husk", "crun"), 0.5,
         ratio_median("run", "husk", "crun", "cpu_ms")),
        ("run: husk/floor", "<= 1.5", ratio_median("run", "husk", "floor"), 1.5,
         ratio_median("run", "husk", "floor", "cpu_ms")),
        ("run: husk peak RSS, MiB", "<= 1.5", husk_rss and husk_rss[1] / 1024, 1.5, None),
        ("state: husk/true", "<= 1.2", ratio_median("state", "husk", "true"), 1.2,
         ratio_median("state", "husk", "true", "cpu_ms")),
        ("--version: husk/true", "<= 1.2", ratio_median("version", "husk", "true"), 1.2,
         ratio_median("version", "husk", "true", "cpu_ms")),
        ("seccomp: husk cost, ms", "<= 2", seccomp_cost and seccomp_cost[1], 2.0,
         statistics.median(cpu_cost) if cpu_cost else None),
        ("exec: husk/crun", "<= 0.5", ratio_median("exec", "husk", "crun"), 0.5,
         ratio_median("exec", "husk", "crun", "cpu_ms")),
    ]
    p("")
    p("Targets (issue 7), medians of per-round values (wall decides; the CPU-time")
    p("value beside it is less sensitive to other load on the machine):")
    target_rows = []
    for name, limit, value, bound, cpu in targets:
        met = "no data" if value is None else ("met" if value <= bound else "NOT MET")
        shown = "-" if value is None else f"{value:.2f}"
        cpu_shown = "" if cpu is None else f"(cpu {cpu:.2f}{'' if cpu <= bound else ' over'})"
        p(f"  {name:<26} {limit:<7} {shown:>7}  {met:<8} {cpu_shown}")
        target_rows.append([name, limit, shown, met, "" if cpu is None else f"{cpu:.2f}"])

    # What stands in the way of run husk/crun: how much of each runtime's
    # `run` is the floor (which every runtime pays) and how much its own.
    def median_of(case, v):
        vals = [r["wall_ms"] for r in samples.get((case, v), {}).values()]
        return statistics.median(vals) if vals else None

    start, husk_run, crun_run, floor_run = (median_of("version", "true"), median_of("run", "husk"),
                                            median_of("run", "crun"), median_of("run", "floor"))
    if None not in (start, husk_run, crun_run, floor_run):
        p("")
        p(f"What a `run` is made of, medians of wall ms (one start of a static glibc program,")
        p(f"`true`, takes {start:.2f} here; see tests/bench/PROFILE.md for the phases):")
        p(f"  floor {floor_run:5.2f} = two program starts (its own, the container's /bin/true) "
          f"{2 * start:.2f} + namespaces, mounts, pivot_root {floor_run - 2 * start:.2f}")
        p(f"  husk  {husk_run:5.2f} = the floor + husk's own work {husk_run - floor_run:.2f}")
        p(f"  crun  {crun_run:5.2f} = the floor + crun's own work {crun_run - floor_run:.2f}")
        p(f"  husk/crun <= 0.5 leaves husk {crun_run / 2 - floor_run:.2f} ms over the floor "
          f"(the floor alone is {floor_run / crun_run:.2f} of crun); it uses "
          f"{husk_run - floor_run:.2f}")

    text = "\n".join(out)
    print(text)
    with open(os.path.join(a.out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "variant", "n", "failed", "wall_p25_ms", "wall_median_ms",
                    "wall_p75_ms", "cpu_p25_ms", "cpu_median_ms", "cpu_p75_ms",
                    "maxrss_median_kb", "maxrss_max_kb"])
        w.writerows(summary_rows)
    with open(os.path.join(a.out, "ratios.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["what", "of", "n", "median", "p25", "p75"])
        w.writerows(ratio_rows)
    with open(os.path.join(a.out, "targets.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["target", "limit", "value", "met", "cpu_value"])
        w.writerows(target_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
