"""Every error message the code can raise, found in its source: the shapes the catalog must translate.

A shape is the message's text with each interpolated value written `{}` (`{!r}` when shown
with repr), so `f"unknown subject {subject_id!r}"` is `unknown subject {!r}`. Messages come
from: the first argument of `raise SomeError(...)` for every kind of ScoreledgerError,
the message of every `Problem(path, message)`, the last text of the tuples the fact checks
collect (domain/scoring/validate.py), and the refusals the recording policy returns.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# People meet these: commands, recording, appeals, reads. Scheme authoring (domain/scheme), settings,
# calendar files, keys, re-establishing the checkpoint file, backups, restores and notifiers are the
# operator's, at the command line (their lines in service/ops_texts.py), and are not checked here.
RINGS = ("domain", "service", "api", "replay", "projections", "web")
OPERATOR_ONLY = ("domain/scheme/", "domain/calendar_file.py", "service/settings.py", "domain/texts/",
                 "service/backup", "service/restore.py", "service/notify/", "service/readonly.py",
                 "service/signing.py", "replay/checkpoint.py", "service/anchor_setup.py")
# the fact checks, which collect (field, message) pairs
TUPLE_FILES = ("domain/scoring/validate.py", "domain/scoring/vetting.py", "domain/scoring/fields.py",
               "domain/scoring/dating.py")
ERROR_NAMES_EXCLUDED = {"KeyError", "ValueError", "TypeError", "RuntimeError", "AssertionError", "NotImplementedError"}


def shape(node: ast.expr) -> str | None:
    """The message shape of a string literal or f-string; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{!r}" if value.conversion == ord("r") else "{}")
        return "".join(parts)
    return None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def shapes_in(path: Path) -> Iterator[tuple[str, int]]:
    """(shape, line) of every message in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(ROOT).as_posix()
    types = {id(n.slice) for n in ast.walk(tree) if isinstance(n, ast.Subscript)}  # Callable[[str], "str | None"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            name = _called(node.exc)
            if name[:1].isupper() and name not in ERROR_NAMES_EXCLUDED:
                found = shape(node.exc.args[0])
                if found is not None:
                    yield found, node.lineno
        if isinstance(node, ast.Call) and _called(node) == "Problem" and len(node.args) >= 2:
            found = shape(node.args[1])
            if found is not None:
                yield found, node.lineno
        if relative in TUPLE_FILES and isinstance(node, ast.Tuple) and len(node.elts) >= 2 and id(node) not in types:
            found = shape(node.elts[-1])
            if found is not None and " " in found:  # a message, not a field name
                yield found, node.lineno
        if relative in TUPLE_FILES and isinstance(node, ast.Call) and _called(node) == "append" and node.args:
            found = shape(node.args[0])
            if found is not None and " " in found:
                yield found, node.lineno
        if isinstance(node, ast.FunctionDef) and node.name.endswith("refusal"):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    found = shape(inner.value)
                    if found is not None:
                        yield found, inner.lineno


def every_shape() -> dict[str, list[str]]:
    """Each message shape with where it is raised."""
    found: dict[str, list[str]] = {}
    for ring in RINGS:
        for path in sorted((ROOT / ring).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(OPERATOR_ONLY):
                continue
            for text, line in shapes_in(path):
                found.setdefault(text, []).append(f"{relative}:{line}")
    return found
