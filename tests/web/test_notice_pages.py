"""The 公示 in the web ring: the print page (A4) and its PDF from the same notice, and the public page its
QR code opens, which anyone reads without signing in and which says no more than the 公示 itself."""

from __future__ import annotations

import re
import sqlite3

from fastapi.testclient import TestClient

from service.bootstrap import Service, build
from tests.web.conftest import sign_in_as
from tests.web.test_page_journeys import close_and_publish, text_of
from web.app import create_app

ALLOWED = {"period", "period_name", "published_on", "seals", "keys", "verified", "position"}
SEAL_FIELDS = {"position", "event_count", "merkle_root", "published_on", "fingerprints", "signed", "signature_ok",
               "log_ok", "verified"}


def test_the_print_page_shows_the_notice_its_proof_and_a_qr_code_that_fits(client: TestClient, service: Service) -> None:
    seal = close_and_publish(client, service)
    sign_in_as(client, service, "subject")
    page = client.get("/period/2026-Q1/notice", params={"office": "督查科", "phone": "0512-58000000"})
    assert page.status_code == 200
    words = text_of(page.text)
    assert "关于2026年第一季度绩效考核结果的公示" in words and "向督查科提出申诉" in words and "0512-58000000" in words
    assert "@page { size: A4 portrait" in page.text and "@media print" in page.text
    svg = re.search(r"<svg[^>]*>", page.text)
    assert svg is not None and "viewBox" in svg.group(0) and "width=" not in svg.group(0)  # sized by CSS: never cut
    notice = client.get("/period/2026-Q1/notice.json").json()
    assert notice["proof"]["position"] == seal and notice["proof"]["verify_url"].endswith(
        f"/verify/2026-Q1?position={seal}")
    assert notice["proof"]["fingerprint"] == client.get("/keys").json()["keys"][0]["fingerprint"]
    pdf = client.get("/period/2026-Q1/notice.pdf", params={"office": "督查科"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == \
        "application/pdf"
    assert client.get("/fonts/notice-serif.otf").status_code == 200
    sans = client.get("/fonts/sans.otf")  # the pages' last face, for machines without a Chinese font
    assert sans.status_code == 200 and sans.content[:4] == b"OTTO" and sans.headers["content-type"] == "font/otf"


def test_the_notice_page_is_not_there_before_publication(client: TestClient, service: Service) -> None:
    sign_in_as(client, service, "auditor")
    refused = client.get("/period/2026-Q1/notice")
    assert refused.status_code == 409 and "尚未公示" in text_of(refused.text)


def test_anyone_verifies_the_published_seal_without_signing_in(client: TestClient, service: Service) -> None:
    seal = close_and_publish(client, service)
    client.cookies.clear()  # nobody signed in
    page = client.get(f"/verify/2026-Q1?position={seal}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "2026年第一季度公示核验" in words and "核验通过" in words and "本公示" in words
    found = client.get(f"/verify/2026-Q1.json?position={seal}").json()
    key = client.get("/keys").json()["keys"][0]["fingerprint"]
    assert found["verified"] is True and found["seals"][0]["fingerprints"] == [key]
    assert found["seals"][0]["published_on"] == "2026-03-20" and key in page.text
    # Check: it says no more than the printed 公示 (no names, totals, grades or facts)
    assert set(found) == ALLOWED and set(found["seals"][0]) == SEAL_FIELDS
    assert "办公室" not in page.text and "党建科" not in page.text


def test_an_unpublished_and_an_unknown_period_look_the_same(client: TestClient, service: Service) -> None:
    client.cookies.clear()
    open_one, unknown = client.get("/verify/2026-Q1"), client.get("/verify/2031-Q4")
    assert open_one.status_code == unknown.status_code == 404
    assert text_of(open_one.text).replace("2026-Q1", "X") == text_of(unknown.text).replace("2031-Q4", "X")


def test_an_edited_log_fails_the_public_check(client: TestClient, service: Service) -> None:
    seal = close_and_publish(client, service)
    with sqlite3.connect(service.settings.data_dir / "log.sqlite") as db:  # an insider edits a stored deduction
        rowid, state = db.execute("SELECT rowid, state FROM stored_events WHERE topic = "
                                  "'scoreledger:DeductionRecorded' ORDER BY rowid LIMIT 1").fetchone()
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                   (state.replace(b'"count":1', b'"count":9'), rowid))
    client.cookies.clear()
    found = client.get(f"/verify/2026-Q1.json?position={seal}").json()
    assert found["verified"] is False and found["seals"][0]["log_ok"] is False
    assert found["seals"][0]["signature_ok"] is True  # the seal itself is genuine: the log under it changed
    assert "日志已被改动" in client.get(f"/verify/2026-Q1?position={seal}").text


def test_a_seal_whose_signed_checkpoint_was_altered_fails_the_public_check(client: TestClient, service: Service) -> None:
    seal = close_and_publish(client, service)
    with sqlite3.connect(service.settings.data_dir / "log.sqlite") as db:  # the published seal edited in the store
        rowid, state = db.execute("SELECT rowid, state FROM stored_events WHERE topic = "
                                  "'scoreledger:Period.Published' ORDER BY rowid DESC LIMIT 1").fetchone()
        assert b"period 2026-Q1\\n" in state
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                   (state.replace(b"period 2026-Q1\\n", b"period 2026-Q2\\n"), rowid))
    restarted = build(service.settings)  # the service started again reads the edited seal from the log
    try:
        with TestClient(create_app(service=restarted)) as fresh:
            found = fresh.get(f"/verify/2026-Q1.json?position={seal}").json()
            assert found["verified"] is False and found["seals"][0]["signature_ok"] is False
            assert found["seals"][0]["fingerprints"] == [] and found["seals"][0]["log_ok"] is True
            assert "签名无效或不是本局密钥所签" in fresh.get(f"/verify/2026-Q1?position={seal}").text
    finally:
        restarted.close()
