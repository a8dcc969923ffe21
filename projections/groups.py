"""A period scored group by group: each group's subjects with the facts that concern them.

Ranks, quotas and grades reach across groups only where a scheme's grade rule ranks over the
whole period (G3/G4 `scope: period`; such a period is scored in one piece), and a subject's
scorecard depends only on the facts that concern it (projections/fact_index), so scoring each
group on its own gives exactly the whole period's results while holding one group's working
set at a time. Stored facts reach scoring admitted (projections/admission.py), so they are not
checked again; proposed facts (a what-if) are. The period is scored in one piece whenever the
index cannot vouch for group scoring (a fact that concerns no registered subject, a rank awarded
twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import TypeAdapter

from domain.canonical import canonical_bytes
from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult, SubjectResult, score_period
from domain.scoring.results import SetAside
from projections.cards import Cards
from projections.fact_index import named_subjects, working_set
from projections.period_input import PeriodInput
from projections.slim import slim_subject

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)


def period_result(scheme: Scheme, period: PeriodInput, subjects: list[SubjectResult]) -> PeriodResult:
    """A period's results with its heading: scheme, period, and the stored facts set aside (if any)."""
    set_aside = [
        SetAside(fact=e["fact"], position=e["position"], problems=list(e["problems"]))
        for _, e in sorted(period.set_aside.items())
    ]
    return PeriodResult(
        scheme=scheme.scheme,
        scheme_version=scheme.version,
        scheme_hash=scheme.content_hash,
        period=period.code,
        set_aside=set_aside or None,
        subjects=subjects,
    )


def whole(scheme: Scheme, period: PeriodInput) -> PeriodResult:
    """The period in one piece: every subject and every counted fact (admitted, so not checked again)."""
    subjects = [Subject.model_validate(s) for s in period.subjects.values()]
    facts = [_FACT.validate_python(f) for f in period.facts.values()]
    return period_result(scheme, period, score_period(scheme, subjects, facts, period.code, checked=True).subjects)


def by_group(scheme: Scheme, period: PeriodInput) -> PeriodResult:
    """The period group by group (the same results as `whole`)."""
    return period_result(scheme, period, [s for listed in score_parts(scheme, period).values() for s in listed])


def score_parts(
    scheme: Scheme, period: PeriodInput, groups: set[str] | None = None, cards: Cards | None = None
) -> dict[str, list[SubjectResult]]:
    """Some groups' results (None: every group), in group order: each group in rank order."""
    return dict(iter_parts(scheme, period, groups, cards))


def iter_parts(
    scheme: Scheme,
    period: PeriodInput,
    groups: set[str] | None = None,
    cards: Cards | None = None,
    keep: bool = True,
) -> Iterator[tuple[str, list[SubjectResult]]]:
    """Some groups' results one group at a time, in group order (a whole period never held at once);
    with `cards`, subjects whose facts did not change keep their scorecards (projections/cards)."""
    members = members_by_group(period)
    wanted = sorted(members if groups is None else groups & members.keys())
    if not indexed(period) or scheme.grades_across_groups:
        yield from _split(whole(scheme, period), wanted)
        return
    for group in wanted:
        if cards is None:
            yield group, part(scheme, period, {group}, members[group], keep=keep)
        else:
            yield group, [slim_subject(s, card=False) for s in cards.group(scheme, period, members[group])]


def _split(result: PeriodResult, groups: list[str]) -> Iterator[tuple[str, list[SubjectResult]]]:
    wanted = set(groups)
    out: dict[str, list[SubjectResult]] = {}
    for subject in result.subjects:
        if subject.group in wanted:
            out.setdefault(subject.group, []).append(subject)
    for group in groups:
        yield group, out.get(group, [])


def heading(scheme: Scheme, period: PeriodInput) -> bytes:
    """The canonical bytes of the period's results up to the first subject: `{...,"subjects":[`."""
    empty = canonical_bytes(period_result(scheme, period, []))
    assert empty.endswith(b"[]}"), "subjects must be the last key of a period's canonical bytes"  # noqa: S101
    return empty[:-2]


def part(
    scheme: Scheme,
    period: PeriodInput,
    groups: set[str],
    members: Sequence[str],
    extra: Sequence[dict[str, Any]] = (),
    keep: bool = True,
) -> list[SubjectResult]:
    """The results of the groups' subjects, from the facts concerning them (and proposed ones);
    results to be kept share their field-name sets (projections/slim), results encoded and dropped
    do not bother."""
    proposed = [{**f, "period": period.code} for f in extra]
    stored, named = working_set(period, members, proposed)
    subjects = [Subject.model_validate(period.subjects[s]) for s in named]
    facts = [_FACT.validate_python(f) for f in stored + proposed]
    result = score_period(scheme, subjects, facts, period.code, checked=not proposed)  # proposed facts are checked
    return [slim_subject(s) if keep else s for s in result.subjects if s.group in groups]


def members_by_group(period: PeriodInput) -> dict[str, list[str]]:
    """Each group's subjects in registration order (kept on the period: subjects are only ever added,
    so a count that matches says the kept lists are complete). Callers only read them."""
    kept = period.members
    if kept is None or sum(map(len, kept.values())) != len(period.subjects):
        kept = {}
        for subject_id, subject in period.subjects.items():
            kept.setdefault(subject.get("group", "all"), []).append(subject_id)
        period.members = kept
    return kept


def groups_of(period: PeriodInput, facts: Iterable[dict[str, Any]]) -> set[str]:
    """The groups whose results facts can change: those of the subjects they (or their targets) name."""
    named: set[str] = set().union(*(named_subjects(period.facts, f) for f in facts))
    return {period.subjects[s].get("group", "all") for s in named if s in period.subjects}


def indexed(period: PeriodInput) -> bool:
    """Every counted fact concerns a registered subject, and no rank is awarded twice."""
    if period.unnamed or not period.by_subject.keys() <= period.subjects.keys():
        return False
    ranks = Counter((f.get("item"), f.get("period"), f.get("rank")) for f in map(period.facts.get, period.ranked) if f)
    return all(n == 1 for n in ranks.values())
