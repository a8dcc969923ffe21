"""S2/G7: subjects rank within their group by total, then the scheme's tiebreak nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.numbers import ZERO
from domain.scheme.model import Scheme
from domain.scoring.results import NodeResult


@dataclass(frozen=True)
class Standing:
    """A subject's place in its group: its sort key (without its id) and its rank."""

    subject: str
    key: tuple[Decimal, ...]
    rank: int


def rank_key(scheme: Scheme, total: Decimal, card: NodeResult) -> tuple[Decimal, ...]:
    """Higher is better: the total, then each tiebreak node's score (absent: 0)."""
    extra = []
    for node_id in scheme.ranking.tiebreak:
        node = card.maybe(node_id)
        extra.append(node.applied if node is not None else ZERO)
    return (total, *extra)


def rank_group(scheme: Scheme, keys: dict[str, tuple[Decimal, ...]]) -> list[Standing]:
    """The group in rank order; equal keys share a rank (competition 1,2,2,4 or dense 1,2,2,3)."""
    ordered = sorted(keys, key=lambda s: (_negated(keys[s]), s))
    result: list[Standing] = []
    for position, subject in enumerate(ordered):
        if result and result[-1].key == keys[subject]:
            rank = result[-1].rank
        elif scheme.ranking.ties == "dense":
            rank = (result[-1].rank + 1) if result else 1
        else:
            rank = position + 1
        result.append(Standing(subject, keys[subject], rank))
    return result


def across_groups(groups: dict[str, list[Standing]]) -> list[Standing]:
    """G3/G4 over the whole period: every group's standings in one order, by the same key (then id)."""
    merged = [s for listed in groups.values() for s in listed]
    return sorted(merged, key=lambda s: (_negated(s.key), s.subject))


def _negated(key: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    return tuple(-k for k in key)


def take_with_ties(ordered: Sequence[Standing], count: int, boundary: str) -> list[Standing]:
    """The first `count` of an ordered list; a tie across the boundary: all (include) or none (exclude)."""
    if count <= 0:
        return []
    if len(ordered) <= count:
        return list(ordered)
    last, after = ordered[count - 1], ordered[count]
    if last.key != after.key:
        return list(ordered[:count])
    if boundary == "include":
        return [s for i, s in enumerate(ordered) if i < count or s.key == last.key]
    return [s for s in ordered[:count] if s.key != last.key]
