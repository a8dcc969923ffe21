"""As-of replay: a period's results from the log up to a position or a timestamp."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.errors import ScoreledgerError
from domain.scoring import PeriodResult
from projections.fast.api import fast_canonical
from projections.period_input import LogFold, key_of
from projections.records import NotificationSource, Record, read_log
from projections.scoring import canonical_chunks, score_input


class PeriodNotInLog(ScoreledgerError):
    """Raised when a period was not (yet) opened at the requested position."""


def fold_log(
    source: NotificationSource, upto: int | None = None, page: int = 1000, progress: object | None = None
) -> tuple[LogFold, list[Record]]:
    """Fold the log up to a position (inclusive); also returns every record read, in order."""
    fold, records = LogFold(), []
    for batch in read_log(source, upto=upto, page=page):
        for record in batch:
            fold.apply(record)
        records.extend(batch)
        if callable(progress):
            progress(batch[-1].position)
    return fold, records


def fold_upto(source: NotificationSource, upto: int | None = None) -> LogFold:
    """The log folded up to a position (inclusive), its records not kept (a province's are gigabytes)."""
    fold = LogFold()
    for batch in read_log(source, upto=upto):
        for record in batch:
            fold.apply(record)
    return fold


def result_as_of(
    source: NotificationSource, period: str, position: int | None = None, bureau: str = "default"
) -> PeriodResult:
    """The period's results computed from the events up to a log position (None: now)."""
    fold = fold_upto(source, position)
    key = key_of(bureau, period)
    if key not in fold.periods:
        raise PeriodNotInLog(f"period {period} is not open at position {position if position is not None else 'now'}")
    return score_input(fold, fold.periods[key])


def canonical_as_of(
    source: NotificationSource,
    period: str,
    position: int | None = None,
    bureau: str = "default",
    workers: int = 1,
) -> Iterator[bytes]:
    """The canonical bytes of `result_as_of` in pieces, a group at a time (never the whole period's
    scorecards in memory; with `workers` > 1, large periods are scored by forked processes).
    Folding happens before the first piece, so an unknown period raises before anything is yielded.

    The fast replay (projections/fast/) gives them when it can vouch for the period; else the reference
    fold and engine below (the same bytes: tests/differential/)."""
    fast = fast_canonical(source, period, position, bureau, workers)
    if fast is not None:
        return fast
    fold = LogFold()
    for batch in read_log(source, upto=position):
        for record in batch:
            fold.apply(record)
    key = key_of(bureau, period)
    if key not in fold.periods:
        raise PeriodNotInLog(f"period {period} is not open at position {position if position is not None else 'now'}")
    return canonical_chunks(fold, fold.periods[key], workers)


def position_at(source: NotificationSource, when: datetime) -> int:
    """The last log position whose event was recorded at or before a timestamp."""
    last = 0
    for batch in read_log(source):
        for record in batch:
            stamp = record.state.get("timestamp")
            text = stamp.get("_data_") if isinstance(stamp, dict) else stamp
            if text is not None and datetime.fromisoformat(str(text)) > when:
                return last
            last = record.position
    return last
