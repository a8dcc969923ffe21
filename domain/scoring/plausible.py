"""R2: a rating that looks typed on the item's points rather than on its scale is refused unless confirmed.

ZJG 第二章第二条: 班子测评 is a 10-point item the leaders rate on 100 (rating.scale); a leader who types
"9" meaning 9 of 10 gives the department 0.45. When an item's scale is larger than its points, a value
at most the item's points is far below the plausible range: the recorder is told the scale and what
the value would count for, and records it again, or confirms it (`scale_confirmed: true`).
Checked when facts are recorded, never when a stored log is scored: a log keeps its meaning.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import FactsInvalid, Problem
from domain.facts import Fact, Rating
from domain.numbers import canonical_str
from domain.scheme.model import Scheme
from domain.scheme.nodes import RatingItem


def implausible_ratings(scheme: Scheme, facts: Sequence[Fact]) -> list[Problem]:
    """A problem for each unconfirmed rating at most its item's points on a larger scale."""
    out = []
    for index, fact in enumerate(facts):
        item = scheme.items.get(fact.item) if isinstance(fact, Rating) else None
        if not isinstance(fact, Rating) or not isinstance(item, RatingItem) or fact.scale_confirmed:
            continue
        scale, points = item.rating.scale, item.max
        if scale > points and fact.value <= points:
            value, meant = canonical_str(fact.value), canonical_str(fact.value * scale / points)
            out.append(Problem(
                f"facts[{index}].value",
                f"rating {value} for item {item.id} is on its scale of {canonical_str(scale)}, which the item's "
                f"{canonical_str(points)} points are converted from: {value} would count as {value}/"
                f"{canonical_str(scale)} of them. If {value} of {canonical_str(points)} was meant, record {meant}; "
                f"if {value} of {canonical_str(scale)} is right, record it with scale_confirmed: true (R2).",
            ))
    return out


def refuse_implausible(scheme: Scheme, facts: Sequence[Fact]) -> None:
    """Raise FactsInvalid listing every implausible rating of a batch being recorded (R2)."""
    problems = implausible_ratings(scheme, facts)
    if problems:
        raise FactsInvalid(f"{len(problems)} rating(s) look typed on the item's points, not its scale", problems)
