"""Raw reads of the log for the fast replay: a scan that leaves fact payloads unread, and fact rows by
position range or by stream, from the library's SQLite or PostgreSQL table.

Worker processes open their own connections: to SQLite read-only (`mode=ro`: such a connection never
writes or checkpoints, so it cannot take part in the WAL-reset bug the single writing connection
guards against), to PostgreSQL with the log's own settings.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from projections.period_input import FACT_TOPICS as FACT_EVENTS

Row = tuple[int, str, int, str, Any]  # position, stream (its raw id), version, topic, payload (None: not read)
FACT_TOPICS = tuple(sorted(FACT_EVENTS))  # the period fold's own list, in a fixed order for SQL
LAST = 2**63 - 1


class Reader:
    """Where the log lives, and how to open a connection to it in any process."""

    kind = ""
    by_stream = False  # facts_of reads one stream's fact rows cheaply (an index of the stream's rows)
    # the views from zero take their witness leaves from the rows the first pass and the scoring workers read,
    # whole, anyway (`ranges`), rather than from a pass of their own over every row (projections/fast/views.py)
    leaves_by_workers = False

    def others(self, upto: int, after: int = 0, chunk: int = 20_000) -> Iterator[list[Row]]:  # pragma: no cover
        """Every row that is not a fact, after a position and up to another, in log order."""
        raise NotImplementedError

    def streams(self, upto: int) -> list[tuple[str, int, int, int]]:  # pragma: no cover
        """Every stream's first and last position and number of rows."""
        raise NotImplementedError

    def positions(self, stream: str, upto: int) -> list[int]:  # pragma: no cover
        """A stream's positions."""
        raise NotImplementedError

    def positions_of(self, streams: list[str], upto: int) -> dict[str, list[int]]:
        """Several streams' positions (each in order), by stream: one query per stream unless the store does
        better (PostgreSQL: one query for them all)."""
        return {stream: self.positions(stream, upto) for stream in streams}

    def last(self) -> int:  # pragma: no cover
        raise NotImplementedError

    def rows(self, upto: int, chunk: int = 20_000) -> Iterator[list[Row]]:  # pragma: no cover
        """Every row up to a position, in log order, payloads as stored."""
        raise NotImplementedError

    def count(self, upto: int) -> int:  # pragma: no cover
        """How many rows there are up to a position."""
        raise NotImplementedError

    def ranges(self, spans: list[tuple[int, int]]) -> Iterator[list[Row]]:  # pragma: no cover
        raise NotImplementedError

    def stream(self, stream: str, upto: int) -> list[Row]:  # pragma: no cover
        raise NotImplementedError

    def facts_of(self, stream: str, upto: int) -> list[tuple[int, Any]]:  # pragma: no cover
        """A stream's fact rows (position, payload) up to a position, in the stream's order."""
        raise NotImplementedError

    def facts_between(self, runs: list[tuple[int, int]]) -> list[tuple[int, Any]]:  # pragma: no cover
        """The rows (position, payload) at these runs of positions (first, last), in log order: a stream's fact
        rows when the runs are its `Placed.runs` (projections/fast/index.py places exactly those)."""
        raise NotImplementedError

    def name(self, raw: str) -> str:
        """A stream's id as the projections name it (the UUID's text)."""
        return raw

    def raw(self, name: str) -> str:
        """A stream's id as this reader returns it."""
        return name

    def fresh(self) -> Reader:  # pragma: no cover
        """The same reader with a connection of its own (for another process)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


def reader_for(source: Any) -> Reader | None:
    """A reader for a library application recorder (SQLite with UUID ids, or PostgreSQL), else None."""
    module = type(source).__module__
    if not hasattr(source, "datastore") or not hasattr(source, "events_table_name"):
        return None
    if module == "eventsourcing.sqlite" and source.datastore.originator_id_type == "uuid":
        return SQLiteReader(source.datastore.pool.db_name, source.events_table_name)
    if module == "eventsourcing.postgres":
        pool = source.datastore.pool
        return PostgresReader(dict(pool.kwargs), source.datastore.schema, source.events_table_name)
    return None


_HEX = re.compile(r"[0-9a-f]{32}")
_FACTS_SQL = ", ".join(f"'{t}'" for t in FACT_TOPICS)
#: The most frequent facts first: the ledger's logs are mostly ratings, then deductions and bonuses.
_COMMON = ("scoreledger:RatingRecorded", "scoreledger:DeductionRecorded", "scoreledger:BonusRecorded")
#: `topic NOT IN (facts)` as a chain of `<>`, the most frequent first: SQLite looks each row's topic up in an
#: ephemeral index of the list for NOT IN (the first pass's scan of every row spent about half its CPU
#: there, issue 12), while the chain stops at the first comparison for a rating (the same rows: a NULL
#: topic is neither way).
_NOT_A_FACT_SQL = " AND ".join(
    f"topic <> '{t}'" for t in [*_COMMON, *(t for t in FACT_TOPICS if t not in _COMMON)])


class SQLiteReader(Reader):
    kind = "sqlite"
    by_stream = True  # the primary key (originator_id, originator_version) is the stream's index

    def __init__(self, path: str, table: str):
        self.path, self.table = path, table
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        return self._conn

    def name(self, raw: str) -> str:
        if len(raw) == 32 and _HEX.fullmatch(raw) is not None:  # as the library stores it: UUID.hex
            return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        return str(UUID(raw))

    def raw(self, name: str) -> str:
        return UUID(name).hex

    def fresh(self) -> Reader:
        return SQLiteReader(self.path, self.table)

    def others(self, upto: int, after: int = 0, chunk: int = 20_000) -> Iterator[list[Row]]:
        cur = self._connection().execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
            f"WHERE rowid > ? AND rowid <= ? AND {_NOT_A_FACT_SQL} ORDER BY rowid",
            (after, upto),
        )
        while rows := cur.fetchmany(chunk):
            yield rows

    def streams(self, upto: int) -> list[tuple[str, int, int, int]]:
        # one row of text rather than a row per stream: the sqlite3 module takes the interpreter's lock back
        # for every row it steps to, and with the first pass folding beside it each such hand-over waits
        # (the GIL's switch interval); the whole GROUP BY runs in one step this way
        sql = (f"SELECT count(*), group_concat(originator_id || ' ' || a || ' ' || b || ' ' || c, ' ') FROM ("  # noqa: S608
               f"SELECT originator_id, min(rowid) a, max(rowid) b, count(*) c FROM {self.table} "
               "WHERE rowid <= ? GROUP BY originator_id)")
        count, text = self._connection().execute(sql, (upto,)).fetchone()
        parts = text.split(" ") if text else []
        if len(parts) != 4 * count:  # a stream id with a space in it (never a UUID's hex): row by row
            return self._streams(upto)
        firsts, lasts, counts = map(int, parts[1::4]), map(int, parts[2::4]), map(int, parts[3::4])
        return list(zip(parts[0::4], firsts, lasts, counts, strict=True))

    def _streams(self, upto: int) -> list[tuple[str, int, int, int]]:
        sql = (f"SELECT originator_id, min(rowid), max(rowid), count(*) FROM {self.table} "  # noqa: S608
               "WHERE rowid <= ? GROUP BY originator_id")
        return self._connection().execute(sql, (upto,)).fetchall()

    def positions(self, stream: str, upto: int) -> list[int]:
        sql = f"SELECT rowid FROM {self.table} WHERE originator_id = ? AND rowid <= ? ORDER BY rowid"  # noqa: S608
        return [p for (p,) in self._connection().execute(sql, (self.raw(stream), upto))]

    def last(self) -> int:
        found = self._connection().execute(f"SELECT max(rowid) FROM {self.table}").fetchone()  # noqa: S608
        return int(found[0] or 0)

    def rows(self, upto: int, chunk: int = 20_000) -> Iterator[list[Row]]:
        cur = self._connection().execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
            "WHERE rowid <= ? ORDER BY rowid", (upto,))
        while rows := cur.fetchmany(chunk):
            yield rows

    def count(self, upto: int) -> int:
        sql = f"SELECT count(*) FROM {self.table} WHERE rowid <= ?"  # noqa: S608
        return int(self._connection().execute(sql, (upto,)).fetchone()[0])

    def ranges(self, spans: list[tuple[int, int]]) -> Iterator[list[Row]]:
        conn = self._connection()
        sql = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
               "WHERE rowid BETWEEN ? AND ? ORDER BY rowid")
        for first, last in spans:
            yield conn.execute(sql, (first, last)).fetchall()

    def stream(self, stream: str, upto: int) -> list[Row]:
        sql = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
               "WHERE originator_id = ? AND rowid <= ? ORDER BY originator_version")
        return self._connection().execute(sql, (UUID(stream).hex, upto)).fetchall()

    def facts_of(self, stream: str, upto: int) -> list[tuple[int, Any]]:
        sql = (f"SELECT rowid, state FROM {self.table} WHERE originator_id = ? AND rowid <= ? "  # noqa: S608
               f"AND topic IN ({_FACTS_SQL}) ORDER BY originator_version")
        return self._connection().execute(sql, (UUID(stream).hex, upto)).fetchall()

    def facts_between(self, runs: list[tuple[int, int]]) -> list[tuple[int, Any]]:
        # a range of the table itself: no lookup from the stream's index to each row, no topic to compare
        sql = f"SELECT rowid, state FROM {self.table} WHERE rowid BETWEEN ? AND ?"  # noqa: S608
        execute = self._connection().execute
        if len(runs) == 1:
            return execute(sql, runs[0]).fetchall()
        found: list[tuple[int, Any]] = []
        for run in runs:
            found += execute(sql, run).fetchall()
        return found

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _part(value: str) -> str:
    """A part of a leaf in SQL (projections/leaves.py `leaf`): its length in 8 bytes, big-endian, then itself."""
    return f"int8send(octet_length({value})::bigint) || {value}"


#: `leaf` of a stored row in PostgreSQL: the position, the stream's name (the UUID's text, as `name` gives it), the
#: version and the topic as their UTF-8 text, then the payload, each length-prefixed. tests/differential compare
#: the leaves the server hashes with those of the reference (`leaf_digest`).
LEAF_SQL = " || ".join([*(_part(f"convert_to({column}, 'UTF8')") for column in
                          ("notification_id::text", "originator_id::text", "originator_version::text", "topic")),
                        _part("state")])


class PostgresReader(Reader):
    """Rows come in binary (cursor(binary=True)): a payload as its bytes, not as hex text twice as long that
    libpq holds and the client decodes; every column decodes to the same Python value either way."""

    kind = "postgres"
    # issue 12: the server hashed every row again for the leaves (`leaf_lines`, 1.7 s of its CPU at the province's
    # 5%) while the workers read the fact rows whole to score them; the workers hash those instead
    leaves_by_workers = True

    def __init__(self, kwargs: dict[str, Any], schema: str, table: str):
        self.kwargs = {k: v for k, v in kwargs.items() if k in ("dbname", "host", "port", "user", "password")}
        self.schema, self.table = schema, table
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            import psycopg

            self._conn = psycopg.connect(**self.kwargs, autocommit=True)
        return self._conn

    def fresh(self) -> Reader:
        return PostgresReader(self.kwargs, self.schema, self.table)

    def _from(self) -> str:
        return f'"{self.schema}"."{self.table}"'

    def others(self, upto: int, after: int = 0, chunk: int = 20_000) -> Iterator[list[Row]]:
        conn = self._connection()
        with conn.transaction(), conn.cursor(name="fast_others", binary=True) as cur:
            cur.itersize = chunk
            cur.execute(
                "SELECT notification_id, originator_id::text, originator_version, topic, state "  # noqa: S608
                f"FROM {self._from()} WHERE notification_id > %s AND notification_id <= %s AND topic <> ALL(%s) "
                "ORDER BY notification_id",
                (after, upto, list(FACT_TOPICS)),
            )
            while rows := cur.fetchmany(chunk):
                yield [(p, s, v, t, bytes(b)) for p, s, v, t, b in rows]

    def streams(self, upto: int) -> list[tuple[str, int, int, int]]:
        sql = ("SELECT originator_id::text, min(notification_id), max(notification_id), count(*) "  # noqa: S608
               f"FROM {self._from()} WHERE notification_id <= %s GROUP BY originator_id")
        with self._connection().cursor() as cur:
            cur.execute(sql, (upto,))
            return cur.fetchall()  # type: ignore[no-any-return]

    # `notification_id + 0 <= %s`: the bound is checked on the stream's rows only. Written plainly, the planner
    # (a log not yet analysed after its import) ANDs a bitmap of the notification index up to the bound, every
    # row of the log (~20 ms a stream at 540,000 rows): the first pass spent 9.7 s on 485 such streams.
    def positions(self, stream: str, upto: int) -> list[int]:
        return self.positions_of([stream], upto).get(stream, [])

    def positions_of(self, streams: list[str], upto: int) -> dict[str, list[int]]:
        """The streams' positions in one query (by the primary key's leading column)."""
        found: dict[str, list[int]] = {}
        if not streams:
            return found
        sql = (f"SELECT originator_id::text, notification_id FROM {self._from()} "  # noqa: S608
               "WHERE originator_id = ANY(%s) AND notification_id + 0 <= %s ORDER BY notification_id")
        with self._connection().cursor() as cur:
            cur.execute(sql, ([UUID(s) for s in streams], upto))
            for raw, position in cur.fetchall():
                found.setdefault(self.name(raw), []).append(position)
        return found

    def last(self) -> int:
        with self._connection().cursor() as cur:
            cur.execute(f"SELECT max(notification_id) FROM {self._from()}")  # noqa: S608
            found = cur.fetchone()
        return int(found[0] or 0) if found else 0

    def rows(self, upto: int, chunk: int = 20_000) -> Iterator[list[Row]]:
        conn = self._connection()
        with conn.transaction(), conn.cursor(name="fast_rows", binary=True) as cur:
            cur.itersize = chunk
            cur.execute("SELECT notification_id, originator_id::text, originator_version, topic, state "  # noqa: S608
                        f"FROM {self._from()} WHERE notification_id <= %s ORDER BY notification_id", (upto,))
            while rows := cur.fetchmany(chunk):
                yield [(p, s, v, t, bytes(b)) for p, s, v, t, b in rows]

    def leaf_lines(self, upto: int, chunk: int = 50_000) -> Iterator[bytes]:
        """Every row's witness digest (projections/leaves.py `leaf_digest`) up to `upto`, as COPY's text lines
        (`position<TAB>digest`), `chunk` rows at a time: hashed by the server (`LEAF_SQL`) and handed over as
        they come, so that the log's 260 MB (a province at 5%) are neither sent nor hashed in Python again (issue
        12: the leaves process's 1.3 s of CPU reading and hashing them; the server hashes them in about what
        sending them cost it)."""
        sql = (f"COPY (SELECT notification_id, encode(sha256({LEAF_SQL}), 'hex') FROM {self._from()} "  # noqa: S608
               f"WHERE notification_id <= {int(upto)} ORDER BY notification_id) TO STDOUT")
        out: list[bytes] = []
        with self._connection().cursor() as cur, cur.copy(sql) as copy:
            for line in copy:  # one row a message
                out.append(bytes(line))
                if len(out) >= chunk:
                    yield b"".join(out)
                    out = []
        if out:
            yield b"".join(out)

    def leaf_hashes(self, upto: int, topic: str, chunk: int = 20_000) -> Iterator[list[tuple[str, bytes, Any]]]:
        """Every row's RFC 6962 leaf hash (SHA-256 of 0x00 and its `leaf`, `RowLeaves.hashes`) up to `upto`, hashed
        by the server (`LEAF_SQL`), with the row's stream id and, for the rows of `topic` only, the payload, in log
        order `chunk` rows at a time: the seal's trees (replay/fast_seal.py) without the log's payloads sent and
        hashed in Python (issue 12: what the catch-up's leaves gained from `leaf_lines`)."""
        conn = self._connection()
        with conn.transaction(), conn.cursor(name="fast_leaves", binary=True) as cur:
            cur.itersize = chunk
            cur.execute(f"SELECT originator_id::text, sha256('\\x00'::bytea || {LEAF_SQL}), "  # noqa: S608
                        f"CASE WHEN topic = %s THEN state END FROM {self._from()} WHERE notification_id <= %s "
                        "ORDER BY notification_id", (topic, upto))
            while rows := cur.fetchmany(chunk):
                yield [(s, bytes(h), None if p is None else bytes(p)) for s, h, p in rows]

    def count(self, upto: int) -> int:
        with self._connection().cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {self._from()} WHERE notification_id <= %s", (upto,))  # noqa: S608
            found = cur.fetchone()
        return int(found[0]) if found else 0

    def ranges(self, spans: list[tuple[int, int]]) -> Iterator[list[Row]]:
        conn = self._connection()
        sql = ("SELECT notification_id, originator_id::text, originator_version, topic, state "  # noqa: S608
               f"FROM {self._from()} WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id")
        with conn.cursor(binary=True) as cur:
            for first, last in spans:
                cur.execute(sql, (first, last), prepare=True)
                yield [(p, s, v, t, bytes(b)) for p, s, v, t, b in cur.fetchall()]

    def stream(self, stream: str, upto: int) -> list[Row]:
        sql = ("SELECT notification_id, originator_id::text, originator_version, topic, state "  # noqa: S608
               f"FROM {self._from()} WHERE originator_id = %s AND notification_id + 0 <= %s "
               "ORDER BY originator_version")
        with self._connection().cursor(binary=True) as cur:
            cur.execute(sql, (UUID(stream), upto), prepare=True)
            return [(p, s, v, t, bytes(b)) for p, s, v, t, b in cur.fetchall()]

    def page(self, after: int, upto: int | None, limit: int) -> list[Row]:
        """Up to `limit` rows after a position (exclusive) up to another, in log order (`Notifications`)."""
        sql = ("SELECT notification_id, originator_id::text, originator_version, topic, state "  # noqa: S608
               f"FROM {self._from()} WHERE notification_id > %s AND notification_id <= %s "
               "ORDER BY notification_id LIMIT %s")
        with self._connection().cursor(binary=True) as cur:
            cur.execute(sql, (after, LAST if upto is None else upto, limit), prepare=True)
            return [(p, s, v, t, bytes(b)) for p, s, v, t, b in cur.fetchall()]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None



class Notifications:
    """The log read through a reader as the library's recorder offers it (`NotificationSource`: what
    projections.records.read_log reads), for a process that has a reader and no recorder (the views built by a
    process of their own: projections/runner.py)."""

    def __init__(self, reader: Reader):
        self.reader = reader

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None, topics: Any = (), *,
                             inclusive_of_start: bool = True) -> list[Any]:
        from types import SimpleNamespace

        if topics:  # pragma: no cover - read_log asks for every topic
            raise NotImplementedError("topics")
        after = (start or 1) - 1 if inclusive_of_start else start or 0
        name = self.reader.name
        return [SimpleNamespace(id=p, originator_id=name(s), originator_version=v, topic=t, state=b)
                for p, s, v, t, b in self.reader.page(after, stop, limit)]  # type: ignore[attr-defined]

    def max_notification_id(self) -> int | None:
        return self.reader.last() or None
