"""As-of replays are bounded: one at a time per process, and only for the roles that need them.

A replay folds the whole log up to a position and scores what was asked (a city took 2.3 s and
hundreds of MB per request; four at once took a server from 349 MB to 960 MB). Reads as of a seal
never replay (the views keep what each seal fixed: projections/sealed.py); any other position takes
the process's one replay slot, waiting up to `Settings.replay_wait` seconds for it, then answers 503
with Retry-After. Only auditors, reviewers and administrators may ask for an as-of read at all
(service/queries.py), so nobody else can queue a replay.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from domain.errors import ScoreledgerError
from service.messages import say

RETRY_AFTER = 5  # seconds a client is told to wait before asking again
_SLOT = threading.BoundedSemaphore(1)


class ReplayBusy(ScoreledgerError):
    """Raised when another as-of replay holds this process's replay slot for longer than the wait."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER):
        super().__init__(message)
        self.retry_after = retry_after


@contextmanager
def replay_slot(wait: float) -> Iterator[None]:
    """Hold the process's one replay slot for the block; ReplayBusy when it is not free within `wait` s."""
    if not _SLOT.acquire(timeout=max(wait, 0.0)):
        raise ReplayBusy(say("error.replay_busy", seconds=RETRY_AFTER))
    try:
        yield
    finally:
        _SLOT.release()
