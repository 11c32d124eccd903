"""The lock prober: a Mixxx-like writer, run as its own process while a benchmark row writes.

    python scripts/bench/lock_prober.py DB

``harness.probe_lock`` starts it, waits for ``ready``, runs the write, closes its stdin and
reads one JSON line back: the longest time the prober was refused the write lock. Only the
standard library, so it starts fast and shares nothing with the side it measures.
"""

from __future__ import annotations

import json
import os
import select
import sqlite3
import sys
import time


def probe(path: str, period_s: float = 0.0005) -> None:
    """Measure, from outside, how long a Mixxx-like writer is kept waiting.

    Loops: ``BEGIN IMMEDIATE``; a no-op UPDATE; ``COMMIT`` with busy timeout 0 (so a
    reader blocking the commit in rollback-journal mode counts too). Prints ``ready`` once
    it has succeeded, then runs until stdin closes and prints one JSON line: the longest
    interval between the first failed attempt and the next success, in ms.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    conn.execute("PRAGMA busy_timeout = 0")
    conn.execute("PRAGMA synchronous = off")
    longest = 0.0
    blocked_since: float | None = None
    attempts = failures = 0
    ready = False
    fd = sys.stdin.fileno()
    os.set_blocking(fd, False)
    while True:
        now = time.perf_counter()
        attempts += 1
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "UPDATE settings SET value = value WHERE name = 'mixxx.schema.version'"
                )
                conn.execute("COMMIT")
            except sqlite3.OperationalError:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError:
            failures += 1
            if blocked_since is None:
                blocked_since = now
        else:
            if blocked_since is not None:
                longest = max(longest, time.perf_counter() - blocked_since)
                blocked_since = None
            if not ready:
                print("ready", flush=True)
                ready = True
        readable, _, _ = select.select([fd], [], [], period_s)
        if readable and not os.read(fd, 1024):
            break
    if blocked_since is not None:
        longest = max(longest, time.perf_counter() - blocked_since)
    conn.close()
    print(json.dumps({"longest_ms": longest * 1000, "attempts": attempts, "failures": failures}))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    probe(sys.argv[1])
