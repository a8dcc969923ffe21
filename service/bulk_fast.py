"""The fast lane of bulk import: a batch of plain facts on subjects' own streams, checked by the fast
admission and written as the library writes them, in one transaction.

A batch takes this lane only when every fact in it is one the fast admission vouches for
(domain/scoring/fast/admit.py: the rules of domain/scoring/vetting.py, which recording's check_facts
applies, against every earlier fact of the stream), is plausible on its item's scale (R2), and can
be encoded exactly as the library encodes it. Then the stored events are the reference import's,
byte for byte but for their timestamps (tests/differential/test_import.py): each stream's new events
in stream order (an `Opened` first for a new stream, made by the aggregate itself), the streams in the
order the reference saves them, every version the next of its stream. Anything else (a joint fact, a
unit, a rank, a fact the fast admission would refuse or does not judge, a stream it
cannot read) leaves the batch to the reference, which decides it again from the start and names any
problem: so the same inputs are refused, with the same problems, and a batch is all or nothing.

Optimistic concurrency is the primary key's, as for the library's saves: a stream another writer
appended to since it was read makes the insert fail (IntegrityError); the lane then forgets what it
knew of the batch's streams and the reference decides the batch again on freshly loaded streams.

SQLite (the library's single writing connection) and PostgreSQL (issue 12): the checks are the same; only reading
the streams and writing the rows differ. On PostgreSQL the rows are written as the library's recorder writes a save,
under its table lock, with its notify, in one transaction (service/bulk_pg.py).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.ledger.facts_ledger import _FACT_EVENTS, FactLedger
from domain.ledger.ids import ledger_id
from domain.scheme.model import Scheme
from domain.scheme.nodes import RatingItem
from domain.scoring.fast.admit import NotAdmitted, RatingLane, StreamAdmission
from domain.scoring.fast.facts import Typed, Untypable, typed
from domain.scoring.validate import allowed_periods
from service.facts_routing import JOINT

TOPICS = {kind: getattr(FactLedger, name).TOPIC for kind, name in _FACT_EVENTS.items()}
_FACT_TOPICS = frozenset(TOPICS.values())
_OPENED = FactLedger.Opened.TOPIC
KEEP = 16_384  # streams whose admission state is kept between batches (others are read again when met)
_SAFE = 2**53  # whole numbers both JSON encoders write alike
_PLAIN = frozenset('"\\')  # with these (or a character outside printable ASCII) a subject's JSON may differ
_STAMP = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'
_IDS = 500  # stream ids per existence query (SQLite's limit on parameters is 999 or more)
WAL_PAGES = 16_384  # the WAL's pages before the lane's COMMIT checkpoints it (`_few_checkpoints`; SQLite's: 1,000)


class Declined(Exception):  # noqa: N818 - not an error: the batch goes to the reference
    """The fast lane does not take this batch."""


class Stream:
    """What the lane knows of one subject's stream: its last version and its admitted facts."""

    __slots__ = ("admission", "hex", "opened", "version")

    def __init__(self, hex_id: str, version: int, admission: StreamAdmission, opened: tuple[Any, ...] | None):
        self.hex, self.version, self.admission, self.opened = hex_id, version, admission, opened


class FastLane:
    """Plain batches of one open period, for an Importer (service/bulk.py)."""

    def __init__(self, ledger: Any, code: str, scheme: Scheme, subjects: dict[str, dict[str, Any]], actor: str,
                 at: str):
        self.ledger, self.code, self.scheme, self.actor, self.at = ledger, code, scheme, actor, at
        self.kinds = {s: v.get("kind") for s, v in subjects.items()}
        self.periods = allowed_periods(scheme, code)
        self.applicable: dict[str, set[str]] = {}
        self.items: dict[str, dict[str, tuple[frozenset[str], Any]]] = {}
        self.streams: OrderedDict[str, Stream] = OrderedDict()
        self.check_seconds = 0.0  # reading the streams and admitting the facts (the lane's checks)
        self.position = 0  # admission's running position (every subject was registered before the import)
        self.opened: tuple[str, bytes] | None = None  # a new stream's Opened event, but its time and subject
        self.reads = True  # False in a pipeline's worker (service/bulk_pipe.py): streams are installed there
        self.wrote = False  # a batch written since the last `settle`
        recorder = ledger.recorder
        self.pg: Any = None  # PostgreSQL's reads and writes (service/bulk_pg.py); None: SQLite's, here
        if type(recorder).__module__ == "eventsourcing.postgres":
            from service.bulk_pg import PostgresRows

            self.pg = PostgresRows(recorder)
        self.insert = recorder.insert_events_statement  # the library's own INSERT (SQLite)
        self.last = f"SELECT MAX(rowid) FROM {recorder.events_table_name}"  # noqa: S608
        self.rows = (f"SELECT originator_id, originator_version, topic, state FROM {recorder.events_table_name} "  # noqa: S608
                     "WHERE originator_id IN ")
        mapper = ledger.mapper  # the stored rows read as JSON here only when the library stores them so (`_read`)
        self.plain = (type(mapper.transcoder) is JSONTranscoder and mapper.compressor is None and mapper.cipher is None
                      and getattr(mapper.transcoder.decoder, "object_hook", None) == mapper.transcoder._decode_obj)  # noqa: SLF001
        self.plausible = {i.id: (i.rating.scale, i.max) for i in scheme.items.values()
                          if isinstance(i, RatingItem) and i.rating.scale > i.max}

    @staticmethod
    def fits(ledger: Any) -> bool:
        """Whether this ledger's batches can take the lane: SQLite, or PostgreSQL's application recorder (not a
        process recorder, whose saves write tracking records too), with UUID ids."""
        recorder = ledger.recorder
        if getattr(getattr(recorder, "datastore", None), "originator_id_type", None) != "uuid":
            return False
        kind = type(recorder)
        return kind.__module__ == "eventsourcing.sqlite" or (
            kind.__module__ == "eventsourcing.postgres" and kind.__name__ == "PostgresApplicationRecorder")

    def record(self, prepared: list[dict[str, Any]], routes: list[str],
               command: Any = None) -> tuple[int, int] | None:
        """Check and append one batch (facts prepared and routed as the reference prepares them): (events
        appended, last position), or None when the reference must decide it (nothing appended then).
        `command`: the batch's idempotency key's CommandRecord (a new aggregate, not saved), stored after the
        batch's events in the same transaction, as the reference's save stores it: both or neither."""
        rows = self.check(prepared, routes)
        if rows is None:
            return None
        if command is not None:
            rows.append(self.encoded(command))
        position = self.write(rows)
        if position is None:  # another writer appended to one of the streams: the reference decides
            self.forget(sorted(set(routes)))
            return None
        return len(rows), position

    def check(self, prepared: list[dict[str, Any]], routes: list[str]) -> list[tuple[Any, ...]] | None:
        """The batch's stored events, checked and encoded (the streams' versions then count them as
        written), or None when the lane does not vouch for it (its streams are forgotten then)."""
        touched = sorted(set(routes))
        if not prepared or JOINT in touched:
            return None
        started = time.perf_counter()
        try:
            if self.reads:  # the streams this lane does not hold, read in one query, not one each (issue 12)
                self.read(touched)
            streams = {name: self._stream(name) for name in touched}
            events: dict[str, list[tuple[Any, ...]]] = {name: [] for name in touched}
            for fact, name in zip(prepared, routes, strict=True):
                events[name].append(self._admitted(fact, streams[name]))
            self.check_seconds += time.perf_counter() - started
            return self._rows(streams, events)
        except (Declined, NotAdmitted, Untypable, KeyError, TypeError, ValueError, AttributeError):
            self.forget(touched)  # admitted in part: read again from the store when met next
            return None

    def write(self, rows: list[tuple[Any, ...]]) -> int | None:
        """Insert checked rows in one transaction: the last position, or None (nothing written) when a
        version was taken meanwhile (the primary key: optimistic concurrency, as for every save).

        The transaction's COMMIT checkpoints the WAL only past WAL_PAGES (`_few_checkpoints`); `settle`
        checkpoints what is left once the import's batches are written. On PostgreSQL: service/bulk_pg.py."""
        if self.pg is not None:
            position = self.pg.write(rows)
            if position is None:
                return None
        else:
            with self.ledger.recorder.datastore.get_connection(commit=True) as connection:
                try:
                    with _few_checkpoints(connection), connection.transaction(commit=True) as cursor:
                        cursor.executemany(self.insert, rows)
                        cursor.execute(self.last)
                        position = int(cursor.fetchone()[0])
                except IntegrityError:
                    return None
            self.wrote = True
        self.appended(len(rows))
        return position

    def appended(self, count: int) -> None:
        """Tell the ledger's listeners (metrics) how many events a write of the lane appended."""
        for listener in self.ledger.append_listeners:
            listener(count)

    def settle(self) -> None:
        """Once the import's batches are written: a checkpoint of the WAL the lane's commits left (up to
        WAL_PAGES), PASSIVE (it waits for no reader), so that the next commit of another writer does not
        find it over SQLite's threshold and pay for it. Every batch was durable at its own COMMIT already
        (the WAL's fsync, `synchronous` untouched); the checkpoint only moves its pages into the database."""
        if not self.wrote:
            return
        self.wrote = False
        with self.ledger.recorder.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.fetchall()

    def encoded(self, aggregate: Any) -> tuple[Any, ...]:
        """A new aggregate's one pending event as the library's insert takes it: encoded by the application's
        own mapper (the reference's save encodes it so), its id as the SQLite recorder writes a UUID."""
        (event,) = aggregate.collect_events()
        found = self.ledger.mapper.to_stored_event(event)
        return (found.originator_id.hex, found.originator_version, found.topic, found.state)

    def forget(self, names: list[str]) -> None:
        for name in names:
            self.streams.pop(name, None)

    def _stream(self, subject: str) -> Stream:
        found = self.streams.get(subject)
        if found is not None:
            self.streams.move_to_end(subject)
            return found
        if self.kinds.get(subject) is None or not self.reads:
            raise Declined  # not a registered subject (the reference names the problem), or not read here
        stored = self.ledger.maybe(ledger_id(self.code, subject, self.ledger.bureau))
        return self.install(subject, None if stored is None else (stored.version, list(stored.facts.values())))

    def read(self, names: list[str]) -> None:
        """Install what the store holds of those of these streams this lane does not hold (registered
        subjects only; the ones it holds are kept, as the most recently used, before any is installed)."""
        missing = []
        for name in names:
            if name in self.streams:
                self.streams.move_to_end(name)
            elif name in self.kinds:
                missing.append(name)
        if missing:
            for name, stored in self.stored(missing).items():
                self.install(name, stored)

    def stored(self, names: list[str]) -> dict[str, tuple[int, list[dict[str, Any]]] | None]:
        """What the store holds of these streams, its facts as the caller's own: None for a stream not
        written yet. Their rows read in one query per 500 streams (most of an import's are new) and their
        facts taken from the rows' JSON (`_read`); a stream whose rows that reading does not vouch for is
        loaded by the library (`Ledger.maybe`), as every stream was before.

        Why (issue 12): at the province's full scale the import's last batches (its corrections, retractions
        and decisions, ~12,000 facts) name ~9,500 streams the lane no longer holds, each of ~54 events; the
        library's aggregates cost the writer ~19 s of CPU for them, every other process waiting."""
        ledger = self.ledger
        ids = {ledger_id(self.code, n, ledger.bureau).hex: n for n in names}
        loaded: dict[str, tuple[int, list[dict[str, Any]]] | None] = dict.fromkeys(names)
        hexes, unread = list(ids), []
        for found in self._stored_rows(hexes):
            streams: dict[str, list[Any]] = {}
            for row in found:
                streams.setdefault(str(row[0]).replace("-", ""), []).append(row)
            for hex_id, rows in streams.items():
                name = ids[hex_id]
                read = self._read(rows) if self.plain else None
                if read is None:
                    unread.append(name)
                else:
                    loaded[name] = read
        for name in sorted(unread):
            stream = ledger.maybe(ledger_id(self.code, name, ledger.bureau))
            loaded[name] = None if stream is None else (stream.version, [dict(f) for f in stream.facts.values()])
        return loaded

    def _stored_rows(self, hexes: list[str]) -> Iterator[list[Any]]:
        """The rows of these streams (hex ids) in stream and version order, in parts (a part's streams whole)."""
        if self.pg is not None:
            yield self.pg.stored_rows(hexes)
            return
        for start in range(0, len(hexes), _IDS):
            part = hexes[start : start + _IDS]
            with self.ledger.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(self.rows + f"({','.join('?' * len(part))}) ORDER BY originator_id, originator_version",
                               part)
                found = cursor.fetchall()
            yield found

    @staticmethod
    def _read(rows: list[Any]) -> tuple[int, list[dict[str, Any]]] | None:
        """A stream's version and facts from its rows in version order, as the library's aggregate holds them
        (`FactLedger`: each fact event's fact by its id, a later one with the same id in the earlier one's
        place), or None unless these rows are read here exactly as the library reads them: versions 1, 2, …
        from its `Opened`, fact events' topics only after it, each state an object whose only `_type_` is its
        timestamp's (the library's decoder turns any other into a value of its own type) with no class
        version, and orjson reading it (it refuses what the library's decoder would read otherwise: NaN,
        integers beyond 64 bits, lone surrogates)."""
        if not rows or rows[0][1] != 1 or rows[0][2] != _OPENED:
            return None
        facts: dict[str, dict[str, Any]] = {}
        for version, (_, stored_version, topic, state) in enumerate(rows[1:], 2):
            if stored_version != version or topic not in _FACT_TOPICS or type(state) is not bytes:
                return None
            if not state.startswith(_STAMP) or state.count(b'"_type_"') != 1 or b'"class_version"' in state:
                return None
            try:
                event = orjson.loads(state)
            except orjson.JSONDecodeError:
                return None
            fact = event.get("fact") if type(event) is dict else None
            if type(fact) is not dict or type(fact.get("id")) is not str:
                return None
            facts[fact["id"]] = fact
        return len(rows), list(facts.values())

    def install(self, subject: str, stored: tuple[int, list[dict[str, Any]]] | None) -> Stream:
        """Take what the store holds of a registered subject's stream (its version and facts; None: no
        stream yet, an `Opened` event comes first) as this lane's starting point for it."""
        kind = self.kinds[subject]
        uuid = ledger_id(self.code, subject, self.ledger.bureau)
        admission = StreamAdmission(self.scheme, self.periods, self.applicable, self._kind, self._lane(subject, kind))
        if stored is None:
            opened = self._opened(uuid.hex, subject)
            found = Stream(uuid.hex, opened[1], admission, opened)
        else:
            for fact in stored[1]:
                self._admit(admission, dict(fact))
            found = Stream(uuid.hex, stored[0], admission, None)
        self.streams[subject] = found
        while len(self.streams) > KEEP:
            self.streams.popitem(last=False)
        return found

    def _opened(self, hex_id: str, subject: str) -> tuple[Any, ...]:
        """A new stream's `Opened` event as the library stores it. The aggregate makes the first one; the
        others differ from it only in their time and subject, so they are written from it (its bytes up
        to the subject), once the first was found to be written that way (else the aggregate makes each)."""
        if self.opened is not None and subject.isascii() and subject.isprintable() and _PLAIN.isdisjoint(subject):
            return (hex_id, 1, self.opened[0], b"".join((
                _STAMP, datetime.now(UTC).isoformat().encode(), self.opened[1], orjson.dumps(subject), b"}")))
        made = FactLedger(period=self.code, bureau=self.ledger.bureau, subject=subject, actor=self.actor, at=self.at)
        event = self.ledger.mapper.to_stored_event(made.collect_events()[0])
        state, tail = bytes(event.state), b'"subject":' + orjson.dumps(subject) + b"}"
        start = state.find(b'"},', len(_STAMP))
        if (event.originator_version == 1 and state.startswith(_STAMP) and start > 0
                and state.endswith(tail) and tail not in state[: -len(tail)]):
            self.opened = (event.topic, state[start : len(state) - len(tail) + len(b'"subject":')])
        return (hex_id, event.originator_version, event.topic, event.state)

    def _kind(self, subject: str, _position: int) -> str | None:
        return self.kinds.get(subject)

    def _lane(self, subject: str, kind: str) -> RatingLane:
        items = self.items.get(kind)
        if items is None:
            items = self.items[kind] = RatingLane.items_of(self.scheme, kind)
        return RatingLane(subject, 0, items)

    def _admit(self, admission: StreamAdmission, raw: dict[str, Any]) -> Typed:
        """Admit a fact (the caller's own copy: the rating lane takes it over), or raise."""
        self.position += 1
        fact = admission.rating(raw, self.position) if raw.get("type") == "rating" else None
        if fact is None:
            fact = typed(raw)
            admission.admit(fact, self.position)
        return fact

    def _admitted(self, fact: dict[str, Any], stream: Stream) -> tuple[Any, ...]:
        """The fact checked (admission, R2, plain JSON) and encoded: (topic, the fact's JSON). `fact` is the
        lane's own (lane_batch stamps a new dict; the reference decides from the caller's): it is encoded
        first, then admission may take it over (issue 12: no copy of each fact, no second pass to encode it)."""
        value, encoded = fact.get("value"), orjson.dumps(fact)
        checked = self._admit(stream.admission, fact)
        if checked.type == "rating":
            found = self.plausible.get(checked.item)
            if found is not None and not checked.scale_confirmed and checked.value <= found[1]:
                raise Declined  # R2: refused by the reference, with its message
        if checked.__dict__ is not fact:
            _plain_json(fact)  # typed apart from it: the fact as given
        elif type(value) is not str:  # the lane vouched for every other value, and read this one in place
            _plain_json({**fact, "value": value})
        return TOPICS[fact["type"]], encoded

    def _rows(self, streams: dict[str, Stream], events: dict[str, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
        """The batch's stored events in the order the reference saves them: stream by stream (sorted by name),
        an opening first, each fact's event with the next version."""
        rows: list[tuple[Any, ...]] = []
        dumps = orjson.dumps
        middle = b'"},"actor":' + dumps(self.actor) + b',"at":' + dumps(self.at) + b',"fact":'
        stamped = _STAMP + datetime.now(UTC).isoformat().encode() + middle  # one time for the batch's events
        for name, listed in events.items():
            stream = streams[name]
            if stream.opened is not None:
                rows.append(stream.opened)
            version = stream.version
            for topic, fact in listed:  # the library's JSON of {timestamp, actor, at, fact, appeal}
                version += 1
                state = b"".join((stamped, fact, b',"appeal":null}'))
                rows.append((stream.hex, version, topic, state))
            stream.version, stream.opened = version, None  # counted as written: forgotten if not
        return rows


@contextmanager
def _few_checkpoints(connection: Any) -> Iterator[None]:
    """The connection's automatic checkpoint at WAL_PAGES, not SQLite's 1,000, for one transaction of the
    lane (its COMMIT is where SQLite checks the WAL's size), then back to what it was, so that nothing
    else this connection commits sees it.

    Why (issue 12): a batch of 5,000 events writes ~700 pages (the rows' table, ~100 places in the key's
    index), so at 1,000 pages every other COMMIT also copied the WAL into the database and synced it
    (import10's trace: the commit was 42 of 80 s of the writer's inserts at full scale). At WAL_PAGES a
    checkpoint comes every ~23 batches and copies a page written by several of them once. Durability is
    SQLite's WAL's: each COMMIT's frames are synced (`synchronous` untouched) whatever the threshold, and a
    crash between checkpoints is recovered from the WAL as before; only the WAL file grows larger (at most
    WAL_PAGES pages, 64 MiB, plus a batch) until the next checkpoint."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint")
    before = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES:d}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA wal_autocheckpoint={before:d}")


def _plain_json(value: Any) -> None:
    """Raise Declined unless orjson writes the value exactly as the library's JSON encoder does: strings,
    booleans, None, whole numbers of at most 53 bits, lists and string-keyed objects of those."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return
    if kind is int:
        if -_SAFE < value < _SAFE:
            return
    elif kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise Declined
            _plain_json(item)
        return
    elif kind is list:
        for item in value:
            _plain_json(item)
        return
    raise Declined
