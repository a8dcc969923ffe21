"""Load a scheme file: YAML 1.2 (``no`` stays a word), exact numbers, every problem located.

The YAML is composed into nodes and built by hand, so that numbers become Decimal from
their text (never a binary float), codes with leading zeros ("010") stay strings, and
every value's line is known for error reports.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.errors import Problem, SchemeInvalid
from domain.scheme.checks import dotted, semantic_problems
from domain.scheme.model import Scheme
from domain.scheme.nodes import TAGS

Lines = dict[tuple[str | int, ...], int]
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")


def load_scheme_file(path: str | FsPath) -> Scheme:
    """Load and validate a scheme file; raises SchemeInvalid listing every problem."""
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemeInvalid(f"cannot read scheme file {path}", [Problem("", str(exc))]) from None
    return load_scheme_text(text, source=str(path))


def load_scheme_text(text: str, source: str = "<scheme>") -> Scheme:
    """Parse YAML text into a validated Scheme; raises SchemeInvalid listing every problem."""
    data, lines, duplicates = _parse(text, source)
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
        problems = [Problem(dotted(p), msg, _line_of(p, lines)) for p, msg in semantic]
        raise SchemeInvalid(f"{source}: the scheme is invalid", problems)
    return scheme


def parse_yaml(text: str, source: str = "<scheme>") -> tuple[Any, Lines]:
    """YAML 1.2 text to plain data plus the line of every path; any problem raises."""
    data, lines, problems = _parse(text, source)
    if problems:
        raise SchemeInvalid(f"{source}: not valid YAML", problems)
    return data, lines


def _parse(text: str, source: str) -> tuple[Any, Lines, list[Problem]]:
    """YAML 1.2 text to plain data, lines, and the problems that still let validation go on."""
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise SchemeInvalid(f"{source}: not valid YAML", [Problem("", str(exc.problem), line)]) from None
    except YAMLError as exc:  # e.g. a character YAML does not allow (NUL): no mark to report
        raise SchemeInvalid(f"{source}: not valid YAML", [Problem("", str(exc))]) from None
    if root is None:
        raise SchemeInvalid(f"{source}: the file is empty", [Problem("", "expected a mapping")])
    lines: Lines = {}
    problems: list[Problem] = []
    data = _build(root, (), lines, problems)
    return data, lines, problems


def _build(node: Node, path: tuple[str | int, ...], lines: Lines, problems: list[Problem]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                problems.append(
                    Problem(dotted(path), "mapping keys must be plain scalars", key_node.start_mark.line + 1)
                )
                continue
            if key in result:
                problems.append(Problem(dotted((*path, key)), "duplicate key", key_node.start_mark.line + 1))
            result[key] = _build(value_node, (*path, key), lines, problems)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), lines, problems) for i, item in enumerate(node.value)]
    return _scalar(node, path, problems)


def _scalar(node: ScalarNode, path: tuple[str | int, ...], problems: list[Problem]) -> Any:
    text, tag = node.value, node.tag.value if hasattr(node.tag, "value") else str(node.tag)
    if node.style in ("'", '"', "|", ">"):
        return text
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return text.lower() == "true"
    if tag.endswith(":int"):
        if _LEADING_ZERO.match(text):
            return text  # a code such as 010 stays the string "010", never 10 or 8
        return _number(text, path, node, problems)
    if tag.endswith(":float"):
        return _number(text, path, node, problems)
    return text


def _number(text: str, path: tuple[str | int, ...], node: ScalarNode, problems: list[Problem]) -> Any:
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(Problem(dotted(path), f"{text!r} is not a finite decimal number", node.start_mark.line + 1))
        return text
    return int(value) if value == value.to_integral_value() and "." not in text and "e" not in text.lower() else value


def _pydantic_problems(exc: ValidationError, lines: Lines) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        problems.append(Problem(dotted(loc), error["msg"], _line_of(loc, lines)))
    return problems


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and (part in TAGS.values() or part.startswith("function-"))


def _line_of(path: tuple[str | int, ...], lines: Lines) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), None)
