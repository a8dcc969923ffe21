"""F10: a file is imported once. Confirming the same file again (a double click, a retried request, the file
uploaded again in another tab) answers with the first import and appends nothing: the confirmation's
idempotency key is derived from the uploader, the period and the file's SHA-256 (the ledger's own keys,
scoped by principal and command). A new import of the same file is only ever an explicit choice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from service.bootstrap import Service
from service.sheets.importing import SheetImporter, SheetInvalid, Upload
from service.tokens import Actor
from tests.sheets.conftest import ALL_OFFICES, AT, OFFICE, PERIOD
from tests.sheets.files import csv_bytes
from tests.sheets.test_import import log_end, stored_facts

ROWS = [["被考核单位", "考核项目", "次数"], ["办公室", "4.7", "1"], ["党建科", "4.7", "2"]]
FILE = Upload("督查科.csv", csv_bytes(ROWS, "utf-8"))
LATER = "2026-03-21T15:30:00+08:00"


@pytest.fixture
def sheets_client(service: Service) -> Iterator[TestClient]:
    clock = lambda: datetime(2026, 3, 21, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    with TestClient(create_app(service=service, clock=clock)) as test_client:
        yield test_client


def importer(service: Service, actor: Actor = OFFICE, at: str = AT) -> SheetImporter:
    return SheetImporter(service.ledger, PERIOD, actor, at, today=date(2026, 3, 21))


def test_confirming_a_file_again_answers_with_the_first_import_and_appends_nothing(service: Service) -> None:
    first = importer(service).confirm(FILE, FILE.sha256)
    assert (first["rows"], first["replayed"]) == (2, False)
    end = log_end(service)
    # Check: the same file confirmed again (later, by a new importer: another request) records nothing
    again = importer(service, at=LATER).confirm(FILE, FILE.sha256)
    assert again["replayed"] is True and again["facts"] == first["facts"] and again["rows"] == 2
    assert again["imported_at"] == AT and again["position"] is None
    assert log_end(service) == end and len(stored_facts(service)) == 2
    # Check: the preview says it was imported, when, and how many
    assert importer(service, at=LATER).preview(FILE)["imported"] == [
        {"period": PERIOD, "facts": first["facts"], "rows": 2, "imported_at": AT}]


def test_a_new_import_of_the_same_file_is_an_explicit_choice_itself_made_once(service: Service) -> None:
    importer(service).confirm(FILE)
    end = log_end(service)
    chosen = importer(service, at=LATER).confirm(FILE, again=1)  # "import it once more": one import known
    assert chosen["replayed"] is False and len(stored_facts(service)) == 4
    end = log_end(service)
    # Check: the same choice sent twice records it once
    assert importer(service, at=LATER).confirm(FILE, again=1)["facts"] == chosen["facts"]
    assert log_end(service) == end and len(stored_facts(service)) == 4
    # Check (refused): a choice that knows of imports that never were records nothing, and says so in Chinese
    with pytest.raises(SheetInvalid) as refused:
        importer(service, at=LATER).confirm(FILE, again=5)
    assert "此文件只导入过2次" in refused.value.problems[0].message
    assert log_end(service) == end


def test_another_uploader_imports_its_own_copy(service: Service) -> None:
    """Keys are scoped by principal: another office's upload of the same bytes is its own import."""
    importer(service).confirm(FILE)
    other = Actor("办公室录入员", "recorder", ALL_OFFICES.scope)
    assert importer(service, other).confirm(FILE)["replayed"] is False
    assert len(stored_facts(service)) == 4


def test_the_api_import_sent_twice_records_once_and_again_only_when_asked(
    service: Service, sheets_client: TestClient
) -> None:
    headers = {"Authorization": "Bearer demo-recorder-token"}

    def send(**form: str) -> dict[str, Any]:
        response = sheets_client.post(f"/periods/{PERIOD}/imports", files={"file": (FILE.filename, FILE.data)},
                                      data=form, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    first = send()
    end = log_end(service)
    retried = send()  # a retried request, no Idempotency-Key of its own
    assert retried["replayed"] is True and retried["facts"] == first["facts"] and retried["rows"] == 2
    assert log_end(service) == end
    preview = sheets_client.post(f"/periods/{PERIOD}/imports/preview", files={"file": (FILE.filename, FILE.data)},
                                 headers=headers).json()
    assert [i["rows"] for i in preview["imported"]] == [2]
    chosen = send(again="1")
    assert chosen["replayed"] is False and set(chosen["facts"]).isdisjoint(first["facts"])
    assert log_end(service) > end and len(stored_facts(service)) == 4
