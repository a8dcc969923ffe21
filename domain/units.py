"""D11: a fact recorded once for a unit (科室) stands for each member of the unit.

IND 五: 涉及业务工作扣分项由分管领导和科室共同承担; 四.(六)1 属于科室类荣誉和先进的…科室所有人员…加分.
A party `{unit: U, role: R}` is expanded, when the fact is recorded, into a party with role R for
every subject of the period whose `unit` is U; a subject the fact already names keeps its own role.
The stored fact lists the members, so it reads the same whoever joins the unit later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import FactsInvalid, Problem


def expand_units(facts: list[dict[str, Any]], subjects: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The facts with every unit party replaced by the unit's members (FactsInvalid: a unit without any)."""
    out, problems = [], []
    for index, fact in enumerate(facts):
        parties = fact.get("parties")
        if not isinstance(parties, list) or not any(isinstance(p, dict) and "unit" in p for p in parties):
            out.append(fact)
            continue
        named = {p.get("subject") for p in parties if isinstance(p, dict)}
        expanded: list[Any] = []
        for party in parties:
            if not isinstance(party, dict) or "unit" not in party:
                expanded.append(party)
                continue
            members = sorted(s for s, v in subjects.items() if v.get("unit") == party["unit"] and s not in named)
            if not members and not any(v.get("unit") == party["unit"] for v in subjects.values()):
                problems.append(Problem(f"facts[{index}].parties", f"unit {party['unit']!r} has no registered member"))
            expanded += [{"subject": m, "role": party.get("role")} for m in members]
        out.append({**fact, "parties": expanded})
    if problems:
        raise FactsInvalid(f"{len(problems)} problem(s) in the facts", problems)
    return out
