"""A rater's sheet (测评表) as a workbook: one row per subject and rating item of the rater's role, the
scale stated on every row (R2: scores are given on it and converted to the item's points), the rater's
saved scores already filled in. Rows left without a score are not imported; a changed score is
recorded as a correction of the saved one (R3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.scheme.nodes import RatingItem
from domain.scoring.applicability import applicable_ids
from domain.texts.catalog import text
from domain.texts.sheets import COLUMNS, period_name
from service.sheets.template_book import Column, TemplateBook
from service.sheets.vocabulary import Vocabulary, item_entry, subject_entries
from service.sheets.workbook import ExactNumber


def rating_template(vocabulary: Vocabulary, period: str, rater: str, role: str) -> bytes:
    """The sheet of one rater, who rates under `role` (R1)."""
    items = [i for i in vocabulary.scheme.items.values() if isinstance(i, RatingItem) and role in i.rating.roles]
    rows = _rows(vocabulary, items, rater)
    role_name = vocabulary.label("role", role)
    title = text("template.rating_title", period=period_name(period), rater=f"{rater}（{role_name}）")
    high = max((i.rating.scale for i in items), default=0)
    columns = [Column("seq", COLUMNS["seq"], 6), Column("subject", COLUMNS["subject"], 18, True),
               Column("item", COLUMNS["item"], 30, True), Column("scale", COLUMNS["scale"], 8),
               Column("value", COLUMNS["value"], 10, True, number=("decimal", Decimal(0), high),
                      error="template.error_score"),
               Column("note", COLUMNS["note"], 30)]
    book = TemplateBook()
    book.entry_sheet(text("template.sheet"), title, columns, rows=len(rows), prefilled=rows).activate()
    book.instructions(title, [vocabulary.scheme.title, text("template.period_line", name=period_name(period),
                                                            code=period),
                              text("template.roles_line", rater=rater, role=role_name), "",
                              *text("template.rating_instructions").splitlines()])
    return book.close()


def _rows(vocabulary: Vocabulary, items: list[RatingItem], rater: str) -> list[dict[str, Any]]:
    saved = _saved(vocabulary.facts, rater)
    subjects = sorted(vocabulary.subjects.values(), key=lambda s: s["id"])
    names = dict(zip((s["id"] for s in vocabulary.subjects.values()), subject_entries(vocabulary), strict=True))
    applies = {kind: applicable_ids(vocabulary.scheme, kind) for kind in {s["kind"] for s in subjects}}
    rows = []
    for subject in subjects:
        for item in items:
            if item.id not in applies[subject["kind"]]:
                continue
            row = {"seq": len(rows) + 1, "subject": names[subject["id"]], "item": item_entry(item),
                   "scale": ExactNumber(item.rating.scale)}
            value = saved.get((item.id, subject["id"]))
            if value is not None:
                row["value"] = ExactNumber(Decimal(value))
            rows.append(row)
    return rows


def _saved(facts: dict[str, dict[str, Any]], rater: str) -> dict[tuple[str, str], str]:
    """The rater's scores still counting, by (item, subject)."""
    replaced = {f.get("corrects") for f in facts.values()} | {f.get("target") for f in facts.values()}
    return {(f["item"], f["subject"]): str(f["value"]) for f in facts.values()
            if f.get("type") == "rating" and f.get("rater") == rater and f["id"] not in replaced}
