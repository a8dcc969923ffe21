"""A quarter walked through the pages only (ASGI client): record, rate, close and publish, appeal in
time and late, preview and uphold, compare, replay as of publication, verify. Each refusal is
checked for its Chinese message and for nothing appended."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient

from service.bootstrap import Service
from tests.web.conftest import SHANGHAI, Clock, end, sign_in_as


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def total(client: TestClient, subject: str) -> str:
    rows = client.get("/period/2026-Q1/rankings.json").json()["groups"]
    return next(r["total"] for g in rows for r in g["rows"] if r["subject"] == subject)


def test_an_office_records_a_deduction_and_sees_the_total_change(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "recorder")
    form = client.get("/period/2026-Q1/record").text
    assert "4.4 查实被服务对象投诉（扣分，第二章第一条 四.4）" in form
    assert "2.1 迟到、早退" not in form  # Check: another office's items are not offered (S5)
    before = total(client, "s001")
    response = client.post("/period/2026-Q1/record", data={"csrf": csrf, "rows": "2", "r0.item": "4.4",
                                                            "r0.subject": "s001", "r0.count": "1",
                                                            "r0.occurred_on": "2026-03-05", "r0.evidence": "投诉件12号"})
    assert response.status_code == 303
    page = client.get("/period/2026-Q1/record").text
    after = total(client, "s001")
    assert f"办公室总分 {before} → {after}" in text_of(page)
    assert float(before) - float(after) == 2  # ZJG 四.4: 2 points per complaint
    recent = re.search(r'<tr data-fact="(s001:[^"]+)">(.*?)</tr>', page, re.S)
    assert recent is not None and "-2" in recent.group(2) and "计入" in recent.group(2)


def test_an_office_is_refused_another_offices_item_with_the_reason_in_chinese(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "recorder")
    before = end(service)
    response = client.post("/period/2026-Q1/record", data={"csrf": csrf, "rows": "1", "r0.item": "2.1",
                                                            "r0.subject": "s001", "r0.count": "1"})
    assert response.status_code == 403
    assert "项目2.1（迟到、早退）由人事教育科负责录入，不是督查科（S5）" in text_of(response.text)
    assert end(service) == before


def test_a_wrong_row_is_refused_beside_its_field_and_the_batch_appends_nothing(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "recorder")
    before = end(service)
    response = client.post("/period/2026-Q1/record", data={"csrf": csrf, "rows": "2", "r0.item": "4.4",
                                                            "r0.subject": "s001", "r1.item": "4.1",
                                                            "r1.subject": "s002", "r1.count": "0"})
    assert response.status_code == 422
    assert re.search(r'<li data-field="r1.count">第2行：不能小于1</li>', response.text)
    assert end(service) == before


def test_a_rater_fills_the_sheet_and_a_changed_score_is_a_correction(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "rater")
    sheet = client.get("/period/2026-Q1/rate")
    assert "按100分制打分，折算为本项10分" in sheet.text
    assert 'name="v:rating/s001" value="73"' in sheet.text  # Check: the rater's own earlier rating shown
    before = end(service)
    response = client.post("/period/2026-Q1/rate", data={"csrf": csrf, "v:rating/s001": "90", "v:rating/s002": "99"})
    assert response.status_code == 303 and end(service) > before
    assert "已保存1个分数" in client.get("/period/2026-Q1/rate").text  # s002 unchanged: nothing recorded
    card = client.get("/period/2026-Q1/scorecard/s001.json").json()["result"]["card"]
    rating = next(c for c in card["children"] if c["id"] == "rating")
    notes = {line["note"].split("; ")[0]: line["status"] for line in rating["lines"]}
    assert notes["principal principal-1: 90"] == "counted"
    assert notes["principal principal-1: 73"] == "corrected"


def test_a_rating_above_the_scale_is_refused_in_chinese_and_nothing_is_appended(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "rater")
    before = end(service)
    response = client.post("/period/2026-Q1/rate", data={"csrf": csrf, "v:rating/s003": "150"})
    assert response.status_code == 422 and "测评分150超过满分100" in response.text
    assert end(service) == before


def test_a_score_typed_on_the_items_points_is_refused_until_the_scale_is_confirmed(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "rater")
    before = end(service)
    refused = client.post("/period/2026-Q1/rate", data={"csrf": csrf, "v:rating/s003": "9"})
    assert refused.status_code == 422 and end(service) == before
    assert "测评分9按100分制打分，本项10分由此折算" in text_of(refused.text) and "如果本意是10分中的9分，请填90" in refused.text
    confirmed = client.post("/period/2026-Q1/rate", data={"csrf": csrf, "v:rating/s003": "9", "confirm_scale": "1"})
    assert confirmed.status_code == 303 and end(service) > before


def close_and_publish(client: TestClient, service: Service) -> int:
    csrf = sign_in_as(client, service, "admin")
    page = client.get("/period/2026-Q1/publish").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    assert client.post("/period/2026-Q1/close", data={"csrf": csrf, "version": version.group(1)}).status_code == 303
    page = client.get("/period/2026-Q1/publish").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    response = client.post("/period/2026-Q1/publish", data={"csrf": csrf, "version": version.group(1),
                                                             "published_on": "2026-03-20"})
    assert response.status_code == 303
    seal = client.get("/period/2026-Q1.json").json()["publications"][0]["position"]
    return int(seal)


def test_the_administrator_closes_and_publishes_after_the_warnings(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "admin")
    page = client.get("/period/2026-Q1/publish").text
    assert "所有测评均已完整" in page  # the demo quarter has every rating
    stale = client.post("/period/2026-Q1/close", data={"csrf": csrf, "version": "1"})
    assert stale.status_code == 412 and "请刷新后重试" in stale.text  # Check: an old page cannot close it
    seal = close_and_publish(client, service)
    overview = client.get("/period/2026-Q1.json").json()
    assert overview["status"] == "published" and overview["appeal_deadline"] == "2026-03-25"
    assert seal > 0


def test_a_subject_appeals_in_time_and_is_refused_after_the_window(
    client: TestClient, service: Service, clock: Clock
) -> None:
    close_and_publish(client, service)
    csrf = sign_in_as(client, service, "subject")
    clock.now = datetime(2026, 3, 23, 9, 0, tzinfo=SHANGHAI)
    listed = client.get("/period/2026-Q1/publication").text
    assert "关于2026-Q1绩效考核结果的公示" in listed and "距申诉截止还有3个工作日" in text_of(listed)
    assert "<td>考核组g1</td>" in listed and "<td>g1</td>" not in listed  # an unnamed group as every page names it
    form = client.get("/period/2026-Q1/appeal").text
    contested = re.search(r'name="contested" value="(s001:[^"]+)"', form)
    assert contested is not None
    clock.now = datetime(2026, 3, 26, 9, 0, tzinfo=SHANGHAI)
    before = end(service)
    late = client.post("/period/2026-Q1/appeal", data={"csrf": csrf, "contested": contested.group(1),
                                                        "reasons": "扣分依据不足"})
    assert late.status_code == 422
    assert "2026-Q1的申诉期已于2026-03-25截止（公示日2026-03-20后3个工作日）" in text_of(late.text)
    assert end(service) == before
    clock.now = datetime(2026, 3, 25, 16, 0, tzinfo=SHANGHAI)
    filed = client.post("/period/2026-Q1/appeal", data={"csrf": csrf, "contested": contested.group(1),
                                                         "reasons": "扣分依据不足", "evidence": "情况说明"})
    assert filed.status_code == 303 and filed.headers["location"].startswith("/appeal/")


def test_the_reviewer_previews_and_upholds_and_the_auditor_compares_replays_and_verifies(
    client: TestClient, service: Service, clock: Clock
) -> None:
    seal = close_and_publish(client, service)
    csrf = sign_in_as(client, service, "subject")
    form = client.get("/period/2026-Q1/appeal").text
    deduction = re.search(r'name="contested" value="(s001:[^"]+)"> 扣分', form)
    assert deduction is not None
    fact = deduction.group(1)
    appeal = client.post("/period/2026-Q1/appeal", data={"csrf": csrf, "contested": fact, "reasons": "重复扣分"}
                         ).headers["location"]
    csrf = sign_in_as(client, service, "reviewer")
    queue = client.get("/queue").text
    assert appeal.split("/")[-1] in queue and "已提出" in queue
    assert client.post(f"{appeal}/accept", data={"csrf": csrf}).status_code == 303
    before = end(service)
    ripple = client.post(f"{appeal}/preview", data={"csrf": csrf, f"how:{fact}": "retract"})
    assert ripple.status_code == 200 and end(service) == before  # Check: the preview appends nothing
    assert re.search(r'<tr data-subject="s001" class="changed">', ripple.text) and "申诉单位" in ripple.text
    old_total = total(client, "s001")
    decided = client.post(f"{appeal}/decide", data={"csrf": csrf, f"how:{fact}": "retract",
                                                    "reasons": "经复核属实", "decision": "uphold"})
    assert decided.status_code == 303
    assert "已更正" in client.get(appeal).text and total(client, "s001") != old_total
    sign_in_as(client, service, "auditor")
    compared = client.get(f"{appeal}/compare.json").json()
    mine = next(c for c in compared["changes"] if c["subject"] == "s001")
    assert mine["before"]["total"] == old_total and mine["after"]["total"] == total(client, "s001")
    assert mine["events"][0]["appeal"] is not None and mine["items"]
    replay = client.get(f"/period/2026-Q1/rankings?as_of={seal}")
    assert f"截至日志位置{seal}的回放结果" in replay.text
    as_published = client.get(f"/period/2026-Q1/rankings.json?as_of={seal}").json()
    assert as_published["as_of"] == seal
    published_s001 = next(r["total"] for g in as_published["groups"] for r in g["rows"] if r["subject"] == "s001")
    assert published_s001 == old_total  # Check: the replay shows the published number, not today's
    verified = client.get("/period/2026-Q1/verify")
    assert "核验通过" in verified.text
    bad = client.get("/period/2026-Q1/rankings?as_of=2026-13-45")
    assert bad.status_code == 422 and "“截至”“2026-13-45”不是存在的日期" in text_of(bad.text)
    assert "请填写实际存在的日期" in bad.text
    garbled = client.get("/period/2026-Q1/rankings?as_of=yesterday")
    assert garbled.status_code == 422 and "“截至”须为日志位置或带时区的日期时间" in garbled.text


def test_verification_names_an_altered_event_in_chinese(client: TestClient, service: Service) -> None:
    import sqlite3

    sign_in_as(client, service, "auditor")
    unpublished = text_of(client.get("/period/2026-Q1/verify").text)
    assert "2026-Q1没有能用所给公钥核验通过的封存：尚未公示" in unpublished
    close_and_publish(client, service)
    sign_in_as(client, service, "auditor")
    assert "核验通过" in client.get("/period/2026-Q1/verify").text and "签名已用本局公钥核验" in client.get(
        "/period/2026-Q1/verify").text
    with sqlite3.connect(service.settings.data_dir / "log.sqlite") as db:  # an insider edits a stored deduction
        rowid, state = db.execute("SELECT rowid, state FROM stored_events WHERE topic = 'scoreledger:DeductionRecorded' "
                                  "ORDER BY rowid LIMIT 1").fetchone()
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b'"count":1', b'"count":9'), rowid))
    page = text_of(client.get("/period/2026-Q1/verify").text)
    assert "核验发现" in page and "处问题" in page
    assert f"日志位置{rowid}：事件被改动（scoreledger:DeductionRecorded" in page
    assert "Merkle 根不一致，封存之前的日志被改动过" in page


def test_the_queue_orders_by_decide_by_date_and_marks_the_overdue(
    client: TestClient, service: Service, clock: Clock
) -> None:
    close_and_publish(client, service)
    csrf = sign_in_as(client, service, "subject")
    clock.now = datetime(2026, 3, 23, 9, 0, tzinfo=SHANGHAI)
    form = client.get("/period/2026-Q1/appeal").text
    facts = re.findall(r'name="contested" value="(s001:[^"]+)"', form)
    names = [client.post("/period/2026-Q1/appeal", data={"csrf": csrf, "contested": f, "reasons": "异议"})
             .headers["location"].split("/")[-1] for f in facts[:2]]
    csrf = sign_in_as(client, service, "reviewer")
    assert client.post(f"/appeal/{names[1]}/accept", data={"csrf": csrf}).status_code == 303
    clock.now = datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI)  # past the 3 working days to decide
    queue = client.get("/queue").text
    rows = re.findall(r'<tr data-appeal="([0-9a-f]+)" class="([^"]*)">(.*?)</tr>', queue, re.S)
    assert [r[0] for r in rows] == [names[1], names[0]]  # the accepted one, with its decide-by date, first
    assert rows[0][1] == "changed" and "已超期" in rows[0][2] and "已超期" not in rows[1][2]


def test_the_publish_page_names_each_subject_whose_ratings_are_incomplete(client: TestClient, service: Service) -> None:
    facts = service.runner.fold.periods[next(k for k in service.runner.fold.periods if k.endswith("2026-Q1"))].facts
    rating = next(f for f in facts.values() if f["type"] == "rating" and f["subject"] == "s003")
    service.ledger.record_facts("2026-Q1", [{"type": "retraction", "target": rating["id"], "reason": "测评录错"}],
                                rating["recorded_by"], "2026-03-10T09:00:00+08:00")
    sign_in_as(client, service, "admin")
    page = client.get("/period/2026-Q1/publish").text
    assert "所有测评均已完整" not in page
    warned = re.findall(r'<li data-subject="([^"]+)">([^<]+)</li>', page)
    assert [s for s, _ in warned] == ["s003"], warned  # the others are complete
    assert warned[0][1] == "督查科：班子测评：缺少主要领导的测评"  # who, which item, which role is missing


def test_a_scan_visits_every_subject_once_a_page_at_a_time_in_the_results_order(service: Service) -> None:
    from service import queries

    whole = [s["subject"] for s in queries.results(service, "2026-Q1", None)["subjects"]]
    for size in (1, 5, 12, 1000):  # pages that end inside, at and past the last subject
        seen: list[str] = []
        queries.scan(service, "2026-Q1", None, lambda s, into=seen: into.append(s["subject"]), size=size)
        assert sorted(seen) == sorted(whole) and len(seen) == len(set(seen)) == 12, size
