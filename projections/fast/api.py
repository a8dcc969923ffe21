"""The fast replay for its callers: results hashed, or canonical bytes spooled, with the reference behind.

Both return None when the fast path cannot vouch for the period (Unsure), before or while scoring it:
the caller then replays with the reference (replay/asof.py, projections/scoring.py), which gives the
same bytes for every period the fast path takes (tests/differential/).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from projections.fast.plan import Unsure
from projections.fast.replay import plan_replay

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
                   ) -> Iterator[bytes] | None:
    """The period's canonical bytes in pieces, spooled until the fast path has vouched for all of them (each
    run of groups in a temporary file the worker that scored it wrote), or None. A period scored in one run
    (the city: 76 subjects) is held whole here instead: its results were whole in this process anyway, and
    a temporary directory, a file written and read back and removed cost more than its replay's scoring
    on a busy disk (issue 12)."""
    directory: str | None = None
    try:
        replay = plan_replay(source, period, position, bureau, workers)
        try:
            heading = replay.heading()
            if len(replay.runs) == 1:
                return _held(heading, replay.joined(0))
            directory = tempfile.mkdtemp(prefix="scoreledger-fast-")
            files = replay.spooled(directory)
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
    return _read(heading, files, directory)


def _held(heading: bytes, body: bytes) -> Iterator[bytes]:
    """`_read` of one run's bytes held in memory."""
    yield heading
    if body:
        yield body
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
