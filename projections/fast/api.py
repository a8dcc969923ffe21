"""The fast replay for its callers: results hashed, or canonical bytes spooled, with the reference behind.

Both return None when the fast path cannot vouch for the period (Unsure), before or while scoring it:
the caller then replays with the reference (replay/asof.py, projections/scoring.py), which gives the
same bytes for every period the fast path takes (tests/differential/).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from typing import Any

from projections.fast.plan import Unsure
from projections.fast.replay import plan_replay

log = logging.getLogger("scoreledger.fast")
SPOOL_IN_MEMORY = 64 * 2**20


def fast_hashes(source: Any, period: str, position: int | None, bureau: str, workers: int) -> Any:
    """projections.scoring.Hashes of the period's results (whole, per subject, per group), or None."""
    from projections.scoring import Hashes

    try:
        replay = plan_replay(source, period, position, bureau, workers)
    except Unsure as exc:
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    try:
        return Hashes(*replay.hashes())
    except Unsure as exc:
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    finally:
        replay.close()


def fast_canonical(source: Any, period: str, position: int | None, bureau: str, workers: int
                   ) -> Iterator[bytes] | None:
    """The period's canonical bytes in pieces, spooled until the fast path has vouched for all of them
    (in memory up to SPOOL_IN_MEMORY, then in a temporary file), or None."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed to the reader
    try:
        replay = plan_replay(source, period, position, bureau, workers)
        try:
            for piece in replay.chunks():
                spool.write(piece)
        finally:
            replay.close()
    except Unsure as exc:
        spool.close()
        log.info("fast replay of %s not vouched for (%s): the reference replays it", period, exc)
        return None
    spool.seek(0)
    return _read(spool)


def _read(spool: Any, size: int = 8 * 2**20) -> Iterator[bytes]:
    with spool:
        while piece := spool.read(size):
            yield piece
