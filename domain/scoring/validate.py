"""Facts checked against the scheme, the period and each other, before any scoring.

Every problem is reported at once, each located by the fact's position (and line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from domain.errors import FactsInvalid, Problem
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
    Subject,
    VetoDecision,
)
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scheme.periods import period_kind, period_parts
from domain.scoring.applicability import applicable_ids


def allowed_periods(scheme: Scheme, period: str) -> set[str]:
    """Fact periods that count for a period: itself, and its parts (C4) when it is a whole."""
    kind = period_kind(period)
    if kind == scheme.period.kind and scheme.period.parts:
        return {period, *period_parts(period, scheme.period.parts)}
    return {period}


def check_period(scheme: Scheme, period: str) -> None:
    """Refuse a period code that is malformed or not of the scheme's kind (or its parts)."""
    kind = period_kind(period)
    if kind is None or kind not in {scheme.period.kind, scheme.period.parts}:
        wanted = scheme.period.kind + (f" or {scheme.period.parts}" if scheme.period.parts else "")
        raise FactsInvalid(f"period {period!r} is not a {wanted} of scheme {scheme.scheme}", [])


def check_facts(
    scheme: Scheme,
    subjects: Sequence[Subject],
    facts: Sequence[Fact],
    period: str,
    lines: Sequence[int] | None = None,
) -> None:
    """Raise FactsInvalid listing every fact that does not fit."""
    check_period(scheme, period)
    checker = _Checker(scheme, subjects, facts, allowed_periods(scheme, period))
    problems = [
        Problem(f"facts[{i}]{'.' + field if field else ''} ({facts[i].id})", msg, lines[i] if lines else None)
        for i, field, msg in checker.run()
    ]
    if problems:
        raise FactsInvalid(f"{len(problems)} problem(s) in the facts for {period}", problems)


class _Checker:
    def __init__(self, scheme: Scheme, subjects: Sequence[Subject], facts: Sequence[Fact], periods: set[str]):
        self.scheme, self.facts, self.periods = scheme, facts, periods
        self.subjects = {s.id: s for s in subjects}
        self.by_id = {f.id: f for f in facts}
        self.out: list[tuple[int, str, str]] = []
        self.applicable: dict[str, set[str]] = {}

    def run(self) -> list[tuple[int, str, str]]:
        for subject_id, n in Counter(s.id for s in self.subjects.values()).items():
            if n > 1:
                self.out.append((0, "subject", f"subject {subject_id!r} is registered twice"))
        unique = len(self.by_id) == len(self.facts)
        dupes = set() if unique else {k for k, n in Counter(f.id for f in self.facts).items() if n > 1}
        for i, fact in enumerate(self.facts):
            if fact.id in dupes:
                self.out.append((i, "id", f"fact id {fact.id!r} is used more than once"))
            if fact.period not in self.periods:
                self.out.append((i, "period", f"period {fact.period} is not part of {sorted(self.periods)}"))
            self._check(i, fact)
        self._check_uniques()
        return self.out

    def _check(self, i: int, fact: Fact) -> None:
        if isinstance(fact, Attributed):
            self._attributed(i, fact)
        elif isinstance(fact, Rating):
            self._rating(i, fact)
        elif isinstance(fact, VetoDecision):
            self._known(i, "veto", fact.veto, self.scheme.vetoes_by_id, fact.subject)
        elif isinstance(fact, AffirmationDecision):
            self._known(i, "affirmation", fact.affirmation, self.scheme.affirmations_by_id, fact.subject)
        elif isinstance(fact, ConditionMet):
            self._known(i, "condition", fact.condition, {c.id: c for c in self.scheme.conditions}, fact.subject)
        elif isinstance(fact, Exemption):
            self._exemption(i, fact)
        elif isinstance(fact, Retraction):
            self._target(i, fact.target, None)

    def _subject(self, i: int, subject_id: str, item_id: str | None = None) -> None:
        subject = self.subjects.get(subject_id)
        if subject is None:
            self.out.append((i, "subject", f"unknown subject {subject_id!r}"))
            return
        node = self.scheme.nodes.get(item_id) if item_id else None
        if node is not None and not self._applies(item_id or "", subject.kind):
            self.out.append((i, "item", f"item {item_id!r} does not apply to subjects of kind {subject.kind!r}"))

    def _applies(self, node_id: str, kind: str) -> bool:
        if kind not in self.applicable:
            self.applicable[kind] = applicable_ids(self.scheme, kind)
        return node_id in self.applicable[kind]

    def _known(self, i: int, what: str, code: str, known: dict[str, object], subject: str) -> None:
        if code not in known:
            self.out.append((i, what, f"unknown {what} {code!r}; the scheme has {sorted(known) or 'none'}"))
        self._subject(i, subject)

    def _attributed(self, i: int, fact: Deduction | Bonus) -> None:
        item = self.scheme.items.get(fact.item)
        wanted = DeductionItem if isinstance(fact, Deduction) else BonusItem
        if item is None or not isinstance(item, wanted):
            kind = "deduction" if wanted is DeductionItem else "bonus"
            self.out.append((i, "item", f"unknown {kind} item {fact.item!r}"))
            return
        if any(p is not None and p.unit is not None for p in fact.targets()):
            self.out.append((i, "parties", "a unit party stands for its members: it is expanded when recorded (D11)"))
            return
        for party in fact.targets():
            self._subject(i, (party.subject if party else fact.subject) or "", fact.item)
        for field, msg in (
            _deduction_fields(item, fact)
            if isinstance(fact, Deduction) and isinstance(item, DeductionItem)
            else _bonus_fields(self.scheme, item, fact)
            if isinstance(item, BonusItem) and isinstance(fact, Bonus)
            else []
        ):
            self.out.append((i, field, msg))
        if fact.corrects is not None:
            self._target(i, fact.corrects, type(fact))

    def _rating(self, i: int, fact: Rating) -> None:
        item = self.scheme.items.get(fact.item)
        if not isinstance(item, RatingItem):
            self.out.append((i, "item", f"unknown rating item {fact.item!r}"))
            return
        self._subject(i, fact.subject, fact.item)
        if fact.role not in item.rating.roles:
            self.out.append(
                (i, "role", f"role {fact.role!r} does not rate {fact.item}; roles: {sorted(item.rating.roles)}")
            )
        if fact.value > item.rating.scale:
            self.out.append((i, "value", f"rating {fact.value} is above the scale {item.rating.scale}"))
        if fact.corrects is not None:
            self._target(i, fact.corrects, Rating)

    def _exemption(self, i: int, fact: Exemption) -> None:
        target = self._target(i, fact.target, Deduction)
        if fact.ground not in self.scheme.exemption_grounds:
            self.out.append(
                (
                    i,
                    "ground",
                    f"unknown exemption ground {fact.ground!r}; "
                    f"grounds: {sorted(self.scheme.exemption_grounds) or 'none'}",
                )
            )
        item = self.scheme.items.get(target.item) if isinstance(target, Deduction) else None
        if isinstance(item, DeductionItem) and not item.exemptible:
            self.out.append((i, "target", f"item {item.id} allows no exemption"))

    def _target(self, i: int, target_id: str, wanted: type | None) -> Fact | None:
        target = self.by_id.get(target_id)
        if target is None:
            self.out.append((i, "target", f"names fact {target_id!r}, which is not recorded"))
        elif isinstance(target, Retraction):
            self.out.append((i, "target", "a retraction cannot be retracted or corrected; record the fact again"))
        elif wanted is not None and not isinstance(target, wanted):
            self.out.append((i, "target", f"fact {target_id!r} is a {target.type}, not a {wanted.__name__.lower()}"))
        return target

    def _check_uniques(self) -> None:
        gone: set[str] = set()
        for fact in self.facts:
            if isinstance(fact, Retraction):
                gone.add(fact.target)
            elif isinstance(fact, (Deduction, Bonus, Rating)) and fact.corrects:
                gone.add(fact.corrects)
        ranks: Counter[tuple[str, str, str]] = Counter()
        raters: dict[tuple[str, str, str], int] = {}
        for i, fact in enumerate(self.facts):
            if isinstance(fact, Rating):
                if fact.id in gone:
                    continue
                key = (fact.item, fact.subject, fact.rater)
                raters[key] = count = raters.get(key, 0) + 1
                if count == 2:
                    self.out.append(
                        (i, "rater", f"{fact.rater} already rated {fact.subject} on {fact.item}; record a correction")
                    )
            elif isinstance(fact, Bonus) and fact.rank is not None and fact.id not in gone:
                ranks[(fact.item, fact.period, fact.rank)] += 1
                if ranks[(fact.item, fact.period, fact.rank)] == 2:
                    self.out.append(
                        (i, "rank", f"rank {fact.rank} of item {fact.item} is awarded twice in {fact.period} (B4)")
                    )


def _deduction_fields(item: DeductionItem, fact: Deduction) -> list[tuple[str, str]]:
    rule, out = item.deduct, []
    for attr_rule in (rule.graded, rule.multiplier):
        value = fact.attributes.get(attr_rule.by) if attr_rule else None
        if attr_rule is rule.graded and attr_rule is not None and value is None:
            out.append(
                (
                    f"attributes.{attr_rule.by}",
                    f"item {item.id} needs attribute {attr_rule.by!r}: one of {sorted(attr_rule.values)}",
                )
            )
        elif attr_rule is not None and value is not None and value not in attr_rule.values:
            out.append((f"attributes.{attr_rule.by}", f"{value!r} is not one of {sorted(attr_rule.values)}"))
    if rule.range is not None:
        out += _amount_in(rule.range.min, rule.range.max, fact.amount, item.id)
    if rule.shortfall is not None and fact.shortfall is None:
        out.append(("shortfall", f"item {item.id} needs the shortfall, a fraction from 0 to 1 (D9)"))
    if rule.in_proportion is not None:
        source = rule.in_proportion.item
        told = f"item {item.id} is worked out from the pieces recorded on {source} (D9): record them there"
        out.append(("item", told))
    if rule.repeats is not None and fact.matter is None:
        out.append(("matter", f"item {item.id} needs the matter the reminder concerns (D10)"))
    if rule.shares is not None:
        roles = [p.role for p in fact.parties or []]
        if not roles or any(r not in rule.shares for r in roles):
            out.append(
                (
                    "parties",
                    f"item {item.id} shares liability: give parties with roles from {sorted(rule.shares)} (D11)",
                )
            )
    elif fact.parties is not None:
        out.append(("parties", f"item {item.id} deducts from one subject; give subject"))
    return out


def _bonus_fields(scheme: Scheme, item: BonusItem, fact: Bonus) -> list[tuple[str, str]]:
    rule, out = item.bonus, []
    if rule.levels is not None and fact.level not in rule.levels:
        out.append(("level", f"item {item.id} needs a level, one of {sorted(rule.levels)} (B1)"))
    if rule.rank_award is not None and fact.rank not in rule.rank_award:
        out.append(("rank", f"item {item.id} needs a rank, one of {sorted(rule.rank_award)} (B4)"))
    if rule.steps is not None and fact.amount is None:
        out.append(("amount", f"item {item.id} needs the amount the step scale counts (B5)"))
    if rule.range is not None:
        out += _amount_in(rule.range.min, rule.range.max, fact.amount, item.id)
    if fact.parties is not None:
        shares = scheme.joint_credit or {}
        if not shares or any(p.role not in shares for p in fact.parties):
            out.append(
                ("parties", f"joint credit needs roles from {sorted(shares) or 'joint_credit (not declared)'} (B6)")
            )
    return out


def _amount_in(low: object, high: object, amount: object, item_id: str) -> list[tuple[str, str]]:
    if amount is None:
        return [("amount", f"item {item_id} needs an amount from {low} to {high}")]
    if not (low <= amount <= high):  # type: ignore[operator]
        return [("amount", f"amount {amount} is outside {low} to {high} for item {item_id}")]
    return []
