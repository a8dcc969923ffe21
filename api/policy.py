"""Who may record what (S5): offices record in their sections, raters their own ratings,
the leading group's administrators the one-vote decisions and prerequisites."""

from __future__ import annotations

from typing import Any

from api.problems import Forbidden
from domain.scheme.model import Scheme
from service.tokens import Actor

DECISIONS = {"veto", "affirmation", "condition"}


def check_recording(
    actor: Actor, scheme: Scheme, facts: list[dict[str, Any]], known: dict[str, dict[str, Any]]
) -> None:
    """Raise Forbidden unless the actor may record every fact of the batch (nothing is appended)."""
    for index, fact in enumerate(facts):
        reason = _refusal(actor, scheme, fact, known)
        if reason is not None:
            raise Forbidden(f"facts[{index}]: {reason}")


def _refusal(actor: Actor, scheme: Scheme, fact: dict[str, Any], known: dict[str, dict[str, Any]]) -> str | None:
    kind = fact["type"]
    if actor.role == "admin":
        return None if kind in DECISIONS else f"administrators record only {', '.join(sorted(DECISIONS))}"
    if kind in DECISIONS:
        return f"only administrators (the leading group) record a {kind}"
    subject_fact = _subject_fact(fact, known)
    if actor.role == "rater":
        if subject_fact.get("type") != "rating" or subject_fact.get("rater") not in actor.scope:
            return f"a rater records and retracts only its own ratings (rater {', '.join(actor.scope)})"
        return None
    if actor.role == "recorder":
        if subject_fact.get("type") == "rating":
            return "ratings are recorded by their raters"
        item = str(subject_fact.get("item"))
        if item not in scheme.items:
            return None  # not an item at all: validation refuses it with the other problems (422)
        office = scheme.offices_of.get(item)
        if office not in actor.scope:
            return f"item {subject_fact.get('item')} is recorded by office {office}, not {', '.join(actor.scope)} (S5)"
        return None
    return f"role {actor.role} does not record facts"


def _subject_fact(fact: dict[str, Any], known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For a retraction, exemption or correction, the fact it names (whose office decides)."""
    target = fact.get("target")
    if target is not None:
        return known.get(str(target), {})
    return fact
