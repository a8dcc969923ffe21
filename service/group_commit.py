"""Group commit: one writer per process appends the recording commands waiting at that moment together.

One fact per request cost a transaction (and, on SQLite, a turn at the one write lock) per fact, and a
thread per waiting request (issue 12). The writer takes every command queued while it was busy, lets the
ledger decide them one after another (Ledger.run_group: each checked against everything stored and
everything accepted before it, a refused one refused alone) and saves the accepted ones in one
transaction. A request awaits its own answer on an asyncio future without holding a thread; `then` (read
your writes) runs after the commit, so the answer carries the totals with its facts in them.

The answers are a second stage (issue 12): `then` and the settling of the futures run on a thread of their
own, in the order the groups were saved, while the writer decides and saves the next group (on SQLite the
writer spent about a third of its time waiting for the commit's fsync, with the GIL free, and a fifth on the
answers). A group's answers go to each event loop in one call (one wake-up of the loop, not one per request).

The writer waits a moment for the requests of its last group to come back (issue 12, thirteenth round): with 8
clients the groups held 2-4 requests, alternating a few large ones with a lone request that arrived while the large
one was being decided and was taken alone the moment the writer was free, while the large group's clients were
still being answered. Each group pays its own COMMIT with its fsync, its read of the streams and keys and its
hand-offs between threads. So when fewer requests are waiting than its last group held, the writer waits up to
LINGER for as many (its last group's clients, answered, sending their next requests), and no longer once they are
there; it never waits when as many are waiting, nor for a lone client (a group of one waits for nobody), nor after
a quiet spell (the first request came QUIET or more after the writer was free: the last group's clients are not
coming right back, and a request of sporadic traffic is not held for them).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import ScoreledgerError
from service.errors import SavedUnanswered
from service.ledger import Command, LedgerBase, keyed_answer, untold
from service.messages import say

log = logging.getLogger("scoreledger.group_commit")
GROUP_LIMIT = 64  # commands per transaction: enough to empty the queue of a few dozen clients
LINGER = 0.003  # seconds the writer waits at most for its last group's clients to come back (see above)
QUIET = 0.05  # seconds without a request after which the writer no longer expects its last group's clients
CLOSE_WAIT = 30.0  # seconds close waits for the writer, then for the answers
RETRY_AFTER = 5  # seconds a request refused while the service closes is told to wait


class WriterClosed(ScoreledgerError, RuntimeError):
    """A command submitted after the writer was closed (the ledger under it may be closed too): answered 503 with
    Retry-After (issue 12 review: a generic 500 before)."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Job:
    command: Command
    then: Callable[[dict[str, Any]], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class GroupWriter:
    """The writer loop of one process (a daemon thread started by the first command)."""

    def __init__(self, ledger: LedgerBase, limit: int = GROUP_LIMIT, linger: float = LINGER,
                 quiet: float = QUIET) -> None:
        self.ledger = ledger
        self.limit = limit
        self.linger, self.quiet = linger, quiet
        self._last = 0  # commands in the last group given to the answers: the requests expected back soon
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._answers: queue.SimpleQueue[tuple[list[_Job], list[Any]] | None] = queue.SimpleQueue()
        self._answerer: threading.Thread | None = None
        self._answers_stopped = False  # a stop is queued for the answering thread: the next answers need another
        self._closed = False

    def submit(self, command: Command, then: Callable[[dict[str, Any]], Any] = lambda r: r) -> asyncio.Future[Any]:
        """Queue a command (from the event loop); the future gets `then(result)` or the command's error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._start:
            if self._closed:
                future.set_exception(WriterClosed(say("error.writer_closed", seconds=RETRY_AFTER)))
                return future
            self._running()
            self._queue.put(_Job(command, then, loop, future))
        return future

    def close(self, wait: float | None = None) -> bool:
        """Finish the commands queued and answer them, then stop. False when the writer (or the answers) did not
        finish within `wait` seconds: the ledger must then stay open (the writer still saves, and its last
        group is still answered; the answer stage stops after it, as the writer queues that stop itself)."""
        wait = CLOSE_WAIT if wait is None else wait
        with self._start:
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(None)  # after every job queued before close: submit queues under the same lock
        if thread is None:
            self._answers.put(None)  # no writer ever ran: nothing else will queue the answers' stop
        while thread is not None:
            thread.join(timeout=wait)
            if thread.is_alive():
                log.error("the group commit writer did not stop within %s s; the ledger stays open under it", wait)
                return False
            with self._start:  # a writer that failed started another for the jobs queued behind it
                thread = self._thread if self._thread is not thread else None
        answerer = self._answerer
        if answerer is not None:
            answerer.join(timeout=wait)
            if answerer.is_alive():
                log.error("the group commit answers did not finish within %s s", wait)
                return False
        return True

    def _running(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
            self._thread.start()

    def _answering(self) -> None:
        with self._start:
            stopped = self._answerer if self._answers_stopped else None
        if stopped is not None:
            stopped.join()  # it answers what it was handed before its stop, then ends: another answers from here
        with self._start:
            if self._answerer is None or not self._answerer.is_alive():
                self._answerer = threading.Thread(target=self._answer_loop, name="group-answers", daemon=True)
                self._answerer.start()
                self._answers_stopped = False

    def _answer_loop(self) -> None:
        while True:
            saved = self._answers.get()
            if saved is None:
                return
            try:
                self.answer(*saved)
            except Exception:  # noqa: BLE001 - never lose the thread (answer settles every job it can)
                log.exception("answering a group failed")

    def _loop(self) -> None:
        """Take the queued jobs a group at a time until the queue says stop. Whatever happens, the answers' stop
        is queued behind the last group this writer gave them (review, issue 12: an error `commit` does not catch
        left the answering thread, and `close`, waiting); the jobs it held when it failed are answered that their
        outcome is unknown (the group may have been saved), and another writer takes the jobs queued behind."""
        held: list[_Job] = []  # taken from the queue, not yet handed to the answers
        stop = failed = False
        try:
            while not stop:
                free = time.monotonic()
                job = self._queue.get()
                if job is None:
                    return
                if time.monotonic() - free >= self.quiet:
                    self._last = 0  # a quiet spell: the last group's clients are not coming right back
                held = [job]
                stop = self._waiting(held) or self._lingering(held)
                self.commit(held)
                self._last = len(held)
                held = []
        except BaseException as error:  # noqa: BLE001 - logged; this writer ends, another takes the queue
            failed = True
            log.critical("the group commit writer failed; %d request(s) told the outcome is unknown", len(held),
                         exc_info=True)
            if held:
                self._answering()
                self._answers.put((held, [untold(job.command, error) for job in held]))
        finally:
            with self._start:
                self._answers.put(None)  # the answers' stop, behind the last group this writer gave them
                self._answers_stopped = True
                if failed and not stop and self._thread is threading.current_thread():
                    self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
                    self._thread.start()

    def _waiting(self, jobs: list[_Job]) -> bool:
        """Add the jobs queued behind the first (up to the limit); True when the queue says stop."""
        while len(jobs) < self.limit:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return True
            jobs.append(job)
        return False

    def _lingering(self, jobs: list[_Job]) -> bool:
        """Wait up to `linger` while fewer jobs are held than the last group had (its clients, answered, send their
        next requests), adding each queued meanwhile; True when the queue says stop (the jobs held are committed
        then, as always)."""
        wanted = min(self._last, self.limit)
        if len(jobs) >= wanted or self.linger <= 0:
            return False
        until = time.monotonic() + self.linger
        while len(jobs) < wanted:
            left = until - time.monotonic()
            if left <= 0:
                return False
            try:
                job = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if job is None:
                return True
            jobs.append(job)
            if self._waiting(jobs):
                return True
        return False

    def commit(self, jobs: list[_Job]) -> None:
        """Decide and save the jobs' commands together; their answers follow on the answering thread."""
        try:
            outcomes: list[Any] = self.ledger.run_group([job.command for job in jobs])
        except Exception as failed:  # noqa: BLE001 - the store failed: every request of the group hears it
            outcomes = [failed] * len(jobs)
        self._answering()
        self._answers.put((jobs, outcomes))

    @staticmethod
    def answer(jobs: list[_Job], outcomes: list[Any]) -> None:
        """Each job's own outcome (`then` of a saved one), handed to its event loop: one call per loop."""
        settled: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for job, outcome in zip(jobs, outcomes, strict=True):
            if not isinstance(outcome, Exception):
                try:
                    outcome = job.then(outcome)
                except Exception as failed:  # noqa: BLE001 - appended already: a 500 saying so, never a refusal
                    log.exception("a saved request's answer could not be made")
                    outcome = unanswered(job.command, failed)
            settled.setdefault(job.loop, []).append((job.future, outcome))
        for loop, answers in settled.items():
            try:
                loop.call_soon_threadsafe(_settle, answers)
            except RuntimeError:  # its event loop is closed: nobody awaits it, the others still do
                continue


def _settle(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, outcome in answers:
        if future.cancelled():  # the client went away; what was appended stays appended
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def unanswered(command: Command, cause: Exception) -> SavedUnanswered:
    """The answer of a saved command whose `then` failed: a keyed one is sent again with its key for its answer (its
    record answers it, nothing is saved twice); a keyless one is not to be sent again (review, issue 12)."""
    return keyed_answer(SavedUnanswered, command, "error.saved_unanswered", cause)
