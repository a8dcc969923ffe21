"""The first pass of the fast replay: the log folded without its facts, and where each fact stream's
rows are.

Every event that is not a fact is folded by the projections' own LogFold (periods, subjects, scheme
bindings, closing, seals, scheme documents, stream openings, appeals), so that state is the
reference's. Fact rows are not read, only placed: each stream's positions, kept as runs of
consecutive positions (a bulk import writes a person's facts together).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from projections.fast.reading import Reader, Row
from projections.period_input import LogFold
from projections.records import Record


@dataclass
class Placed:
    """One stream's fact rows: runs of consecutive positions (first, last) and how many rows."""

    runs: list[tuple[int, int]] = field(default_factory=list)
    rows: int = 0


@dataclass
class LogIndex:
    """The fold of every event but the facts, and the fact streams' places."""

    fold: LogFold
    streams: dict[str, Placed] = field(default_factory=dict)  # stream (UUID text) with fact rows -> its rows
    registered: dict[str, dict[str, int]] = field(default_factory=dict)  # period key -> subject -> position
    twice: set[str] = field(default_factory=set)  # period keys where a subject was registered again
    closings: dict[str, int] = field(default_factory=dict)  # period key -> how many Closed events
    opened: dict[str, int] = field(default_factory=dict)  # fact stream -> position of its opening
    position: int = 0
    rows: int = 0  # how many rows the log holds up to `position` (the streams' counts summed)


def index_log(reader: Reader, upto: int | None, key: str | None = None,
              seen: Callable[[list[Row]], None] | None = None) -> LogIndex:
    """Fold the log up to a position (None: its end), placing the fact rows without reading them (only
    those of the period `key`, when given: another period's facts never change its results). `seen`: given
    each batch of the rows that are not facts, whole as read (the views' witness leaves are made of them).

    The database does the counting: each stream's first and last position and number of rows (an
    index-only pass), and the rows that are not facts (folded here). A stream whose rows are all
    consecutive has its fact rows in one run, less the non-fact rows among them; any other stream's
    positions are read from its index."""
    upto = reader.last() if upto is None else upto
    index = LogIndex(LogFold(), position=upto)
    others: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    loads, name_of = orjson.loads, reader.name
    # the database counts, and scans the log's two halves, on connections of their own while this
    # thread folds the first half's rows as they come (the queries run without the interpreter's lock)
    counting = _Beside(reader, lambda own: own.streams(upto))
    half = upto // 2 if upto >= SPLIT else upto
    later = _Beside(reader, lambda own: [r for rows in own.others(upto, half) for r in rows]) if half < upto else None
    early = _Streamed(reader, lambda own: own.others(half, chunk=CHUNK)) if half < upto else None
    try:
        for rows in _chained(early if early is not None else reader.others(half), later):
            if seen is not None:
                seen(rows)
            for position, raw, version, topic, state in rows:
                name = names.get(raw)
                if name is None:
                    name = names[raw] = name_of(raw)
                others.setdefault(name, []).append(position)
                _fold(index, Record(position, name, version, topic, bytes(state), loads(state)))
    finally:
        if early is not None:
            early.close()
        if later is not None:
            later.result()
        counted = counting.result()
    scattered: list[str] = []
    index.rows = sum(count for *_, count in counted)
    for raw, first, last, count in counted:
        name = names.get(raw) or name_of(raw)
        skipped = others.get(name, ())
        if count == len(skipped) or (key is not None and index.fold.streams.get(name) != key):
            continue  # no fact rows, or another period's
        if last - first + 1 == count:
            index.streams[name] = Placed(_runs_between(first, last, skipped), count - len(skipped))
        else:
            scattered.append(name)
            index.streams[name] = Placed()  # kept in the count's order; its runs just below
    # every scattered stream's positions together (one query on PostgreSQL)
    found = reader.positions_of(scattered, upto) if scattered else {}
    for name in scattered:
        kept = sorted(set(found.get(name, ())) - set(others.get(name, ())))
        index.streams[name] = Placed(_runs_of(kept), len(kept))
    return index


SPLIT = 100_000  # positions: a log this long has its non-fact rows scanned in two halves at once
CHUNK = 2_000  # rows: the first half's rows handed over this many at a time, folded while the scan goes on


def _chained(first: Iterable[list[Row]], later: _Beside | None) -> Iterator[list[Row]]:
    yield from first
    if later is not None:
        yield later.result()


class _Beside:
    """A query on a connection of its own, in a thread: SQLite and PostgreSQL run it without the
    interpreter's lock, beside what this thread does."""

    def __init__(self, reader: Reader, query: Callable[[Reader], Any]):
        self.reader, self.query = reader, query
        self.found: Any = None
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="fast-index", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        own = self.reader.fresh()
        try:
            self.found = self.query(own)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            self.failed = exc
        finally:
            own.close()

    def result(self) -> Any:
        self.thread.join()
        if self.failed is not None:
            raise self.failed
        return self.found


class _Streamed:
    """A query on a connection of its own, in a thread, its rows handed over chunk by chunk as they come:
    this thread folds a chunk while the database finds the next ones."""

    def __init__(self, reader: Reader, query: Callable[[Reader], Iterator[list[Row]]]):
        self.reader, self.query = reader, query
        self.chunks: queue.SimpleQueue[list[Row] | None] = queue.SimpleQueue()
        self.failed: BaseException | None = None
        self.stop = False
        self.thread = threading.Thread(target=self._run, name="fast-index-rows", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        own = self.reader.fresh()
        try:
            for rows in self.query(own):
                if self.stop:
                    break
                self.chunks.put(rows)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            self.failed = exc
        finally:
            self.chunks.put(None)
            own.close()

    def __iter__(self) -> Iterator[list[Row]]:
        while (rows := self.chunks.get()) is not None:
            yield rows
        self.thread.join()
        if self.failed is not None:
            raise self.failed

    def close(self) -> None:
        """Stop the query (if the caller stopped reading) and wait for the thread."""
        self.stop = True
        self.thread.join()


def _runs_between(first: int, last: int, skipped: list[int] | tuple[()]) -> list[tuple[int, int]]:
    """The runs of first..last without the skipped positions (all within it)."""
    runs, start = [], first
    for position in sorted(skipped):
        if position > start:
            runs.append((start, position - 1))
        start = position + 1
    if start <= last:
        runs.append((start, last))
    return runs


def _runs_of(positions: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and runs[-1][1] == position - 1:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def _fold(index: LogIndex, record: Record) -> None:
    """Fold one event the reference's way, noting what the fast path must know about it."""
    if record.topic == "scoreledger:FactLedger.Opened":
        index.opened.setdefault(record.stream, record.position)
    elif record.topic == "scoreledger:Period.Closed":
        key = index.fold.streams.get(record.stream)
        if key is not None:
            index.closings[key] = index.closings.get(key, 0) + 1
    elif record.topic == "scoreledger:Period.SubjectRegistered":
        key = index.fold.streams.get(record.stream)
        subject = record.state.get("subject")
        if key is not None and isinstance(subject, dict):
            seen = index.registered.setdefault(key, {})
            if subject.get("id") in seen:
                index.twice.add(key)
            else:
                seen[subject.get("id")] = record.position  # type: ignore[index]
    index.fold.apply(record)
