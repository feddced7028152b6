#!/usr/bin/env python3
"""Phase breakdown of `husk run` (or the floor) from ftrace (tracefs) text.

    phases.py --events
    phases.py [--floor] [--untraced-ms MS] TRACE...

--events prints the tracefs events the cut needs (paths under events/, one a
line), for tests/bench/profile.sh to enable in a tracing instance that
records only the traced command's process tree (set_event_pid with
options/event-fork).  Each TRACE is the instance's `trace` file after one
run of `bench_measure ... -- husk run ...` (or `-- bench_floor ...`).

The process tree is: measure (the first event's pid), the runtime (measure's
fork child), the container's init (the runtime's fork child after its
clone3; the floor's after its clone).  The run is cut into phases at marker
events, each looked for after the previous one:

  fork+exec husk         measure forks -> the runtime's exec is done
  libc start             -> the runtime's first brk: static glibc's start-up
                            (mostly CPU-feature probing, whose cpuid
                            instructions trap to the hypervisor in a VM)
  config, resolve        -> first mkdirat (the state directory)
  state dir, cgroup      -> clone3 entered (the cgroup and device filter work
                            before it)
  clone3                 -> the init's first event (it runs, in its
                            namespaces and cgroup)
  init setup             -> the init's first sendmsg (READY)
  after READY            -> the init's first execve/execveat (husk-dmz's
                            execveat of the trampoline memfd, or the
                            program's execve with husk-ro)
  exec /bin/true         -> the init's last exec is done (through husk-dmz,
                            if used)
  /bin/true              -> the init exits (its own libc start included)
  exit, reap             -> the runtime's wait4 returns the init's pid
  delete                 -> the runtime exits (cgroup and state dir removed)
  husk exit              -> measure's wait4 returns the runtime's pid

With --floor (tests/bench/floor.c: one clone, mount, pivot_root, exec):
fork+exec floor, libc start (exec -> clone entered), clone, child setup
(-> the child's execve), exec /bin/true, /bin/true, exit+reap, and exit
(the reap -> measure's wait4).  TOTAL is measure's fork -> measure's wait4,
about what measure times untraced.

With several files (runs): per phase the median span and the median share
of each run's TOTAL.  The tracepoints cost a little on each traced syscall
and exec (far less than strace's two context switches a call); the
untraced median (--untraced-ms, printed for comparison) says what the whole
costs."""

import argparse
import re
import statistics
import sys
from collections import namedtuple

# what the markers need: few events, each syscall's entry or exit only where
# one is enough (clone's exit: the child's first event)
EVENTS = [
    "sched/sched_process_fork",
    "sched/sched_process_exec",
    "sched/sched_process_exit",
    "syscalls/sys_enter_brk",
    "syscalls/sys_enter_mkdirat",
    "syscalls/sys_enter_clone",
    "syscalls/sys_exit_clone",
    "syscalls/sys_enter_clone3",
    "syscalls/sys_exit_clone3",
    "syscalls/sys_enter_sendmsg",
    "syscalls/sys_enter_execve",
    "syscalls/sys_enter_execveat",
    "syscalls/sys_exit_wait4",
]

# "  husk-26214   [000] .N...  9385.855060: sys_clone3(uargs: ..., size: 0x58)"
LINE = re.compile(r"^\s*.+?-(\d+)\s+\[\d+\]\s+\S+\s+(\d+\.\d+):\s+(\w+)(.*)$")
ENTRIES = re.compile(r"entries-in-buffer/entries-written: (\d+)/(\d+)")

Event = namedtuple("Event", "ms pid name rest")


def parse(path):
    """[Event] in the trace's (time) order."""
    events = []
    with open(path) as f:
        for raw in f:
            m = ENTRIES.search(raw)
            if m and m.group(1) != m.group(2):
                raise ValueError(f"events were lost ({m.group(1)} of {m.group(2)} kept): "
                                 "the trace buffer was too small")
            if raw.startswith("#"):
                continue
            m = LINE.match(raw)
            if m:
                events.append(Event(float(m.group(2)) * 1e3, int(m.group(1)), m.group(3),
                                    m.group(4)))
    if not events:
        raise ValueError("no events")
    return events


def child_pid(e):
    return int(re.search(r"child_pid=(\d+)", e.rest).group(1))


def returned(e):
    """The value of a sys_exit event ("sys_wait4 -> 0x6667")."""
    m = re.match(r"\s*->\s*0x([0-9a-f]+)", e.rest)
    return int(m.group(1), 16) if m else None


def entry(e, *names):
    """e is the entry of one of the syscalls (not its "-> value" exit)."""
    return e.name in names and e.rest.startswith("(")


class Cut:
    """Boundaries found one after another in one run's events."""

    def __init__(self, events):
        self.events, self.i, self.at = events, 0, {}

    def find(self, key, what, pred, last=False):
        """The first event from the current position that matches pred (the
        last one with last=True); it becomes the position and key's time."""
        hits = (j for j in range(self.i, len(self.events)) if pred(self.events[j]))
        j = next(hits, None)
        if j is None:
            raise ValueError(f"marker for `{key}` not found: {what}")
        if last:
            for j2 in hits:
                j = j2
        self.i = j
        self.at[key] = self.events[j].ms
        return self.events[j]


def boundaries(events, floor):
    """{boundary: ms} for one run."""
    cut = Cut(events)
    measure = events[0].pid
    fork = cut.find("fork", "measure forks",
                    lambda e: e.name == "sched_process_fork" and e.pid == measure)
    rt = child_pid(fork)
    cut.find("exec", "the runtime's exec", lambda e: e.name == "sched_process_exec" and e.pid == rt)
    if floor:
        cut.find("clone", "the floor's clone", lambda e: e.pid == rt and entry(e, "sys_clone"))
    else:
        cut.find("brk", "the runtime's first brk", lambda e: e.pid == rt and entry(e, "sys_brk"))
        cut.find("mkdir", "the runtime's first mkdirat",
                 lambda e: e.pid == rt and entry(e, "sys_mkdirat"))
        cut.find("clone", "the runtime's clone3", lambda e: e.pid == rt and entry(e, "sys_clone3"))
    init = child_pid(cut.find("forked", "the runtime's fork of the init",
                              lambda e: e.name == "sched_process_fork" and e.pid == rt))
    cut.find("child", "the init's first event", lambda e: e.pid == init)
    if not floor:
        cut.find("ready", "the init's READY (sendmsg)",
                 lambda e: e.pid == init and entry(e, "sys_sendmsg"))
    cut.find("exec2", "the init's exec", lambda e: e.pid == init and entry(e, "sys_execve",
                                                                           "sys_execveat"))
    # the last of the init's execs: husk-dmz's exec comes first if used
    exit_ = next((e for e in events if e.name == "sched_process_exit" and e.pid == init), None)
    if exit_ is None:
        raise ValueError("marker for `true_exit` not found: the init's exit")
    cut.find("true", "the init's exec of its program",
             lambda e: e.name == "sched_process_exec" and e.pid == init and e.ms <= exit_.ms,
             last=True)
    cut.find("true_exit", "the init's exit",
             lambda e: e.name == "sched_process_exit" and e.pid == init)
    cut.find("reaped", "the runtime's wait4 returning the init",
             lambda e: e.pid == rt and e.name == "sys_wait4" and returned(e) == init)
    if not floor:
        cut.find("rt_exit", "the runtime's exit",
                 lambda e: e.name == "sched_process_exit" and e.pid == rt)
    cut.find("done", "measure's wait4 returning the runtime",
             lambda e: e.pid == measure and e.name == "sys_wait4" and returned(e) == rt)
    return cut.at


# (phase, from boundary, to boundary); consecutive, so they add up to TOTAL
HUSK = [
    ("fork+exec husk", "fork", "exec"),
    ("libc start (CPU feature probing)", "exec", "brk"),
    ("config, resolve", "brk", "mkdir"),
    ("state dir, cgroup", "mkdir", "clone"),
    ("clone3 (namespaces, cgroup)", "clone", "child"),
    ("init setup (-> READY)", "child", "ready"),
    ("after READY (-> exec)", "ready", "exec2"),
    ("exec /bin/true (via husk-dmz if used)", "exec2", "true"),
    ("/bin/true incl. its libc start", "true", "true_exit"),
    ("exit, reap", "true_exit", "reaped"),
    ("delete", "reaped", "rt_exit"),
    ("husk exit", "rt_exit", "done"),
]
FLOOR = [
    ("fork+exec floor", "fork", "exec"),
    ("libc start", "exec", "clone"),
    ("clone (namespaces)", "clone", "child"),
    ("child setup (mounts, pivot_root)", "child", "exec2"),
    ("exec /bin/true", "exec2", "true"),
    ("/bin/true incl. its libc start", "true", "true_exit"),
    ("exit, reap", "true_exit", "reaped"),
    ("floor exit", "reaped", "done"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", action="store_true", help="print the tracefs events needed")
    ap.add_argument("--floor", action="store_true", help="the traces are of the floor")
    ap.add_argument("--untraced-ms", type=float)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if a.events:
        print("\n".join(EVENTS))
        return 0
    if not a.files:
        ap.error("no trace files")
    table = (FLOOR if a.floor else HUSK) + [("TOTAL", "fork", "done")]
    spans = {name: [] for name, _, _ in table}
    shares = {name: [] for name, _, _ in table}
    for path in a.files:
        try:
            at = boundaries(parse(path), a.floor)
        except ValueError as e:
            print(f"phases: {path}: {e}", file=sys.stderr)
            return 1
        total = at["done"] - at["fork"]
        for name, start, end in table:
            spans[name].append(at[end] - at[start])
            shares[name].append((at[end] - at[start]) / total)

    total_ms = statistics.median(spans["TOTAL"])
    print(f"{len(a.files)} traced run(s), median TOTAL {total_ms:.2f} ms"
          + (f" (untraced median wall: {a.untraced_ms:.2f} ms)" if a.untraced_ms else ""))
    print(f"  {'phase':<40} {'ms':>6} {'share':>6}")
    for name, _, _ in table:
        print(f"  {name:<40} {statistics.median(spans[name]):6.3f} "
              f"{100 * statistics.median(shares[name]):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
