"""Long work behind a page (a large import's preview and confirmation, an export of a city's rankings)
run as jobs in a worker thread; the page shows their progress and htmx polls it.

Why polling and not a streamed response: a job keeps running when the person reloads or leaves the
page, its progress reads the same through any proxy (a streamed page is often held back by nginx's
buffering until it ends), and an export ends in an ordinary file download, which a streamed HTML
page cannot turn into. Jobs live in this process's memory: they are work in progress, not records
(nothing a job does is kept anywhere but in the ledger it records to).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ScoreledgerError
from service.errors import NotFound

KEEP_SECONDS = 3600  # a finished job (and its file) is kept this long
WORKERS = 2


@dataclass(frozen=True)
class File:
    """A job's result to download."""

    body: bytes
    name: str
    media_type: str


@dataclass
class Job:
    """One piece of long work of one signed-in person: its progress and, when done, where to go next."""

    id: str
    owner: str
    title: str
    done: int = 0
    total: int = 0
    state: str = "running"  # running, done, failed
    next: str | None = None  # the page to show when done
    file: File | None = None
    error: ScoreledgerError | None = None
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    @property
    def percent(self) -> int:
        if self.state != "running":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    def view(self) -> dict[str, Any]:
        """What the job page (and its JSON twin) shows."""
        return {"job": self.id, "title": self.title, "state": self.state, "done": self.done, "total": self.total,
                "percent": self.percent, "next": self.next,
                "file": self.file.name if self.file is not None else None}


Work = Callable[[Job], None]  # does the work, reporting through job.progress, setting job.next or job.file


class Jobs:
    """The jobs of this process, run on a small pool of threads."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.jobs: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scoreledger-job")
        self.lock = threading.Lock()

    def start(self, owner: str, title: str, work: Work) -> Job:
        """Start work for its owner; the job's page follows it."""
        job = Job(secrets.token_urlsafe(12), owner, title)
        with self.lock:
            self._forget_old()
            self.jobs[job.id] = job
        self.pool.submit(self._run, job, work)
        return job

    def get(self, owner: str, job_id: str) -> Job:
        """The owner's job (another person's job is as absent as one that never was)."""
        job = self.jobs.get(job_id)
        if job is None or not secrets.compare_digest(job.owner, owner):
            raise NotFound(f"job {job_id} does not exist")
        return job

    def wait(self, job: Job, seconds: float = 60) -> Job:
        """Block until the job ends (tests and the command line; the pages poll instead)."""
        ends = time.monotonic() + seconds
        while job.state == "running" and time.monotonic() < ends:
            time.sleep(0.02)
        return job

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job, work: Work) -> None:
        try:
            work(job)
            job.state = "done"
        except ScoreledgerError as exc:
            job.error, job.state = exc, "failed"
        except Exception as exc:  # noqa: BLE001 - a job must end, whatever its work raised
            job.error, job.state = ScoreledgerError(f"the work failed: {type(exc).__name__}"), "failed"
        finally:
            job.ended = time.monotonic()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, j in self.jobs.items() if j.ended is not None and now - j.ended > KEEP_SECONDS]:
            del self.jobs[key]
