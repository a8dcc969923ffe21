"""Load a scheme file: YAML 1.2 (``no`` stays a word), exact numbers, every problem located
(the reading itself is domain.yamltext, shared with calendar files)."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from domain.errors import Problem, SchemeInvalid
from domain.scheme.checks import semantic_problems
from domain.scheme.model import Scheme
from domain.scheme.nodes import TAGS
from domain.yamltext import Lines, dotted, line_of, read_yaml


def load_scheme_file(path: str | FsPath) -> Scheme:
    """Load and validate a scheme file; raises SchemeInvalid listing every problem."""
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemeInvalid(f"cannot read scheme file {path}", [Problem("", str(exc))]) from None
    return load_scheme_text(text, source=str(path))


def load_scheme_text(text: str, source: str = "<scheme>") -> Scheme:
    """Parse YAML text into a validated Scheme; raises SchemeInvalid listing every problem."""
    data, lines, duplicates = read_yaml(text, source, SchemeInvalid)
    try:
        scheme = validate_scheme(data, lines, source)
    except SchemeInvalid as exc:
        exc.problems = sorted(duplicates + exc.problems, key=lambda p: (p.line or 0, p.path))
        raise
    if duplicates:
        raise SchemeInvalid(f"{source}: not valid YAML", duplicates)
    return scheme


def validate_scheme(data: Any, lines: Lines | None = None, source: str = "<scheme>") -> Scheme:
    """Validate plain data as a Scheme: structure first, then the semantic checks."""
    lines = lines or {}
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        raise SchemeInvalid(f"{source}: the scheme is invalid", _pydantic_problems(exc, lines)) from None
    semantic = semantic_problems(scheme)
    if semantic:
        problems = [Problem(dotted(p), msg, line_of(p, lines)) for p, msg in semantic]
        raise SchemeInvalid(f"{source}: the scheme is invalid", problems)
    return scheme


def parse_yaml(text: str, source: str = "<scheme>") -> tuple[Any, Lines]:
    """YAML 1.2 text to plain data plus the line of every path; any problem raises."""
    data, lines, problems = read_yaml(text, source, SchemeInvalid)
    if problems:
        raise SchemeInvalid(f"{source}: not valid YAML", problems)
    return data, lines


def _pydantic_problems(exc: ValidationError, lines: Lines) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        problems.append(Problem(dotted(loc), error["msg"], line_of(loc, lines)))
    return problems


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and (part in TAGS.values() or part.startswith("function-"))
