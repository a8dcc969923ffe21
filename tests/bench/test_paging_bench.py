"""The paging figures (bench/measure_paging.py) on the bureau workload: the 公示 PDF and an upheld appeal's
comparison are read after the appeals step and report their peak above the ready service. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

from bench.run import main


def test_the_notice_and_the_comparison_report_their_peaks(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert main(["--workloads", "bureau", "--stores", "sqlite", "--only", "appeals,pages", "--out", str(out)]) == 0
    run = json.loads(out.read_text())["runs"]["bureau"]["sqlite"]
    notice, compared = run["paging_notice"], run["paging_comparison"]
    assert notice["rows"] == 12 and notice["pdf_bytes"] > 0 and notice["read_mb"] >= 0, notice
    assert compared["changes"] > 0 and compared["changes"] == compared["page_changes"], compared
