"""What the fast replay of one period needs, worked out in the first pass: or why it cannot vouch.

The fast path scores a period group by group from each subject's own stream, admitted on its own
(domain/scoring/fast/admit.py). That gives the reference's results when the period's facts keep to
what the ledger writes: each subject's facts in its own stream with ids that say so (a retraction or
correction beside its target), facts naming several subjects or a rank in the joint stream, one
scheme binding, each subject registered once, at most one closing, no fact before its stream was
opened, every stream of the period a registered subject's or the joint one, subjects as the ledger
stores them. Anything else raises `Unsure`, and the caller replays with the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ScoreledgerError
from domain.ledger.ids import joint_id, ledger_name
from domain.scheme.model import Scheme
from domain.scoring.validate import allowed_periods
from projections.fast.index import LogIndex, Placed
from projections.fast.reading import Reader
from projections.groups import members_by_group
from projections.period_input import PeriodInput
from projections.schemes import scheme_for

_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class Unsure(Exception):  # noqa: N818 - not an error: the fast path's "not mine", caught and logged
    """Raised when the fast path cannot vouch for a period's results: the reference replays it.

    Never reaches a person: callers catch it, note the reason in the log for the operator and replay
    with the reference (which names any problem in the users' words)."""


#: Why the fast path leaves a period to the reference (logged for the operator, never shown to users).
JOINT_SET_ASIDE = "a joint fact that would be set aside"
OUTSIDE_STREAM = "a fact outside the stream its id names"
JOINT_UNTYPED = "a joint fact the fast reading cannot type"
JOINT_UNNAMED = "a joint fact naming no subject"
SEVERAL = "several scheme bindings, registrations or closings"
ACROSS_GROUPS = "grades ranked over the whole period"
NO_STREAM = "a fact before its stream was opened, or in no fact stream"
STRANGE_STREAM = "a stream of the period that is no registered subject's"
SUBJECT_SHAPE = "a subject of another shape"
NOT_A_RECORDER = "not a library recorder the fast path reads"
NOT_IN_LOG = "period not in the log"
NO_SCHEME = "the period's scheme cannot be had"
NOT_VOUCHED = "a stored fact the fast admission does not vouch for"


@dataclass
class PeriodPlan:
    """One period's fast replay: its scheme, subjects and streams, and the groups to score."""

    key: str
    period: PeriodInput
    scheme: Scheme
    reader: Reader
    upto: int
    streams: dict[str, Placed]  # subject -> its stream's rows
    registered: dict[str, int]  # subject -> position of its registration
    periods: set[str]
    members: dict[str, list[str]]
    joint: Placed | None = None
    joint_name: str = ""
    extra: dict[str, list[Any]] = field(default_factory=dict)  # subject -> admitted joint facts naming it
    explained: bool = True  # False: the results' summaries (domain/scoring/summary.py)
    fold: Any = None  # the first pass's LogFold (every event but the facts)
    names: dict[str, str] = field(default_factory=dict)  # subject -> its fact stream's id (UUID text)

    def kind_of(self, subject: str, position: int) -> str | None:
        """A subject's kind as admission sees it at a position (None: not registered before it)."""
        at = self.registered.get(subject)
        return self.period.subjects[subject].get("kind") if at is not None and at < position else None


def plan_period(index: LogIndex, key: str, reader: Reader, upto: int) -> PeriodPlan:
    """The plan of a period folded in the index, or Unsure."""
    period = index.fold.periods[key]
    if len(period.bindings) != 1 or key in index.twice or index.closings.get(key, 0) > 1:
        raise Unsure(SEVERAL)
    try:
        scheme = scheme_for(index.fold, period.scheme_hash)
    except ScoreledgerError as exc:
        raise Unsure(NO_SCHEME, str(exc)) from None
    if scheme.grades_across_groups:
        raise Unsure(ACROSS_GROUPS)
    for subject in period.subjects.values():
        _plain_subject(subject)
    names = {ledger_name(period.code, s, period.bureau): s for s in period.subjects}
    joint_name = str(joint_id(period.code, period.bureau))
    streams: dict[str, Placed] = {}
    joint = None
    for name, placed in index.streams.items():
        if index.fold.streams.get(name) != key:
            continue
        opened = index.opened.get(name)
        if opened is None or placed.runs[0][0] < opened:
            raise Unsure(NO_STREAM)
        if name == joint_name:
            joint = placed
        elif name in names:
            streams[names[name]] = placed
        else:
            raise Unsure(STRANGE_STREAM)
    registered = index.registered.get(key, {})
    plan = PeriodPlan(key, period, scheme, reader, upto, streams, registered,
                      allowed_periods(scheme, period.code), members_by_group(period), joint, joint_name)
    plan.fold = index.fold
    plan.names = {s: name for name, s in names.items()}
    return plan


def _plain_subject(subject: Any) -> None:
    """A subject as the ledger stores it (Subject.model_dump): else the reference reads it."""
    if type(subject) is not dict or not subject.keys() <= {"id", "name", "group", "kind", "unit"}:
        raise Unsure(SUBJECT_SHAPE)
    for name in ("id", "group", "kind", "unit"):
        value = subject.get(name)
        checked = name in ("id", "kind") or (name == "group" and name in subject) or value is not None
        if checked and (type(value) is not str or not _CODE.fullmatch(value)):
            raise Unsure(SUBJECT_SHAPE)
    name = subject.get("name")
    if type(name) is not str or not 1 <= len(name) <= 500:
        raise Unsure(SUBJECT_SHAPE)
