"""Group commit: one writer per process appends the recording commands waiting at that moment together.

One fact per request cost a transaction (and, on SQLite, a turn at the one write lock) per fact, and a
thread per waiting request (issue 12). The writer takes every command queued while it was busy, lets the
ledger decide them one after another (Ledger.run_group: each checked against everything stored and
everything accepted before it, a refused one refused alone) and saves the accepted ones in one
transaction. A request awaits its own answer on an asyncio future without holding a thread; `then` (read
your writes) runs in the writer after the commit, so the answer carries the totals with its facts in them.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.ledger import Command, LedgerBase

GROUP_LIMIT = 64  # commands per transaction: enough to empty the queue of a few dozen clients


@dataclass(frozen=True)
class _Job:
    command: Command
    then: Callable[[dict[str, Any]], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class GroupWriter:
    """The writer loop of one process (a daemon thread started by the first command)."""

    def __init__(self, ledger: LedgerBase, limit: int = GROUP_LIMIT) -> None:
        self.ledger = ledger
        self.limit = limit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, command: Command, then: Callable[[dict[str, Any]], Any] = lambda r: r) -> asyncio.Future[Any]:
        """Queue a command (from the event loop); the future gets `then(result)` or the command's error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._running()
        self._queue.put(_Job(command, then, loop, future))
        return future

    def close(self) -> None:
        """Finish the commands queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _running(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs, stop = self._waiting(job)
            self.commit(jobs)
            if stop:
                return

    def _waiting(self, first: _Job) -> tuple[list[_Job], bool]:
        """The first job and those queued behind it (up to the limit); True when the queue says stop."""
        jobs = [first]
        while len(jobs) < self.limit:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
        return jobs, False

    def commit(self, jobs: list[_Job]) -> None:
        """Decide and save the jobs' commands together, then answer each with its own outcome."""
        try:
            outcomes = self.ledger.run_group([job.command for job in jobs])
        except Exception as failed:  # noqa: BLE001 - the store failed: every request of the group hears it
            outcomes = [failed] * len(jobs)
        for job, outcome in zip(jobs, outcomes, strict=True):
            if not isinstance(outcome, Exception):
                try:
                    outcome = job.then(outcome)
                except Exception as failed:  # noqa: BLE001 - appended already: a 500, never a refusal
                    outcome = failed
            try:
                job.loop.call_soon_threadsafe(_settle, job.future, outcome)
            except RuntimeError:  # its event loop is closed: nobody awaits it, the others still do
                continue


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.cancelled():  # the client went away; what was appended stays appended
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
