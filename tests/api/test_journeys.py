"""The journeys users walk over HTTP: administer, record, publish, appeal (in time and late),
decide, compare, verify; with idempotency keys, If-Match, limits and problem details."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import _INFLIGHT
from api.limits import MAX_BATCH, MAX_BODY
from service.bootstrap import Service
from service.tokens import issue_token
from tests.api.conftest import SHANGHAI, Clock, auth

ROOT = Path(__file__).resolve().parents[2]
YAML = {"content-type": "application/yaml"}


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body  # type: ignore[no-any-return]


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def set_up(client: TestClient) -> None:
    assert client.post("/schemes", content=(ROOT / "schemes" / "zjg.yaml").read_bytes(),
                       headers={**auth("admin"), **YAML}).status_code == 201
    assert client.post("/periods", json={"code": "2026-Q3", "scheme": "ZJG", "version": 2},
                       headers=auth("admin")).status_code == 201
    subjects = [{"id": f"s00{i}", "name": name, "kind": "department"} for i, name in enumerate(["办公室", "党建科", "督查科"], 1)]
    assert client.post("/periods/2026-Q3/subjects", json={"subjects": subjects}, headers=auth("admin")).status_code == 200


def test_an_invalid_scheme_upload_lists_every_problem_with_path_and_line(client: TestClient) -> None:
    body = problem(client.post("/schemes", content=b"scheme: X\nversion: 010\ntitle: t\n", headers={**auth("admin"), **YAML}), 422)
    paths = {(e["path"], e.get("line")) for e in body["errors"]}
    assert ("version", 2) in paths and any(p == "period" for p, _ in paths)


def test_recording_returns_the_event_ids_position_and_updated_score(client: TestClient, service: Service) -> None:
    set_up(client)
    response = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "4.4", "subject": "s001"},
                           headers=auth("recorder"))
    assert response.status_code == 201
    body = response.json()
    assert body["facts"][0].startswith("s001:") and body["position"] == end(service)
    assert body["scores"] == {"s001": "88"}  # ZJG 四.4 投诉 2: 90 - 2, ratings not yet in


def test_the_recorded_total_comes_before_the_views_which_follow_with_it(service: Service, clock: Clock) -> None:
    """Read your writes without ranking the group in the request: the response's total is its subject's alone
    (projections/subject_totals.py); the views are written after it by the keeper, which the request wakes
    (its round comes only every minute here), with that total."""
    service.settings = service.settings.model_copy(update={"keeper_interval_ms": 60_000})
    with TestClient(create_app(service=service, clock=clock)) as client:
        _recorded_then_written(client, service)


def _recorded_then_written(client: TestClient, service: Service) -> None:
    set_up(client)
    response = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "4.4", "subject": "s002"},
                           headers=auth("recorder"))
    assert response.status_code == 201 and response.json()["scores"] == {"s002": "88"}
    position = response.json()["position"]
    for _ in range(200):  # no read: the keeper, woken by the request, writes the views
        if service.views.position() == position:
            break
        time.sleep(0.05)
    assert service.views.position() == position
    rows = client.get("/periods/2026-Q3/rankings", headers=auth("admin")).json()
    totals = {r["subject"]: r["total"] for listed in rows["groups"].values() for r in listed}
    assert totals["s002"] == "88" and totals["s001"] == "90"


def test_a_batch_is_all_or_nothing_and_lists_every_problem(client: TestClient, service: Service) -> None:
    set_up(client)
    before = end(service)
    facts = [{"type": "deduction", "item": "4.4", "subject": "s001"},
             {"type": "deduction", "item": "9.9", "subject": "s001"},
             {"type": "deduction", "item": "4.4", "subject": "nobody"}]
    body = problem(client.post("/periods/2026-Q3/facts/batch", json={"facts": facts}, headers=auth("recorder")), 422)
    assert len(body["errors"]) == 2 and end(service) == before
    too_many = {"facts": [facts[0]] * (MAX_BATCH + 1)}
    problem(client.post("/periods/2026-Q3/facts/batch", json=too_many, headers=auth("recorder")), 422)


def test_strict_bodies_refuse_a_boolean_for_a_number_and_malformed_json(client: TestClient) -> None:
    set_up(client)
    problem(client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "4.4", "subject": "s001",
                                                         "count": True}, headers=auth("recorder")), 422)
    problem(client.post("/periods/2026-Q3/facts", content=b"{not json", headers={**auth("recorder"),
                                                                                "content-type": "application/json"}), 422)
    problem(client.post("/periods/2026-Q3/facts", content=b"x" * (MAX_BODY + 1), headers=auth("recorder")), 413)


def test_a_version_beyond_any_encodable_number_is_refused_not_crashed_on(client: TestClient, service: Service) -> None:
    """Found by schemathesis: version 2**64 reached the canonical encoder (64-bit) and answered 500."""
    set_up(client)
    before = end(service)
    for path, body in (("/periods/2026-Q3/scheme", {"reason": "修订", "version": 2**64}),
                       ("/periods", {"code": "2026-Q4", "scheme": "ZJG", "version": 2**64})):
        assert "version" in str(problem(client.post(path, json=body, headers=auth("admin")), 422))
    scheme = (ROOT / "schemes" / "zjg.yaml").read_text().replace("version: 2", "version: 18446744073709551616", 1)
    problem(client.post("/schemes", content=scheme.encode(), headers={**auth("admin"), **YAML}), 422)
    assert end(service) == before  # nothing appended


def test_a_rating_of_92_5_is_kept_exactly(client: TestClient) -> None:
    set_up(client)
    rating = {"type": "rating", "item": "rating", "subject": "s001", "role": "principal", "rater": "principal-1",
              "value": 92.55}
    assert client.post("/periods/2026-Q3/facts", json=rating, headers=auth("rater")).status_code == 201
    card = client.get("/periods/2026-Q3/scorecards/s001", headers=auth("auditor")).json()["result"]["card"]
    node = next(c for c in card["children"] if c["id"] == "rating")
    assert node["lines"][0]["points"] == "92.55" and node["applied"] == "4.63"  # 92.55 x 5/10 / 100 x 10 = 4.6275


def test_an_idempotency_key_replays_refuses_another_body_and_reports_in_flight(client: TestClient,
                                                                                service: Service) -> None:
    set_up(client)
    fact = {"type": "deduction", "item": "4.4", "subject": "s002"}
    headers = {**auth("recorder"), "Idempotency-Key": "rec-1"}
    first = client.post("/periods/2026-Q3/facts", json=fact, headers=headers)
    position = end(service)
    again = client.post("/periods/2026-Q3/facts", json=fact, headers=headers)
    assert again.json()["facts"] == first.json()["facts"] and again.json()["replayed"] is True
    assert end(service) == position
    problem(client.post("/periods/2026-Q3/facts", json={**fact, "count": 2}, headers=headers), 422)
    _INFLIGHT.add("督查科\x1frec-2")  # the recorder's key rec-2 is in flight
    try:
        problem(client.post("/periods/2026-Q3/facts", json=fact, headers={**auth("recorder"), "Idempotency-Key": "rec-2"}),
                409)
    finally:
        _INFLIGHT.discard("督查科\x1frec-2")
    assert end(service) == position


def test_if_match_with_a_stale_version_is_412_and_changes_nothing(client: TestClient, service: Service) -> None:
    set_up(client)
    current = client.get("/periods/2026-Q3", headers=auth("admin")).headers["etag"]
    before = end(service)
    problem(client.post("/periods/2026-Q3/close", headers={**auth("admin"), "If-Match": '"1"'}), 412)
    assert end(service) == before
    assert client.post("/periods/2026-Q3/close", headers={**auth("admin"), "If-Match": current}).status_code == 200


def test_the_appeal_journey_across_national_day(client: TestClient, service: Service, clock: Clock) -> None:
    """P2 + P6: published Tue 2026-09-29; working days after it: 9/30, (10/1-10/7 holiday), 10/8, 10/9.
    The window closes on 10/9; Sat 10/10 is a make-up working day but already the 4th: too late.
    s002 and s003 appeal too, so that each list shows whose appeals it holds."""
    set_up(client)
    recorded = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "2.1", "subject": "s001",
                                                           "count": 4}, headers=auth("recorder")).json()
    contested = recorded["facts"][0]
    others = {}
    for subject in ("s002", "s003"):
        issue_token(service.ledger, f"{subject}代表", "subject", [subject], "test", "2026-03-01T00:00:00+08:00",
                    token=f"test-{subject}")
        others[subject] = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "4.4",
                                                                       "subject": subject},
                                      headers=auth("recorder")).json()["facts"][0]
    assert client.post("/periods/2026-Q3/close", headers=auth("admin")).status_code == 200
    sealed = client.post("/periods/2026-Q3/publish", json={"published_on": "2026-09-29"}, headers=auth("admin")).json()
    seal_position = sealed["seal"]["position"]
    appeal = {"subject": "s001", "contested": [contested], "reasons": "考勤机故障", "evidence": ["维修单"]}

    # Check a late appeal is refused with the deadline in the problem
    clock.now = datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI)
    late = problem(client.post("/periods/2026-Q3/appeals", json=appeal, headers=auth("subject")), 422)
    assert late["deadline"] == "2026-10-09"
    # Check the last day is still in time
    clock.now = datetime(2026, 10, 9, 17, 0, tzinfo=SHANGHAI)
    filed = client.post("/periods/2026-Q3/appeals", json=appeal, headers=auth("subject"))
    assert filed.status_code == 201 and filed.json()["deadline"] == "2026-10-09"
    appeal_id = filed.json()["appeal"]
    filed_by = {"s001": appeal_id}
    for subject, fact in others.items():
        body = {"subject": subject, "contested": [fact], "reasons": "投诉不实"}
        response = client.post("/periods/2026-Q3/appeals", json=body, headers={"Authorization": f"Bearer test-{subject}"})
        assert response.status_code == 201, response.text
        filed_by[subject] = response.json()["appeal"]
    # Check each subject lists only its own appeal, and the reviewer every one
    for subject, headers in (("s001", auth("subject")), ("s002", {"Authorization": "Bearer test-s002"}),
                             ("s003", {"Authorization": "Bearer test-s003"})):
        listed = client.get("/appeals", headers=headers).json()["appeals"]
        assert [(a["appeal"], a["subject"]) for a in listed] == [(filed_by[subject], subject)]
    everyone = client.get("/appeals", headers=auth("reviewer")).json()["appeals"]
    assert {a["subject"]: a["appeal"] for a in everyone} == filed_by

    # Check acceptance sets the decision window (P4) and an undecided appeal becomes overdue
    clock.now = datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI)
    accepted = client.post(f"/appeals/{appeal_id}/accept", headers=auth("reviewer")).json()
    assert accepted["decide_by"] == "2026-10-14"  # 10/10 (make-up Sat) accepted; 10/12, 10/13, 10/14
    clock.now = datetime(2026, 10, 15, 9, 0, tzinfo=SHANGHAI)
    overdue = client.get("/appeals?overdue=true", headers=auth("reviewer")).json()["appeals"]
    assert [a["appeal"] for a in overdue] == [appeal_id]

    # Check the what-if shows the ripple without appending, then uphold corrects the score
    correction = [{"type": "retraction", "target": contested, "reason": "考勤机故障属实"}]
    before = end(service)
    ripple = client.post(f"/appeals/{appeal_id}/what-if", json={"facts": correction}, headers=auth("reviewer")).json()
    assert {c["subject"] for c in ripple["changes"]} >= {"s001"} and end(service) == before
    upheld = client.post(f"/appeals/{appeal_id}/uphold", json={"corrections": correction, "reasons": "属实"},
                         headers=auth("reviewer"))
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"

    # Check the comparison, the as-of read of the published numbers, and verification
    compared = client.get(f"/appeals/{appeal_id}/comparison", headers=auth("auditor")).json()
    s001 = next(c for c in compared["changes"] if c["subject"] == "s001")
    assert (s001["before"]["total"], s001["after"]["total"]) == ("88", "90") and s001["items"] == ["2.1"]
    as_published = client.get(f"/periods/2026-Q3/rankings?as_of={seal_position}", headers=auth("auditor")).json()
    published = {r["subject"]: r["total"] for r in as_published["groups"]["all"]}
    assert published["s001"] == "88" and as_published["as_of"] == seal_position
    verified = client.get("/periods/2026-Q3/verification", headers=auth("auditor")).json()
    assert verified["ok"] and verified["checked_seals"] == 1
    bundle = client.get("/periods/2026-Q3/bundle", headers=auth("auditor")).json()
    assert bundle["format"] == "scoreledger-bundle/2" and bundle["records"]


def test_history_and_the_log_page_through_what_was_recorded(client: TestClient, clock: Clock) -> None:
    set_up(client)
    clock.now = datetime(2026, 8, 10, 9, 0, tzinfo=SHANGHAI)  # in the quarter: a matter of 3 August is past
    for item in ("4.4", "3.6"):
        client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": item, "subject": "s003",
                                                     "occurred_on": "2026-08-03"},
                    headers=auth("recorder"))
    history = client.get("/periods/2026-Q3/history?subject=s003", headers=auth("auditor")).json()
    assert [f["fact"]["item"] for f in history["facts"]] == ["4.4", "3.6"]
    assert all(f["fact"]["recorded_by"] == "督查科" and f["fact"]["occurred_on"] == "2026-08-03" for f in history["facts"])
    page = client.get("/log?limit=5", headers=auth("auditor")).json()
    following = client.get(page["next"], headers=auth("auditor")).json()
    assert len(page["events"]) == 5 and following["events"][0]["position"] == page["events"][-1]["position"] + 1


def test_a_missing_or_unknown_token_is_401_with_a_problem(client: TestClient) -> None:
    problem(client.get("/periods/2026-Q3"), 401)
    problem(client.get("/periods/2026-Q3", headers={"Authorization": "Bearer nope"}), 401)


@pytest.mark.parametrize("path", ["/periods/2026-Q9", "/appeals/zz"])
def test_malformed_path_parameters_are_422_problems(client: TestClient, path: str) -> None:
    problem(client.get(path, headers=auth("admin")), 422)


def test_the_leading_group_records_and_retracts_a_veto(client: TestClient) -> None:
    """V1: a veto is the administrators' decision; so is setting it aside (nothing is deleted)."""
    set_up(client)
    veto = client.post("/periods/2026-Q3/facts", json={"type": "veto", "veto": "veto.3", "subject": "s002"},
                       headers=auth("admin"))
    assert veto.status_code == 201
    problem(client.post("/periods/2026-Q3/facts", json={"type": "retraction", "target": veto.json()["facts"][0],
                                                         "reason": "复核"}, headers=auth("recorder")), 403)
    retracted = client.post("/periods/2026-Q3/facts", json={"type": "retraction", "target": veto.json()["facts"][0],
                                                            "reason": "复核"}, headers=auth("admin"))
    assert retracted.status_code == 201
    grades = client.get("/periods/2026-Q3/grades", headers=auth("auditor")).json()["grades"]
    assert next(g for g in grades if g["subject"] == "s002")["eligible"] is True


def test_an_exact_number_past_the_range_is_refused_saying_the_range_as_a_number_or_a_string(
    client: TestClient, service: Service
) -> None:
    """1e400 parses as an exact decimal (not infinity): 422 out of range, with the range; nothing appended."""
    set_up(client)
    before = end(service)
    for raw in (b'1e400', b'"1e400"'):
        body = b'{"type": "bonus", "item": "b.4", "subject": "s001", "rank": "1", "amount": ' + raw + b"}"
        refused = problem(client.post("/periods/2026-Q3/facts", content=body,
                                      headers={**auth("recorder"), "content-type": "application/json"}), 422)
        text = str(refused)
        assert "out of range" in text and "between -10^15 and 10^15" in text and "finite" not in text
    assert end(service) == before


def test_a_rating_at_most_the_items_points_on_a_larger_scale_is_refused_unless_confirmed_R2(
    client: TestClient, service: Service
) -> None:
    """ZJG 第二章第二条 班子测评 (10 points) rated on 100: a leader who types 9 meant 9 of 10 (it would count as
    0.45). Refused with the scale and what to send (90); recorded when confirmed."""
    set_up(client)
    rating = {"type": "rating", "item": "rating", "subject": "s001", "role": "principal", "rater": "principal-1"}
    before = end(service)
    refused = problem(client.post("/periods/2026-Q3/facts", json={**rating, "value": 9}, headers=auth("rater")), 422)
    text = str(refused)
    assert "on its scale of 100" in text and "record 90" in text and "scale_confirmed: true (R2)" in text
    assert end(service) == before
    confirmed = client.post("/periods/2026-Q3/facts", json={**rating, "value": 9, "scale_confirmed": True},
                            headers=auth("rater"))
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["scores"] == {"s001": "90.45"}  # 90 + 10 × 5/10 × 9/100 (the other role missing)


def test_the_next_quarter_opens_with_the_previous_ones_subjects_and_a_year_without_year_rules_says_so(
    client: TestClient, service: Service
) -> None:
    """POST /periods with carry_over registers 2026-Q3's departments in 2026-Q4 (less leave_out), in one
    append; ZJG has no year rules (G6) nor parts (C4): its roll-up is refused with the reason."""
    set_up(client)
    opened = client.post("/periods", json={"code": "2026-Q4", "scheme": "ZJG", "version": 2, "carry_over": True,
                                           "leave_out": ["s003"]}, headers=auth("admin"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["subjects"] == ["s001", "s002"] and opened.json()["carried_over_from"] == "2026-Q3"
    overview = client.get("/periods/2026-Q4", headers=auth("admin")).json()
    assert sorted(s["id"] for s in overview["subjects"]) == ["s001", "s002"]
    refused = problem(client.get("/periods/2026/rollup", headers=auth("auditor")), 422)
    assert "has no year rules" in str(refused)
