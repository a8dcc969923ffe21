"""The fast replay of a period: index the log, plan the period, score runs of groups in worker processes.

The canonical bytes are the reference's: the heading, every subject's result in group and rank order
joined by commas, and `]}`. Workers are forked after the first pass (they share its fold) and each
reads its own groups' rows over a connection of its own; pieces come back in group order. A period
the plan cannot vouch for raises Unsure, possibly after some pieces were delivered: callers that
cannot take pieces back (projections/fast/api.py) hash or spool them and replay with the reference.
"""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from projections.collector import collector_paused
from projections.digests import Hashes, hashed
from projections.fast.index import index_log
from projections.fast.joint import admit_joint
from projections.fast.plan import NOT_A_RECORDER, NOT_IN_LOG, PeriodPlan, Unsure, plan_period
from projections.fast.reading import Reader, reader_for
from projections.fast.runs import score_run
from projections.groups import heading
from projections.leaves import RowLeaves
from projections.period_input import key_of

RUN = 2_000  # subjects per run of groups at most
GUIDE = 2  # a run is about the subjects left over GUIDE × workers (guided self-scheduling), RUN at most
PARALLEL_MIN_SUBJECTS = 2_000  # below this one process scores the period
_SHARED: dict[str, Any] = {}
Result = tuple[str, str, bytes]  # subject, group, canonical bytes


@dataclass
class FastReplay:
    """One period planned for the fast replay: its heading and its results, a run of groups at a time."""

    plan: PeriodPlan
    runs: list[list[str]]
    workers: int

    def heading(self) -> bytes:
        return heading(self.plan.scheme, self.plan.period)

    def close(self) -> None:
        self.plan.reader.close()

    def results(self) -> Iterator[list[Result]]:
        """Each run's subject results, in order."""
        if self.workers < 2 or len(self.runs) < 2 or not hasattr(os, "fork"):
            with collector_paused():
                for groups in self.runs:
                    yield score_run(self.plan, groups, self.plan.reader)
            return
        yield from _forked(self.plan, self.runs, self.workers)

    def with_leaves(self) -> Iterator[tuple[list[Result], bytes]]:
        """Each run's subject results, in order, with the witness leaves of the fact rows read to score them
        (`score_run`'s `kept`, as COPY's text lines: `RowLeaves.lines`), made by the process that read them."""
        if self.workers < 2 or len(self.runs) < 2 or not hasattr(os, "fork"):
            with collector_paused():
                for groups in self.runs:
                    yield _leafed(self.plan, groups, self.plan.reader)
            return
        yield from _forked(self.plan, self.runs, self.workers, _worker_leafed)

    def spooled(self, directory: str, digest: Any = None) -> list[tuple[str, int]]:
        """Each run's results joined by commas, written by the process that scored it to a file of its own
        in `directory`, in order: (path, size). The bytes never pass through this process (Unsure as for
        `results`; the caller removes the directory either way).

        `digest` (a hashlib object, the heading already in it): the runs are hashed into it as the canonical
        bytes run (joined by commas, `]}` last), each as soon as it and every run before it are written,
        while the workers score the later ones; so the caller need not read the bytes back to hash them
        (issue 12: the province's 2.16 GB were read back and hashed after the last run)."""
        jobs = [(index, groups, directory) for index, groups in enumerate(self.runs)]
        hashing = _Hashing(digest)
        if self.workers < 2 or len(self.runs) < 2 or not hasattr(os, "fork"):
            with collector_paused():
                return hashing.done([hashing.body(*_spooled(self.plan, self.plan.reader, job)) for job in jobs])
        import multiprocessing

        _SHARED["plan"] = self.plan  # inherited by the forked workers, never pickled
        try:
            with multiprocessing.get_context("fork").Pool(self.workers, initializer=_worker_start) as pool:
                return hashing.done([hashing.file(*found) for found in pool.imap(_worker_spool, jobs)])
        finally:
            _SHARED.clear()

    def bodies(self, index: int) -> list[bytes]:
        """One run's results in order (to be joined by commas), scored in this process (Unsure as for `results`)."""
        with collector_paused():
            return [body for _, _, body in score_run(self.plan, self.runs[index], self.plan.reader)]

    def chunks(self) -> Iterator[bytes]:
        """The canonical bytes in pieces (see the module's note on Unsure)."""
        yield self.heading()
        first = True
        for listed in self.results():
            if listed:
                yield (b"" if first else b",") + b",".join(body for _, _, body in listed)
                first = False
        yield b"]}"

    def hashes(self) -> Hashes:
        """SHA-256 of the canonical bytes (as `chunks` would give them), of each subject's result, and of each
        group's results joined by commas: what a seal and the views' hashes are made of.

        With workers, each hashes its runs' subjects and groups (a group lies in one run) and spools the run's
        bytes to a file of its own; this process reads the files back in order for the whole hash. No result
        is pickled to this process, and none waits here in a queue while it hashes (issue 12: the seal's
        parent held runs of results as they came)."""
        if self.workers < 2 or len(self.runs) < 2 or not hasattr(os, "fork"):
            return hashed(self.heading(), (result for listed in self.results() for result in listed))
        import multiprocessing
        import shutil
        import tempfile

        directory = tempfile.mkdtemp(prefix="scoreledger-hash-")
        jobs = [(index, groups, directory) for index, groups in enumerate(self.runs)]
        _SHARED["plan"] = self.plan  # inherited by the forked workers, never pickled
        try:
            with multiprocessing.get_context("fork").Pool(self.workers, initializer=_worker_start) as pool:
                return _joined(self.heading(), pool.imap(_worker_hash, jobs))
        finally:
            _SHARED.clear()
            shutil.rmtree(directory, ignore_errors=True)


def plan_replay(
    source: Any, period: str, position: int | None, bureau: str, workers: int, explained: bool = True
) -> FastReplay:
    """Index the log up to a position (None: its end) and plan the period, or raise Unsure; not
    `explained`: the results' summaries (every scorecard node's lines left out)."""
    reader = reader_for(source)
    if reader is None:
        raise Unsure(NOT_A_RECORDER)
    return plan_read(reader, period, position, bureau, workers, explained)


def plan_read(
    reader: Reader, period: str, position: int | None, bureau: str, workers: int, explained: bool = True
) -> FastReplay:
    """`plan_replay` from a reader of the log (in a process that has no recorder of its own); the reader is
    closed if the plan fails, else by the replay's `close`."""
    try:
        key = key_of(bureau, period)
        with collector_paused():  # the fold's objects all stay alive: nothing for the collector to find
            index = index_log(reader, position, key)
        if key not in index.fold.periods:
            raise Unsure(NOT_IN_LOG)  # the reference says so in its own words
        plan = plan_period(index, key, reader, index.position)
        plan.explained = explained
        admit_joint(plan)
    except BaseException:
        reader.close()
        raise
    size = len(plan.period.subjects)
    workers = workers if size >= PARALLEL_MIN_SUBJECTS else 1
    return FastReplay(plan, _runs(sorted(plan.members), plan.members, workers), workers)


def _runs(groups: list[str], members: dict[str, list[str]], workers: int) -> list[list[str]]:
    """Consecutive groups in runs that shrink as the period is handed out (guided: each run about the
    subjects not yet in a run over GUIDE × workers, at most RUN, at least one group). Runs are handed out
    in turn as workers free up, so the last ones decide how long one worker waits for the other: small
    last runs (a group or two) leave it little to wait, big first runs keep the runs few. One process takes
    runs of at most RUN subjects too: a run's rows and cards are held while it is scored, and the whole
    period in one run held the province's (a publication on PostgreSQL, scored in one process: 1,036 MB at 5%)."""
    remaining = sum(len(members[g]) for g in groups)
    runs: list[list[str]] = [[]]
    size, target = 0, _target(remaining, workers)
    for group in groups:
        if size >= target:
            runs.append([])
            size, target = 0, _target(remaining, workers)
        runs[-1].append(group)
        size += len(members[group])
        remaining -= len(members[group])
    return runs


def _target(remaining: int, workers: int) -> int:
    if workers < 2:
        return RUN  # nobody to wait for: runs of RUN subjects, only to bound what one run holds
    return max(1, min(RUN, -(-remaining // (workers * GUIDE))))


def _forked(plan: PeriodPlan, runs: list[list[str]], workers: int, job: Any = None) -> Iterator[Any]:
    import multiprocessing

    _SHARED["plan"] = plan  # inherited by the forked workers, never pickled
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_start) as pool:
            yield from pool.imap(job or _worker_run, runs)
    finally:
        _SHARED.clear()


def _worker_start() -> None:
    plan: PeriodPlan = _SHARED["plan"]
    _SHARED["reader"] = plan.reader.fresh()  # the parent's connection stays the parent's


def _worker_run(groups: list[str]) -> list[Result]:
    reader: Reader = _SHARED["reader"]
    with collector_paused():
        return score_run(_SHARED["plan"], groups, reader)


def _worker_leafed(groups: list[str]) -> tuple[list[Result], bytes]:
    with collector_paused():
        return _leafed(_SHARED["plan"], groups, _SHARED["reader"])


def _leafed(plan: PeriodPlan, groups: list[str], reader: Reader) -> tuple[list[Result], bytes]:
    kept: list[Any] = []
    results = score_run(plan, groups, reader, kept)
    return results, RowLeaves(reader.name).lines(kept)


def _worker_spool(job: tuple[int, list[str], str]) -> tuple[str, int]:
    with collector_paused():
        return _spool_run(_SHARED["plan"], _SHARED["reader"], job)


RunHashes = tuple[str, int, list[tuple[str, str]], list[tuple[str, str]]]  # path, size, subjects', groups' hashes


def _worker_hash(job: tuple[int, list[str], str]) -> RunHashes:
    with collector_paused():
        return _hash_run(_SHARED["plan"], _SHARED["reader"], job)


def _hash_run(plan: PeriodPlan, reader: Reader, job: tuple[int, list[str], str]) -> RunHashes:
    """A run's results spooled as `_spool_run` spools them (`_write_run`), with each subject's and each group's
    hash as projections.digests.hashed takes them (a group's hashed as its results joined by commas would be, a
    result at a time)."""
    index, groups, directory = job
    sha, subjects, hashing = hashlib.sha256, [], {}

    def hashed(listed: list[tuple[str, str, bytes]]) -> Iterator[bytes]:
        for subject, group, body in listed:
            subjects.append((subject, sha(body).hexdigest()))
            digest = hashing.get(group)
            if digest is None:
                digest = hashing[group] = sha()
            else:
                digest.update(b",")
            digest.update(body)
            yield body

    path = os.path.join(directory, f"run-{index:06d}")
    size = _write_run(path, hashed(score_run(plan, groups, reader)))
    return path, size, subjects, [(group, d.hexdigest()) for group, d in hashing.items()]


def _joined(head: bytes, runs: Iterator[RunHashes]) -> Hashes:
    """The period's Hashes from its runs' in order: the whole from the spooled bytes (each run read back as
    it comes, beside the workers), the others as given."""
    hashing, subjects, groups = _Hashing(hashlib.sha256(head)), {}, {}
    for path, length, subject_hashes, group_hashes in runs:
        subjects.update(subject_hashes)
        for group, digest in group_hashes:
            if group in groups:
                raise ValueError(f"group {group} scored in two runs")  # runs are whole groups (_runs)
            groups[group] = digest
        hashing.file(path, length)
        os.unlink(path)
    hashing.done([])
    return Hashes(hashing.digest.hexdigest(), subjects, groups)


def _spool_run(plan: PeriodPlan, reader: Reader, job: tuple[int, list[str], str]) -> tuple[str, int]:
    """A run scored in a worker, its results written to its file joined by commas (`_write_run`)."""
    index, groups, directory = job
    path = os.path.join(directory, f"run-{index:06d}")
    return path, _write_run(path, (body for _, _, body in score_run(plan, groups, reader)))


SPOOL_BUFFER = 2**20  # bytes: a worker's writes to its run's file go out this many at a time


def comma_joined(bodies: Iterable[bytes]) -> Iterator[bytes]:
    """A run's results as the pieces of their bytes joined by commas (each result, and a comma between two), never
    joined in memory: the spool's writer, the held run's hash and its reader take the same pieces."""
    first = True
    for body in bodies:
        if not first:
            yield b","
        first = False
        yield body


def _write_run(path: str, bodies: Iterator[bytes]) -> int:
    """Write a run's results to `path` joined by commas, through a buffer of SPOOL_BUFFER bytes, never joined in
    memory first (issue 12: a run's joined copy, up to tens of MB, was fresh memory each run, its pages faulted
    in and given back: a tenth of the workers' system time); the bytes written."""
    size = 0
    with open(path, "wb", buffering=SPOOL_BUFFER) as out:
        write = out.write
        for piece in comma_joined(bodies):
            write(piece)
            size += len(piece)
    return size


def _spooled(plan: PeriodPlan, reader: Reader, job: tuple[int, list[str], str]) -> tuple[str, bytes]:
    index, groups, directory = job
    body = b",".join([body for _, _, body in score_run(plan, groups, reader)])
    path = os.path.join(directory, f"run-{index:06d}")
    with open(path, "wb") as out:
        out.write(body)
    return path, body


class _Hashing:
    """Spooled runs hashed in order as they come (or nothing, without a digest): the canonical bytes'
    commas between the non-empty runs, and `]}` once every run is in."""

    def __init__(self, digest: Any):
        self.digest, self.first = digest, True

    def _comma(self, size: int) -> bool:
        if self.digest is None or not size:
            return False
        if not self.first:
            self.digest.update(b",")
        self.first = False
        return True

    def body(self, path: str, body: bytes) -> tuple[str, int]:
        """A run scored in this process: hashed from its bytes, still in hand."""
        if self._comma(len(body)):
            self.digest.update(body)
        return path, len(body)

    def file(self, path: str, size: int) -> tuple[str, int]:
        """A run a worker spooled, while the page cache holds it: mapped rather than read (no copy of the
        bytes: a fifth less CPU than reading them), and unmapped at once (a run's pages are all this process
        holds of it)."""
        if self._comma(size):
            with open(path, "rb") as spool, mmap.mmap(spool.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                if len(mapped) != size:
                    raise ValueError(f"{path}: {len(mapped)} bytes spooled, {size} written")
                self.digest.update(mapped)
        return path, size

    def done(self, files: list[tuple[str, int]]) -> list[tuple[str, int]]:
        if self.digest is not None:
            self.digest.update(b"]}")
        return files
