"""The fast lane of bulk import on PostgreSQL (issue 12): how its checked rows are written and its streams read.

service/bulk_fast.py checks and encodes a batch whatever the store; only the two ends differ. Here a batch's rows are
written as eventsourcing's PostgreSQL recorder writes a save (`PostgresApplicationRecorder.insert_events`), in one
transaction on one of the datastore's pooled connections:

- the recorder's own table lock (`_lock_table`: `SET LOCAL lock_timeout`, then `LOCK TABLE … IN EXCLUSIVE MODE`),
  which serialises the transactions that take notification ids, so that the ids are issued in commit order and a
  reader tailing the log never passes a gap filled in later;
- its `NOTIFY` on the table's channel (`_notify_channel`), which wakes the library's subscriptions;
- the rows themselves, in the batch's order, by one binary `COPY … FROM STDIN` into the same four columns the
  recorder's `INSERT … SELECT FROM unnest(…)` fills: the `notification_id` column's own default (its sequence)
  numbers them row after row as COPY reads them, as the recorder's insert numbers the rows of its unnest in order;
- the last notification id (the batch's last position), read under the lock.

Optimistic concurrency is the primary key's, as for every save: a version another writer took since the lane read
the stream makes COPY fail (a unique violation), the transaction is rolled back whole (nothing of the batch, nor its
key's CommandRecord, is stored) and the reference decides the batch again; so does a lock not had within the
recorder's lock timeout. The recorder writes no tracking record for an application's save, so neither does the lane.

COPY rather than the recorder's insert (issue 12): the binary rows are built here in one pass (the UUID's 16 bytes,
the version, the topic and the state's bytes as they are: nothing quoted, nothing escaped), and the server parses
no array literal nor composite values.
"""

from __future__ import annotations

import struct
from typing import Any

from psycopg import IntegrityError, errors
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from service.ledger import streams_read

_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)  # the signature, no flags, no header extension
_TRAILER = struct.pack("!h", -1)
_ROW = struct.Struct("!hi16siqi")  # 4 fields; the UUID (length, bytes); the version (length, value); the topic length
_LENGTH = struct.Struct("!i")
_IDS = 5_000  # stream ids per read (one array parameter: no limit but the statement's size)


def binary_copy(rows: list[tuple[Any, ...]], encoding: str) -> bytes:
    """The rows (hex UUID, version, topic, state bytes) as PostgreSQL's binary COPY format reads them into
    (originator_id uuid, originator_version bigint, topic text, state bytea): a uuid as its 16 bytes, a bigint as 8
    bytes big-endian, text in the connection's encoding, bytea as its bytes."""
    parts = [_HEADER]
    append, pack, length = parts.append, _ROW.pack, _LENGTH.pack
    topics: dict[str, bytes] = {}
    for hex_id, version, topic, state in rows:
        encoded = topics.get(topic)
        if encoded is None:
            encoded = topics[topic] = topic.encode(encoding)
        append(pack(4, 16, bytes.fromhex(hex_id), 8, version, len(encoded)))
        append(encoded)
        append(length(len(state)))
        append(state)
    append(_TRAILER)
    return b"".join(parts)


class PostgresRows:
    """The lane's reads and writes on eventsourcing's PostgreSQL application recorder."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        datastore = recorder.datastore
        table = SQL("{0}.{1}").format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
        self.copy = SQL("COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
                        ).format(table)
        self.last = SQL("SELECT MAX(notification_id) FROM {0}").format(table)
        self.read = streams_read(datastore.schema, recorder.events_table_name, "after")

    def write(self, rows: list[tuple[Any, ...]]) -> int | None:
        """The rows inserted in one transaction holding the recorder's table lock: the last position, or None
        (nothing written) when a version was taken meanwhile or the lock was not had in time."""
        recorder = self.recorder
        with recorder.datastore.get_connection() as connection:
            try:
                with connection.transaction(), connection.cursor(row_factory=tuple_row) as cursor:
                    recorder._lock_table(cursor)  # noqa: SLF001 - the recorder's own lock, as its saves take it
                    recorder._notify_channel(cursor)  # noqa: SLF001 - and its notify
                    with cursor.copy(self.copy) as copy:
                        copy.write(binary_copy(rows, connection.info.encoding))
                    cursor.execute(self.last)
                    found = cursor.fetchone()
            except (IntegrityError, errors.LockNotAvailable):  # a version taken (as on SQLite), or no lock in time
                return None  # rolled back: nothing of the batch written
        return int(found[0])

    def stored_rows(self, hexes: list[str]) -> list[tuple[str, int, str, bytes]]:
        """The rows of these streams (hex ids), (hex id, version, topic, state), in stream and version order: one
        probe of the log's primary key per stream (`streams_read`), `_IDS` streams a query."""
        found: list[tuple[str, int, str, bytes]] = []
        with self.recorder.datastore.get_connection() as connection, connection.cursor(row_factory=tuple_row) as cur:
            for start in range(0, len(hexes), _IDS):
                part = hexes[start : start + _IDS]
                cur.execute(self.read, (part, [0] * len(part)))
                found.extend((i.hex, v, t, bytes(s)) for i, v, t, s in cur.fetchall())
        found.sort(key=lambda row: (row[0], row[1]))
        return found


def analyze_log(recorder: Any, *, unless_analysed: bool = False) -> bool:
    """The log's table ANALYZEd: its statistics gathered, whether any were (`unless_analysed`: only when the table
    has none, as after a bulk import on a server without autovacuum). Whether it was analysed now.

    Why (issue 12, run M19): a log never analysed has no statistics, and the planner estimated 184,017 rows for
    one stream's ~50 (`WHERE originator_id = …`), so each stream read by the lazy fold (projections/lazy.py) ran as
    a parallel bitmap scan compiled by JIT: 240-330 ms a stream, and a recording on the province was visible only
    13-24 s after its acknowledgement (its group's 100 streams read so). With statistics it is a primary-key
    probe. ANALYZE reads a sample of the table (30,000 rows by default), about a second for the province."""
    datastore = recorder.datastore
    table = SQL("{0}.{1}").format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    with datastore.get_connection() as connection, connection.cursor(row_factory=tuple_row) as cur:
        if unless_analysed:
            cur.execute("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = %s AND tablename = %s)",
                        (datastore.schema, recorder.events_table_name))
            found = cur.fetchone()
            if found is not None and found[0]:
                return False
        cur.execute(SQL("ANALYZE {0}").format(table))
    return True
