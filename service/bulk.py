"""Bulk import: many subjects or facts per transaction, through the same aggregates and topics.

A batch is decided as `record_facts` decides one (facts stamped and routed by
`prepare_facts`, checked against the scheme, recorded on their FactLedger streams) and
saved in one transaction: all of it or none of it. Streams stay cached between batches
and are created optimistically; if one already existed, or anything else wrote to them,
the save fails with IntegrityError and the batch is decided again on freshly loaded streams.

A batch of plain facts on subjects' own streams takes the fast lane first (service/bulk_fast.py:
the fast admission instead of the fact models and check_facts, the events encoded and inserted
with one executemany on SQLite, one COPY under the recorder's table lock on PostgreSQL:
service/bulk_pg.py); any batch it does not vouch for is decided here, from the start, so the same
batches are refused with the same problems. On SQLite, with a CPU free for it, the lane's checks
run in a forked worker beside this process, the writer (service/bulk_pipe.py), batch after batch
in the same order; on PostgreSQL each batch the lane takes is written by a thread while the next
is checked (`Importer._behind`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from itertools import chain, islice
from typing import Any

from eventsourcing.persistence import IntegrityError
from orjson import loads
from pydantic import TypeAdapter

from domain.canonical import plain, sha256_hex
from domain.errors import FactsInvalid, Problem
from domain.facts import Fact, Subject, typed_facts
from domain.ledger.command import CommandRecord
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import command_id, joint_id, ledger_id
from domain.ledger.period import PeriodStateError
from domain.scoring.plausible import refuse_implausible
from domain.scoring.validate import check_facts
from domain.units import expand_units
from projections.collector import collector_paused
from service.bulk_fast import FastLane
from service.bulk_pipe import CpuSample, Pipeline, can_fork, lane_batch, names_of, parsed, worth_a_worker
from service.commands import Ledger
from service.errors import Conflict, IdempotencyKeyReused
from service.facts_routing import JOINT, log_order, route

RETRIES = 5
_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
Stream = tuple[FactLedger, list[Any]]  # the aggregate and its facts, validated
_COUNTED = ("rating", "retraction")  # earlier facts the uniqueness rules count (with rank awards)


@dataclass
class ImportReport:
    """What an import appended, in how many transactions, and the time spent checking."""

    period: str
    subjects: int = 0
    facts: int = 0
    batches: int = 0
    fast_batches: int = 0  # of which the fast lane took (service/bulk_fast.py)
    piped_batches: int = 0  # of those, checked by the pipeline's worker (service/bulk_pipe.py)
    skipped: int = 0  # batches a run with the same key already imported
    position: int | None = None
    seconds: float = 0.0
    check_seconds: float = 0.0  # pydantic validation and check_facts (the reference), batches the lane declined
    wait_seconds: float = 0.0  # the writer waiting for the pipeline's worker
    worker_lines: int = 0  # of a file's lines (`lines_in`), those the pipeline's worker parsed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Importer:
    """Imports into one open period; keeps the period and the recently used streams between batches."""

    fast = True  # False: every batch decided by the reference (tests/differential/test_import.py compares them)
    piped: bool | None = None  # the lane's checks in a worker (service/bulk_pipe.py); None: with a CPU free for it
    behind = True  # PostgreSQL: the lane's batches written by a thread while the next is checked (`_behind`)
    _referred: Any = None  # the chunk `_behind` hands to the reference (the lane declined it, or its insert conflicted)

    def __init__(self, ledger: Ledger, code: str, actor: str, at: str, cache: int = 50_000) -> None:
        self.ledger, self.code, self.actor, self.at, self.cache = ledger, code, actor, at, cache
        self.period = ledger.period(code)
        if self.period.status != "open":
            raise PeriodStateError(f"period {code} is {self.period.status}: bulk import needs an open period")
        self.scheme = ledger.scheme(self.period.scheme, self.period.scheme_version)
        self.streams: dict[str, Stream] = {}
        self.subjects: dict[str, Subject] = {}
        self.report = ImportReport(code)
        self.lane: FastLane | None = None  # made after the subjects are registered
        self.sample = CpuSample()  # the CPUs free since now: whether the next facts_in takes a worker

    def subjects_in(self, subjects: Iterable[Subject], batch: int = 5000, key: str | None = None) -> None:
        """Register subjects (S2) as `register_subjects` does, `batch` per transaction."""
        for index, chunk in enumerate(_chunks(subjects, batch)):
            wrong = [s for s in chunk if s.kind not in self.scheme.subject_kinds]
            if wrong:
                kinds = sorted(self.scheme.subject_kinds)
                problems = [Problem(f"subject {s.id}.kind", f"unknown kind; the scheme has {kinds}") for s in wrong]
                raise FactsInvalid("subject refused", problems)

            def decide(chunk: list[Subject] = chunk) -> list[Any]:
                for subject in chunk:
                    self.period.register_subject(subject.model_dump(mode="json"), self.actor, self.at)
                return [self.period]

            def reload() -> None:
                self.period = self.ledger.period(self.code)

            self._save(decide, reload, f"{key}#s{index}" if key else None, [self.code, chunk])
            self.report.subjects += len(chunk)

    def facts_in(self, facts: Iterable[dict[str, Any]], batch: int = 5000, key: str | None = None) -> None:
        """Record facts, `batch` per transaction; a bad batch raises FactsInvalid and stores nothing."""
        self._in(_chunks(facts, batch), key, raw=False)

    def lines_in(self, lines: Iterable[bytes], batch: int = 5000, key: str | None = None) -> None:
        """Record the facts of a file's JSON lines (each read as orjson.loads reads it) as `facts_in` records
        them; with a pipeline's worker the worker parses them (service/bulk_pipe.py). A line that is no JSON
        raises orjson.JSONDecodeError once the batches before it are stored, as reading it here does."""
        self._in(_chunks(lines, batch), key, raw=True)

    def _in(self, chunks: Iterator[list[Any]], key: str | None, raw: bool) -> None:
        if self.fast and self.lane is None and FastLane.fits(self.ledger):
            self.lane = FastLane(self.ledger, self.code, self.scheme, self.period.subjects, self.actor, self.at)
        with ExitStack() as lane_pause:
            if self.lane is not None:  # held while the lane takes the batches (`_facts_in`)
                lane_pause.enter_context(collector_paused())
            pipeline = None
            numbered: Iterable[tuple[int, list[dict[str, Any]]]]
            if self.lane is not None and key is None and self.piped is not False and can_fork():
                chunks, pipeline = self._piped(chunks, raw)
                numbered = enumerate(chunks)
            elif self.lane is not None and self.lane.pg is not None and self.behind:
                numbered = self._behind(enumerate(_unpiped(chunks, raw)), key)
            else:
                numbered = enumerate(_unpiped(chunks, raw))
            try:
                self._facts_in(numbered, key, lane_pause)
            finally:
                if pipeline is not None:
                    pipeline.close()
                    self.report.wait_seconds += pipeline.wait_seconds
                    self.report.worker_lines += pipeline.lines
                if self.lane is not None:  # the WAL its commits left, checkpointed (FastLane.write)
                    self.lane.settle()
                self.sample = CpuSample()

    def _piped(self, chunks: Iterator[list[Any]], raw: bool) -> tuple[Iterator[list[dict[str, Any]]], Pipeline | None]:
        """The chunks through a pipeline's worker when there are two or more (forking costs more than it
        saves for one) and a CPU is free for it (`worth_a_worker`, unless `piped` says): those it hands
        back, to be decided here (parsed, when they are lines)."""
        first = list(islice(chunks, 2))
        if len(first) < 2 or not (self.piped or worth_a_worker(self.sample)):
            return _unpiped(chain(first, chunks), raw), None
        assert self.lane is not None  # noqa: S101 - only called with a lane
        try:
            pipeline = Pipeline(self.lane, self.code, self.period.subjects, self.actor)
        except OSError:  # no fork (memory, process limit): this process checks every batch
            return _unpiped(chain(first, chunks), raw), None
        return pipeline.batches(chain(first, chunks), self._written, raw), pipeline

    def _written(self, chunk: list[dict[str, Any]], rows: list[tuple[Any, ...]], touched: list[str]) -> bool:
        """Insert a batch the pipeline's worker checked and encoded; False when another writer took one
        of its versions meanwhile (nothing written then: the batch is decided here)."""
        lane = self.lane
        assert lane is not None  # noqa: S101 - only called with a lane
        position = lane.write(rows)
        if position is None:
            return False
        lane.forget(touched)  # what this process's lane knew of them is behind the store now
        for name in touched:
            self.streams.pop(name, None)
        self.report.batches += 1
        self.report.fast_batches += 1
        self.report.piped_batches += 1
        self.report.facts += len(chunk)
        self.report.position = position
        return True

    def _behind(self, chunks: Iterator[tuple[int, list[dict[str, Any]]]],
                key: str | None) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """PostgreSQL: each batch the lane takes is written by a thread of this process (service/bulk_pg.py: its own
        transaction, waiting mostly on the server) while this one reads and checks the next, which the lane checks
        as if the one in flight were written (its streams' versions count it). Yields, in order and with its place
        in the file, each chunk this process must decide (`_facts_in`: a keyed batch already done, skipped; one the
        lane declined, or whose insert conflicted, decided by the reference); nothing is in flight then.

        The next batch is written only once the one before is committed: a batch whose insert met another writer
        (nothing of it written) is yielded, its streams and the next batch's (checked on what it would have written)
        forgotten, and the next batch checked again after it is decided. So the store receives the batches in the
        file's order, each all or nothing, as without the thread. Keyed (`key`), a batch is looked up by its key
        first (`_done_here`, as `_facts_in` does) and its CommandRecord written in its transaction (`_fast`).

        Why (issue 12): on PostgreSQL the lane's insert is the server's work (COPY, the keys' indexes, the WAL's
        flush at COMMIT), about as long as this process's checks; one after the other they added up."""
        lane = self.lane
        assert lane is not None and lane.pg is not None  # noqa: S101 - only called with a PostgreSQL lane
        report = self.report
        pending: tuple[list[dict[str, Any]], list[str], int, Future[int | None]] | None = None

        def landed() -> list[dict[str, Any]] | None:
            """The batch in flight committed (counted), or handed back (None when committed)."""
            nonlocal pending
            assert pending is not None  # noqa: S101
            chunk, touched, count, future = pending
            pending = None
            position = future.result()
            if position is None:  # another writer took one of its versions: the reference decides it
                lane.forget(touched)
                return chunk
            lane.appended(count)
            for name in touched:
                self.streams.pop(name, None)
            report.batches += 1
            report.fast_batches += 1
            report.facts += len(chunk)
            report.position = position
            return None

        with ThreadPoolExecutor(1, thread_name_prefix="lane-writer") as writer:
            try:
                last = -1
                for index, chunk in chunks:
                    while True:
                        rows, touched = None, []
                        keyed = (f"{key}#f{index}", sha256_hex(plain([self.code, chunk]))) if key else None
                        if keyed is None or self._done_here(keyed) is False:  # not done, nor a key used for another
                            checked = lane.check_seconds
                            found = lane_batch(self.code, chunk, self.actor)
                            rows = None if found is None else lane.check(*found)
                            report.check_seconds += lane.check_seconds - checked
                            touched = sorted(set(found[1])) if found is not None else []
                            if rows is not None and keyed is not None:
                                rows.append(lane.encoded(self._command(*keyed, chunk)))
                        if pending is not None and (back := landed()) is not None:
                            lane.forget(touched)  # checked on what the batch handed back would have written
                            self._referred = back  # the reference decides it, as after the lane's own conflict
                            yield last, back
                            continue  # this chunk checked again, on the streams as stored
                        if rows is None:  # declined, done or refused: `_facts_in` decides it (done: skipped)
                            lane.forget(touched)
                            self._referred = chunk
                            yield index, chunk
                        else:
                            pending = (chunk, touched, len(rows), writer.submit(lane.pg.write, rows))
                            last = index
                        break
                if pending is not None and (back := landed()) is not None:
                    self._referred = back
                    yield last, back
            finally:
                if pending is not None:  # raised with a batch in flight (a line that is no JSON): counted once written
                    landed()
        self._referred = None

    def _facts_in(self, chunks: Iterable[tuple[int, list[dict[str, Any]]]], key: str | None,
                  lane_pause: ExitStack) -> None:
        """Decide the batches in order. While the lane takes them the cyclic collector stays paused, between
        batches too (reading the file, the pipeline's inserts): they make no reference cycles, and each full
        collection walked every object of the import (the period's subjects, the lane's streams: at the
        province's full scale 1 GB and more), so the collector's time per event grew with the import (issue
        12). The first batch the reference decides ends that pause for the rest of the import: the reference
        pauses it only within each batch, as before, so that what it makes is collected between them."""
        for index, chunk in chunks:  # each with its place among the file's batches (its key's)
            with collector_paused():  # thousands of events and models per batch, all kept until saved
                keyed = (f"{key}#f{index}", sha256_hex(plain([self.code, chunk]))) if key else None
                done = self._done_here(keyed) if self.lane is not None and keyed is not None else False
                if done:
                    self.report.skipped += 1  # as `_save` skips it; its streams are read again when met
                    self.report.facts += len(chunk)
                    self.lane.forget(sorted(n for n in names_of(chunk) if type(n) is str))  # type: ignore[union-attr]
                    continue
                if self.lane is not None and done is False and chunk is not self._referred and self._fast(chunk, keyed):
                    self.report.facts += len(chunk)  # the lane keeps each stream's facts in file order: log order
                    continue
                lane_pause.close()
                prepared = expand_units(Ledger.prepare_facts(self.code, chunk, self.actor), self.period.subjects)
                started = time.perf_counter()
                typed = typed_facts(prepared)
                self.report.check_seconds += time.perf_counter() - started
                order = log_order(prepared)  # checked and recorded in the order the log will hold them (F1c)
                prepared, typed = [prepared[i] for i in order], [typed[i] for i in order]
                routes = [route(f) for f in prepared]
                touched = sorted(set(routes))

                def decide(
                    prepared: list[Any] = prepared,
                    typed: list[Any] = typed,
                    routes: list[str] = routes,
                    touched: list[str] = touched,
                    order: list[int] = order,
                ) -> list[Any]:
                    streams = {name: self._stream(name) for name in touched}
                    try:
                        self._check(prepared, typed, streams, order)
                        for fact, model, name in zip(prepared, typed, routes, strict=True):
                            streams[name][0].record(fact, self.actor, self.at)
                            streams[name][1].append(model)
                    except BaseException:
                        for name in touched:  # partly recorded: never reuse them
                            self.streams.pop(name, None)
                        raise
                    return [stream for stream, _ in streams.values()]

                def reload(touched: list[str] = touched) -> None:
                    for name in touched:
                        self.streams[name] = self._load(name)

                self._save(decide, reload, keyed[0] if keyed else None, [self.code, chunk],
                           keyed[1] if keyed else None)
            self.report.facts += len(chunk)
            while len(self.streams) > self.cache:
                self.streams.pop(next(iter(self.streams)))

    def _fast(self, chunk: list[dict[str, Any]], keyed: tuple[str, str] | None = None) -> bool:
        """The batch through the fast lane, if it takes it; the reference's cached streams it wrote to are
        dropped (loaded again when met). Not taken: the lane forgets the streams the reference will decide.
        `keyed`: the batch's idempotency key and request hash (not done yet: `_facts_in` looked), whose
        CommandRecord, the one `_save` stores, the lane writes in the batch's own transaction."""
        lane = self.lane
        assert lane is not None  # noqa: S101 - only called with a lane
        started, checked = time.perf_counter(), lane.check_seconds
        found = lane_batch(self.code, chunk, self.actor)
        command = None if found is None or keyed is None else self._command(*keyed, chunk)
        done = None if found is None else lane.record(*found, command=command)
        touched = set(found[1]) if found is not None else {n for n in names_of(chunk) if type(n) is str}
        if done is None:
            lane.forget(sorted(touched))
            self.report.check_seconds += time.perf_counter() - started
            return False
        self.report.check_seconds += lane.check_seconds - checked
        for name in touched:
            self.streams.pop(name, None)
        self.report.batches += 1
        self.report.fast_batches += 1
        self.report.position = done[1]
        return True

    def _save(self, decide: Callable[[], list[Any]], reload: Callable[[], None], key: str | None, request: Any,
              request_hash: str | None = None) -> None:
        """Decide and save one batch in one transaction; a conflict reloads and decides again. `request_hash`:
        the request's, when the caller has it already."""
        if request_hash is None:
            request_hash = sha256_hex(plain(request)) if key else ""
        if key and self._done(key, request_hash):
            self.report.skipped += 1
            return
        for attempt in range(RETRIES):
            if attempt:
                reload()
            try:
                pending = decide()
            except FactsInvalid:
                if attempt:
                    raise
                reload()  # a stream created optimistically may have missed facts already in the log
                pending = decide()
            if key:
                pending.append(self._command(key, request_hash, request[1]))
            try:
                recordings = self.ledger.save(*pending)
            except IntegrityError:
                continue
            self.report.batches += 1
            self.report.position = max((r.notification.id for r in recordings), default=self.report.position)
            return
        raise Conflict("the streams of a batch changed under the import too many times; run it again")

    def _command(self, key: str, request_hash: str, chunk: list[Any]) -> CommandRecord:
        """The key's record saved with a batch (by `_save`, or the fast lane in its transaction)."""
        result = {"period": self.code, "size": len(chunk)}
        return CommandRecord(key=key, request_hash=request_hash, result=result, actor=self.actor, at=self.at)

    def _done_here(self, keyed: tuple[str, str]) -> bool | None:
        """`_done` for the lane: None when the key was used for a different batch (the reference refuses it,
        as it refuses it without the lane: a fact's shape problems first, else IdempotencyKeyReused)."""
        try:
            return self._done(*keyed)
        except IdempotencyKeyReused:
            return None

    def _done(self, key: str, request_hash: str) -> bool:
        earlier = self.ledger.maybe(command_id(key))
        if earlier is not None and earlier.request_hash != request_hash:
            raise IdempotencyKeyReused(f"idempotency key {key!r} was used for a different batch")
        return earlier is not None

    def _check(
        self, prepared: list[dict[str, Any]], typed: list[Any], streams: dict[str, Stream], order: list[int]
    ) -> None:
        """check_facts on the batch, with the earlier facts it names and those a uniqueness rule counts.

        (Every other rule about earlier facts, ids used once among them, is the stream's own check.)
        The batch comes in log order; `order[i]` is where its i-th fact stood in the file.
        """
        started = time.perf_counter()
        refuse_implausible(self.scheme, typed)  # R2: the batch's ratings, as recording checks them
        named = {f.get("target") or f.get("corrects") for f in prepared}
        stored = [m for _, models in streams.values() for m in models]
        picked = {m.id for m in stored if m.id in named or m.type in _COUNTED or getattr(m, "rank", None) is not None}
        kept = _with_targets(picked, stored)  # once: in the comprehension it was made again for every fact
        earlier = [m for m in stored if m.id in kept]
        subjects = {s for f in prepared for s in _named(f)} | {s for m in earlier for s in _named_model(m)}
        subjects |= {name for name in streams if name != JOINT}
        known = [self._subject(s) for s in sorted(subjects) if s in self.period.subjects]
        try:
            check_facts(self.scheme, known, earlier + typed, self.code)
        except FactsInvalid as exc:
            exc.problems = [_renumber(p, len(earlier), order) for p in exc.problems]
            raise
        finally:
            self.report.check_seconds += time.perf_counter() - started

    def _subject(self, subject_id: str) -> Subject:
        found = self.subjects.get(subject_id)
        if found is None:
            found = self.subjects[subject_id] = Subject.model_validate(self.period.subjects[subject_id])
        return found

    def _stream(self, name: str) -> Stream:
        found = self.streams.get(name)
        if found is None:
            subject = None if name == JOINT else name
            opened = FactLedger(
                period=self.code, bureau=self.ledger.bureau, subject=subject, actor=self.actor, at=self.at
            )
            found = self.streams[name] = (opened, [])
        return found

    def _load(self, name: str) -> Stream:
        self.streams.pop(name, None)
        bureau = self.ledger.bureau
        found = self.ledger.maybe(joint_id(self.code, bureau) if name == JOINT else ledger_id(self.code, name, bureau))
        if found is None:
            return self._stream(name)
        return found, [_FACT.validate_python(f) for f in found.facts.values()]


def _with_targets(picked: set[str], stored: list[Any]) -> set[str]:
    """The picked earlier facts with every earlier fact they name, and so on: check_facts must see a
    retraction's or a correction's target before it (an earlier retraction of a deduction, counted for
    the uniqueness rules, refused a later batch as naming a fact not recorded)."""
    by_id = {m.id: m for m in stored}
    out, frontier = set(picked), list(picked)
    while frontier:
        fact = by_id.get(frontier.pop())
        named = getattr(fact, "target", None) or getattr(fact, "corrects", None)
        if named in by_id and named not in out:
            out.add(named)
            frontier.append(named)
    return out


def _renumber(problem: Problem, offset: int, order: list[int]) -> Problem:
    """check_facts numbers the batch after the earlier facts, in log order; report indexes in the file."""
    path = problem.path
    if path.startswith("facts[") and "]" in path:
        index, rest = int(path[6 : path.index("]")]), path[path.index("]") + 1 :]
        path = f"facts[{order[index - offset]}]{rest}" if index >= offset else f"recorded {path}"
    return Problem(path, problem.message, problem.line)


def _named(fact: dict[str, Any]) -> set[str]:
    out = {fact["subject"]} if isinstance(fact.get("subject"), str) else set()
    return out | {p["subject"] for p in fact.get("parties") or [] if isinstance(p, dict) and "subject" in p}


def _named_model(fact: Any) -> set[str]:
    out = {fact.subject} if isinstance(getattr(fact, "subject", None), str) else set()
    return out | {p.subject for p in getattr(fact, "parties", None) or [] if p.subject is not None}


def _unpiped(chunks: Iterator[list[Any]], raw: bool) -> Iterator[list[Any]]:
    """The chunks this process decides without a worker: parsed here when they are a file's lines."""
    return (parsed(chunk, raw) for chunk in chunks) if raw else chunks


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_facts(
    ledger: Ledger,
    period: str,
    facts: Iterable[dict[str, Any]],
    actor: str,
    at: str,
    batch: int = 5000,
    key: str | None = None,
) -> ImportReport:
    """Record many facts in an open period, `batch` facts per transaction (each batch all or none)."""
    return import_rows(ledger, period, facts, actor, at, batch, key)


def import_rows(
    ledger: Ledger,
    period: str,
    rows: Iterable[dict[str, Any]],
    actor: str,
    at: str,
    batch: int = 5000,
    key: str | None = None,
) -> ImportReport:
    """Import facts-file rows: leading `type: subject` rows are registered, the rest recorded as facts."""
    started, importer = time.perf_counter(), Importer(ledger, period, actor, at)
    return _imported(importer, iter(rows), lambda row: row, importer.facts_in, batch, key, started)


def import_lines(
    ledger: Ledger,
    period: str,
    lines: Iterable[bytes],
    actor: str,
    at: str,
    batch: int = 5000,
    key: str | None = None,
) -> ImportReport:
    """`import_rows` of a facts file's JSON lines (bytes, each read as orjson.loads reads it: the same rows,
    the same refusals): the leading subjects are parsed here, the facts' lines by the pipeline's worker when
    there is one (issue 12: the writer's own parse was a quarter of its CPU)."""
    started, importer = time.perf_counter(), Importer(ledger, period, actor, at)
    return _imported(importer, iter(lines), loads, importer.lines_in, batch, key, started)


def _imported(importer: Importer, items: Iterator[Any], parse: Callable[[Any], dict[str, Any]],
              rest_in: Callable[[Iterable[Any], int, str | None], None], batch: int, key: str | None,
              started: float) -> ImportReport:
    """The leading `type: subject` items (each read by `parse`) registered, the rest handed as they are to
    `rest_in`: the importer's `facts_in` (parsed rows) or `lines_in` (a file's lines); the report's seconds since
    `started` (before the importer was made)."""
    subjects, first = [], None
    for item in items:
        row = parse(item)
        if row.get("type") != "subject":
            first = item
            break
        subjects.append(Subject.model_validate({k: v for k, v in row.items() if k != "type"}))
    importer.subjects_in(subjects, batch, key)
    rest_in(chain([first] if first is not None else [], items), batch, key)
    recorder = importer.ledger.recorder
    if type(recorder).__module__ == "eventsourcing.postgres":  # the planner's statistics of the log filled
        from service.bulk_pg import analyze_log

        analyze_log(recorder)
    importer.report.seconds = time.perf_counter() - started
    return importer.report
