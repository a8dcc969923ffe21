"""P6 in the service: a year the package does not cover is refused clearly, unless a calendar file supplies it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from service.bootstrap import build
from service.demo import DEMO_TOKENS
from service.settings import Settings
from service.tokens import issue_token
from tests.api.conftest import SHANGHAI, Clock, auth
from tests.api.test_journeys import problem, set_up
from tests.signing import TEST_KEY

CALENDAR_2027 = """year: 2027
source: test arrangement (not the official notice)
holidays: [2027-01-01, 2027-05-01, 2027-05-02, 2027-05-03, 2027-10-01, 2027-10-02, 2027-10-03]
workdays: []
"""


@contextmanager
def _client(tmp_path: Path, files: str, clock: Clock) -> Iterator[TestClient]:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data", calendar_files=files))
    try:
        for role, (token, principal, scope) in DEMO_TOKENS.items():
            issue_token(service.ledger, principal, role, scope, "test", "2027-01-01T00:00:00+08:00", token=token)
        with TestClient(create_app(service=service, clock=clock)) as client:
            yield client
    finally:
        service.close()


def _publish_and_appeal(client: TestClient, clock: Clock):  # type: ignore[no-untyped-def]
    set_up(client)
    fact = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "4.4", "subject": "s001"},
                       headers=auth("recorder")).json()["facts"][0]
    client.post("/periods/2026-Q3/close", headers=auth("admin"))
    client.post("/periods/2026-Q3/publish", json={"published_on": "2027-04-29"}, headers=auth("admin"))
    clock.now = datetime(2027, 5, 6, 9, 0, tzinfo=SHANGHAI)
    return client.post("/periods/2026-Q3/appeals", headers=auth("subject"),
                       json={"subject": "s001", "contested": [fact], "reasons": "r", "evidence": []})


def test_an_uncovered_year_is_refused_naming_the_date(tmp_path: Path) -> None:
    clock = Clock()
    with _client(tmp_path, "", clock) as client:
        body = problem(_publish_and_appeal(client, clock), 422)
    assert body["type"].endswith("calendar-not-covered") and "2027" in body["detail"]


def test_a_calendar_file_supplies_the_year(tmp_path: Path) -> None:
    """Published Thu 2027-04-29: Fri 4/30, (5/1-5/3 holiday), Tue 5/4, Wed 5/5 → deadline 5/5; 5/6 is late."""
    (tmp_path / "2027.yaml").write_text(CALENDAR_2027, encoding="utf-8")
    clock = Clock()
    with _client(tmp_path, str(tmp_path / "2027.yaml"), clock) as client:
        body = problem(_publish_and_appeal(client, clock), 422)
    assert body["deadline"] == "2027-05-05"
