"""One adversarial world per module (tests/adversarial/world.py), on the embedded store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from service.bootstrap import build
from service.settings import Settings
from tests.adversarial.world import Clock, World, build_world
from tests.signing import TEST_KEY


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("adversarial") / "data"))
    clock = Clock()
    try:
        with TestClient(create_app(service=service, clock=clock)) as client:
            yield build_world(client, service, clock)
    finally:
        service.close()
