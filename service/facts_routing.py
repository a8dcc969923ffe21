"""Which stream a fact belongs to, and server-assigned fact ids that say so.

A fact id is `<subject>:<random>` for one subject's facts and `joint:<random>` for facts
naming several subjects (D11, B6) or rank awards (B4); a retraction, exemption or
correction goes to the stream of the fact it names.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from domain.errors import FactsInvalid, Problem

JOINT = "joint"


def route(fact: dict[str, Any]) -> str:
    """The subject whose stream holds the fact, or 'joint'."""
    target = fact.get("target") or fact.get("corrects")
    if target is not None:
        stream = str(target).split(":", 1)[0]
        if fact.get("rank") is not None and stream != JOINT:  # B4 awards are checked in the joint stream (F1a)
            wrong = f"a correction cannot make {target} a rank award (B4): retract it and record the award"
            raise FactsInvalid("fact refused", [Problem("rank", wrong)])
        return stream
    if fact.get("parties") or fact.get("rank") is not None:
        return JOINT
    subject = fact.get("subject")
    if not isinstance(subject, str):
        raise FactsInvalid("fact refused", [Problem("subject", "give the subject (or parties) the fact concerns")])
    return subject


def log_order(facts: list[dict[str, Any]]) -> list[int]:
    """The indexes of a batch in the order its facts will have in the log: the streams are saved one
    after another in stream order, each with its facts in the order given (a stable sort by stream).
    A batch is admitted in this order, so what was checked is what scoring replays (F1c)."""
    return sorted(range(len(facts)), key=lambda i: route(facts[i]))


def assign_id(fact: dict[str, Any], index: int) -> dict[str, Any]:
    """Give the fact an id that routes to its stream; a client id must carry the same prefix."""
    stream = route(fact)
    given = fact.get("id")
    if given is None:
        return {**fact, "id": f"{stream}:{uuid4().hex[:20]}"}
    if not isinstance(given, str) or not given.startswith(f"{stream}:"):
        raise FactsInvalid("fact refused", [Problem(f"facts[{index}].id", f"a fact id must start with '{stream}:'")])
    return fact
