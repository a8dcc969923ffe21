"""What a backup holds on disk, and how it is read back: the manifest, the log's rows, the witness.

A backup is a directory:
- `manifest.json`: format, store, bureau, time, log position, event count, Merkle root over every row,
  periods and seals, and the SHA-256 and size of every other file;
- from SQLite: `log.sqlite` and `views.sqlite`, copies made with SQLite's online backup API
  (the views carry the witness digests that locate an edited row);
- from PostgreSQL: `log.jsonl` (one row a line: position, stream, version, topic, payload in base64)
  and `witness.jsonl`, a logical export.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from domain.errors import ScoreledgerError
from service.readonly import Notification, ReadOnlyLog, ReadOnlyViews

FORMAT = "scoreledger-backup/1"
MANIFEST = "manifest.json"


class BackupUnreadable(ScoreledgerError):
    """Raised when a directory is not a backup this version can read."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = orjson.loads((directory / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise BackupUnreadable(f"{directory} has no readable {MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupUnreadable(f"{directory / MANIFEST} is not a {FORMAT} manifest")
    return manifest


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    (directory / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def row_line(row: tuple[int, str, int, str, bytes]) -> bytes:
    position, stream, version, topic, state = row
    return orjson.dumps([position, stream, version, topic, base64.b64encode(state).decode()]) + b"\n"


class ListLog:
    """Rows read from a logical export, offered as a notification source."""

    def __init__(self, rows: list[Notification]):
        self.rows = rows

    def max_notification_id(self) -> int | None:
        return self.rows[-1].id if self.rows else None

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Any = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        low = (start or 0) - (1 if inclusive_of_start and start else 0)
        found = [r for r in self.rows if r.id > low and (stop is None or r.id <= stop)]
        return found[:limit]

    def close(self) -> None:
        self.rows = []


def _jsonl(path: Path) -> Iterator[Any]:
    with path.open("rb") as handle:
        for number, text in enumerate(handle, 1):
            try:
                yield orjson.loads(text)
            except orjson.JSONDecodeError:
                raise BackupUnreadable(f"{path.name} line {number} is not JSON") from None


def open_content(directory: Path) -> tuple[ReadOnlyLog | ListLog, list[tuple[int, str]]]:
    """The backup's rows (as a notification source) and its witness digests."""
    if (directory / "log.sqlite").is_file():
        log = ReadOnlyLog(directory / "log.sqlite")
        views = ReadOnlyViews(directory / "views.sqlite", log.pinned)
        try:
            return log, views.leaves()
        finally:
            views.close()
    if (directory / "log.jsonl").is_file():
        from uuid import UUID

        try:
            rows = [
                Notification(p, UUID(s), v, t, base64.b64decode(b)) for p, s, v, t, b in _jsonl(directory / "log.jsonl")
            ]
            witness = [(int(p), str(d)) for p, d in _jsonl(directory / "witness.jsonl")]
        except (ValueError, TypeError) as exc:
            raise BackupUnreadable(f"{directory} holds a malformed row: {exc}") from None
        return ListLog(sorted(rows)), witness
    raise BackupUnreadable(f"{directory} holds neither log.sqlite nor log.jsonl")
