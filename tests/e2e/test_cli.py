"""The scoreledger command, run as a user would: check schemes, score a quarter, explain."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from domain.scheme.schema import scheme_json_schema_text

ROOT = Path(__file__).resolve().parents[2]
ZJG = str(ROOT / "schemes" / "zjg.yaml")
DEMO = str(ROOT / "schemes" / "demo" / "zjg-2026-Q1.jsonl")
runner = CliRunner()


def test_every_shipped_scheme_passes_the_check() -> None:
    for path in sorted((ROOT / "schemes").glob("*.yaml")):
        result = runner.invoke(app, ["schemes", "check", str(path)])
        assert result.exit_code == 0, result.output
        assert "content hash" in result.output


def test_the_shipped_json_schema_is_the_one_the_model_generates() -> None:
    shipped = (ROOT / "schemes" / "scheme.schema.json").read_text(encoding="utf-8")
    assert shipped == scheme_json_schema_text(), "run: scoreledger schemes schema > schemes/scheme.schema.json"


def test_an_invalid_scheme_is_refused_with_every_problem_and_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scheme: X\nversion: 0\ntitle: t\nperiod: {kind: month}\nsubject_kinds: {d: 科室}\n"
        "tree:\n  id: total\n  title: t\n  children:\n    - {id: a, title: a, deduct: {per: 1}, colour: red}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["schemes", "check", str(bad)])
    assert result.exit_code == 1
    assert "line 2" in result.output and "version" in result.output
    assert "line 4" in result.output and "period.kind" in result.output
    assert "line 10" in result.output and "colour" in result.output


def test_scoring_the_demo_quarter_prints_a_ranked_table_of_twelve_departments() -> None:
    result = runner.invoke(app, ["score", ZJG, DEMO])
    assert result.exit_code == 0, result.output
    assert "2026-Q1" in result.output
    assert sum(1 for line in result.output.splitlines() if " s0" in line) == 12


def test_json_output_is_canonical_and_identical_across_runs() -> None:
    first = runner.invoke(app, ["score", ZJG, DEMO, "--json"])
    second = runner.invoke(app, ["score", ZJG, DEMO, "--json"])
    assert first.exit_code == 0 and first.stdout_bytes == second.stdout_bytes
    data = json.loads(first.stdout_bytes)
    ranks = [s["rank"] for s in data["subjects"]]
    assert ranks == sorted(ranks) and len(ranks) == 12


def test_explain_shows_the_tree_with_articles_facts_and_recorders() -> None:
    result = runner.invoke(app, ["score", ZJG, DEMO, "--explain", "s001"])
    assert result.exit_code == 0, result.output
    assert "第二章第一条" in result.output and "counted" in result.output and "by " in result.output


def test_a_bad_facts_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    facts = tmp_path / "facts.jsonl"
    facts.write_text(
        '{"type": "subject", "id": "d1", "name": "科室", "kind": "department"}\n'
        '{"type": "deduction", "id": "f1", "period": "2026-Q1", "recorded_by": "办公室", "item": "9.9", "subject": "d1"}\n'
        "{not json\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["score", ZJG, str(facts)])
    assert result.exit_code == 1
    assert "line 3" in result.output and "not valid JSON" in result.output


def test_an_unknown_item_is_refused_naming_its_line(tmp_path: Path) -> None:
    facts = tmp_path / "facts.csv"
    facts.write_text(
        "type,id,period,recorded_by,item,subject,name,kind,count\n"
        "subject,d1,,,,,科室,department,\n"
        "deduction,f1,2026-Q1,办公室,2.1,d1,,,3\n"
        "deduction,f2,2026-Q1,办公室,9.9,d1,,,1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["score", ZJG, str(facts)])
    assert result.exit_code == 1
    assert "line 4" in result.output and "unknown deduction item '9.9'" in result.output
