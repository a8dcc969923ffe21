"""Before/after: two positions of the log (or now and a what-if), subject by subject.

Each changed subject shows old and new total, rank, grade and eligibility, the items
that changed, and the events in between that concern it; a subject that changed only
because others moved is marked as a knock-on (rank or quota).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from domain.facts import Fact, Subject, typed_facts
from domain.numbers import canonical_str
from domain.scoring import NodeResult, PeriodResult, score_period
from projections.period_input import LogFold
from projections.records import Record
from projections.scoring import scheme_for

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)


def compare(before: PeriodResult, after: PeriodResult, between: Sequence[Record] = ()) -> dict[str, Any]:
    """The differences between two results of one period, with the events that caused them."""
    causes = _causes(between, before.period)
    rows = []
    for subject in sorted({s.subject for s in before.subjects} | {s.subject for s in after.subjects}):
        old, new = _get(before, subject), _get(after, subject)
        summary_old, summary_new = _summary(old), _summary(new)
        if summary_old == summary_new and _items(old) == _items(new):
            continue
        items = sorted(k for k in set(_items(old)) | set(_items(new)) if _items(old).get(k) != _items(new).get(k))
        direct = causes.get(subject, [])
        rows.append(
            {
                "subject": subject,
                "before": summary_old,
                "after": summary_new,
                "items": items,
                "events": direct,
                "knock_on": not direct and not items,
            }
        )
    return {"period": before.period, "scheme_hash": [before.scheme_hash, after.scheme_hash], "changes": rows}


def what_if(fold: LogFold, key: str, proposed: Sequence[dict[str, Any]]) -> tuple[PeriodResult, PeriodResult]:
    """Current results and the results with proposed facts added, without appending anything."""
    folded = fold.periods[key]
    scheme = scheme_for(fold, folded.scheme_hash)
    subjects = [Subject.model_validate(s) for s in folded.subjects.values()]
    facts = [_FACT.validate_python(f) for f in folded.facts.values()]
    extra = proposed_facts(proposed, folded.code)
    now = score_period(scheme, subjects, facts, folded.code)
    return now, score_period(scheme, subjects, facts + extra, folded.code)


def proposed_facts(proposed: Sequence[dict[str, Any]], period: str) -> list[Any]:
    """Proposed facts as facts; every malformed one is reported, as recording would."""
    return typed_facts([{**fact, "period": period} for fact in proposed], "the proposed facts")


def _get(result: PeriodResult, subject: str) -> Any:
    return next((s for s in result.subjects if s.subject == subject), None)


def _summary(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    summary = {"total": canonical_str(s.total), "rank": s.rank, "grade": s.grade, "eligible": s.eligible}
    if s.outcomes is not None:  # G5: a further outcome that changes is a change, as a grade is
        summary["outcomes"] = {o.id: o.grade for o in s.outcomes}
    return summary


def _items(s: Any) -> dict[str, str]:
    if s is None:
        return {}
    out: dict[str, str] = {}

    def walk(node: NodeResult) -> None:
        if not node.children:
            out[node.id] = canonical_str(node.applied)
        for child in node.children:
            walk(child)

    walk(s.card)
    return out


def _causes(records: Sequence[Record], period: str) -> dict[str, list[dict[str, Any]]]:
    """Fact events of the period between the two positions, by the subjects they name."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        fact = record.state.get("fact")
        if not isinstance(fact, dict) or fact.get("period") != period:
            continue
        named = {fact.get("subject")} | {p.get("subject") for p in fact.get("parties") or []}
        target = fact.get("target") or fact.get("corrects")
        if isinstance(target, str) and not target.startswith("joint:"):
            named.add(target.split(":", 1)[0])
        for subject in sorted(s for s in named if s):
            out.setdefault(subject, []).append(
                {
                    "position": record.position,
                    "fact": fact.get("id"),
                    "type": fact.get("type"),
                    "by": fact.get("recorded_by"),
                    "appeal": record.state.get("appeal"),
                }
            )
    return out
