"""D11/B6: one finding shared by several subjects, written in one cell as people list them:
`张三（带班领导）、李四（值班组员）`, or with a unit (科室) code standing for each of its members.

A party is a subject (by name or id) or a unit, each with its role: for a deduction, one of the
item's liable roles (deduct.shares), for a bonus one of the scheme's joint-credit roles (B6); a
role is written by its code or by the Chinese label the scheme gives it (labels.role).
"""

from __future__ import annotations

import re
from typing import Any

from domain.scheme.nodes import BonusItem, DeductionItem
from domain.texts.catalog import text
from service.sheets.cells import CellError, clean, squeezed
from service.sheets.vocabulary import Vocabulary

_SEPARATORS = re.compile(r"[、,，;；\n]+")
_ENTRY = re.compile(r"^(?P<name>.+?)\s*(?:[（(](?P<role>[^（）()]+)[）)]|[:：]\s*(?P<after>.+))$")


def roles_of(vocabulary: Vocabulary, item: DeductionItem | BonusItem) -> list[str]:
    """The roles a party of this item takes (none: the item is not shared)."""
    if isinstance(item, DeductionItem):
        return list(item.deduct.shares or {})
    return list(vocabulary.scheme.joint_credit or {})


def parties(vocabulary: Vocabulary, item: DeductionItem | BonusItem, value: Any) -> list[dict[str, str]]:
    """The parties one cell lists; CellError names the first entry that cannot be read."""
    roles = roles_of(vocabulary, item)
    if not roles:
        raise CellError(text("sheets.no_shares", item=item.title))
    found: list[dict[str, str]] = []
    for entry in (e.strip() for e in _SEPARATORS.split(clean(value)) if e.strip()):
        party = _party(vocabulary, item, entry, roles)
        named = party.get("subject") or f"unit:{party.get('unit')}"
        if any((p.get("subject") or f"unit:{p.get('unit')}") == named for p in found):
            raise CellError(text("sheets.party_twice", value=entry))
        found.append(party)
    return found


def _party(vocabulary: Vocabulary, item: DeductionItem | BonusItem, entry: str, roles: list[str]) -> dict[str, str]:
    match = _ENTRY.match(entry)
    if match is None:
        raise CellError(text("sheets.party_form", value=entry, example=vocabulary.label("role", roles[0])))
    name, role = match["name"], match["role"] or match["after"]
    return {**_who(vocabulary, name), "role": _role(vocabulary, item, role, roles)}


def _who(vocabulary: Vocabulary, name: str) -> dict[str, str]:
    codes = vocabulary.subject_names.find(name)
    if len(codes) == 1:
        return {"subject": next(iter(codes))}
    if len(codes) > 1:
        raise CellError(text("sheets.ambiguous_subject", value=name, ids="、".join(sorted(codes))))
    units = {str(s.get("unit")) for s in vocabulary.subjects.values() if s.get("unit")}
    if squeezed(name) in units:
        return {"unit": squeezed(name)}
    raise CellError(text("sheets.unknown_party", value=name))


def _role(vocabulary: Vocabulary, item: DeductionItem | BonusItem, written: str, roles: list[str]) -> str:
    for code in roles:
        if squeezed(written) in (squeezed(code), squeezed(vocabulary.label("role", code))):
            return code
    shown = "、".join(vocabulary.label("role", c) for c in roles)
    raise CellError(text("sheets.unknown_role", value=written, item=item.title, choices=shown))
