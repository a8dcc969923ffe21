"""A comparison reads the views where they hold the results (now, a seal's kept rows) and replays only
otherwise: it says exactly what the comparison of the replayed results says."""

from __future__ import annotations

from datetime import date

import pytest

from domain.canonical import canonical_bytes
from service import comparison
from service.bootstrap import Service
from service.comparison import _kept_in_views
from tests.integration.helpers import AT, record_quarter


def test_the_views_at_a_seal_and_now_compare_as_the_replayed_results(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = record_quarter(service)
    ledger = service.ledger
    ledger.close_period("2026-Q1", "admin", AT)
    seal = ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)["seal"]
    filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", [], date(2026, 6, 2), "d1代表", AT)
    ledger.accept_appeal(filed["appeal"], date(2026, 6, 2), "领导小组", AT)
    ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "核实"}],
                         "属实", date(2026, 6, 3), "领导小组", AT)
    service.runner.catch_up()
    now = service.views.position()
    assert all(_kept_in_views(service, "2026-Q1", p) is not None for p in (seal["position"], now))
    assert _kept_in_views(service, "2026-Q1", seal["position"] - 1) is None  # neither: a replay
    from_views = comparison._explain(service, "2026-Q1", seal["position"], now)
    monkeypatch.setattr(comparison, "_kept_in_views", lambda *_: None)  # replay both positions instead
    replayed = comparison._explain(service, "2026-Q1", seal["position"], now)
    assert canonical_bytes(from_views) == canonical_bytes(replayed)
    assert {c["subject"] for c in from_views["changes"]} >= {"d1"}
