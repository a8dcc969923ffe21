"""The fast replay for its callers: results hashed, or canonical bytes spooled, with the reference behind.

Both return None when the fast path cannot vouch for the period (Unsure), before or while scoring it:
the caller then replays with the reference (replay/asof.py, projections/scoring.py), which gives the
same bytes for every period the fast path takes (tests/differential/).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from projections.fast.plan import Unsure
from projections.fast.replay import comma_joined, plan_replay

log = logging.getLogger("scoreledger.fast")


def fast_hashes(source: Any, period: str, position: int | None, bureau: str, workers: int) -> Any:
    """projections.digests.Hashes of the period's results (whole, per subject, per group), or None."""

    try:
        replay = plan_replay(source, period, position, bureau, workers)
    except Unsure as exc:
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    try:
        return replay.hashes()
    except Unsure as exc:
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    finally:
        replay.close()


def fast_canonical(source: Any, period: str, position: int | None, bureau: str, workers: int
                   ) -> Spooled | None:
    """The period's canonical bytes in pieces, spooled until the fast path has vouched for all of them (each
    run of groups in a temporary file the worker that scored it wrote), or None. Their SHA-256 is known
    before the first piece is read (`Spooled.sha256`): hashed as the runs came, beside the workers. A period
    scored in one run (the city: 76 subjects) is held whole here instead: its results were whole in this
    process anyway, and a temporary directory, a file written and read back and removed cost more than its
    replay's scoring on a busy disk (issue 12)."""
    directory: str | None = None
    try:
        replay = plan_replay(source, period, position, bureau, workers)
        try:
            heading = replay.heading()
            digest = hashlib.sha256(heading)
            if len(replay.runs) == 1:
                bodies = replay.bodies(0)
                for piece in comma_joined(bodies):  # a run's bytes, as `_Hashing` takes them (issue 12: not joined)
                    digest.update(piece)
                digest.update(b"]}")
                return Spooled(heading, [], None, digest.hexdigest(), held=bodies)
            directory = tempfile.mkdtemp(prefix="scoreledger-fast-")
            files = replay.spooled(directory, digest)
        finally:
            replay.close()
    except Unsure as exc:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    except BaseException:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return Spooled(heading, files, directory, digest.hexdigest())


class Spooled(Iterator[bytes]):
    """A fast replay's canonical bytes, spooled: read in pieces (the files are removed once read or closed),
    with their SHA-256 (`sha256`) and length (`size`) known beforehand."""

    def __init__(self, heading: bytes, files: list[tuple[str, int]], directory: str | None, sha256: str,
                 held: list[bytes] | None = None):
        self.sha256, self.directory = sha256, directory
        if held is not None or directory is None:  # one run, held in this process (no spool)
            bodies = held or []
            self.size = len(heading) + sum(map(len, bodies)) + max(0, len(bodies) - 1) + 2
            self._pieces = _held(heading, bodies)
            return
        nonempty = sum(1 for _, length in files if length)
        self.size = len(heading) + sum(length for _, length in files) + max(0, nonempty - 1) + 2
        self._pieces = _read(heading, files, directory)

    def __iter__(self) -> Spooled:
        return self

    def __next__(self) -> bytes:
        return next(self._pieces)

    def close(self) -> None:
        """The spool removed, read or not."""
        self._pieces.close()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __del__(self) -> None:
        # dropped unread (a caller that only wanted the hash, or failed before reading): a generator that never
        # started runs no `finally`, so the spool would stay behind
        if getattr(self, "_pieces", None) is not None:
            self.close()


def _held(heading: bytes, bodies: list[bytes]) -> Iterator[bytes]:
    """`_read` of one run's results held in memory: each result a piece, the commas between them pieces too."""
    yield heading
    yield from comma_joined(bodies)
    yield b"]}"


def _read(heading: bytes, files: list[tuple[str, int]], directory: str, size: int = 8 * 2**20) -> Iterator[bytes]:
    try:
        yield heading
        first = True
        for path, length in files:
            if not length:
                continue
            if not first:
                yield b","
            first = False
            with open(path, "rb") as spool:
                while piece := spool.read(size):
                    yield piece
        yield b"]}"
    finally:
        shutil.rmtree(directory, ignore_errors=True)
