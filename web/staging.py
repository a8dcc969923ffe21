"""Uploaded sheets held between their preview and their confirmation, per person, by the file's SHA-256.

The person sees the preview of exactly these bytes; confirming records exactly these bytes again
(checked against the SHA-256 the preview showed). Held in memory a while and never written to disk:
an upload is not a record until it is confirmed into the ledger.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from service.errors import NotFound
from service.sheets.importing import Upload

KEEP_SECONDS = 2 * 3600
PER_PERSON = 4  # files one person may have waiting
TOTAL_BYTES = 256 * 1_048_576


@dataclass
class Staged:
    """One uploaded file of one person for one period, and its preview once made."""

    owner: str
    period: str
    upload: Upload
    preview: dict[str, Any] | None = None
    result: dict[str, Any] | None = None  # what confirming recorded (or had recorded before: `replayed`)
    confirming: dict[int, str] = field(default_factory=dict)  # `again` -> the job confirming it: one per choice
    at: float = field(default_factory=time.monotonic)


class Staging:
    """The uploads waiting for confirmation."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], Staged] = {}
        self.lock = threading.Lock()

    def put(self, owner: str, period: str, upload: Upload) -> Staged:
        """Hold the upload; the same file uploaded again after it was recorded starts afresh."""
        with self.lock:
            self._forget(owner)
            staged = Staged(owner, period, upload)
            self.files[(owner, upload.sha256)] = staged
            return staged

    def get(self, owner: str, period: str, sha256: str) -> Staged:
        """The person's upload with that SHA-256 for the period (NotFound: expired, or never uploaded)."""
        staged = self.files.get((owner, sha256.lower()))
        if staged is None or staged.period != period or time.monotonic() - staged.at > KEEP_SECONDS:
            raise NotFound(f"no uploaded file {sha256[:12]} is waiting for confirmation")
        if hashlib.sha256(staged.upload.data).hexdigest() != sha256.lower():
            raise NotFound(f"no uploaded file {sha256[:12]} is waiting for confirmation")
        return staged

    def drop(self, owner: str, sha256: str) -> None:
        with self.lock:
            self.files.pop((owner, sha256.lower()), None)

    def _forget(self, owner: str) -> None:
        now = time.monotonic()
        for key in [k for k, s in self.files.items() if now - s.at > KEEP_SECONDS]:
            del self.files[key]
        mine = sorted((s.at, k) for k, s in self.files.items() if k[0] == owner)
        for _, key in mine[: max(0, len(mine) - PER_PERSON + 1)]:
            del self.files[key]
        held = sorted((s.at, k, len(s.upload.data)) for k, s in self.files.items())
        while held and sum(size for *_, size in held) > TOTAL_BYTES:
            del self.files[held.pop(0)[1]]
