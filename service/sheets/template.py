"""The recording template of one office for one period, generated from the scheme.

Its entry sheet has drop-down lists (data validation) for subjects, items and every coded
value the office's items take, the article beside each chosen item, and a sheet of
instructions; a filled template imports without edits (tests/sheets/test_template.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.scheme.labels import attribute_codes
from domain.scheme.nodes import BonusItem, DeductionItem, Section
from service.sheets.columns import letter
from service.sheets.texts import COLUMNS, TEXTS, period_name, text
from service.sheets.vocabulary import Item, Vocabulary, choices, item_entry
from service.sheets.workbook import Book

ROWS = 1000  # rows prepared with drop-down lists
FIRST = 2  # the first entry row (0-based): under the title and the header


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int
    required: bool = False
    options: tuple[str, ...] = ()


def recording_template(vocabulary: Vocabulary, period: str, office: str | None) -> bytes:
    """The template an office fills for a period (office None: every item an office records)."""
    items = [i for i in vocabulary.office_items() if isinstance(i, (DeductionItem, BonusItem))]
    book = Book()
    office_name = vocabulary.scheme.offices.get(office, office) if office else ""
    columns = _columns(vocabulary, items)
    _entry_sheet(book, vocabulary, items, columns, text("template.title", period=period_name(period),
                                                         office=office_name))
    _items_sheet(book, vocabulary, items)
    _instructions(book, vocabulary, period, office_name)
    _lists_sheet(book, columns)
    return book.close()


def _columns(vocabulary: Vocabulary, items: list[Item]) -> list[Column]:
    subjects = _subject_entries(vocabulary)
    out = [Column("seq", COLUMNS["seq"], 6), Column("subject", COLUMNS["subject"], 16, True, subjects),
           Column("item", COLUMNS["item"], 40, True, tuple(item_entry(i) for i in items)),
           Column("article", TEXTS["template.article"], 36), Column("count", COLUMNS["count"], 8),
           Column("occurred_on", COLUMNS["occurred_on"], 12)]
    for attribute, codes in sorted(attribute_codes(items).items()):
        ordered = [c for i in items for ch in choices(i) if ch.attribute == attribute for c in ch.codes]
        labels = tuple(dict.fromkeys(vocabulary.label(attribute, c) for c in ordered if c in codes))
        out.append(Column(f"attr:{attribute}", vocabulary.heading(attribute), 14, False, labels))
    if any(_takes_amount(i) for i in items):
        out.append(Column("amount", COLUMNS["amount"], 8))
    if _situations(vocabulary):
        out.append(Column("situation", COLUMNS["situation"], 10))
    return out + [Column("evidence", COLUMNS["evidence"], 30), Column("note", COLUMNS["note"], 16)]


def _subject_entries(vocabulary: Vocabulary) -> tuple[str, ...]:
    names = [s["name"] for s in vocabulary.subjects.values()]
    return tuple(s["name"] if names.count(s["name"]) == 1 else s["id"] for s in vocabulary.subjects.values())


def _takes_amount(item: Item) -> bool:
    rule = item.deduct if isinstance(item, DeductionItem) else getattr(item, "bonus", None)
    return rule is not None and (rule.range is not None or getattr(rule, "steps", None) is not None)


def _situations(vocabulary: Vocabulary) -> bool:
    from domain.scheme.model import walk

    return any(isinstance(n, Section) and n.highest_only for n, _ in walk(vocabulary.scheme.tree))


def _entry_sheet(book: Book, vocabulary: Vocabulary, items: list[Item], columns: list[Column], title: str) -> None:
    sheet = book.sheet(TEXTS["template.sheet"])
    sheet.merge_range(0, 0, 0, len(columns) - 1, title, book.title)
    sheet.set_row(0, 30)
    sheet.set_row(1, 32)
    sources = _sources(columns)
    for index, column in enumerate(columns):
        sheet.write_string(1, index, column.heading, book.required if column.required else book.header)
        sheet.set_column(index, index, column.width, book.date if column.key == "occurred_on" else None)
        _validate(sheet, index, column, sources.get(column.key))
    article = next(i for i, c in enumerate(columns) if c.key == "article")
    item = next(i for i, c in enumerate(columns) if c.key == "item")
    for row in range(FIRST, FIRST + ROWS):
        cell = f"{letter(item)}{row + 1}"
        lookup = f'=IF({cell}="","",IFERROR(VLOOKUP({cell},{_items_range(items)},4,FALSE),""))'
        sheet.write_formula(row, article, lookup, None, "")
    sheet.freeze_panes(FIRST, 3)
    sheet.autofilter(1, 0, FIRST + ROWS - 1, len(columns) - 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, 1)
    sheet.activate()


def _items_range(items: list[Item]) -> str:
    return f"'{TEXTS['template.items_sheet']}'!$A$2:$F${len(items) + 1}"


def _validate(sheet: Any, index: int, column: Column, source: str | None) -> None:
    last = FIRST + ROWS - 1
    error = {"error_title": TEXTS["template.error_title"], "error_message": TEXTS["template.error_list"]}
    if source is not None:
        prompt = {"item": "template.prompt_item", "subject": "template.prompt_subject"}.get(column.key)
        shown = {"input_title": column.heading, "input_message": TEXTS[prompt]} if prompt else {}
        sheet.data_validation(FIRST, index, last, index, {"validate": "list", "source": source, **shown, **error})
    elif column.key == "count":
        sheet.data_validation(FIRST, index, last, index, {
            "validate": "integer", "criteria": "between", "minimum": 1, "maximum": 10000,
            "error_title": TEXTS["template.error_title"], "error_message": TEXTS["template.error_count"]})


def _sources(columns: list[Column]) -> dict[str, str]:
    """Each listed column's range on the hidden lists sheet, one column of it per list."""
    listed = [c for c in columns if c.options]
    name = TEXTS["template.lists_sheet"]
    return {c.key: f"='{name}'!${letter(i)}$2:${letter(i)}${len(c.options) + 1}" for i, c in enumerate(listed)}


def _items_sheet(book: Book, vocabulary: Vocabulary, items: list[Item]) -> None:
    sheet = book.sheet(TEXTS["template.items_sheet"])
    headings = ("下拉选项", "编号", "名称", "所属条款", "计分规则", "需填写")
    for index, (heading, width) in enumerate(zip(headings, (40, 8, 36, 28, 24, 20), strict=True)):
        sheet.write_string(0, index, heading, book.header)
        sheet.set_column(index, index, width)
    for row, item in enumerate(items, start=1):
        needs = "、".join(vocabulary.heading(c.attribute) for c in choices(item) if c.required)
        values = (item_entry(item), item.id, item.title, f"{item.article or ''} {item.title}".strip(),
                  _rule(vocabulary, item), needs)
        for index, value in enumerate(values):
            sheet.write_string(row, index, value, book.text)
    sheet.freeze_panes(1, 0)


def _rule(vocabulary: Vocabulary, item: Item) -> str:
    """The scoring rule in a few words: 每次扣2分; 市级2分、省级3分."""
    sign = "扣" if isinstance(item, DeductionItem) else "加"
    rule: Any = item.deduct if isinstance(item, DeductionItem) else item.bonus  # type: ignore[union-attr]
    if rule.per is not None:
        return f"每次{sign}{_n(rule.per)}分"
    for attribute, mapping in _coded(rule):
        return "、".join(f"{vocabulary.label(attribute, c)}{_n(v)}分" for c, v in mapping.items())
    if rule.range is not None:
        return f"每次{sign}{_n(rule.range.min)}–{_n(rule.range.max)}分"
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
    from domain.numbers import canonical_str

    return canonical_str(value)


def _instructions(book: Book, vocabulary: Vocabulary, period: str, office: str) -> None:
    sheet = book.sheet(TEXTS["template.instructions_sheet"])
    sheet.set_column(0, 0, 100)
    lines = [f"{vocabulary.scheme.title}", f"考核周期：{period_name(period)}（{period}）",
             f"考核科室：{office or '全部科室'}", "", *TEXTS["template.instructions"].splitlines()]
    sheet.write_string(0, 0, text("template.title", period=period_name(period), office=office), book.title)
    for row, line in enumerate(lines, start=2):
        sheet.write_string(row, 0, line, book.plain)


def _lists_sheet(book: Book, columns: list[Column]) -> None:
    sheet = book.sheet(TEXTS["template.lists_sheet"])
    listed = [c for c in columns if c.options]
    for index, column in enumerate(listed):
        sheet.write_string(0, index, f"{column.heading}（选项）")
        for row, option in enumerate(column.options, start=1):
            sheet.write_string(row, index, option)
    sheet.hide()
