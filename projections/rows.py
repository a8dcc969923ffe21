"""Pages of stored rows straight from the library's SQLite or PostgreSQL recorder, as plain tuples.

`select_notifications` builds a Notification and a UUID object per row, which costs more
than reading and decoding the row; this reads the same rows (position, stream as the
UUID's text, version, topic, payload) with the same order and bounds. Other sources
(bundles, test doubles) keep the library call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

Row = tuple[int, str, int, str, bytes]
Pager = Callable[[int, int | None, int], list[Row]]
LAST = 2**63 - 1


def pager(source: Any) -> tuple[Pager, Callable[[str], str]] | None:
    """A raw page reader for a library application recorder and its stream-name function, or None."""
    module = type(source).__module__
    if not hasattr(source, "datastore") or not hasattr(source, "events_table_name"):
        return None
    if module == "eventsourcing.sqlite" and source.datastore.originator_id_type == "uuid":
        return _sqlite(source), lambda stream: str(UUID(stream))  # SQLite holds the hex digits
    if module == "eventsourcing.postgres":
        return _postgres(source), str
    return None


def _sqlite(source: Any) -> Pager:
    statement = (
        f"SELECT rowid, originator_id, originator_version, topic, state FROM {source.events_table_name} "  # noqa: S608
        "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?"
    )

    def page(after: int, upto: int | None, limit: int) -> list[Row]:
        with source.datastore.transaction(commit=False) as cursor:
            plain = getattr(cursor, "sqlite_cursor", cursor)
            plain.row_factory = None  # tuples, not sqlite3.Row
            plain.execute(statement, (after, LAST if upto is None else upto, limit))
            return plain.fetchall()  # type: ignore[no-any-return]

    return page


def _postgres(source: Any) -> Pager:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT notification_id, originator_id::text, originator_version, topic, state FROM {schema}.{table} "
        "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s"
    ).format(schema=Identifier(source.datastore.schema), table=Identifier(source.events_table_name))

    def page(after: int, upto: int | None, limit: int) -> list[Row]:
        with source.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement, (after, LAST if upto is None else upto, limit), prepare=True)
            return cursor.fetchall()

    return page
