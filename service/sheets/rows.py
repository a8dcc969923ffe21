"""One row of a sheet turned into one fact, every problem in it found (not just the first).

The fact carries only what the row says; its id, period and recorder are stamped by the
ledger's command from who uploads and where (Ledger.prepare_facts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.scheme.labels import Choice
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scoring.applicability import applicable_ids
from domain.texts.catalog import text
from domain.texts.sheets import COLUMNS
from service.sheets import row_kinds as kinds
from service.sheets.cells import CellError, as_code, as_count, as_date, as_decimal, canonical_decimal, clean, is_blank
from service.sheets.columns import Header
from service.sheets.parties import parties
from service.sheets.vocabulary import KIND_OF, Item, Vocabulary, choices

DECISIONS = ("veto", "affirmation", "condition")
CHANGES = ("retraction", "exemption")
KINDS = ("deduction", "bonus", "rating", *DECISIONS, *CHANGES)
EVIDENCE_MAX = 2000
_KINDS = {**{text(f"kind.{k}"): k for k in KINDS}, **{k: k for k in KINDS}}


@dataclass
class CellProblem:
    """One problem, at a row and (where known) a column of a sheet."""

    sheet: str
    row: int  # as the spreadsheet numbers it, from 1
    column: int | None
    heading: str | None
    message: str

    def __str__(self) -> str:
        if self.column is None:
            return text("sheets.at_row", sheet=self.sheet, row=self.row, message=self.message)
        from service.sheets.columns import letter

        return text("sheets.at", sheet=self.sheet, row=self.row, column=letter(self.column),
                    heading=self.heading, message=self.message)


@dataclass
class RowReader:
    """Reads the rows under one header of one sheet."""

    vocabulary: Vocabulary
    header: Header
    sheet: str
    rater: tuple[str, str] | None = None  # a rater's own name and role (R1), when the uploader is a rater
    today: date | None = None
    problems: list[CellProblem] = field(default_factory=list)
    blank_ratings: int = 0  # rows of a rating sheet left without a score: not imported
    _applicable: dict[str, set[str]] = field(default_factory=dict)

    def read(self, number: int, cells: list[Any]) -> dict[str, Any] | None:
        """The fact a row records, or None for a blank row (problems are collected)."""
        values = {key: cells[c] for c, key in self.header.fields.items() if c < len(cells) and not is_blank(cells[c])}
        if not values:
            return None
        row = _Row(self, number, values)
        return row.fact()

    def applies(self, item: Item, subject: str) -> bool:
        kind = self.vocabulary.subjects[subject]["kind"]
        if kind not in self._applicable:
            self._applicable[kind] = applicable_ids(self.vocabulary.scheme, kind)
        return item.id in self._applicable[kind]


class _Row:
    def __init__(self, reader: RowReader, number: int, values: dict[str, Any]) -> None:
        self.reader, self.number, self.values = reader, number, values
        self.vocabulary = reader.vocabulary
        self.failed = False

    def problem(self, key: str | None, message: str) -> None:
        self.failed = True
        column = self.reader.header.column_of(key) if key else None
        heading = self.reader.header.headings.get(column) if column is not None else None
        self.reader.problems.append(CellProblem(self.reader.sheet, self.number + 1, column, heading, message))

    def get(self, key: str, read: Callable[[Any], Any]) -> Any:
        if key not in self.values:
            return None
        try:
            return read(self.values[key])
        except CellError as exc:
            self.problem(key, str(exc))
            return None

    def required(self, key: str, read: Callable[[Any], Any], heading: str | None = None) -> Any:
        if key not in self.values:
            if self.reader.header.column_of(key) is None:
                self.problem(None, text("sheets.missing_column", heading=heading or COLUMNS.get(key, key)))
            else:
                self.problem(key, text("sheets.required"))
            return None
        return self.get(key, read)

    def fact(self) -> dict[str, Any] | None:
        kind = self.get("type", _kind)
        if kind in CHANGES or (kind is None and "target" in self.values):
            return kinds.change(self, kind)
        kind = kind or next((k for k in DECISIONS if k in self.values), None)
        if kind in DECISIONS:
            return kinds.decision(self, kind)
        item = self._item()
        if item is None:  # the rest of the row is still checked: every problem at once
            if "subject" in self.values:
                self._subject(None)
            self._common({})
            return None
        wanted = KIND_OF[type(item)]
        if kind is not None and kind != wanted:
            self.problem("type", text("sheets.type_mismatch", item=item.title, kind=text(f"kind.{wanted}"),
                                      value=clean(self.values["type"])))
        fact = kinds.rating(self, item) if isinstance(item, RatingItem) else self._attributed(item, wanted)
        return None if self.failed or fact is None else fact

    def _item(self) -> Item | None:
        key = "item" if "item" in self.values else "article" if "article" in self.values else None
        if key is None:
            self.required("item", str)
            return None
        found: Item | None = self.get(key, self.vocabulary.item)
        return found

    def _subject(self, item: Item | None) -> str | None:
        subject: str | None = self.required("subject", self.vocabulary.subject)
        if subject is not None and item is not None and not self.vocabulary.records(item.id, subject):
            self.problem("subject", self.vocabulary.not_recorded(item, subject))
        elif subject is not None and item is not None and not self.reader.applies(item, subject):
            kind = self.vocabulary.scheme.subject_kinds.get(self.vocabulary.subjects[subject]["kind"], "")
            self.problem("subject", text("sheets.not_applicable", item=item.title, kind=kind,
                                         subject=self.vocabulary.subjects[subject]["name"]))
        return subject

    def _common(self, fact: dict[str, Any]) -> dict[str, Any]:
        occurred = self.get("occurred_on", as_date)
        if occurred is not None and self.reader.today is not None and occurred > self.reader.today:
            self.problem("occurred_on", text("sheets.date_in_future", value=occurred.isoformat()))
        if occurred is not None:
            fact["occurred_on"] = occurred.isoformat()
        evidence = self.get("evidence", _evidence)
        if evidence:
            fact["evidence"] = evidence
        return fact

    def _attributed(self, item: DeductionItem | BonusItem, kind: str) -> dict[str, Any]:
        fact: dict[str, Any] = {"type": kind, "item": item.id}
        if "parties" in self.values:
            self._parties(item, fact)
        else:
            subject = self._subject(item)
            if subject is not None:
                fact["subject"] = subject
        fact["count"] = self.get("count", as_count) or 1
        self._choices(item, fact)
        self._amount(item, fact)
        for key in ("situation", "matter"):
            code = self.get(key, as_code)
            if code:
                fact[key] = code
        shortfall = self.get("shortfall", as_decimal)
        if shortfall is not None:
            fact["shortfall"] = canonical_decimal(shortfall)
        return self._common(fact)

    def _parties(self, item: DeductionItem | BonusItem, fact: dict[str, Any]) -> None:
        """D11/B6: the parties sharing the finding, instead of one subject."""
        if "subject" in self.values:
            self.problem("parties", text("sheets.parties_or_subject"))
            return
        found = self.get("parties", lambda v: parties(self.vocabulary, item, v))
        if found:
            fact["parties"] = found

    def _choices(self, item: Item, fact: dict[str, Any]) -> None:
        wanted = {c.field: c for c in choices(item)}
        for choice in wanted.values():
            code = self.get(choice.field, lambda v, c=choice: self.vocabulary.coded(c, v))  # type: ignore[misc]
            if code is None and choice.field not in self.values and choice.required:
                self._needs(item, choice)
            elif code is not None:
                _put(fact, choice.field, code)
        for key in self.values:
            if (key in ("level", "rank", "role") or key.startswith("attributes.")) and key not in wanted:
                heading = self.reader.header.headings.get(self.reader.header.column_of(key) or 0, key)
                self.problem(key, text("sheets.not_used", item=item.title, heading=heading))

    def _needs(self, item: Item, choice: Choice) -> None:
        shown = "、".join(self.vocabulary.label(choice.attribute, c) for c in choice.codes)
        self.problem(choice.field if choice.field in self.values else None,
                     text("sheets.needs_value", item=item.title, heading=self.vocabulary.heading(choice.attribute),
                          choices=shown))

    def _amount(self, item: DeductionItem | BonusItem, fact: dict[str, Any]) -> None:
        rule = item.deduct if isinstance(item, DeductionItem) else item.bonus
        bounds = rule.range
        takes = bounds is not None or getattr(rule, "steps", None) is not None
        amount = self.get("amount", as_decimal)
        if amount is None and takes and "amount" not in self.values:
            self.problem(None, text("sheets.needs_value", item=item.title, heading=COLUMNS["amount"],
                                    choices=f"{bounds.min}–{bounds.max}" if bounds else "≥0"))
        elif amount is not None and not takes:
            self.problem("amount", text("sheets.not_used", item=item.title, heading=COLUMNS["amount"]))
        elif amount is not None and bounds is not None and not bounds.min <= amount <= bounds.max:
            self.problem("amount", text("sheets.amount_range", heading=COLUMNS["amount"], low=bounds.min,
                                        high=bounds.max, value=canonical_decimal(amount)))
        elif amount is not None and amount < 0:
            self.problem("amount", text("sheets.negative", value=canonical_decimal(amount)))
        if amount is not None:
            fact["amount"] = canonical_decimal(amount)


def _kind(value: Any) -> str:
    written = clean(value)
    if written in _KINDS:
        return _KINDS[written]
    raise CellError(text("sheets.unknown_type", value=written,
                         choices="、".join(text(f"kind.{k}") for k in KINDS)))


def _evidence(value: Any) -> str:
    written = clean(value)
    if len(written) > EVIDENCE_MAX:
        raise CellError(text("sheets.too_long", max=EVIDENCE_MAX))
    return written


def _put(fact: dict[str, Any], key: str, value: str) -> None:
    if key.startswith("attributes."):
        fact.setdefault("attributes", {})[key.split(".", 1)[1]] = value
    else:
        fact[key] = value
