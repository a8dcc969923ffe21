"""Facts become lines: each fact's points for each subject it concerns, with its status.

D4/B2 (highest only) and D10 (repeat thresholds) are settled here, across facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.facts import Bonus, Deduction, Fact, Rating
from domain.numbers import ZERO
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, Section
from domain.scoring.points import bonus_points, deduction_points
from domain.scoring.results import Line, trusted
from domain.scoring.standing import Standing

Key = tuple[str, str]  # (subject, item)


@dataclass(frozen=True)
class Entry:
    """A line with what settling needs: its order, its situation key and its scope."""

    line: Line
    order: tuple[date, str]
    situation: str | None = None
    matter: str | None = None
    count: int = 1  # occurrences, person-times or pieces the fact records (D1, D5/D10 void_at, D9 quotas)


def fact_lines(scheme: Scheme, facts: Sequence[Fact], standing: dict[str, Standing]) -> dict[Key, list[Entry]]:
    """Every deduction, bonus and rating line, by (subject, item), settled and in order."""
    entries: dict[Key, list[Entry]] = defaultdict(list)
    for fact in facts:
        if isinstance(fact, (Deduction, Bonus)):
            for subject, entry in _attributed(scheme, fact, standing[fact.id]):
                entries[(subject, fact.item)].append(entry)
        elif isinstance(fact, Rating):
            entries[(fact.subject, fact.item)].append(_rating(fact, standing[fact.id]))
    _settle_repeats(scheme, entries)
    _settle_counts(scheme, entries)
    return {key: sorted(value, key=lambda e: e.order) for key, value in entries.items()}


def _order(fact: Fact) -> tuple[date, str]:
    return (fact.occurred_on or date.min, fact.id)


def _line(fact: Fact, points: Decimal, note: str, standing: Standing) -> Line:
    if standing.status != "counted":
        note = f"{note}; {standing.note}"
    values = {
        "facts": [fact.id],
        "points": points,
        "status": standing.status,
        "recorded_by": [fact.recorded_by],
        "note": note,
        "by": list(standing.by),
        "occurred_on": fact.occurred_on,
    }
    return trusted(Line, values, _FACT_LINE)


_FACT_LINE = set(Line.model_fields)  # every field given
_CONSEQUENCE = {"facts", "points", "status", "recorded_by", "note"}


def _attributed(scheme: Scheme, fact: Deduction | Bonus, standing: Standing) -> list[tuple[str, Entry]]:
    item = scheme.items[fact.item]
    out = []
    for party in fact.targets():
        subject = (party.subject if party else fact.subject) or ""
        if isinstance(fact, Deduction) and isinstance(item, DeductionItem):
            amount, note = deduction_points(scheme, item, fact, party)
            points = -amount
        elif isinstance(fact, Bonus) and isinstance(item, BonusItem):
            points, note = bonus_points(scheme, item, fact, party)
        else:  # pragma: no cover - validation refuses a fact recorded against the wrong kind of item
            continue
        matter = fact.matter if isinstance(fact, Deduction) else None
        line = _line(fact, points, note, standing)
        out.append((subject, Entry(line, _order(fact), fact.situation, matter, fact.count)))
    return out


def _rating(fact: Rating, standing: Standing) -> Entry:
    note = f"{fact.role} {fact.rater}: {fact.value}"
    return Entry(_line(fact, fact.value, note, standing), _order(fact))


def _settle_repeats(scheme: Scheme, entries: dict[Key, list[Entry]]) -> None:
    """D10: each matter reminded N times costs once; N distinct matters cost once."""
    for (_subject, item_id), group in list(entries.items()):
        item = scheme.items[item_id]
        if not isinstance(item, DeductionItem) or item.deduct.repeats is None:
            continue
        repeats, matters = item.deduct.repeats, defaultdict(list)
        for entry in group:
            if entry.line.status == "counted":
                matters[entry.matter or ""].append(entry)
        if repeats.same_matter is not None:
            for matter, hits in sorted(matters.items()):
                if len(hits) >= repeats.same_matter.at_least:
                    group.append(
                        _consequence(
                            hits, repeats.same_matter.points, f"{len(hits)} reminders on matter {matter} (D10)"
                        )
                    )
        distinct = repeats.distinct_matters
        if distinct is not None and len(matters) >= distinct.at_least:
            hits = [e for matter in sorted(matters) for e in matters[matter]]
            group.append(_consequence(hits, distinct.points, f"reminders on {len(matters)} distinct matters (D10)"))


def _settle_counts(scheme: Scheme, entries: dict[Key, list[Entry]]) -> None:
    """D5/D10: N occurrences or more void the item; D9: the first N pieces fill a quota elsewhere."""
    for key, group in list(entries.items()):
        item = scheme.items[key[1]]
        if isinstance(item, DeductionItem) and item.deduct.void_at is not None:
            hits = [e for e in group if e.line.status == "counted"]
            done = sum(e.count for e in hits)
            if done >= item.deduct.void_at:
                void_at = item.deduct.void_at
                note = f"{done} occurrences, {void_at} or more void the item: all {item.max} points (D5/D10)"
                group.append(_consequence(hits, item.max or ZERO, note))
        elif isinstance(item, BonusItem) and item.bonus.beyond_quota is not None:
            entries[key] = _fill_quota(group, item.bonus.beyond_quota)


def _fill_quota(group: list[Entry], quota: int) -> list[Entry]:
    """D9: the first `quota` pieces, lowest points first (then earliest), fill the quota: they earn nothing
    here (choice: the pieces beyond the quota are the ones worth most)."""
    counted = sorted(
        (i for i, e in enumerate(group) if e.line.status == "counted"),
        key=lambda i: (group[i].line.points / group[i].count, group[i].order),
    )
    out, left = list(group), quota
    for index in counted:
        if left <= 0:
            break
        entry = out[index]
        taken = min(entry.count, left)
        left -= taken
        points = entry.line.points / entry.count * (entry.count - taken)
        note = f"{entry.line.note}; {taken} of {entry.count} fill the quota of {quota}, no bonus for them (D9)"
        out[index] = replace(entry, line=entry.line.model_copy(update={"points": points, "note": note}))
    return out


def _consequence(hits: list[Entry], points: Decimal, note: str) -> Entry:
    facts = [f for e in hits for f in e.line.facts]
    recorders = sorted({r for e in hits for r in e.line.recorded_by})
    values = {
        "facts": facts,
        "points": -points,
        "status": "counted",
        "recorded_by": recorders,
        "note": note,
        "by": [],
        "occurred_on": None,
    }
    line = trusted(Line, values, _CONSEQUENCE)
    return Entry(line, max(e.order for e in hits))


@dataclass(frozen=True)
class Rivals:
    """D4/B2: one subject's counted lines of one situation in one highest-only scope; one will count."""

    subject: str
    situation: str
    bonus: bool
    members: tuple[tuple[Key, int], ...]  # largest raw points first, then earliest


def highest_only_rivals(scheme: Scheme, entries: dict[Key, list[Entry]]) -> list[Rivals]:
    """Every group of lines that compete under highest-only, in a deterministic order."""
    scopes = _scopes(scheme)
    groups: dict[tuple[str, str, str, bool], list[tuple[Key, int]]] = defaultdict(list)
    for key, group in entries.items():
        scope = scopes.get(key[1])
        for index, entry in enumerate(group):
            if scope and entry.situation and entry.line.status == "counted" and entry.line.points != ZERO:
                groups[(key[0], scope, entry.situation, entry.line.points > 0)].append((key, index))
    rivals = []
    for (subject, _scope, situation, bonus), members in sorted(groups.items()):
        if len(members) > 1:
            ranked = sorted(members, key=lambda m: (-abs(entries[m[0]][m[1]].line.points), entries[m[0]][m[1]].order))
            rivals.append(Rivals(subject, situation, bonus, tuple(ranked)))
    return rivals


def keep_one(entries: dict[Key, list[Entry]], rivals: Rivals, kept: int) -> dict[Key, list[Entry]]:
    """A copy of the entries where only the kept rival counts and the others are superseded by it."""
    winner = entries[rivals.members[kept][0]][rivals.members[kept][1]]
    result = dict(entries)
    for position, (key, index) in enumerate(rivals.members):
        if position == kept:
            continue
        result[key] = list(result[key])
        entry = result[key][index]
        note = f"{entry.line.note}; superseded: situation {entry.situation} counts once, at the highest"
        line = entry.line.model_copy(update={"status": "superseded", "by": winner.line.facts, "note": note})
        result[key][index] = replace(entry, line=line)
    return result


def _scopes(scheme: Scheme) -> dict[str, str]:
    """Each item's nearest highest-only ancestor, if any."""
    scopes: dict[str, str] = {}

    def visit(node: Section, scope: str | None) -> None:
        scope = node.id if node.highest_only else scope
        for child in node.children:
            if isinstance(child, Section):
                visit(child, scope)
            elif scope is not None:
                scopes[child.id] = scope

    visit(scheme.tree, None)
    return scopes
