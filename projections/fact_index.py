"""Which subjects each counted fact concerns, so that a group's facts can be found without a scan.

A fact concerns the subjects it names (subject, parties) and those its target names, through
retractions, exemptions and corrections of corrections. A target is listed under every subject
of the facts that name it, so a group's facts always include the facts theirs depend on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Fact = dict[str, Any]


def named_subjects(facts: dict[str, Fact], fact: Fact) -> set[str]:
    """The subjects a fact names, with those of the facts it targets (looked up in `facts`)."""
    subject, parties = fact.get("subject"), fact.get("parties")
    target = fact.get("target") or fact.get("corrects")
    out = {subject} if isinstance(subject, str) else set()
    if parties:
        out |= {p["subject"] for p in parties if isinstance(p, dict) and isinstance(p.get("subject"), str)}
    earlier = facts.get(target) if isinstance(target, str) else None
    if earlier is not None and earlier is not fact:
        out |= named_subjects(facts, earlier)
    return out


def working_set(period: Any, subjects: Iterable[str], extra: Iterable[Fact] = ()) -> tuple[list[Fact], list[str]]:
    """What scoring some subjects needs (period: a PeriodInput): the counted facts concerning them, and
    every registered subject those facts (and the proposed `extra` ones) name, the subjects included,
    sorted. Checking a joint fact needs all of its parties."""
    wanted = list(subjects)
    ids = dict.fromkeys(i for subject in wanted for i in period.by_subject.get(subject, ()))
    facts = [period.facts[i] for i in ids]
    named = set(wanted)
    for fact in (*facts, *extra):
        if fact.get("parties") or fact.get("target") or fact.get("corrects") or fact.get("subject") not in named:
            named |= named_subjects(period.facts, fact) & period.subjects.keys()
    return facts, sorted(named)


def index_fact(period: Any, fact: Fact) -> set[str]:
    """List a newly counted fact under its subjects (period: a PeriodInput); returns those subjects."""
    fact_id, subject = fact["id"], fact.get("subject")
    if "rank" in fact:
        period.ranked.append(fact_id)
    if isinstance(subject, str) and not fact.get("parties") and not (fact.get("target") or fact.get("corrects")):
        named = {subject}  # the common case: one subject, no target
    else:
        named = named_subjects(period.facts, fact)
        _list_targets(period, fact, named)
    if not named:
        period.unnamed.append(fact_id)
    by_subject = period.by_subject
    for name in named:
        listed = by_subject.get(name)
        if listed is None:
            by_subject[name] = [fact_id]
        else:
            listed.append(fact_id)
    return named


def _list_targets(period: Any, fact: Fact, named: set[str]) -> None:
    """A fact naming subjects its target does not: list the target (and its targets) under them too."""
    target = fact.get("target") or fact.get("corrects")
    seen: set[str] = set()
    while isinstance(target, str) and target in period.facts and target not in seen:
        seen.add(target)
        earlier = period.facts[target]
        for name in named - named_subjects(period.facts, earlier):
            period.by_subject.setdefault(name, []).append(target)
        target = earlier.get("target") or earlier.get("corrects")
