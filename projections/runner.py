"""Keeps the views current: pages of the log folded, scored and written with their position.

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
    """Catches the views up with the log, one page per transaction."""

    def __init__(self, source: NotificationSource, views: ViewStore, page: int = 1000):
        self.source, self.views, self.page = source, views, page
        self.fold = LogFold()
        self.lock = threading.Lock()
        for batch in read_log(source, upto=views.position(), page=page):
            for record in batch:
                self.fold.apply(record)

    @property
    def position(self) -> int:
        return self.fold.position

    def catch_up(self, progress: Progress | None = None) -> int:
        """Process every event after the tracked position; returns the new position."""
        with self.lock:
            for batch in read_log(self.source, after=self.fold.position, page=self.page):
                touched = {key for record in batch if (key := self.fold.apply(record)) is not None}
                results = {}
                for key in sorted(touched):
                    body = canonical_bytes(score_input(self.fold, self.fold.periods[key]))
                    results[key] = (hashlib.sha256(body).hexdigest(), body)
                leaves = [(record.position, leaf_digest(record)) for record in batch]
                with self.views.transaction() as cur:
                    if self.views.position(cur, lock=self.views.row_locks) < batch[-1].position:
                        self.views.write_page(cur, batch[-1].position, results, leaves)
                if progress is not None:
                    progress(batch[-1].position)
            return self.fold.position

    def wait_for(self, position: int | None) -> int:
        """Read your writes: return once the views include the given position."""
        if position is None or self.fold.position < position:
            return self.catch_up()
        return self.fold.position
