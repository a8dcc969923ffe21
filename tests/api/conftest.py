"""A running app per test (TestClient, so the lifespan runs), on a fresh SQLite store with the demo tokens.

The clock is fixed and can be moved: appeal windows are counted from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS
from service.settings import Settings
from service.tokens import issue_token
from tests.signing import TEST_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKENS = {role: token for role, (token, _, _) in DEMO_TOKENS.items()}


class Clock:
    """A clock tests can set."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)

    def __call__(self) -> datetime:
        return self.now


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(built.ledger, principal, role, scope, "test", "2026-03-01T00:00:00+08:00", token=token)
    yield built
    built.close()


@pytest.fixture
def client(service: Service, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(service=service, clock=clock)) as test_client:
        yield test_client
