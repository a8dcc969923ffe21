"""Spreadsheets on the command line: import (preview, then confirm), templates, exports, the 公示 PDF.

Every command acts as the holder of a token (--token or SCORELEDGER_TOKEN), with the same rights
and the same recorder name as through the API.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from domain.errors import InvalidInput, ScoreledgerError
from domain.texts.catalog import text
from service.bootstrap import Service, build
from service.sheets import documents
from service.sheets.importing import Upload
from service.sheets.pdf import publication_pdf
from service.sheets.publication import Contact
from service.tokens import Actor, actor_for

out = Console()
err = Console(stderr=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
Token = Annotated[str, typer.Option(envvar="SCORELEDGER_TOKEN", help="Your token (or SCORELEDGER_TOKEN).")]
Period = Annotated[str, typer.Argument(help="Period code, e.g. 2026-Q1.")]
Output = Annotated[Path, typer.Argument(help="Where to write the file.")]


def _bar() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True, disable=not sys.stderr.isatty())


def _session(token: str) -> tuple[Service, Actor]:
    service = build()
    try:
        now = datetime.now(ZoneInfo("Asia/Shanghai"))
        return service, actor_for(service.ledger, token, now, demo=service.settings.demo)
    except ScoreledgerError:
        service.close()
        raise


def _fail(exc: ScoreledgerError) -> None:
    if isinstance(exc, InvalidInput):
        err.print(f"[bold red]{exc.title}[/]")
        for problem in exc.problems:
            err.print(f"  [red]✗[/] {problem.message}")
    else:
        err.print(f"[bold red]{exc}[/]")
    raise typer.Exit(1)


KIND_HELP = "office (an office's 考核记录表), rating (the rater's 测评表) or decisions (the leading group's register)"


def register(app: typer.Typer) -> None:
    sheets = typer.Typer(no_args_is_help=True, help="Spreadsheets: import facts, templates, exports, the 公示.")
    app.add_typer(sheets, name="sheets")

    @sheets.command("import")
    def import_cmd(
        period: Period, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)], token: Token,
        encoding: Annotated[str | None, typer.Option(help="A CSV file's encoding if not detected: utf-8, gbk.")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Record without asking after the preview.")] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Preview only.")] = False,
        again: Annotated[int, typer.Option(min=0, help="Import a file imported before once more: how many imports "
                                           "of it the preview showed.")] = 0,
    ) -> None:
        """Import facts from .xlsx or CSV: every problem at once, then record all of them or none. A file imported
        before is not recorded again (its earlier import is shown) unless --again says so."""
        upload = Upload(file.name, file.read_bytes(), encoding)
        try:
            service, actor = _session(token)
        except ScoreledgerError as exc:
            _fail(exc)
            return
        try:
            now = datetime.now(SHANGHAI)
            importer = documents.importer(service, actor, period, now.isoformat(), now.date())
            with _bar() as bar:
                task = bar.add_task("读取并检查", total=None)
                preview = importer.preview(upload, lambda done, total: bar.update(task, completed=done, total=total))
            _print_preview(preview)
            if dry_run or not (yes or typer.confirm(f"导入这 {preview['rows']} 条记录？")):
                return
            with _bar() as bar:
                task = bar.add_task("录入", total=None)
                result = importer.confirm(upload, preview["file"]["sha256"], again=again,
                                          progress=lambda d, t: bar.update(task, completed=d, total=t))
            if result["replayed"]:
                out.print(text("import.replayed", when=result["imported_at"][:16].replace("T", " "),
                               rows=result["rows"]))
            else:
                out.print(f"[green]已导入[/] {len(result['facts'])} 条记录（日志位置 {result['position']}）")
        except ScoreledgerError as exc:
            _fail(exc)
        finally:
            service.close()

    @sheets.command("template")
    def template_cmd(period: Period, output: Output, token: Token,
                     office: Annotated[str | None, typer.Option(help="Office code, e.g. inspection.")] = None,
                     kind: Annotated[str, typer.Option(help=KIND_HELP)] = "office") -> None:
        """Write a template (.xlsx) for the period: an office's, the token's rater's, or the leading group's."""
        makers = {"office": lambda s, a: documents.template(s, a, period, office)[0],
                  "rating": lambda s, a: documents.rating_sheet(s, a, period)[0],
                  "decisions": lambda s, a: documents.decisions_sheet(s, a, period)[0]}
        if kind not in makers:
            err.print(f"[red]choose one of {', '.join(makers)}[/]")
            raise typer.Exit(2)
        _write(token, output, makers[kind])

    @sheets.command("export")
    def export_cmd(
        what: Annotated[str, typer.Argument(help="rankings, scorecard, appeals or year")],
        target: Annotated[str, typer.Argument(help="Period code (a year for 'year').")],
        output: Output, token: Token,
        subject: Annotated[str | None, typer.Option(help="The subject of a scorecard.")] = None,
    ) -> None:
        """Export results as .xlsx: rankings, a scorecard, the appeal register, a year's summary (G6)."""
        makers = {
            "rankings": lambda s, a: documents.rankings(s, a, target)[0],
            "scorecard": lambda s, a: documents.scorecard(s, a, target, subject or "")[0],
            "appeals": lambda s, a: documents.appeal_register(s, a, target)[0],
            "year": lambda s, a: documents.year_summary(s, a, target)[0],
        }
        if what not in makers:
            err.print(f"[red]choose one of {', '.join(makers)}[/]")
            raise typer.Exit(2)
        _write(token, output, makers[what])

    @sheets.command("publication")
    def publication_cmd(
        period: Period, output: Output, token: Token,
        base_url: Annotated[str, typer.Option(help="The service's address, for the QR code.")] = "http://127.0.0.1:8000/",
        office: Annotated[str | None, typer.Option(help="The office that receives appeals.")] = None,
        phone: Annotated[str | None, typer.Option(help="Its telephone.")] = None,
    ) -> None:
        """Write the 公示 of a published period as a PDF."""
        contact = Contact(office=office or Contact().office, phone=phone)
        _write(token, output, lambda s, a: publication_pdf(documents.publication(s, a, period, base_url, contact)))


def _write(token: str, output: Path, make: object) -> None:
    try:
        service, actor = _session(token)
    except ScoreledgerError as exc:
        _fail(exc)
        return
    try:
        with _bar() as bar:
            bar.add_task(f"生成 {output.name}", total=None)
            body = make(service, actor)  # type: ignore[operator]
        output.write_bytes(body)
        out.print(f"[green]已写入[/] {output}（{len(body):,} 字节）")
    except ScoreledgerError as exc:
        _fail(exc)
    finally:
        service.close()


def _print_preview(preview: dict[str, object]) -> None:
    file = preview["file"]
    table = Table(title=f"{file['name']}：{preview['rows']} 条记录")  # type: ignore[index]
    for column in ("考核项目", "条数"):
        table.add_column(column)
    for item in preview["items"]:  # type: ignore[attr-defined]
        table.add_row(f"{item['item']} {item['title']}", str(item["rows"]))
    out.print(table)
    if file["ignored_columns"]:  # type: ignore[index]
        out.print(f"已忽略的列：{'、'.join(file['ignored_columns'])}")  # type: ignore[index]
