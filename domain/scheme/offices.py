"""S5: which office records a node, for a subject of a group (ZZ: 第一/二/三系列 by 市委办/市政府办/市效能办).

A node's `office` is inherited by its subtree; `office_by_group` names, for subjects of some groups,
another office, inherited the same way. The nearest node that says anything wins: a node's own
`office` replaces a mapping inherited from above.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.scheme.model import Scheme
from domain.scheme.nodes import Node, Section


@dataclass(frozen=True)
class Recording:
    """The offices that record one node: the default, and the ones for some groups."""

    office: str | None = None
    by_group: dict[str, str] = field(default_factory=dict)

    def of(self, group: str | None) -> str | None:
        return self.by_group.get(group, self.office) if group is not None else self.office


def recording_offices(scheme: Scheme) -> dict[str, Recording]:
    """Every node's recording offices, inherited down the tree."""
    out: dict[str, Recording] = {}

    def visit(node: Node, inherited: Recording) -> None:
        if node.office_by_group is not None:
            own = Recording(node.office or inherited.office, dict(node.office_by_group))
        elif node.office is not None:
            own = Recording(node.office)
        else:
            own = inherited
        out[node.id] = own
        for child in node.children if isinstance(node, Section) else []:
            visit(child, own)

    visit(scheme.tree, Recording())
    return out


def recording_office(scheme: Scheme, node_id: str, group: str | None) -> str | None:
    """The office that records node `node_id` for a subject of `group` (None: the node's default office)."""
    found = scheme.recording.get(node_id)
    return found.of(group) if found is not None else None


Groups = Callable[[str], str | None]


def group_lookup(subjects: Mapping[str, Mapping[str, Any]]) -> Groups:
    """A subject's group from a period's registered subjects (None: not registered, so the node's default
    office): the one lookup wherever the office recording a node for a subject is decided (S5)."""

    def group(subject: str) -> str | None:
        found = subjects.get(subject)
        return str(found.get("group", "all")) if isinstance(found, Mapping) else None

    return group


def records_for(scheme: Scheme, offices: Collection[str], node_id: str, groups: Iterable[str | None]) -> bool:
    """Whether one of `offices` records node `node_id` for a subject of one of `groups`."""
    return any(recording_office(scheme, node_id, group) in offices for group in groups)
