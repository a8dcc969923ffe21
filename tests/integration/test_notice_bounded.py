"""Issue 12: the 公示 (its print page and PDF) and the published list read the sealed results a page at a time and
keep of each subject only the row they print: what they hold besides their answer stays flat when the period
grows fourfold (checked red once: with the sealed results read whole, as before, it grew with the period)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service import queries
from service.bootstrap import build
from service.publication import published_list
from service.settings import Settings
from service.sheets import documents
from tests.integration.test_comparison_bounded import AUDITOR, published_period
from tests.signing import TEST_KEY


def _working(read: Callable[[], Any]) -> tuple[int, Any]:
    """The memory a read needed beyond what its answer keeps: tracemalloc's peak less what is held after it."""
    tracemalloc.start()
    try:
        found = read()
        current, peak = tracemalloc.get_traced_memory()
        return peak - current, found
    finally:
        tracemalloc.stop()


def test_the_notice_and_the_published_list_hold_a_page_not_the_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "NOTICE_PAGE", 10)
    monkeypatch.setattr(queries, "ROWS", 10)
    working: dict[str, list[int]] = {"notice": [], "list": []}
    for size in (40, 160):
        service = build(Settings(data_dir=tmp_path / str(size), signing_key=TEST_KEY))
        try:
            made = published_period(service, "zjg.yaml", subjects=size, groups=size // 10)
            code = made["code"]
            used, notice = _working(lambda s=service, c=code: documents.publication(s, AUDITOR, c, "http://x.test/"))
            assert len(notice.rows) == size  # ZJG lists every grade: every subject printed
            working["notice"].append(used)
            used, listed = _working(lambda s=service, c=code: published_list(s, AUDITOR, c, date(2026, 12, 2)))
            assert len(listed["rows"]) == size
            working["list"].append(used)
        finally:
            service.close()
    for name, (small, large) in working.items():
        assert large < 1.6 * small, (name, small, large)
