"""Issue 12: the totals a recording or a sheet import shows before and after, when this process has not scored
them, come from the subjects' stored rows (a few one by one, else every row in one read a page at a time, without
their scorecards): the totals the whole stored results give, without ever reading those whole."""

from __future__ import annotations

import orjson
import pytest

from service import recording
from service.bootstrap import Service
from tests.integration.helpers import record_quarter


def test_unscored_totals_come_from_the_stored_rows_not_the_whole_results(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_quarter(service)
    service.runner.catch_up()
    stored = service.views.results("default/2026-Q1")
    assert stored is not None
    expected = {r["subject"]: r["total"] for r in orjson.loads(stored[1])["subjects"]}
    assert len(expected) == 4
    service.runner.totals.clear()  # as in a process that has not scored the period

    def whole(*_: object) -> None:
        raise AssertionError("read the period's results whole")

    monkeypatch.setattr(service.views, "results", whole)
    assert recording.totals(service, "2026-Q1") == expected  # a few subjects: one by one
    monkeypatch.setattr(recording, "FEW", 1)
    assert recording.totals(service, "2026-Q1") == expected  # more: the rows read through
    assert recording._totals(service, "default/2026-Q1", {"d2", "d4"}) == {s: expected[s] for s in ("d2", "d4")}
    assert recording.totals(service, "2031-Q4") == {}
