"""The scoreledger command: check schemes, score a period from a facts file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.anchor_cmds import register as register_anchor_commands
from cli.facts_cmds import register as register_facts_commands
from cli.factsfile import read_facts_file
from cli.ledger_cmds import register as register_ledger_commands
from cli.ops_cmds import App
from cli.ops_cmds import register as register_ops_commands
from cli.render import explanation_tree, ranking_table
from cli.serve_cmds import register as register_serve_commands
from cli.sheets_cmds import register as register_sheets_commands
from domain.canonical import canonical_bytes
from domain.errors import InvalidInput
from domain.scheme.loader import load_scheme_file
from domain.scheme.schema import scheme_json_schema_text
from domain.scoring import score_period, score_year

app = App(no_args_is_help=True, help="scoreledger: exact, explained performance scoring.")
schemes = typer.Typer(no_args_is_help=True, help="Scheme files: check them, print their JSON Schema.")
app.add_typer(schemes, name="schemes")
register_ledger_commands(app)
register_serve_commands(app)
register_ops_commands(app)
register_anchor_commands(app)
register_sheets_commands(app)
register_facts_commands(app)
out = Console()
err = Console(stderr=True)


def _fail(error: InvalidInput) -> None:
    err.print(f"[bold red]{error.title}[/]")
    for problem in error.problems:
        err.print(f"  [red]✗[/] {problem}")
    raise typer.Exit(1)


@schemes.command("check")
def check(file: Path) -> None:
    """Validate a scheme file and report every problem with its path and line."""
    try:
        scheme = load_scheme_file(file)
    except InvalidInput as exc:
        _fail(exc)
        return
    out.print(f"[green]OK[/] {file}: {scheme.scheme} v{scheme.version} {scheme.title}")
    out.print(f"  {len(scheme.nodes)} nodes, {len(scheme.items)} items, {len(scheme.vetoes)} vetoes")
    out.print(f"  content hash {scheme.content_hash}")


@schemes.command("schema")
def schema() -> None:
    """Print the JSON Schema of scheme files (generated from the model)."""
    sys.stdout.write(scheme_json_schema_text())


@app.command()
def score(
    scheme_file: Annotated[Path, typer.Argument(metavar="SCHEME")],
    facts_file: Annotated[Path, typer.Argument(metavar="FACTS")],
    period: Annotated[
        str | None, typer.Option(help="Period to score, e.g. 2026-Q1 (default: the facts' only one).")
    ] = None,
    year: Annotated[str | None, typer.Option(help="G6: grade a year from its quarters.")] = None,
    explain: Annotated[str | None, typer.Option(metavar="SUBJECT", help="Show one subject's explanation tree.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Canonical JSON on stdout.")] = False,
) -> None:
    """Score a period (or a year, G6) and print the ranked table."""
    try:
        scheme = load_scheme_file(scheme_file)
        data = read_facts_file(facts_file)
        if year is not None:
            result = score_year(scheme, data.subjects, data.facts, year)
            _print(result.canonical() if json else None, result)
            return
        chosen = period or _only_period(data.facts)
        scored = score_period(scheme, data.subjects, data.facts, chosen, lines=data.lines)
    except InvalidInput as exc:
        _fail(exc)
        return
    if json:
        target = scored.subject(explain) if explain else scored
        sys.stdout.buffer.write(canonical_bytes(target) + b"\n")
        return
    out.print(ranking_table(scored))
    if explain:
        out.print(explanation_tree(scored.subject(explain)))


def _only_period(facts: list) -> str:  # type: ignore[type-arg]
    periods = sorted({f.period for f in facts})
    if len(periods) != 1:
        raise InvalidInput("give --period: the facts span " + (", ".join(periods) or "no period"), [])
    return periods[0]


def _print(raw: bytes | None, result: object) -> None:
    if raw is not None:
        sys.stdout.buffer.write(raw + b"\n")
        return
    from rich.table import Table

    table = Table(title="year grades (G6)")
    for column in ("subject", "quarters", "grade", "flags", "ruled out"):
        table.add_column(column)
    for row in result.subjects:  # type: ignore[attr-defined]
        quarters = " ".join(f"{q[-2:]}:{g or '—'}" for q, g in row.quarter_grades.items())
        table.add_row(row.subject, quarters, row.grade, ", ".join(row.flags), ", ".join(row.ruled_out))
    out.print(table)
