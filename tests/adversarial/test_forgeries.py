"""Forged bundles and a tampered store: nothing verifies against the bureau's key but the truth.

The period is published, corrected by an upheld appeal and published again (two seals, the second
with a consistency proof from the first). Its genuine bundle verifies against the bureau's public
key. Every forgery fails: a sealed value changed (alone; re-sealed unsigned; re-sealed and signed
with the forger's own key, under another name or under the bureau's key name), publications
removed, events dropped (alone or re-sealed), reordered, checkpoints swapped, the leaves cut,
an expected root not met. In the store, an attacker who edits a row, then also rewrites the views'
witness, re-seals the period or deletes its publication, and runs `rebuild`, is caught as well.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cli.main import app
from replay.asof import fold_log
from replay.bundle import bundle_chunks, make_bundle, verify_bundle
from service.bootstrap import build
from service.settings import Settings
from service.signing import Signer, create_key
from tests.adversarial.forging import Bundle, edited, leaves_of, records_of, reseal, write
from tests.integration.helpers import AT, record_quarter
from tests.signing import SIGNER, TEST_KEY

KEYS = [SIGNER.public]
FACTS = ("scoreledger:RatingRecorded", "scoreledger:DeductionRecorded", "scoreledger:FactRetracted")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("forgeries") / "data"
    service = build(Settings(signing_key=TEST_KEY, data_dir=data))
    try:
        facts = record_quarter(service)
        ledger = service.ledger
        ledger.close_period("2026-Q1", "admin", AT)
        ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
        filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", [], date(2026, 6, 2), "d1代表", AT)
        ledger.accept_appeal(filed["appeal"], date(2026, 6, 2), "领导小组", AT)
        ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "核实"}],
                             "属实", date(2026, 6, 3), "领导小组", AT)
        ledger.publish("2026-Q1", date(2026, 6, 4), "督查科", AT)
        service.runner.catch_up()
    finally:
        service.close()
    return data


@pytest.fixture(scope="module")
def genuine(store: Path) -> Bundle:
    service = build(Settings(signing_key=TEST_KEY, data_dir=store))
    try:
        fold, records = fold_log(service.ledger.recorder)
        return make_bundle(fold, records, service.views.leaves(), "2026-Q1", "default")
    finally:
        service.close()


@pytest.fixture(scope="module")
def forgers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Signer]:
    keys = tmp_path_factory.mktemp("forger")
    return {"own key": create_key(keys / "a.key", "forger"),
            "own key, the bureau's key name": create_key(keys / "b.key", "test-bureau")}


def test_the_genuine_bundle_verifies_against_the_bureaus_key_with_both_seals(genuine: Bundle) -> None:
    report = verify_bundle(genuine, KEYS)
    assert report.ok, report.findings
    assert len(report.verified_seals) == 2 and all(s["keys"] == ["test-bureau"] for s in report.verified_seals)
    assert {"scoreledger:AccessToken.Issued", "scoreledger:Appeal.Filed"}.isdisjoint(r["topic"] for r in genuine["records"])


def _value_edits(bundle: Bundle) -> Iterator[tuple[str, int, Callable[[dict[str, Any]], None]]]:
    """A change of a sealed value for every fact event of the bundle."""
    for i, record in enumerate(records_of(bundle)):
        if record.topic in FACTS:
            def change(state: dict[str, Any]) -> None:
                fact = state["fact"]
                if "value" in fact:
                    fact["value"] = "100"
                elif "count" in fact:
                    fact["count"] = 1
                else:
                    fact["reason"] = fact.get("reason", "") + "（改）"
            yield record.topic.split(":")[1], i, change


def _forgeries(genuine: Bundle, forgers: dict[str, Signer]) -> Iterator[tuple[str, Bundle]]:
    records, leaves = records_of(genuine), leaves_of(genuine)
    for name, i, change in _value_edits(genuine):
        changed = [*records[:i], edited(records[i], change), *records[i + 1:]]
        yield f"{name} changed", write(genuine, changed, leaves)
        yield f"{name} changed, re-sealed unsigned", reseal(genuine, changed, leaves, None)
        for signer_name, signer in forgers.items():
            yield f"{name} changed, re-sealed with the forger's {signer_name}", reseal(genuine, changed, leaves,
                                                                                      signer.sign)
        dropped = [r for j, r in enumerate(records) if j != i]
        kept = [row for j, row in enumerate(genuine["records"]) if j != i]
        yield f"{name} dropped", write({**genuine, "records": kept}, dropped, leaves)
        yield f"{name} dropped, re-sealed", reseal({**genuine, "records": kept}, dropped, leaves,
                                                   forgers["own key"].sign)
    published = [j for j, r in enumerate(records) if r.topic == "scoreledger:Period.Published"]
    for j in (*published, None):
        removed = [r for k, r in enumerate(records) if k != j and (j is not None or k not in published)]
        rows = [row for k, row in enumerate(genuine["records"]) if k != j and (j is not None or k not in published)]
        yield f"publication {j if j is not None else '(all)'} removed", write({**genuine, "records": rows}, removed,
                                                                              leaves)
    for a in range(3, len(records) - 1, 4):
        swapped = [*records]
        swapped[a], swapped[a + 1] = swapped[a + 1], swapped[a]
        yield f"events {a} and {a + 1} reordered", write(genuine, swapped, leaves)
    first, second = (orjson.loads(records[j].raw)["seal"]["checkpoint"] for j in published)
    swapped_note = [edited(r, lambda s: s["seal"].update(checkpoint=first)) if k == published[1] else r
                    for k, r in enumerate(records)]
    yield "checkpoints swapped", write(genuine, swapped_note, leaves)
    yield "leaves cut", {**genuine, "leaves": base64.b64encode(b"".join(leaves[:-3])).decode()}
    yield "witness altered", {**genuine, "witness": [[p, "0" * 64] for p, _ in genuine["witness"]]}
    assert second


def test_no_forged_bundle_verifies_against_the_bureaus_key(genuine: Bundle, forgers: dict[str, Signer]) -> None:
    accepted, tried = [], 0
    for name, forged in _forgeries(genuine, forgers):
        tried += 1
        report = verify_bundle(forged, KEYS)
        if report.ok:
            accepted.append(name)
    print(f"\nforged bundles: {tried} tried, {len(accepted)} accepted")
    assert tried >= 50
    assert accepted == []


def test_a_bundle_is_checked_against_an_expected_root_and_a_held_checkpoint(genuine: Bundle) -> None:
    seals = [orjson.loads(r.raw)["seal"] for r in records_of(genuine) if r.topic == "scoreledger:Period.Published"]
    assert verify_bundle(genuine, KEYS, expect_root=seals[0]["merkle_root"]).ok
    assert not verify_bundle(genuine, KEYS, expect_root="ab" * 32).ok
    held = verify_bundle(genuine, KEYS, held=[seals[0]["checkpoint"]])
    assert held.ok, held.findings


# -- the store ------------------------------------------------------------------------------------


@pytest.fixture
def copy(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(store, data, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(data))
    return data


def _edit_row(data: Path) -> tuple[int, bytes]:
    """A rating of 90 becomes 100, by hand."""
    with sqlite3.connect(data / "log.sqlite") as conn:
        rowid, state = next((r, s) for r, s in conn.execute("SELECT rowid, state FROM stored_events")
                            if b'"value":"90"' in s)
        forged = state.replace(b'"value":"90"', b'"value":"100"')
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (forged, rowid))
    return rowid, forged


def _rewitness(data: Path) -> None:
    """The attacker rewrites every witness digest to match the log as it now is."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=data))
    try:
        _, records = fold_log(service.ledger.recorder)
    finally:
        service.close()
    from projections.leaves import leaf_digest

    with sqlite3.connect(data / "views.sqlite") as conn:
        conn.executemany("UPDATE sl_view_leaves SET digest = ? WHERE position = ?",
                         [(leaf_digest(r), r.position) for r in records])


def test_rebuild_refuses_an_edited_log_and_verify_locates_the_edit(copy: Path) -> None:
    rowid, _ = _edit_row(copy)
    runner = CliRunner()
    rebuilt = runner.invoke(app, ["rebuild"])
    assert rebuilt.exit_code == 1 and "refusing to rebuild" in rebuilt.output
    assert f"position {rowid}: event altered" in rebuilt.output
    verified = runner.invoke(app, ["verify", "2026-Q1"])
    assert verified.exit_code == 1 and f"position {rowid}: event altered" in verified.output


def _rebuild_past_the_anchor(copy: Path, runner: CliRunner) -> None:
    """The witness agrees with the edited log now, but the checkpoint file outside the store does not (F4/F5):
    rebuild refuses. An attacker who can also delete the file (it is kept in the data directory here, which
    docs/deployment.md advises against) gets the views rebuilt."""
    refused = runner.invoke(app, ["rebuild"])
    assert refused.exit_code == 1
    assert "refusing to rebuild: the log does not extend the checkpoints the service signed" in refused.output
    (copy / "checkpoints.log").unlink()
    assert runner.invoke(app, ["rebuild"]).exit_code == 0


def test_an_attacker_who_also_rewrites_the_witness_and_rebuilds_is_caught_by_the_signed_seals(copy: Path) -> None:
    _edit_row(copy)
    _rewitness(copy)
    runner = CliRunner()
    _rebuild_past_the_anchor(copy, runner)
    verified = runner.invoke(app, ["verify", "2026-Q1"])
    assert verified.exit_code == 1
    assert "Merkle root differs" in verified.output and "results differ" in verified.output


@pytest.mark.parametrize("signer", ["unsigned", "forger"])
def test_an_attacker_who_also_reseals_the_store_is_caught_by_the_key(copy: Path, signer: str, tmp_path: Path) -> None:
    _edit_row(copy)
    forger = create_key(tmp_path / "forger.key", "test-bureau") if signer == "forger" else None
    _reseal_store(copy, forger)
    _rewitness(copy)
    runner = CliRunner()
    _rebuild_past_the_anchor(copy, runner)
    verified = runner.invoke(app, ["verify", "2026-Q1"])
    assert verified.exit_code == 1
    expected = "not signed by the given key" if forger else "not signed"
    assert expected in verified.output and "no seal of 2026-Q1 verifies" in verified.output
    forger_key = forger.public.verifier() if forger else SIGNER.public.verifier()
    fooled = runner.invoke(app, ["verify", "2026-Q1", "--key", forger_key])  # the attacker's own key, given
    assert (fooled.exit_code == 0) == (forger is not None)  # which is why the key must come from the verifier


def test_an_attacker_who_deletes_the_publication_is_caught(copy: Path) -> None:
    with sqlite3.connect(copy / "log.sqlite") as conn:
        gone = [p for (p,) in conn.execute("SELECT rowid FROM stored_events WHERE topic = 'scoreledger:Period.Published'")]
        conn.execute("DELETE FROM stored_events WHERE topic = 'scoreledger:Period.Published'")
    with sqlite3.connect(copy / "views.sqlite") as conn:  # and the witness of those rows, covering the tracks
        conn.executemany("DELETE FROM sl_view_leaves WHERE position = ?", [(p,) for p in gone])
    verified = CliRunner().invoke(app, ["verify", "2026-Q1"])
    assert verified.exit_code == 1 and "no seal of 2026-Q1 verifies" in verified.output


def _reseal_store(data: Path, forger: Signer | None) -> None:
    """Every Published event of the store rewritten with seals recomputed from the edited log."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=data))
    try:
        fold, records = fold_log(service.ledger.recorder)
        bundle = make_bundle(fold, records, [], "2026-Q1", "default")
    finally:
        service.close()
    forged = reseal(bundle, records_of(bundle), leaves_of(bundle), forger.sign if forger else None)
    with sqlite3.connect(data / "log.sqlite") as conn:
        for row in forged["records"]:
            if row["topic"] == "scoreledger:Period.Published":
                conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                             (base64.b64decode(row["state"]), row["position"]))


def test_the_streamed_bundle_is_byte_for_byte_the_bundle(store: Path, genuine: Bundle) -> None:
    """What the API and `export` stream, three pages of the log at a time, is the bundle itself."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=store))
    try:
        streamed = b"".join(bundle_chunks(service.ledger.recorder, service.views.leaves, "2026-Q1", "default"))
    finally:
        service.close()
    assert streamed == orjson.dumps(genuine)
