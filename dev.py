#!/usr/bin/env python3
"""Set-up and tasks for a fresh machine with only Python 3.11+.

    python3 dev.py serve  # create .venv, install, run the service with the demo bureau: pages at /, OpenAPI at /docs
    python3 dev.py demo   # create .venv, install, score the shipped ZJG demo quarter on the command line
    python3 dev.py test   # create .venv, install with test extras, run the whole suite

The virtual environment is built from pyproject.toml; nothing installed by hand is used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SCORELEDGER_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"scoreledger needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--editable", f"{ROOT}[{extras}]" if extras else str(ROOT))


def run(*args: object) -> None:
    code = subprocess.call([str(a) for a in args], cwd=ROOT)
    if code:
        sys.exit(code)


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else "help"
    rest = sys.argv[2:]
    if task == "test":
        ensure_venv("test")
        run(BIN / "python", "-m", "ruff", "check", "domain", "projections", "replay", "service", "api", "web", "cli", "bench", "tests")
        run(BIN / "python", "-m", "pytest", *rest)
    elif task == "serve":
        ensure_venv("")
        run(BIN / "scoreledger", "serve", "--demo", *rest)
    elif task == "demo":
        ensure_venv("")
        run(BIN / "scoreledger", "score", "schemes/zjg.yaml", "schemes/demo/zjg-2026-Q1.jsonl", *rest)
    else:
        print(__doc__)


if __name__ == "__main__":
    main()
