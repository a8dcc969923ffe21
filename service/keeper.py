"""A background thread that keeps the views caught up with the log.

Reads catch the views up before they read; a recording request only folds its events and scores its
subjects (read your writes), and wakes this thread, which ranks, grades and writes the groups touched
by every request of the last moment in one transaction. It also catches up what other processes
appended (PostgreSQL) and what a burst left behind, so readiness and the lag figures settle without
traffic. The runner's own lock serialises it with the requests.

With several processes on one PostgreSQL store, one keeper leads (ViewStore.leads: an advisory lock) and
writes the groups the requests touched a moment after them (and what every process appended, every
interval); the others only fold the log every interval, and any read there catches the views up first as
before (finding them written by the leader, it scores nothing again).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("scoreledger.keeper")
LEAD_CHECK = 10.0  # seconds between two looks at which process's keeper leads (PostgreSQL)
GATHER = 0.2  # seconds a wake-up waits, so that the writes of concurrent requests share one view write


class ViewKeeper:
    """Calls runner.catch_up() every `interval` seconds, and soon after a request folded events, until stopped."""

    def __init__(self, runner: Any, interval: float):
        self.runner, self.interval = runner, interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="scoreledger-view-keeper", daemon=True)

    def start(self) -> ViewKeeper:
        self.thread.start()
        return self

    def _run(self) -> None:
        woken: threading.Event | None = getattr(self.runner, "unwritten", None)
        views = getattr(self.runner, "views", None)
        leading, asked = True, 0.0
        while not self.stopping.is_set():
            if woken is not None and views is not None and time.monotonic() >= asked:
                leading, asked = self._leads(views), time.monotonic() + LEAD_CHECK
            # another process's keeper writes what the requests fold: this one catches up every interval
            unwritten = woken if leading else None
            if unwritten is not None and unwritten.wait(self.interval):
                unwritten.clear()
                if self.stopping.wait(GATHER):
                    return
            elif self.stopping.wait(0 if unwritten is not None else self.interval):
                return
            try:
                if leading:
                    self.runner.catch_up()
                else:  # folded only: the leader writes the views (a read here still writes what they lack)
                    self.runner.catch_up(write=False)
            except Exception:  # noqa: BLE001 - a failed round is logged and tried again next round
                log.exception("catching the views up failed; trying again in %s s", self.interval)

    @staticmethod
    def _leads(views: Any) -> bool:
        try:
            return bool(views.leads())
        except Exception:  # noqa: BLE001 - cannot tell: keep writing as every process did
            log.exception("could not tell whether this process's view keeper leads")
            return True

    def stop(self) -> None:
        self.stopping.set()
        if getattr(self.runner, "unwritten", None) is not None:
            self.runner.unwritten.set()
        self.thread.join(timeout=30)
