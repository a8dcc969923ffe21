"""Fold the log into each period's engine input: scheme binding, subjects, facts, seals, appeals.

A fact counts for a period when it was appended while the period was open, or when an
upheld appeal recorded it as a correction. A fact that reached the log after the period
closed (a race with closing) is kept aside as `late` and never counts. A fact that does not
fit the scheme, the subjects or the facts before it is set aside (projections/admission.py).
An event that cannot be read at all is listed in `unreadable`; folding goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from projections.admission import admit, readmit, stored_facts
from projections.fact_index import index_fact
from projections.records import Record

PERIOD_TOPICS = {
    "scoreledger:Period.Opened",
    "scoreledger:Period.SchemeBound",
    "scoreledger:Period.SubjectRegistered",
    "scoreledger:Period.Closed",
    "scoreledger:Period.Published",
}
FACT_TOPICS = {
    "scoreledger:DeductionRecorded",
    "scoreledger:BonusRecorded",
    "scoreledger:RatingRecorded",
    "scoreledger:VetoRecorded",
    "scoreledger:AffirmationRecorded",
    "scoreledger:ConditionRecorded",
    "scoreledger:ExemptionGranted",
    "scoreledger:FactRetracted",
}


@dataclass
class PeriodInput:
    """Everything the pure engine needs to score one period, with where each part came from."""

    code: str
    bureau: str
    scheme: str
    bindings: list[tuple[int, int, str]]  # (position, scheme version, content hash)
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    by_subject: dict[str, list[str]] = field(default_factory=dict)  # subject -> the counted facts concerning it
    unnamed: list[str] = field(default_factory=list)  # counted facts that concern no subject (refused when scored)
    ranked: list[str] = field(default_factory=list)  # counted facts that carry a rank (B4)
    late: list[str] = field(default_factory=list)
    closed_at: int | None = None
    seals: list[dict[str, Any]] = field(default_factory=list)
    published_on: str | None = None
    version: int = 0
    members: dict[str, list[str]] | None = None  # group -> subjects, kept by projections.groups.members_by_group
    stale: set[str] = field(default_factory=set)  # groups whose results the events since the last write changed
    stale_all: bool = True  # every group (and the period's heading) must be scored again
    set_aside: dict[int, dict[str, Any]] = field(default_factory=dict)  # position -> fact, problems, raw
    vetting: Any = None  # admission of the facts under the scheme hash `vetting_hash` (projections/admission)
    vetting_hash: str | None = None

    def reset_facts(self) -> None:
        """Forget every counted and set-aside fact (they are admitted again under another scheme)."""
        self.facts, self.positions, self.by_subject, self.set_aside = {}, {}, {}, {}
        self.unnamed, self.ranked = [], []
        self.vetting = self.vetting_hash = None
        self.stale_all = True

    def mark(self, subjects: set[str]) -> None:
        """The results of these subjects' groups may have changed (every group's, for an unknown subject)."""
        known = self.subjects
        for subject in subjects:
            found = known.get(subject)
            if found is None:
                self.stale_all = True
            else:
                self.stale.add(found.get("group", "all"))
        if not subjects:
            self.stale_all = True

    def take_stale(self) -> set[str] | None:
        """The groups to score again (None: all of them), forgetting them."""
        stale = None if self.stale_all else self.stale
        self.stale, self.stale_all = set(), False
        return stale

    @property
    def scheme_version(self) -> int:
        return self.bindings[-1][1]

    @property
    def scheme_hash(self) -> str:
        return self.bindings[-1][2]


@dataclass
class LogFold:
    """Periods, fact streams and scheme documents, folded from the log in order."""

    periods: dict[str, PeriodInput] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)  # fact stream id -> period key
    schemes: dict[str, dict[str, Any]] = field(default_factory=dict)  # content hash -> document
    appeals: dict[str, dict[str, Any]] = field(default_factory=dict)
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)  # position, topic, why
    position: int = 0

    def apply(self, record: Record) -> str | None:
        """Fold one record; returns the key of the period it touched, if any. An event that cannot be
        read (a hand edit, a damaged restore) is listed in `unreadable` and skipped."""
        self.position = record.position
        try:
            return self._apply(record)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            self.unreadable.append((record.position, record.topic, f"{type(exc).__name__}: {exc}"))
            return None

    def _apply(self, record: Record) -> str | None:
        topic, state = record.topic, record.state
        if topic in PERIOD_TOPICS:
            return self._period(record)
        if topic == "scoreledger:FactLedger.Opened":
            self.streams[record.stream] = key_of(state["bureau"], state["period"])
            return None
        if topic in FACT_TOPICS:
            return self._fact(record)
        if topic == "scoreledger:SchemeBook.VersionRegistered":
            self.schemes[state["content_hash"]] = state["document"]
        elif topic.startswith("scoreledger:Appeal."):
            return self._appeal(record)
        return None

    def _period(self, record: Record) -> str:
        state, topic = record.state, record.topic
        if topic == "scoreledger:Period.Opened":
            key = key_of(state.get("bureau", "default"), state["code"])
            self.streams[record.stream] = key
            self.periods[key] = PeriodInput(
                state["code"],
                state.get("bureau", "default"),
                state["scheme"],
                [(record.position, state["scheme_version"], state["scheme_hash"])],
            )
        key = self.streams[record.stream]
        period = self.periods[key]
        period.version = record.version
        if topic == "scoreledger:Period.SchemeBound":
            period.bindings.append((record.position, state["scheme_version"], state["scheme_hash"]))
            readmit(self, period, _count)
            period.stale_all = True
        elif topic == "scoreledger:Period.SubjectRegistered":
            subject = _registered(state["subject"], period.subjects)
            period.subjects[subject["id"]] = subject
            if period.members is not None:
                period.members.setdefault(subject.get("group", "all"), []).append(subject["id"])
            period.mark({subject["id"]})
        elif topic == "scoreledger:Period.Closed":
            period.closed_at = record.position
        elif topic == "scoreledger:Period.Published":
            seal = state["seal"]
            if seal["period"] != period.code:  # a publication moved from another period's stream
                raise ValueError(f"the seal is of period {seal['period']}, not {period.code}")
            date.fromisoformat(state["published_on"])
            period.seals.append({**seal, "published_at": record.position})
            period.published_on = state["published_on"]
        return key

    def _fact(self, record: Record) -> str:
        key = self.streams[record.stream]
        period, fact = self.periods[key], record.state["fact"]
        if period.closed_at is not None and record.position > period.closed_at and not record.state.get("appeal"):
            period.late.append(fact["id"])
            return key
        if admit(self, period, record.position, fact):
            _count(period, record.position, fact)
        return key

    def _appeal(self, record: Record) -> str | None:
        state = record.state
        if record.topic == "scoreledger:Appeal.Filed":
            missing = [k for k in _APPEAL_FIELDS if not isinstance(state.get(k), str)]
            if missing or not isinstance(state.get("contested"), list):
                raise ValueError(f"an appeal without {', '.join(missing) or 'its contested facts'}")
            self.appeals[record.stream] = {**state, "status": "filed", "filed_at": record.position, "history": []}
        appeal = self.appeals.get(record.stream)
        if appeal is None:
            return None
        name = record.topic.rsplit(".", 1)[1].lower()
        appeal["history"].append(
            {
                "event": name,
                "position": record.position,
                "actor": state.get("actor"),
                **{
                    k: v
                    for k, v in state.items()
                    if k in ("decided_on", "accepted_on", "decide_by", "corrections", "reasons")
                },
            }
        )
        if name != "filed":
            appeal["status"] = name
        return key_of(appeal["bureau"], appeal["period"])


_APPEAL_FIELDS = ("appeal", "period", "bureau", "subject", "reasons", "filed_on", "deadline")


def _registered(subject: Any, known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A registered subject as scoring needs it (an id, a name and a kind, a group if any), once; else a ValueError
    (the event is listed as unreadable and skipped)."""
    if not isinstance(subject, dict) or not all(isinstance(subject.get(k), str) for k in ("id", "name", "kind")):
        raise ValueError("a subject needs an id, a name and a kind")
    if not isinstance(subject.get("group", "all"), str):
        raise ValueError(f"subject {subject['id']}: its group is not a code")
    if subject["id"] in known:
        raise ValueError(f"subject {subject['id']} is registered twice")
    return subject


def rolled_up(fold: LogFold, code: str, inputs: list[PeriodInput]) -> PeriodInput:
    """One period made of several (C4: a year and its parts, the year first): the year's scheme binding, every
    subject (the year's registration wins), and every stored fact admitted again in log order as folding
    admits it (projections/admission.py), so what does not fit the whole is set aside and named, never counted."""
    own = inputs[0]
    whole = PeriodInput(code, own.bureau, own.scheme, list(own.bindings))
    for period in reversed(inputs):
        whole.subjects.update(period.subjects)
    for position, fact in sorted((s for period in inputs for s in stored_facts(period)), key=lambda s: s[0]):
        if admit(fold, whole, position, fact):
            _count(whole, position, fact)
    return whole


def _count(period: PeriodInput, position: int, fact: dict[str, Any]) -> None:
    """An admitted fact counts: kept, indexed under its subjects, their groups marked."""
    period.facts[fact["id"]] = fact
    period.positions[fact["id"]] = position
    period.mark(index_fact(period, fact))


def key_of(bureau: str, period: str) -> str:
    return f"{bureau}/{period}"
