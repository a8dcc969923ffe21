"""When the bulk import's fast lane runs its checks in a worker process (service/bulk_pipe.py, issue 12):
with a CPU to itself only. Measured on two CPUs: 100,700-109,100 ev/s with the worker on an idle machine,
70,300-73,400 without; slower with it when the other CPU is busy (BENCHMARKS.md).

What is free is read now, from the CPUs' idle time in /proc/stat over a short window (`CpuSample`), not
from the 1-minute load average, which lags by a minute and still counted the bench's previous step (the
full-scale import ran without its worker at load 2.3 on an idle machine). Here the readings are injected."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from service import bulk_pipe

HZ = bulk_pipe._HZ
WINDOW = 0.15


def _inject(monkeypatch: pytest.MonkeyPatch, cpus: int, idle: float | None, own: float,
            load: float = 9.0) -> None:
    """A window of WINDOW seconds on `cpus` CPUs in which `idle` CPUs' worth of time was idle (None: no
    /proc/stat) and this process used `own` CPUs' worth; the load average says `load`."""
    ticks = WINDOW * HZ
    readings: Iterator[tuple[int, int] | None] = iter(
        [None, None] if idle is None else [(1000, 10_000), (1000 + round(idle * ticks), 10_000 + round(cpus * ticks))])
    seconds = iter([5.0, 5.0 + own * WINDOW])
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(bulk_pipe, "_proc_stat", lambda _cpus: next(readings))
    monkeypatch.setattr(bulk_pipe, "_own_seconds", lambda: next(seconds))
    monkeypatch.setattr(bulk_pipe, "WINDOW", 0.0)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load), raising=False)


@pytest.mark.parametrize(
    ("cpus", "idle", "own", "expected"),
    [
        (1, 1.0, 0.0, False),  # no second CPU at all
        (2, 2.0, 0.0, True),  # both idle (this process waiting)
        (2, 1.0, 1.0, True),  # this process on one, the other idle: the case the load average got wrong
        (2, 0.5, 1.0, True),  # the other half busy: the worker still gets most of it
        (2, 0.3, 1.0, False),  # the other mostly busy with something else
        (2, 0.0, 1.0, False),  # the other busy with something else
        (2, 0.0, 0.0, False),  # both busy with others
        (4, 1.0, 1.0, True),  # four CPUs, two busy with others
        (4, 0.0, 1.0, False),  # four CPUs, the other three busy (the load average rule said yes to any three)
    ],
)
def test_a_worker_is_used_only_with_a_cpu_free_for_it_now(monkeypatch: pytest.MonkeyPatch, cpus: int, idle: float,
                                                          own: float, expected: bool) -> None:
    _inject(monkeypatch, cpus, idle, own, load=0.0 if not expected else 9.0)  # the load average is not read
    assert bulk_pipe.worth_a_worker(bulk_pipe.CpuSample()) is expected


@pytest.mark.parametrize(
    ("cpus", "load", "expected"),
    [
        (1, 0.0, False),
        (2, 0.2, True),  # the other CPU idle
        (2, 1.4, True),  # this process's own load and a little more
        (2, 1.6, False),  # the other CPU busy with something else
        (2, 6.0, False),
        (4, 6.0, True),  # three or more: always
    ],
)
def test_without_proc_stat_the_load_average_decides_as_before(monkeypatch: pytest.MonkeyPatch, cpus: int,
                                                              load: float, expected: bool) -> None:
    _inject(monkeypatch, cpus, None, 0.0, load)
    assert bulk_pipe.worth_a_worker(bulk_pipe.CpuSample()) is expected


def test_the_sample_reads_this_machines_cpus() -> None:
    """On Linux: a real window (this process idle in it) says how many of its CPUs were free."""
    if bulk_pipe._proc_stat(bulk_pipe._allowed()) is None:
        pytest.skip("no /proc/stat here")
    free = bulk_pipe.CpuSample().free()
    assert free is not None and 0.0 <= free <= len(bulk_pipe._allowed())
