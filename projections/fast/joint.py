"""The joint stream (facts naming several subjects: D11, B6; rank awards: B4), admitted by the parent with
the reference admission (domain/scoring/vetting.py) and handed to every subject it concerns."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from domain.facts import Fact
from domain.scoring.fast.facts import Untypable, typed
from domain.scoring.vetting import Vetting
from projections.fact_index import index_fact
from projections.fast.plan import JOINT_SET_ASIDE, JOINT_UNNAMED, JOINT_UNTYPED, OUTSIDE_STREAM, PeriodPlan, Unsure
from projections.fast.reading import FACT_TOPICS

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
JOINT = "joint"


def admit_joint(plan: PeriodPlan) -> None:
    """Admit the joint stream in log order; each admitted fact goes to the subjects it concerns."""
    if plan.joint is None:
        return
    at = [0]
    vetting = Vetting(plan.scheme, lambda subject: plan.kind_of(subject, at[0]), plan.periods)
    scratch = SimpleNamespace(facts={}, by_subject={}, unnamed=[], ranked=[])
    closed = plan.period.closed_at
    for position, payload in _rows(plan):
        state = orjson.loads(payload)
        raw = state.get("fact") if isinstance(state, dict) else None
        if closed is not None and position > closed and not state.get("appeal"):
            continue
        try:
            model = _FACT.validate_python(raw)
        except ValidationError:
            raise Unsure(JOINT_SET_ASIDE) from None
        if not model.id.startswith(JOINT + ":") or route_of(raw) != JOINT:
            raise Unsure(OUTSIDE_STREAM)
        at[0] = position
        if vetting.admit(model):
            raise Unsure(JOINT_SET_ASIDE)
        scratch.facts[model.id] = raw
        index_fact(scratch, raw)
    try:
        kept = {fact_id: (typed(raw), raw) for fact_id, raw in scratch.facts.items()}
    except Untypable:
        raise Unsure(JOINT_UNTYPED) from None
    if scratch.unnamed:
        raise Unsure(JOINT_UNNAMED)
    for subject, listed in scratch.by_subject.items():
        plan.extra[subject] = [kept[f] for f in dict.fromkeys(listed)]


def _rows(plan: PeriodPlan) -> list[tuple[int, bytes]]:
    found = plan.reader.stream(plan.joint_name, plan.upto)
    return [(position, payload) for position, _s, _v, topic, payload in found if topic in FACT_TOPICS]


def route_of(raw: dict[str, Any]) -> str:
    """The stream a stored fact belongs to, from its plain form (service/facts_routing.py routes the typed one)."""
    target = raw.get("target") or raw.get("corrects")
    if target is not None:
        return str(target).split(":", 1)[0]
    if raw.get("parties") or raw.get("rank") is not None:
        return JOINT
    return str(raw.get("subject"))
