"""One measurement in a process of its own, so that its peak memory is its own: `python -m bench.child SPEC`.

The spec (JSON) names the task; the result (JSON) is printed after a marker on the last
line, with the process's peak resident memory and its resident memory before the task.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

MARK = "BENCH-RESULT "
Task = Callable[[dict[str, Any]], dict[str, Any]]


def tasks() -> dict[str, Task]:
    from bench import (
        measure_asof,
        measure_fresh,
        measure_import,
        measure_pages,
        measure_paging,
        measure_replay,
        measure_sheets,
        measure_whatif,
    )

    return {
        "generate": measure_import.generate,
        "import": measure_import.bulk_import,
        "import_floor": measure_import.floor,
        "replay": measure_replay.replay,
        "replay_floor": measure_replay.floor,
        "replay_naive": measure_replay.naive,
        "freshness": measure_fresh.freshness,
        "restart": measure_fresh.restart,
        "appeals": measure_fresh.appeals,
        "asof": measure_asof.asof,
        "whatif": measure_whatif.whatif,
        "pages": measure_pages.pages,
        "paging_notice": measure_paging.notice,
        "paging_comparison": measure_paging.comparison,
        "http": http,
        "sheets_import": measure_sheets.import_sheet,
        "sheets_pages": measure_sheets.import_pages,
        "sheets_read_floor": measure_sheets.read_floor,
        "sheets_record_floor": measure_sheets.record_floor,
        "sheets_export_city": measure_sheets.export_city,
    }


def http(spec: dict[str, Any]) -> dict[str, Any]:
    """Recording over HTTP with 1, 8 and 32 clients (and 8 posting batches), against a minimal FastAPI floor;
    on PostgreSQL with several server processes."""
    from bench import measure_http

    return measure_http.measure(tuple(spec.get("clients", measure_http.LEVELS)), spec.get("seconds", 5.0),
                                spec.get("store", "sqlite"), spec.get("workers", 1))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def children_peak_mb() -> float:
    """The largest peak of the processes this one forked and waited for (replay and seal workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    spec = json.loads(sys.argv[1])
    task = tasks()[spec["task"]]
    before = peak_mb()
    started = time.process_time()
    children = _children_cpu()
    try:
        result = task(spec)
    except Exception as exc:  # noqa: BLE001 - reported to the runner, which records it
        result = {"error": f"{type(exc).__name__}: {exc}"[:2000], "trace": traceback.format_exc()[-3000:]}
    result.update(peak_mb=round(peak_mb(), 1), base_mb=round(before, 1), cpu_s=round(time.process_time() - started, 3),
                  workers_peak_mb=round(children_peak_mb(), 1), workers_cpu_s=round(_children_cpu() - children, 3))
    print(MARK + json.dumps(result, default=str), flush=True)


def run(spec: dict[str, Any], timeout: float = 3600) -> dict[str, Any]:
    """Run one task in a child process; its result, or the error it ended with."""
    command = [sys.executable, "-m", "bench.child", json.dumps(spec)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)  # noqa: S603
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    return {"error": f"exit {done.returncode}: {done.stderr.strip()[-1500:]}"}


if __name__ == "__main__":
    main()
