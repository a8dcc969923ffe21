"""The province workload: a QF quarter of staff in groups of 100, rated as the scheme asks (R1-R3).

Every item of every person is rated by the main leader, the group's supervising leader (two in a
quarter of the groups, averaged: R3) and three colleagues (averaged), around the person's own
level, so that totals spread over all four grades and the 40% 好 quota cuts in (G1, G2). A few
ratings are missing (R1 incomplete), some are corrected or retracted and recorded again, a few
people are vetoed (V2), not graded (V5) or affirmed (V4, with the condition it requires, and some
without). Facts are produced one at a time: a province quarter is about ten million of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from domain.scheme.model import Scheme

GROUP = 100
MAIN = "主要领导"


class Province:
    """The people, their facts in log order, and what the later steps need (probes, appeals, what-if)."""

    def __init__(self, scheme: Scheme, seed: int, staff: int):
        self.scheme, self.rng, self.staff = scheme, random.Random(seed), staff
        common = [n.id for n in scheme.nodes["common"].children]  # type: ignore[union-attr]
        self.items = {k: common + [n.id for n in scheme.nodes[k].children] for k in ("leader", "counter")}  # type: ignore[union-attr]
        self.subjects = [_person(n) for n in range(staff)]
        self.level = [min(99.0, max(40.0, self.rng.gauss(84, 7))) for _ in range(staff)]
        self.sampled: list[dict[str, Any]] = []  # ratings set aside for corrections, appeals and the what-if

    def facts(self) -> Iterator[dict[str, Any]]:
        for n in range(self.staff):
            yield from self._ratings(n)
        yield from self._amendments()
        yield from self._decisions()

    def _ratings(self, n: int) -> Iterator[dict[str, Any]]:
        subject = self.subjects[n]
        sid, group, rng = subject["id"], n // GROUP, self.rng
        raters = [("main", MAIN)] + [("supervising", f"分管领导{group:04d}-{k}") for k in range(1 + (group % 4 == 0))]
        members = [m for m in range(group * GROUP, min(self.staff, (group + 1) * GROUP)) if m != n] or [n]
        raters += [("colleagues", f"干部{m}") for m in rng.sample(members, min(3, len(members)))]
        missing = self.items[subject["kind"]][-1] if rng.random() < 0.002 else None  # R1: a role not rated
        k = 0
        for item in self.items[subject["kind"]]:
            for role, rater in raters:
                if item == missing and role == "colleagues":
                    continue
                fact = _rating(f"{sid}:r{k:03d}", sid, item, role, rater, _value(rng, self.level[n]))
                k += 1
                if rng.random() < 0.0008:
                    self.sampled.append(fact)
                yield fact

    def _amendments(self) -> Iterator[dict[str, Any]]:
        """Corrections (a rater's value replaced) and retractions (recorded again afterwards)."""
        rng = self.rng
        for i, fact in enumerate(self.sampled):
            if i % 8 == 7:  # kept for appeals and the what-if
                continue
            if i % 5 == 4:
                yield {"id": f"{fact['subject']}:x{i:05d}", "type": "retraction", "target": fact["id"],
                       "reason": "录入错误, 重新录入"}
                yield {**fact, "id": f"{fact['subject']}:n{i:05d}", "value": str(rng.randint(80, 95))}
            else:
                yield {**fact, "id": f"{fact['subject']}:c{i:05d}", "value": str(rng.randint(70, 99)),
                       "corrects": fact["id"]}

    def _decisions(self) -> Iterator[dict[str, Any]]:
        """V2 vetoes, V5 not graded, V4 affirmations with (and a few without) their condition."""
        rng, scheme = self.rng, self.scheme
        vetoes = [v.id for v in scheme.vetoes if not v.not_graded]
        not_graded = [v.id for v in scheme.vetoes if v.not_graded]
        for i, subject in enumerate(rng.sample(self.subjects, max(1, self.staff // 1000))):
            yield {"id": f"{subject['id']}:v{i:05d}", "type": "veto", "veto": rng.choice(vetoes),
                   "subject": subject["id"]}
        for i, subject in enumerate(rng.sample(self.subjects, max(1, self.staff // 100))):
            yield {"id": f"{subject['id']}:g{i:05d}", "type": "veto", "veto": rng.choice(not_graded),
                   "subject": subject["id"]}
        for i, subject in enumerate(rng.sample(self.subjects, max(1, self.staff // 250))):
            sid = subject["id"]
            if i % 3 == 0:
                yield {"id": f"{sid}:m{i:05d}", "type": "condition", "condition": "award_city", "subject": sid}
                yield {"id": f"{sid}:a{i:05d}", "type": "affirmation", "affirmation": "aff.1", "subject": sid}
            elif i % 3 == 1:
                yield {"id": f"{sid}:a{i:05d}", "type": "affirmation", "affirmation": "aff.4", "subject": sid}
            else:  # its condition never recorded: no effect, and the reason says so (V4)
                yield {"id": f"{sid}:a{i:05d}", "type": "affirmation", "affirmation": "aff.2", "subject": sid}

    def kept(self) -> list[dict[str, Any]]:
        """Ratings nothing amends: the appeals contest them, the what-if corrects one."""
        return [f for i, f in enumerate(self.sampled) if i % 8 == 7]

    def appeals(self) -> list[dict[str, Any]]:
        """About one person in a thousand appeals one rating after publication; two in five are upheld."""
        out = []
        for i, fact in enumerate(self.kept()[:-1][: max(1, self.staff // 1000)]):
            appeal: dict[str, Any] = {"subject": fact["subject"], "contested": fact["id"], "outcome": "rejected"}
            if i % 5 < 2:
                appeal["outcome"] = "upheld"
                appeal["correction"] = {**fact, "id": f"{fact['subject']}:p{i:04d}", "value": "95",
                                        "corrects": fact["id"]}
            out.append(appeal)
        return out

    def whatif(self) -> dict[str, Any]:
        changed = self.kept()[-1]
        return {**changed, "id": f"{changed['subject']}:whatif", "value": "100", "corrects": changed["id"],
                "recorded_by": "复核组"}

    def probe(self, n: int) -> dict[str, Any]:
        """A fresh rating by a reviewer who has not rated the person yet."""
        subject = self.subjects[(n * 7919) % self.staff]
        item = self.items[subject["kind"]][0]
        return _rating(f"{subject['id']}:probe{n}", subject["id"], item, "colleagues", f"复核{n}", "90")


def _person(n: int) -> dict[str, Any]:
    return {"id": f"p{n:06d}", "name": f"干部{n}", "group": f"g{n // GROUP:04d}",
            "kind": "leader" if n % 10 == 0 else "counter"}


def _rating(fact_id: str, sid: str, item: str, role: str, rater: str, value: str) -> dict[str, Any]:
    return {"id": fact_id, "type": "rating", "item": item, "subject": sid, "role": role, "rater": rater, "value": value}


def _value(rng: random.Random, level: float) -> str:
    """A rater's score on the 100-point scale around the person's level; one in ten by halves."""
    value = min(100.0, max(0.0, rng.gauss(level, 3)))
    if rng.random() < 0.1:
        return str(round(value * 2) / 2).removesuffix(".0")
    return str(round(value))
