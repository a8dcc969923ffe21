"""The two-position comparison on a kept store, measured in a process of its own (issue 12, cmpfast).

`python -m bench.measure_comparison DATA_DIR PERIOD FIRST LAST`: a service over the store (SQLite, as bench/run.py
keeps it with --keep; the signing key beside it), caught up; then `compare_positions` between the two positions,
as the page `/period/{code}/compare?from=…&to=…` asks it. Prints one JSON line: wall and CPU seconds of the call
(this process and its children), the RSS before it and its peak during it (sampled every 20 ms; also without the
files mapped, RssAnon), the process's peak RSS, the load average, how many subjects changed and the SHA-256 of the
whole answer. Runs the code of the tree it is started from, so the same script measures another branch's code from
a copy of that tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _anon_mb() -> float:
    """The RSS less the files mapped (SQLite maps the log file: its pages count in the RSS, but are the page
    cache's, not the request's memory)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str]) -> int:
    from bench.stores import bench_key
    from service.bootstrap import build
    from service.comparison import compare_positions
    from service.settings import Settings
    from service.tokens import Actor

    data_dir, period, first, last = Path(argv[0]), argv[1], argv[2], argv[3]
    service = build(Settings(data_dir=data_dir, signing_key=bench_key(data_dir.parent)))
    try:
        service.runner.catch_up()
        peak, anon, done = [_rss_mb()], [_anon_mb()], threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0], anon[0] = max(peak[0], _rss_mb()), max(anon[0], _anon_mb())

        before, anon_before, load = _rss_mb(), _anon_mb(), os.getloadavg()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu, wall = _cpu(), time.perf_counter()
        found = compare_positions(service, Actor("审计员", "auditor", ()), period, first, last)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        done.set()
        sampler.join()
        import orjson

        print(json.dumps({
            "from": found["from"], "to": found["to"], "changes": found.get("total", len(found["changes"])),
            "sha256": hashlib.sha256(orjson.dumps(found)).hexdigest(),  # the same answer from either branch
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "rss_before_mb": round(before, 1),
            "rss_peak_during_mb": round(max(peak[0], _rss_mb()), 1), "anon_before_mb": round(anon_before, 1),
            "anon_peak_during_mb": round(max(anon[0], _anon_mb()), 1),
            "process_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_before": [round(x, 2) for x in load], "load_after": [round(x, 2) for x in os.getloadavg()],
        }))
    finally:
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
