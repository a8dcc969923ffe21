"""The figures of a run as rich tables: one row per figure, then how each grows from bureau to province."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bench.figures import figures

__all__ = ["figures", "growth", "show"]


def _mb(value: Any) -> str:
    return f"{value:,.0f}" if isinstance(value, (int, float)) else ""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def show(results: dict[str, Any]) -> None:
    """The figures as a table, then how each grows from bureau to province."""
    machine = results["machine"]
    table = Table(
        title=f"scoreledger benchmarks ({machine['cpus']} cores, Python {machine['python']}, "
        f"load {machine['load_before'][0]:.1f})"
    )
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in results["figures"]:
        table.add_row(*_cells(row, "[green]yes", "[red]no"))
    console = Console(width=200)
    console.print(table)
    console.print(growth(results))


def growth(results: dict[str, Any]) -> Table:
    """Per figure and store: the value for each workload and the province/bureau factor."""
    table = Table(title="growth from bureau to province")
    names = list(results["workloads"])
    for column in ("figure", "store", *names, "province/bureau"):
        table.add_column(column)
    keyed: dict[tuple[str, str], dict[str, Any]] = {}
    for row in results["figures"]:
        if isinstance(row["value"], (int, float)):
            keyed.setdefault((f"{row['figure']} ({row['unit']})", row["store"]), {})[row["workload"]] = row["value"]
            keyed.setdefault((f"{row['figure']} (peak MB)", row["store"]), {})[row["workload"]] = row["peak_mb"]
    for (figure, store), values in keyed.items():
        first, last = values.get("bureau"), values.get("province")
        factor = _fmt(round(last / first, 2)) if first and last else ""
        table.add_row(figure, store, *(_fmt(values.get(n)) for n in names), factor)
    return table


COLUMNS = ("figure", "workload", "store", "value", "floor", "ratio", "target", "met?", "peak MB", "note")


def _cells(row: dict[str, Any], yes: str, no: str) -> list[str]:
    return [
        row["figure"],
        row["workload"],
        row["store"],
        f"{_fmt(row['value'])} {row['unit']}".strip(),
        _fmt(row["floor"]),
        _fmt(row["ratio"]),
        row["target"],
        {True: yes, False: no, None: ""}[row["met"]],
        _mb(row["peak_mb"]),
        row["note"],
    ]


def markdown(results: dict[str, Any]) -> str:
    """The figures as a Markdown table (for BENCHMARKS.md)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in results["figures"]:
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in _cells(row, "yes", "**no**")) + " |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m bench.report [results.json] [--markdown] [--write]
    import json
    import sys
    from pathlib import Path

    path = Path(next((a for a in sys.argv[1:] if not a.startswith("--")), "bench/results.json"))
    loaded = json.loads(path.read_text())
    loaded["figures"] = figures(loaded)
    if "--write" in sys.argv:  # refresh the figures stored in the results file
        path.write_text(json.dumps(loaded, indent=1, ensure_ascii=False, default=str) + "\n")
    print(markdown(loaded)) if "--markdown" in sys.argv else show(loaded)
