"""A comparison reads the views where they hold the results (now, a seal's kept rows) and replays only
otherwise: the results it reads are byte for byte the replayed ones."""

from __future__ import annotations

from datetime import date

from domain.canonical import canonical_bytes
from replay.asof import result_as_of
from service.bootstrap import Service
from service.comparison import _kept_in_views
from tests.integration.helpers import AT, record_quarter


def test_the_views_at_a_seal_and_now_give_the_replayed_results(service: Service) -> None:
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
    for position in (seal["position"], now):
        kept = _kept_in_views(service, "2026-Q1", position)
        assert kept is not None, position
        assert canonical_bytes(kept) == canonical_bytes(result_as_of(ledger.recorder, "2026-Q1", position))
    assert _kept_in_views(service, "2026-Q1", seal["position"] - 1) is None  # neither: a replay
