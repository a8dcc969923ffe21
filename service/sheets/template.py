"""The recording template of one office for one period, generated from the scheme.

Its entry sheet has drop-down lists (data validation) for subjects, items and every coded
value the office's items take, the article beside each chosen item, the parties of a shared
finding where the office's items are shared (D11); a second sheet retracts or exempts (D8) the
office's facts still counting, picked from a list; a sheet of instructions. A filled template
imports without edits (tests/sheets/test_template.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.numbers import canonical_str
from domain.scheme.labels import attribute_codes
from domain.scheme.nodes import BonusItem, DeductionItem, Section
from domain.texts.catalog import text
from domain.texts.sheets import COLUMNS, period_name
from service.sheets.columns import letter
from service.sheets.parties import roles_of
from service.sheets.template_book import FIRST, ROWS, Column, TemplateBook
from service.sheets.vocabulary import Item, Vocabulary, choices, item_entry, subject_entries


def recording_template(vocabulary: Vocabulary, period: str, office: str | None) -> bytes:
    """The template an office fills for a period (office None: every item an office records)."""
    items = [i for i in vocabulary.office_items() if isinstance(i, (DeductionItem, BonusItem))]
    book = TemplateBook()
    office_name = vocabulary.scheme.offices.get(office, office) if office else ""
    title = text("template.title", period=period_name(period), office=office_name)
    columns = _columns(vocabulary, items)
    entry = book.entry_sheet(text("template.sheet"), title, columns)
    _article_lookup(entry, columns, items)
    entry.activate()
    book.table(text("template.items_sheet"),
               [text(f"template.col_{k}") for k in ("entry", "id", "title", "article", "rule", "needs")],
               [_item_row(vocabulary, i) for i in items], [40, 8, 36, 28, 24, 20])
    book.entry_sheet(text("template.changes_sheet"), title, _change_columns(vocabulary, items), rows=200)
    lines = [vocabulary.scheme.title, text("template.period_line", name=period_name(period), code=period),
             text("template.office_line", office=office_name or text("template.all_offices")), "",
             *text("template.instructions").splitlines(), text("template.instructions_changes")]
    if any(roles_of(vocabulary, i) for i in items if isinstance(i, DeductionItem)):
        lines.append(text("template.instructions_parties"))
    book.instructions(title, lines)
    return book.close()


def _columns(vocabulary: Vocabulary, items: list[Item]) -> list[Column]:
    subjects = subject_entries(vocabulary, vocabulary.office_subjects(items))  # S5: by group, where it depends
    out = [Column("seq", COLUMNS["seq"], 6), Column("subject", COLUMNS["subject"], 16, True, subjects,
                                                      "template.prompt_subject"),
           Column("item", COLUMNS["item"], 40, True, tuple(item_entry(i) for i in items), "template.prompt_item"),
           Column("article", text("template.article"), 36),
           Column("count", COLUMNS["count"], 8, number=("integer", Decimal(1), Decimal(10000)),
                  error="template.error_count"),
           Column("occurred_on", COLUMNS["occurred_on"], 12)]
    if any(roles_of(vocabulary, i) for i in items if isinstance(i, DeductionItem)):
        out.append(Column("parties", COLUMNS["parties"], 30))  # D11: shared liability, 名称（角色）
    for attribute, codes in sorted(attribute_codes(items).items()):
        ordered = [c for i in items for ch in choices(i) if ch.attribute == attribute for c in ch.codes]
        labels = tuple(dict.fromkeys(vocabulary.label(attribute, c) for c in ordered if c in codes))
        if labels:
            out.append(Column(f"attr:{attribute}", vocabulary.heading(attribute), 14, False, labels))
    if any(_takes_amount(i) for i in items):
        out.append(Column("amount", COLUMNS["amount"], 8))
    if _situations(vocabulary):
        out.append(Column("situation", COLUMNS["situation"], 10))
    return out + [Column("evidence", COLUMNS["evidence"], 30), Column("note", COLUMNS["note"], 16)]


def _change_columns(vocabulary: Vocabulary, items: list[Item]) -> list[Column]:
    """D8 and retractions: the office's facts still counting, picked from a list, and what to do with each."""
    mine = {i.id for i in items}
    kinds = (text("kind.retraction"), *((text("kind.exemption"),) if vocabulary.scheme.exemption_grounds else ()))
    out = [Column("seq", COLUMNS["seq"], 6),
           Column("target", COLUMNS["target"], 56, True, _fact_entries(vocabulary, mine), "template.prompt_fact"),
           Column("type", COLUMNS["type"], 8, True, kinds), Column("reason", COLUMNS["reason"], 30)]
    if vocabulary.scheme.exemption_grounds:
        out.append(Column("ground", COLUMNS["ground"], 24, False, tuple(vocabulary.scheme.exemption_grounds.values())))
    return out + [Column("evidence", COLUMNS["evidence"], 30)]


def _fact_entries(vocabulary: Vocabulary, items: set[str]) -> tuple[str, ...]:
    """The office's findings and awards still counting, each as `id 单位 项目 日期` (the id is what is read)."""
    facts = vocabulary.facts
    replaced = {f.get("target") for f in facts.values()} | {f.get("corrects") for f in facts.values()}
    names = {s["id"]: s["name"] for s in vocabulary.subjects.values()}
    entries = []
    for fact in facts.values():
        if fact.get("item") in items and fact["id"] not in replaced and fact.get("type") in ("deduction", "bonus"):
            who = names.get(fact.get("subject") or "", "") or "、".join(names.get(p.get("subject", ""), "")
                                                                       for p in fact.get("parties") or [])
            title = vocabulary.scheme.items[fact["item"]].title
            entries.append(text("template.fact_entry", id=fact["id"], subject=who, item=fact["item"], title=title,
                                occurred_on=fact.get("occurred_on") or "").strip())
    return tuple(entries) or (text("export.no_grade"),)


def _takes_amount(item: Item) -> bool:
    rule = item.deduct if isinstance(item, DeductionItem) else getattr(item, "bonus", None)
    return rule is not None and (rule.range is not None or getattr(rule, "steps", None) is not None)


def _situations(vocabulary: Vocabulary) -> bool:
    from domain.scheme.model import walk

    return any(isinstance(n, Section) and n.highest_only for n, _ in walk(vocabulary.scheme.tree))


def _article_lookup(sheet: Any, columns: list[Column], items: list[Item]) -> None:
    """Beside each chosen item, its article and text (looked up on the items sheet)."""
    article = next(i for i, c in enumerate(columns) if c.key == "article")
    item = next(i for i, c in enumerate(columns) if c.key == "item")
    table = f"'{text('template.items_sheet')}'!$A$2:$F${len(items) + 1}"
    for row in range(FIRST, FIRST + ROWS):
        cell = f"{letter(item)}{row + 1}"
        sheet.write_formula(row, article, f'=IF({cell}="","",IFERROR(VLOOKUP({cell},{table},4,FALSE),""))', None, "")


def _item_row(vocabulary: Vocabulary, item: Item) -> list[str]:
    needs = "、".join(vocabulary.heading(c.attribute) for c in choices(item) if c.required)
    return [item_entry(item), item.id, item.title, f"{item.article or ''} {item.title}".strip(),
            _rule(vocabulary, item), needs]


def _rule(vocabulary: Vocabulary, item: Item) -> str:
    """The scoring rule in a few words: 每次扣2分; 市级2分、省级3分."""
    sign = text("template.deduct" if isinstance(item, DeductionItem) else "template.add")
    rule: Any = item.deduct if isinstance(item, DeductionItem) else item.bonus  # type: ignore[union-attr]
    if rule.per is not None:
        return text("template.rule_per", sign=sign, points=_n(rule.per))
    for attribute, mapping in _coded(rule):
        return "、".join(text("template.rule_coded", label=vocabulary.label(attribute, c), points=_n(v))
                        for c, v in mapping.items())
    if rule.range is not None:
        return text("template.rule_range", sign=sign, low=_n(rule.range.min), high=_n(rule.range.max))
    if getattr(rule, "shares", None):
        return "、".join(text("template.rule_shares", role=vocabulary.label("role", r), sign=sign, points=_n(v))
                        for r, v in rule.shares.items())
    return ""


def _coded(rule: Any) -> list[tuple[str, dict[str, Decimal]]]:
    out = []
    if getattr(rule, "graded", None) is not None:
        out.append((rule.graded.by, rule.graded.values))
    if getattr(rule, "levels", None):
        out.append(("level", rule.levels))
    if getattr(rule, "rank_award", None):
        out.append(("rank", rule.rank_award))
    return out


def _n(value: Decimal) -> str:
    return canonical_str(value)


