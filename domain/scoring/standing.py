"""Which facts still count: retractions, corrections and exemptions resolved (D8).

A retraction always wins; a correction counts unless it is itself retracted; an
exemption counts unless retracted. Nothing is removed: every fact keeps a status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.facts import Bonus, Deduction, Exemption, Fact, Rating, Retraction
from domain.scoring.results import Status


@dataclass(frozen=True)
class Standing:
    """A fact's status and the facts that gave it that status."""

    status: Status
    by: tuple[str, ...] = ()
    note: str | None = None


COUNTED = Standing("counted")


def standings(facts: Sequence[Fact]) -> dict[str, Standing]:
    """The standing of every fact, from the retractions, corrections and exemptions among them."""
    retracted: dict[str, list[str]] = {}
    for fact in facts:
        if isinstance(fact, Retraction):
            retracted.setdefault(fact.target, []).append(fact.id)
    corrected: dict[str, list[str]] = {}
    exempted: dict[str, list[Exemption]] = {}
    for fact in facts:
        if fact.id in retracted:
            continue
        if isinstance(fact, (Deduction, Bonus, Rating)) and fact.corrects:
            corrected.setdefault(fact.corrects, []).append(fact.id)
        if isinstance(fact, Exemption):
            exempted.setdefault(fact.target, []).append(fact)
    result: dict[str, Standing] = {}
    for fact in facts:
        if fact.id in retracted:
            result[fact.id] = Standing("retracted", tuple(sorted(retracted[fact.id])), "retracted")
        elif fact.id in corrected:
            result[fact.id] = Standing("corrected", tuple(sorted(corrected[fact.id])), "replaced by a correction")
        elif fact.id in exempted:
            grants = sorted(exempted[fact.id], key=lambda e: e.id)
            grounds = ", ".join(e.ground for e in grants)
            result[fact.id] = Standing("exempted", tuple(e.id for e in grants), f"exempted ({grounds}) (D8)")
        else:
            result[fact.id] = COUNTED
    return result
