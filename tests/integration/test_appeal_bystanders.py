"""Upholding an appeal against a joint fact never lowers the total of a party that did not appeal (P5,
security review F9).

IND 2026: staff a and b share one finding (D11 item 2.1, 3 points each, a as leader, b as member) and one
科室 honour (B6-style joint credit 6.1, city level, 5 points each). a appeals both. A decision that would
turn the shared finding into a heavier one, deduct it twice, or take the honour away from everyone lowers
b's total, and b did not appeal: refused, in the service and over HTTP (the problem detail in Chinese),
and the log does not grow. A decision that only lightens the finding is upheld: b gains as a knock-on.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.errors import FactsInvalid
from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from replay.asof import result_as_of
from service.bootstrap import Service
from service.tokens import issue_token
from tests.integration.helpers import AT, ROOT

IND = load_scheme_file(ROOT / "schemes" / "ind.yaml")
PARTIES = [{"subject": "a", "role": "leader"}, {"subject": "b", "role": "member"}]
CLOCK = datetime(2026, 12, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _appealed(service: Service) -> tuple[str, str, str]:
    """The year recorded, closed and published; a's appeal against both joint facts, accepted."""
    ledger = service.ledger
    ledger.register_scheme(IND, "admin", AT)
    ledger.open_period("2026", "IND", IND.version, "admin", AT)
    ledger.register_subjects("2026", [Subject(id=s, name=f"干部{s}", kind="staff") for s in ("a", "b")], "admin", AT)
    finding, honour = ledger.record_facts("2026", [
        {"type": "deduction", "item": "2.1", "parties": PARTIES},
        {"type": "bonus", "item": "6.1", "level": "city",
         "parties": [{"subject": "a", "role": "member"}, {"subject": "b", "role": "member"}]},
    ], "办公室", AT)["facts"]
    ledger.close_period("2026", "admin", AT)
    ledger.publish("2026", date(2026, 12, 21), "办公室", AT)
    appeal = ledger.file_appeal("2026", "a", [finding, honour], "扣分过重", [], date(2026, 12, 22), "a", AT)["appeal"]
    ledger.accept_appeal(appeal, date(2026, 12, 22), "领导小组", AT)
    return appeal, finding, honour


def _totals(service: Service) -> dict[str, Decimal]:
    result = result_as_of(service.ledger.recorder, "2026")
    return {s: result.subject(s).total for s in ("a", "b")}


def test_a_decision_on_a_joint_fact_never_lowers_a_party_that_did_not_appeal(service: Service) -> None:
    appeal, finding, honour = _appealed(service)
    ledger = service.ledger
    heavier = {"type": "deduction", "item": "2.5", "parties": PARTIES, "corrects": finding}  # 3 -> 5 each
    twice = {"type": "deduction", "item": "2.1", "parties": PARTIES, "count": 2, "corrects": finding}
    withdrawn = {"type": "retraction", "target": honour, "reason": "荣誉不属实"}
    issue_token(ledger, "复核人", "reviewer", [], "test", AT, token="bystander-reviewer")
    before, end = _totals(service), ledger.recorder.max_notification_id()
    for decision in (heavier, twice, withdrawn):
        with pytest.raises(FactsInvalid) as refused:
            ledger.uphold_appeal(appeal, [decision], "复核", date(2026, 12, 23), "领导小组", AT)
        [problem] = refused.value.problems
        assert problem.message.startswith("upholding the appeal of a would lower the total of b, which did not "
                                          f"appeal, from {before['b']} to "), problem.message
        assert problem.message.endswith("a decision corrects only what the appellant contests (P5)")
    assert ledger.recorder.max_notification_id() == end

    # Over HTTP: the same refusal as a problem detail, in Chinese, and nothing appended
    with TestClient(create_app(service=service, clock=lambda: CLOCK)) as client:
        response = client.post(f"/appeals/{appeal}/uphold", json={"corrections": [heavier], "reasons": "复核"},
                               headers={"Authorization": "Bearer bystander-reviewer", "Accept-Language": "zh"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["message"].startswith(f"维持a的申诉会使未提出申诉的b的总分从{before['b']}分降到"), error
    assert error["message"].endswith("申诉决定只能更正申诉人有异议的内容，对其他单位只能影响名次和等次（P5）")
    assert ledger.recorder.max_notification_id() == end

    # A decision that lightens the shared finding is upheld: b gains 2 as a knock-on, as a does
    lighter = {"type": "deduction", "item": "2.4a", "parties": PARTIES, "corrects": finding}  # 3 -> 1 each
    upheld = ledger.uphold_appeal(appeal, [lighter], "复核：按未按时上报扣分", date(2026, 12, 23), "领导小组", AT)
    assert upheld["status"] == "upheld"
    after = _totals(service)
    assert {s: after[s] - before[s] for s in after} == {"a": Decimal(2), "b": Decimal(2)}




def test_the_preview_of_a_decision_names_the_parties_it_would_lower_before_the_reviewer_upholds(
    service: Service,
) -> None:
    appeal, finding, honour = _appealed(service)
    ledger = service.ledger
    issue_token(ledger, "复核人", "reviewer", [], "test", AT, token="bystander-reviewer")
    heavier = {"type": "deduction", "item": "2.5", "parties": PARTIES, "corrects": finding}
    lighter = {"type": "deduction", "item": "2.4a", "parties": PARTIES, "corrects": finding}
    before, end = _totals(service), ledger.recorder.max_notification_id()
    headers = {"Authorization": "Bearer bystander-reviewer"}
    with TestClient(create_app(service=service, clock=lambda: CLOCK)) as client:
        warned = client.post(f"/appeals/{appeal}/what-if", json={"facts": [heavier]}, headers=headers)
        fine = client.post(f"/appeals/{appeal}/what-if", json={"facts": [lighter]}, headers=headers)
    assert warned.status_code == 200, warned.text
    [lowered] = warned.json()["lowered"]  # canonical decimals, as the comparison's totals
    assert lowered["subject"] == "b" and Decimal(lowered["before"]) == before["b"]
    assert Decimal(lowered["after"]) == before["b"] - 2
    assert fine.json()["lowered"] == [] and {c["subject"] for c in fine.json()["changes"]} == {"a", "b"}
    assert ledger.recorder.max_notification_id() == end

    # The reviewer's page shows the same warning above the ripple, before the decision is sent
    from service.accounts import account, create_account, view
    from tests.web.conftest import session_cookie
    from web.app import create_app as create_pages

    create_account(ledger, "fuhe", "复核人", "reviewer", [], "long-enough-1", "admin", AT)
    end = ledger.recorder.max_notification_id()
    found = view(account(ledger, "fuhe"))
    with TestClient(create_pages(service=service, clock=lambda: CLOCK)) as pages:
        pages.cookies.set("scoreledger_session", session_cookie(service, {"user": "fuhe", "pv": found.password_version,
                                                                           "csrf": "t"}))
        shown = pages.post(f"/appeal/{appeal}/preview", data={"csrf": "t", f"how:{finding}": "correct",
                                                              f"new:{finding}": "2"})
        calm = pages.post(f"/appeal/{appeal}/preview", data={"csrf": "t", f"how:{honour}": "keep"})
    assert shown.status_code == 200, shown.text
    assert "此决定会降低未提出申诉的单位的总分，维持申诉时将被拒绝" in shown.text
    assert '<li data-subject="b">干部b：' in shown.text
    assert calm.status_code == 200 and "ripple-lowered" not in calm.text
    assert ledger.recorder.max_notification_id() == end
