"""Reading an uploaded sheet into facts: every problem in it found and located at once, nothing
touched in the ledger. The recorder, period and ids come from who uploads and where, not the file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.errors import FactsInvalid, Problem
from domain.texts.catalog import text
from service.sheets.columns import Header, find_header, letter
from service.sheets.reading import FileUnreadable, read_sheets
from service.sheets.rows import CellProblem, RowReader
from service.sheets.vocabulary import Vocabulary
from service.tokens import Actor

MAX_ROWS = 100_000
MAX_BYTES = 32 * 1_048_576  # of an uploaded file (a 100,000-row .xlsx is about 4 MB)
Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass
class SheetInvalid(FactsInvalid):
    """Raised when an uploaded sheet has problems; each names its sheet, row and column, in Chinese."""

    cells: list[CellProblem] = field(default_factory=list)

    @classmethod
    def of(cls, problems: list[CellProblem]) -> SheetInvalid:
        return cls(text("sheets.refused", count=len(problems)), [_problem(p) for p in problems], list(problems))


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name (the suffix says its kind), its bytes and, for CSV, a chosen encoding."""

    filename: str
    data: bytes
    encoding: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedFile:
    """The facts a file records, where each came from, and what was set aside."""

    filename: str
    sha256: str
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)
    headers: dict[str, Header] = field(default_factory=dict)
    facts: list[dict[str, Any]] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)  # sheet, row (from 1)
    ignored: list[str] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    blank_ratings: int = 0
    unchanged: int = 0  # a rater's scores equal to its live ones: nothing to record

    def raise_problems(self) -> None:
        """Every problem, in the order of the file: sheet by sheet, row by row, column by column."""
        if self.problems:
            order = {name: i for i, name in enumerate(self.sheets)}
            raise SheetInvalid.of(sorted(self.problems, key=lambda p: (order.get(p.sheet, -1), p.row,
                                                                       -1 if p.column is None else p.column)))


def parse_upload(upload: Upload, vocabulary: Vocabulary, actor: Actor | None = None, today: date | None = None,
                 progress: Progress | None = None) -> ParsedFile:
    """Every fact in the file, and every problem in it (located), without touching the ledger."""
    parsed = ParsedFile(upload.filename, upload.sha256)
    try:
        sheets = read_sheets(upload.data, upload.filename, upload.encoding)
    except FileUnreadable as exc:
        parsed.problems.append(CellProblem(upload.filename, 1, None, None, str(exc)))
        return parsed
    rater = next(iter(actor.rater_roles().items()), None) if actor is not None else None
    total, done = sum(len(s.rows) for s in sheets), 0
    for sheet in sheets:
        parsed.encoding = parsed.encoding or sheet.encoding
        header = find_header(sheet.rows, vocabulary)
        if header is not None and _records(header):
            _read_sheet(parsed, sheet.name, sheet.rows, header, RowReader(vocabulary, header, sheet.name, rater=rater,
                                                                          today=today, problems=parsed.problems),
                        done, total, progress)
        done += len(sheet.rows)
    _whole_file_problems(parsed, sheets[0].name if sheets else upload.filename)
    if progress is not None:
        progress(total, total)
    return parsed


def _records(header: Header) -> bool:
    """A sheet records facts when it names subjects or parties, decisions, or facts to retract or exempt."""
    return any(header.column_of(k) is not None
               for k in ("subject", "parties", "veto", "affirmation", "condition", "target"))


def _read_sheet(parsed: ParsedFile, name: str, rows: list[list[Any]], header: Header, reader: RowReader, done: int,
                total: int, progress: Progress | None) -> None:
    parsed.sheets.append(name)
    parsed.headers[name] = header
    parsed.ignored += [h for h in header.ignored if h not in parsed.ignored]
    for column, heading, earlier in header.duplicates:
        parsed.problems.append(CellProblem(name, header.row + 1, column, heading,
                                           text("sheets.duplicate_column", heading=heading, other=letter(earlier))))
    for number in range(header.row + 1, len(rows)):
        fact = reader.read(number, rows[number])
        if fact is not None:
            parsed.facts.append(fact)
            parsed.origins.append((name, number + 1))
        if progress is not None and number % 5000 == 0:
            progress(done + number, total)
    parsed.blank_ratings += reader.blank_ratings


def _whole_file_problems(parsed: ParsedFile, first_sheet: str) -> None:
    if not parsed.sheets and not parsed.problems:
        parsed.problems.append(CellProblem(first_sheet, 1, None, None, text("sheets.no_header", rows=10)))
    elif not parsed.facts and not parsed.problems:
        parsed.problems.append(CellProblem(parsed.sheets[0], 1, None, None, text("sheets.no_rows")))
    rows = len(parsed.facts)
    if rows > MAX_ROWS:
        parsed.problems.append(CellProblem(parsed.sheets[0], 1, None, None,
                                           text("sheets.too_many_rows", limit=MAX_ROWS, count=rows)))


def _problem(found: CellProblem) -> Problem:
    cell = f"{letter(found.column)}{found.row}" if found.column is not None else str(found.row)
    return Problem(f"{found.sheet}!{cell}", str(found), found.row)
