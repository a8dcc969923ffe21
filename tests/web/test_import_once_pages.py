"""F10 through the pages: a file confirmed, then uploaded again (another tab, or the next morning) and confirmed
again, is recorded once. Its preview says 此文件已导入 with the time and the count, the plain confirmation shows
the first import and records nothing, and only the explicit choice (a box to tick) imports it once more."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.bootstrap import Service
from tests.sheets.files import csv_bytes
from tests.web.conftest import end, sign_in_as
from tests.web.test_page_journeys import text_of
from tests.web.test_sheet_pages import GOOD, HEADER, follow_job, upload


def test_a_file_uploaded_and_confirmed_again_is_recorded_once_unless_chosen(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "recorder")
    data = csv_bytes([HEADER, *GOOD], "gbk")
    sha = upload(client, csrf, "扣分登记.csv", data, "gbk").url.path.rsplit("/", 1)[1]
    follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf}))
    recorded = end(service)
    # Check: uploaded again, the preview says it was imported, when and how many, and offers no plain import
    page = upload(client, csrf, "扣分登记（副本）.csv", data, "gbk")
    words = text_of(page.text)
    assert "此文件已导入：2026年3月20日 10:00导入2条记录" in words
    assert "确认导入2行" not in words and 'name="again" value="1" required' in page.text
    assert client.get(page.url.path + ".json").json()["imported"][0]["rows"] == 2
    # Check: confirming it anyway shows the first import and records nothing
    done = follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf}))
    assert "此文件已于2026年3月20日 10:00导入2条记录，本次未重复记录" in text_of(done.text)
    assert client.get(done.url.path + ".json").json()["replayed"] is True
    assert end(service) == recorded
    # Check: the explicit choice imports it once more, and only once however often it is sent
    chosen = client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf, "again": "1"})
    twice = client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf, "again": "1"})
    assert twice.headers["location"] == chosen.headers["location"]
    assert "已导入2条记录" in text_of(follow_job(client, chosen).text)
    again_end = end(service)
    assert again_end > recorded
    upload(client, csrf, "扣分登记.csv", data, "gbk")  # a third tab
    follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf, "again": "1"}))
    assert end(service) == again_end
