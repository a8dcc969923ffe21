"""A period scored group by group: each group's subjects with the facts that concern them.

Ranks, quotas and grades never reach across groups (S2), and a subject's scorecard depends
only on the facts that concern it (projections/fact_index), so scoring each group on its own
gives exactly the whole period's results while holding one group's working set at a time.
The period is scored in one piece whenever the index cannot vouch for that (a fact that
concerns no registered subject, a rank awarded twice, any refused fact), so refusals read
exactly as they always have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import TypeAdapter

from domain.errors import FactsInvalid
from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult, SubjectResult, score_period
from projections.fact_index import named_subjects
from projections.period_input import PeriodInput

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def whole(scheme: Scheme, period: PeriodInput) -> PeriodResult:
    """The period in one piece: every subject and every counted fact."""
    subjects = [Subject.model_validate(s) for s in period.subjects.values()]
    facts = [_FACT.validate_python(f) for f in period.facts.values()]
    return score_period(scheme, subjects, facts, period.code)


def by_group(scheme: Scheme, period: PeriodInput) -> PeriodResult:
    """The period group by group (the same results as `whole`)."""
    members = members_by_group(period)
    if not members or not _indexed(period):
        return whole(scheme, period)
    subjects: list[SubjectResult] = []
    try:
        for group in sorted(members):
            subjects += part(scheme, period, {group}, members[group])
    except FactsInvalid:
        return whole(scheme, period)  # raises with every problem numbered as ever (or scores, if it fits)
    return PeriodResult(
        scheme=scheme.scheme,
        scheme_version=scheme.version,
        scheme_hash=scheme.content_hash,
        period=period.code,
        subjects=subjects,
    )


def part(
    scheme: Scheme, period: PeriodInput, groups: set[str], members: Sequence[str], extra: Sequence[dict[str, Any]] = ()
) -> list[SubjectResult]:
    """The results of the groups' subjects, from the facts concerning them (and proposed ones)."""
    ids = dict.fromkeys(i for subject in members for i in period.by_subject.get(subject, ()))
    facts = [period.facts[i] for i in ids] + [{**f, "period": period.code} for f in extra]
    named = set(members)
    for fact in facts:
        if fact.get("parties") or fact.get("target") or fact.get("corrects") or fact.get("subject") not in named:
            named |= named_subjects(period.facts, fact) & period.subjects.keys()
    subjects = [Subject.model_validate(period.subjects[s]) for s in sorted(named)]
    result = score_period(scheme, subjects, [_FACT.validate_python(f) for f in facts], period.code)
    return [_slim(s) for s in result.subjects if s.group in groups]


def _slim(subject: SubjectResult) -> SubjectResult:
    """Share one field-name set among results that set the same fields: pydantic keeps one per instance
    (728 bytes, a third of a scorecard's memory); copies and updates still make their own."""
    _share(subject)
    for line in subject.decisions:
        _share(line)
    nodes = [subject.card]
    while nodes:
        node = nodes.pop()
        _share(node)
        for line in node.lines:
            _share(line)
        nodes += node.children
    return subject


def _share(model: Any) -> None:
    fields = frozenset(model.__pydantic_fields_set__)
    shared = _FIELD_SETS.get(fields)
    if shared is None:
        shared = _FIELD_SETS[fields] = set(fields)
    object.__setattr__(model, "__pydantic_fields_set__", shared)


def members_by_group(period: PeriodInput) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for subject_id, subject in period.subjects.items():
        out.setdefault(subject.get("group", "all"), []).append(subject_id)
    return out


def groups_of(period: PeriodInput, facts: Iterable[dict[str, Any]]) -> set[str]:
    """The groups whose results facts can change: those of the subjects they (or their targets) name."""
    named: set[str] = set().union(*(named_subjects(period.facts, f) for f in facts))
    return {period.subjects[s].get("group", "all") for s in named if s in period.subjects}


def _indexed(period: PeriodInput) -> bool:
    """Every counted fact concerns a registered subject, and no rank is awarded twice."""
    if period.unnamed or not period.by_subject.keys() <= period.subjects.keys():
        return False
    ranks = Counter((f.get("item"), f.get("period"), f.get("rank")) for f in map(period.facts.get, period.ranked) if f)
    return all(n == 1 for n in ranks.values())
