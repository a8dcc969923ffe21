"""A period of the demo bureau (ZJG version 2, with the Chinese labels of its values) on a fresh store, for sheet tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.scheme.loader import load_scheme_file
from domain.scheme.model import Scheme
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS
from service.settings import Settings
from service.tokens import Actor, issue_token
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
AT = "2026-03-20T10:00:00+08:00"
PERIOD = "2026-Q1"
DEPARTMENTS = ["办公室", "党建科", "督查科", "审批协调科", "人事教育科", "咨询指导科"]


def labelled_zjg() -> Scheme:
    """The shipped ZJG: version 2 declares the Chinese labels of its coded values (市级, 引发矛盾 …)."""
    return load_scheme_file(ROOT / "schemes" / "zjg.yaml")


def open_quarter(service: Service, code: str = PERIOD) -> None:
    from domain.facts import Subject

    ledger = service.ledger
    ledger.register_scheme(labelled_zjg(), "admin", AT)
    ledger.open_period(code, "ZJG", 2, "admin", AT)
    subjects = [Subject(id=f"s{i:03d}", name=name, group="g1", kind="department")
                for i, name in enumerate(DEPARTMENTS, start=1)]
    ledger.register_subjects(code, subjects, "admin", AT)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(built.ledger, principal, role, scope, "test", AT, token=token)
    open_quarter(built)
    yield built
    built.close()


OFFICE = Actor("督查科", "recorder", ("inspection",))
ALL_OFFICES = Actor("督查科", "recorder", ("inspection", "office", "personnel", "guidance"))
