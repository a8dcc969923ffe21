"""A period scored in one run is held in memory by fast_canonical rather than spooled to a temporary file
(issue 12: a small period's replay spent more on the directory, the file and its removal than on scoring):
the same bytes as the reference, no temporary directory; several runs are spooled as before; a run the
fast path cannot vouch for still hands the period to the reference, leaving nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.workloads import build as workload_of
from bench.workloads import read
from projections.fast import api as fast_api
from projections.fast import replay as fast_replay
from projections.fast import runs as fast_runs
from projections.fast.api import fast_canonical
from projections.fast.plan import Unsure
from projections.period_input import key_of
from projections.scoring import canonical_chunks
from replay.asof import fold_log
from service.bootstrap import Service, build
from service.bulk import import_rows
from service.settings import Settings
from tests.signing import TEST_KEY

AT = "2026-04-01T09:00:00+08:00"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str]]:
    workload = workload_of("city", scale=0.2)  # three groups (series), as tests/differential/test_stores.py
    data = tmp_path_factory.mktemp("city")
    path = data / "facts.jsonl"
    workload.write(path)
    service = build(Settings(signing_key=TEST_KEY, data_dir=data / "store"))
    ledger, code = service.ledger, workload.period
    ledger.register_scheme(workload.scheme, "admin", AT)
    ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
    import_rows(ledger, code, read(path), "督查科", AT)
    yield service, code
    service.close()


def _reference(service: Service, code: str) -> bytes:
    fold, _ = fold_log(service.ledger.recorder)
    return b"".join(canonical_chunks(fold, fold.periods[key_of("default", code)]))


def _counted_directories(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    original = fast_api.tempfile.mkdtemp

    def mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(fast_api.tempfile, "mkdtemp", mkdtemp)
    return made


def test_one_run_is_held_and_gives_the_reference_bytes(city: tuple[Service, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    service, code = city
    made = _counted_directories(monkeypatch)
    pieces = fast_canonical(service.ledger.recorder, code, None, "default", 1)
    assert pieces is not None
    assert b"".join(pieces) == _reference(service, code)
    assert made == []  # nothing spooled


def test_several_runs_are_spooled_and_give_the_reference_bytes(city: tuple[Service, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    service, code = city
    monkeypatch.setattr(fast_replay, "RUN", 3)  # runs of a group or so
    made = _counted_directories(monkeypatch)
    pieces = fast_canonical(service.ledger.recorder, code, None, "default", 1)
    assert pieces is not None
    assert b"".join(pieces) == _reference(service, code)
    assert len(made) == 1 and not Path(made[0]).exists()  # spooled, and removed once read


def test_a_held_run_not_vouched_for_goes_to_the_reference(city: tuple[Service, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    service, code = city
    made = _counted_directories(monkeypatch)

    def unsure(*args: Any) -> Any:
        raise Unsure("on purpose")

    monkeypatch.setattr(fast_replay, "score_run", unsure)
    monkeypatch.setattr(fast_runs, "score_run", unsure)
    assert fast_canonical(service.ledger.recorder, code, None, "default", 1) is None
    assert made == []
