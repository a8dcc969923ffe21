"""A scheme's own Chinese names for the codes its messages and lines carry."""

from __future__ import annotations

from domain.scheme.model import Scheme
from domain.texts.catalog import Glossary


def scheme_glossary(scheme: Scheme) -> Glossary:
    """Offices, kinds, groups, grounds, vetoes, affirmations and conditions by code; nodes by id."""
    codes: dict[str, str] = {}
    for names in (scheme.offices, scheme.subject_kinds, scheme.groups or {}, scheme.exemption_grounds):
        codes.update(names)
    for decision in (*scheme.vetoes, *scheme.affirmations, *scheme.conditions):
        codes[decision.id] = decision.title
    return Glossary(codes=codes, items={node_id: node.title for node_id, node in scheme.nodes.items()})
