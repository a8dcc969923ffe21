"""Before/after: two positions of the log (or now and a what-if), subject by subject.

Each changed subject shows old and new total, rank, grade and eligibility, the items
that changed, and the events in between that concern it; a subject that changed only
because others moved is marked as a knock-on (rank or quota).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
from pydantic import TypeAdapter

from domain.facts import Fact, Subject, typed_facts
from domain.numbers import canonical_str
from domain.scoring import NodeResult, PeriodResult, score_period
from projections.period_input import LogFold
from projections.records import Record
from projections.scoring import scheme_for
from projections.viewreads import brief_of

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


def _causes(
    records: Iterable[Record], period: str, only: set[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Fact events of the period between the two positions, by the subjects they name (of `only`, if given)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        fact = record.state.get("fact")
        if not isinstance(fact, dict) or fact.get("period") != period:
            continue
        named = {fact.get("subject")} | {p.get("subject") for p in fact.get("parties") or []}
        target = fact.get("target") or fact.get("corrects")
        if isinstance(target, str) and not target.startswith("joint:"):
            named.add(target.split(":", 1)[0])
        for subject in sorted(s for s in named if s and (only is None or s in only)):
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


# The same comparison over two streams of stored subject results (dicts of their canonical JSON), a group at a
# time: what a request uses, so that neither side's period is ever held whole (issue 12).


class Digest(NamedTuple):
    """What a comparison keeps of one subject result: its name, summary, leaf items (as `_items`) and, for the
    pages, each node's first title and points in a depth-first walk (as NodeResult.maybe finds them)."""

    name: str
    summary: dict[str, Any]
    items: dict[str, str]
    nodes: dict[str, tuple[str, str]]


Changed = tuple[str, Digest | None, Digest | None]


def digest(subject: dict[str, Any]) -> Digest:
    """A stored subject result (canonical JSON: fields that are None left out) as the comparison reads it."""
    summary = {"total": canonical_str(Decimal(subject["total"])), "rank": subject.get("rank"),
               "grade": subject.get("grade"), "eligible": subject["eligible"]}
    outcomes = subject.get("outcomes")
    if outcomes is not None:  # G5, as `_summary`
        summary["outcomes"] = {o["id"]: o.get("grade") for o in outcomes}
    items: dict[str, str] = {}
    nodes: dict[str, tuple[str, str]] = {}
    stack = [subject["card"]]
    while stack:  # depth first, children in order: the first node of an id is the one `maybe` finds
        node = stack.pop()
        applied = canonical_str(Decimal(node["applied"]))
        nodes.setdefault(node["id"], (node["title"], applied))
        children = node.get("children") or ()
        if not children:
            items[node["id"]] = applied
        stack.extend(reversed(children))
    return Digest(subject["name"], summary, items, nodes)


def changed_subjects(before: Iterable[bytes], after: Iterable[bytes]) -> list[Changed]:
    """The subjects whose summary or leaf items differ between two streams of subject results (each its canonical
    bytes) in group order (as the views and the group scoring give them), sorted by subject: (subject, before,
    after), None on the side a subject is missing from. One group of each side is held at a time; a subject found
    in different groups on the two sides waits for its other half (only those are kept across groups). A subject
    whose bytes are the same on both sides is the same result: only those whose bytes differ are decoded and
    digested (issue 12: an appeal's comparison of a province decoded and walked 400,000 scorecards for ~160
    changes; canonical bytes are one per result, so equal bytes are equal digests)."""
    olds, news = _by_group(before), _by_group(after)
    old, new = next(olds, None), next(news, None)
    waiting: tuple[dict[str, bytes], dict[str, bytes]] = ({}, {})
    out: list[Changed] = []
    while old is not None or new is not None:
        if new is None or (old is not None and old[0] < new[0]):
            pair, old = (old[1] if old else {}, {}), next(olds, None)
        elif old is None or new[0] < old[0]:
            pair, new = ({}, new[1]), next(news, None)
        else:
            pair, old, new = (old[1], new[1]), next(olds, None), next(news, None)
        for subject in pair[0].keys() | pair[1].keys():
            was, now = pair[0].get(subject), pair[1].get(subject)
            if was is None:
                was = waiting[0].pop(subject, None)
                if was is None:
                    waiting[1][subject] = now  # type: ignore[assignment]
                    continue
            elif now is None:
                now = waiting[1].pop(subject, None)
                if now is None:
                    waiting[0][subject] = was
                    continue
            if was != now:
                _keep_if_changed(out, subject, _digested(was), _digested(now))
    for subject, was in waiting[0].items():
        _keep_if_changed(out, subject, _digested(was), None)
    for subject, now in waiting[1].items():
        _keep_if_changed(out, subject, None, _digested(now))
    return sorted(out, key=lambda c: c[0])


def _digested(body: bytes | None) -> Digest | None:
    return None if body is None else digest(orjson.loads(body))


def _keep_if_changed(out: list[Changed], subject: str, was: Digest | None, now: Digest | None) -> None:
    old_items, new_items = (was.items if was else {}), (now.items if now else {})
    if (was and was.summary) != (now and now.summary) or old_items != new_items:
        differ = {k for k in old_items.keys() | new_items.keys() if old_items.get(k) != new_items.get(k)}
        out.append((subject, _only(was, differ), _only(now, differ)))


def _only(found: Digest | None, items: set[str]) -> Digest | None:
    """What the changes read of a changed subject's digest (`change_rows`, the pages' items): its name, summary and
    the items that differ, with their nodes; the rest let go (issue 12: every node of every changed subject was
    kept until the answer was made: the province at 5%, 5,528 changes, 15 MB more at the peak)."""
    if found is None:
        return None
    return Digest(found.name, found.summary, {k: v for k, v in found.items.items() if k in items},
                  {k: v for k, v in found.nodes.items() if k in items})


def _by_group(subjects: Iterable[bytes]) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Consecutive subjects of a group, by subject, a group at a time: each one's bytes, its group and id read from
    its brief (the fields after its scorecard, projections/viewreads.py `brief_of`), its card never decoded."""
    group: str | None = None
    held: dict[str, bytes] = {}
    for body in subjects:
        brief = orjson.loads(brief_of(body) or body)
        if brief["group"] != group:
            if group is not None:
                yield group, held
            group, held = brief["group"], {}
        held[brief["subject"]] = body
    if group is not None:
        yield group, held


def change_rows(changed: Sequence[Changed], between: Iterable[Record], period: str) -> list[dict[str, Any]]:
    """The changes as `compare` lists them, with the events between that name each changed subject."""
    causes = _causes(between, period, {subject for subject, _, _ in changed})
    rows = []
    for subject, was, now in changed:
        old_items, new_items = (was.items if was else {}), (now.items if now else {})
        items = sorted(k for k in old_items.keys() | new_items.keys() if old_items.get(k) != new_items.get(k))
        direct = causes.get(subject, [])
        rows.append({"subject": subject, "before": was and was.summary, "after": now and now.summary,
                     "items": items, "events": direct, "knock_on": not direct and not items})
    return rows
