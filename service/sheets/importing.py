"""Importing facts from a spreadsheet: read, preview (every problem at once), confirm.

Confirming records the whole file through the ledger's own command (Ledger.record_facts, with
the same authorization the API applies) in one transaction: all of it or nothing. The
recorder is the uploader, the period is the one uploaded to, the ids are the ledger's.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.errors import FactsInvalid, InvalidInput, Problem
from service.commands import Ledger
from service.errors import Forbidden
from service.policy import check_recording
from service.sheets.cells import clean
from service.sheets.columns import find_header, letter
from service.sheets.reading import FileUnreadable, read_sheets
from service.sheets.rows import CellProblem, RowReader
from service.sheets.texts import COLUMNS, text
from service.sheets.vocabulary import Vocabulary
from service.tokens import Actor

MAX_ROWS = 100_000
Progress = Callable[[int, int], None]  # (rows done, rows in all)
_FACT_PATH = re.compile(r"^facts\[(\d+)\]\.?([A-Za-z_.]*)")


class SheetInvalid(FactsInvalid):
    """Raised when an uploaded sheet has problems; each names its sheet, row and column, in Chinese."""


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
    facts: list[dict[str, Any]] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)  # sheet, row (from 1)
    ignored: list[str] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)

    def raise_problems(self) -> None:
        if self.problems:
            raise SheetInvalid(text("sheets.refused", count=len(self.problems)), [_problem(p) for p in self.problems])


def uploader_vocabulary(ledger: Ledger, code: str, actor: Actor) -> Vocabulary:
    """The words of the period's scheme and subjects, narrowed to the items a recording office records."""
    period = ledger.period(code)
    scheme = ledger.scheme(period.scheme, period.scheme_version)
    offices = actor.scope if actor.role == "recorder" else None
    return Vocabulary.of(scheme, period.subjects, offices)


def parse_upload(upload: Upload, vocabulary: Vocabulary, actor: Actor | None = None, today: date | None = None,
                 progress: Progress | None = None) -> ParsedFile:
    """Every fact in the file, and every problem in it (located), without touching the ledger."""
    parsed = ParsedFile(upload.filename, upload.sha256)
    try:
        sheets = read_sheets(upload.data, upload.filename, upload.encoding)
    except FileUnreadable as exc:
        parsed.problems.append(CellProblem(upload.filename, 1, None, None, str(exc)))
        return parsed
    rater = actor.scope[0] if actor is not None and actor.role == "rater" and actor.scope else None
    total = sum(len(s.rows) for s in sheets)
    done = 0
    for sheet in sheets:
        parsed.encoding = parsed.encoding or sheet.encoding
        header = find_header(sheet.rows, vocabulary)
        if header is None or header.column_of("subject") is None and not _any_decision(header):
            done += len(sheet.rows)
            continue
        parsed.sheets.append(sheet.name)
        parsed.ignored += [h for h in header.ignored if h not in parsed.ignored]
        for column, heading, earlier in header.duplicates:
            parsed.problems.append(CellProblem(sheet.name, header.row + 1, column, heading,
                                               text("sheets.duplicate_column", heading=heading, other=letter(earlier))))
        reader = RowReader(vocabulary, header, sheet.name, rater=rater, today=today, problems=parsed.problems)
        for number in range(header.row + 1, len(sheet.rows)):
            fact = reader.read(number, sheet.rows[number])
            if fact is not None:
                parsed.facts.append(fact)
                parsed.origins.append((sheet.name, number + 1))
            if progress is not None and number % 5000 == 0:
                progress(done + number, total)
        done += len(sheet.rows)
    _whole_file_problems(parsed, sheets[0].name if sheets else upload.filename)
    if progress is not None:
        progress(total, total)
    return parsed


def _any_decision(header: Any) -> bool:
    return any(header.column_of(k) is not None for k in ("veto", "affirmation", "condition"))


def _whole_file_problems(parsed: ParsedFile, first_sheet: str) -> None:
    if not parsed.sheets and not parsed.problems:
        parsed.problems.append(CellProblem(first_sheet, 1, None, None, text("sheets.no_header", rows=10)))
    elif not parsed.facts and not parsed.problems:
        parsed.problems.append(CellProblem(parsed.sheets[0], 1, None, None, text("sheets.no_rows")))
    rows = len(parsed.facts)
    if rows > MAX_ROWS:
        parsed.problems.append(CellProblem(parsed.sheets[0], 1, None, None,
                                           text("sheets.too_many_rows", limit=MAX_ROWS, count=rows)))


@dataclass
class SheetImporter:
    """Preview and confirm for one uploader and one period, authorized as every recording is (service.policy)."""

    ledger: Ledger
    code: str
    actor: Actor
    at: str
    today: date | None = None

    def authorize(self, scheme: Any, prepared: list[dict[str, Any]], known: dict[str, dict[str, Any]]) -> None:
        check_recording(self.actor, scheme, prepared, known)

    def parse(self, upload: Upload, progress: Progress | None = None) -> ParsedFile:
        vocabulary = uploader_vocabulary(self.ledger, self.code, self.actor)
        parsed = parse_upload(upload, vocabulary, self.actor, self.today, progress)
        parsed.raise_problems()
        return parsed

    def preview(self, upload: Upload, progress: Progress | None = None) -> dict[str, Any]:
        """What confirming would record, checked against the ledger as recording checks it; nothing is appended."""
        parsed = self.parse(upload, progress)
        prepared = Ledger.prepare_facts(self.code, parsed.facts, self.actor.principal)
        with located(parsed):
            self.ledger.decide_facts(self.code, prepared, self.actor.principal, self.at, None, self.authorize)
        return summary(parsed, self.ledger, self.code)

    def confirm(self, upload: Upload, expected_sha256: str | None = None, key: str | None = None,
                progress: Progress | None = None) -> dict[str, Any]:
        """Record every fact of the file in one transaction, or none (the file must be the one previewed)."""
        if expected_sha256 and expected_sha256.lower() != upload.sha256:
            changed = text("sheets.changed", expected=expected_sha256[:12], actual=upload.sha256[:12])
            problem = Problem("sha256", changed)
            raise SheetInvalid(text("sheets.refused", count=1), [problem])
        parsed = self.parse(upload, progress)
        with located(parsed):
            result = self.ledger.record_facts(self.code, parsed.facts, self.actor.principal, self.at, key=key,
                                              authorize=self.authorize)
        return {**result, "rows": len(parsed.facts), "file": _file(parsed)}


@contextmanager
def located(parsed: ParsedFile) -> Iterator[None]:
    """Ledger refusals (problems and authorization) re-told at the sheet, row and column they come from."""
    try:
        yield
    except SheetInvalid:
        raise
    except InvalidInput as exc:
        problems = [_locate(parsed, p.path, p.message) for p in exc.problems]
        raise SheetInvalid(text("sheets.refused", count=len(problems)), [_problem(p) for p in problems]) from None
    except Forbidden as exc:
        if not str(exc).startswith("facts["):
            raise
        where, _, reason = str(exc).partition(": ")
        problem = _locate(parsed, where, text("sheets.not_allowed", reason=reason))
        raise SheetInvalid(text("sheets.refused", count=1), [_problem(problem)]) from None


def _locate(parsed: ParsedFile, path: str, message: str) -> CellProblem:
    found = _FACT_PATH.match(path)
    if found is None or int(found[1]) >= len(parsed.origins):
        sheet = parsed.sheets[0] if parsed.sheets else parsed.filename
        return CellProblem(sheet, 1, None, None, text("sheets.ledger", message=f"{path}: {message}"))
    sheet, row = parsed.origins[int(found[1])]
    field_name = found[2] or None
    heading = COLUMNS.get((field_name or "").split(".")[-1], field_name)
    return CellProblem(sheet, row, None, None, text("sheets.ledger", message=f"{heading or ''} {message}".strip()))


def _problem(found: CellProblem) -> Problem:
    cell = f"{letter(found.column)}{found.row}" if found.column is not None else str(found.row)
    where = f"{found.sheet}!{cell}"
    return Problem(where, str(found), found.row)


def _file(parsed: ParsedFile) -> dict[str, Any]:
    return {"name": parsed.filename, "sha256": parsed.sha256, "encoding": parsed.encoding, "sheets": parsed.sheets,
            "ignored_columns": parsed.ignored}


def summary(parsed: ParsedFile, ledger: Ledger, code: str, sample: int = 20) -> dict[str, Any]:
    """What a preview shows: the file, how many facts of which kind, per item and subject, and the first rows."""
    period = ledger.period(code)
    scheme = ledger.scheme(period.scheme, period.scheme_version)
    items = Counter(f.get("item") or f.get("veto") or f.get("affirmation") or f.get("condition") for f in parsed.facts)
    subjects = Counter(f.get("subject") for f in parsed.facts)
    first = [{"sheet": s, "row": r, "fact": f} for (s, r), f in zip(parsed.origins[:sample], parsed.facts[:sample],
                                                                     strict=True)]
    return {
        "period": code,
        "file": _file(parsed),
        "rows": len(parsed.facts),
        "kinds": dict(Counter(f["type"] for f in parsed.facts)),
        "items": [{"item": i, "title": getattr(scheme.items.get(i or ""), "title", clean(i)), "rows": n}
                  for i, n in items.most_common()],
        "subjects": [{"subject": s, "name": period.subjects.get(s or "", {}).get("name", s), "rows": n}
                     for s, n in subjects.most_common()],
        "sample": first,
    }
