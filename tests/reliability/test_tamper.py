"""Generated tampering of stored rows: every edit, deletion, swap and truncation is detected and
located; an untouched log never raises an alarm.

Rows are taken from a real sealed log and tampered as an intruder with SQL access would (the
integration suite does it with SQL on both stores); SLTEST_TAMPER_RUNS sets how many (CI: 200).
"""

from __future__ import annotations

import dataclasses
import os
import random
from datetime import date

import orjson
import pytest

from projections.records import Record, decode
from replay.asof import fold_log
from replay.verify import verify_records
from service.bootstrap import build
from service.settings import Settings
from tests.integration.helpers import AT, record_quarter
from tests.signing import SIGNER, TEST_KEY

KEYS = [SIGNER.public]

RUNS = int(os.environ.get("SLTEST_TAMPER_RUNS", "200"))


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Record], list[tuple[int, str]]]:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("tamper") / "data"))
    try:
        record_quarter(service)
        service.ledger.close_period("2026-Q1", "admin", AT)
        service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
        service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d3"}], "x", AT,
                                    appeal="late-correction")
        service.runner.catch_up()
        _, records = fold_log(service.ledger.recorder)
        return records, service.views.leaves()
    finally:
        service.close()


def replace(record: Record, **changes: object) -> Record:
    """A changed copy of a row, whatever kind of value Record is."""
    if hasattr(record, "_replace"):
        return record._replace(**changes)  # type: ignore[no-any-return]
    return dataclasses.replace(record, **changes)  # type: ignore[type-var]


def _edit(rng: random.Random, records: list[Record]) -> tuple[list[Record], set[int]]:
    index = rng.randrange(len(records))
    raw = bytearray(records[index].raw)
    at = rng.randrange(len(raw))
    raw[at] = (raw[at] + rng.randrange(1, 255)) % 256
    changed = replace(records[index], raw=bytes(raw), state=decode(bytes(raw)))
    return records[:index] + [changed] + records[index + 1:], {records[index].position}


def _delete(rng: random.Random, records: list[Record]) -> tuple[list[Record], set[int]]:
    index = rng.randrange(len(records))
    return records[:index] + records[index + 1:], {records[index].position}


def _swap(rng: random.Random, records: list[Record]) -> tuple[list[Record], set[int]]:
    i, j = sorted(rng.sample(range(len(records)), 2))
    a, b = records[i], records[j]
    moved_a = replace(b, position=a.position)
    moved_b = replace(a, position=b.position)
    tampered = list(records)
    tampered[i], tampered[j] = moved_a, moved_b
    return tampered, {a.position, b.position}


def _truncate(rng: random.Random, records: list[Record]) -> tuple[list[Record], set[int]]:
    keep = rng.randrange(1, len(records))
    return records[:keep], {r.position for r in records[keep:]}


KINDS = {"edit": _edit, "delete": _delete, "swap": _swap, "truncate": _truncate}


def test_an_untouched_log_raises_no_alarm(sealed: tuple[list[Record], list[tuple[int, str]]]) -> None:
    records, witness = sealed
    report = verify_records(records, witness, "2026-Q1", keys=KEYS)
    assert report.ok and report.checked_seals == 1, report.findings


def test_every_generated_tampering_is_detected_and_located(sealed: tuple[list[Record], list[tuple[int, str]]]) -> None:
    records, witness = sealed
    rng = random.Random(6962)
    detected = located = 0
    for run in range(RUNS):
        kind = list(KINDS)[run % len(KINDS)]
        tampered, positions = KINDS[kind](rng, records)
        report = verify_records(tampered, witness, "2026-Q1", keys=KEYS)
        detected += not report.ok
        named = {int(f.split(":")[0].split()[1]) for f in report.findings if f.startswith("position ")}
        located += positions <= named
        assert not report.ok, f"run {run}: {kind} at {sorted(positions)} went undetected"
        assert positions <= named, f"run {run}: {kind} at {sorted(positions)} located as {sorted(named)}"
    print(f"tamper runs {RUNS}: detected {detected}, located {located}")
    assert detected == located == RUNS




@pytest.mark.parametrize("damage", ["missing", "retyped"])
def test_an_edited_seal_is_reported_unreadable_not_crashed_on(
    sealed: tuple[list[Record], list[tuple[int, str]]], damage: str
) -> None:
    """Found by the 2,000-run version: a byte edit that renamed the seal's "period" key crashed the verifier."""
    records, witness = sealed
    index = next(i for i, r in enumerate(records) if r.topic == "scoreledger:Period.Published")
    state = dict(records[index].state)
    seal = dict(state["seal"])
    if damage == "missing":
        seal["perioe"] = seal.pop("period")
    else:
        seal["event_count"] = str(seal["event_count"])
    raw = orjson.dumps({**state, "seal": seal})
    tampered = [*records[:index], replace(records[index], raw=raw, state=decode(raw)), *records[index + 1:]]
    report = verify_records(tampered, witness, "2026-Q1", keys=KEYS)
    position = records[index].position
    assert f"position {position}: event altered" in "\n".join(report.findings)
    if damage == "missing":  # a publication naming no period publishes nothing: the event is set aside, named
        assert any(n.startswith(f"position {position}: event cannot be read") for n in report.notes), report.notes
        assert any("no seal of 2026-Q1 verifies" in f for f in report.findings)
    else:
        expected = "event_count is a str"
        assert any(f.startswith(f"seal published at position {position}: unreadable ({expected})")
                   for f in report.findings)
