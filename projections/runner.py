"""Keeps the views current: pages of the log folded, scored and written with their position.

Pages that are already in the log when catching up are folded one after another and
written together, up to `chunk` events per transaction, so a period touched by every
page of a backlog is scored once per chunk rather than once per page.

On start the fold is rebuilt from the log up to the view's tracked position (folding is
cheap; nothing is re-scored) and catching up resumes from there. A rebuild from zero
gives byte-identical views: the engine is pure and the log is ordered.

A backlog from zero of at least `fast_backlog` events is built by the fast replay instead
(projections/fast/views.py: the same rows, headings, leaves and kept seals, a period the fast plan
does not vouch for scored by the reference): nothing is folded or scored in this process then. The
log is held folded without its facts, and a period's facts are folded group by group when an event
or a score needs them (projections/lazy.py); the fold of every fact of every period is made only
when something needs it whole (a reader of `fold`, an event the lazy fold cannot vouch for).

A page ends at each publication, so that the rows the seal fixed are kept with it (projections/sealed.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import orjson

from projections.cards import Cards
from projections.fact_index import named_subjects
from projections.fast.apart import APART_MIN, apart
from projections.fast.index import index_log
from projections.fast.joint import route_of
from projections.fast.plan import Unsure
from projections.fast.reading import Notifications, Reader, reader_for
from projections.fast.views import LogStamps, build_views
from projections.lazy import (
    LazyPeriod,
    NotLazy,
    RecorderFacts,
    counted,
    groups_of,
    load,
    owner_of,
    recorded,
    vouched,
)
from projections.leaves import leaf_digest
from projections.period_input import FACT_TOPICS, LogFold, PeriodInput, key_of
from projections.records import NotificationSource, Record, read_log
from projections.schemes import SchemeMismatch, scheme_for
from projections.scoring import score_parts
from projections.sealed import PUBLISHED, Stamps, keep_seal
from projections.subject_totals import SubjectTotals
from projections.viewstore import Row, ViewStore

Progress = Callable[[int], None]
log = logging.getLogger("scoreledger.projections")
Sealed = list[tuple[str, dict[str, Any]]]  # period key, seal (with its `published_at`)
SAVED_KEEP = 4_096  # saved events kept for read-your-writes at most (more: nobody folds them, forgotten)
SAVED_PRUNE = 256  # saved events kept before those already folded (by the keeper, a read) are dropped
FAST_BACKLOG = 10_000  # events: a backlog from zero this long is built by the fast replay


class ProjectionRunner:
    """Catches the views up with the log, one transaction per chunk of pages (per page when keeping up)."""

    def __init__(
        self,
        source: NotificationSource,
        views: ViewStore,
        page: int = 1000,
        chunk: int = 100_000,
        fast_backlog: int | None = FAST_BACKLOG,
    ):
        self.source, self.views, self.page, self.chunk = source, views, page, chunk
        self.fast_backlog = fast_backlog  # None: never build from zero with the fast replay
        self.lock = threading.RLock()  # re-entered when folding on demand while catching up
        self.listing = threading.Lock()  # a lazy period's facts by recorder read once (`recorded_by`), outside `lock`
        self.subject_totals = SubjectTotals()
        self.cards = Cards(subjects=self.subject_totals)  # the views' groups scored from the kept subjects
        # rows as last written: group, place, digest (SHA-256, in memory only: with the CPU's SHA instructions less than
        # half of BLAKE2b's time over a row, the explained card, tens of kB each in a busy period; issue 12)
        self.written: dict[tuple[str, str], tuple[str, int, bytes]] = {}
        self.written_at = -1  # the position of this runner's last write (another process may write after it)
        self.totals: dict[str, dict[str, Decimal]] = {}  # period key -> subject -> total, as last scored
        self.unwritten = threading.Event()  # set when events were folded that the views do not hold yet
        self.touched: set[str] = set()  # periods folded but not yet written (catch_up(write=False))
        self.leaves: list[tuple[int, str]] = []  # their events' leaves, in log order
        self.saved: dict[int, Any] = {}  # the notifications this process saved, by position, until folded
        self.saved_lock = threading.Lock()
        self.lazy: dict[str, LazyPeriod] | None = None  # when light: the periods folded group by group
        if not self._light_start():
            self._refold()

    def _refold(self, upto: int | None = None) -> None:
        """Fold the log up to the position the views hold (folding is cheap; nothing is scored)."""
        folded, stamps = LogFold(), Stamps()
        for batch in read_log(self.source, upto=self.views.position() if upto is None else upto, page=self.page):
            for record in batch:
                folded.apply(record)
                stamps.note(record)
        for period in folded.periods.values():
            period.take_stale()  # the views hold these results already
        self.folded, self.stamps, self.light, self.lazy = folded, stamps, False, None

    def _light_start(self) -> bool:
        """On a start over views of a long log: the log folded without its facts and every period folded lazily
        (projections/lazy.py: `vouched`), instead of every fact folded (issue 12: 12.2 GB and six minutes for the
        province before the service answered); False when that cannot be vouched for (the whole log is folded)."""
        upto = self.views.position()
        if self.fast_backlog is None or upto < max(self.fast_backlog, 1):
            return False
        reader = reader_for(self.source)
        if reader is None:
            return False
        started = time.perf_counter()
        try:
            heads = self.views.heads()
            index = index_log(reader, upto)
            indexed = time.perf_counter()
            lazy = vouched(index, reader, heads)
            log.info("the log to %d folded without its facts in %.1f s, its fact rows checked in %.1f s", upto,
                     indexed - started, time.perf_counter() - indexed)
        except Exception:  # noqa: BLE001 - a log the fast reading cannot take: the reference folds it
            log.exception("the log could not be folded lazily on start: it is folded whole")
            return False
        finally:
            reader.close()
        if lazy is None:
            log.info("the log is folded whole on start: a period the lazy fold cannot vouch for")
            return False
        index.fold.position = upto
        for period in index.fold.periods.values():
            period.take_stale()  # the views hold these results
        self.folded, self.stamps, self.light, self.lazy = index.fold, Stamps(), True, lazy
        return True

    @property
    def fold(self) -> LogFold:
        """Every period's input as of the views' position (folded whole now if the views were built without it)."""
        if self.light:
            with self.lock:
                if self.light:
                    self._whole()
        return self.folded

    @property
    def meta(self) -> LogFold:
        """The fold as it stands, folded whole for the asking only when it holds nothing yet (views built in another
        process that could not be folded lazily here): periods (scheme bindings, subjects, closing, seals), scheme
        documents and appeals are the whole fold's; a period's facts (and what is derived from them: set aside, late,
        indexes) are complete only when not `light` (use `fold` for those)."""
        if self.light and self.lazy is None:
            return self.fold
        return self.folded

    def _whole(self) -> None:
        """Fold the whole log up to the position folded (the views were built without the facts, or the lazy
        fold cannot vouch for what comes next), keeping which groups are still to be scored."""
        marks = {key: (set(p.stale), p.stale_all) for key, p in self.folded.periods.items()}
        self._refold(self.folded.position)
        for key, (stale, stale_all) in marks.items():
            period = self.folded.periods.get(key)
            if period is not None:
                period.stale |= stale
                period.stale_all = period.stale_all or stale_all

    def _load(self, key: str, groups: Iterable[str]) -> bool:
        """Fold the facts of some groups of a lazily folded period; False (and the whole log folded) when the
        lazy fold cannot vouch for them, or it is not lazy (nothing to do then, or the fold was made whole)."""
        lazy = self.lazy.get(key) if self.lazy else None
        if lazy is None:
            return False
        reader = reader_for(self.source)
        try:
            if reader is None:
                raise NotLazy(NOT_READ)
            load(self.folded, self.folded.periods[key], lazy, groups, reader)
            return True
        except NotLazy as exc:
            log.info("period %s is folded whole: %s", key, exc)
            self._whole()
            return False
        finally:
            if reader is not None:
                reader.close()

    def _lazy_before(self, record: Record) -> None:
        """Before folding an event while light: fold the groups it concerns, or the whole log when the lazy fold
        cannot vouch for it (or holds no period at all: the views were built in another process)."""
        topic, state = record.topic, record.state
        if self.lazy is None:
            self._whole()  # nothing folded here (a publication's seal: its stamps are read from the log, `_stamps_for`)
            return
        key = self.folded.streams.get(record.stream)
        if topic == OPENED and isinstance(state, dict):
            key = key_of(state.get("bureau", "default"), str(state.get("code")))  # a period opened again
        lazy = self.lazy.get(key) if key is not None else None
        if lazy is None:
            return  # no lazily folded period's event (or one folding lists as unreadable, as the reference does)
        period = self.folded.periods[key]
        try:
            if topic in FACT_TOPICS:
                raw = state.get("fact") if isinstance(state, dict) else None
                # its subject's group, which its admission reads (ids, targets, raters); the joint stream is folded
                # first, always, and a joint fact's admission reads no other (its subjects' groups: when scored)
                self._load(key, groups_of(period, {owner_of(period, lazy, record.stream, raw)}))
            elif topic in WHOLE or topic == OPENED or (topic == CLOSED and period.closed_at is not None):
                raise NotLazy(topic, record.position)
        except NotLazy as exc:
            log.info("period %s is folded whole: %s", key, exc)
            self._whole()

    @property
    def position(self) -> int:
        return self.folded.position

    def catch_up(self, progress: Progress | None = None, write: bool = True) -> int:
        """Process every event after the tracked position; returns the new position.

        With `write=False` the events are folded only (cheap): the groups they touch are scored and
        written by the next call that writes (a read, the keeper), a chunk or a publication."""
        with self.lock:
            try:
                if self.folded.position == 0 and self.fast_backlog is not None:
                    self._build_fast(progress)
                for batch in read_log(self.source, after=self.folded.position, page=self.page):
                    for record in batch:
                        key = self._fold(record, self.touched, self.leaves)
                        if key is not None and record.topic == PUBLISHED:
                            self._flush(progress, [(key, self.folded.periods[key].seals[-1])])
                    if len(self.leaves) >= self.chunk:
                        self._flush(progress)
                if write and self.leaves:
                    self._flush(progress)
            except Exception:
                self._refold()  # the views did not take what was folded: start again from what they hold
                self.touched, self.leaves = set(), []
                raise
            return self.folded.position

    def _build_fast(self, progress: Progress | None) -> None:
        """Build the views of a backlog from zero with the fast replay, in one transaction; the periods it
        does not vouch for are scored by the reference from the full fold, in the same transaction. Left
        as it was (the reference catches up) when the fast replay cannot take the backlog.

        Never forked beside threads: a process with other threads (a service on PostgreSQL: the recorder's
        pool) builds a long backlog in a spawned process of its own that forks the workers (`_build_apart`),
        else scores it in one process."""
        reader = reader_for(self.source)
        if reader is None:
            return
        try:
            upto = reader.last()
            if upto < (self.fast_backlog or 0) or upto == 0:
                return
            cores = os.cpu_count() or 1
            conninfo = getattr(self.views, "conninfo", None)
            if threading.active_count() == 1:
                built = self._build_here(reader, upto, cores)
            elif cores > 1 and upto >= APART_MIN and reader.kind == "postgres" and conninfo is not None:
                built = self._built_apart(apart(_build_apart, (reader.fresh(), conninfo, upto, cores), "the views"),
                                          upto)
            else:
                built = self._build_here(reader, upto, 1)
            if not built:
                return
        except Unsure as exc:
            log.info("the views are caught up by the reference (%s)", exc)
            self._forget_build()
            return
        except Exception:  # noqa: BLE001 - a stored row the fast path cannot read: the reference names it
            log.exception("building the views with the fast replay failed: the reference catches them up")
            self._forget_build()
            return
        finally:
            reader.close()
        if progress is not None:
            progress(upto)

    def _build_here(self, reader: Reader, upto: int, workers: int) -> bool:
        """The fast build in this process's transaction; False when another process built (or builds) them."""
        with self.views.transaction() as cur:
            if self.views.position(cur, lock=self.views.row_locks) != 0:
                return False  # another process (PostgreSQL) is building or built them
            built = build_views(self.views, cur, reader, upto, workers)
            self.folded, self.light, self.stamps = built.fold, True, Stamps()
            self.totals = built.totals
            if built.left:
                self._refold(upto)
                self._score_left(cur, built.left, upto)
            else:
                for period in self.folded.periods.values():
                    period.take_stale()  # the views hold these results
                self.lazy = built.lazy
            self.views.write_page(cur, upto, {}, {}, [])
        self.written.clear()
        self.written_at = upto
        return True

    def _built_apart(self, totals: dict[str, dict[str, Decimal]] | None, upto: int) -> bool:
        """What the spawned process committed (the views and their position `upto`), taken as `_build_here`
        takes its own build: nothing folded here until something needs the fold (folded from the log then)."""
        if totals is None:
            return False  # another process is building or built them
        self.folded, self.light, self.stamps, self.totals = LogFold(position=upto), True, Stamps(), totals
        self.lazy = None  # nothing folded here: the whole log is folded when something needs it
        self.written.clear()
        self.written_at = upto
        self._light_start()  # or the log without its facts, each period lazily (as on a start), when it can be
        return True

    def _forget_build(self) -> None:
        """Back to nothing folded or written: the reference catches the views up from zero."""
        self.folded, self.light, self.stamps, self.totals = LogFold(), False, Stamps(), {}
        self.lazy = None
        self.written.clear()

    def _score_left(self, cur: Any, keys: list[str], upto: int) -> None:
        """The periods the fast replay left, scored by the reference as `_write` scores them."""
        heads: dict[str, bytes] = {}
        scored: dict[str, dict[str, list[tuple[str, bytes]]]] = {}
        for key in keys:
            period = self.folded.periods[key]
            try:
                heads[key], scored[key] = score_parts(self.folded, period, None, self.cards,
                                                      self.totals.setdefault(key, {}))
            except SchemeMismatch as exc:
                log.error("period %s is not scored: %s", key, exc)
                period.stale_all = True
        rows, written = self._changed(scored)
        self.views.write_page(cur, upto, heads, rows, [])
        self.written.update(written)

    def _flush(self, progress: Progress | None, sealed: Sealed | None = None) -> None:
        self._write(self.touched, self.leaves, progress, sealed)
        self.touched, self.leaves = set(), []

    def _fold(self, record: Record, touched: set[str], leaves: list[tuple[int, str]]) -> str | None:
        if self.light:
            self._lazy_before(record)
        key = self.folded.apply(record)
        if self.light and key is not None and record.topic in FACT_TOPICS and \
                record.position in self.folded.periods[key].set_aside:
            log.info("period %s is folded whole: a fact set aside at %d", key, record.position)
            self._whole()  # the lazy fold vouches for facts admission takes only
        self.stamps.note(record)
        leaves.append((record.position, leaf_digest(record)))
        if key is not None:
            touched.add(key)
        return key

    def _write(
        self, touched: set[str], leaves: list[tuple[int, str]], progress: Progress | None, sealed: Sealed | None = None
    ) -> None:
        """Score the groups the events touched, once each, and write the rows that changed with the leaves
        and the position, in one transaction (other groups keep their rows: nothing reaches across groups);
        keep what a publication among them sealed. The views' position is locked and read first: when
        another process (PostgreSQL) wrote this far already, nothing is scored again."""
        position = leaves[-1][0]
        with self.views.transaction() as cur:
            tracked = self.views.position(cur, lock=self.views.row_locks)
            if tracked >= position:
                self._written_elsewhere(touched)
            else:
                heads, scored = self._score(touched)
                if tracked != self.written_at:
                    self.written.clear()  # someone wrote since this runner: write every row scored
                rows, written = self._changed(scored)
                self.views.write_page(cur, position, heads, rows, leaves)
                for key, seal in sealed or []:
                    if key in heads:  # a period whose scheme cannot be had is not scored: nothing to keep
                        keep_seal(self.views, cur, key, seal, heads[key], self._stamps_for(seal))
                self.written.update(written)  # the transaction commits after this block, or raises
                self.written_at = position
        if progress is not None:
            progress(position)

    def _stamps_for(self, seal: dict[str, Any]) -> Stamps | LogStamps:
        """Where a kept seal's (since, until) stamps come from: this runner's own Stamps when it folded the whole
        log; while light (it noted only what it folded since it started) the log's rows up to the publication,
        read again as the fast build reads them (bounded memory; the whole log is not folded for a publication)."""
        return self.stamps if not self.light else LogStamps(self.source, int(seal["published_at"]))

    def _score(self, touched: set[str]) -> tuple[dict[str, bytes], dict[str, dict[str, list[tuple[str, bytes]]]]]:
        """The heading and the changed groups' rows of each period touched."""
        heads: dict[str, bytes] = {}
        scored: dict[str, dict[str, list[tuple[str, bytes]]]] = {}
        for key in sorted(touched):
            if self.light:
                self._ready(key, None)
            period = self.folded.periods[key]
            totals = self.totals.setdefault(key, {})
            try:
                heads[key], scored[key] = score_parts(self.folded, period, period.take_stale(), self.cards, totals)
            except SchemeMismatch as exc:  # its scheme cannot be had: no results, the rest goes on (docs/ledger.md)
                log.error("period %s is not scored: %s", key, exc)
                period.stale_all = True
        return heads, scored

    def _written_elsewhere(self, touched: set[str]) -> None:
        """The views hold these events already (written by another process): the groups they made stale are
        not scored again, and the totals this runner scored for those periods, maybe behind now, are
        forgotten (callers read the views instead)."""
        for key in touched:
            self.folded.periods[key].take_stale()
            self.totals.pop(key, None)

    def _changed(
        self, scored: dict[str, dict[str, list[tuple[str, bytes]]]]
    ) -> tuple[dict[str, list[Row]], dict[tuple[str, str], tuple[str, int, bytes]]]:
        """The rows whose group, place or bytes differ from what this runner last wrote."""
        rows: dict[str, list[Row]] = {}
        written: dict[tuple[str, str], tuple[str, int, bytes]] = {}
        for key, groups in scored.items():
            changed = rows.setdefault(key, [])
            for group, subjects in groups.items():
                for place, (subject, body) in enumerate(subjects):
                    state = (group, place, hashlib.sha256(body).digest())
                    if self.written.get((key, subject)) != state:
                        changed.append((subject, group, place, body))
                        written[key, subject] = state
        return rows, written

    def totals_of(self, key: str, subjects: set[str]) -> dict[str, Decimal]:
        """The current totals of some subjects of a period (read your writes, without decoding the views)."""
        with self.lock:
            known = self.totals.get(key, {})
            return {s: known[s] for s in sorted(subjects) if s in known}

    def wait_for(self, position: int | None) -> int:
        """Read your writes: return once the views include the given position."""
        if position is None or self.folded.position < position or self.leaves:
            return self.catch_up()
        return self.folded.position

    def fold_to(self, position: int | None) -> int:
        """Fold the log up to `position` (everything when None) without writing the views: a recording
        request's read-your-writes. The groups touched are scored and written by the next call that
        writes (a read, the keeper, which `unwritten` wakes). The events this process saved are folded
        as saved when they continue the fold without a gap (`recorded`); otherwise the log is read."""
        if position is None or self.folded.position < position:
            if position is None or not self._fold_saved(position):
                self.catch_up(write=False)
            self.unwritten.set()
        return self.folded.position

    def recorded(self, recordings: list[Any]) -> None:
        """The library's recordings of a save of this process (LedgerBase.save_listeners): their notifications
        are kept, the rows the log holds for them (position, stream, version, topic, payload: what reading the
        log gives, records.py), so that read-your-writes folds them without reading them back (issue 12: on
        SQLite that read waited for the one connection while the next group was being saved)."""
        self._keep([recording.notification for recording in recordings])

    def _keep(self, notifications: list[Any]) -> None:
        with self.saved_lock:
            if len(self.saved) >= SAVED_KEEP:
                self.saved.clear()  # nobody folds them here (imports, the CLI: the log is read): forget them
            elif len(self.saved) > SAVED_PRUNE:
                folded = self.folded.position  # those folded since (by a read, the keeper) are not needed
                for stale in [p for p in self.saved if p <= folded]:
                    del self.saved[stale]
            for notification in notifications:
                self.saved[notification.id] = notification  # decoded when folded

    def tail_after(self) -> int | None:
        """Where the log's tail unknown to this runner begins (PostgreSQL HTTP, issue 12: a group's first round trip
        reads it with its turn, LedgerBase._in_turn): the last position folded or kept (`saved`) without a gap;
        None when nothing would be folded from memory (no fold built yet)."""
        start = self.folded.position
        if (self.light and self.lazy is None) or start == 0:
            return None
        with self.saved_lock:
            at = start + 1
            while at in self.saved:
                at += 1
        return at - 1

    def tailed(self, notifications: list[Any]) -> None:
        """The log's rows read after `tail_after` (another process's events, read with a group's turn): kept as the
        saves of this process are, so that read-your-writes folds them without reading the log again (the rows the
        log gives, in its order; a gap still reads the log)."""
        if notifications:
            self._keep(notifications)

    def _fold_saved(self, position: int) -> bool:
        """Fold the saved events that follow the fold without a gap up to `position`, as catch_up(write=False)
        folds them from the log; False (nothing folded) when they do not reach it (another process or
        writer appended between, the fold is not built yet, a publication is among them)."""
        with self.lock:
            start = self.folded.position
            if (self.light and self.lazy is None) or start == 0:
                return False
            with self.saved_lock:
                if len(self.saved) > SAVED_PRUNE:
                    for stale in [p for p in self.saved if p <= start]:
                        del self.saved[stale]
                run, at = [], start + 1
                while at in self.saved:
                    run.append(self.saved[at])
                    at += 1
                if not run or run[-1].id < position or any(n.topic == PUBLISHED for n in run):
                    return False
                for n in run:
                    del self.saved[n.id]
            loads = orjson.loads
            try:
                for n in run:
                    record = Record(n.id, str(n.originator_id), n.originator_version, n.topic, n.state, loads(n.state))
                    self._fold(record, self.touched, self.leaves)
                if len(self.leaves) >= self.chunk:
                    self._flush(None)
            except Exception:
                self._refold()  # as catch_up: start again from what the views hold
                self.touched, self.leaves = set(), []
                raise
            return True

    def scored_totals(self, key: str, subjects: set[str]) -> dict[str, Decimal]:
        """The subjects' current totals as folded, each scored alone by the fast scorer (a subject's total
        depends on its facts only: projections/subject_totals.py); never their group ranked or encoded."""
        with self.lock:
            if self.light:
                self._ready(key, subjects)
            period = self.folded.periods.get(key)
            if period is None:
                return {}
            try:
                scheme = scheme_for(self.folded, period.scheme_hash)
            except SchemeMismatch:
                return {}
            return self.subject_totals.totals(scheme, period, sorted(subjects & period.subjects.keys()))

    def fact_totals(self, key: str, fact_ids: list[str]) -> dict[str, Decimal]:
        """The current totals of the subjects some folded facts concern (read your writes after recording them),
        each scored alone (`scored_totals`)."""
        with self.lock:
            period = self.folded.periods.get(key)
            if period is None:
                return {}
            facts = [period.facts[i] for i in fact_ids if i in period.facts]  # folded: their groups are
            return self.scored_totals(key, set().union(*(named_subjects(period.facts, f) for f in facts)))

    def facts_for(self, key: str, subjects: set[str]) -> dict[str, dict[str, Any]]:
        """The period's counted facts as folded, those concerning these subjects complete (their groups folded
        first when light; other groups' facts may be missing then); empty for an unknown period."""
        period = self.period_for(key, subjects)
        return period.facts if period is not None else {}

    def facts_concerning(self, key: str, proposed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The counted facts concerning the subjects proposed facts name (with those of the facts they target), in
        log order, as the fold indexes them by subject (`by_subject`): a spreadsheet's rows checked and described
        (service/sheets). Their groups are folded first when light, never the whole log; the same facts either way."""
        with self.lock:
            subjects = self.named(key, proposed)
            period = self.folded.periods.get(key)
            if period is None:
                return {}
            ids = {i: period.positions.get(i, 0) for s in subjects for i in period.by_subject.get(s, ())}
            return {i: period.facts[i] for i in sorted(ids, key=ids.__getitem__)}

    def period_for(self, key: str, subjects: set[str]) -> PeriodInput | None:
        """The period as folded, what concerns these subjects complete (their facts, positions and index: their
        groups folded first when light; other groups' may be missing then); None for an unknown period."""
        with self.lock:
            if self.light:
                self._ready(key, subjects)
            return self.folded.periods.get(key)

    def recorded_by(self, key: str, recorder: str) -> RecorderFacts | None:
        """While the period is folded lazily: every counted fact `recorder` recorded in it, by position and whose
        stream it lies in (projections/lazy.py `RecorderFacts`), in log order; None when it is not (read the whole
        fold's facts instead). The facts up to the
        views' position are listed from their rows, read once on the first asking (projections/lazy.py
        `recorded`), outside the lock: those rows never change, and nothing the runner folds since changes which
        of them are counted (a late fact is one after the closing, which the views' position is past or before)."""
        with self.lock:
            lazy = self.lazy.get(key) if self.light and self.lazy else None
            if lazy is None:
                return None
            period, listed = self.folded.periods[key], lazy.recorded
        if listed is None:
            with self.listing:  # one first read at a time (several recorders opening the page after a start)
                listed = lazy.recorded
                if listed is None:
                    reader = reader_for(self.source)
                    if reader is None:
                        return None
                    try:
                        listed = recorded(period, lazy, reader)
                    except NotLazy as exc:
                        log.info("the facts of %s by recorder could not be listed from their rows: %s", key, exc)
                        return None
                    finally:
                        reader.close()
                    lazy.recorded = listed
        with self.lock:
            if not self.light or not self.lazy or self.lazy.get(key) is not lazy:
                return None  # folded whole meanwhile: its facts are the fold's
            since = sorted(p for i, p in period.positions.items()
                           if p > lazy.base and period.facts[i].get("recorded_by") == recorder)
        return listed.of(recorder, since)

    def fact_counts(self, key: str) -> tuple[int, int] | None:
        """While the period is folded lazily: how many of its facts are counted and how many are late, as the whole
        fold would list them (those up to the views' position counted from the first pass's places, projections/
        lazy.py `counted`; those folded since, from the fold); None when it is not (count the fold's)."""
        with self.lock:
            listed = self._lazy_counts(key)
            if listed is None:
                return None
            lazy, period = listed
            facts, late = lazy.counts  # type: ignore[misc]
            since = sum(1 for p in period.positions.values() if p > lazy.base)
            return facts + since, len(late) + len(period.late) - len(lazy.late_loaded)

    def late_facts(self, key: str) -> list[str] | None:
        """While the period is folded lazily: the ids of its late facts in log order, as the whole fold lists them
        (`PeriodInput.late`: those up to the views' position read from their rows with `fact_counts`, then those
        folded since); None when it is not (the fold's)."""
        with self.lock:
            listed = self._lazy_counts(key)
            if listed is None:
                return None
            lazy, period = listed
            loaded = Counter(lazy.late_loaded)  # the period's `late` holds those `load` listed, then those since
            since = []
            for fact in period.late:
                if loaded[fact]:
                    loaded[fact] -= 1
                else:
                    since.append(fact)
            return [*lazy.counts[1], *since]  # type: ignore[index]

    def _lazy_counts(self, key: str) -> tuple[LazyPeriod, PeriodInput] | None:
        """The period's lazy fold with its counts read (on first asking), under the lock; None when not lazy."""
        lazy = self.lazy.get(key) if self.light and self.lazy else None
        if lazy is None:
            return None
        period = self.folded.periods[key]
        if lazy.counts is None:
            reader = reader_for(self.source)
            if reader is None:
                return None
            try:
                lazy.counts = counted(period, lazy, reader)
            except NotLazy as exc:
                log.info("the facts of %s could not be counted from their rows: %s", key, exc)
                return None
            finally:
                reader.close()
        return lazy, period

    def named(self, key: str, facts: list[dict[str, Any]]) -> set[str]:
        """The registered subjects proposed facts would concern (those they name, their targets'), their groups
        folded first when light."""
        with self.lock:
            period = self.folded.periods.get(key)
            if period is None:
                return set()
            if self.light:  # the subjects they name, and their targets' (whose stream the target's id names)
                self._ready(key, set().union(*(named_subjects({}, f) | {route_of(f)} for f in facts)))
                period = self.folded.periods[key]
            return set().union(*(named_subjects(period.facts, f) for f in facts)) & period.subjects.keys()

    def _ready(self, key: str, subjects: Iterable[str] | None) -> None:
        """While light, before a period's facts are read: the groups of these subjects (None: the groups to score)
        folded, or the whole log when the lazy fold cannot vouch for them."""
        period = self.folded.periods.get(key)
        if period is None:
            return
        if self.lazy is None:
            self._whole()
        elif key in self.lazy:
            if subjects is None:
                if period.stale_all:
                    log.info("period %s is folded whole: every group to score", key)
                    self._whole()
                    return
                self._load(key, period.stale)
            else:
                self._load(key, groups_of(period, subjects))


OPENED = "scoreledger:Period.Opened"
CLOSED = "scoreledger:Period.Closed"
WHOLE = {"scoreledger:Period.SchemeBound"}  # every fact admitted again
NOT_READ = "the log cannot be read by stream"


def _build_apart(reader: Reader, conninfo: str, upto: int, workers: int) -> dict[str, dict[str, Decimal]] | None:
    """In a spawned process of its own (projections/fast/apart.py): the views built from zero as
    `ProjectionRunner._build_here` builds them, over this process's own connections, the workers forked (no
    other thread runs here); the totals scored, or None when another process is building or built them. The
    views, their tracking position and the kept seals are committed together by this process or not at all: a
    catch-up elsewhere waits on the tracking row's lock, or finds it written, as with a build in its own
    process."""
    from projections.viewstore import PostgresViewStore

    views = PostgresViewStore(conninfo, create=False)  # the caller's store made the tables
    try:
        if views.position() != 0:
            return None
        runner = ProjectionRunner(Notifications(reader), views, fast_backlog=None)  # nothing folded: position 0
        return runner.totals if runner._build_here(reader, upto, workers) else None
    finally:
        views.close()
        reader.close()
