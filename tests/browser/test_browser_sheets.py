"""Spreadsheets and the 公示 in real Chromium: an office uploads a GBK CSV with a mistake and reads the
Chinese problem list (nothing appended), fixes it, confirms, and the totals move; the 公示 prints on A4
with its QR code whole; the public page the QR code opens verifies without signing in. Screenshots of
every step, the printed page and the PDF (rendered by pdftoppm) go to /tmp/shots/."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from tests.browser.conftest import SHOTS, Site, shot
from tests.browser.test_browser_journeys import publish
from tests.sheets.files import csv_bytes

HEADER = ["序号", "被考核单位", "考核项目", "次数", "发生日期", "证明材料"]
ROWS = [[1, "办公室", "4.4 查实被服务对象投诉", 2, "2026年3月5日", "投诉件12号"],
        [2, "党建科", "第二章第一条 四.7", 1, "2026.3.9", "通报〔2026〕3号"]]


def _total(page: Any, subject: str) -> str:
    return str(page.locator(f'tr[data-subject="{subject}"] td.total').inner_text())


def _upload(page: Any, site: Site, rows: list[list[object]], name: str) -> None:
    page.goto(f"{site.url}/period/2026-Q1/import")
    page.set_input_files("#f-file", files=[{"name": name, "mimeType": "text/csv",
                                            "buffer": csv_bytes([HEADER, *rows], "gbk")}])
    page.select_option("#f-encoding", "gbk")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/period/2026-Q1/import/*")  # the job page polls (htmx), then opens the preview


def test_an_office_uploads_a_gbk_sheet_reads_its_mistake_fixes_it_and_sees_the_totals_move(site: Site) -> None:
    page = site.sign_in("recorder")
    page.goto(f"{site.url}/period/2026-Q1/rankings")
    before = _total(page, "s001")
    page.goto(f"{site.url}/period/2026-Q1/import")
    shot(page, "sheets-upload")
    appended = site.end()
    wrong = [ROWS[0][:3] + ["两次"] + ROWS[0][4:], ROWS[1]]
    _upload(page, site, wrong, "扣分登记.csv")
    problems = page.inner_text("#problems")
    assert "「两次」不是正整数次数" in problems and "次数" in problems
    assert page.inner_text("#problems-summary").startswith("文件有1处问题，未导入任何记录")
    assert site.end() == appended  # Check: nothing appended
    shot(page, "sheets-preview-problems")
    _upload(page, site, ROWS, "扣分登记.csv")
    assert page.inner_text("#ready").startswith("共2行可以导入")
    assert "4.4 查实被服务对象投诉" in page.inner_text("#rows")
    shot(page, "sheets-preview-ready")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url("**/done")
    assert "已导入2条记录" in page.inner_text("#notice")
    shot(page, "sheets-imported")
    page.goto(f"{site.url}/period/2026-Q1/rankings")
    assert _total(page, "s001") != before


def test_the_publication_prints_on_a4_with_its_qr_code_whole_and_its_pdf_renders(site: Site) -> None:
    seal = publish(site)
    page = site.sign_in("subject")
    page.goto(f"{site.url}/period/2026-Q1/notice?office=督查科&phone=0512-58000000")
    assert page.inner_text("#notice h1") == "关于2026年第一季度绩效考核结果的公示"
    shot(page, "notice-screen")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator("form.contact").is_visible()
    qr, box = page.locator("#notice .qr svg").bounding_box(), page.locator("#notice .qr").bounding_box()
    article = page.locator("#notice").bounding_box()
    assert qr is not None and box is not None and article is not None
    assert qr["width"] > 100 and abs(qr["width"] - qr["height"]) < 1  # square, about 34 mm
    assert qr["x"] >= box["x"] - 0.5 and qr["x"] + qr["width"] <= box["x"] + box["width"] + 0.5  # never cut
    assert page.locator("#notice .proof").bounding_box()["x"] + 1 >= article["x"]  # type: ignore[index]
    shot(page, "notice-print")
    SHOTS.mkdir(exist_ok=True)
    page.pdf(path=str(SHOTS / "notice-chromium.pdf"), format="A4", prefer_css_page_size=True)
    pdf = page.request.get(f"{site.url}/period/2026-Q1/notice.pdf?office=督查科")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    (SHOTS / "notice.pdf").write_bytes(pdf.body())
    if shutil.which("pdftoppm"):
        for name in ("notice", "notice-chromium"):
            subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", str(SHOTS / f"{name}.pdf"),
                            str(SHOTS / f"{name}-pdf")], check=True)
    # Check: the QR code's address is the public page, which anyone opens without signing in
    public = site.browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    public.goto(f"{site.url}/verify/2026-Q1?position={seal}")
    assert public.inner_text("#verdict").startswith("核验通过")
    assert "本公示" in public.inner_text(f'tr[data-position="{seal}"]')
    shot(public, "verify-public")
