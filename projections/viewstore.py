"""The view store: results, per-event witness digests and the tracked position, in one database.

SQLite (its own file, apart from the log) or PostgreSQL tables beside the log. A page of
events is applied in one transaction with its tracking position, so a view is never
ahead of or behind what it says it has processed.

A period's results are kept in parts: its heading (scheme, hash, version) and one row per
subject (its group, its place in the group's rank order and its result's canonical bytes).
Ranks, quotas and grades never reach across groups, so an event rewrites only the rows whose
bytes it changed, and the period's canonical bytes are the heading, the rows in group and rank
order joined by commas, and `]}`.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from projections.viewreads import Cursor, ResultReads, brief_of

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sl_view_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sl_view_heads (period TEXT PRIMARY KEY, position BIGINT NOT NULL, "
    "head {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sl_view_rows (period TEXT NOT NULL, subject TEXT NOT NULL, grp TEXT NOT NULL, "
    "place INTEGER NOT NULL, position BIGINT NOT NULL, body {blob} NOT NULL, brief {blob}, "
    "PRIMARY KEY (period, subject))",
    "CREATE TABLE IF NOT EXISTS sl_view_leaves (position BIGINT PRIMARY KEY, digest TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sl_view_rows_order ON sl_view_rows (period, grp{collate}, place)",
    # what each publication sealed (projections/sealed.py): its heading, its rows, and the times that map to it
    "CREATE TABLE IF NOT EXISTS sl_view_seals (period TEXT NOT NULL, seal BIGINT NOT NULL, published_at BIGINT "
    "NOT NULL, results_hash TEXT NOT NULL, kept INTEGER NOT NULL, head {blob} NOT NULL, since_us BIGINT, "
    "until_us BIGINT, PRIMARY KEY (period, seal))",
    "CREATE TABLE IF NOT EXISTS sl_view_sealed (period TEXT NOT NULL, seal BIGINT NOT NULL, subject TEXT NOT NULL, "
    "grp TEXT NOT NULL, place INTEGER NOT NULL, body {blob} NOT NULL, brief {blob}, "
    "PRIMARY KEY (period, seal, subject))",
    "CREATE INDEX IF NOT EXISTS sl_view_sealed_order ON sl_view_sealed (period, seal, grp{collate}, place)",
]
BRIEFED = ("sl_view_rows", "sl_view_sealed")  # tables keeping each row's brief (viewreads.brief_of) beside its body
# A brief is valid for its row's body when the body ends with `,` and the brief's bytes after its `{`: brief_of cuts at
# the body's last `,"decisions":`, so that suffix holds no other one and the test is exact. A process that writes a
# row's body but not its brief (one of the version before the column, during a rolling deploy or after a rollback)
# leaves a brief that fails it; each engine's trigger then clears it, and readers take the body (COALESCE(brief,
# body)) until the row is written again with its brief.
STALE_BRIEF = ("length(NEW.brief) >= length(NEW.body) "
               "OR substr(NEW.body, length(NEW.body) - length(NEW.brief) + 1, 1) <> {comma} "
               "OR substr(NEW.body, length(NEW.body) - length(NEW.brief) + 2) <> substr(NEW.brief, 2)")
SQLITE_COMMA, POSTGRES_COMMA = "x'2c'", "'\\x2c'::bytea"  # the byte `,` as each engine writes a blob literal
MADE = tuple(statement.split(" IF NOT EXISTS ")[1].split()[0] for statement in SCHEMA)  # its tables and indexes
TABLES = ("sl_view_heads", "sl_view_rows", "sl_view_leaves", "sl_view_seals", "sl_view_sealed", "sl_view_tracking")
Row = tuple[str, str, int, bytes]  # subject, group, place in the group's rank order, canonical bytes
UPSERT_ROW = ("INSERT INTO sl_view_rows (period, subject, grp, place, position, body, brief) "
              "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (period, subject) DO UPDATE SET grp = excluded.grp, "
              "place = excluded.place, position = excluded.position, body = excluded.body, brief = excluded.brief")


def assemble(head: bytes, bodies: list[bytes]) -> bytes:
    """A period's canonical bytes from its heading and its groups' bodies in group order."""
    return head + b",".join(body for body in bodies if body) + b"]}"


class ViewStore(ResultReads):
    """SQL shared by both engines; subclasses give the connection and the placeholder."""

    placeholder = "?"
    blob = "BLOB"
    collate = ""  # groups in code-point order (SQLite compares text bytewise; PostgreSQL needs "C")
    name = "scorecards.v2"  # v2: results kept per group (a store with v1 views rebuilds them from zero)
    row_locks = False  # PostgreSQL: lock the tracking row, so processes sharing views take turns

    def leads(self) -> bool:
        """Whether this process's view keeper writes the views on its own (one store, one process: yes)."""
        return True

    def create(self) -> None:
        with self.transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement.format(blob=self.blob, collate=self.collate))
            for table in BRIEFED:  # views made before the column: their rows have none (readers use the body)
                if not self.has_column(cur, table, "brief"):
                    cur.execute(f"ALTER TABLE {table} ADD COLUMN brief {self.blob}")
            self.guard_briefs(cur)

    def guard_briefs(self, cur: Cursor) -> None:  # pragma: no cover - the engines'
        """The trigger that clears a row's brief when its body is written without it (STALE_BRIEF)."""
        raise NotImplementedError

    def has_column(self, cur: Cursor, table: str, column: str) -> bool:  # pragma: no cover - the engines'
        raise NotImplementedError

    def analyze(self, cur: Cursor, *tables: str) -> None:
        """After many rows were written at once: the planner's statistics (PostgreSQL; SQLite plans well
        without)."""

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:  # pragma: no cover - provided by subclasses
        raise NotImplementedError
        yield

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def position(self, cur: Cursor | None = None, lock: bool = False) -> int:
        query = "SELECT position FROM sl_view_tracking WHERE name = ?" + (" FOR UPDATE" if lock else "")  # noqa: S608
        if cur is None:
            with self.transaction() as own:
                return self.position(own)
        cur.execute(self.sql(query), (self.name,))
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def write_page(
        self,
        cur: Cursor,
        position: int,
        heads: dict[str, bytes],
        rows: dict[str, list[Row]],
        leaves: list[tuple[int, str]],
    ) -> None:
        """Write periods' headings, the subject rows that changed, the leaves and the tracked position."""
        for period, head in sorted(heads.items()):
            cur.execute(
                self.sql(
                    "INSERT INTO sl_view_heads (period, position, head) VALUES (?, ?, ?) "
                    "ON CONFLICT (period) DO UPDATE SET position = excluded.position, head = excluded.head"
                ),
                (period, position, head),
            )
        changed = [(period, *row) for period, listed in sorted(rows.items()) for row in listed]
        if changed:
            cur.executemany(
                self.sql(UPSERT_ROW),
                [(period, subject, group, place, position, body, brief_of(body))
                 for period, subject, group, place, body in changed],
            )
        if leaves:
            cur.executemany(
                self.sql(
                    "INSERT INTO sl_view_leaves (position, digest) VALUES (?, ?) ON CONFLICT (position) DO NOTHING"
                ),
                leaves,
            )
        cur.execute(
            self.sql(
                "INSERT INTO sl_view_tracking (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
            ),
            (self.name, position),
        )

    leaf_form = "runs"  # how the fast build's leaves process sends the leaves: `add_leaf_runs` (PostgreSQL: "copy")

    def add_rows(self, cur: Cursor, rows: list[tuple[str, str, str, int, int, bytes, bytes | None]]) -> None:
        """Write a period's rows (period, subject, group, place, position, body, brief) in views built from zero
        (projections/fast/views.py), in the caller's transaction: the rows `write_page` writes."""
        cur.executemany(self.sql(UPSERT_ROW), rows)

    def add_leaves(self, cur: Cursor, leaves: list[tuple[int, str]]) -> None:
        """Add witness digests to views built from zero (projections/fast/views.py), in the caller's transaction."""
        cur.executemany(self.sql("INSERT INTO sl_view_leaves (position, digest) VALUES (?, ?) "
                                 "ON CONFLICT (position) DO NOTHING"), leaves)

    def add_leaf_runs(self, cur: Cursor, runs: list[tuple[int, str]]) -> None:
        """`add_leaves` of runs of consecutive positions, each (first position, JSON array of its digests in
        order), as the fast build's leaves process sends them (one string a run, not a tuple a row)."""
        self.add_leaves(cur, [(first + n, digest) for first, text in runs
                              for n, digest in enumerate(orjson.loads(text))])

    def add_leaf_lines(self, cur: Cursor, lines: bytes) -> None:
        """`add_leaves` of COPY's text lines (`position<TAB>digest<LF>` each), as the fast build's leaves process
        sends them when `leaf_form` is "copy" (PostgreSQL's store writes them as they are)."""
        self.add_leaves(cur, [(int(position), digest) for position, digest in
                              (line.split("\t") for line in lines.decode().splitlines())])

    def heads(self) -> dict[str, bytes]:
        """Every period's heading as the views hold it (the canonical bytes up to its first subject), by period key."""
        with self.transaction() as cur:
            cur.execute(self.sql("SELECT period, head FROM sl_view_heads"))
            return {str(period): bytes(head) for period, head in cur.fetchall()}

    def results(self, period: str) -> tuple[int, bytes] | None:
        """The period's canonical results and the tracked position they are as of (None: no such period)."""
        with self.transaction() as cur:
            cur.execute(self.sql("SELECT head FROM sl_view_heads WHERE period = ?"), (period,))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(self.sql("SELECT grp, place, body FROM sl_view_rows WHERE period = ?"), (period,))
            rows = sorted((str(g), int(p), bytes(b)) for g, p, b in cur.fetchall())  # groups by code point, as scored
            return self.position(cur), assemble(bytes(row[0]), [b for _, _, b in rows])

    def rows(self, period: str) -> tuple[int, bytes, list[tuple[str, int, str, int, bytes]]] | None:
        """The tracked position, the period's heading and its rows (group, place, subject, position written,
        body): what `results` assembles, for readers that decode only the rows that changed."""
        with self.transaction() as cur:
            cur.execute(self.sql("SELECT head FROM sl_view_heads WHERE period = ?"), (period,))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(self.sql("SELECT grp, place, subject, position, body FROM sl_view_rows WHERE period = ?"),
                        (period,))
            rows = sorted((str(g), int(p), str(s), int(w), bytes(b)) for g, p, s, w, b in cur.fetchall())
            return self.position(cur), bytes(row[0]), rows

    def leaves(self, upto: int | None = None) -> list[tuple[int, str]]:
        with self.transaction() as cur:
            if upto is None:
                cur.execute("SELECT position, digest FROM sl_view_leaves ORDER BY position")
            else:
                cur.execute(
                    self.sql("SELECT position, digest FROM sl_view_leaves WHERE position <= ? ORDER BY position"),
                    (upto,),
                )
            return [(int(p), str(d)) for p, d in cur.fetchall()]

    def reset(self) -> None:
        """Forget every view (for a rebuild from position zero)."""
        with self.transaction() as cur:
            for table in TABLES:
                cur.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


class SQLiteViewStore(ViewStore):
    """Views in their own SQLite file: one connection (the log's rule against the WAL-reset bug: no other
    writer or checkpointer), WAL with synchronous=NORMAL: a commit does not wait for the disk. Views
    are derived: a power cut may lose the last writes, which the runner then makes again from the log
    (the position is written in the same transaction as the results)."""

    def __init__(self, path: Path):
        self.path = path
        self.connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=60)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.RLock()  # one connection, many threads: one transaction at a time
        self.create()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.lock:
            cur = self.connection.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """A cursor on a read-only connection of its own, in one read transaction: a consistent view that
        neither waits for nor holds up the runner's writes (WAL readers see the last commit before them)."""
        own = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        try:
            cur = own.cursor()
            cur.execute("BEGIN")
            yield cur
            cur.execute("COMMIT")
        finally:
            own.close()

    def has_column(self, cur: Cursor, table: str, column: str) -> bool:
        cur.execute(f"PRAGMA table_info({table})")
        return any(row[1] == column for row in cur.fetchall())

    def guard_briefs(self, cur: Cursor) -> None:
        stale = STALE_BRIEF.format(comma=SQLITE_COMMA)
        cur.execute(f"CREATE TRIGGER IF NOT EXISTS sl_view_rows_brief AFTER UPDATE OF body ON sl_view_rows WHEN "  # noqa: S608
                    f"NEW.brief IS NOT NULL AND ({stale}) BEGIN UPDATE sl_view_rows SET brief = NULL "
                    "WHERE period = NEW.period AND subject = NEW.subject; END")

    def add_leaf_runs(self, cur: Cursor, runs: list[tuple[int, str]]) -> None:
        """Each run in one statement, its rows made by SQLite from the JSON array (issue 12: half the CPU of a
        row at a time, and no tuple per row in this process): the rows `add_leaves` writes."""
        if not self.json_each:
            super().add_leaf_runs(cur, runs)
            return
        for run in runs:
            cur.execute("INSERT INTO sl_view_leaves (position, digest) SELECT ? + key, value FROM json_each(?) "
                        "WHERE true ON CONFLICT (position) DO NOTHING", run)

    @functools.cached_property
    def json_each(self) -> bool:
        """Whether this SQLite has JSON (built in since 3.38, an option before)."""
        try:
            self.connection.execute("SELECT count(*) FROM json_each('[]')")
        except sqlite3.OperationalError:
            return False
        return True

    def close(self) -> None:
        self.connection.close()


class PostgresViewStore(ViewStore):
    """Views as tables beside the log in PostgreSQL; processes share them."""

    placeholder = "%s"
    blob = "BYTEA"
    collate = ' COLLATE "C"'
    row_locks = True

    leaf_form = "copy"

    def __init__(self, conninfo: str, create: bool = True):
        import psycopg

        self.conninfo = conninfo
        self.connection = psycopg.connect(conninfo, autocommit=False)
        self.lock = threading.RLock()  # one connection, many threads: one transaction at a time
        self.compression = self._compress_fast()
        if create:
            self.create()

    def _compress_fast(self) -> str:
        """Results compressed by lz4, not pglz, where the server has it (PostgreSQL 14 and later, built with it):
        this connection's default for the columns that name none (all of the views'). A province's 10,000 rows
        at 5% (108 MB of bodies) cost the server 0.87 s of CPU with pglz, 0.33 s with lz4 (issue 12: the views
        from zero, and every row the keeper rewrites). Only how a value is kept on disk: the values read back are
        the same bytes, and a row written either way reads either way. Returns the method in use."""
        with self.connection.transaction(), self.connection.cursor() as cur:
            cur.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cur.fetchone()
            if row is None or not row[0]:
                return "pglz"
            cur.execute("SET default_toast_compression = 'lz4'")  # the session's: kept after this transaction
        return "lz4"

    # Results in binary (issue 12): a bytea column comes as its bytes, not as hex text twice as long that the
    # client decodes (the first 1,000 rows of a province's rankings, ~11 MB of result bytes: 47 -> 32 ms);
    # every column the views read decodes to the same Python value either way.
    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.lock, self.connection.transaction(), self.connection.cursor(binary=True) as cur:
            yield cur

    def analyze(self, cur: Cursor, *tables: str) -> None:
        """ANALYZE, in the caller's transaction (it counts the rows that transaction wrote). Views written at once
        and never analysed (autovacuum comes later, if at all for a small table) let the planner take any index
        whose estimate ties: a subject's row as of a seal read by the group-order index, every row of the seal
        filtered (12 ms rather than 0.05 ms at the province's 5%)."""
        for table in tables:
            cur.execute(f"ANALYZE {table}")  # noqa: S608 - fixed table names

    def has_column(self, cur: Cursor, table: str, column: str) -> bool:
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s AND column_name = %s", (table, column))
        return cur.fetchone() is not None

    # Opening the views may have to change a table other processes use (a column, a trigger: a lock that waits for
    # every transaction on the table, while every query after it waits behind it). So the change gives up after
    # LOCK_WAIT and is tried again after a pause, ATTEMPTS times, letting the others' queries through between tries.
    LOCK_WAIT = "2s"
    ATTEMPTS = 30
    PAUSE_S = 1.0

    def create(self) -> None:
        import psycopg

        for attempt in range(self.ATTEMPTS):
            try:
                with self.lock, self.connection.transaction(), self.connection.cursor() as cur:
                    cur.execute(f"SET LOCAL lock_timeout = '{self.LOCK_WAIT}'")
                    # CREATE INDEX IF NOT EXISTS locks its table before it finds the index there: only when missing
                    cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                                "AND relname = ANY(%s)", (list(MADE),))
                    row = cur.fetchone()
                    if row is None or row[0] != len(MADE):
                        for statement in SCHEMA:
                            cur.execute(statement.format(blob=self.blob, collate=self.collate))
                    for table in BRIEFED:
                        if not self.has_column(cur, table, "brief"):
                            cur.execute(f"ALTER TABLE {table} ADD COLUMN brief {self.blob}")
                    self.guard_briefs(cur)
                return
            except psycopg.errors.LockNotAvailable:
                if attempt + 1 == self.ATTEMPTS:
                    raise
                time.sleep(self.PAUSE_S)

    def guard_briefs(self, cur: Cursor) -> None:
        """STALE_BRIEF's trigger, made when this schema has none (a trigger made on every open would lock the
        table each time)."""
        cur.execute("SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = "
                    "'sl_view_rows_brief' AND c.relname = 'sl_view_rows' "
                    "AND c.relnamespace = current_schema()::regnamespace")
        if cur.fetchone() is not None:
            return
        cur.execute("CREATE OR REPLACE FUNCTION sl_view_brief_cleared() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN NEW.brief := NULL; RETURN NEW; END $$")
        cur.execute("CREATE TRIGGER sl_view_rows_brief BEFORE UPDATE ON sl_view_rows FOR EACH ROW "
                    f"WHEN (NEW.brief IS NOT NULL AND ({STALE_BRIEF.format(comma=POSTGRES_COMMA)})) "
                    "EXECUTE FUNCTION sl_view_brief_cleared()")

    def add_rows(self, cur: Cursor, rows: list[tuple[str, str, str, int, int, bytes, bytes | None]]) -> None:
        """COPY in binary (issue 12: a province's rows at 5%, 108 MB, in a third of the server's and the client's
        CPU of the upserts, which also took one statement a row): the table has no row of a period when its
        views are built from zero (a row there makes the build fail, and the reference catch the views up, as
        for the leaves)."""
        with cur.copy("COPY sl_view_rows (period, subject, grp, place, position, body, brief) "  # type: ignore[attr-defined]
                      "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "int4", "int8", "bytea", "bytea"])
            for row in rows:
                copy.write_row(row)

    def add_leaves(self, cur: Cursor, leaves: list[tuple[int, str]]) -> None:
        """COPY: the table is empty when views are built from zero (a row there already makes the build fail,
        and the reference catch the views up)."""
        with cur.copy("COPY sl_view_leaves (position, digest) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in leaves:
                copy.write_row(row)

    def add_leaf_lines(self, cur: Cursor, lines: bytes) -> None:
        """The lines written as they came (the leaves process made them: no tuple a row in this process; a digest
        is hex, so no line needs escaping), in one COPY as `add_leaves`."""
        with cur.copy("COPY sl_view_leaves (position, digest) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(lines)

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """A cursor on a connection of its own in one repeatable-read, read-only transaction (a consistent view)."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as own, own.cursor(binary=True) as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield cur
            cur.execute("COMMIT")

    lead: Any = None  # the connection holding the keepers' advisory lock, in the process that leads

    def leads(self) -> bool:
        """Whether this process's keeper leads: it holds a session advisory lock (one per schema) on a
        connection of its own, taken by the first keeper that asks and given up only when the process (or
        that connection) ends, when the next keeper to ask takes it. The other processes' keepers leave the
        views to it between their rounds (issue 12: four processes each re-scored every touched group)."""
        import psycopg

        if self.lead is not None:
            try:
                self.lead.execute("SELECT 1")
                return True
            except psycopg.Error:
                self.lead = None
        try:
            own = psycopg.connect(self.conninfo, autocommit=True)
            taken = own.execute("SELECT pg_try_advisory_lock(hashtext(current_schema() || '.scoreledger-keeper'))")
            row = taken.fetchone()
        except psycopg.Error:
            return False
        if row is not None and row[0]:
            self.lead = own
            return True
        own.close()
        return False

    def close(self) -> None:
        if self.lead is not None:
            self.lead.close()
        self.connection.close()
