"""The Ledger application: commands that decide, then append events atomically.

Every command loads the aggregates it needs, lets them decide, and saves them in one
transaction together with the CommandRecord of its idempotency key. A concurrent write
to the same aggregate makes the library raise IntegrityError: the command re-reads and
decides again (optimistic concurrency, never last-write-wins).

Group commit (`run_group`, driven by service/group_commit.py): several commands are decided one after
another, each seeing what the ones before it in the group decided, and the accepted ones are saved in one
transaction; a refused command is refused alone and appends nothing.
"""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing import persistence
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Notification, Recording, StoredEvent

from domain.canonical import plain_sha256_hex
from domain.ledger.command import CommandRecord
from domain.ledger.ids import command_id
from service.errors import Conflict, IdempotencyKeyReused, NotFound, OutcomeUnknown
from service.messages import say
from service.pg_literals import inline
from service.stored_rows import StoredRows

log = logging.getLogger("scoreledger.ledger")
Decision = tuple[list[Aggregate], dict[str, Any]]
E = TypeVar("E", bound=BaseException)
RETRIES = 40
BACKOFF_CAP = 0.05  # seconds
# The turn's transaction (LedgerBase._turn) on PostgreSQL, set in it (review, issue 12): a process waits for the turn
# so long at most, then decides its group without it (its conflicts retried, as without a turn); a holder idle in
# its transaction so long (its process stuck or stopped between the group's two round trips) loses its session, and
# the turn with it. A group is decided between the two in milliseconds; its largest batches in a few seconds.
TURN_LOCK_TIMEOUT = 10.0  # seconds
TURN_IDLE_TIMEOUT = 60.0  # seconds
TAIL_LIMIT = 500  # rows of the log's tail a group's turn reads for the runner at most (LedgerBase._tail_read)
# A group is decided before its turn (LedgerBase._ahead) only when no other process's append was seen in the log's
# tail read with a turn for so long (eleventh round): with two processes writing the same streams the decision was
# found moved often enough that deciding it twice cost more than the round trip it saves (see BENCHMARKS).
AHEAD_QUIET = 2.0  # seconds
OWN_KEPT = 4_096  # notification ids of this process's own saves kept to tell them from others' in the tail


@dataclass(frozen=True)
class Command:
    """A command ready to run: its decision and what its idempotency key is checked against."""

    decide: Callable[[], Decision]
    key: str | None
    request: Any
    actor: str
    at: str
    streams: Callable[[], list[UUID]] | None = None  # the aggregates its decision loads (a hint: read at once)
    check: Callable[[], None] | None = None  # run before anything else (its key too): the caller's token, read here


@dataclass
class _Group:
    """The aggregates a group commit has loaded or decided so far, shared by its commands in order.

    `versions` is each aggregate's version after the last accepted command: a refused command that changed
    one (a batch refused at its second fact after its first was recorded) leaves it `tainted`."""

    seen: dict[UUID, Any] = field(default_factory=dict)
    absent: set[UUID] = field(default_factory=set)  # aggregates the store did not hold when the group began
    versions: dict[UUID, int] = field(default_factory=dict)
    pending: dict[UUID, Any] = field(default_factory=dict)  # to save, in the order first decided
    read: dict[UUID, int] = field(default_factory=dict)  # each aggregate's version as the decision read it (0: absent)

    def changed(self) -> list[UUID]:
        return [i for i, a in self.seen.items() if a.version != self.versions[i]]

    def accept(self, aggregates: list[Any]) -> list[tuple[UUID, int, int]]:
        """Keep a command's aggregates for the commands after it; their events as (id, after, up to)."""
        spans = []
        for aggregate in aggregates:
            spans.append((aggregate.id, self.versions.get(aggregate.id, 0), aggregate.version))
            self.seen[aggregate.id] = aggregate
            self.versions[aggregate.id] = aggregate.version
            self.pending.setdefault(aggregate.id, aggregate)
        return spans


@dataclass
class _Turn:
    """A group commit's turn on PostgreSQL (LedgerBase._turn): the writer's own connection and the lock's key;
    `taken` once its transaction holds the lock (taken with the group's first read, in the same round trip)."""

    connection: Any
    key: str
    taken: bool = False
    reads: dict[UUID, int] | None = None  # a group decided before its turn: what its save checks did not move


class Moved(IntegrityError):
    """A group decided before its turn (`LedgerBase._ahead`) found a stream or key it read moved when it took the
    turn: nothing was inserted, and the group is decided again in its turn."""


class Tainted(Exception):
    """A refused command changed an aggregate the group shares: the group is decided again without it."""


def mutated(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's `project_aggregate` (each event's `mutate` in turn) without its per-event assertion
    `isinstance(event, CanMutateProtocol)`: a runtime-checkable Protocol, whose check was half the CPU of the first
    command after a restart (py-spy, issue 12: the province's period aggregate, 200,000 subjects registered, loaded
    in 6.8 s). Every event of these streams is one of the domain's aggregate events, which mutate."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LedgerBase(Application):  # type: ignore[type-arg]
    """Loading, idempotent saving and retrying, shared by every command."""

    name = "scoreledger"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.append_listeners: list[Callable[[int], None]] = []  # told how many events each save appended
        self.save_listeners: list[Callable[[list[Any]], None]] = []  # told each save's recordings (its rows)
        self._local = threading.local()  # the group being decided in this thread (run_group), if any
        # groups decided before their turn (`_ahead`): saved so, moved (decided again in the turn), or not tried
        self.aheads = {"saved": 0, "moved": 0, "failed": 0, "declined": 0}
        self._own: set[int] = set()  # notification ids this process saved lately (OWN_KEPT at most)
        self._foreign_at = float("-inf")  # when the tail read with a turn last held another process's event

    def construct_mapper(self) -> Any:
        """The library's mapper, its stored events made by `StoredRows` (the same bytes, less Python per event)."""
        mapper = super().construct_mapper()
        if type(mapper) is not Mapper:
            return mapper
        return StoredRows(mapper.transcoder, compressor=mapper.compressor, cipher=mapper.cipher)

    def close(self) -> None:
        if self._turns:
            self._turns[0].close()
        self._turns = None
        super().close()

    def unsaved(self) -> None:
        """Decided events were not saved (a conflict, a group decided again): forget what was kept of them."""

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The library's save (collect, record, snapshots, notify), its events collected by `collected`."""
        try:
            processing_event = collected(objs, kwargs)
            recordings = self._record(processing_event)
            self._take_snapshots(processing_event)
            self._notify(recordings)
            self.notify(processing_event.events)  # the library's deprecated hook, called as its save does
        except Exception:
            self.unsaved()
            raise
        own = self._own
        if len(own) > OWN_KEPT:
            own.clear()
        own.update(r.notification.id for r in recordings)
        for listener in self.append_listeners:
            listener(len(recordings))
        for saved in self.save_listeners:
            saved(recordings)
        return recordings

    def load(self, aggregate_id: UUID, what: str) -> Any:
        try:
            return self._get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{what} does not exist") from None

    def maybe(self, aggregate_id: UUID) -> Any | None:
        try:
            return self._get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _get(self, aggregate_id: UUID) -> Any:
        """From the store, or inside a group commit as the commands before this one left it."""
        group: _Group | None = getattr(self._local, "group", None)
        if group is None:
            return self.repository.get(aggregate_id, projector_func=mutated)
        found = group.seen.get(aggregate_id)
        if found is None:
            if aggregate_id in group.absent:
                raise AggregateNotFoundError(aggregate_id)
            try:
                found = group.seen[aggregate_id] = self.repository.get(aggregate_id, projector_func=mutated)
            except AggregateNotFoundError:
                group.read.setdefault(aggregate_id, 0)
                raise
            group.versions[aggregate_id] = found.version
            group.read.setdefault(aggregate_id, found.version)
        return found

    def run_command(self, command: Command) -> dict[str, Any]:
        if command.check is not None:
            command.check()
        return self.run(command.decide, key=command.key, request=command.request, actor=command.actor, at=command.at)

    def run(
        self, decide: Callable[[], Decision], *, key: str | None, request: Any, actor: str, at: str
    ) -> dict[str, Any]:
        """Decide and save; a repeated key returns the first result and appends nothing.

        A key is the client's: it is scoped to the principal and the command, so another principal (or
        another command) sending the same key is another request, never answered with this one's result."""
        request_hash = plain_sha256_hex(request)
        scoped = None if key is None else scoped_key(actor, decide, key)
        for attempt in range(RETRIES):
            if scoped is not None:
                earlier = self.maybe(command_id(scoped))
                if earlier is not None:
                    return self._replayed(earlier, request_hash)
            aggregates, result = decide()
            pending = list(aggregates)
            if scoped is not None:
                pending.append(CommandRecord.accepted(scoped, request_hash, result, actor, at))
            try:
                recordings = self.save(*pending)
            except IntegrityError:
                self.unsaved()
                time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.001 * 2**attempt)))  # noqa: S311 - jitter only
                continue
            position = max((r.notification.id for r in recordings), default=None)
            return {**result, "position": position, "replayed": False}
        raise Conflict("the aggregates changed under this command too many times; try again")

    def run_group(self, commands: list[Command]) -> list[dict[str, Any] | Exception]:
        """Decide the commands in order, each against everything stored and everything accepted before it in
        the group, and save the accepted ones in one transaction; each gets its own result or its own error.

        Nothing is answered before the save: a version conflict (another process wrote a stream) decides the
        whole group again from the store, so no refusal rests on a decision that was not appended. A refused
        command that changed a shared aggregate is taken out and run alone after the group. When the store failed
        under the save and whether the group was committed cannot be told, each of its commands is answered so
        (`OutcomeUnknown`), never decided again nor refused."""
        alone: set[int] = set()
        ahead = self._ahead(commands, alone)
        if ahead is not None:
            return ahead
        for attempt in range(RETRIES):
            with self._turn():
                try:
                    group, outcomes, spans = self._decide_group(commands, alone)
                except Tainted:
                    self.unsaved()
                    continue  # `alone` grew: decide the group again without it (not a conflict: no backoff)
                try:
                    recordings = self.save(*group.pending.values()) if group.pending else []
                except IntegrityError:
                    self.unsaved()
                    recordings = None
                except OutcomeUnknown as unknown:
                    log.error("whether a group of %d commands was saved cannot be told", len(commands), exc_info=True)
                    cause = unknown.__cause__
                    recordings = False
            if recordings is False:
                return [self._alone(c) if i in alone else untold(c, cause) for i, c in enumerate(commands)]
            if recordings is None:
                time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.001 * 2**attempt)))  # noqa: S311 - jitter only
                continue
            return self._answered(commands, alone, group, outcomes, spans, recordings)
        return [Conflict("the aggregates changed under this command too many times; try again") for _ in commands]

    def _answered(self, commands: list[Command], alone: set[int], group: _Group, outcomes: list[Any],
                  spans: dict[int, list[tuple[UUID, int, int]]], recordings: list[Any]) -> list[Any]:
        """A saved group's outcomes: each accepted command's result with its position; those taken out run alone."""
        self._cache_saved(group)
        where = {(r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
                 for r in recordings}
        for i, span in spans.items():
            positions = [where[(a, v)] for a, after, upto in span for v in range(after + 1, upto + 1)]
            outcomes[i] = {**outcomes[i], "position": max(positions, default=None), "replayed": False}
        for i in sorted(alone):
            outcomes[i] = self._alone(commands[i])
        return outcomes

    def _ahead(self, commands: list[Command], alone: set[int]) -> list[Any] | None:
        """On PostgreSQL, a group decided before its turn from what this process keeps (issue 12, eleventh round), and
        saved in ONE round trip that takes the turn, reads the log's tail, checks that none of the streams and keys
        the decision read moved past the versions it used, inserts only then, and commits (`_record`): the turn's lock
        is held for that statement's execution, not for two round trips and the decision between them, which
        serialised the processes' groups. None when it cannot be so (a stream it names not kept here, nothing to
        save, a refused command that changed a shared aggregate) or when something moved or failed before the
        insert: the group is then decided again in its turn, as before (`run_group`), never saved on stale
        versions. Its save's failures are those of any save (a lost COMMIT reply looked up, `OutcomeUnknown`)."""
        if not self._cached_ahead(commands):
            self.aheads["declined"] += 1
            return None
        try:
            group, outcomes, spans = self._decide_group(commands, alone, ahead=True)
        except Tainted:
            self.unsaved()
            self.aheads["declined"] += 1
            return None
        if not group.pending:  # every command refused or replayed: decided again in the turn, on the store's state
            self.unsaved()
            self.aheads["declined"] += 1
            return None
        with self._turn():
            turn: _Turn | None = getattr(self._local, "turn", None)
            if turn is None:
                self.unsaved()
                self.aheads["declined"] += 1
                return None
            turn.reads = group.read
            try:
                recordings = self.save(*group.pending.values())
            except Moved:  # decided again in the turn (the save forgot what the decision kept: `unsaved`)
                self.aheads["moved"] += 1
                return None
            except IntegrityError:  # the save failed before its insert went through: decided again in the turn
                self.aheads["failed"] += 1
                return None
            except OutcomeUnknown as unknown:
                log.error("whether a group of %d commands was saved cannot be told", len(commands), exc_info=True)
                return [untold(c, unknown.__cause__) for c in commands]
        self.aheads["saved"] += 1
        return self._answered(commands, alone, group, outcomes, spans, recordings)

    def _cached_ahead(self, commands: list[Command]) -> bool:
        """Whether a group can be decided before its turn: on PostgreSQL with a turn to take, an aggregate cache
        brought forward as the library does, every stream its commands name kept in it (an idempotency key's
        record is taken to be absent, which the save checks), and no other process's append seen in the log's tail
        for AHEAD_QUIET seconds."""
        repository = self.repository
        cache = repository.cache
        if cache is None or not repository.fastforward or repository.snapshot_store is not None:
            return False
        if any(c.streams is None for c in commands) or self._turns_lock() is None:
            return False
        if time.monotonic() - self._foreign_at < AHEAD_QUIET:  # another process writes: decided in the turn
            return False
        for command in commands:
            for aggregate_id in command.streams():  # type: ignore[misc]
                try:
                    cache.get(aggregate_id)
                except KeyError:
                    return False
        return True

    def _kept(self, group: _Group, ids: list[UUID]) -> None:
        """A group's aggregates as this process keeps them (`_ahead`): copies of the cached ones, the others absent;
        each version read noted for the save's check."""
        copies = self._cached_copies(ids)
        for aggregate_id in ids:
            copy = copies.get(aggregate_id)
            if copy is None:
                group.absent.add(aggregate_id)
                group.read[aggregate_id] = 0
                continue
            group.seen[aggregate_id] = copy
            group.versions[aggregate_id] = group.read[aggregate_id] = copy.version

    def _cached_copies(self, ids: list[UUID]) -> dict[UUID, Any]:
        """Copies of the cached aggregates among `ids` (the others left out), each taken under the repository's
        fast-forward lock, as Repository.get takes it (`_preload`, `_kept`)."""
        repository = self.repository
        cache = repository.cache
        copies: dict[UUID, Any] = {}
        for aggregate_id in ids:
            try:
                cached = cache.get(aggregate_id)
            except KeyError:
                continue
            lock = repository._use_fastforward_lock(aggregate_id)  # noqa: SLF001 - as Repository.get takes it
            try:
                with lock:
                    copies[aggregate_id] = deepcopy(cached)
            finally:
                repository._disuse_fastforward_lock(aggregate_id)  # noqa: SLF001
        return copies

    def _cache_saved(self, group: _Group) -> None:
        """The streams and periods a group saved, as saved, into the aggregate cache (issue 12). With the cache's
        fast-forward the library leaves the cache as it was, so the next group read back from the store and
        decoded again the events this one had just saved (`_preload`). They are the state of the store now, and
        nobody changes them after the save; a reader still fast-forwards a cached aggregate from its version (an
        event another writer saved meanwhile is read then). Command records stay out: a key is looked up again
        only when it is sent again, and the cache's room is the streams'."""
        cache = self.repository.cache
        if cache is None or self.repository.snapshot_store is not None:
            return
        for aggregate_id, aggregate in group.pending.items():
            if not isinstance(aggregate, CommandRecord):
                cache.put(aggregate_id, aggregate)

    def _decide_group(
        self, commands: list[Command], alone: set[int], ahead: bool = False
    ) -> tuple[_Group, list[Any], dict[int, list[tuple[UUID, int, int]]]]:
        group = _Group()
        outcomes: list[Any] = [None] * len(commands)
        spans: dict[int, list[tuple[UUID, int, int]]] = {}
        scoped = {i: scoped_key(c.actor, c.decide, c.key) for i, c in enumerate(commands)
                  if c.key is not None and i not in alone}  # each key's stored form once per decision
        keys = [command_id(key) for key in scoped.values()]
        hinted = [a for i, c in enumerate(commands) if c.streams is not None and i not in alone for a in c.streams()]
        if ahead:
            self._kept(group, [*dict.fromkeys([*hinted, *keys])])
        else:
            if not (hinted and self._preload(group, [*dict.fromkeys([*hinted, *keys])])):
                group.absent = self._absent(keys) if len(keys) > 1 else set()
            self._take_turn()  # when no read above took it: before anything is decided
        self._local.group = group
        try:
            for i, command in enumerate(commands):
                if i in alone:
                    continue
                try:
                    outcomes[i], decided = self._decide_one(command, scoped.get(i))
                except Exception as refused:  # noqa: BLE001 - the command's own answer, raised to it alone
                    if group.changed():
                        alone.add(i)
                        raise Tainted from refused
                    outcomes[i] = refused
                    continue
                if decided is not None:
                    spans[i] = group.accept(decided)
                if group.changed():  # it changed an aggregate it did not hand back
                    alone.add(i)
                    raise Tainted
        finally:
            self._local.group = None
        return group, outcomes, spans

    def _decide_one(self, command: Command, scoped: str | None) -> tuple[dict[str, Any], list[Any] | None]:
        """One command of a group: its earlier result under its key (None: nothing to save), or its decision;
        `scoped` is its key's stored form (`scoped_key`), None without a key."""
        if command.check is not None:  # before its key: a revoked token is never answered with a replay
            command.check()
        request_hash = plain_sha256_hex(command.request)
        if scoped is not None:
            earlier = self.maybe(command_id(scoped))
            if earlier is not None:
                return self._replayed(earlier, request_hash), None
        aggregates, result = command.decide()
        decided = list(aggregates)
        if scoped is not None:
            decided.append(CommandRecord.accepted(scoped, request_hash, result, command.actor, command.at))
        return result, decided

    _turns: Any = None  # PostgreSQL: the connection holding the group commits' turn, or False: none to take

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """On PostgreSQL, the group commits of every process take turns (an advisory lock per schema): two
        processes whose groups touch the same streams otherwise conflict again and again, each conflict deciding
        the whole group again after a pause (issue 12: groups retried up to 28 times, p99 over a second with 32
        clients). Single commands do not take it (they retry as before). Nothing to take elsewhere, or when the
        connection cannot be had (then conflicts are retried as before).

        The turn is a transaction on the writer's own connection (issue 12, round trips): its first round trip
        begins it, takes the lock (pg_advisory_xact_lock) and makes the group's first read (its streams and keys,
        `_in_turn`); the save is its second (`_record`: the library's table lock, notify and insert, and the
        commit, which lets go of the lock once the group is durable). A group that saves nothing, or fails, is
        rolled back here (the lock goes with it). Before, the lock, the read, the library's insert, its commit and
        the unlock were five round trips. The transaction sets its own `lock_timeout` and
        `idle_in_transaction_session_timeout` (TURN_LOCK_TIMEOUT, TURN_IDLE_TIMEOUT): a stuck holder of the turn
        blocks the other processes' groups so long at most (review)."""
        held = self._turns_lock()
        if held is None:
            yield
            return
        turn = self._local.turn = _Turn(*held)
        try:
            yield
        finally:
            self._local.turn = None
            if turn.taken:
                self._end_turn(turn)

    def _end_turn(self, turn: _Turn) -> None:
        from psycopg.pq import TransactionStatus

        try:
            if turn.connection.info.transaction_status != TransactionStatus.IDLE:
                turn.connection.execute("ROLLBACK")  # nothing saved (or the save failed): the lock goes with it
        except Exception:  # noqa: BLE001 - a broken connection let go of its lock with its session
            self._drop_turns()

    def _drop_turns(self) -> None:
        held, self._turns = self._turns, None  # a new connection next time
        if held:
            try:
                held[0].close()
            except Exception:  # noqa: BLE001, S110 - closing what already failed
                pass

    def _in_turn(self, statement: Any, params: Any) -> list[tuple[Any, ...]] | None:
        """A read of the group over its turn's connection, beginning the turn's transaction and taking its lock
        in the same round trip when not taken yet (statement None: only that); None when this thread holds no
        turn, or its connection failed (then the group goes on without it, its conflicts retried as before)."""
        turn: _Turn | None = getattr(self._local, "turn", None)
        if turn is None:
            return None
        from psycopg import ClientCursor
        from psycopg.errors import LockNotAvailable, QueryCanceled
        from psycopg.pq import ExecStatus

        TUPLES_OK = ExecStatus.TUPLES_OK  # noqa: N806

        parts: list[str] = []
        tail = None
        if not turn.taken:
            tail = self._opening(turn, parts)
        if statement is not None:
            parts.append(statement)
        if not parts:
            return []
        query, params = _inlined("; ".join(parts), params)
        try:
            with ClientCursor(turn.connection) as cursor:
                cursor.execute(query, params)
                sets: list[list[tuple[Any, ...]]] = []
                while True:
                    result = cursor.pgresult  # a SELECT's rows: description's test without making its Columns
                    if result is not None and result.status == TUPLES_OK:
                        sets.append(list(cursor.fetchall()))
                    if not cursor.nextset():
                        break
        except (LockNotAvailable, QueryCanceled):  # the turn not had in time (a stuck holder): decide without it
            self._local.turn = None
            log.warning("the group commits' turn was not had within %s s; this group goes without it",
                        TURN_LOCK_TIMEOUT)
            self._end_turn(turn)
            return None
        except Exception:  # noqa: BLE001 - the turn's connection failed: decide without it (conflicts retried)
            self._local.turn = None
            self._drop_turns()
            return None
        turn.taken = True
        rows = sets[-1] if sets and statement is not None else []
        if tail is not None:
            self._tailed(sets[-2] if statement is not None else sets[-1])
        return rows

    def _tailed(self, rows: list[tuple[Any, ...]]) -> None:
        """The log's tail read with the turn (`_tail_read`), handed to the runner."""
        notifications = [Notification(originator_id=i, originator_version=v, topic=t, state=bytes(b), id=n)
                          for n, i, v, t, b in rows]
        own = self._own
        if any(n.id not in own for n in notifications):
            self._foreign_at = time.monotonic()
        if self.tail is not None:
            try:
                self.tail.tailed(notifications)
            except Exception:  # noqa: BLE001 - only a shortcut: the fold reads the log instead
                log.exception("the log's tail read with the turn could not be kept")
        try:
            self._forward(notifications)
        except Exception:  # noqa: BLE001 - only a shortcut: a stale aggregate is brought forward when read
            log.exception("the log's tail read with the turn could not bring the cache forward")

    def _forward(self, notifications: list[Notification]) -> None:
        """The cached aggregates brought forward with the log's tail read with the turn (issue 12, eleventh round):
        what other processes appended to a stream this process keeps, applied to a copy of it that then replaces it
        in the cache (a reader may be copying the cached one outside the fast-forward lock), as `_preload` does, so
        the next group decided before its turn (`_ahead`) decides on it rather than finding it moved. Only events that
        follow the cached version are applied (the tail may hold this process's own saves, already there)."""
        repository = self.repository
        cache = repository.cache
        if cache is None or not repository.fastforward or repository.snapshot_store is not None:
            return
        by_stream: dict[UUID, list[Notification]] = {}
        for notification in notifications:
            by_stream.setdefault(notification.originator_id, []).append(notification)
        to_event = self.mapper.to_domain_event
        for aggregate_id, events in by_stream.items():
            try:
                cached = cache.get(aggregate_id)
            except KeyError:
                continue
            if events[-1].originator_version <= cached.version:
                continue
            lock = repository._use_fastforward_lock(aggregate_id)  # noqa: SLF001 - as Repository.get takes it
            try:
                with lock:
                    cached = cache.get(aggregate_id)
                    newer = [e for e in events if e.originator_version > cached.version]
                    if not newer or newer[0].originator_version != cached.version + 1:
                        continue  # not what follows the cached version: brought forward when read, as before
                    aggregate = deepcopy(cached)
                    for event in newer:
                        aggregate = to_event(event).mutate(aggregate)
                    if aggregate is not None:
                        cache.put(aggregate_id, aggregate)
            except KeyError:
                continue
            finally:
                repository._disuse_fastforward_lock(aggregate_id)  # noqa: SLF001

    def _opening(self, turn: _Turn, parts: list[str]) -> str | None:
        """The statements that begin a turn, appended to `parts`: its transaction, settings and lock, then the read
        of the log's tail when the runner folds from memory (`_tail_read`, returned; None when not read)."""
        parts.append(_turn_text(turn.key, round(TURN_LOCK_TIMEOUT * 1000), round(TURN_IDLE_TIMEOUT * 1000)))
        tail = self._tail_read()
        if tail is not None:
            parts.append(tail)
        return tail

    def _tail_read(self) -> str | None:
        """The statement reading the log after where this process's runner knows it (another process's events, with
        the group's turn: issue 12, PostgreSQL HTTP). The answers' read-your-writes then folds them with the group's
        own events, as saved, instead of reading the log again on a pool connection for each group (with two server
        processes, one read per group in each). TAIL_LIMIT rows at most (a longer tail is read by the fold, as
        before); None when the runner folds nothing from memory yet."""
        after = self.tail.tail_after() if self.tail is not None else None
        if after is None:
            return None
        recorder = self.recorder
        return _tail_text(recorder.datastore.schema, recorder.events_table_name, TAIL_LIMIT).format(after=int(after))

    def _take_turn(self) -> None:
        turn: _Turn | None = getattr(self._local, "turn", None)
        if turn is not None and not turn.taken:
            self._in_turn(None, None)

    def _record(self, processing_event: Any) -> list[Recording[Any]]:
        """The save of a group holding its turn: the library's statements (its table lock, which keeps the log's
        positions in commit order, its notify, its insert) and the commit in one round trip on the turn's
        connection; anything else is saved by the library. The rows are inserted in the group's order by
        construction (`WITH ORDINALITY … ORDER BY`: SQL promises no order of an unordered SELECT), so their
        notification ids follow the order of the group's events (issue 12 review)."""
        turn: _Turn | None = getattr(self._local, "turn", None)
        ahead = turn is not None and turn.reads is not None and not turn.taken
        if (turn is None or not (turn.taken or ahead) or processing_event.tracking is not None
                or processing_event.saved_kwargs):
            return super()._record(processing_event)  # type: ignore[no-any-return]
        from psycopg import ClientCursor, InterfaceError, OperationalError
        from psycopg import IntegrityError as Duplicate
        from psycopg.errors import DeadlockDetected, LockNotAvailable, QueryCanceled
        from psycopg.pq import ExecStatus

        recorder, events = self.recorder, processing_event.events
        datastore = recorder.datastore
        stored = [self.mapper.to_stored_event(e) for e in events]
        timeout = round((datastore.lock_timeout or TURN_LOCK_TIMEOUT) * 1000)
        params: tuple[Any, ...] = ([e.originator_id for e in stored], [e.originator_version for e in stored],
                                   [e.topic for e in stored], [e.state for e in stored])
        tail = None
        if ahead:  # one round trip: the turn, the log's tail, the check of what the decision read, the insert
            reads = turn.reads or {}
            parts: list[str] = []
            tail = self._opening(turn, parts)
            parts.append(_ahead_text(datastore.schema, recorder.events_table_name, recorder.channel_name, timeout))
            statement = "; ".join(parts)
            params = (list(reads), list(reads.values()), *params)
            turn.taken = True  # from here its transaction may be open: the turn's end rolls it back
        else:
            statement = _save_text(datastore.schema, recorder.events_table_name, recorder.channel_name, timeout)
        query, inlined = _inlined(statement, params)
        moved = False
        try:
            with ClientCursor(turn.connection) as cursor:
                cursor.execute(query, inlined)
                numbers: dict[tuple[Any, int], int] = {}
                sets: list[list[tuple[Any, ...]]] = []
                while True:
                    if (cursor.statusmessage or "").startswith("INSERT"):
                        numbers = {(i, v): n for i, v, n in cursor.fetchall()}
                    elif ahead and cursor.pgresult is not None and cursor.pgresult.status == ExecStatus.TUPLES_OK:
                        sets.append(list(cursor.fetchall()))
                    if not cursor.nextset():
                        break
                committed = (cursor.statusmessage or "") == "COMMIT"
            if ahead:  # its selects: the turn's settings and lock, the tail (if read), the check, the notify
                moved = sets[-2][0][0] != "false"
                if tail is not None:
                    self._tailed(sets[-3])
        except Duplicate as duplicate:  # a version taken meanwhile (a single command): decided again
            raise IntegrityError(str(duplicate)) from duplicate
        except (LockNotAvailable, QueryCanceled, DeadlockDetected) as busy:  # the server gave up waiting: retried
            raise IntegrityError(str(busy)) from busy  # as a conflict, connection kept (the turn's end rolls back)
        except (OperationalError, InterfaceError) as lost:  # the connection failed: the COMMIT may have gone through
            self._local.turn = None
            self._drop_turns()
            told = self._saved_before(turn.key, stored)  # {} when not saved: then decided again
            if told is None:
                raise OutcomeUnknown(say("error.outcome_unknown", seconds=OutcomeUnknown.RETRY_AFTER)) from lost
            if not told:
                raise IntegrityError(str(lost)) from lost
            numbers, committed = told, True
        if moved and committed and not numbers:
            raise Moved("a stream or key the group read before its turn moved: decided again in its turn")
        if not committed or len(numbers) != len(stored):
            raise IntegrityError(f"the group's insert was not committed ({len(numbers)} of {len(stored)} rows)")
        recordings = [
            Recording(event, Notification(originator_id=s.originator_id, originator_version=s.originator_version,
                                          topic=s.topic, state=s.state,
                                          id=numbers[s.originator_id, s.originator_version]))
            for event, s in zip(events, stored, strict=True)
        ]
        if self.repository.cache and not self.repository.fastforward:  # as the library's _record
            for aggregate_id, aggregate in processing_event.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        return recordings

    def _saved_before(self, key: str, stored: list[StoredEvent]) -> dict[tuple[Any, int], int] | None:
        """Whether a group whose turn's connection failed under its save was committed (issue 12 review: the COMMIT
        may have reached the server before the reply was lost; deciding such a group again answered a keyless
        command 422, or a token revoked meanwhile 401, after its append). Looked up on a new connection once the
        turn's lock is free (the lost session's transaction has then committed or rolled back): each event's
        notification id when every event of the group is stored as it was sent, {} when none is; None when it
        cannot be told (the group's commands are then answered `OutcomeUnknown`, never decided again)."""
        import psycopg
        from psycopg.rows import tuple_row

        recorder = self.recorder
        datastore = recorder.datastore
        statement = streams_read(datastore.schema, recorder.events_table_name, "at")
        try:
            kwargs = {k: v for k, v in datastore.pool.kwargs.items() if k != "row_factory" and v is not None}
            with psycopg.connect(**kwargs) as connection, connection.cursor(row_factory=tuple_row) as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", (f"{datastore.lock_timeout or 5}s",))
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
                cursor.execute(statement, ([e.originator_id for e in stored], [e.originator_version for e in stored]))
                rows = cursor.fetchall()
                connection.rollback()
        except Exception:  # noqa: BLE001 - cannot tell whether the group was saved
            return None
        sent = {(e.originator_id, e.originator_version): e.state for e in stored}
        found = {(i, v): n for i, v, n, state in rows if sent.get((i, v)) == bytes(state)}
        if len(found) == len(stored):
            return found
        if not found:
            return {}
        return None  # some events of the group stored, not all: never so (one transaction); cannot be told

    def _turns_lock(self) -> tuple[Any, str] | None:
        if self._turns is False:
            return None
        if self._turns is None:
            datastore = getattr(self.recorder, "datastore", None)
            pool = getattr(datastore, "pool", None)
            if type(self.recorder).__module__ != "eventsourcing.postgres" or pool is None:
                self._turns = False
                return None
            import psycopg

            try:
                kwargs = {k: v for k, v in pool.kwargs.items() if k != "row_factory" and v is not None}
                self._turns = (psycopg.connect(autocommit=True, **kwargs), f"{datastore.schema}.scoreledger-group")
            except Exception:  # noqa: BLE001 - no connection of its own: groups conflict and retry as before
                return None
        return self._turns  # type: ignore[no-any-return]

    def _absent(self, ids: list[UUID]) -> set[UUID]:
        """The aggregates among `ids` the store holds no event of, read in one query (a group's idempotency
        keys: one read instead of one per command, issue 12); nothing when the store is not one read here."""
        recorder = self.recorder
        table = getattr(recorder, "events_table_name", None)
        datastore = getattr(recorder, "datastore", None)
        if table is None or datastore is None:
            return set()
        kind = type(recorder).__module__
        if kind == "eventsourcing.sqlite":
            marks = ",".join("?" * len(ids))
            with datastore.transaction(commit=False) as cursor:
                cursor.execute(f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id IN ({marks})",  # noqa: S608
                               [i.hex for i in ids])
                held = {row["originator_id"] for row in cursor.fetchall()}
            return {i for i in ids if i.hex not in held}
        if kind == "eventsourcing.postgres" and getattr(datastore, "originator_id_type", None) == "uuid":
            statement = streams_read(datastore.schema, table, "held")
            rows = self._in_turn(statement, (ids,))  # with the turn, in one round trip
            if rows is None:
                with datastore.get_connection() as conn, conn.cursor() as cursor:
                    cursor.execute(statement, (ids,))
                    rows = cursor.fetchall()
            held = {row[0] if isinstance(row, tuple) else next(iter(row.values())) for row in rows}
            return {i for i in ids if i not in held}
        return set()

    def _preload(self, group: _Group, ids: list[UUID]) -> bool:
        """Load the aggregates a group's commands name (their streams, their idempotency keys' records) in one
        read instead of one per aggregate (issue 12: on PostgreSQL each was a round trip), as the repository
        would: a cached one brought up to date with the events stored after its version (the cache then
        holds it so, as the repository's fast-forward leaves it), another one reconstructed from its events
        and cached, one without events absent (not found). The group decides on copies, as it did. False, and
        nothing loaded, when the store cannot be read so here (the aggregates are then loaded one by one)."""
        repository = self.repository
        cache = repository.cache
        if cache is None or not repository.fastforward or repository.snapshot_store is not None:
            return False
        copies = self._cached_copies(ids)  # the cached ones, copied as the repository's fast-forward leaves them
        stored = self._stored_after({i: copies[i].version if i in copies else 0 for i in ids})
        if stored is None:
            return False
        to_event = self.mapper.to_domain_event
        for aggregate_id in ids:
            events = sorted(stored.get(aggregate_id, ()), key=lambda e: e.originator_version)
            aggregate = copies.get(aggregate_id)
            if events:
                for event in events:  # as the library's project_aggregate, without its per-event protocol check
                    aggregate = to_event(event).mutate(aggregate)
                if aggregate is not None:
                    cache.put(aggregate_id, aggregate)  # the cache's from now on: the group decides on a copy
                    aggregate = deepcopy(aggregate)
            if aggregate is None:
                group.absent.add(aggregate_id)
                continue
            group.seen[aggregate_id] = aggregate
            group.versions[aggregate_id] = aggregate.version
        return True

    def _stored_after(self, after: dict[UUID, int]) -> dict[UUID, list[StoredEvent]] | None:
        """The stored events of each aggregate after the given version, in one query; None when this store is
        not one read here."""
        recorder = self.recorder
        table = getattr(recorder, "events_table_name", None)
        datastore = getattr(recorder, "datastore", None)
        if table is None or datastore is None or not after:
            return None
        kind = type(recorder).__module__
        found: dict[UUID, list[StoredEvent]] = {}
        if kind == "eventsourcing.sqlite" and getattr(datastore, "originator_id_type", None) == "uuid":
            wanted = list(after.items())
            for start in range(0, len(wanted), 400):
                part = wanted[start:start + 400]
                statement = (
                    f"WITH w(id, v) AS (VALUES {','.join(['(?,?)'] * len(part))}) "  # noqa: S608 - our table
                    f"SELECT e.originator_id, e.originator_version, e.topic, e.state FROM w "
                    f"JOIN {table} e ON e.originator_id = w.id AND e.originator_version > w.v"
                )
                rows = _sqlite_read(datastore, statement, [x for i, v in part for x in (i.hex, v)])
                for row in rows:
                    aggregate_id = UUID(row["originator_id"])
                    found.setdefault(aggregate_id, []).append(
                        StoredEvent(aggregate_id, row["originator_version"], row["topic"], row["state"]))
            return found
        if kind == "eventsourcing.postgres" and getattr(datastore, "originator_id_type", None) == "uuid":
            from psycopg.rows import tuple_row

            statement = streams_read(datastore.schema, table, "after")
            rows = self._in_turn(statement, (list(after), list(after.values())))  # with the turn: one round trip
            if rows is None:
                with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
                    cursor.execute(statement, (list(after), list(after.values())), prepare=True)
                    rows = cursor.fetchall()
            for aggregate_id, version, topic, state in rows:
                found.setdefault(aggregate_id, []).append(StoredEvent(aggregate_id, version, topic, bytes(state)))
            return found
        return None

    def _alone(self, command: Command) -> dict[str, Any] | Exception:
        try:
            return self.run_command(command)
        except Exception as refused:  # noqa: BLE001 - its own answer
            return refused

    def earlier(self, actor: str, command: Callable[..., Any], key: str) -> CommandRecord | None:
        """The record of `command` (e.g. Ledger.record_facts) sent by `actor` under `key`; None: never sent."""
        found = self.maybe(command_id(command_key(actor, command.__qualname__, key)))
        return found if isinstance(found, CommandRecord) else None

    @staticmethod
    def _replayed(record: CommandRecord, request_hash: str) -> dict[str, Any]:
        if record.request_hash != request_hash:
            client_key = record.key.rsplit("\x1f", 1)[-1]
            raise IdempotencyKeyReused(f"idempotency key {client_key!r} was used for a different request")
        return {**record.result, "position": None, "replayed": True}


def _sqlite_read(datastore: Any, statement: str, params: list[Any]) -> list[Any]:
    """The rows of one SELECT on the embedded store's connection, run as one statement in the connection's autocommit
    mode: SQLite gives the statement its own read transaction, the snapshot the library's read transaction
    (`datastore.transaction(commit=False)`: BEGIN, the statement, ROLLBACK) gives it, without the other two statements
    (issue 12: a group's read of its streams and keys, once per group). Its errors raised as the library's
    transaction raises them."""
    with datastore.get_connection(commit=False) as connection:
        try:
            cursor = connection.cursor()
            with cursor as raw:
                raw.execute(statement, params)
                return raw.fetchall()  # type: ignore[no-any-return]
        except sqlite3.Error as error:
            raise _library_error(error) from error


def _library_error(error: sqlite3.Error) -> Exception:
    """The library's exception for a sqlite3 error (as eventsourcing.sqlite.SQLiteTransaction raises it)."""
    for kind, made in ((sqlite3.InterfaceError, persistence.InterfaceError), (sqlite3.DataError, persistence.DataError),
                       (sqlite3.OperationalError, persistence.OperationalError),
                       (sqlite3.IntegrityError, persistence.IntegrityError),
                       (sqlite3.InternalError, persistence.InternalError),
                       (sqlite3.ProgrammingError, persistence.ProgrammingError),
                       (sqlite3.NotSupportedError, persistence.NotSupportedError),
                       (sqlite3.DatabaseError, persistence.DatabaseError)):
        if isinstance(error, kind):
            return made(error)  # type: ignore[no-any-return]
    return persistence.PersistenceError(error)


def _inlined(statement: str, params: Any) -> tuple[str, Any]:
    """A turn's statement with its array parameters written in as literals (service/pg_literals.py: psycopg's quoting of
    them was about 15% of the writer's CPU per group), and no parameters left; as given when a value is not one written
    so (psycopg quotes it then)."""
    if not params:
        return statement, params
    try:
        return inline(statement, params), None
    except (TypeError, ValueError):
        return statement, params


@functools.lru_cache(maxsize=64)
def _turn_text(key: str, lock_ms: int, idle_ms: int) -> str:
    """The turn's first statements (LedgerBase._in_turn), composed once per key (issue 12, PostgreSQL HTTP: composing
    a group's statements with psycopg.sql was about a sixth of the writer's CPU per group)."""
    from psycopg.sql import SQL, Literal

    return str(SQL(
        "BEGIN; SELECT set_config('lock_timeout', {lock}, true), "
        "set_config('idle_in_transaction_session_timeout', {idle}, true); "
        "SELECT pg_advisory_xact_lock(hashtext({key}))"
    ).format(lock=Literal(f"{lock_ms}ms"), idle=Literal(f"{idle_ms}ms"), key=Literal(key)).as_string(None))


@functools.lru_cache(maxsize=64)
def _tail_text(schema: str, table: str, limit: int) -> str:
    """The read of the log's tail (LedgerBase._tail_read), its position left as `{after}` (an int put in)."""
    from psycopg.sql import Identifier

    return (f"SELECT notification_id, originator_id, originator_version, topic, state FROM "  # noqa: S608 - quoted
            f"{Identifier(schema).as_string(None)}.{Identifier(table).as_string(None)} "
            f"WHERE notification_id > {{after}} ORDER BY notification_id LIMIT {int(limit)}")


@functools.lru_cache(maxsize=64)
def _save_text(schema: str, table: str, channel: str, timeout_ms: int) -> str:
    """The save of a group holding its turn (LedgerBase._record), composed once."""
    from psycopg.sql import SQL, Identifier, Literal

    return str(SQL(
        "SET LOCAL lock_timeout = {timeout}; LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; NOTIFY {channel}; "
        "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
        "SELECT i, v, t, s FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
        "WITH ORDINALITY AS g(i, v, t, s, n) ORDER BY n "
        "RETURNING originator_id, originator_version, notification_id; COMMIT"
    ).format(timeout=Literal(f"{timeout_ms}ms"), schema=Identifier(schema), table=Identifier(table),
             channel=Identifier(channel)).as_string(None))


@functools.lru_cache(maxsize=64)
def _ahead_text(schema: str, table: str, channel: str, timeout_ms: int) -> str:
    """The save of a group decided before its turn (LedgerBase._ahead), after the turn's first statements and the
    tail's read in the same round trip: the table lock, then whether any stream or key the decision read holds an
    event past the version it used (ids, versions: one probe of the log's key per id, as `streams_read`), noted in
    the transaction (`scoreledger.moved`); the insert and the notify only when nothing moved; the commit either way
    (it lets go of the turn: nothing inserted when something moved)."""
    from psycopg.sql import SQL, Identifier, Literal

    return str(SQL(
        "SET LOCAL lock_timeout = {timeout}; LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "SELECT set_config('scoreledger.moved', (EXISTS (SELECT FROM unnest(%s::uuid[], %s::bigint[]) AS w(id, v) "
        "CROSS JOIN LATERAL (SELECT FROM {schema}.{table} x WHERE x.originator_id = w.id "
        "AND x.originator_version > w.v LIMIT 1) e))::text, true); "
        "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
        "SELECT i, v, t, s FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
        "WITH ORDINALITY AS g(i, v, t, s, n) WHERE current_setting('scoreledger.moved') = 'false' ORDER BY n "
        "RETURNING originator_id, originator_version, notification_id; "
        "SELECT pg_notify({channel}, '') WHERE current_setting('scoreledger.moved') = 'false'; COMMIT"
    ).format(timeout=Literal(f"{timeout_ms}ms"), schema=Identifier(schema), table=Identifier(table),
             channel=Literal(channel)).as_string(None))


@functools.lru_cache(maxsize=64)
def streams_read(schema: str, table: str, what: str) -> str:
    """A PostgreSQL read of some streams by id (issue 12, PostgreSQL HTTP), its parameters arrays: "after", the events
    of each stream after a version (ids, versions; `_stored_after`); "at", the events at given versions with their
    notification ids (`_saved_before`); "held", the ids that have any event (ids; `_absent`).

    Each is one probe of the log's primary key per id (a LATERAL subquery kept apart by OFFSET 0 or LIMIT), never a
    join the planner may choose to hash: on a log not yet analysed (a fresh or fast-growing table, which autovacuum
    analyses late) PostgreSQL assumes 200 distinct streams and hashed the ids against a scan of the whole log, about
    2 ms of the server's CPU per group with 7,000 events stored, growing with the log (EXPLAIN in the bench's
    schema; tests/integration/test_group_turns.py)."""
    from psycopg.sql import SQL, Identifier

    names = {"schema": Identifier(schema), "table": Identifier(table)}
    if what == "held":
        return str(SQL("SELECT w.id FROM unnest(%s::uuid[]) AS w(id) CROSS JOIN LATERAL ("
                       "SELECT FROM {schema}.{table} x WHERE x.originator_id = w.id "
                       "ORDER BY x.originator_version LIMIT 1) e").format(**names).as_string(None))
    column, compare = {"after": ("topic", SQL(">")), "at": ("notification_id", SQL("="))}[what]
    return str(SQL(
        "SELECT e.originator_id, e.originator_version, e.{column}, e.state "
        "FROM unnest(%s::uuid[], %s::bigint[]) AS w(id, v) CROSS JOIN LATERAL ("
        "SELECT x.originator_id, x.originator_version, x.{column}, x.state FROM {schema}.{table} x "
        "WHERE x.originator_id = w.id AND x.originator_version {compare} w.v OFFSET 0) e"
    ).format(column=Identifier(column), compare=compare, **names).as_string(None))


def untold(command: Command, cause: BaseException | None) -> OutcomeUnknown:
    """The answer of a command whose group's save cannot be told: a keyed one is sent again with its key (answered
    once, never saved twice); a keyless one may be saved, so its record is to be checked before it is sent again."""
    return keyed_answer(OutcomeUnknown, command, "error.outcome_unknown", cause, seconds=OutcomeUnknown.RETRY_AFTER)


def keyed_answer(kind: Callable[[str], E], command: Command, text: str, cause: BaseException | None,
                 **values: object) -> E:
    """An error answering `command` whose text depends on whether it carries an Idempotency-Key (a keyed command
    can be sent again safely; a keyless one cannot): catalog key `text`, or `text`_keyless, caused by `cause`."""
    error = kind(say(text if command.key is not None else f"{text}_keyless", **values))
    error.__cause__ = cause
    return error


def collected(objs: tuple[Any, ...], kwargs: dict[str, Any]) -> ProcessingEvent[Any]:
    """What the library's `ProcessingEvent.collect_events` collects from the objects a save is given, without its
    two protocol checks per object when every one is an Aggregate (issue 12: the runtime-checkable protocols'
    isinstance was about a tenth of the group commit writer's CPU): the aggregates' pending events in order,
    each aggregate by id, the save's keyword arguments. Anything else is collected by the library."""
    processing_event: ProcessingEvent[Any] = ProcessingEvent()
    if not all(isinstance(obj, Aggregate) for obj in objs):
        processing_event.collect_events(*objs, **kwargs)
        return processing_event
    for obj in objs:
        processing_event.events.extend(obj.collect_events())
        processing_event.aggregates[obj.id] = obj
    processing_event.saved_kwargs.update(kwargs)
    return processing_event


def scoped_key(actor: str, decide: Callable[[], Decision], key: str) -> str:
    """The key a command record is stored under: principal, command and the client's key."""
    return command_key(actor, decide.__qualname__.split(".<locals>", 1)[0], key)


def command_key(actor: str, command: str, key: str) -> str:
    """The stored form of a client's key: principal, command (its qualified name) and the key."""
    return f"{actor}\x1f{command}\x1f{key}"
