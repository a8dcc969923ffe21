"""`scoreledger sheets …`: an office imports its GBK CSV as the holder of its token, and prints the 公示."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from service.bootstrap import build
from service.demo import load_demo
from service.settings import Settings
from tests.sheets.files import csv_bytes
from tests.signing import TEST_KEY

runner = CliRunner()
AT = "2026-03-20T10:00:00+08:00"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    service = build(Settings(signing_key=TEST_KEY, data_dir=directory))
    load_demo(service, AT)
    end = service.ledger.recorder.max_notification_id()
    service.close()
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(directory))
    monkeypatch.setenv("SCORELEDGER_DEMO", "true")  # the demo's tokens are valid in the demo store
    monkeypatch.setenv("SCORELEDGER_TOKEN", "demo-recorder-token")
    (tmp_path / "end").write_text(str(end))
    return directory


def log_end(directory: Path) -> int:
    service = build(Settings(signing_key=TEST_KEY, data_dir=directory))
    try:
        return service.ledger.recorder.max_notification_id() or 0
    finally:
        service.close()


def test_an_office_previews_then_imports_its_gbk_csv_from_the_command_line(data_dir: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "登记.csv"
    sheet.write_bytes(csv_bytes([["被考核单位", "考核项目", "次数"], ["办公室", "4.7", "1"], ["党建科", "2.1", "2"]],
                                "gbk"))
    before = log_end(data_dir)
    dry = runner.invoke(app, ["sheets", "import", "2026-Q1", str(sheet), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "登记.csv：2 条记录" in dry.output and "4.7 被中心通报批评" in dry.output
    assert log_end(data_dir) == before
    done = runner.invoke(app, ["sheets", "import", "2026-Q1", str(sheet), "--yes"])
    assert done.exit_code == 0, done.output
    assert "已导入 2 条记录" in done.output
    assert log_end(data_dir) > before


def test_a_bad_file_is_refused_with_every_problem_and_a_failing_exit(data_dir: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(csv_bytes([["被考核单位", "考核项目", "次数"], ["某科", "4.7", "x"]], "utf-8-sig"))
    before = log_end(data_dir)
    refused = runner.invoke(app, ["sheets", "import", "2026-Q1", str(sheet), "--yes"])
    assert refused.exit_code == 1
    assert "文件有2处问题，未导入任何记录" in refused.output and "找不到被考核单位「某科」" in refused.output
    assert log_end(data_dir) == before


def test_the_rankings_export_is_written_for_staff_and_refused_for_a_subject(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rankings.xlsx"
    written = runner.invoke(app, ["sheets", "export", "rankings", "2026-Q1", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_bytes().startswith(b"PK")
    monkeypatch.setenv("SCORELEDGER_TOKEN", "demo-subject-token")
    refused = runner.invoke(app, ["sheets", "export", "rankings", "2026-Q1", str(tmp_path / "no.xlsx")])
    assert refused.exit_code == 1 and "role subject may not do this" in refused.output


def test_the_three_templates_are_written_for_who_fills_them(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    for token, kind, first in (("demo-recorder-token", "office", "录入"), ("demo-rater-token", "rating", "录入"),
                               ("demo-admin-token", "decisions", "一票否决")):
        monkeypatch.setenv("SCORELEDGER_TOKEN", token)
        target = tmp_path / f"{kind}.xlsx"
        written = runner.invoke(app, ["sheets", "template", "2026-Q1", str(target), "--kind", kind])
        assert written.exit_code == 0, written.output
        assert load_workbook(target).sheetnames[0] == first
    refused = runner.invoke(app, ["sheets", "template", "2026-Q1", str(tmp_path / "x.xlsx"), "--kind", "rating"])
    assert refused.exit_code == 1  # the administrator is no rater
    assert runner.invoke(app, ["sheets", "template", "2026-Q1", str(tmp_path / "y.xlsx"), "--kind", "x"]).exit_code == 2
