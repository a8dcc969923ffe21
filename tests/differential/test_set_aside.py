"""Stored facts an older version let in, one kind at a time: the fast path never admits what admission
sets aside (it hands such a period to the reference), so every replay names the same facts and scores
the same rest. Each fact goes straight onto its stream, bypassing the commands' checks: the stream of a
department with deductions (d1) and of one with ratings only (d3: the plain-rating lane reads it first)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import ledger_id
from projections.fast.api import fast_canonical
from projections.period_input import key_of
from projections.scoring import canonical_chunks
from replay.asof import canonical_as_of, fold_log
from service.bootstrap import Service, build
from service.settings import Settings
from tests.integration.helpers import AT, record_quarter
from tests.signing import TEST_KEY

BASE = {"period": "2026-Q1", "recorded_by": "旧版本"}
STORED = {  # each one admission sets aside
    "a second rating by the same rater (R3)": {"type": "rating", "item": "rating", "subject": "d1",
                                               "role": "principal", "rater": "局长", "value": "70"},
    "a rating above its scale": {"type": "rating", "item": "rating", "subject": "d1", "role": "supervising",
                                 "rater": "新副局长", "value": "101"},
    "a role the item does not have": {"type": "rating", "item": "rating", "subject": "d1", "role": "colleagues",
                                      "rater": "同事", "value": "80"},
    "a deduction without its severity (D6)": {"type": "deduction", "item": "4.2", "subject": "d1"},
    "a retraction of a fact not recorded": {"type": "retraction", "target": "d1:none", "reason": "旧版本"},
    "an item of no kind": {"type": "deduction", "item": "9.9", "subject": "d1"},
    "an id with a line break in it": {"type": "rating", "item": "rating", "subject": "d1", "role": "supervising",
                                      "rater": "新副局长", "value": "80", "id": "d1:older\nd1"},
}


@pytest.fixture(params=[(name, subject) for name in sorted(STORED) for subject in ("d1", "d3")], ids=str)
def stored(request: Any, tmp_path: Path) -> Iterator[tuple[Service, str]]:
    name, subject = request.param
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    record_quarter(service)
    fact = {**BASE, "id": f"{subject}:older", **STORED[name]}
    for key in ("subject", "target", "id"):
        if key in fact:
            fact[key] = fact[key].replace("d1", subject)
    stream = service.ledger.repository.get(ledger_id("2026-Q1", subject))
    event = {"rating": FactLedger.RatingRecorded, "retraction": FactLedger.FactRetracted}.get(
        fact["type"], FactLedger.DeductionRecorded)
    stream.trigger_event(event, fact=fact, actor="旧版本", at=AT, appeal=None)
    service.ledger.save(stream)
    yield service, subject
    service.close()


def test_a_fact_admission_sets_aside_is_never_admitted_by_the_fast_path(stored: tuple[Service, str]) -> None:
    service, subject = stored
    source = service.ledger.recorder
    fold, _ = fold_log(source)
    reference = b"".join(canonical_chunks(fold, fold.periods[key_of("default", "2026-Q1")]))
    assert b'"set_aside":[{"fact":"' + subject.encode() + b':older' in reference
    assert fast_canonical(source, "2026-Q1", None, "default", 1) is None  # not vouched for
    assert b"".join(canonical_as_of(source, "2026-Q1")) == reference
