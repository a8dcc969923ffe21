"""A period's whole results as a stream of canonical bytes: no request holds a province in memory.

Now and as of a seal whose rows the views kept, the bytes are read a page of rows at a time in one
consistent read (projections/viewreads.Streamed). As of any other position the log is replayed in the
replay slot (service/replays.py), a run of groups at a time, into a temporary file; the slot is free again
before the file is sent, so a slow client never holds up other replays.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from projections.period_input import key_of
from replay.asof import canonical_as_of, position_at
from service.bootstrap import Service
from service.errors import NotFound
from service.messages import say
from service.positions import parse_as_of
from service.readers import kept_seal
from service.replays import replay_slot

CHUNK = 1 << 20  # bytes per piece sent from a replayed file


def stream(service: Service, code: str, as_of: str | None) -> tuple[int, Iterator[bytes]]:
    """The log position the results are as of, and their canonical bytes in pieces."""
    key = key_of(service.settings.bureau, code)
    seal = None
    service.runner.catch_up()
    if as_of is not None:
        seal = kept_seal(service, key, parse_as_of(as_of))
        if seal is None:
            return _replayed(service, code, as_of)
    streamed = service.views.stream(key, seal)
    if streamed is None:
        raise NotFound(say("error.period_no_results", period=code))
    return streamed.as_of, iter(streamed)


def _replayed(service: Service, code: str, as_of: str) -> tuple[int, Iterator[bytes]]:
    when = parse_as_of(as_of)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _sent once read
    try:
        with replay_slot(service.settings.replay_wait):
            source = service.ledger.recorder
            position = when if isinstance(when, int) else position_at(source, when)
            for piece in canonical_as_of(source, code, position, service.settings.bureau):
                spool.write(piece)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return position, _sent(spool)


def _sent(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while piece := spool.read(CHUNK):
            yield piece
