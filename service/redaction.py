"""Individual ratings (民主测评) are confidential: who sees them, and what the others see instead.

What was chosen (issue 9, part 4):
- Administrators, auditors and reviewers see every rating: they run the assessment, check it and decide
  appeals about it. Subjects, raters and recording offices see aggregates only; a rater also sees its own
  ratings (the names its token is bound to). A recording office is treated like a subject because it is
  one: ZJG's 督查科 records deductions and is itself rated.
- A scorecard keeps every number that is published: totals, ranks, grades, and each rating item's max, raw,
  applied, cut and its "no rating from role …" flags (R1). Only a rating item's individual lines (rater, value,
  note, recorded_by) go: they are replaced by one summary line with no facts, the item's raw points (already
  on the card) and how many ratings count. A rater's own lines stay, before the summary.
- In the history a rating keeps its id, type, item, subject, period and what it corrects; rater, role, value,
  note and recorded_by go, and `"redacted": true` says so.
  The role goes too: where a role has one rater (ZJG's principal), the role names the rater. A retraction of
  a rating loses its recorder and reason, which name the rater as well. (Appeals name the facts they contest
  and the corrections they recorded by id only: they show no rating.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.messages import say
from service.tokens import Actor

SEE_ALL = ("admin", "auditor", "reviewer")
KEPT = ("id", "type", "item", "subject", "period", "corrects")
Fact = dict[str, Any]


def sees_ratings(actor: Actor) -> bool:
    """Whether the actor sees every individual rating."""
    return actor.role in SEE_ALL


def scorecard(actor: Actor, result: Fact, rating_items: set[str], facts: Mapping[str, Fact]) -> Fact:
    """A subject result as the actor may see it (facts: the period's facts by id, to find a rater's own)."""
    if sees_ratings(actor) or "card" not in result:
        return result
    return {**result, "card": _node(actor, result["card"], rating_items, facts)}


def fact(actor: Actor, recorded: Fact, facts: Mapping[str, Fact]) -> Fact:
    """A recorded fact as the actor may see it (facts: the period's facts by id, to follow a retraction)."""
    if sees_ratings(actor):
        return recorded
    rating = _rating_at_end(recorded, facts)
    if rating is None or _own(actor, rating):
        return recorded
    if recorded.get("type") == "rating":
        return {**{k: recorded[k] for k in KEPT if k in recorded}, "redacted": True}
    return {**{k: v for k, v in recorded.items() if k not in ("recorded_by", "reason")}, "redacted": True}


def _own(actor: Actor, rating: Fact) -> bool:
    return actor.role == "rater" and rating.get("rater") in actor.rater_roles()


def _rating_at_end(recorded: Fact, facts: Mapping[str, Fact]) -> Fact | None:
    """The rating a fact is, or that its chain of retractions ends at; None when it concerns no rating."""
    seen: set[str] = set()
    current: Fact | None = recorded
    while current is not None and current.get("type") == "retraction":
        target = str(current.get("target"))
        if target in seen:
            return None
        seen.add(target)
        current = facts.get(target)
    return current if current is not None and current.get("type") == "rating" else None


def _node(actor: Actor, node: Fact, rating_items: set[str], facts: Mapping[str, Fact]) -> Fact:
    out = dict(node)
    if "children" in node:
        out["children"] = [_node(actor, child, rating_items, facts) for child in node["children"]]
    lines = node.get("lines") or []
    if node.get("id") in rating_items and lines:
        mine = [line for line in lines if line["facts"] and all(_own(actor, facts.get(f, {})) for f in line["facts"])]
        others = [line for line in lines if not any(line is m for m in mine)]
        if others:
            out["lines"] = [*mine, _summary(node, others)]
    return out


def _summary(node: Fact, others: list[Fact]) -> Fact:
    counted = sum(1 for line in others if line.get("status") == "counted")
    return {
        "by": [],
        "facts": [],
        "note": say("note.ratings_summary", count=counted),
        "points": node["raw"],
        "recorded_by": [],
        "status": "counted",
    }
