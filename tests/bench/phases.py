#!/usr/bin/env python3
"""Phase breakdown of `husk run` from `strace -f -ttt -T` output.

    phases.py [--untraced-ms MS] STRACE_FILE...

The lines of the parent and the container's init are merged in time order and
cut into phases at marker syscalls, matched in sequence (each marker is
looked for after the previous one).  For each phase: its wall span under
strace, its syscall count, and the time spent inside those syscalls (-T)
except the waits on the other process (e.g. the parent's recvmsg on the
sync socket while the init works: that time is the init's, not the
parent's).  With several
files (runs), the medians are shown.

strace stops the traced process at every syscall, so spans are inflated,
most where syscalls are dense (the init's mount sequence) and at exec
(ptrace's own work).  Read the spans for where the time goes and the
in-call column for what the kernel spends; the bench's untraced numbers
(--untraced-ms, printed for comparison) say what the whole costs."""

import argparse
import re
import statistics
import sys

# (phase name, regex of the syscall line that starts it)
PHASES = [
    ("exec husk, libc start-up", r"execve\("),
    ("exe protect: /proc/self/exe check (memfd copy + re-exec)",
     r'openat\(AT_FDCWD, "/proc/self/exe"'),
    ("config: realpath, read, parse, validate", r'readlink\("/(?!proc/)'),
    ("state dir and state.json", r"mkdir\("),
    ("cgroup: locate, mkdir, eBPF device filter", r'"/proc/self/mountinfo"'),
    ("clone3 into the namespaces and cgroup", r"socketpair\("),
    ("init: mounts (rootfs, proc, dev, devpts, shm, mqueue, sysfs, cgroup2)",
     r'fsopen\("proc"|mount\(NULL, "/"'),
    ("init: device nodes, /dev symlinks", r"mknodat\("),
    ("init: pivot_root, detach the old root", r"pivot_root\("),
    ("init: masked and read-only paths", r'openat2\(\d+, "proc/'),
    ("init: hostname, rlimits, keyring, ids, capabilities", r"sethostname\(|keyctl\(|setgroups\("),
    ("sync: init ready, parent commits state, start", r"sendmsg\("),
    ("container: execve /bin/true, run, exit, namespace teardown", r"execve\("),
    ("after exit: reap, delete (cgroup, state dir)", r"\+\+\+ exited with"),
]

LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
DURATION = re.compile(r"<(\d+\.\d+)>\s*$")
RESUMED = re.compile(r"<\.\.\. (\w+) resumed>")
# calls that block until the other process does something
WAITS = {"recvmsg", "recvfrom", "read", "wait4", "waitid", "poll", "ppoll", "epoll_wait",
         "epoll_pwait", "pselect6", "futex"}


def parse(path):
    """[(time, pid, text, seconds inside the syscall)] in time order."""
    events = []
    with open(path) as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, t, text = int(m.group(1)), float(m.group(2)), m.group(3)
            d = DURATION.search(text)
            # "<unfinished ...>" starts a call that was interrupted by the
            # other process's lines; its "resumed" line has the duration.
            # Count the call once, at its start; a waiting call's time is
            # the other side's work, not its own.
            dur = float(d.group(1)) if d else 0.0
            resumed = RESUMED.match(text)
            if text.endswith("<unfinished ...>"):
                events.append((t, pid, text, 0.0, True))
            elif resumed:
                events.append((t, pid, text, 0.0 if resumed.group(1) in WAITS else dur, False))
            else:
                events.append((t, pid, text, dur, True))
    events.sort(key=lambda e: e[0])
    return events


def phases_of(events):
    """{phase: (span s, syscalls, in-syscall s)} and the total span."""
    starts = []
    k = 0
    for i, (_, _, text, _, _) in enumerate(events):
        if k < len(PHASES) and re.search(PHASES[k][1], text):
            starts.append(i)
            k += 1
    if k < len(PHASES):
        missing = PHASES[k][0]
        raise ValueError(f"marker for phase `{missing}` not found")
    end_time = events[-1][0]
    result = {}
    for n, (name, _) in enumerate(PHASES):
        a = starts[n]
        b = starts[n + 1] if n + 1 < len(PHASES) else len(events)
        t_end = events[b][0] if b < len(events) else end_time
        chunk = events[a:b]
        result[name] = (t_end - events[a][0],
                        sum(1 for e in chunk if e[4]),
                        sum(e[3] for e in chunk))
    return result, end_time - events[0][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--untraced-ms", type=float)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    runs, totals = [], []
    for path in a.files:
        try:
            r, total = phases_of(parse(path))
        except ValueError as e:
            print(f"phases: {path}: {e}", file=sys.stderr)
            return 1
        runs.append(r)
        totals.append(total)

    med = {name: tuple(statistics.median(r[name][i] for r in runs) for i in range(3))
           for name, _ in PHASES}
    total_ms = statistics.median(totals) * 1e3
    nsys = sum(v[1] for v in med.values())
    print(f"{len(runs)} traced run(s): median total under strace {total_ms:.2f} ms, "
          f"{nsys:.0f} syscalls"
          + (f" (untraced median: {a.untraced_ms:.2f} ms)" if a.untraced_ms else ""))
    print(f"  {'phase':<70} {'span ms':>8} {'share':>6} {'calls':>6} {'in-call ms':>10}")
    for name, _ in PHASES:
        span, calls, incall = med[name]
        print(f"  {name:<70} {span * 1e3:8.2f} {100 * span * 1e3 / total_ms:5.0f}% "
              f"{calls:6.0f} {incall * 1e3:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
