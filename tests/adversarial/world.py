"""The world the attacks are tried in: a ZJG bureau over HTTP with every kind of caller.

2026-Q1 is recorded, closed, published and appealed (s001 and s002 each contest a deduction; both
appeals accepted). 2026-Q2 is open: four departments, each office's deductions on each, both raters'
ratings of each, an exemption, a rank-1 innovation award and a veto. Fact ids are kept by name, with
the facts themselves, so attacks can be generated from what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi.testclient import TestClient

from service.bootstrap import Service
from service.tokens import issue_token

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUED = "2026-01-05T09:00:00+08:00"
SUBJECTS = ["s001", "s002", "s003", "s004"]
OFFICE_ITEMS = {"office": "1.2.1", "personnel": "2.1", "guidance": "3.2", "inspection": "4.1"}
RATERS = {"principal-1": "principal", "supervising-1": "supervising"}

# caller -> (role, scope)
CALLERS: dict[str, tuple[str, list[str]]] = {
    "admin": ("admin", []),
    **{f"recorder:{office}": ("recorder", [office]) for office in OFFICE_ITEMS},
    **{f"rater:{name}": ("rater", [f"{name}={role}"]) for name, role in RATERS.items()},
    "auditor": ("auditor", []),
    "reviewer": ("reviewer", []),
    **{f"subject:{s}": ("subject", [s]) for s in SUBJECTS},
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    client: TestClient
    service: Service
    clock: Clock
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> stored fact (with its id)
    appeals: dict[str, str] = field(default_factory=dict)  # subject -> accepted appeal in 2026-Q1

    def end(self) -> int:
        return self.service.ledger.recorder.max_notification_id() or 0

    @staticmethod
    def headers(caller: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer adv-{caller}", **more}

    def call(self, caller: str, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return self.client.request(method, path, json=body, headers=self.headers(caller, **headers))

    def ok(self, caller: str, method: str, path: str, body: Any = None, status: int = 200) -> dict[str, Any]:
        response = self.call(caller, method, path, body)
        assert response.status_code == status, (path, caller, response.text)
        return response.json()  # type: ignore[no-any-return]

    def record(self, name: str, caller: str, code: str, fact: dict[str, Any]) -> str:
        fact_id = self.ok(caller, "POST", f"/periods/{code}/facts", fact, 201)["facts"][0]
        self.facts[name] = {**fact, "id": fact_id, "period": code, "caller": caller}
        return str(fact_id)


def build_world(client: TestClient, service: Service, clock: Clock) -> World:
    world = World(client, service, clock)
    for caller, (role, scope) in CALLERS.items():
        issue_token(service.ledger, caller, role, scope, "test", ISSUED, token=f"adv-{caller}")
    # ZJG as shipped, with a ground for exemptions (D8) and joint credit (B6) so that exemptions and decisions
    # on a joint fact can be attacked too
    extra = "\nexemption_grounds: {force_majeure: 不可抗力}\njoint_credit: {lead: 0.8, co: 0.2}\n"
    yaml = (ROOT / "schemes" / "zjg.yaml").read_bytes() + extra.encode()
    response = client.post("/schemes", content=yaml, headers=world.headers("admin", **{"content-type": "application/yaml"}))
    assert response.status_code == 201, response.text
    subjects = [{"id": s, "name": f"科室{s[-1]}", "group": "g1", "kind": "department"} for s in SUBJECTS]
    for code in ("2026-Q1", "2026-Q2"):
        world.ok("admin", "POST", "/periods", {"code": code, "scheme": "ZJG", "version": 2}, 201)
        world.ok("admin", "POST", f"/periods/{code}/subjects", {"subjects": subjects})
    _record_q1(world)
    _record_q2(world)
    return world


def _record_q1(world: World) -> None:
    """2026-Q1: a deduction per subject by 办公室, ratings, a joint commendation of s001 (lead) and s002 (co),
    closed, published, appealed by s001 (its deduction and the joint commendation) and s002."""
    for subject in SUBJECTS:
        world.record(f"q1:{subject}", "recorder:office", "2026-Q1",
                     {"type": "deduction", "item": "1.2.1", "subject": subject})
        for rater, role in RATERS.items():
            world.record(f"q1:{subject}:{rater}", f"rater:{rater}", "2026-Q1",
                         {"type": "rating", "item": "rating", "subject": subject, "rater": rater, "role": role,
                          "value": 80})
    world.record("q1:joint", "recorder:inspection", "2026-Q1",
                 {"type": "bonus", "item": "b.1", "level": "city",
                  "parties": [{"subject": "s001", "role": "lead"}, {"subject": "s002", "role": "co"}]})
    world.ok("admin", "POST", "/periods/2026-Q1/close")
    world.clock.now = datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)
    world.ok("admin", "POST", "/periods/2026-Q1/publish", {"published_on": "2026-04-01"})
    world.clock.now = datetime(2026, 4, 2, 10, 0, tzinfo=SHANGHAI)
    for subject in ("s001", "s002"):
        contested = [world.facts[f"q1:{subject}"]["id"], *([world.facts["q1:joint"]["id"]] if subject == "s001" else [])]
        body = {"subject": subject, "contested": contested, "items": ["b.1"],
                "reasons": "扣分依据不足，且市级表彰未记录"}
        name = world.ok(f"subject:{subject}", "POST", "/periods/2026-Q1/appeals", body, 201)["appeal"]
        world.ok("reviewer", "POST", f"/appeals/{name}/accept")
        world.appeals[subject] = name


def _record_q2(world: World) -> None:
    """2026-Q2 (open): each office's deduction on each subject, both raters' ratings, an exemption, a rank
    award and a veto."""
    world.clock.now = datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)
    for subject in SUBJECTS:
        for office, item in OFFICE_ITEMS.items():
            world.record(f"{office}:{subject}", f"recorder:{office}", "2026-Q2",
                         {"type": "deduction", "item": item, "subject": subject, "occurred_on": "2026-05-11"})
        for rater, role in RATERS.items():
            world.record(f"{rater}:{subject}", f"rater:{rater}", "2026-Q2",
                         {"type": "rating", "item": "rating", "subject": subject, "rater": rater, "role": role,
                          "value": 85})
    world.record("exemption:s002", "recorder:personnel", "2026-Q2",
                 {"type": "exemption", "target": world.facts["personnel:s002"]["id"], "ground": "force_majeure"})
    world.record("rank1", "recorder:inspection", "2026-Q2", {"type": "bonus", "item": "b.4", "subject": "s001",
                                                            "rank": "1"})
    world.record("city:s003", "recorder:inspection", "2026-Q2", {"type": "bonus", "item": "b.1", "subject": "s003",
                                                                "level": "city"})
    world.record("veto:s004", "admin", "2026-Q2", {"type": "veto", "veto": "veto.2", "subject": "s004"})
    world.record("correction:s003", "recorder:office", "2026-Q2",
                 {"type": "deduction", "item": "1.2.1", "subject": "s003", "count": 2,
                  "corrects": world.facts["office:s003"]["id"]})
    world.record("retraction:s003", "recorder:guidance", "2026-Q2",
                 {"type": "retraction", "target": world.facts["guidance:s003"]["id"], "reason": "重复记录"})
