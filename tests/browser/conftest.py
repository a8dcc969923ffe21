"""Real Chromium (Debian's, never a downloaded browser) driving the pages of a real server.

The server runs in this process (uvicorn on a socket bound to port 0, in a thread) on a fresh
demo store, so tests can set its clock and count the log. Without /usr/bin/chromium the tests
skip with a message; under CI=true they fail instead (.ci/run installs chromium with apt-get).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from service.bootstrap import Service, build
from service.settings import Settings
from tests.signing import TEST_KEY
from tests.web.conftest import Clock, cheap_hashes, demo_store  # noqa: F401 - fixtures shared with tests/web
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path("/tmp/shots")
PASSWORDS = {"admin": ("admin", "demo-admin"), "recorder": ("duchake", "demo-recorder"),
             "rater": ("juzhang", "demo-rater"), "auditor": ("shenji", "demo-auditor"),
             "reviewer": ("shensu", "demo-reviewer"), "subject": ("bangongshi", "demo-subject")}


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class Site:
    """A running server: its address, service, clock; a browser page signed in as someone."""

    def __init__(self, url: str, service: Service, clock: Clock, browser: Any) -> None:
        self.url, self.service, self.clock, self.browser = url, service, clock, browser

    def end(self) -> int:
        return self.service.ledger.recorder.max_notification_id() or 0

    def sign_in(self, role: str) -> Any:
        """A new browser page signed in through the sign-in form."""
        page = self.browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        username, password = PASSWORDS[role]
        page.goto(f"{self.url}/login")
        page.fill("#f-username", username)
        page.fill("#f-password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.url}/")
        return page


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def site(tmp_path: Path, demo_store: Path, cheap_hashes: None) -> Iterator[Site]:  # noqa: F811 - the imported fixtures
    _need_chromium()
    from playwright.sync_api import sync_playwright

    shutil.copytree(demo_store, tmp_path / "data")
    service, clock = build(Settings(data_dir=tmp_path / "data", demo=True, signing_key=TEST_KEY)), Clock()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(service=service, clock=clock), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield Site(f"http://127.0.0.1:{sock.getsockname()[1]}", service, clock, browser)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        service.close()
