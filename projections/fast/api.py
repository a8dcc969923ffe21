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
    run of groups in a temporary file the worker that scored it wrote), or None."""
    directory = tempfile.mkdtemp(prefix="scoreledger-fast-")
    try:
        replay = plan_replay(source, period, position, bureau, workers)
        try:
            heading = replay.heading()
            files = replay.spooled(directory)
        finally:
            replay.close()
    except Unsure as exc:
        shutil.rmtree(directory, ignore_errors=True)
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return _read(heading, files, directory)


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
