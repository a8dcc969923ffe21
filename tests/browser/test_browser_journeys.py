"""The quarter's journeys in real Chromium, through the pages only, each with a refused variant whose
Chinese message is read off the page and after which the log has not grown. Screenshots of every
page go to /tmp/shots/."""

from __future__ import annotations

import re
from datetime import datetime

from tests.browser.conftest import Site, shot
from tests.web.conftest import SHANGHAI


def _total(page, subject: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f'tr[data-subject="{subject}"] td.total').inner_text()


def test_an_office_records_a_deduction_and_sees_the_total_change_but_not_in_another_offices_item(
    site: Site,
) -> None:
    page = site.sign_in("recorder")
    page.goto(f"{site.url}/period/2026-Q1/rankings")
    before = _total(page, "s001")
    page.goto(f"{site.url}/period/2026-Q1/record")
    page.select_option('select[name="r0.item"]', "4.4")
    page.select_option('select[name="r0.subject"]', "s001")
    page.fill('input[name="r0.occurred_on"]', "2026-03-05")
    page.fill('input[name="r0.evidence"]', "投诉件12号")
    shot(page, "recorder-record-form")
    page.click("#record-form button[type=submit]")
    notice = page.locator("#notice").inner_text()
    assert "已录入1条记录" in notice and f"办公室总分 {before} →" in notice
    shot(page, "recorder-recorded")
    # Check (refused): an item of another office, slipped into the list, is refused in Chinese
    appended = site.end()
    page.evaluate("""() => { const s = document.querySelector('select[name="r1.item"]');
                             s.add(new Option('2.1 迟到、早退', '2.1')); s.value = '2.1'; }""")
    page.select_option('select[name="r1.subject"]', "s002")
    page.click("#record-form button[type=submit]")
    error = page.locator(".field-error").first.inner_text()
    assert error == "项目2.1（迟到、早退）由人事教育科负责录入，不是督查科（S5）"
    assert site.end() == appended
    shot(page, "recorder-refused-wrong-office")


def test_the_item_choice_brings_its_attribute_choices_from_the_scheme(site: Site) -> None:
    page = site.sign_in("recorder")
    page.goto(f"{site.url}/period/2026-Q1/record")
    page.select_option('select[name="r0.item"]', "4.2")  # htmx swaps in the item's attribute
    select = page.locator('select[name="r0.attributes.severity"]')
    select.wait_for()
    assert select.locator("option").all_inner_texts() == ["引发矛盾（2分）", "引发上访或负面影响（3分）"]
    shot(page, "recorder-attribute-choices")


def test_a_rater_fills_the_sheet_and_a_score_above_the_scale_is_refused(site: Site) -> None:
    page = site.sign_in("rater")
    page.goto(f"{site.url}/period/2026-Q1/rate")
    assert "按100分制打分，折算为本项10分" in page.inner_text("table.sheet")
    page.fill('input[name="v:rating/s001"]', "91")
    page.click("#rate-form button[type=submit]")
    assert page.locator("#notice").inner_text() == "已保存1个分数"
    shot(page, "rater-sheet-saved")
    appended = site.end()
    page.fill('input[name="v:rating/s002"]', "150")
    page.click("#rate-form button[type=submit]")
    assert "测评分150超过满分100" in page.locator(".field-error").first.inner_text()
    assert site.end() == appended
    shot(page, "rater-refused-above-scale")


def publish(site: Site) -> int:
    page = site.sign_in("admin")
    page.goto(f"{site.url}/period/2026-Q1/publish")
    shot(page, "admin-before-close")
    page.click("#close-form button[type=submit]")
    page.fill("#f-published_on", "2026-03-20")
    shot(page, "admin-publish")
    page.click("#publish-form button[type=submit]")
    page.wait_for_url(f"{site.url}/period/2026-Q1")
    shot(page, "admin-published-overview")
    assert "已公示" in page.inner_text("h1")
    return int(page.locator("table.grid td.num").nth(1).inner_text())


def test_the_administrator_closes_and_publishes_and_a_stale_page_is_refused(site: Site) -> None:
    page = site.sign_in("admin")
    page.goto(f"{site.url}/period/2026-Q1/publish")
    other = site.sign_in("admin")
    other.goto(f"{site.url}/period/2026-Q1/publish")
    other.click("#close-form button[type=submit]")  # someone else closed it meanwhile
    appended = site.end()
    page.click("#close-form button[type=submit]")
    assert "请刷新后重试" in page.inner_text("section.message")
    assert site.end() == appended
    shot(page, "admin-refused-stale")
    other.fill("#f-published_on", "2026-03-20")
    other.click("#publish-form button[type=submit]")
    other.wait_for_url(f"{site.url}/period/2026-Q1")
    assert "已公示" in other.inner_text("h1") and "2026年3月25日" in other.inner_text("dl.facts")


def test_a_subject_appeals_before_the_deadline_and_is_refused_after_it(site: Site) -> None:
    publish(site)
    page = site.sign_in("subject")
    site.clock.now = datetime(2026, 3, 23, 10, 0, tzinfo=SHANGHAI)
    page.goto(f"{site.url}/period/2026-Q1/publication")
    assert page.locator(".countdown").inner_text() == "距申诉截止还有3个工作日"
    shot(page, "subject-publication")
    page.goto(f"{site.url}/period/2026-Q1/scorecard/s001")
    shot(page, "subject-scorecard")
    page.goto(f"{site.url}/period/2026-Q1/appeal")
    page.locator('input[name="contested"]').first.check()
    page.fill("#f-reasons", "该项扣分依据不足")
    site.clock.now = datetime(2026, 3, 26, 10, 0, tzinfo=SHANGHAI)  # the form was opened in time, sent late
    appended = site.end()
    page.click("#appeal-form button[type=submit]")
    message = page.inner_text("section.message")
    assert "2026-Q1的申诉期已于2026-03-25截止（公示日2026-03-20后3个工作日）" in message
    assert site.end() == appended
    shot(page, "subject-refused-late")
    site.clock.now = datetime(2026, 3, 25, 15, 0, tzinfo=SHANGHAI)
    page.goto(f"{site.url}/period/2026-Q1/appeal")
    page.locator('input[name="contested"]').first.check()
    page.fill("#f-reasons", "该项扣分依据不足")
    page.click("#appeal-form button[type=submit]")
    assert "已提出" in page.inner_text("h1")
    shot(page, "subject-appeal-filed")


def test_the_reviewer_previews_and_upholds_and_the_auditor_compares_replays_and_verifies(site: Site) -> None:
    seal = publish(site)
    subject = site.sign_in("subject")
    site.clock.now = datetime(2026, 3, 23, 10, 0, tzinfo=SHANGHAI)
    subject.goto(f"{site.url}/period/2026-Q1/appeal")
    subject.locator('input[name="contested"]').nth(1).check()
    subject.fill("#f-reasons", "重复扣分")
    subject.click("#appeal-form button[type=submit]")
    appeal = subject.url
    reviewer = site.sign_in("reviewer")
    reviewer.goto(f"{site.url}/queue")
    shot(reviewer, "reviewer-queue")
    reviewer.goto(appeal)
    reviewer.click("#accept-form button")
    reviewer.locator('input[type=radio][value="retract"]').first.check()
    reviewer.fill("#f-reasons", "经复核，该项重复扣分")
    appended = site.end()
    reviewer.click("text=预览影响")
    reviewer.locator("#ripple-result").wait_for()
    assert "申诉单位" in reviewer.inner_text("#ripple-result")
    assert site.end() == appended  # Check: the what-if appends nothing
    shot(reviewer, "reviewer-preview")
    reviewer.click('button[value="uphold"]')
    assert "已更正" in reviewer.inner_text("h1")
    auditor = site.sign_in("auditor")
    auditor.goto(f"{appeal}/compare")
    assert "直接变化" in auditor.inner_text("main") and "申诉更正" in auditor.inner_text("main")
    shot(auditor, "auditor-compare")
    auditor.goto(f"{site.url}/period/2026-Q1/rankings")
    auditor.fill("#f-as_of", str(seal))
    auditor.click("form.asof button")
    assert auditor.inner_text(".banner") == f"截至日志位置{seal}的回放结果：即2026年3月20日公示时封存的结果"
    shot(auditor, "auditor-replay-as-published")
    auditor.goto(f"{site.url}/period/2026-Q1/verify")
    assert auditor.inner_text("#verdict").startswith("核验通过")
    shot(auditor, "auditor-verify")
    auditor.goto(f"{site.url}/events")
    shot(auditor, "auditor-log")
    auditor.goto(f"{site.url}/period/2026-Q1/rankings")
    appended = site.end()
    auditor.fill("#f-as_of", "2026-02-30")
    auditor.click("form.asof button")
    assert "“截至”“2026-02-30”不是存在的日期" in auditor.inner_text("section.message")
    assert site.end() == appended
    shot(auditor, "auditor-refused-bad-date")
    assert re.search(r"/appeal/[0-9a-f]{16}$", appeal)
