"""`serve --demo` killed while loading the demo: the next start finishes the load, never serves half of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from replay.asof import canonical_as_of
from service.bootstrap import build
from service.demo import PERIOD, load_demo
from service.settings import Settings
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-01T09:00:00+08:00"
KILLED_AFTER = 40  # facts recorded before the process is killed (-9) in the middle of the load

KILL_MIDWAY = f"""
import os, signal
from service.bootstrap import build
from service.demo import load_demo
service = build()
record, seen = service.ledger.record_facts, []
def killing(*args, **kwargs):
    if len(seen) == {KILLED_AFTER}:
        os.kill(os.getpid(), signal.SIGKILL)
    seen.append(1)
    return record(*args, **kwargs)
service.ledger.record_facts = killing
load_demo(service, {AT!r})
"""


def _standings(settings: Settings) -> tuple[int, list[tuple[str, str, int]]]:
    """The event count, and each subject's total and rank (fact ids are random, so not the raw bytes)."""
    service = build(settings)
    try:
        result = orjson.loads(b"".join(canonical_as_of(service.ledger.recorder, PERIOD)))
        events = service.ledger.recorder.max_notification_id() or 0
    finally:
        service.close()
    return events, sorted((s["subject"], s["total"], s["rank"]) for s in result["subjects"])


def test_a_load_killed_midway_is_finished_by_the_next_start_and_equals_a_clean_load(tmp_path: Path) -> None:
    cut = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "cut")
    killed = subprocess.run([sys.executable, "-c", KILL_MIDWAY], cwd=ROOT, timeout=120, capture_output=True,  # noqa: S603
                            env={**os.environ, "SCORELEDGER_DATA_DIR": str(cut.data_dir)})
    assert killed.returncode == -9, killed.stderr
    service = build(cut)
    try:
        partial = service.ledger.recorder.max_notification_id() or 0
        assert 20 < partial < 150  # the scheme, tokens, period, subjects and some facts: half a demo
        # Check: the restart resumes the load and says so
        resumed = load_demo(service, "2026-03-02T09:00:00+08:00")
        assert resumed.status == "resumed" and resumed.appended > 0 and resumed.facts > KILLED_AFTER
        assert f"{resumed.facts} 条事实" in resumed.summary() and f"追加 {resumed.appended} 个事件" in resumed.summary()
        assert f"{resumed.appended} events appended" in resumed.summary("en")
        # Check: a third start adds nothing
        again = load_demo(service, "2026-03-03T09:00:00+08:00")
        assert again.status == "present" and not again
        assert service.ledger.recorder.max_notification_id() == partial + resumed.appended
    finally:
        service.close()
    clean = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "clean")
    service = build(clean)
    try:
        first = load_demo(service, AT)
        assert first.status == "loaded" and first.appended == service.ledger.recorder.max_notification_id()
    finally:
        service.close()
    assert _standings(cut) == _standings(clean)  # same events, same totals and ranks: nothing lost, nothing twice


def test_a_store_with_other_data_is_left_alone(tmp_path: Path) -> None:
    from tests.integration.helpers import record_quarter

    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    try:
        record_quarter(service)
        before = service.ledger.recorder.max_notification_id()
        assert load_demo(service, AT).status == "refused"
        assert service.ledger.recorder.max_notification_id() == before
    finally:
        service.close()
