"""A sealed quarter in an embedded store, and a real server holding that store while writers append."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from service.bootstrap import build
from service.settings import Settings
from service.tokens import issue_token
from tests.integration.conftest import pg_schema  # noqa: F401 - a fixture, found by name
from tests.integration.helpers import AT, record_quarter
from tests.reliability.harness import ADMIN, RECORDER, Ledger, Server, set_up_period, writer
from tests.signing import TEST_KEY

SEALED = "2025-Q4"


def seal_a_quarter(settings: Settings) -> None:
    """A published quarter (2025-Q4: one seal) and the harness's tokens; the service is closed after."""
    service = build(settings)
    try:
        record_quarter(service, SEALED)
        service.ledger.close_period(SEALED, "admin", AT)
        service.ledger.publish(SEALED, date(2026, 1, 5), "督查科", AT)
        for principal, role, token in (("管理员", "admin", ADMIN), ("督查科", "recorder", RECORDER)):
            issue_token(service.ledger, principal, role, ["inspection", "office", "personnel", "guidance"], "test", AT,
                        token=token)
        service.runner.catch_up()
    finally:
        service.close()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "live"
    seal_a_quarter(Settings(signing_key=TEST_KEY, data_dir=directory))
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(directory))
    return directory


@pytest.fixture
def server(data_dir: Path) -> Iterator[Server]:
    """uvicorn on the sealed store, with 2026-Q1 open for the writers."""
    running = Server({"SCORELEDGER_DATA_DIR": str(data_dir)}).start()
    set_up_period(running.base)
    yield running
    running.stop()


@dataclass
class Load:
    """Writers appending facts through the server until stopped."""

    base: str
    ledger: Ledger = field(default_factory=Ledger)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        for n in range(2):
            thread = threading.Thread(target=writer, args=(self.base, f"w{n}", self.ledger, self.stop), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def wait_for(self, acknowledged: int, seconds: float = 30) -> None:
        import time

        deadline = time.monotonic() + seconds
        while len(self.ledger.acknowledged) < acknowledged and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.ledger.acknowledged) >= acknowledged, "the writers were not acknowledged in time"
