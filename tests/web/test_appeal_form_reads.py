"""Issue 12: a subject's appeal form shows the publication's window from the seal, without reading the period's
results (it used to build the whole published list, every row of a province, to show four dates)."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from service import publication
from service.bootstrap import Service
from tests.web.conftest import SHANGHAI, Clock, sign_in_as
from tests.web.test_page_journeys import close_and_publish, text_of


def test_the_appeal_form_reads_the_window_not_the_results(
    client: TestClient, service: Service, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    close_and_publish(client, service)
    sign_in_as(client, service, "subject")
    clock.now = datetime(2026, 3, 23, 9, 0, tzinfo=SHANGHAI)

    def whole(*_: object, **__: object) -> None:
        raise AssertionError("read the period's results")

    monkeypatch.setattr(publication, "scan", whole)
    form = client.get("/period/2026-Q1/appeal")
    assert form.status_code == 200 and 'name="contested"' in form.text
    assert "距申诉截止还有3个工作日" in text_of(form.text)  # the window, from the seal's publication date
