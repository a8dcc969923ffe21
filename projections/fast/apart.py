"""Work done by a spawned process of its own, which forks its workers (issue 12).

A process with other threads (a running service on PostgreSQL: the recorder's connection pool, its requests,
the view keeper) is never forked, since a lock another thread holds would stay held in the child; so there the
fast replay would score in one process. `apart` runs a job in a spawned process instead: it has no thread but
its own, opens its own connections and forks the scoring workers (and any process beside them) as the fast
replay does where nothing else runs. It leads a process group of its own, which what it forks joins.

Its answer comes back over a pipe. The processes it forks inherit its end of the pipe and of its sentinel, so its
death (killed by the kernel when memory runs out, say) is neither an end of file here nor a ready sentinel:
whether it still runs is asked while waiting, and when it ended without an answer its process group is killed
(no orphan keeps a connection and its memory) and the caller hears it. Used by the PostgreSQL seal
(replay/fast_seal.py) and the views built from zero (projections/runner.py)."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any

APART_MIN = 50_000  # events: a shorter log is done here (a spawned process costs ~0.5 s; the city's 12,900: 0.9 s)

# How this process sizes runs and splits the first pass: a spawned process imports the modules afresh.
TUNED = {"projections.fast.replay": ("RUN", "GUIDE", "PARALLEL_MIN_SUBJECTS"), "projections.fast.index": ("SPLIT",),
         "projections.fast.views": ("SMALL",)}


def tuned(more: dict[str, tuple[str, ...]] | None = None) -> dict[str, dict[str, Any]]:
    """The values of `TUNED` (and `more`) in this process, for the spawned one to set."""
    return {module: {name: getattr(importlib.import_module(module), name) for name in names}
            for module, names in {**TUNED, **(more or {})}.items()}


def apart(job: Callable[..., Any], args: tuple[Any, ...], what: str, values: dict[str, dict[str, Any]] | None = None,
          target: Callable[..., None] | None = None) -> Any:
    """`job(*args)` (a module's function, its arguments picklable) run by a spawned process of its own; its
    result, or its exception raised here. `what` names the work in the error when the process dies."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    # not a daemon: a daemonic process may not start the workers it forks
    worker = context.Process(target=target or run, args=(sending, job, args, tuned() if values is None else values,
                                                          what))
    worker.start()
    sending.close()
    try:
        made = _answer(receiving, worker, what)
    finally:
        receiving.close()
        worker.join(timeout=60)
        if worker.is_alive():  # pragma: no cover - it has answered; its workers are done
            worker.kill()
            worker.join()
    if isinstance(made, BaseException):
        raise made
    return made


def run(sending: Any, job: Callable[..., Any], args: tuple[Any, ...], values: dict[str, dict[str, Any]],
        what: str) -> None:
    """The spawned process: a process group of its own, the caller's tuning, the job's result or exception sent."""
    os.setpgid(0, 0)  # a process group of its own, which its forked processes join: `_answer` kills it whole
    for module, named in values.items():
        for name, value in named.items():
            setattr(importlib.import_module(module), name, value)
    try:
        sending.send(job(*args))
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            sending.send(exc)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text, then
            sending.send(RuntimeError(f"the process making {what} failed: {exc!r}"))
    finally:
        sending.close()


def _answer(receiving: Any, worker: Any, what: str) -> Any:
    """The spawned process's answer; its group killed and an error raised when it ended without one. (A process
    group's id is not given to a new process while the group has a member, so the kill cannot reach another
    group.)"""
    while not receiving.poll(0.5):
        if not worker.is_alive():
            if receiving.poll():  # it answered, then ended
                break
            _kill_group(worker.pid)
            raise RuntimeError(f"the process making {what} ended without an answer")
    try:
        return receiving.recv()
    except EOFError:
        _kill_group(worker.pid)
        raise RuntimeError(f"the process making {what} ended without an answer") from None


def _kill_group(leader: int | None) -> None:
    if leader is None:
        return
    try:
        os.killpg(leader, signal.SIGKILL)  # the group outlives its leader while a member lives: never reused then
    except (ProcessLookupError, PermissionError):
        pass


__all__ = ["APART_MIN", "apart", "tuned"]
