"""Results as workbooks: the rankings (a sheet per group), a scorecard with its explanation, the
appeal register (申诉登记表) and a year's summary from its quarters (G6).

Every number is written as the exact decimal text of the result (workbook.ExactNumber) in the
scheme's number format, so Excel shows 89.35, and reading the file back gives 89.35.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from domain.scheme.model import Scheme
from domain.texts.catalog import group_name, text, translate_message
from domain.texts.sheets import COLUMNS, OUTCOMES, period_name
from service.sheets.workbook import Book, write_exact

Progress = Callable[[int, int], None]


def reason(scheme: Scheme, subject: dict[str, Any]) -> str:
    """Why a subject is not eligible or not graded, in Chinese: the decisions that made it so."""
    found = []
    for line in subject.get("decisions", []):
        kind, _, code = (line.get("note") or "").partition(" ")
        entry = {"veto": scheme.vetoes_by_id, "affirmation": scheme.affirmations_by_id}.get(kind, {}).get(code)
        if entry is not None:
            label = text("kind.veto") if kind == "veto" else text("kind.affirmation")
            found.append(f"{label}：{entry.title}（{entry.article}）" if entry.article else f"{label}：{entry.title}")
    if "incomplete" in " ".join(subject.get("flags", [])):
        found.append(text("export.incomplete"))
    return "；".join(found)


def sections(scheme: Scheme) -> list[tuple[str, str]]:
    """The top sections of the score tree (their id and title): the columns of a ranking."""
    return [(child.id, child.title) for child in scheme.tree.children]


def rankings_workbook(scheme: Scheme, results: dict[str, Any], progress: Progress | None = None) -> bytes:
    """One sheet per group: rank, subject, section values, total, grade, eligibility and its reason."""
    writer = RankingsWriter(scheme, results["period"], len(results["subjects"]), progress)
    groups: dict[str, list[dict[str, Any]]] = {}
    for subject in results["subjects"]:
        groups.setdefault(subject["group"], []).append(subject)
    for rows in groups.values():
        for subject in rows:
            writer.add(subject)
    return writer.close()


class RankingsWriter:
    """The rankings workbook written a group at a time as results are read in group order (queries.scan): a
    province's results are never held whole, a group's rows at most (XlsxWriter's constant-memory mode)."""

    def __init__(self, scheme: Scheme, period: str, total: int, progress: Progress | None = None) -> None:
        self.scheme, self.period, self.total, self.progress = scheme, period, total, progress
        self.book, self.places = Book(constant_memory=True), scheme.rounding.places
        self.columns = [COLUMNS["rank_no"], COLUMNS["subject"], *(t for _, t in sections(scheme)), COLUMNS["total"],
                        COLUMNS["grade"], COLUMNS["eligible"], COLUMNS["why"]]
        self.group: str | None = None
        self.rows: list[dict[str, Any]] = []
        self.done = 0

    def add(self, subject: dict[str, Any]) -> None:
        if subject["group"] != self.group:
            self._flush()
            self.group = subject["group"]
        self.rows.append(subject)

    def close(self) -> bytes:
        self._flush()
        if self.progress is not None:
            self.progress(self.total, self.total)
        return self.book.close()

    def _flush(self) -> None:
        if self.group is None:
            return
        book, columns = self.book, self.columns
        name = group_name(self.scheme.groups, self.group)
        sheet = book.sheet(name)
        _head(book, sheet, text("export.rankings_title", period=period_name(self.period)), columns,
              text("export.group", group=name))
        for r, subject in enumerate(sorted(self.rows, key=lambda s: (s["rank"], s["subject"])), start=3):
            _ranking_row(book, sheet, r, self.scheme, subject, self.places)
            self.done += 1
            if self.progress is not None and self.done % 1000 == 0:
                self.progress(self.done, self.total)
        sheet.set_column(0, 0, 6)
        sheet.set_column(1, 1, 18)
        sheet.set_column(2, len(columns) - 2, 11)
        sheet.set_column(len(columns) - 1, len(columns) - 1, 40)
        self.group, self.rows = None, []


def _head(book: Book, sheet: Any, title: str, columns: list[str], subtitle: str | None = None) -> None:
    sheet.merge_range(0, 0, 0, len(columns) - 1, title, book.title)
    sheet.set_row(0, 28)
    if subtitle:
        sheet.write_string(1, 0, subtitle)
    for c, heading in enumerate(columns):
        sheet.write_string(2, c, heading, book.header)
    sheet.freeze_panes(3, 2)
    sheet.repeat_rows(2)


def _ranking_row(book: Book, sheet: Any, r: int, scheme: Scheme, subject: dict[str, Any], places: int) -> None:
    number = book.number(places)
    sheet.write_number(r, 0, subject["rank"], book.center)
    sheet.write_string(r, 1, subject["name"], book.text)
    applied = {child["id"]: child["applied"] for child in subject["card"].get("children", [])}
    column = 2
    for node_id, _ in sections(scheme):
        write_exact(sheet, r, column, applied.get(node_id), number)
        column += 1
    write_exact(sheet, r, column, subject["total"], number)
    sheet.write_string(r, column + 1, subject.get("grade") or text("export.no_grade"), book.center)
    sheet.write_string(r, column + 2, text("export.eligible" if subject["eligible"] else "export.ineligible"),
                       book.center)
    sheet.write_string(r, column + 3, reason(scheme, subject), book.text)


def scorecard_workbook(scheme: Scheme, results: dict[str, Any], subject: dict[str, Any]) -> bytes:
    """A subject's scorecard: each node with its article, maximum and points, and the facts under each item."""
    book, places = Book(), scheme.rounding.places
    sheet = book.sheet(subject["name"])
    columns = [COLUMNS[k] for k in ("node_id", "item", "article", "max", "points", "cut", "explain", "facts",
                                    "recorded_by")]
    _head(book, sheet, text("export.scorecard_title", period=period_name(results["period"]), name=subject["name"]),
          columns, f"{COLUMNS['total']}：{subject['total']}　{COLUMNS['rank_no']}：{subject['rank']}　"
                   f"{COLUMNS['grade']}：{subject.get('grade') or text('export.no_grade')}")
    row = 3
    for node, depth in _walk(subject["card"]):
        row = _node_rows(book, sheet, row, node, depth, places)
    for c, width in enumerate((10, 40, 26, 8, 8, 12, 40, 30, 14)):
        sheet.set_column(c, c, width)
    return book.close()


def _walk(node: dict[str, Any], depth: int = 0) -> Iterable[tuple[dict[str, Any], int]]:
    yield node, depth
    for child in node.get("children", []):
        yield from _walk(child, depth + 1)


def _node_rows(book: Book, sheet: Any, row: int, node: dict[str, Any], depth: int, places: int) -> int:
    number = book.number(places)
    sheet.write_string(row, 0, node["id"], book.text)
    sheet.write_string(row, 1, "　" * depth + node["title"], book.text)
    sheet.write_string(row, 2, node.get("article") or "", book.text)
    write_exact(sheet, row, 3, node.get("max"), number)
    write_exact(sheet, row, 4, node["applied"], number)
    cut = Decimal(node.get("cut", "0")) + Decimal(node.get("overflow", "0"))
    write_exact(sheet, row, 5, cut if cut else None, number)
    sheet.write_string(row, 6, "、".join(node.get("rules", [])), book.text)
    sheet.write_blank(row, 7, None, book.text)
    sheet.write_blank(row, 8, None, book.text)
    for line in node.get("lines", []):
        row += 1
        sheet.write_string(row, 1, "　" * (depth + 1) + (line.get("note") or line["status"]), book.text)
        sheet.write_string(row, 2, line.get("occurred_on") or "", book.text)
        write_exact(sheet, row, 4, line["points"], number)
        sheet.write_string(row, 6, line["status"], book.text)
        sheet.write_string(row, 7, "、".join(line["facts"]), book.text)
        sheet.write_string(row, 8, "、".join(line["recorded_by"]), book.text)
    return row + 1


def appeals_workbook(period: str, appeals: list[dict[str, Any]], names: dict[str, str]) -> bytes:
    """The appeal register (申诉登记表): filed, deadline, accepted, decide-by, decided, outcome."""
    book = Book()
    sheet = book.sheet(text("export.appeals_title", period=""))
    columns = [COLUMNS["seq"], COLUMNS["appeal"], COLUMNS["subject"], COLUMNS["filed_on"], COLUMNS["deadline"],
               COLUMNS["accepted_on"], COLUMNS["decide_by"], COLUMNS["decided_on"], COLUMNS["outcome"],
               COLUMNS["contested"], COLUMNS["reasons"]]
    _head(book, sheet, text("export.appeals_title", period=period_name(period)), columns)
    for r, appeal in enumerate(sorted(appeals, key=lambda a: (a["filed_on"], a["appeal"])), start=3):
        history = {h["event"]: h for h in appeal.get("history", [])}
        accepted = history.get("accepted", {})
        decided = history.get("upheld") or history.get("rejected") or {}
        values = [str(r - 2), appeal["appeal"], names.get(appeal["subject"], appeal["subject"]), appeal["filed_on"],
                  appeal["deadline"], accepted.get("accepted_on", ""), accepted.get("decide_by", ""),
                  decided.get("decided_on", ""), OUTCOMES.get(appeal["status"], appeal["status"]),
                  "、".join(appeal.get("contested", [])), appeal.get("reasons", "")]
        for c, value in enumerate(values):
            sheet.write_string(r, c, value or "", book.text if c >= 9 else book.center)
    for c, width in enumerate((6, 18, 16, 12, 12, 12, 12, 12, 10, 30, 40)):
        sheet.set_column(c, c, width)
    return book.close()


def year_workbook(
    scheme: Scheme, year: str, quarters: list[dict[str, Any]], grades: dict[str, dict[str, Any]],
    set_aside: Sequence[dict[str, Any]] = (),
) -> bytes:
    """G6: a year's summary, each subject's quarter totals and grades and the year grade they give; below, the
    stored facts the quarters set aside (named, never counted), as their results name them."""
    book, places = Book(), scheme.rounding.places
    sheet = book.sheet(period_name(year))
    codes = [q["period"] for q in quarters]
    columns = [COLUMNS["subject"], *(f"{period_name(c)[5:]}{COLUMNS['total']}" for c in codes),
               *(f"{period_name(c)[5:]}{COLUMNS['grade']}" for c in codes), COLUMNS["year_grade"], COLUMNS["explain"]]
    _head(book, sheet, text("export.year_title", year=year), columns)
    by_quarter = [{s["subject"]: s for s in q["subjects"]} for q in quarters]
    subjects = sorted({s for q in by_quarter for s in q})
    for r, subject in enumerate(subjects, start=3):
        found = [q.get(subject) for q in by_quarter]
        name = next((f["name"] for f in found if f), subject)
        sheet.write_string(r, 0, name, book.text)
        for c, entry in enumerate(found, start=1):
            write_exact(sheet, r, c, entry["total"] if entry else None, book.number(places))
            sheet.write_string(r, c + len(codes), (entry or {}).get("grade") or text("export.no_grade"), book.center)
        year_grade = grades.get(subject, {})
        sheet.write_string(r, 1 + 2 * len(codes), year_grade.get("grade", text("export.no_grade")), book.center)
        sheet.write_string(r, 2 + 2 * len(codes), "；".join(year_grade.get("ruled_out", [])), book.text)
    for r, entry in enumerate(set_aside, start=4 + len(subjects)):
        line = text("finding.set_aside", position=entry["position"], fact=entry["fact"] or "—",
                    problems="；".join(translate_message(p) for p in entry["problems"]))
        sheet.write_string(r, 0, f"{period_name(entry['period'])}：{line}", book.text)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 2 * len(codes) + 1, 12)
    return book.close()
