"""The views built from zero with the fast replay: the same rows, headings, leaves and kept seals as the
runner's catch-up writes (projections/runner.py), without folding or scoring a fact in this process.

A backlog (a new views store, a rebuild) is caught up as one transaction:

- every period the fast plan vouches for is replayed as of the log's end (projections/fast/replay.py)
  and its heading and rows written as they come, a run of groups at a time (never the whole period);
- a separate process reads every row once for the witness leaves and the timestamps a kept seal maps
  from (projections/sealed.py: `Stamps`), as the runner notes them; on PostgreSQL (`leaves_by_workers`)
  only the timestamps, each row's leaf made by the process that reads the row anyway (the first pass, a
  scoring worker, or this one for a stream no worker reads), every row counted once (`_Counted`);
- each publication keeps the rows as they stood at it: the groups no fact after it touched are copied
  from the rows just written, the others scored again as of the publication, and the rows are kept only
  when they hash to the seal's results hash (else noted with `kept = 0`, as `keep_seal` does).

A period the plan does not vouch for is returned to the runner, which scores it with the reference
(then from the full fold); when such a period was published, the whole backlog is left to the
reference (`Unsure`). tests/differential/test_views.py compares both ways of building the views.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from projections.collector import collector_paused
from projections.fast.index import LogIndex, Placed, index_log
from projections.fast.joint import admit_joint
from projections.fast.plan import PeriodPlan, Unsure, plan_period
from projections.fast.reading import FACT_TOPICS, Reader, Row, reader_for
from projections.fast.replay import PARALLEL_MIN_SUBJECTS, FastReplay, _runs
from projections.fast.runs import _merged, _name, score_run
from projections.groups import heading
from projections.lazy import LazyPeriod
from projections.leaves import RowLeaves
from projections.records import Record
from projections.sealed import micros, stamp
from projections.viewreads import Cursor, brief_of

log = logging.getLogger("scoreledger.fast")
PUBLISHED_UNSURE = "a published period the fast plan does not vouch for"
KEEP = 10_000  # records the runner's Stamps remember (projections/sealed.py)
FACTS = frozenset(FACT_TOPICS)


@dataclass
class Built:
    """What a fast build wrote: the position, the periods left to the reference, the totals scored."""

    position: int
    fold: Any  # the first pass's LogFold: every event but the facts
    left: list[str] = field(default_factory=list)  # period keys the fast plan did not vouch for
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    lazy: dict[str, Any] = field(default_factory=dict)  # period key -> its LazyPeriod (projections/lazy.py)


def build_views(views: Any, cur: Cursor, reader: Reader, upto: int, workers: int) -> Built:
    """Write the views of the log up to `upto` in the caller's transaction (views: a ViewStore, cur: its
    cursor); raises Unsure when the reference must catch the whole backlog up instead."""
    # hashing every row while the first pass runs; or (`leaves_by_workers`) only the stamps there, every row
    # hashed by the process that reads it anyway: the first pass (the rows that are not facts), the scoring
    # workers (their subjects' fact rows) and this process (any other stream's: `_Counted.rest`)
    by_workers = reader.leaves_by_workers
    with _leaves_beside(reader, upto, workers, STAMPS if by_workers else views.leaf_form) as receiving:
        counted = _Counted(views, cur, reader) if by_workers else None
        index = index_log(reader, upto, seen=None if counted is None else counted.others)
        index.fold.position = upto
        plans, built = {}, Built(upto, index.fold)
        for key in sorted(index.fold.periods):
            try:
                plans[key] = _plan(index, key, reader, upto)
            except Unsure as exc:
                if index.fold.periods[key].seals:
                    raise Unsure(PUBLISHED_UNSURE, key) from None
                log.info("views of %s: the fast plan does not vouch (%s): the reference scores it", key, exc)
                built.left.append(key)
        built.lazy = {key: LazyPeriod(key, upto, plan.streams, plan.names, plan.joint, plan.joint_name)
                      for key, plan in plans.items()}
        sealings = {key: _sealings(index, plan, reader) for key, plan in plans.items()}
        receiving.seals([(s.position, s.published_at) for listed in sealings.values() for s in listed])
        started, leaves = time.perf_counter(), _Leaves(views, cur, receiving)
        if counted is not None:
            counted.rest(index, plans.values(), upto)
        for key, plan in plans.items():
            replay = FastReplay(plan, *_split(plan, workers))
            if counted is None:
                built.totals[key] = _write_period(views, cur, replay, upto, sealings[key], leaves.ready)
            else:
                built.totals[key] = _write_period(views, cur, replay, upto, sealings[key], leaves.ready,
                                                  replay.with_leaves(), counted.lines)
        log.debug("views from zero: periods written in %.2f s", time.perf_counter() - started)
        if counted is not None:
            counted.check(index)
        stamps = leaves.rest()
        log.debug("views from zero: leaves written in %.2f s", time.perf_counter() - started)
    for key, listed in sealings.items():
        for sealing in listed:
            _keep(views, cur, key, sealing, stamps)
    views.analyze(cur, "sl_view_rows", "sl_view_sealed", "sl_view_leaves")
    return built


SMALL = 50_000  # rows: a log this short has its leaves read in this process (a process costs more)
STAMPS = "stamps"  # the leaves process's form when the leaves come from the rows read anyway: the stamps only
UNCOVERED = "the witness leaves of the views from zero do not cover the log"
CHUNK = 50_000  # leaves in one message of the leaves process
OUTBOX = 16  # chunks of leaves the leaves process holds ahead of the parent (16 x 50,000 rows: ~60 MB)


class _Counted:
    """The witness leaves of the rows read anyway (`Reader.leaves_by_workers`), written as they come and
    counted: every row of the log up to the build's position once, or the build fails (the leaves table's key
    refuses a row twice; `check` a row left out) and the reference catches the views up."""

    def __init__(self, views: Any, cur: Cursor, reader: Reader):
        self.views, self.cur, self.reader, self.written = views, cur, reader, 0
        self.hashing = RowLeaves(reader.name)

    def lines(self, lines: bytes) -> None:
        if lines:
            self.views.add_leaf_lines(self.cur, lines)
            self.written += lines.count(b"\n")

    def others(self, rows: list[Row]) -> None:
        """A batch of rows read here: the first pass's (those that are not facts), or `rest`'s."""
        self.lines(self.hashing.lines(rows))

    def rest(self, index: LogIndex, plans: Iterable[PeriodPlan], upto: int) -> None:
        """The fact rows no scoring worker reads: of the streams that are no planned period's subject's (the
        joint stream, a period left to the reference, a stream of no period), read here by their positions."""
        scored = {_name(plan, subject) for plan in plans for listed in plan.members.values()
                  for subject in listed if subject in plan.streams}
        left = {self.reader.raw(name) for name in index.streams if name not in scored}
        spans = _merged([run for name, placed in index.streams.items() if name not in scored for run in placed.runs])
        for batch in self.reader.ranges([(first, min(last, upto)) for first, last in spans if first <= upto]):
            self.others([row for row in batch if row[1] in left and row[3] in FACTS])

    def check(self, index: LogIndex) -> None:
        if self.written != index.rows:
            raise RuntimeError(f"{UNCOVERED}: {self.written} leaves written, {index.rows} rows up to {index.position}")


@contextmanager
def _leaves_beside(reader: Reader, upto: int, workers: int, form: str = "runs") -> Iterator[Any]:
    """Where the leaves come from: a process reading every row from before the first pass (one of two cores
    is idle during it: issue 12, the catch-up's ~0.35 s first pass) while the periods are planned and scored,
    told the seals once they are known; or (a short log, one worker) this process, once the periods are written.
    `form`: the view store's `leaf_form`, how the leaves are sent (`_leaves`)."""
    if upto < SMALL or workers < 2:
        yield _Here(reader, upto, form)
        return
    threaded = threading.active_count() > 1  # never fork a process whose other threads may hold locks
    context = multiprocessing.get_context("spawn" if threaded else "fork")
    receiving, sending = context.Pipe(duplex=False)
    told, telling = context.Pipe(duplex=False)
    worker = context.Process(target=_send_leaves, args=(sending, told, reader.fresh(), upto, CHUNK, OUTBOX, form),
                             daemon=True)
    worker.start()  # before the scoring workers fork: no thread of this process runs then
    sending.close()
    told.close()
    try:
        yield _Beside(receiving, telling)
    finally:
        worker.kill()
        worker.join()
        receiving.close()
        telling.close()


class _Beside:
    """The leaves process's end of the pipes: its messages received, the seals sent to it."""

    def __init__(self, receiving: Any, telling: Any):
        self.receiving, self.telling = receiving, telling
        self.poll, self.recv = receiving.poll, receiving.recv

    def seals(self, seals: list[tuple[int, int]]) -> None:
        self.telling.send(seals)


class _Here:
    """The leaves read in this process when first asked for, handed over as the process would send them."""

    def __init__(self, reader: Reader, upto: int, form: str = "runs"):
        self.job, self.messages, self.told, self.form = (reader, upto), None, None, form

    def seals(self, seals: list[tuple[int, int]]) -> None:
        self.told = seals

    def send(self, message: Any) -> None:
        self.messages.append(message)

    def poll(self) -> bool:
        return False  # read when the periods are written

    def recv(self) -> Any:
        if self.messages is None:
            self.messages = []
            _leaves(self, *self.job, lambda: self.told, form=self.form)
        return self.messages.pop(0)


def _plan(index: LogIndex, key: str, reader: Reader, upto: int) -> PeriodPlan:
    plan = plan_period(index, key, reader, upto)
    admit_joint(plan)
    return plan


def _split(plan: PeriodPlan, workers: int) -> tuple[list[list[str]], int]:
    workers = workers if len(plan.period.subjects) >= PARALLEL_MIN_SUBJECTS else 1
    return _runs(sorted(plan.members), plan.members, workers), workers


@dataclass
class Sealing:
    """One publication of a period: the rows it keeps are the final rows but for the `changed` groups', which
    are its own (scored as of the publication); their hash is taken while the final rows stream by."""

    position: int
    published_at: int
    claimed: str
    head: bytes
    changed: dict[str, list[tuple[str, str, int, bytes]]]  # group -> (subject, group, place, body) at publication
    digest: Any = None
    first: bool = True

    def feed(self, bodies: list[bytes]) -> None:
        if bodies:
            self.digest.update((b"," if not self.first else b"") + b",".join(bodies))
            self.first = False


def _sealings(index: LogIndex, plan: PeriodPlan, reader: Reader) -> list[Sealing]:
    """The period's readable publications, each with the groups a later fact changed scored as of it."""
    out: list[Sealing] = []
    seen: set[int] = set()
    for seal in plan.period.seals:
        try:
            position, published_at = int(seal["position"]), int(seal["published_at"])
            claimed = str(seal["results_hash"])
        except (KeyError, TypeError, ValueError):
            log.warning("the publication at position %s of %s has a seal that cannot be read",
                        seal.get("published_at"), plan.key)
            continue
        if position in seen:
            continue  # noted once (keep_seal: ON CONFLICT DO NOTHING)
        seen.add(position)
        at = _plan_at(index, plan, reader, published_at)
        changed = _changed_groups(index, plan, published_at)
        rescored: dict[str, list[tuple[str, str, int, bytes]]] = {g: [] for g in changed}
        if changed:
            for _, subject, group, place, _, body in _placed(plan.key, score_run(at, sorted(changed), reader), 0):
                rescored[group].append((subject, group, place, body))
        head = heading(at.scheme, at.period)
        out.append(Sealing(position, published_at, claimed, head, rescored, hashlib.sha256(head)))
    return out


def _plan_at(index: LogIndex, plan: PeriodPlan, reader: Reader, published_at: int) -> PeriodPlan:
    """The plan as of a publication: the same period (no subject registered, no closing and no joint fact
    after it, else planned again from the log as of then), each stream's rows up to it."""
    closed, joint = plan.period.closed_at, plan.joint
    if (any(p > published_at for p in plan.registered.values()) or closed is None or closed > published_at
            or (joint is not None and joint.runs[-1][1] > published_at)):
        return _plan(index_log(reader, published_at, plan.key), plan.key, reader, published_at)
    streams = {}
    for subject, placed in plan.streams.items():
        runs = [(a, min(b, published_at)) for a, b in placed.runs if a <= published_at]
        if runs:
            streams[subject] = Placed(runs, sum(b - a + 1 for a, b in runs))
    return replace(plan, upto=published_at, streams=streams)


def _changed_groups(index: LogIndex, plan: PeriodPlan, published_at: int) -> set[str]:
    """The groups whose rows may differ between the publication and the log's end: those of subjects with
    fact rows after it (every group when the joint stream has some, or a subject was registered after it)."""
    everyone = set(plan.members)
    if any(p > published_at for p in plan.registered.values()):
        return everyone
    if plan.joint is not None and plan.joint.runs[-1][1] > published_at:
        return everyone
    subjects = plan.period.subjects
    return {subjects[s].get("group", "all") for s, placed in plan.streams.items() if placed.runs[-1][1] > published_at}


def _write_period(views: Any, cur: Cursor, replay: FastReplay, upto: int, sealings: list[Sealing],
                  between: Callable[[], None] = lambda: None, runs: Iterable[tuple[list[Any], bytes]] | None = None,
                  leaves: Callable[[bytes], None] | None = None) -> dict[str, Decimal]:
    """The period's heading and rows (run by run), as the runner writes them, each publication's hash taken
    on the way, `between` called after each run (the leaves arrived meanwhile written); its subjects' totals.
    `runs`: the replay's runs with their fact rows' leaves (`FastReplay.with_leaves`), each run's given to
    `leaves`; by default its results alone."""
    key, sql, totals = replay.plan.key, views.sql, {}
    cur.execute(sql("INSERT INTO sl_view_heads (period, position, head) VALUES (?, ?, ?) ON CONFLICT (period) "
                    "DO UPDATE SET position = excluded.position, head = excluded.head"), (key, upto, replay.heading()))
    for listed, lines in runs if runs is not None else ((listed, b"") for listed in replay.results()):
        if leaves is not None:
            leaves(lines)
        rows = _placed(key, listed, upto)
        views.add_rows(cur, [(*row, brief_of(row[5])) for row in rows])
        totals.update((subject, _total(body)) for _, subject, _, _, _, body in rows)
        for sealing in sealings:
            _hash_run(sealing, rows)
        between()
    for sealing in sealings:
        sealing.digest.update(b"]}")
    return totals


def _hash_run(sealing: Sealing, rows: list[tuple[Any, ...]]) -> None:
    """Feed a run's rows (group by group, in order) to a publication's hash, its own rows for a changed group."""
    start = 0
    while start < len(rows):
        group, end = rows[start][2], start
        while end < len(rows) and rows[end][2] == group:
            end += 1
        own = sealing.changed.get(group)
        sealing.feed([r[5] for r in rows[start:end]] if own is None else [r[3] for r in own])
        start = end


def _placed(key: str, listed: list[tuple[str, str, bytes]], position: int) -> list[tuple[Any, ...]]:
    """Rows with their place in their group's rank order (results come group by group, in rank order)."""
    rows, group, place = [], None, 0
    for subject, grp, body in listed:
        place = place + 1 if grp == group else 0
        group = grp
        rows.append((key, subject, grp, place, position, body))
    return rows


def _total(body: bytes) -> Decimal:
    """A subject result's total: its last key (canonical keys are sorted; `total` comes after `subject`)."""
    return Decimal(str(orjson.loads(body[body.rindex(b',"total":') + 9 : -1])))


def _send_leaves(sending: Any, told: Any, reader: Reader, upto: int, chunk: int, room: int,
                 form: str = "runs") -> None:
    """The leaves process: its messages sent by a thread of its own from a queue, so that hashing goes on while
    the parent, in its first pass, reads none (a pipe holds less than one chunk); this process never forks."""
    outbox: queue.Queue[Any] = queue.Queue(room)  # bounded: what the parent has not read stays in memory
    poster = threading.Thread(target=_post, args=(outbox, sending), daemon=True)
    poster.start()
    try:
        _leaves(_Outbox(outbox), reader, upto, told.recv, chunk, form)
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        outbox.put(exc)
    finally:
        outbox.put(None)
        poster.join()
        sending.close()
        reader.close()


class _Outbox:
    def __init__(self, outbox: Any):
        self.send = outbox.put


def _post(outbox: Any, sending: Any) -> None:
    while (message := outbox.get()) is not None:
        sending.send(message)


def _leaves(sending: Any, reader: Reader, upto: int, told: Callable[[], list[tuple[int, int]]],
            chunk: int = CHUNK, form: str = "runs") -> None:
    """Every row's witness digest, sent in chunks: of runs of consecutive positions (first position, the digests
    as a JSON array: `ViewStore.add_leaf_runs`), or with `form` "copy" of COPY's text lines (`position<TAB>digest`,
    bytes: `ViewStore.add_leaf_lines`; made by the server when the reader can: `PostgresReader.leaf_lines`); then,
    told the seals (`told`), their stamps."""
    if form == STAMPS:  # the leaves come from elsewhere (`_Counted`)
        sending.send(("stamps", _stamps(reader, told())))
        return
    lines = form == "copy"
    if lines and hasattr(reader, "leaf_lines"):  # PostgreSQL: the server hashes the rows
        with collector_paused():
            for made in reader.leaf_lines(upto, chunk):
                sending.send(made)
        sending.send(("stamps", _stamps(reader, told())))
        return
    leaves = RowLeaves(reader.name)
    out: list[Any] = []
    pending = 0
    with collector_paused():
        for batch in reader.rows(upto):
            positions, digests = [row[0] for row in batch], leaves.hexdigests(batch)
            if lines:
                out.append("".join(map(_LINE, positions, digests)))
            else:
                out += _runs_of(positions, digests)
            pending += len(batch)
            if pending >= chunk:
                sending.send("".join(out).encode() if lines else out)
                out, pending = [], 0
    if out:
        sending.send("".join(out).encode() if lines else out)
    sending.send(("stamps", _stamps(reader, told())))


class LogStamps:
    """A seal's (since, until) stamps as the runner's Stamps would give them had it folded the whole log up to the
    publication at `publication`: the log's rows read again (`_stamps`) by a reader opened and closed for the asking
    (none opened for a seal `keep_seal` cannot read). For a runner that folded the log lazily (projections/runner.py,
    `_stamps_for`), whose log a reader always reads (its lazy fold read it)."""

    def __init__(self, source: Any, publication: int):
        self.source, self.publication = source, publication

    def bracket(self, position: int) -> tuple[int | None, int | None]:
        reader = reader_for(self.source)
        if reader is None:  # not a light runner's log (never asked then): nothing to bracket the seal by
            return None, None
        try:
            return _stamps(reader, [(position, self.publication)])[position, self.publication]
        finally:
            reader.close()


def _stamps(reader: Reader, seals: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[int | None, int | None]]:
    """The (since, until) stamps of each seal as the runner's Stamps would give them at its publication (the
    seal's position among the last KEEP records noted): the rows up to the last publication read again, only
    when there are seals (none while a period is open)."""
    if not seals:
        return {}
    wanted = {p for p, _ in seals}
    published = {q for _, q in seals}
    last = max(published)  # no stamp after the last publication is looked at
    latest: int | None = None
    at: dict[int, tuple[int | None, int]] = {}  # seal position -> (latest stamp there, its index)
    after: dict[int, int | None] = {}  # seal position -> own stamp of the record after it
    indexes: dict[int, int] = {}  # publication position -> its index
    previous: int | None = None
    count = 0
    with collector_paused():
        for batch in reader.rows(last):
            for position, _, _, _, payload in batch:
                own = _stamp(payload)
                if own is not None and (latest is None or own > latest):
                    latest = own
                if previous in wanted:
                    after[previous] = own
                if position in wanted:
                    at[position] = (latest, count)
                if position in published:
                    indexes[position] = count
                previous = position
                count += 1
    stamps = {}
    for position, publication in seals:
        noted, ending = at.get(position), indexes.get(publication)
        following = after.get(position)
        if noted is None or ending is None or following is None or not 0 < ending - noted[1] < KEEP:
            stamps[position, publication] = (None, None)
        else:
            stamps[position, publication] = (noted[0], following)
    return stamps


_LINE = "{}\t{}\n".format  # a leaf as a line of COPY's text format (a digest is hex: nothing to escape)


def _runs_of(positions: list[int], digests: list[str]) -> list[tuple[int, str]]:
    """(first position, JSON array of the digests) for each run of consecutive positions, in order."""
    runs, start = [], 0
    while start < len(positions):
        end = len(positions)
        if positions[-1] - positions[start] != end - 1 - start:  # a gap: the run ends before it
            end = start + 1
            while end < len(positions) and positions[end] == positions[end - 1] + 1:
                end += 1
        runs.append((positions[start], '["' + '","'.join(digests[start:end]) + '"]'))
        start = end
    return runs


_STAMPED = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def _stamp(payload: bytes) -> int | None:
    """`projections.sealed.stamp` of a stored row; read straight from the bytes when the row starts as the
    library writes it (one timestamp, no escapes), else from the decoded state."""
    if payload.startswith(_STAMPED) and payload.count(b'"timestamp"') == 1:
        end = payload.find(b'"', len(_STAMPED))
        text = payload[len(_STAMPED) : end]
        if end > 0 and b"\\" not in text:
            try:
                return micros(datetime.fromisoformat(text.decode()))
            except (ValueError, UnicodeDecodeError):
                return None
    try:
        state = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return stamp(Record(0, "", 0, "", payload, state)) if isinstance(state, dict) else None


class _Leaves:
    """The leaves process's messages written as they come: those already there between runs of rows (the
    writing overlaps the scoring workers), the rest once the periods are written; then the stamps."""

    def __init__(self, views: Any, cur: Cursor, receiving: Any):
        self.views, self.cur, self.receiving = views, cur, receiving
        self.stamps: dict[tuple[int, int], tuple[int | None, int | None]] | None = None

    def ready(self) -> None:
        while self.stamps is None and self.receiving.poll():
            self._take()

    def rest(self) -> dict[tuple[int, int], tuple[int | None, int | None]]:
        while self.stamps is None:
            self._take()
        return self.stamps

    def _take(self) -> None:
        message = self.receiving.recv()
        if isinstance(message, BaseException):
            raise message
        if isinstance(message, tuple):
            self.stamps = dict(message[1])
        elif isinstance(message, bytes):
            self.views.add_leaf_lines(self.cur, message)
        else:
            self.views.add_leaf_runs(self.cur, message)


def _keep(views: Any, cur: Cursor, key: str, sealing: Sealing,
          stamps: dict[tuple[int, int], tuple[int | None, int | None]]) -> None:
    """Note a publication and keep its rows when they hash to its seal, as projections.sealed.keep_seal does."""
    sql, position = views.sql, sealing.position
    ok = sealing.digest.hexdigest() == sealing.claimed
    cur.execute(
        sql("INSERT INTO sl_view_seals (period, seal, published_at, results_hash, kept, head, since_us, until_us) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (period, seal) DO NOTHING"),
        (key, position, sealing.published_at, sealing.claimed, int(ok), sealing.head,
         *stamps.get((position, sealing.published_at), (None, None))),
    )
    if not ok:
        log.warning("the views of %s at the publication of position %s do not hash to its seal's results hash: "
                    "as-of reads at that seal will replay the log", key, position)
        return
    changed = sorted(sealing.changed)
    marks = " AND grp NOT IN (" + ", ".join("?" for _ in changed) + ")" if changed else ""
    cur.execute(sql("INSERT INTO sl_view_sealed (period, seal, subject, grp, place, body, brief) "  # noqa: S608
                    "SELECT period, ?, subject, grp, place, body, brief FROM sl_view_rows WHERE period = ?" + marks +
                    " ON CONFLICT (period, seal, subject) DO NOTHING"), (position, key, *changed))
    cur.executemany(
        sql("INSERT INTO sl_view_sealed (period, seal, subject, grp, place, body, brief) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (period, seal, subject) DO NOTHING"),
        [(key, position, *row, brief_of(row[3])) for listed in sealing.changed.values() for row in listed],
    )
