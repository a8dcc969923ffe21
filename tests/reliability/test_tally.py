"""The reliability runs' check can fail: a duplicated, lost, half-stored or unknown fact, or one stored after
its request was refused, is each caught (injected here on purpose, in process, without a server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.bootstrap import Service, build
from service.settings import Settings
from tests.reliability.checks import tally
from tests.reliability.harness import ROOT, Ledger

AT = "2026-04-01T09:00:00+08:00"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = build(Settings(data_dir=tmp_path / "data"))
    built.ledger.register_scheme(load_scheme_file(ROOT / "schemes" / "zjg.yaml"), "admin", AT)
    built.ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
    people = [Subject(id=f"s{i:03d}", name=f"科室{i}", kind="department") for i in range(1, 4)]
    built.ledger.register_subjects("2026-Q1", people, "admin", AT)
    yield built
    built.close()


def send(service: Service, ledger: Ledger, key: str, evidence: list[str], acknowledge: bool = True) -> list[str]:
    """Record a request of one fact per evidence, as the server would, and note what the client saw."""
    facts = [{"type": "deduction", "item": "4.4", "subject": "s001", "evidence": e} for e in evidence]
    ledger.attempted[key] = evidence
    ids = [str(i) for i in service.ledger.record_facts("2026-Q1", facts, "督查科", AT, key=key)["facts"]]
    if acknowledge:
        ledger.acknowledged[key] = ids
    else:
        ledger.pending.add(key)
    return ids


def test_a_clean_run_is_ok_and_an_unanswered_request_stored_whole_is_only_counted(service: Service) -> None:
    ledger = Ledger()
    send(service, ledger, "k1", ["k1/0", "k1/1"])
    send(service, ledger, "k2", ["k2/0"], acknowledge=False)
    result = tally(service, ledger)
    assert result.ok(), result
    assert (result.attempted, result.acknowledged, result.stored, result.unanswered_stored) == (2, 1, 3, 1)


def test_an_injected_duplicate_is_caught(service: Service) -> None:
    ledger = Ledger()
    send(service, ledger, "k1", ["k1/0", "k1/1"])
    service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "4.4", "subject": "s002",
                                             "evidence": "k1/1"}], "督查科", AT)  # a retry that appended again
    result = tally(service, ledger)
    assert result.duplicated == 1 and not result.ok()


def test_an_injected_loss_is_caught(service: Service) -> None:
    ledger = Ledger()
    send(service, ledger, "k1", ["k1/0"])
    ledger.attempted["k2"], ledger.acknowledged["k2"] = ["k2/0"], ["s001:0000000000000000"]  # acknowledged, not stored
    result = tally(service, ledger)
    assert result.lost == 1 and not result.ok()


def test_a_request_stored_in_part_is_caught(service: Service) -> None:
    ledger = Ledger()
    send(service, ledger, "k1", ["k1/0"], acknowledge=False)
    ledger.attempted["k1"] = ["k1/0", "k1/1"]  # the request held two facts: one of them is missing
    result = tally(service, ledger)
    assert result.half_stored == 1 and not result.ok()


def test_a_fact_nobody_sent_and_a_fact_stored_after_a_refusal_are_caught(service: Service) -> None:
    ledger = Ledger()
    send(service, ledger, "k1", ["k1/0"])
    send(service, ledger, "k2", ["k2/0"], acknowledge=False)
    ledger.pending.discard("k2")
    ledger.refused.add("k2")  # the client was told 4xx, yet the request is in the log
    service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "4.4", "subject": "s003",
                                             "evidence": "nobody/0"}], "督查科", AT)
    ledger.attempted["other"] = ["nobody/1"]
    result = tally(service, ledger)
    assert result.stored_after_refusal == 1 and not result.ok()
    assert result.unknown == 1  # "nobody/0" was never sent by a writer
