"""A quarter's facts file imported by an operator (`scoreledger facts import`): the bulk importer (service/bulk.py)
with an idempotency key per batch (the period, its place, the SHA-256 of its lines), every problem named by its
file and line.

Each batch is one transaction, all of it or none. A run stops at the first batch refused (or the first line
that is no JSON object): the batches before it stay recorded, nothing from that batch on is. Run again with
the same file(s) (after an interruption, or after correcting a line), every batch already recorded is
recognised by its key and request hash and skipped, so nothing is recorded twice; a batch whose content
changed under the same key is refused (IdempotencyKeyReused). On SQLite and PostgreSQL a batch takes the fast
lane with its key: the lane writes the key's CommandRecord (the reference's `_save` stores the same) after the batch's
events in one transaction, and a batch whose key is done is skipped before the lane sees it.

`check_only` decides every batch as the import would, against what the store holds and what the batches
before it would add, without saving anything, and goes on after a refused batch to name every problem.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from orjson import JSONDecodeError, loads
from pydantic import ValidationError

from domain.canonical import plain, sha256_hex
from domain.errors import FactsInvalid, Problem, ScoreledgerError
from domain.facts import Subject
from service.bulk import Importer, ImportReport, Stream
from service.commands import Ledger

BATCH = 5000
CHECK_ROUNDS = 3  # a check decides a refused batch again without the lines named: their shape first, then rules
_SUBJECT_PATH = "subject "


@dataclass
class Where:
    """Where each item (a line that is not blank nor a `#` comment) came from: file and line number."""

    files: list[Path]
    packed: array = field(default_factory=lambda: array("q"))  # file index << 32 | line number

    def add(self, file: int, line: int) -> None:
        self.packed.append(file << 32 | line)

    def of(self, item: int) -> tuple[Path, int]:
        packed = self.packed[item]
        return self.files[packed >> 32], packed & 0xFFFFFFFF


@dataclass
class BulkOutcome:
    """What a run recorded (or would record), and every problem named by file and line."""

    report: ImportReport
    sha256: str  # of the files' bytes, in order
    check_only: bool
    items: int = 0  # lines read that are not blank nor comments
    recorded_subjects: int = 0  # by this run (a check: that it would record), not in batches recorded before
    recorded_facts: int = 0
    problems: list[Problem] = field(default_factory=list)
    stopped_at: tuple[Path, int] | None = None  # the first line of the batch (or the line) a run stopped at


def file_sha256(files: list[Path]) -> str:
    """The SHA-256 of the files' bytes, in order (shown in the summary: which file this was)."""
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def batch_key(period: str, what: str, number: int, raws: list[bytes]) -> str:
    """A batch's idempotency key: the period, its place in the file and the SHA-256 of its lines. The same
    file run again skips every batch it recorded; a file corrected at one line records again only the batch
    of that line and those after it whose lines changed (a key per file would record the others twice)."""
    digest = hashlib.sha256()
    for raw in raws:
        digest.update(raw)
        digest.update(b"\n")
    return f"bulk-import:{period}:{what}{number}:{digest.hexdigest()}"


class CheckOnly(Importer):
    """Decides every batch as the import does and saves none: what a batch records stays in the kept
    streams and the period (never evicted), so the batches after it are checked against it."""

    fast = False

    def __init__(self, ledger: Ledger, code: str, actor: str, at: str) -> None:
        super().__init__(ledger, code, actor, at, cache=1 << 62)
        self.loading: set[str] = set()

    def _save(self, decide: Callable[[], list[Any]], reload: Callable[[], None], key: str | None,
              request: Any, request_hash: str | None = None) -> None:
        if key and self._done(key, request_hash or sha256_hex(plain(request))):
            self.report.skipped += 1
            return
        decide()
        self.report.batches += 1

    def _stream(self, name: str) -> Stream:
        """A stream not kept is read from the store (the import creates it optimistically, and decides again
        when saving fails; nothing is saved here). What the check's batches added to a stream a refused batch
        touched is gone with it (`Importer._facts_in` drops them): later lines are checked against the store."""
        if name in self.streams or name in self.loading:
            return super()._stream(name)
        self.loading.add(name)
        try:
            return self._load(name)  # the stored stream, or (not stored) a new one through this method again
        finally:
            self.loading.discard(name)


def import_files(
    ledger: Ledger, period: str, files: list[Path], actor: str, at: str, *, check_only: bool = False,
    batch: int = BATCH, progress: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """Import the files' lines into an open period: the leading `type: subject` rows registered, the rest
    recorded as facts, `batch` per transaction, each under its key (`batch_key`). A refused batch or a bad
    line ends a run (not a check) with ImportStopped naming the lines; the outcome says what was recorded.
    `progress` is told the bytes read so far."""
    importer = CheckOnly(ledger, period, actor, at) if check_only else Importer(ledger, period, actor, at)
    outcome = BulkOutcome(importer.report, file_sha256(files), check_only)
    where = Where(files)
    rows = _rows(files, where, outcome, progress)
    subjects: list[Subject] = []
    raws: list[bytes] = []
    first: tuple[int, dict[str, Any], bytes] | None = None
    subject_at: dict[str, int] = {}
    begin = 0  # the first item of the batch being decided
    try:
        for item, row, raw in rows:
            if row.get("type") != "subject":
                first = item, row, raw
                break
            raws.append(raw)
            try:
                subjects.append(Subject.model_validate({k: v for k, v in row.items() if k != "type"}))
                subject_at[subjects[-1].id] = item
            except ValidationError as exc:
                _problems(outcome, where, item, [Problem(".".join(map(str, e["loc"])), e["msg"])
                                               for e in exc.errors(include_url=False)])
        if outcome.problems:  # no subject is registered while one of them is wrong
            _stop(outcome, where, 0)
            return outcome
        for number, start in enumerate(range(0, len(subjects), batch)):
            chunk, begin = subjects[start : start + batch], start
            skipped = outcome.report.skipped
            importer.subjects_in(chunk, batch, batch_key(period, "s", number, raws[start : start + batch]))
            if outcome.report.skipped == skipped:
                outcome.recorded_subjects += len(chunk)
    except _BadLine:
        _stop(outcome, where, 0)
        return outcome
    except ScoreledgerError as exc:
        _refused(outcome, where, exc, begin, lambda p: _subject_item(p, subject_at))
        _stop(outcome, where, begin)
        return outcome
    begin = len(subjects)
    try:
        for number, chunk in enumerate(_chunks(_with_first(first, rows), batch)):
            begin = chunk[0][0]
            _facts_batch(importer, outcome, where, period, number, chunk)
            begin += len(chunk)
    except _BadLine:
        _stop(outcome, where, begin)
    _stop(outcome, where, None)
    return outcome


class _BadLine(Exception):  # noqa: N818 - not an error people see: it ends the rows of a run
    """A line that is no JSON object, in a run (not a check): the rows end there."""


def _rows(files: list[Path], where: Where, outcome: BulkOutcome,
          progress: Callable[[int], None] | None) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """Each item's index, row and bytes; a line that is no JSON object ends the rows of a run with its
    problem (raising _BadLine: the batch it is in is not recorded); a check goes on past it."""
    done = 0
    for index, path in enumerate(files):
        with path.open("rb") as file:
            for number, raw in enumerate(file, start=1):
                done += len(raw)
                if progress is not None and number % 1000 == 0:
                    progress(done)
                stripped = raw.strip()
                if not stripped or stripped.startswith(b"#"):
                    continue
                item = len(where.packed)
                where.add(index, number)
                try:
                    row = loads(stripped)
                except JSONDecodeError as exc:
                    _problems(outcome, where, item, [Problem("", f"not valid JSON: {exc}")])
                else:
                    if isinstance(row, dict):
                        yield item, row, stripped
                        continue
                    _problems(outcome, where, item, [Problem("", "each line must be a JSON object")])
                if not outcome.check_only:
                    raise _BadLine
    if progress is not None:
        progress(done)


def _with_first(first: tuple[int, dict[str, Any], bytes] | None,
                rows: Iterator[tuple[int, dict[str, Any], bytes]]) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    if first is not None:
        yield first
    yield from rows


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _facts_batch(importer: Importer, outcome: BulkOutcome, where: Where, period: str, number: int,
                 chunk: list[tuple[int, dict[str, Any], bytes]]) -> None:
    """Decide one batch of facts under its key; a refused one ends a run, a check notes its problems. A line
    naming another period refuses its batch (the import stamps its own period: it would be moved silently);
    a check notes it and checks the batch's other lines."""
    begin, skipped = chunk[0][0], outcome.report.skipped
    other = [Problem(f"facts[{index}].period", f"the line is of period {row['period']!r}, not {period}")
             for index, (_, row, _) in enumerate(chunk) if row.get("period", period) != period]
    refused = bool(other)  # nothing of a refused batch counts as recorded
    key = batch_key(period, "f", number, [raw for _, _, raw in chunk])
    if other:
        _refused(outcome, where, FactsInvalid("fact refused", other), begin,
                 lambda p, i=[item for item, _, _ in chunk]: _fact_item(p, i))
        if not outcome.check_only:
            _stop(outcome, where, begin)
        chunk = [line for line in chunk if line[1].get("period", period) == period]
    for _ in range(CHECK_ROUNDS if outcome.check_only else 1):
        try:
            importer.facts_in([row for _, row, _ in chunk], len(chunk) or 1, key)
        except ScoreledgerError as exc:
            items = [item for item, _, _ in chunk]
            _refused(outcome, where, exc, begin, lambda p, i=items: _fact_item(p, i))
            if not outcome.check_only:
                _stop(outcome, where, begin)
            named = {_fact_index(p) for p in getattr(exc, "problems", [])} - {None}
            if not named:
                return
            chunk = [line for index, line in enumerate(chunk) if index not in named]  # the rest checked again
            refused = True
        else:
            if outcome.report.skipped == skipped and not refused:
                outcome.recorded_facts += len(chunk)
            return


def _fact_index(problem: Problem) -> int | None:
    """The index in its batch (file order) of the fact a problem names (`facts[i]…`), None for the batch."""
    path = problem.path
    if path.startswith("facts[") and "]" in path and path[6 : path.index("]")].isdigit():
        return int(path[6 : path.index("]")])
    return None


def _fact_item(problem: Problem, items: list[int]) -> int | None:
    """The item a batch's problem names, None for the batch."""
    index = _fact_index(problem)
    return items[index] if index is not None and index < len(items) else None


def _subject_item(problem: Problem, subject_at: dict[str, int]) -> int | None:
    if problem.path.startswith(_SUBJECT_PATH):
        return subject_at.get(problem.path[len(_SUBJECT_PATH):].split(".")[0])
    return None


def _refused(outcome: BulkOutcome, where: Where, exc: ScoreledgerError, begin: int,
             item_of: Callable[[Problem], int | None]) -> None:
    """A refused batch's problems, each at its line (the batch's first line when a problem names none)."""
    if isinstance(exc, FactsInvalid):
        for problem in exc.problems:
            item = item_of(problem)
            if item is None:
                _problems(outcome, where, begin, [problem])
                continue
            if _fact_index(problem) is not None:  # its line says which fact
                problem = Problem(problem.path[problem.path.index("]") + 1 :].lstrip("."), problem.message)
            _problems(outcome, where, item, [problem])
        return
    _problems(outcome, where, begin, [Problem("", str(exc))])


def _problems(outcome: BulkOutcome, where: Where, item: int, problems: list[Problem]) -> None:
    path, line = where.of(item)
    for problem in problems:
        outcome.problems.append(Problem(f"{path.name} {problem.path}".strip(), problem.message, line))


def _stop(outcome: BulkOutcome, where: Where, begin: int | None) -> None:
    """A run ends refused at its first problem (`begin`: the first item of the batch it is in); a check
    names every problem, records nothing and ends as it went."""
    outcome.items = len(where.packed)
    outcome.problems.sort(key=lambda p: p.line or 0)
    if outcome.check_only or not outcome.problems:
        return
    outcome.stopped_at = where.of(begin if begin is not None and begin < len(where.packed) else 0)
    path, line = outcome.stopped_at
    raise ImportStopped(f"the import stopped at {path.name} line {line}: {len(outcome.problems)} problem(s); the "
                        "lines before it are recorded, nothing from it on", outcome.problems, outcome)


class ImportStopped(FactsInvalid):
    """Raised when a run stops at a refused batch or line; what it recorded before is in `outcome`."""

    def __init__(self, title: str, problems: list[Problem], outcome: BulkOutcome) -> None:
        super().__init__(title, problems)
        self.outcome = outcome
