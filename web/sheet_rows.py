"""The rows of an import preview as people read them: kinds, names, items and values in Chinese, and
its problems by sheet, row and column."""

from __future__ import annotations

from typing import Any

from domain.scheme.model import Scheme
from domain.texts.catalog import text
from domain.texts.sheets import COLUMNS
from service import queries
from service.bootstrap import Service
from service.sheets import documents
from service.sheets.columns import letter
from service.sheets.parsing import SheetInvalid


def problems_of(exc: SheetInvalid) -> list[dict[str, Any]]:
    """Each problem of a refused file where it is: sheet, row, column letter and heading, and what is wrong."""
    return [{"sheet": p.sheet, "row": p.row, "column": letter(p.column) if p.column is not None else None,
             "heading": p.heading, "message": p.message} for p in exc.cells]


def described(service: Service, code: str, sample: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row to be recorded: where it is in the file and what it records, in words."""
    scheme = documents.period_scheme(service, code)
    period = queries.known_period(service, code)  # subjects; the facts the rows name looked up by their groups
    facts = queries.PeriodFacts(service, code).concerning([r["fact"] for r in sample])
    names = {s: v["name"] for s, v in period.subjects.items()}
    return [{"sheet": r["sheet"], "row": r["row"], "kind": text(f"kind.{r['fact']['type']}"),
             "subject": _who(scheme, names, r["fact"]), "what": _what(scheme, facts, r["fact"]),
             "details": "；".join(_details(scheme, r["fact"])), "evidence": r["fact"].get("evidence", "")}
            for r in sample]


def _label(scheme: Scheme, attribute: str, code: str) -> str:
    labels = (scheme.labels or {}).get(attribute)
    return labels.values.get(code, code) if labels else code


def _who(scheme: Scheme, names: dict[str, str], fact: dict[str, Any]) -> str:
    if fact.get("subject"):
        return names.get(fact["subject"], fact["subject"])
    return "、".join(f"{names.get(p.get('subject', ''), p.get('subject') or p.get('unit'))}"
                    f"（{_label(scheme, 'role', p['role'])}）" for p in fact.get("parties") or [])


def _what(scheme: Scheme, facts: dict[str, dict[str, Any]], fact: dict[str, Any]) -> str:
    if fact.get("item"):
        node = scheme.items.get(fact["item"])
        return f"{fact['item']} {node.title}" if node is not None else fact["item"]
    for kind, entries in (("veto", scheme.vetoes), ("affirmation", scheme.affirmations),
                          ("condition", scheme.conditions)):
        if fact.get(kind):
            return next((e.title for e in entries if e.id == fact[kind]), fact[kind])
    target = facts.get(fact.get("target") or "", {})
    item = scheme.items.get(target.get("item") or "")
    return f"{fact.get('target')} {item.title if item else ''}".strip()


def _details(scheme: Scheme, fact: dict[str, Any]) -> list[str]:
    shown = []
    if fact.get("type") in ("deduction", "bonus"):
        shown.append(f"{COLUMNS['count']} {fact.get('count', 1)}")
    shown += [_label(scheme, key, str(fact[key])) for key in ("level", "rank", "role") if fact.get(key)]
    shown += [_label(scheme, k, v) for k, v in (fact.get("attributes") or {}).items()]
    for key in ("amount", "value", "occurred_on", "situation", "reason"):
        if fact.get(key):
            shown.append(f"{COLUMNS.get(key, key)} {fact[key]}")
    if fact.get("ground"):
        shown.append(scheme.exemption_grounds.get(fact["ground"], fact["ground"]))
    return shown
