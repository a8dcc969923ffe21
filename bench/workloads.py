"""The three benchmark workloads (bureau, city, province) as plain dicts, and their JSON-lines files.

Facts carry ids that route to their stream (`<subject>:...`, `joint:...`), as the ledger
requires; period and recorder are stamped on import, as `record_facts` does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.generate import facts_for, subjects_for
from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from domain.scheme.model import Scheme

ROOT = Path(__file__).resolve().parents[1]
SCHEMES = {"bureau": "zjg.yaml", "city": "zz.yaml", "province": "qf.yaml"}
PERIODS = {"bureau": "2026-Q1", "city": "2026", "province": "2026-Q1"}
CITY_SERIES = {"series1": 18, "series2": 44, "series3": 14}


@dataclass
class Workload:
    """One workload: its scheme, period, subjects and facts, and the appeals filed after publication."""

    name: str
    scheme: Scheme
    period: str
    subjects: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    appeals: list[dict[str, Any]] = field(default_factory=list)
    whatif: dict[str, Any] = field(default_factory=dict)  # the changed fact of the what-if, complete

    def probe(self, n: int) -> dict[str, Any]:
        """A fresh valid fact (the n-th) for the freshness measurement."""
        simple = [f for f in self.facts if f["type"] == "deduction" and "subject" in f and "situation" not in f]
        if simple:
            base = simple[(n * 7919) % len(simple)]
            return {**base, "id": f"{base['subject']}:probe{n}"}
        subject = self.subjects[(n * 7919) % len(self.subjects)]["id"]
        return {
            "id": f"{subject}:probe{n}",
            "type": "affirmation",
            "affirmation": self.scheme.affirmations[-1].id,
            "subject": subject,
        }

    @property
    def events(self) -> int:
        """Events the import appends: subjects, one stream opening per subject or joint, facts."""
        streams = {f["id"].split(":", 1)[0] for f in self.facts}
        return len(self.subjects) + len(streams) + len(self.facts)

    def write(self, path: Path) -> Path:
        """Write the workload as a facts file: one JSON object per line, subjects first."""
        with path.open("wb") as out:
            for subject in self.subjects:
                out.write(orjson.dumps({"type": "subject", **subject}) + b"\n")
            for fact in self.facts:
                out.write(orjson.dumps(fact) + b"\n")
        return path


def scheme_of(name: str) -> Scheme:
    return load_scheme_file(ROOT / "schemes" / SCHEMES[name])


def build(name: str, seed: int = 2026, scale: float = 1.0) -> Workload:
    """A workload by name; `scale` shrinks the number of subjects (the smoke test uses it)."""
    scheme = scheme_of(name)
    if name == "province":
        return province(scheme, seed, max(1, int(200_000 * scale)))
    if name == "bureau":
        subjects = subjects_for(scheme, 12)
        per_subject = 165
    else:
        subjects = [
            Subject(id=f"u{n:02d}", name=f"单位{n}", group=group, kind="unit")
            for n, group in enumerate((g for g, count in CITY_SERIES.items() for _ in range(count)), start=1)
        ]
        per_subject = 640
    per_subject = max(1, int(per_subject * scale))
    models = facts_for(scheme, subjects, PERIODS[name], seed, per_subject=per_subject)
    facts = routed(models)
    workload = Workload(name, scheme, PERIODS[name], [s.model_dump(mode="json") for s in subjects], facts)
    gone = {f["target"] for f in facts if "target" in f}
    plain = [f for f in facts if f["type"] == "deduction" and "subject" in f and f["id"] not in gone]
    contested, changed = plain[0], plain[len(plain) // 2]
    workload.appeals = [
        {
            "subject": contested["subject"],
            "contested": contested["id"],
            "correction": {
                "id": f"{contested['subject']}:appeal1",  # given, so every store holds the same ids
                "type": "retraction",
                "target": contested["id"],
                "reason": "申诉成立",
            },
        }
    ]
    workload.whatif = {
        "id": f"{changed['subject']}:whatif",
        "type": "retraction",
        "target": changed["id"],
        "reason": "复核拟撤销",
        "recorded_by": "复核组",
    }
    return workload


def routed(models: list[Any]) -> list[dict[str, Any]]:
    """Generated fact models as client dicts with routable ids (targets renamed alike)."""
    renamed: dict[str, str] = {}
    out = []
    for n, model in enumerate(models):
        fact = model.model_dump(mode="json", exclude_none=True)
        fact.pop("period"), fact.pop("recorded_by")
        if "target" in fact:
            fact["target"] = renamed[fact["target"]]
        target = fact.get("target") or fact.get("corrects")
        stream = (
            target.split(":", 1)[0]
            if target
            else ("joint" if fact.get("parties") or "rank" in fact else fact["subject"])
        )
        renamed[model.id] = fact["id"] = f"{stream}:f{n:06d}"
        out.append(fact)
    return out


def province(scheme: Scheme, seed: int, staff: int) -> Workload:
    """QF: staff in groups of 100, the main leader's rating on every item, a few corrections,
    retractions, vetoes and affirmations; three appeals after publication."""
    rng = random.Random(seed)
    common = [n.id for n in scheme.nodes["common"].children]  # type: ignore[union-attr]
    own = {k: [n.id for n in scheme.nodes[k].children] for k in ("leader", "counter")}  # type: ignore[union-attr]
    subjects, facts = [], []
    values = [str(v) for v in range(70, 101)]
    for n in range(staff):
        sid, kind = f"p{n:06d}", ("leader" if n % 10 == 0 else "counter")
        subjects.append({"id": sid, "name": f"干部{n}", "group": f"g{n // 100:04d}", "kind": kind})
        for k, item in enumerate(common + own[kind]):
            facts.append(_rating(sid, k, item, rng.choice(values)))
    contested = facts[5 : 5 + 3 * 997 : 997]
    appeals = [
        {
            "subject": f["subject"],
            "contested": f["id"],
            "correction": {**_rating(f["subject"], 90 + i, f["item"], "100"), "corrects": f["id"]},
        }
        for i, f in enumerate(contested)
    ]
    changed = facts[len(facts) // 2 + 3]
    taken = {f["id"] for f in contested} | {changed["id"]}
    facts += list(_province_extras(rng, subjects, [f for f in facts if f["id"] not in taken], scheme))
    whatif = {
        **_rating(changed["subject"], 80, changed["item"], "100"),
        "corrects": changed["id"],
        "recorded_by": "复核组",
    }
    return Workload("province", scheme, PERIODS["province"], subjects, facts, appeals, whatif)


def _rating(sid: str, k: int, item: str, value: str) -> dict[str, Any]:
    return {
        "id": f"{sid}:r{k:02d}",
        "type": "rating",
        "item": item,
        "subject": sid,
        "role": "main",
        "rater": "主要领导",
        "value": value,
    }


def _province_extras(
    rng: random.Random, subjects: list[dict[str, Any]], ratings: list[dict[str, Any]], scheme: Scheme
) -> Iterator[dict[str, Any]]:
    n = len(subjects)
    corrected = rng.sample(ratings, max(1, n // 200))
    for i, fact in enumerate(corrected):  # corrections
        yield {
            **_rating(fact["subject"], 50 + i % 10, fact["item"], rng.choice(["88", "92", "95"])),
            "id": f"{fact['subject']}:c{i:05d}",
            "corrects": fact["id"],
        }
    replaced = {f["id"] for f in corrected}  # a replaced rating can no longer be retracted (only its correction)
    live = [f for f in ratings if f["id"] not in replaced]
    for i, fact in enumerate(rng.sample(live, max(1, n // 500))):  # retractions
        yield {"id": f"{fact['subject']}:x{i:05d}", "type": "retraction", "target": fact["id"], "reason": "复核后撤销"}
    vetoes = [v.id for v in scheme.vetoes]
    for i, subject in enumerate(rng.sample(subjects, max(1, n // 2000))):
        yield {"id": f"{subject['id']}:v{i:04d}", "type": "veto", "veto": rng.choice(vetoes), "subject": subject["id"]}
    affirmations = [a.id for a in scheme.affirmations]
    for i, subject in enumerate(rng.sample(subjects, max(1, n // 1000))):
        yield {
            "id": f"{subject['id']}:a{i:04d}",
            "type": "affirmation",
            "affirmation": rng.choice(affirmations),
            "subject": subject["id"],
        }


def read(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a facts file written by `Workload.write`."""
    with path.open("rb") as source:
        for line in source:
            yield orjson.loads(line)
