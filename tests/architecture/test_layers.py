"""The layout shows the architecture: imports point inward only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each ring may import only itself and the rings listed (domain is the core).
ALLOWED = {
    "domain": {"domain"},
    "projections": {"domain", "projections"},
    "replay": {"domain", "projections", "replay"},
    "service": {"domain", "projections", "replay", "service"},
    "api": {"domain", "projections", "replay", "service", "api"},
    "web": {"domain", "projections", "replay", "service", "api", "web"},
    "cli": {"domain", "projections", "replay", "service", "api", "web", "cli"},
}
# Pages call the service layer: of the API they may use only its error kinds (api.problems) and,
# in web/app.py alone, the app they add themselves to; never an HTTP client.
WEB_MAY_USE_FROM_API = {"api.problems"}
HTTP_CLIENTS = {"httpx", "requests", "urllib.request", "http.client", "aiohttp"}
FORBIDDEN_IN_DOMAIN = {"fastapi", "starlette", "sqlite3", "psycopg", "typer", "rich"}
# Aggregates use the library's pure domain module; its persistence and application layers stay outside.
ALLOWED_EVENTSOURCING_IN_DOMAIN = {"eventsourcing.domain"}


def _modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


@pytest.mark.parametrize("ring", sorted(ALLOWED))
def test_each_ring_imports_only_inner_rings(ring: str) -> None:
    for path in sorted((ROOT / ring).rglob("*.py")):
        outward = (_imports(path) & set(ALLOWED)) - ALLOWED[ring]
        assert not outward, f"{path.relative_to(ROOT)} imports outer ring(s) {sorted(outward)}"


def test_pages_call_the_service_layer_never_the_http_api() -> None:
    for path in sorted((ROOT / "web").rglob("*.py")):
        modules = _modules(path)
        api = {m for m in modules if m.split(".")[0] == "api"} - WEB_MAY_USE_FROM_API
        if path.relative_to(ROOT).as_posix() == "web/app.py":
            api -= {"api.app"}
        assert not api, f"{path.relative_to(ROOT)} uses the API's {sorted(api)}"
        clients = {m for m in modules if m in HTTP_CLIENTS or m.split(".")[0] in HTTP_CLIENTS}
        assert not clients, f"{path.relative_to(ROOT)} imports an HTTP client {sorted(clients)}"


def test_the_domain_knows_nothing_of_storage_http_or_the_terminal() -> None:
    for path in sorted((ROOT / "domain").rglob("*.py")):
        found = _imports(path) & FORBIDDEN_IN_DOMAIN
        assert not found, f"{path.relative_to(ROOT)} imports {sorted(found)}"
        library = {m for m in _modules(path) if m.startswith("eventsourcing")} - ALLOWED_EVENTSOURCING_IN_DOMAIN
        assert not library, f"{path.relative_to(ROOT)} imports {sorted(library)}"


def test_no_binary_float_appears_in_scoring_code() -> None:
    for path in sorted((ROOT / "domain").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "float"]
        assert not calls, f"{path.relative_to(ROOT)} calls float()"
