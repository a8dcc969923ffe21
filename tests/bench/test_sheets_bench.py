"""The spreadsheet benchmark still runs: a small file through every measurement it makes (a rule added to
recording once made every generated row refused, and the benchmark reported errors instead of figures)."""

from __future__ import annotations

from pathlib import Path

from bench import measure_sheets


def test_the_sheets_benchmark_imports_its_file_through_the_service_and_the_pages(tmp_path: Path) -> None:
    sheet = tmp_path / "bench.xlsx"
    measure_sheets._write(sheet, 300)
    spec = {"file": str(sheet)}
    assert measure_sheets.read_floor(spec)["rows"] == 300
    assert measure_sheets.record_floor({**spec, "store": str(tmp_path / "a")})["rows"] == 300
    assert measure_sheets.import_sheet({**spec, "store": str(tmp_path / "b")})["rows"] == 300
    pages = measure_sheets.import_pages({**spec, "store": str(tmp_path / "c")})
    assert pages["rows"] == 300 and pages["preview_seconds"] > 0 and pages["confirm_seconds"] > 0
