"""Every catalog key the code looks up by name exists in the Chinese catalog: a mistyped key would
only fail when a person reaches that line (the templates' keys are checked in tests/web)."""

from __future__ import annotations

import ast
from pathlib import Path

from domain.texts.zh import TEXTS
from tests.texts.messages import RINGS, ROOT

LOOKUPS = {"text", "t"}


def keys_in(path: Path) -> list[tuple[str, int]]:
    """(key, line) of every text("key", …) whose key is written out."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        first = node.args[0]
        if name in LOOKUPS and isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
            found.append((first.value, node.lineno))
    return found


def test_every_key_looked_up_in_the_code_is_in_the_catalog() -> None:
    looked_up = {f"{p.relative_to(ROOT)}:{line}": key for ring in RINGS for p in sorted((ROOT / ring).rglob("*.py"))
                 for key, line in keys_in(p)}
    assert len(looked_up) > 100  # the walker finds the lookups (the sheets alone make dozens)
    missing = {where: key for where, key in looked_up.items() if key not in TEXTS}
    assert not missing, f"keys the catalog lacks: {missing}"
