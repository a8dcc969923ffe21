"""F7, P1 (QF v3 三.(二)5 考核等次为好的人员在全局范围内进行公示): the 公示 shows those who are not auditors only
the grades the scheme lists, wherever it is shown: the in-app list and its JSON twin, the notice page, its JSON
and PDF, and the API's notice and PDF. Auditors, reviewers and administrators see every row in the in-app list,
the unlisted ones marked, to check what was left out; the notice is the document as posted, for everyone.
One policy decides it (service.policy.published_rows)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from service import queries
from service.accounts import account, create_account, view
from service.bootstrap import Service, build
from service.publication import published_list
from service.settings import Settings
from service.sheets import documents
from service.tokens import Actor, issue_token
from tests.sheets.test_listed_grades import AT, published_quarter
from tests.signing import TEST_KEY
from tests.web.conftest import session_cookie
from web.app import create_app

READERS = ("subject", "recorder", "rater", "auditor", "reviewer", "admin")
SCOPES = {"subject": None, "recorder": ["office"], "rater": ["main-1=main"]}


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict[str, Any]]]:
    """A published QF v3 quarter of 12 (some 好, some not); one account and token per role, the subject's
    representative for a subject that is not 好 (it sees its own grade on its scorecard, not in the 公示)."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("f7") / "data"))
    published_quarter(service)
    everyone = queries.results(service, "2026-Q1", None)["subjects"]
    good = {s["subject"] for s in everyone if s.get("grade") == "好"}
    shown = [s["name"] for s in everyone if s["subject"] in good]
    other = next(s for s in everyone if s["subject"] not in good and not any(s["name"] in n for n in shown))
    for role in READERS:
        scope = SCOPES.get(role, []) if role != "subject" else [other["subject"]]
        issue_token(service.ledger, f"{role}-1", role, scope, "test", AT, token=f"test-{role}")
        create_account(service.ledger, f"user{role}", f"{role}代表", role, scope, "password-123456", "admin", AT)
    yield service, {"good": good, "everyone": {s["subject"]: s for s in everyone}, "other": other}
    service.close()


@pytest.fixture(scope="module")
def client(quarter: tuple[Service, dict[str, Any]]) -> Iterator[TestClient]:
    clock = lambda: datetime(2026, 4, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    with TestClient(create_app(service=quarter[0], clock=clock), follow_redirects=False) as test_client:
        yield test_client


def sign_in(client: TestClient, service: Service, role: str) -> None:
    found = view(account(service.ledger, f"user{role}"))
    client.cookies.clear()
    client.cookies.set("scoreledger_session", session_cookie(service, {"user": found.username,
                                                                       "pv": found.password_version, "csrf": "t"}),
                       domain="testserver.local", path="/")


def names(data: dict[str, Any], subjects: set[str]) -> set[str]:
    return {data["everyone"][s]["name"] for s in subjects}


@pytest.mark.parametrize("role", ["subject", "recorder", "rater"])
def test_who_is_no_auditor_sees_only_the_listed_grades_in_the_list(
    quarter: tuple[Service, dict[str, Any]], client: TestClient, role: str
) -> None:
    service, data = quarter
    actor = Actor(f"{role}-1", role, tuple(SCOPES.get(role) or [data["other"]["subject"]]))
    listed = published_list(service, actor, "2026-Q1", date(2026, 4, 1))
    assert {r["subject"] for r in listed["rows"]} == data["good"] and {r["grade"] for r in listed["rows"]} == {"好"}
    assert (listed["listed_count"], listed["assessed"]) == (len(data["good"]), 12)
    sign_in(client, service, role)
    twin = client.get("/period/2026-Q1/publication.json").json()
    assert {r["subject"] for r in twin["rows"]} == data["good"]
    page = client.get("/period/2026-Q1/publication").text
    assert data["other"]["name"] not in page and "较差" not in page and "较好" not in page
    assert f"仅公示等次为好的{len(data['good'])}名，共考核12名" in page


@pytest.mark.parametrize("role", ["auditor", "reviewer", "admin"])
def test_auditors_see_every_grade_in_the_list_the_unlisted_marked(
    quarter: tuple[Service, dict[str, Any]], client: TestClient, role: str
) -> None:
    service, data = quarter
    listed = published_list(service, Actor(f"{role}-1", role, ()), "2026-Q1", date(2026, 4, 1))
    assert {r["subject"] for r in listed["rows"]} == set(data["everyone"])
    assert {r["subject"] for r in listed["rows"] if r["listed"]} == data["good"]
    sign_in(client, service, role)
    page = client.get("/period/2026-Q1/publication").text
    assert data["other"]["name"] in page and page.count("data-unlisted") == 12 - len(data["good"])
    assert f"仅公示等次为好的{len(data['good'])}名，共考核12名" in page


@pytest.mark.parametrize("role", READERS)
def test_the_notice_is_the_posted_document_for_everyone_on_every_route(
    quarter: tuple[Service, dict[str, Any]], client: TestClient, role: str
) -> None:
    service, data = quarter
    good = names(data, data["good"])
    notice = documents.publication(service, Actor(f"{role}-1", role, ()), "2026-Q1", "https://kaohe.example")
    assert {r.name for r in notice.rows} == good and {r.grade for r in notice.rows} == {"好"}
    api = client.get("/periods/2026-Q1/publication", headers={"Authorization": f"Bearer test-{role}"})
    assert api.status_code == 200 and {r["name"] for r in api.json()["rows"]} == good
    sign_in(client, service, role)
    assert {r["name"] for r in client.get("/period/2026-Q1/notice.json").json()["rows"]} == good
    page = client.get("/period/2026-Q1/notice").text
    assert data["other"]["name"] not in page and "较差" not in page and "较好" not in page


def test_the_pdf_lists_only_the_listed_grades(quarter: tuple[Service, dict[str, Any]], client: TestClient,
                                              tmp_path: Path) -> None:
    service, data = quarter
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    for path in ("/periods/2026-Q1/publication.pdf",):
        pdf = client.get(path, headers={"Authorization": "Bearer test-subject"})
        (tmp_path / "p.pdf").write_bytes(pdf.content)
        words = subprocess.run(["pdftotext", "-layout", str(tmp_path / "p.pdf"), "-"], capture_output=True,
                               check=True, text=True).stdout
        assert all(name in words for name in names(data, data["good"]))
        assert data["other"]["name"] not in words and "较差" not in words
