"""Admission of one subject's stream, fact by fact in log order, for the fast path.

The rules of domain/scoring/vetting.py for the facts a subject's stream holds (its deductions, bonuses,
ratings, decisions, exemptions and retractions, every one naming only that subject): a fact this
admits, Vetting admits too, and the state kept (live facts, who replaced what, exemptions, one live
rating per rater: R3) is Vetting's. A fact it would refuse, or one it does not judge (a rank award,
a party, a unit), raises `NotAdmitted`: the caller then admits the stream with Vetting itself, which
names the problems. tests/differential/ holds the two to the same decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scoring.applicability import applicable_ids
from domain.scoring.fast.facts import _ID, Typed, number
from domain.scoring.fields import bonus_fields, deduction_fields

Kinds = Callable[[str, int], "str | None"]  # (subject, position) -> its kind then (None: not registered yet)
_AMENDED = ("deduction", "bonus", "rating")


_PLAIN_RATING = frozenset(("id", "type", "item", "subject", "role", "rater", "value", "period", "recorded_by"))
_PLAIN_SIZE = len(_PLAIN_RATING)


class RatingLane:
    """What the rating lane of one subject's stream vouches for: the subject, its registration, the
    rating items that apply to its kind (with their roles and scale)."""

    __slots__ = ("items", "prefix", "registered", "subject")

    def __init__(self, subject: str, registered: int, items: dict[str, tuple[frozenset[str], Any]]):
        self.subject, self.prefix, self.registered, self.items = subject, subject + ":", registered, items

    @staticmethod
    def items_of(scheme: Scheme, kind: str) -> dict[str, tuple[frozenset[str], Any]]:
        """The rating items that apply to a kind, with their roles and scale."""
        applicable = applicable_ids(scheme, kind)
        return {i.id: (frozenset(i.rating.roles), i.rating.scale) for i in scheme.items.values()
                if isinstance(i, RatingItem) and i.id in applicable}


class NotAdmitted(Exception):
    """Raised when the fast admission would refuse a fact, or does not judge facts of its kind."""


class StreamAdmission:
    """The admitted facts of one subject's stream, and what the next one must fit."""

    def __init__(self, scheme: Scheme, periods: set[str], applicable: dict[str, set[str]], kind_of: Kinds,
                 lane: RatingLane | None = None):
        self.scheme, self.periods, self.applicable, self.kind_of = scheme, periods, applicable, kind_of
        self.position = 0
        self.lane = lane
        self.facts: dict[str, Typed] = {}
        self.gone: dict[str, str] = {}
        self.exempted: dict[str, str] = {}
        self.raters: dict[tuple[str, str, str], str] = {}

    def rating(self, raw: dict[str, Any], position: int) -> Typed | None:
        """A rating of the plain shape typed and admitted at once (the bulk of a province's facts): the
        typing of domain/scoring/fast/facts.py and the checks of `_rating` with everything the lane
        vouches for (the item is a rating item that applies to the stream's subject, registered before
        this position; the role is the item's; the period is allowed) looked up rather than matched.
        None (nothing changed) when the fact is not one the lane takes: `typed` and `admit` decide it.
        `raw` must be the caller's own (freshly decoded): the typed fact takes it over."""
        lane = self.lane
        # Exactly the nine keys of _PLAIN_RATING: nine of them, and each read below (with `get`: a key that is
        # not there reads None, which no check lets through) must hold a value that passes. Counted rather
        # than compared as sets (issue 12: the set comparison cost ~3,100 instructions a rating in the
        # import's lane, `len` ~870; callgrind, 20,000 iterations).
        get = raw.get
        if lane is None or len(raw) != _PLAIN_SIZE or position <= lane.registered or get("type") != "rating":
            return None
        found = lane.items.get(get("item"))
        fact_id, rater, recorded_by = get("id"), get("rater"), get("recorded_by")
        if (found is None or get("subject") != lane.subject or get("role") not in found[0]
                or get("period") not in self.periods or fact_id in self.facts):
            return None
        if (type(fact_id) is not str or not fact_id.startswith(lane.prefix) or _ID.fullmatch(fact_id) is None
                or type(rater) is not str or not 0 < len(rater) <= 500
                or type(recorded_by) is not str or not 0 < len(recorded_by) <= 500):
            return None
        key = (raw["item"], lane.subject, rater)
        if key in self.raters:
            return None
        value = number(get("value"))
        if value is None or value > found[1]:
            return None
        fact = Typed()
        fact.__dict__ = raw  # the caller's own decoded copy: typed in place (its value read as a Decimal)
        raw["value"] = value
        self.facts[fact_id] = fact
        self.raters[key] = fact_id
        return fact

    def admit(self, fact: Typed, position: int) -> None:
        """Admit the fact stored at a position (recording it), or raise NotAdmitted and change nothing."""
        if fact.id in self.facts or fact.period not in self.periods:
            raise NotAdmitted
        self.position = position
        _CHECKS[fact.type](self, fact)
        self._apply(fact)

    # -- what each kind of fact must fit ------------------------------------------------------------

    def _subject(self, subject: str, item: str | None) -> None:
        kind = self.kind_of(subject, self.position)
        if kind is None:
            raise NotAdmitted
        if item is not None:
            found = self.applicable.get(kind)
            if found is None:
                found = self.applicable[kind] = applicable_ids(self.scheme, kind)
            if item not in found:
                raise NotAdmitted

    def _rating(self, fact: Typed) -> None:
        item = self.scheme.items.get(fact.item)
        if not isinstance(item, RatingItem):
            raise NotAdmitted
        self._subject(fact.subject, fact.item)
        if fact.role not in item.rating.roles or fact.value > item.rating.scale:
            raise NotAdmitted
        if fact.corrects is not None:
            self._correction(fact)
        elif (fact.item, fact.subject, fact.rater) in self.raters:
            raise NotAdmitted

    def _attributed(self, fact: Typed) -> None:
        if fact.parties is not None or fact.rank is not None:
            raise NotAdmitted  # joint facts and rank awards: the joint stream's, admitted by Vetting
        item = self.scheme.items.get(fact.item)
        if not isinstance(item, DeductionItem if fact.type == "deduction" else BonusItem):
            raise NotAdmitted
        self._subject(fact.subject, fact.item)
        found = deduction_fields(item, fact) if fact.type == "deduction" else bonus_fields(self.scheme, item, fact)  # type: ignore[arg-type]
        if found:
            raise NotAdmitted
        if fact.corrects is not None:
            self._correction(fact)

    def _decision(self, fact: Typed) -> None:
        scheme = self.scheme
        if fact.type == "veto":
            known: Any = scheme.vetoes_by_id
            code = fact.veto
        elif fact.type == "affirmation":
            known, code = scheme.affirmations_by_id, fact.affirmation
        else:
            known, code = {c.id for c in scheme.conditions}, fact.condition
        if code not in known:
            raise NotAdmitted
        self._subject(fact.subject, None)

    def _exemption(self, fact: Typed) -> None:
        target = self._live_target(fact.target, "deduction")
        item = self.scheme.items.get(target.item)
        if fact.ground not in self.scheme.exemption_grounds or fact.target in self.exempted:
            raise NotAdmitted
        if isinstance(item, DeductionItem) and not item.exemptible:
            raise NotAdmitted

    def _retraction(self, fact: Typed) -> None:
        target = self._live_target(fact.target, None)
        earlier = self.facts.get(target.corrects) if target.type in _AMENDED and target.corrects else None
        if earlier is not None and earlier.rank is not None:
            raise NotAdmitted  # the revival of a rank award (B4): Vetting's to judge

    def _correction(self, fact: Typed) -> None:
        target = self._live_target(fact.corrects, fact.type)
        if fact.corrects in self.exempted or _parties(target) != _parties(fact):
            raise NotAdmitted
        if fact.type == "rating" and (target.item, target.rater, target.role) != (fact.item, fact.rater, fact.role):
            raise NotAdmitted

    def _live_target(self, target_id: str, wanted: str | None) -> Typed:
        target = self.facts.get(target_id)
        if target is None or target.type == "retraction" or target_id in self.gone:
            raise NotAdmitted
        if wanted is not None and target.type != wanted:
            raise NotAdmitted
        return target

    # -- recording an admitted fact (Vetting._apply) ------------------------------------------------

    def _apply(self, fact: Typed) -> None:
        self.facts[fact.id] = fact
        kind = fact.type
        if kind == "retraction":
            self._retract(fact.target, fact.id)
        elif kind == "exemption":
            self.exempted[fact.target] = fact.id
        elif kind in _AMENDED:
            if fact.corrects is not None:
                self._unlist(self.facts[fact.corrects])
                self.gone[fact.corrects] = fact.id
            self._list(fact)

    def _retract(self, target_id: str, by: str) -> None:
        target = self.facts[target_id]
        self.gone[target_id] = by
        if target.type == "exemption":
            self.exempted.pop(target.target, None)
        elif target.type in _AMENDED:
            self._unlist(target)
            if target.corrects is not None:
                self.gone.pop(target.corrects, None)
                self._list(self.facts[target.corrects])

    def _list(self, fact: Typed) -> None:
        if fact.type == "rating":
            self.raters[(fact.item, fact.subject, fact.rater)] = fact.id

    def _unlist(self, fact: Typed) -> None:
        if fact.type == "rating":
            key = (fact.item, fact.subject, fact.rater)
            if self.raters.get(key) == fact.id:
                del self.raters[key]


def _parties(fact: Typed) -> tuple[tuple[str, str], ...]:
    if fact.parties:
        return tuple(sorted((p.subject or "", p.role) for p in fact.parties))
    return ((str(fact.subject), ""),)


_CHECKS: dict[str, Callable[[StreamAdmission, Typed], None]] = {
    "rating": StreamAdmission._rating,
    "deduction": StreamAdmission._attributed,
    "bonus": StreamAdmission._attributed,
    "veto": StreamAdmission._decision,
    "affirmation": StreamAdmission._decision,
    "condition": StreamAdmission._decision,
    "exemption": StreamAdmission._exemption,
    "retraction": StreamAdmission._retraction,
}
