"""As-of replay: a period's results from the log up to a position or a timestamp."""

from __future__ import annotations

from datetime import datetime

from domain.errors import ScoreledgerError
from domain.scoring import PeriodResult
from projections.period_input import LogFold, key_of
from projections.records import NotificationSource, Record, read_log
from projections.scoring import score_input


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


def result_as_of(
    source: NotificationSource, period: str, position: int | None = None, bureau: str = "default"
) -> PeriodResult:
    """The period's results computed from the events up to a log position (None: now)."""
    fold, _ = fold_log(source, upto=position)
    key = key_of(bureau, period)
    if key not in fold.periods:
        raise PeriodNotInLog(f"period {period} is not open at position {position if position is not None else 'now'}")
    return score_input(fold, fold.periods[key])


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
