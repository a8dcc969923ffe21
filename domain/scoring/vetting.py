"""Admission: facts taken one at a time, in the order they were recorded, each checked against the
scheme, the registered subjects and the facts admitted before it.

One set of rules for three callers: a batch file is checked with it (check_facts), a command
checks its new facts after the stored ones of the streams it touches, and the projections admit
the stored facts of a period in log order, setting aside (never applying) one that does not fit:
so scoring only ever sees facts it can apply, and a fact that once slipped in never stops it.

Liveness follows standings (domain/scoring/standing.py): a retraction removes its target; a
correction replaces its target until the correction is itself retracted; an exemption sets a
deduction aside until the exemption is retracted. A fact is *live* while nothing has retracted
or replaced it. Only a live fact may be corrected, exempted or retracted, so every fact has at
most one live successor, and the live ratings and rank awards stay unique (R3, B4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from itertools import islice
from typing import Any

from domain.facts import (
    AffirmationDecision,
    Attributed,
    Bonus,
    ConditionMet,
    Deduction,
    Exemption,
    Fact,
    Rating,
    Retraction,
    VetoDecision,
)
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scoring.applicability import applicable_ids
from domain.scoring.fields import bonus_fields, deduction_fields

Finding = tuple[str, str]  # (field, message)
# Vetting.mark: how many facts were admitted, then copies of the refused ids, removed facts, exemptions, raters, ranks
_Listed = dict[tuple[str, str, str], str]
Mark = tuple[int, set[str], dict[str, str], dict[str, str], _Listed, _Listed]
Kinds = Callable[[str], "str | None"]  # subject id -> its kind, None when not registered


class Vetting:
    """The facts admitted so far in a period, and what each new one must fit."""

    def __init__(
        self, scheme: Scheme, kind_of: Kinds, periods: set[str], facts: MutableMapping[str, Fact] | None = None
    ):
        """`facts` holds the admitted facts by id (a dict by default; the projections pass a view of the
        facts they keep, so nothing is held twice)."""
        self.scheme, self.kind_of, self.periods = scheme, kind_of, periods
        self.facts: MutableMapping[str, Fact] = {} if facts is None else facts
        self.refused: set[str] = set()
        self.gone: dict[str, str] = {}  # fact id -> the live retraction or correction that removed it
        self.exempted: dict[str, str] = {}  # deduction id -> its live exemption
        self.raters: dict[tuple[str, str, str], str] = {}  # (item, subject, rater) -> the live rating (R3)
        self.ranks: dict[tuple[str, str, str], str] = {}  # (item, period, rank) -> the live award (B4)
        self._applicable: dict[str, set[str]] = {}

    def copy(self) -> Vetting:
        """Another vetting in this state that admits further facts without changing this one (a command
        checks its batch on a copy of the stored facts' vetting, which is kept for the next command)."""
        twin = Vetting(self.scheme, self.kind_of, self.periods, dict(self.facts))
        twin.refused, twin.gone, twin.exempted = set(self.refused), dict(self.gone), dict(self.exempted)
        twin.raters, twin.ranks, twin._applicable = dict(self.raters), dict(self.ranks), self._applicable
        return twin

    def mark(self) -> Mark:
        """What `undo` needs to take back every fact admitted after this point: a command checks its batch on
        the kept vetting of the stored facts and takes the batch back after, instead of checking it on a copy
        (issue 12: the copy of every admitted fact was O(stream) per command). Admitted facts are only ever
        added (an id admitted again is refused), so they are taken back by count; the other tables (refused
        ids, removed facts, exemptions, live ratings and rank awards: a few entries each) are copied."""
        return (len(self.facts), set(self.refused), dict(self.gone), dict(self.exempted), dict(self.raters),
                dict(self.ranks))

    def undo(self, mark: Mark) -> None:
        """Back to the state `mark` was taken in (`facts` must be a dict: it keeps the order facts were added)."""
        count, self.refused, self.gone, self.exempted, self.raters, self.ranks = mark
        for fact_id in list(islice(reversed(self.facts), len(self.facts) - count)):  # type: ignore[call-overload]
            del self.facts[fact_id]

    def admit(self, fact: Fact) -> list[Finding]:
        """Admit the fact when it fits; otherwise its findings, and nothing changes."""
        findings = self.findings(fact)
        if findings:
            self.refused.add(fact.id)
            return findings
        self._apply(fact)
        return []

    def findings(self, fact: Fact) -> list[Finding]:
        """Why the fact cannot be admitted now (empty: it can)."""
        out: list[Finding] = []
        if fact.id in self.facts:
            out.append(("id", f"fact id {fact.id!r} is used more than once"))
        if fact.period not in self.periods:
            out.append(("period", f"period {fact.period} is not part of {sorted(self.periods)}"))
        if isinstance(fact, Attributed):
            out += self._attributed(fact)
        elif isinstance(fact, Rating):
            out += self._rating(fact)
        elif isinstance(fact, VetoDecision):
            out += self._decision("veto", fact.veto, self.scheme.vetoes_by_id, fact.subject)
        elif isinstance(fact, AffirmationDecision):
            out += self._decision("affirmation", fact.affirmation, self.scheme.affirmations_by_id, fact.subject)
        elif isinstance(fact, ConditionMet):
            out += self._decision("condition", fact.condition, {c.id: c for c in self.scheme.conditions}, fact.subject)
        elif isinstance(fact, Exemption):
            out += self._exemption(fact)
        elif isinstance(fact, Retraction):
            out += self._retraction(fact)
        return out

    # -- what each kind of fact must fit ------------------------------------------------------------

    def _subject(self, subject_id: str, item_id: str | None = None) -> list[Finding]:
        kind = self.kind_of(subject_id)
        if kind is None:
            return [("subject", f"unknown subject {subject_id!r}")]
        if item_id is not None and item_id not in self._applies(kind):
            return [("item", f"item {item_id!r} does not apply to subjects of kind {kind!r}")]
        return []

    def _applies(self, kind: str) -> set[str]:
        if kind not in self._applicable:
            self._applicable[kind] = applicable_ids(self.scheme, kind)
        return self._applicable[kind]

    def _decision(self, what: str, code: str, known: Mapping[str, object], subject: str) -> list[Finding]:
        out = [] if code in known else [(what, f"unknown {what} {code!r}; the scheme has {sorted(known) or 'none'}")]
        return out + self._subject(subject)

    def _attributed(self, fact: Deduction | Bonus) -> list[Finding]:
        item = self.scheme.items.get(fact.item)
        wanted = DeductionItem if isinstance(fact, Deduction) else BonusItem
        if item is None or not isinstance(item, wanted):
            return [("item", f"unknown {fact.type} item {fact.item!r}")]
        if any(p is not None and p.unit is not None for p in fact.targets()):
            return [("parties", "a unit party stands for its members: it is expanded when recorded (D11)")]
        out: list[Finding] = []
        for party in fact.targets():
            out += self._subject((party.subject if party else fact.subject) or "", fact.item)
        if isinstance(fact, Deduction) and isinstance(item, DeductionItem):
            out += deduction_fields(item, fact)
        elif isinstance(fact, Bonus) and isinstance(item, BonusItem):
            out += bonus_fields(self.scheme, item, fact)
        if fact.corrects is not None:
            out += self._correction(fact, fact.corrects)
        if isinstance(fact, Bonus) and fact.rank is not None:
            out += self._rank_free(fact)
        return out

    def _rating(self, fact: Rating) -> list[Finding]:
        item = self.scheme.items.get(fact.item)
        if not isinstance(item, RatingItem):
            return [("item", f"unknown rating item {fact.item!r}")]
        out = self._subject(fact.subject, fact.item)
        if fact.role not in item.rating.roles:
            out.append(("role", f"role {fact.role!r} does not rate {fact.item}; roles: {sorted(item.rating.roles)}"))
        if fact.value > item.rating.scale:
            out.append(("value", f"rating {fact.value} is above the scale {item.rating.scale}"))
        if fact.corrects is not None:
            out += self._correction(fact, fact.corrects)
        else:
            live = self.raters.get((fact.item, fact.subject, fact.rater))
            if live is not None:
                out.append(("rater", f"{fact.rater} already rated {fact.subject} on {fact.item}; record a correction"))
        return out

    def _exemption(self, fact: Exemption) -> list[Finding]:
        out = self._live_target(fact.target, Deduction, "exempted")
        if fact.ground not in self.scheme.exemption_grounds:
            grounds = sorted(self.scheme.exemption_grounds) or "none"
            out.append(("ground", f"unknown exemption ground {fact.ground!r}; grounds: {grounds}"))
        target = self.facts.get(fact.target)
        item = self.scheme.items.get(target.item) if isinstance(target, Deduction) else None
        if isinstance(item, DeductionItem) and not item.exemptible:
            out.append(("target", f"item {item.id} allows no exemption"))
        if not out and fact.target in self.exempted:
            out.append(("target", f"deduction {fact.target!r} is already exempted ({self.exempted[fact.target]})"))
        return out

    def _retraction(self, fact: Retraction) -> list[Finding]:
        out = self._live_target(fact.target, None, "retracted")
        target = self.facts.get(fact.target)
        if not out and isinstance(target, (Deduction, Bonus, Rating)) and target.corrects:
            out += self._revival(target)
        return out

    def _correction(self, fact: Deduction | Bonus | Rating, target_id: str) -> list[Finding]:
        out = [("corrects", m) for _, m in self._live_target(target_id, type(fact), "corrected")]
        target = self.facts.get(target_id)
        if out or target is None:
            return out
        if target_id in self.exempted:
            return [("corrects", f"deduction {target_id!r} is exempted ({self.exempted[target_id]}); "
                                 "retract the exemption first")]
        return [("corrects", m) for m in _kept(target, fact) + _rank_kept(target, fact)]

    def _live_target(self, target_id: str, wanted: type | None, done: str) -> list[Finding]:
        target = self.facts.get(target_id)
        if target is None:
            refused = " (it was refused)" if target_id in self.refused else ""
            return [("target", f"names fact {target_id!r}, which is not recorded{refused}")]
        if isinstance(target, Retraction):
            return [("target", "a retraction cannot be retracted or corrected; record the fact again")]
        if wanted is not None and not isinstance(target, wanted):
            return [("target", f"fact {target_id!r} is a {target.type}, not a {wanted.__name__.lower()}")]
        by = self.gone.get(target_id)
        if by is not None:
            how = "retracted" if isinstance(self.facts[by], Retraction) else "replaced by a correction"
            return [("target", f"fact {target_id!r} was already {how} ({by}): it cannot be {done}; "
                               f"name the fact that counts now")]
        return []

    def _rank_free(self, fact: Bonus) -> list[Finding]:
        holder = self.ranks.get((fact.item, fact.period, str(fact.rank)))
        if holder is not None and holder != fact.corrects:
            return [("rank", f"rank {fact.rank} of item {fact.item} is awarded twice in {fact.period} (B4)")]
        return []

    def _revival(self, correction: Deduction | Bonus | Rating) -> list[Finding]:
        """Retracting a correction brings back the fact it replaced: that fact must still fit (B4)."""
        earlier = self.facts[correction.corrects or ""]
        if isinstance(earlier, Bonus) and earlier.rank is not None:
            holder = self.ranks.get((earlier.item, earlier.period, str(earlier.rank)))
            if holder is not None and holder != correction.id:
                return [("target", f"retracting {correction.id} would bring back {earlier.id}, whose rank "
                                   f"{earlier.rank} of item {earlier.item} is now awarded to {holder} (B4)")]
        return []

    # -- recording an admitted fact -----------------------------------------------------------------

    def _apply(self, fact: Fact) -> None:
        self.facts[fact.id] = fact
        if isinstance(fact, Retraction):
            self._retract(fact.target, fact.id)
        elif isinstance(fact, Exemption):
            self.exempted[fact.target] = fact.id
        elif isinstance(fact, (Deduction, Bonus, Rating)):
            if fact.corrects is not None:
                self._unlist(self.facts[fact.corrects])
                self.gone[fact.corrects] = fact.id
            self._list(fact)

    def _retract(self, target_id: str, by: str) -> None:
        target = self.facts[target_id]
        self.gone[target_id] = by
        if isinstance(target, Exemption):
            self.exempted.pop(target.target, None)
        elif isinstance(target, (Deduction, Bonus, Rating)):
            self._unlist(target)
            if target.corrects is not None:  # the fact it replaced counts again
                self.gone.pop(target.corrects, None)
                self._list(self.facts[target.corrects])

    def _list(self, fact: Fact) -> None:
        if isinstance(fact, Rating):
            self.raters[(fact.item, fact.subject, fact.rater)] = fact.id
        elif isinstance(fact, Bonus) and fact.rank is not None:
            self.ranks[(fact.item, fact.period, str(fact.rank))] = fact.id

    def _unlist(self, fact: Fact) -> None:
        if isinstance(fact, Rating):
            key = (fact.item, fact.subject, fact.rater)
            if self.raters.get(key) == fact.id:
                del self.raters[key]
        elif isinstance(fact, Bonus) and fact.rank is not None:
            key = (fact.item, fact.period, str(fact.rank))
            if self.ranks.get(key) == fact.id:
                del self.ranks[key]


def _kept(target: Fact, fact: Deduction | Bonus | Rating) -> list[str]:
    """A correction keeps whom and what its target concerns: it corrects the finding, never moves it."""
    out = []
    if _parties(target) != _parties(fact):
        out.append(
            f"a correction keeps the subject and parties of the fact it corrects ({_who(target)}), not {_who(fact)}"
        )
    if isinstance(target, Rating) and isinstance(fact, Rating):
        for name in ("item", "rater", "role"):
            if getattr(target, name) != getattr(fact, name):
                out.append(f"a correction of a rating keeps its {name} ({getattr(target, name)!r})")
    return out


def _rank_kept(target: Fact, fact: Deduction | Bonus | Rating) -> list[str]:
    """A correction keeps whether its target is a rank award (B4): rank awards live in the period's joint
    stream, where one award per rank is checked across subjects, and a correction is stored beside its
    target. Gaining or losing a rank would move an award out of that check (security review F1a)."""
    ranked, ranks = getattr(target, "rank", None) is not None, getattr(fact, "rank", None) is not None
    if ranked and not ranks:
        return [f"a correction of a rank award keeps a rank (B4); to withdraw the award, retract {target.id}"]
    if ranks and not ranked:
        return [f"a correction cannot make {target.id} a rank award (B4): retract it and record the award"]
    return []


def _parties(fact: Any) -> tuple[tuple[str, str], ...]:
    parties = getattr(fact, "parties", None)
    if parties:
        return tuple(sorted((p.subject or "", p.role) for p in parties))
    return ((str(fact.subject), ""),)


def _who(fact: Any) -> str:
    return ", ".join(f"{s}:{r}" if r else s for s, r in _parties(fact))
