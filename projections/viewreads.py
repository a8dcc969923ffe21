"""Reading results from the views a subject, a page or a stream at a time: now, or as a seal fixed them.

Now is the views' rows (sl_view_heads, sl_view_rows); a seal is the snapshot the runner kept when it
folded the publication (sl_view_seals, sl_view_sealed; projections/sealed.py). Either way a period's
rows are read in group order (code points) and rank order within a group, the order of its canonical
bytes, and pages are keyset pages: after (group, place), never an offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol


class Cursor(Protocol):
    def execute(self, sql: str, params: Any = ...) -> Any: ...
    def executemany(self, sql: str, params: Any) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


class Place(NamedTuple):
    """Where a row stands in a period's order: its group, and its place in the group's rank order."""

    group: str
    place: int


class Page(NamedTuple):
    """Part of a period's results: the position they are as of, the heading, rows (place, body)."""

    as_of: int
    head: bytes
    rows: list[tuple[Place, bytes]]


class SealKept(NamedTuple):
    """What the views hold of one seal: whether its rows were kept (their hash matched) and that hash."""

    period: str
    seal: int
    published_at: int
    results_hash: str
    kept: bool


STREAM_PAGE = 500  # rows per query when streaming a whole period
CARDLESS = b',"decisions":'  # where a subject result's fields after its scorecard start (service/readers.py)


def brief_of(body: bytes) -> bytes | None:
    """A subject result without its scorecard, as the `brief` column keeps it beside the body (issue 12: a page
    of rankings or grades reads these ~200 bytes, not the ~11 KB body with its card): `{` and the body's bytes
    from its last `,"decisions":` on (canonical keys are sorted: "card" first, and no key after it holds an
    object with a "decisions" key). None when the body has no such key (a reader then decodes the body)."""
    cut = body.rfind(CARDLESS)
    return None if cut < 0 else b"{" + body[cut + 1 :]


class ResultReads:
    """Reads shared by both engines (mixed into ViewStore, which gives sql(), transaction() and reading())."""

    collate: str

    def sql(self, text: str) -> str:  # pragma: no cover - ViewStore's
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Cursor]:  # pragma: no cover - ViewStore's
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[Cursor]:  # pragma: no cover - the engines'
        raise NotImplementedError

    def position(self, cur: Cursor | None = None, lock: bool = False) -> int:  # pragma: no cover - ViewStore's
        raise NotImplementedError

    def subject_row(self, period: str, subject: str, seal: int | None = None) -> Page | None:
        """One subject's row (no rows when it has none); None when the period has no results there."""
        where, params = _where(period, seal)
        with self.transaction() as cur:
            head = self._head(cur, period, seal)
            if head is None:
                return None
            cur.execute(self.sql(f"SELECT grp, place, body FROM {where} AND subject = ?"), (*params, subject))  # noqa: S608
            rows = [(Place(str(g), int(p)), bytes(b)) for g, p, b in cur.fetchall()]
            return Page(self._as_of(cur, seal), head, rows)

    def page(
        self,
        period: str,
        seal: int | None = None,
        group: str | None = None,
        after: Place | None = None,
        limit: int = 1000,
        cards: bool = True,
    ) -> Page | None:
        """Up to `limit` rows in order after a place (of one group, or of every group); None: no results. Without
        `cards`, a row's bytes are its brief (brief_of) where the views keep one, else its body."""
        with self.transaction() as cur:
            head = self._head(cur, period, seal)
            if head is None:
                return None
            return Page(self._as_of(cur, seal), head, self._rows(cur, period, seal, group, after, limit, cards))

    def stream(self, period: str, seal: int | None = None) -> Streamed | None:
        """The period's canonical result bytes in pieces, read in one consistent read transaction of their own
        (a page of rows at a time: a province is never held); None when the period has no results there."""
        streamed = Streamed(self, period, seal)
        if streamed.head is None:
            streamed.close()
            return None
        return streamed

    def seal_kept(self, period: str, seal: int) -> SealKept | None:
        """What the views hold of a period's seal at a position (None: no publication sealed there)."""
        with self.transaction() as cur:
            cur.execute(
                self.sql("SELECT published_at, results_hash, kept FROM sl_view_seals WHERE period = ? AND seal = ?"),
                (period, seal),
            )
            row = cur.fetchone()
        return None if row is None else SealKept(period, seal, int(row[0]), str(row[1]), bool(row[2]))

    def seal_at_time(self, period: str, micros: int) -> int | None:
        """The seal position a timestamp (microseconds since the epoch, UTC) maps to, when it maps to one:
        the timestamp is at or after every event up to the seal, and before the event after it."""
        with self.transaction() as cur:
            cur.execute(
                self.sql("SELECT seal FROM sl_view_seals WHERE period = ? AND since_us <= ? AND until_us > ?"),
                (period, micros, micros),
            )
            row = cur.fetchone()
        return None if row is None else int(row[0])

    def _head(self, cur: Cursor, period: str, seal: int | None) -> bytes | None:
        if seal is None:
            cur.execute(self.sql("SELECT head FROM sl_view_heads WHERE period = ?"), (period,))
        else:
            cur.execute(
                self.sql("SELECT head FROM sl_view_seals WHERE period = ? AND seal = ? AND kept = 1"), (period, seal)
            )
        row = cur.fetchone()
        return None if row is None else bytes(row[0])

    def _as_of(self, cur: Cursor, seal: int | None) -> int:
        return self.position(cur) if seal is None else seal

    def _rows(
        self, cur: Cursor, period: str, seal: int | None, group: str | None, after: Place | None, limit: int,
        cards: bool = True,
    ) -> list[tuple[Place, bytes]]:
        where, params = _where(period, seal)
        if group is not None:
            # the group compared in the index's collation ("C" on PostgreSQL): else the index serves only the period
            # (and seal) and the planner scans every row of it (issue 12, run M19: 35 ms as of a province's seal,
            # 0.5 ms so)
            where, params = f"{where} AND grp{self.collate} = ?", (*params, group)
        if after is not None:
            where, params = f"{where} AND (grp{self.collate}, place) > (?, ?)", (*params, after.group, after.place)
        # without cards: the brief, and the body only where no brief was kept (the body is never read otherwise)
        columns = "body" if cards else "COALESCE(brief, body)"
        cur.execute(
            self.sql(f"SELECT grp, place, {columns} FROM {where} ORDER BY grp{self.collate}, place LIMIT ?"),  # noqa: S608
            (*params, limit),
        )
        return [(Place(str(g), int(p)), bytes(b)) for g, p, b in cur.fetchall()]


class Streamed:
    """A period's canonical bytes as of one consistent read (views.reading()), opened at once so that
    its position is known before the first piece; closed when read to the end, by close(), or when dropped."""

    def __init__(self, views: ResultReads, period: str, seal: int | None):
        self.views, self.period, self.seal = views, period, seal
        self._reading: AbstractContextManager[Cursor] | None = views.reading()
        self.cur = self._reading.__enter__()
        self.head = views._head(self.cur, period, seal)
        self.as_of = views._as_of(self.cur, seal)

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield self.head or b""
            after, first = None, True
            while rows := self.views._rows(self.cur, self.period, self.seal, None, after, STREAM_PAGE):
                yield (b"" if first else b",") + b",".join(body for _, body in rows)
                after, first = rows[-1][0], False
            yield b"]}"
        finally:
            self.close()

    def rows(self, page: int = STREAM_PAGE) -> Iterator[tuple[Place, bytes]]:
        """The rows themselves (place, subject result bytes) in group and rank order, a page per query, in the
        same read as the head; closed at the end, as iterating the bytes is."""
        try:
            after = None
            while rows := self.views._rows(self.cur, self.period, self.seal, None, after, page):
                yield from rows
                after = rows[-1][0]
        finally:
            self.close()

    def close(self) -> None:
        reading, self._reading = self._reading, None
        if reading is not None:
            reading.__exit__(None, None, None)

    def __del__(self) -> None:
        self.close()


def _where(period: str, seal: int | None) -> tuple[str, tuple[Any, ...]]:
    if seal is None:
        return "sl_view_rows WHERE period = ?", (period,)
    return "sl_view_sealed WHERE period = ? AND seal = ?", (period, seal)
