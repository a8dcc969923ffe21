"""When the bulk import's fast lane runs its checks in a worker process (service/bulk_pipe.py, issue 12):
with a CPU to itself only. Measured on two CPUs: 100,700-109,100 ev/s with the worker on an idle machine,
70,300-73,400 without; slower with it when the other CPU is busy (BENCHMARKS.md)."""

from __future__ import annotations

import os

import pytest

from service import bulk_pipe


@pytest.mark.parametrize(
    ("cpus", "load", "expected"),
    [
        (1, 0.0, False),  # no second CPU at all
        (2, 0.2, True),  # the other CPU idle
        (2, 1.4, True),  # this process's own load and a little more
        (2, 1.6, False),  # the other CPU busy with something else
        (2, 6.0, False),
        (4, 6.0, True),  # three or more: always
    ],
)
def test_a_worker_is_used_only_with_a_cpu_free_for_it(monkeypatch: pytest.MonkeyPatch, cpus: int, load: float,
                                                      expected: bool) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load), raising=False)
    assert bulk_pipe.worth_a_worker() is expected
