"""Spreadsheets: importing a 50,000-row .xlsx end to end, and exporting a city's rankings.

`python -m bench.measure_sheets [--rows 50000]` prints each figure with its floor, measured in the
same run on the same machine, each in a process of its own (bench.child) so its peak memory is its own:
- import: SheetImporter.confirm (read, parse, check, record in one transaction) against two floors,
  reading the file's cells alone (python-calamine) and recording the same facts already parsed
  (Ledger.record_facts), the command the import calls;
- the page path: the same file uploaded on the import page by a signed-in office, its preview job and its
  confirmation job (what a person waits for, from upload to the page of moved totals);
- export: the city's (ZZ, 76 units) rankings workbook against writing the same cells as plain values.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter

from bench import child

AT = "2026-03-20T10:00:00+08:00"
PERIOD = "2026-Q1"
DEPARTMENTS = ["办公室", "党建科", "督查科", "审批协调科", "人事教育科", "咨询指导科", "投资建设科", "社会事务科",
               "市场准入科", "政务服务科", "信息技术科", "综合受理科"]
ITEMS = ["1.1.1", "1.2.2", "2.1", "2.2", "3.4", "4.1", "4.4", "4.7", "5.3", "5.5"]  # ZJG items counted per finding


def _write(path: Path, rows: int, seed: int = 2026) -> None:
    from domain.scheme.loader import load_scheme_file
    from service.sheets.vocabulary import item_entry

    scheme = load_scheme_file(Path(__file__).resolve().parents[1] / "schemes" / "zjg.yaml")
    entries = [item_entry(scheme.items[i]) for i in ITEMS]
    pick = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("扣分登记")
    sheet.write_row(0, 0, ["2026年第一季度科室考核扣分登记表"])
    sheet.write_row(1, 0, ["序号", "被考核单位", "考核项目", "次数", "发生日期", "证明材料"])
    for n in range(rows):
        month = pick.randint(1, 3)
        day = pick.randint(1, 19 if month == 3 else 28)  # never after the day it is recorded (AT: 20 March)
        sheet.write_row(n + 2, 0, [n + 1, pick.choice(DEPARTMENTS), pick.choice(entries), float(pick.randint(1, 3)),
                                   f"2026.{month}.{day}", f"督办单{n:06d}"])
    book.close()


def _service(directory: str) -> Any:
    from domain.facts import Subject
    from domain.scheme.loader import load_scheme_file
    from service.bootstrap import build
    from service.settings import Settings

    service = build(Settings(data_dir=Path(directory)))
    scheme = load_scheme_file(Path(__file__).resolve().parents[1] / "schemes" / "zjg.yaml")
    service.ledger.register_scheme(scheme, "admin", AT)
    service.ledger.open_period(PERIOD, "ZJG", scheme.version, "admin", AT)
    subjects = [Subject(id=f"s{i:03d}", name=n, group="g1", kind="department") for i, n in enumerate(DEPARTMENTS, 1)]
    service.ledger.register_subjects(PERIOD, subjects, "admin", AT)
    return service


def _importer(service: Any) -> Any:
    from service.sheets.importing import SheetImporter
    from service.tokens import Actor

    actor = Actor("督查科", "recorder", ("inspection", "office", "personnel", "guidance"))
    return SheetImporter(service.ledger, PERIOD, actor, AT)


def import_sheet(spec: dict[str, Any]) -> dict[str, Any]:
    """The figure: a fresh store, then the whole file imported through the service (one transaction)."""
    from service.sheets.importing import Upload

    service = _service(spec["store"])
    try:
        data = Path(spec["file"]).read_bytes()
        started = time.perf_counter()
        result = _importer(service).confirm(Upload("bench.xlsx", data))
        seconds = time.perf_counter() - started
    finally:
        service.close()
    return {"rows": result["rows"], "seconds": round(seconds, 3), "rows_per_s": round(result["rows"] / seconds)}


def import_pages(spec: dict[str, Any]) -> dict[str, Any]:
    """The page path: upload (preview job), then confirm (confirmation job), through the web app."""
    from fastapi.testclient import TestClient

    from service.accounts import account, create_account, view
    from web.app import create_app

    service = _service(spec["store"])
    try:
        create_account(service.ledger, "duchake", "督查科录入员", "recorder",
                       ["inspection", "office", "personnel", "guidance"], "bench-password", "admin", AT)
        found = view(account(service.ledger, "duchake"))
        with TestClient(create_app(service=service), follow_redirects=False) as client:
            client.cookies.set("scoreledger_session", _session(service, found.username, found.password_version))
            data = Path(spec["file"]).read_bytes()
            started = time.perf_counter()
            job = client.post(f"/period/{PERIOD}/import", data={"csrf": "bench"},
                              files={"file": ("bench.xlsx", data)}).headers["location"]
            preview = _finish(client, job)
            previewed = time.perf_counter() - started
            job = client.post(f"{preview}/confirm", data={"csrf": "bench"}).headers["location"]
            done = _finish(client, job)
            total = time.perf_counter() - started
            rows = client.get(f"{done}.json").json()["rows"]
    finally:
        service.close()
    return {"rows": rows, "preview_seconds": round(previewed, 3), "confirm_seconds": round(total - previewed, 3),
            "seconds": round(total, 3), "rows_per_s": round(rows / total)}


def _session(service: Any, username: str, version: int) -> str:
    import base64

    from itsdangerous import TimestampSigner

    from service.session_key import session_secret

    data = {"user": username, "pv": version, "csrf": "bench"}
    return TimestampSigner(session_secret(service.settings)).sign(base64.b64encode(json.dumps(data).encode())).decode()


def _finish(client: Any, job: str) -> str:
    """Wait for a job as the page's polling does; the page it leads to."""
    while True:
        state = client.get(f"{job}.json").json()
        if state["state"] != "running":
            return str(state["next"])
        time.sleep(0.05)


def read_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """Floor: reading every cell of the file with python-calamine, nothing else."""
    from service.sheets.reading import read_sheets

    data = Path(spec["file"]).read_bytes()
    started = time.perf_counter()
    rows = sum(len(s.rows) for s in read_sheets(data, "bench.xlsx")) - 2
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds)}


def record_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """Floor: Ledger.record_facts of the same facts already parsed (what the import ends with)."""
    from service.sheets.importing import Upload, parse_upload, uploader_vocabulary

    service = _service(spec["store"])
    try:
        importer = _importer(service)
        vocabulary = uploader_vocabulary(service.ledger, PERIOD, importer.actor)
        facts = parse_upload(Upload("bench.xlsx", Path(spec["file"]).read_bytes()), vocabulary).facts
        started = time.perf_counter()
        service.ledger.record_facts(PERIOD, facts, "督查科", AT, authorize=importer.authorize)
        seconds = time.perf_counter() - started
    finally:
        service.close()
    return {"rows": len(facts), "seconds": round(seconds, 3), "rows_per_s": round(len(facts) / seconds)}


def export_city(spec: dict[str, Any]) -> dict[str, Any]:
    """The city's (ZZ) rankings workbook from its scored results, and the floor: the same cells written plainly."""
    from bench.workloads import build
    from domain.canonical import canonical_bytes
    from domain.facts import Subject, typed_facts
    from domain.scoring import score_period
    from service.sheets.exports import rankings_workbook

    workload = build("city", seed=2026)
    subjects = [Subject.model_validate(s) for s in workload.subjects]
    stamped = [{**f, "period": f.get("period", workload.period), "recorded_by": "bench"} for f in workload.facts]
    scored = score_period(workload.scheme, subjects, typed_facts(stamped), workload.period)
    results = json.loads(canonical_bytes(scored))
    started = time.perf_counter()
    body = rankings_workbook(workload.scheme, results)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    plain = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "constant_memory": True})
    sheet = plain.add_worksheet()
    for r, s in enumerate(results["subjects"]):
        sheet.write_row(r, 0, [s["rank"], s["name"], *(float(c["applied"]) for c in s["card"]["children"]),
                               float(s["total"]), s.get("grade") or "", "", ""])
    plain.close()
    floor = time.perf_counter() - started
    return {"subjects": len(results["subjects"]), "seconds": round(seconds, 4), "floor_seconds": round(floor, 4),
            "bytes": len(body)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        sheet = Path(root) / "bench.xlsx"
        _write(sheet, args.rows)
        runs = {
            "read_floor": child.run({"task": "sheets_read_floor", "file": str(sheet)}),
            "record_floor": child.run({"task": "sheets_record_floor", "file": str(sheet), "store": f"{root}/a"}),
            "import": child.run({"task": "sheets_import", "file": str(sheet), "store": f"{root}/b"}),
            "pages": child.run({"task": "sheets_pages", "file": str(sheet), "store": f"{root}/c"}),
            "export_city": child.run({"task": "sheets_export_city"}),
        }
    print(f"file: {args.rows:,} rows, {sheet.name}")
    for name, found in runs.items():
        print(f"{name:14s} {json.dumps(found, ensure_ascii=False)}")
    imported, recorded, read = runs["import"], runs["record_floor"], runs["read_floor"]
    if all("rows_per_s" in r for r in (imported, recorded, read)):
        print(f"import end to end: {imported['rows_per_s']:,} rows/s (target ≥ 20,000), peak {imported['peak_mb']} MB;"
              f" {imported['rows_per_s'] / recorded['rows_per_s']:.2f} of recording the parsed facts,"
              f" {imported['rows_per_s'] / read['rows_per_s']:.3f} of reading the cells")
    pages = runs["pages"]
    if "rows_per_s" in pages:
        print(f"the page path: preview {pages['preview_seconds']} s, confirm {pages['confirm_seconds']} s,"
              f" {pages['rows_per_s']:,} rows/s from upload to the totals, peak {pages['peak_mb']} MB")
    city = runs["export_city"]
    if "seconds" in city:
        print(f"city rankings export: {city['seconds']} s for {city['subjects']} units;"
              f" {city['floor_seconds'] / city['seconds']:.2f} of writing the same cells plainly")


if __name__ == "__main__":
    main()
