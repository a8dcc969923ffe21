"""A seal made by a process of its own (replay/fast_seal._apart by projections/fast/apart.py, PostgreSQL in a threaded service): when that
process dies without an answer (killed when memory runs out, say) while processes it forked still hold its end
of the pipe, the caller hears it at once and those processes are killed, rather than a publication that waits
forever beside orphans holding a connection (review of issue 12's fifth round)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from projections.fast import apart
from replay import fast_seal


def _forks_then_dies(sending: Any, job: Any, args: tuple[Any, ...], *rest: Any) -> None:
    """As `apart.run` starts (its own process group), a forked child inherits the pipe; then it is killed."""
    os.setpgid(0, 0)
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(600,), daemon=False)
    child.start()
    Path(args[1]).write_text(str(child.pid))  # the period: where to write
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (killed, not yet reaped by its new parent) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_a_seal_process_that_dies_without_an_answer_is_heard_and_its_children_killed(tmp_path: Path) -> None:
    where = tmp_path / "child.pid"
    outcome: list[BaseException | object] = []

    def publish() -> None:
        try:
            outcome.append(fast_seal._apart(None, str(where), "default", 1, 2, target=_forks_then_dies))  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - what the caller hears
            outcome.append(exc)

    caller = threading.Thread(target=publish, daemon=True)
    caller.start()
    caller.join(timeout=30)
    pid = int(where.read_text()) if where.exists() else None
    try:
        assert not caller.is_alive(), "the publication waits forever for a dead seal process"
        assert len(outcome) == 1 and isinstance(outcome[0], RuntimeError)
        assert "ended without an answer" in str(outcome[0])
        assert pid is not None
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the dead seal process's forked child is left running"
    finally:
        if pid is not None and _alive(pid):
            os.kill(pid, signal.SIGKILL)


class _Local(Exception):
    """Raised in the seal process; made unpicklable below (its reduction fails)."""

    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle this exception")


def _failing(*_: Any) -> Any:
    raise _Local("no pickle")


def test_an_exception_that_does_not_pickle_is_still_heard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_seal, "_parts", _failing)  # a forked process inherits it
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    worker = context.Process(target=apart.run, args=(sending, fast_seal._seal_parts, (None, "p", "default", 1, 1), {},
                                                     "the seal"))
    worker.start()
    sending.close()
    try:
        assert receiving.poll(20)
        heard = receiving.recv()
    finally:
        worker.join(timeout=20)
    assert isinstance(heard, RuntimeError) and "no pickle" in str(heard)
