"""The ledger's aggregates are rebuilt from their events as the library rebuilds them (service/ledger.py `mutated`:
`project_aggregate` without its per-event Protocol check, issue 12), the period's and a subject's stream alike."""

from __future__ import annotations

from eventsourcing.application import project_aggregate

from domain.ledger.ids import ledger_id, period_id
from service.bootstrap import Service
from tests.integration.helpers import record_quarter


def test_the_period_and_a_stream_load_as_the_librarys_projection_rebuilds_them(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    for aggregate_id in (period_id("2026-Q1"), ledger_id("2026-Q1", "d2")):
        ledger.repository.cache = None  # rebuilt from the store each time, not copied from the cache
        ours = ledger.load(aggregate_id, "aggregate")
        theirs = ledger.repository.get(aggregate_id, projector_func=project_aggregate)
        assert ours.version == theirs.version > 1
        assert vars(ours) == vars(theirs)
    assert len(ledger.period("2026-Q1").subjects) == 4
