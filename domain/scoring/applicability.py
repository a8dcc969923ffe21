"""S3: which nodes of the tree apply to a kind of subject."""

from __future__ import annotations

from domain.scheme.model import Scheme, walk
from domain.scheme.nodes import Section


def applies(node_kinds: list[str] | None, kind: str) -> bool:
    """A node without applies_to applies to every kind."""
    return node_kinds is None or kind in node_kinds


def applicable_ids(scheme: Scheme, kind: str) -> set[str]:
    """Ids of the nodes that apply to a kind: the node and all its ancestors allow it."""
    result: set[str] = set()
    excluded: set[str] = set()
    for node, _ in walk(scheme.tree):
        if node.id in excluded or not applies(node.applies_to, kind):
            if isinstance(node, Section):
                excluded.update(n.id for n, _ in walk(node))
            continue
        result.add(node.id)
    return result
