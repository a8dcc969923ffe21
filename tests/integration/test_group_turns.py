"""The group commits of several processes on one PostgreSQL store take turns (LedgerBase._turn, issue 12): while
one process decides and saves a group, another's group waits instead of deciding on versions about to change
(which made groups conflict and retry up to 28 times under 32 clients). On SQLite there is no turn to take."""

from __future__ import annotations

import threading
import time

from service.bootstrap import Service, build
from service.settings import Settings


def test_a_second_process_waits_for_the_turn_of_the_first(service: Service, settings: Settings, backend: str) -> None:
    if backend == "sqlite":
        assert service.ledger._turns_lock() is None
        with service.ledger._turn():  # nothing taken
            pass
        return
    other = build(settings)
    waited: list[float] = []

    def second() -> None:
        began = time.monotonic()
        with other.ledger._turn():
            waited.append(time.monotonic() - began)

    try:
        with service.ledger._turn():
            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(0.3)
            assert not waited  # still waiting for the first process's turn
        thread.join(10)
        assert waited and waited[0] >= 0.25
        with service.ledger._turn():  # taken again after the other let go
            pass
    finally:
        other.close()
