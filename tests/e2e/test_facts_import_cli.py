"""`scoreledger facts import`: a quarter's facts file into an open period, as an administrator, in batches.

Each test reads what the command printed and what the log holds afterwards: the facts on their streams,
who recorded them, the totals a replay gives, and the log's end when nothing may be appended.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from typer.testing import CliRunner

from cli.main import app
from domain.ledger.ids import ledger_id
from service.bootstrap import build
from service.demo import DEMO_TOKENS
from service.settings import Settings
from service.tokens import issue_token
from tests.integration.conftest import PG, postgres_or_skip
from tests.sheets.conftest import AT, PERIOD, open_quarter
from tests.signing import TEST_KEY

runner = CliRunner()
ADMIN = DEMO_TOKENS["admin"][1]  # the principal the facts are recorded under
NEW = [{"type": "subject", "id": f"s{i:03d}", "name": f"新科室{i}", "group": "g1", "kind": "department"}
       for i in (7, 8)]
SUBJECTS = [f"s{i:03d}" for i in range(1, 9)]
ADMIN_DSN = f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"


@pytest.fixture(params=["sqlite", "postgres"])
def data_dir(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store with the quarter open (six departments, tests/sheets/conftest.py) and the roles' tokens: SQLite,
    or a PostgreSQL schema of its own."""
    directory = tmp_path / "data"
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(directory))
    monkeypatch.delenv("SCORELEDGER_SIGNING_KEY", raising=False)
    monkeypatch.setenv("SCORELEDGER_TOKEN", "demo-admin-token")
    schema = None
    if request.param == "postgres":
        postgres_or_skip()
        schema = f"sl_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        for name, value in {**PG, "pg_schema": schema, "store": "postgres"}.items():
            monkeypatch.setenv(f"SCORELEDGER_{name.upper()}", str(value))
    service = build(settings())
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(service.ledger, principal, role, scope, "test", AT, token=token)
    open_quarter(service)
    service.close()
    yield directory
    if schema is not None:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def settings() -> Settings:
    return Settings.from_env().model_copy(update={"signing_key": TEST_KEY})


def deduction(subject: str, **more: Any) -> dict[str, Any]:
    return {"type": "deduction", "item": "5.5", "count": 1, "subject": subject, "attributes": {}, **more}


def quarter(count: int = 30) -> list[dict[str, Any]]:
    """Two new departments, then `count` deductions of one point (5.5) spread over the eight."""
    return [*NEW, *(deduction(SUBJECTS[i % len(SUBJECTS)]) for i in range(count))]


def write(path: Path, rows: list[Any], head: str = "# 2026年第一季度 迁移自旧系统\n") -> Path:
    body = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    path.write_text(head + body, encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return runner.invoke(app, ["facts", "import", PERIOD, *args, "--batch", "10"])


def log(directory: Path) -> dict[str, Any]:
    """The log's end and, per subject, the facts on its stream (by whom) and its total as replayed."""
    service = build(settings())
    try:
        end = service.ledger.recorder.max_notification_id() or 0
        facts = {}
        for subject in SUBJECTS:
            stream = service.ledger.maybe(ledger_id(PERIOD, subject, service.settings.bureau))
            facts[subject] = [] if stream is None else list(stream.facts.values())
        registered = sorted(service.ledger.period(PERIOD).subjects)
    finally:
        service.close()
    replayed = runner.invoke(app, ["replay", PERIOD])
    assert replayed.exit_code == 0, replayed.output
    totals = {s["subject"]: s["total"] for s in orjson.loads(replayed.stdout_bytes)["subjects"]}
    return {"end": end, "facts": facts, "registered": registered, "totals": totals}


def test_a_quarter_file_is_imported_with_its_subjects_and_every_total_follows(data_dir: Path, tmp_path: Path) -> None:
    before = log(data_dir)
    done = run(str(write(tmp_path / "q1.jsonl", quarter())))
    assert done.exit_code == 0, done.output
    after = log(data_dir)
    assert after["registered"] == SUBJECTS
    counted = {s: len([f for f in after["facts"][s] if f["item"] == "5.5"]) for s in SUBJECTS}
    assert counted == {s: 4 if s in SUBJECTS[:6] else 3 for s in SUBJECTS}  # 30 over eight: 4,4,4,4,4,4,3,3
    assert {f["recorded_by"] for s in SUBJECTS for f in after["facts"][s]} == {ADMIN}
    for subject in SUBJECTS[:6]:  # one point per deduction, from the same full marks
        assert int(after["totals"][subject]) == int(before["totals"][subject]) - 4
    assert after["totals"]["s007"] == after["totals"]["s008"] == str(int(before["totals"]["s001"]) - 3)
    summary = " ".join(done.output.split())
    assert "已导入 2026-Q1：本次录入 30 条记录、2 个被考核单位，共 4 批（另有 0 批此前已导入，本次跳过）" in summary
    assert f"追加 {after['end'] - before['end']} 个事件，日志位置 {before['end'] + 1}–{after['end']}" in summary


def test_the_same_file_run_again_after_an_interruption_records_nothing_twice(data_dir: Path, tmp_path: Path) -> None:
    rows = quarter()
    first = run(str(write(tmp_path / "q1.jsonl", rows[:22])))  # cut short: the subjects and two batches of ten
    assert first.exit_code == 0, first.output
    assert "本次录入 20 条记录、2 个被考核单位，共 3 批" in " ".join(first.output.split())
    whole = write(tmp_path / "q1.jsonl", rows)
    resumed = run(str(whole))
    assert resumed.exit_code == 0, resumed.output
    assert "本次录入 10 条记录、0 个被考核单位，共 1 批（另有 3 批此前已导入，本次跳过）" in " ".join(resumed.output.split())
    once = log(data_dir)
    assert sum(len(facts) for facts in once["facts"].values()) == 30
    again = run(str(whole))
    assert again.exit_code == 0, again.output
    assert "本次录入 0 条记录、0 个被考核单位，共 0 批（另有 4 批此前已导入，本次跳过）" in " ".join(again.output.split())
    assert "日志位置 —" in again.output
    checked = run(str(whole), "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "将录入 0 条记录、0 个被考核单位，共 0 批（另有 4 批此前已导入，将跳过）" in " ".join(checked.output.split())
    assert log(data_dir) == once


def test_a_refused_line_stops_the_import_at_its_batch_with_the_line_and_nothing_after_it(
    data_dir: Path, tmp_path: Path
) -> None:
    rows = quarter()
    rows[2 + 14] = deduction("s001", item="9.9")  # the fifth fact of the second batch: file line 18
    bad = write(tmp_path / "q1.jsonl", rows)
    before = log(data_dir)
    refused = run(str(bad))
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert "导入在 q1.jsonl 第14行停止：该批有1处问题，已被拒绝" in said  # the batch's first line (the header is 1)
    assert "第18行 q1.jsonl item" in said and "没有扣分项目“9.9”" in said
    assert "本次录入 10 条记录、2 个被考核单位" in said
    stopped = log(data_dir)
    assert sum(len(facts) for facts in stopped["facts"].values()) == 10  # the first batch only
    assert stopped["end"] > before["end"]
    rows[2 + 14] = deduction("s007")  # corrected: the same command again records the rest, nothing twice
    fixed = run(str(write(bad, rows)))
    assert fixed.exit_code == 0, fixed.output
    assert "本次录入 20 条记录、0 个被考核单位，共 2 批（另有 2 批此前已导入，本次跳过）" in " ".join(fixed.output.split())
    assert sum(len(facts) for facts in log(data_dir)["facts"].values()) == 30


def test_a_line_that_is_no_json_stops_the_import_before_its_batch(data_dir: Path, tmp_path: Path) -> None:
    rows: list[Any] = quarter()
    rows[2 + 13] = '{"type": "deduction", "item": "5.5",'  # file line 17, in the second batch
    refused = run(str(write(tmp_path / "q1.jsonl", rows)))
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert "导入在 q1.jsonl 第14行停止" in said and "第17行 q1.jsonl：不是有效的 JSON" in said
    assert sum(len(facts) for facts in log(data_dir)["facts"].values()) == 10


def test_a_check_names_every_problem_with_its_line_and_records_nothing(data_dir: Path, tmp_path: Path) -> None:
    rows: list[Any] = quarter()
    rows[2 + 3] = deduction("s001", item="9.9")  # line 7
    rows[2 + 12] = deduction("s002", count="三")  # line 16
    rows[2 + 13] = "[1, 2]"  # line 17
    rows[2 + 18] = deduction("s405")  # line 22: a rule problem in the batch of a shape problem (line 16)
    rows[2 + 25] = deduction("s003", period="2026-Q2")  # line 29
    rows[2 + 26] = deduction("s404")  # line 30
    before = log(data_dir)
    checked = run(str(write(tmp_path / "q1.jsonl", rows)), "--dry-run")
    assert checked.exit_code == 1
    said = " ".join(checked.output.split())
    assert "检查发现6处问题，未录入任何内容" in said
    shown = [line.split("：")[0].strip("✗ ") for line in checked.output.splitlines() if "✗" in line]
    assert [s.split()[0] for s in shown] == ["第7行", "第16行", "第17行", "第22行", "第29行", "第30行"], checked.output
    assert "没有扣分项目“9.9”" in said and "每一行必须是一个 JSON 对象" in said
    assert "此行属于考核周期“2026-Q2”，不是2026-Q1" in said and "s404" in said
    assert log(data_dir) == before
    good = run(str(write(tmp_path / "good.jsonl", quarter())), "--dry-run")
    assert good.exit_code == 0, good.output
    assert "检查通过（未录入任何内容）：2026-Q1，32 行，将录入 30 条记录、2 个被考核单位，共 4 批" in " ".join(good.output.split())
    assert log(data_dir) == before


def test_a_token_that_may_not_import_is_refused_in_chinese_and_nothing_is_recorded(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = write(tmp_path / "q1.jsonl", quarter())
    before = log(data_dir)
    for token, said in (("demo-recorder-token", "批量导入事实文件须由管理员进行（它录入各科室的记录并登记被考核单位）；"
                                                 "录入科室角色无权导入"),
                        ("demo-rater-token", "测评人角色无权导入"), ("no-such-token", "令牌无效或已被吊销")):
        monkeypatch.setenv("SCORELEDGER_TOKEN", token)
        refused = run(str(file))
        assert refused.exit_code == 1
        assert refused.output.startswith("操作被拒绝：") and said in refused.output, refused.output
        assert " / refused: " in refused.output and refused.output.count("\n") == 1  # one line, as the others
    assert log(data_dir) == before


def test_a_period_not_open_is_refused_in_one_line(data_dir: Path, tmp_path: Path) -> None:
    refused = runner.invoke(app, ["facts", "import", "2026-Q2", str(write(tmp_path / "q2.jsonl", quarter()))])
    assert refused.exit_code == 1
    assert refused.output.startswith("操作被拒绝：考核周期2026-Q2不存在 / refused: period 2026-Q2 does not exist"), \
        refused.output


def test_a_wrong_subject_line_stops_the_import_before_anything_is_recorded(data_dir: Path, tmp_path: Path) -> None:
    rows: list[Any] = quarter()
    rows[1] = {**NEW[1], "kind": "bureau"}  # line 3: a kind the scheme does not have
    before = log(data_dir)
    refused = run(str(write(tmp_path / "q1.jsonl", rows)))
    assert refused.exit_code == 1, refused.exception
    said = " ".join(refused.output.split())
    assert "导入在 q1.jsonl 第2行停止" in said and "第3行 q1.jsonl subject s008.kind" in said, refused.output
    rows[1] = {k: v for k, v in NEW[1].items() if k != "name"}  # line 3: no name
    checked = run(str(write(tmp_path / "q1.jsonl", rows)), "--dry-run")
    assert checked.exit_code == 1 and "第3行 q1.jsonl name" in " ".join(checked.output.split()), checked.output
    assert log(data_dir) == before
