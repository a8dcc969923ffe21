"""Reading YAML 1.2 (and JSON) into plain data, with the line of every value.

The text is composed into nodes and built by hand, so that numbers become Decimal from
their text (never a binary float), codes with leading zeros ("010") stay strings, and every
value's line is known for error reports. Shared by the scheme and calendar loaders.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.errors import InvalidInput, Problem

Loc = tuple[str | int, ...]
Lines = dict[Loc, int]
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")


def dotted(path: Loc) -> str:
    """A path as text: tree.children[0].max."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_yaml(
    text: str, source: str, error: type[InvalidInput], kind: str = "YAML"
) -> tuple[Any, Lines, list[Problem]]:
    """YAML 1.2 text to plain data, lines, and the problems that still let validation go on (duplicates);
    text that cannot be read at all raises `error`."""
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(f"{source}: not valid {kind}", [Problem("", str(exc.problem), line)]) from None
    except YAMLError as exc:  # e.g. a character YAML does not allow (NUL): no mark to report
        raise error(f"{source}: not valid {kind}", [Problem("", str(exc))]) from None
    if root is None:
        raise error(f"{source}: the file is empty", [Problem("", "expected a mapping")])
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


def line_of(path: tuple[str | int, ...], lines: Lines) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), None)
