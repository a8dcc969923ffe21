"""A background thread that keeps the views caught up with the log.

Requests catch the views up when they write or read; this thread also catches up what other
processes appended (PostgreSQL) and what a burst left behind, so readiness and the lag figures
settle without traffic. The runner's own lock serialises it with the requests.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("scoreledger.keeper")


class ViewKeeper:
    """Calls runner.catch_up() every `interval` seconds until stopped."""

    def __init__(self, runner: Any, interval: float):
        self.runner, self.interval = runner, interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="scoreledger-view-keeper", daemon=True)

    def start(self) -> ViewKeeper:
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.runner.catch_up()
            except Exception:  # noqa: BLE001 - a failed round is logged and tried again next round
                log.exception("catching the views up failed; trying again in %s s", self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
