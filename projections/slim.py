"""Results held by the thousand share their field-name sets.

pydantic keeps one `__pydantic_fields_set__` per instance (728 bytes, a third of a scorecard's
memory); results that set the same fields can share one. Copies and updates still make their own.
"""

from __future__ import annotations

from typing import Any

from domain.scoring import NodeResult, SubjectResult

_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def slim_subject(subject: SubjectResult, card: bool = True) -> SubjectResult:
    """Share field sets in a subject result (and its card, unless already done)."""
    _share(subject)
    for line in subject.decisions:
        _share(line)
    if card:
        slim_card(subject.card)
    return subject


def slim_card(card: NodeResult) -> NodeResult:
    nodes = [card]
    while nodes:
        node = nodes.pop()
        _share(node)
        for line in node.lines:
            _share(line)
        nodes += node.children
    return card


def _share(model: Any) -> None:
    fields = frozenset(model.__pydantic_fields_set__)
    shared = _FIELD_SETS.get(fields)
    if shared is None:
        shared = _FIELD_SETS[fields] = set(fields)
    object.__setattr__(model, "__pydantic_fields_set__", shared)
