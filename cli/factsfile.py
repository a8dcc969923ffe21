"""Read a facts file (JSON lines or CSV): subjects and facts, every bad line named."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.errors import FactsInvalid, Problem
from domain.facts import Fact, Subject

_FACT = TypeAdapter(Fact)
_LIST_FIELDS = {"parties"}


@dataclass
class FactsFile:
    """What a facts file holds, with the line each fact came from."""

    subjects: list[Subject] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def read_facts_file(path: Path) -> FactsFile:
    """Parse a .jsonl/.json or .csv facts file; raises FactsInvalid naming every bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FactsInvalid(f"cannot read {path}", [Problem("", str(exc))]) from None
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else _jsonl_rows(text)
    result, problems = FactsFile(), []
    for line, row in rows:
        if isinstance(row, Problem):
            problems.append(row)
            continue
        try:
            if row.get("type") == "subject":
                result.subjects.append(Subject.model_validate({k: v for k, v in row.items() if k != "type"}))
            else:
                result.facts.append(_FACT.validate_python(row))
                result.lines.append(line)
        except ValidationError as exc:
            problems += [Problem(".".join(map(str, e["loc"])), e["msg"], line) for e in exc.errors(include_url=False)]
    if problems:
        raise FactsInvalid(f"{path}: {len(problems)} problem(s)", problems)
    return result


def _jsonl_rows(text: str) -> list[tuple[int, dict[str, Any] | Problem]]:
    rows: list[tuple[int, dict[str, Any] | Problem]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            value = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            rows.append((number, Problem("", f"not valid JSON: {exc.msg} (column {exc.colno})", number)))
            continue
        if not isinstance(value, dict):
            rows.append((number, Problem("", "each line must be a JSON object", number)))
            continue
        rows.append((number, value))
    return rows


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any] | Problem]]:
    reader = csv.DictReader(text.splitlines())
    rows: list[tuple[int, dict[str, Any] | Problem]] = []
    for row in reader:
        number = reader.line_num
        if None in row:
            rows.append((number, Problem("", "more cells than the header has columns", number)))
            continue
        rows.append((number, _csv_record(row)))
    return rows


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    """attr.X columns become attributes; parties are written u1:lead;u2:co; empty cells are absent."""
    record: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        if key.startswith("attr."):
            record.setdefault("attributes", {})[key[5:]] = value
        elif key in _LIST_FIELDS:
            record[key] = [dict(zip(("subject", "role"), p.split(":", 1), strict=False)) for p in value.split(";") if p]
        elif key == "count":
            record[key] = int(value) if value.isascii() and value.isdigit() else value
        else:
            record[key] = value
    return record
