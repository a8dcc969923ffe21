"""Every explanation the engine writes has a Chinese rendering, read back from the stored English.

The stored lines are part of the sealed bytes and stay English; the catalog reads each back
into Chinese. The notes are collected by running the shipped schemes' own tests (their
scenarios reach every rule the engine has) with a plugin that records what the engine emits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.texts.catalog import translate

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ["tests/schemes", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests/unit").glob("test_catalog_*.py")),
             "tests/unit/test_retractions_and_cuts.py"]
FAMILY = {"note": "note", "reason": "reason", "flag": "flag", "incomplete": "incomplete"}
CJK = range(0x4E00, 0xA000)


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    out = tmp_path_factory.mktemp("notes") / "notes.jsonl"
    env = {**os.environ, "SLTEST_NOTES_OUT": str(out), "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "note_collector", "-p", "no:cacheprovider", *SCENARIOS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {tuple(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()}  # type: ignore[misc]


def test_the_scenarios_reach_every_kind_of_explanation(emitted: set[tuple[str, str]]) -> None:
    kinds = {kind for kind, _ in emitted}
    assert kinds == {"note", "reason", "flag", "incomplete"}
    assert len(emitted) > 500  # the scenarios of nine schemes, not a handful


def test_every_emitted_explanation_has_a_chinese_rendering(emitted: set[tuple[str, str]]) -> None:
    missing = sorted(text for kind, text in emitted if translate(FAMILY[kind], text) is None)
    assert not missing, f"{len(missing)} explanation(s) without Chinese, e.g. {missing[:10]}"


def test_every_rendering_is_chinese_and_keeps_the_rule_ids(emitted: set[tuple[str, str]]) -> None:
    for kind, english in sorted(emitted):
        chinese = translate(FAMILY[kind], english) or ""
        assert any(ord(c) in CJK for c in chinese), (english, chinese)
        for rule in ("(D1)", "(D6)", "(D7)", "(B1)", "(B6)", "(V1)", "(G5)", "(G6)"):
            if rule in english:
                assert rule.strip("()") in chinese, (english, chinese)


def test_a_stored_line_reads_back_into_chinese_values_and_all() -> None:
    # Check: the values of the English line land in the Chinese one; codes by their Chinese names
    assert translate("note", "2 × 0.5 (D1)") == "2次 × 每次0.5分（D1）"
    assert translate("note", "1 × 2 for rank=county (D6) × 2 for finder=province (D7); retracted") == (
        "1次 × 2分，职级：县级（D6） × 2，发现层级：省级（D7）；已撤销"
    )
    assert translate("note", "1 × 1 (D1); superseded: situation sit-s004 counts once, at the highest") == (
        "1次 × 每次1分（D1）；就高不重复：同一情况sit-s004只计一次，按最高分计"
    )
    assert translate("reason", "veto veto.1 重点工作失误: not eligible for excellence (V1)") == (
        "一票否决veto.1（重点工作失误）：取消评优资格（V1）"
    )


def test_a_line_no_template_reads_is_reported_not_guessed() -> None:
    assert translate("note", "2 × 0.5 (D1); a status nobody wrote") is None
    assert translate("reason", "rule 1: 好 (G6)") is None
