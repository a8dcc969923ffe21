"""The benchmark runner end to end on the bureau workload (SQLite): every figure lands in the JSON.

No timing is asserted: only that each step ran and reported what the table and BENCHMARKS.md use.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.run import main


def test_the_bureau_workload_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    only = "import,freshness,appeals,asof,replay,whatif"  # all but HTTP, which loads a server for seconds per level
    assert main(["--workloads", "bureau", "--stores", "sqlite", "--only", only, "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    run = results["runs"]["bureau"]["sqlite"]
    assert not [step for step, result in run.items() if "error" in result], run
    assert {
        "import",
        "import_floor",
        "freshness",
        "appeals",
        "asof",
        "replay",
        "replay_floor",
        "replay_naive",
        "whatif",
    } <= set(run)
    for step in ("import", "import_floor", "replay", "replay_floor", "replay_naive"):
        assert run[step]["rate"] > 0 and run[step]["peak_mb"] > 0
    assert run["replay"]["results_sha256"] == run["replay_naive"]["results_sha256"]
    # the fast path's hash, made as the runs were spooled, checked against the bytes read back after the time
    assert run["replay"]["path"] == "fast" and run["replay"]["read_seconds"] >= 0
    assert len(run["replay"]["timed_cpu_s"]) == 2 and "error" not in run["replay"]
    assert run["whatif"]["identical"] is True and run["whatif"]["cold_identical"] is True
    assert run["freshness"]["visible_s"] >= 0 and run["appeals"]["publish_s"] >= 0
    assert run["asof"]["kept"] is True and all(run["asof"]["checks"].values()), run["asof"]
    assert results["http"]["clients"] == [[1, 1], [8, 1], [32, 1], [8, 20]]  # (clients, facts per request)
    figures = {row["figure"] for row in results["figures"]}
    assert {"import", "replay", "replay, naive", "visible after ack", "appeal what-if", "as of the seal: scorecard"} <= figures
    assert all({"value", "floor", "ratio", "target", "met", "peak_mb"} <= set(row) for row in results["figures"])
