"""The web app (API and pages) on a fresh store with the demo bureau; people signed in by cookie.

Tests sign in by setting the signed session cookie, as Starlette's SessionMiddleware writes it;
the sign-in form itself is tested in test_signin.py. Password hashes use cheaper argon2
parameters here (the same library) so that creating accounts does not dominate the suite.
"""

from __future__ import annotations

import json
import shutil
from base64 import b64encode
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

import service.accounts as accounts
from service.accounts import account, view
from service.bootstrap import Service, build
from service.demo import DEMO_ACCOUNTS, load_demo
from service.session_key import session_secret
from service.settings import Settings
from tests.signing import TEST_KEY
from web.app import create_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
USERS = {role: username for role, (username, *_) in DEMO_ACCOUNTS.items()}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bureau loaded once; each test gets a copy of its files."""
    data = tmp_path_factory.mktemp("demo") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        built = build(Settings(data_dir=data, demo=True, signing_key=TEST_KEY))
        load_demo(built, "2026-03-01T09:00:00+08:00")
        built.close()
    return data


@pytest.fixture
def service(tmp_path: Path, demo_store: Path, cheap_hashes: None) -> Iterator[Service]:
    shutil.copytree(demo_store, tmp_path / "data")
    built = build(Settings(data_dir=tmp_path / "data", demo=True, signing_key=TEST_KEY))
    yield built
    built.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(service: Service, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(service=service, clock=clock), follow_redirects=False) as test_client:
        yield test_client


def session_cookie(service: Service, data: dict[str, Any]) -> str:
    """The cookie SessionMiddleware would set for this session."""
    signer = TimestampSigner(session_secret(service.settings))
    return signer.sign(b64encode(json.dumps(data).encode())).decode()


def sign_in_as(client: TestClient, service: Service, role: str) -> str:
    """Sign a demo account in by cookie; returns the form token of its session."""
    found = view(account(service.ledger, USERS[role]))
    csrf = f"token-{role}"
    cookie = session_cookie(service, {"user": found.username, "pv": found.password_version, "csrf": csrf})
    client.cookies.clear()
    client.cookies.set("scoreledger_session", cookie, domain="testserver.local", path="/")
    return csrf


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0
