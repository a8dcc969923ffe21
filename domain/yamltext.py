"""Reading YAML 1.2 (and JSON) into plain data, with the line of every value.

The text is composed into nodes and built by hand, so that numbers become Decimal from
their text (never a binary float), codes with leading zeros ("010") stay strings, and every
value's line is known for error reports. Shared by the scheme and calendar loaders.

Anchors and aliases (`&a`, `*a`, `<<: *a`) are refused before anything is built: a few hundred
bytes of nested aliases expand to billions of values (a 346-byte upload took 3.2 s and 390 MB).
Nesting deeper than MAX_DEPTH is refused as well, flow brackets counted before the parser sees
them (its time grows with the square of the depth: 5,000 brackets took 15 s), and so is a text of
more than MAX_VALUES values (the parser takes about 50 µs a value: a 1 MiB list would take 15 s;
the largest shipped scheme has about 1,100 events).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.canonical import paused_gc
from domain.errors import InvalidInput, Problem
from domain.texts.en_errors import ERRORS

Loc = tuple[str | int, ...]
Lines = dict[Loc, int]
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")
_BRACKETS = re.compile(r"[\[\]{}]")
MAX_DEPTH = 64  # levels of nesting; the deepest shipped scheme has 8
ALIASES = ERRORS["error.yaml_aliases"]
TOO_DEEP = ERRORS["error.yaml_too_deep"].format(depth=MAX_DEPTH)
MAX_VALUES = 20_000  # scalars and collections
TOO_MANY = ERRORS["error.yaml_too_many"].format(count=MAX_VALUES)


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
    with paused_gc():  # every node stays alive until built: the collector would only rescan them
        _refuse_expansion(yaml, text, source, error, kind)
        return _read(yaml, text, source, error, kind)


def _read(yaml: YAML, text: str, source: str, error: type[InvalidInput], kind: str) -> tuple[Any, Lines, list[Problem]]:
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


def _refuse_expansion(yaml: YAML, text: str, source: str, error: type[InvalidInput], kind: str) -> None:
    """Refuse anchors, aliases and deep nesting, every one with its line, before the text is composed."""
    steps = [1 if c in "[{" else -1 for c in _BRACKETS.findall(text)]
    if steps and max(accumulate(steps)) > MAX_DEPTH:  # counted generously (brackets in strings too)
        raise error(ERRORS["error.yaml_not_accepted"].format(source=source, kind=kind), [Problem("", TOO_DEEP)])
    problems: list[Problem] = []
    depth = 0
    try:
        for count, event in enumerate(yaml.parse(text)):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
                problems.append(Problem("", ALIASES, line))
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            if depth > MAX_DEPTH or count > MAX_VALUES:
                problems.append(Problem("", TOO_DEEP if depth > MAX_DEPTH else TOO_MANY, line))
                break
            if len(problems) >= 20:
                break
    except YAMLError:
        pass  # composing reports it, with its line
    if problems:
        raise error(ERRORS["error.yaml_not_accepted"].format(source=source, kind=kind), problems)


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
