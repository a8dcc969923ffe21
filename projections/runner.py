"""Keeps the views current: pages of the log folded, scored and written with their position.

Pages that are already in the log when catching up are folded one after another and
written together, up to `chunk` events per transaction, so a period touched by every
page of a backlog is scored once per chunk rather than once per page.

On start the fold is rebuilt from the log up to the view's tracked position (folding is
cheap; nothing is re-scored) and catching up resumes from there. A rebuild from zero
gives byte-identical views: the engine is pure and the log is ordered.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from domain.canonical import canonical_bytes
from projections.leaves import leaf_digest
from projections.period_input import LogFold
from projections.records import NotificationSource, read_log
from projections.scoring import score_input
from projections.viewstore import ViewStore

Progress = Callable[[int], None]


class ProjectionRunner:
    """Catches the views up with the log, one transaction per chunk of pages (per page when keeping up)."""

    def __init__(self, source: NotificationSource, views: ViewStore, page: int = 1000, chunk: int = 100_000):
        self.source, self.views, self.page, self.chunk = source, views, page, chunk
        self.lock = threading.Lock()
        self._refold()

    def _refold(self) -> None:
        """Fold the log up to the position the views hold (folding is cheap; nothing is scored)."""
        self.fold = LogFold()
        for batch in read_log(self.source, upto=self.views.position(), page=self.page):
            for record in batch:
                self.fold.apply(record)

    @property
    def position(self) -> int:
        return self.fold.position

    def catch_up(self, progress: Progress | None = None) -> int:
        """Process every event after the tracked position; returns the new position."""
        with self.lock:
            try:
                touched: set[str] = set()
                leaves: list[tuple[int, str]] = []
                for batch in read_log(self.source, after=self.fold.position, page=self.page):
                    touched |= {key for record in batch if (key := self.fold.apply(record)) is not None}
                    leaves += [(record.position, leaf_digest(record)) for record in batch]
                    if len(leaves) >= self.chunk:
                        self._write(touched, leaves, progress)
                        touched, leaves = set(), []
                if leaves:
                    self._write(touched, leaves, progress)
            except Exception:
                self._refold()  # the views did not take what was folded: start again from what they hold
                raise
            return self.fold.position

    def _write(self, touched: set[str], leaves: list[tuple[int, str]], progress: Progress | None) -> None:
        """Score the touched periods once and write them with the leaves and the position, in one transaction."""
        results = {}
        for key in sorted(touched):
            body = canonical_bytes(score_input(self.fold, self.fold.periods[key]))
            results[key] = (hashlib.sha256(body).hexdigest(), body)
        position = leaves[-1][0]
        with self.views.transaction() as cur:
            if self.views.position(cur, lock=self.views.row_locks) < position:
                self.views.write_page(cur, position, results, leaves)
        if progress is not None:
            progress(position)

    def wait_for(self, position: int | None) -> int:
        """Read your writes: return once the views include the given position."""
        if position is None or self.fold.position < position:
            return self.catch_up()
        return self.fold.position
