"""Commands an attacker or a careless user sends: generated from what is stored, every one refused.

Each attack is generated from the world's stored facts (tests/adversarial/world.py): corrections that
move a finding to another subject, retractions, exemptions and corrections across offices and roles,
ratings under another role, a second rank award slipped in as a correction, a rank added or dropped
by a correction, facts named after they were replaced or retracted, matters dated outside their
period, appeal decisions that reach beyond what the appeal contests or lower a party that did not
appeal. Each must be refused with a problem detail and append nothing; afterwards the service still
answers, starts again and verifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from tests.adversarial.world import OFFICE_ITEMS, RATERS, SHANGHAI, SUBJECTS, World

Q2 = "/periods/2026-Q2/facts"


@dataclass(frozen=True)
class Attack:
    kind: str
    caller: str
    path: str
    body: Any
    refused_with: frozenset[int]
    on: datetime | None = None  # the day it is sent (default: the world's, 2026-06-20)


def _fact_id(world: World, name: str) -> str:
    return str(world.facts[name]["id"])


def cross_subject(world: World) -> Iterator[Attack]:
    """A correction that keeps the finding's id but moves it to another subject (issue 9, §1 and §2)."""
    for office, item in OFFICE_ITEMS.items():
        for owner in SUBJECTS:
            target = _fact_id(world, f"{office}:{owner}")
            for other in (s for s in SUBJECTS if s != owner):
                yield Attack("cross-subject correction", f"recorder:{office}", Q2,
                             {"type": "deduction", "item": item, "subject": other, "count": 5, "corrects": target},
                             frozenset({422}))
            yield Attack("correction spread over parties", f"recorder:{office}", Q2,
                         {"type": "deduction", "item": item, "corrects": target,
                          "parties": [{"subject": owner, "role": "lead"}, {"subject": SUBJECTS[0], "role": "co"}]},
                         frozenset({422}))
    for rater, role in RATERS.items():
        for owner in SUBJECTS:
            target = _fact_id(world, f"{rater}:{owner}")
            for other in (s for s in SUBJECTS if s != owner):
                yield Attack("cross-subject rating correction", f"rater:{rater}", Q2,
                             {"type": "rating", "item": "rating", "subject": other, "rater": rater, "role": role,
                              "value": 10, "corrects": target}, frozenset({422}))


def cross_office(world: World) -> Iterator[Attack]:
    """An office setting aside, exempting or replacing another office's finding (S5)."""
    for office in OFFICE_ITEMS:
        for owner_office in OFFICE_ITEMS:
            if owner_office == office:
                continue
            for subject in SUBJECTS:
                target = world.facts[f"{owner_office}:{subject}"]
                if target["id"] in _not_live(world):
                    continue
                yield Attack("cross-office retraction", f"recorder:{office}", Q2,
                             {"type": "retraction", "target": target["id"], "reason": "不认可"}, frozenset({403}))
            target = _fact_id(world, f"{owner_office}:s001")
            yield Attack("cross-office correction", f"recorder:{office}", Q2,
                         {"type": "deduction", "item": OFFICE_ITEMS[office], "subject": "s001", "corrects": target},
                         frozenset({403}))
            yield Attack("cross-office exemption", f"recorder:{office}", Q2,
                         {"type": "exemption", "target": _fact_id(world, f"{owner_office}:s004"),
                          "ground": "force_majeure"}, frozenset({403}))
        if office != "personnel":  # the exemption is 人事教育科's: judged down its chain to the deduction
            yield Attack("retraction of another office's exemption", f"recorder:{office}", Q2,
                         {"type": "retraction", "target": _fact_id(world, "exemption:s002"), "reason": "撤销豁免"},
                         frozenset({403}))


def cross_role(world: World) -> Iterator[Attack]:
    """Raters under another role or name, and roles that record nothing recording (R1, S5)."""
    for rater, role in RATERS.items():
        other_role = next(r for r in RATERS.values() if r != role)
        other_rater = next(r for r in RATERS if r != rater)
        for subject in SUBJECTS:
            yield Attack("rating under another role", f"rater:{rater}", Q2,
                         {"type": "rating", "item": "rating", "subject": subject, "rater": rater, "role": other_role,
                          "value": 99}, frozenset({403}))
            yield Attack("retraction of another rater's rating", f"rater:{rater}", Q2,
                         {"type": "retraction", "target": _fact_id(world, f"{other_rater}:{subject}"),
                          "reason": "不认可"}, frozenset({403}))
        yield Attack("rater recording a deduction", f"rater:{rater}", Q2,
                     {"type": "deduction", "item": "4.1", "subject": "s001"}, frozenset({403}))
    for subject in SUBJECTS:
        yield Attack("subject recording", f"subject:{subject}", Q2,
                     {"type": "bonus", "item": "b.1", "subject": subject, "level": "province"}, frozenset({403}))
    for caller in ("auditor", "reviewer"):
        yield Attack("reader recording", caller, Q2, {"type": "deduction", "item": "4.1", "subject": "s002"},
                     frozenset({403}))
    yield Attack("recorder rating", "recorder:inspection", Q2,
                 {"type": "rating", "item": "rating", "subject": "s001", "rater": "principal-1", "role": "principal",
                  "value": 100}, frozenset({403}))
    yield Attack("administrator deducting", "admin", Q2, {"type": "deduction", "item": "4.1", "subject": "s001"},
                 frozenset({403}))
    yield Attack("recorder vetoing", "recorder:inspection", Q2, {"type": "veto", "veto": "veto.1", "subject": "s002"},
                 frozenset({403}))


def chains(world: World) -> Iterator[Attack]:
    """Second rank awards, facts named after they were replaced or retracted, retractions retracted (B4, R3)."""
    yield Attack("second rank 1", "recorder:inspection", Q2,
                 {"type": "bonus", "item": "b.4", "subject": "s002", "rank": "1"}, frozenset({422}))
    yield Attack("rank 1 slipped in as a correction", "recorder:inspection", Q2,
                 {"type": "bonus", "item": "b.4", "subject": "s003", "rank": "1",
                  "corrects": _fact_id(world, "city:s003")}, frozenset({422}))
    for rank in ("2", "3"):  # a free rank, given to a subject's fact beside it, out of the joint check (F1a)
        yield Attack("rank added by a correction", "recorder:inspection", Q2,
                     {"type": "bonus", "item": "b.4", "subject": "s003", "rank": rank,
                      "corrects": _fact_id(world, "city:s003")}, frozenset({422}))
    yield Attack("rank dropped by a correction", "recorder:inspection", Q2,
                 {"type": "bonus", "item": "b.1", "subject": "s001", "level": "city",
                  "corrects": _fact_id(world, "rank1")}, frozenset({422}))
    replaced = _fact_id(world, "office:s003")
    yield Attack("second correction of a replaced fact", "recorder:office", Q2,
                 {"type": "deduction", "item": "1.2.1", "subject": "s003", "count": 7, "corrects": replaced},
                 frozenset({422}))
    yield Attack("retraction of a replaced fact", "recorder:office", Q2,
                 {"type": "retraction", "target": replaced, "reason": "x"}, frozenset({422}))
    yield Attack("retraction of a retraction", "recorder:guidance", Q2,
                 {"type": "retraction", "target": _fact_id(world, "retraction:s003"), "reason": "x"},
                 frozenset({422}))
    yield Attack("exemption of a retracted fact", "recorder:guidance", Q2,
                 {"type": "exemption", "target": _fact_id(world, "guidance:s003"), "ground": "force_majeure"},
                 frozenset({422}))
    yield Attack("second exemption", "recorder:personnel", Q2,
                 {"type": "exemption", "target": _fact_id(world, "personnel:s002"), "ground": "force_majeure"},
                 frozenset({422}))
    for rater, role in RATERS.items():
        yield Attack("second live rating", f"rater:{rater}", Q2,
                     {"type": "rating", "item": "rating", "subject": "s001", "rater": rater, "role": role,
                      "value": 60}, frozenset({422}))
    yield Attack("a party named twice", "recorder:inspection", Q2,
                 {"type": "bonus", "item": "b.1", "level": "city",
                  "parties": [{"subject": "s001", "role": "lead"}] * 3}, frozenset({422}))


def dates(world: World) -> Iterator[Attack]:
    """Matters dated after today (2026-06-20) or outside 2026-Q2 (issue 9, §6)."""
    for office, item in OFFICE_ITEMS.items():
        for day in ("2026-06-21", "2099-01-01", "2026-03-31", "2020-01-01"):
            yield Attack("dated outside", f"recorder:{office}", Q2,
                         {"type": "deduction", "item": item, "subject": "s002", "occurred_on": day},
                         frozenset({422}))


def appeals(world: World) -> Iterator[Attack]:
    """Decisions that reach beyond the appeal (P3, P5), and appeals for another subject."""
    uphold = f"/appeals/{world.appeals['s001']}/uphold"
    s001, s002 = _fact_id(world, "q1:s001"), _fact_id(world, "q1:s002")
    bodies = [
        {"type": "retraction", "target": s002, "reason": "x"},
        {"type": "deduction", "item": "1.2.1", "subject": "s002", "count": 3, "corrects": s001},
        {"type": "bonus", "item": "b.1", "subject": "s002", "level": "city"},
        {"type": "deduction", "item": "4.1", "subject": "s001"},
        {"type": "retraction", "target": _fact_id(world, "q1:s001:principal-1"), "reason": "x"},
    ]
    for body in bodies:
        yield Attack("uphold beyond the appeal", "reviewer", uphold, {"corrections": [body], "reasons": "复核"},
                     frozenset({422}))
    joint = _fact_id(world, "q1:joint")  # contested by s001; s002, its co-party, did not appeal (F9)
    parties = [{"subject": "s001", "role": "lead"}, {"subject": "s002", "role": "co"}]
    for body in ({"type": "retraction", "target": joint, "reason": "x"},
                 {"type": "bonus", "item": "b.1", "level": "own_government", "parties": parties, "corrects": joint}):
        yield Attack("uphold lowering a party that did not appeal", "reviewer", uphold,
                     {"corrections": [body], "reasons": "复核"}, frozenset({422}))
    in_window = datetime(2026, 4, 3, 10, 0, tzinfo=SHANGHAI)  # within 3 working days of 1 April (P2)
    yield Attack("appeal for another subject", "subject:s002", "/periods/2026-Q1/appeals",
                 {"subject": "s001", "contested": [s001], "reasons": "x"}, frozenset({403}), in_window)
    yield Attack("appeal against another subject's fact", "subject:s001", "/periods/2026-Q1/appeals",
                 {"subject": "s001", "contested": [s002], "reasons": "x"}, frozenset({404}), in_window)
    yield Attack("appeal of an item that does not exist", "subject:s001", "/periods/2026-Q1/appeals",
                 {"subject": "s001", "items": ["9.9"], "reasons": "x"}, frozenset({422}), in_window)
    yield Attack("appeal after the window", "subject:s001", "/periods/2026-Q1/appeals",
                 {"subject": "s001", "contested": [s001], "reasons": "x"}, frozenset({422}))


def _not_live(world: World) -> set[str]:
    return {world.facts["office:s003"]["id"], world.facts["guidance:s003"]["id"]}


GENERATORS = (cross_subject, cross_office, cross_role, chains, dates, appeals)


def test_every_generated_attack_is_refused_with_a_problem_and_appends_nothing(world: World) -> None:
    attacks = [a for generate in GENERATORS for a in generate(world)]
    refused, stored, wrong = 0, 0, []
    today = world.clock.now
    for attack in attacks:
        before = world.end()
        world.clock.now = attack.on or today
        response = world.call(attack.caller, "POST", attack.path, attack.body)
        appended = world.end() - before
        stored += appended
        body = response.json()
        if (
            response.status_code in attack.refused_with
            and response.headers["content-type"].startswith("application/problem+json")
            and body["status"] == response.status_code
            and body["detail"]
            and not appended
        ):
            refused += 1
        else:
            wrong.append(f"{attack.kind} as {attack.caller}: {response.status_code} {response.text[:200]} "
                         f"(+{appended} events)")
    world.clock.now = today
    print(f"\nadversarial commands: {len(attacks)} attempts, {refused} refused, {stored} stored")
    assert len(attacks) >= 200
    assert wrong == [], "\n".join(wrong)
    assert stored == 0


def test_after_the_attacks_the_service_answers_starts_again_and_verifies(world: World) -> None:
    test_every_generated_attack_is_refused_with_a_problem_and_appends_nothing(world)
    rankings = world.ok("auditor", "GET", "/periods/2026-Q2/rankings")
    assert {r["subject"] for r in rankings["groups"]["g1"]} == set(SUBJECTS)
    with TestClient(create_app(service=world.service, clock=world.clock)) as again:  # the lifespan runs again
        response = again.get("/periods/2026-Q1/verification", headers=world.headers("auditor"))
    report = response.json()
    assert response.status_code == 200 and report["ok"], report
    assert report["verified_seals"][0]["keys"] == ["test-bureau"]
    assert world.service.runner.fold.periods["default/2026-Q2"].set_aside == {}  # nothing slipped in


def test_an_idempotency_key_is_the_senders_own(world: World) -> None:
    """Another recorder sending the same key and body is another request, judged as its own (never
    answered with the first sender's result)."""
    body = {"type": "deduction", "item": "1.2.2", "subject": "s004", "occurred_on": "2026-06-01"}
    first = world.call("recorder:office", "POST", Q2, body, **{"Idempotency-Key": "shared-key"})
    assert first.status_code == 201, first.text
    before = world.end()
    other = world.call("recorder:personnel", "POST", Q2, body, **{"Idempotency-Key": "shared-key"})
    assert other.status_code == 403 and "recorded by office office" in other.json()["detail"]
    assert world.end() == before
    again = world.call("recorder:office", "POST", Q2, body, **{"Idempotency-Key": "shared-key"})
    assert again.status_code == 201 and again.json()["replayed"] is True
    assert again.json()["facts"] == first.json()["facts"]
