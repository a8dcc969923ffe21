"""kill -9 the server at random moments under load, restart, and check nothing acknowledged was lost.

SLTEST_CRASH_RUNS sets the number of crashes (CI: 3; the long version: 20 or more).
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import httpx

from service.bootstrap import build
from service.settings import Settings
from tests.reliability.checks import tally
from tests.reliability.harness import ADMIN, Ledger, Server, issue_tokens, set_up_period, writer
from tests.signing import TEST_KEY

RUNS = int(os.environ.get("SLTEST_CRASH_RUNS", "3"))


def test_crashes_under_load_lose_nothing_acknowledged_and_retries_store_exactly_once(tmp_path: Path) -> None:
    env = {"SCORELEDGER_DATA_DIR": str(tmp_path / "data")}
    issue_tokens(env)
    server = Server(env).start()
    set_up_period(server.base)
    ledger, stop = Ledger(), threading.Event()
    rng = random.Random(2026)
    threads = [threading.Thread(target=writer, args=(server.base, f"w{n}", ledger, stop)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(RUNS):
            time.sleep(rng.uniform(0.3, 1.2))
            server.kill()
            time.sleep(rng.uniform(0.0, 0.3))
            server = Server(env, port=server.port).start()
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    # every key that failed is retried once more, with the same body, until acknowledged
    with httpx.Client(base_url=server.base, headers={"Authorization": "Bearer rel-recorder-token"}) as client:
        for key in sorted(ledger.pending):
            subject = f"s{(hash(key) % 12) + 1:03d}"
            response = client.post("/periods/2026-Q1/facts", headers={"Idempotency-Key": key},
                                   json={"type": "deduction", "item": "3.1", "subject": subject, "evidence": key})
            assert response.status_code == 201, response.text
            ledger.acknowledged[key] = response.json()["facts"][0]
        admin = {"Authorization": f"Bearer {ADMIN}"}
        assert client.post("/periods/2026-Q1/close", headers=admin).status_code == 200
        assert client.post("/periods/2026-Q1/publish", json={"published_on": "2026-04-01"}, headers=admin).status_code == 200
    server.stop()
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    try:
        result = tally(service, ledger)
    finally:
        service.close()
    print(f"crash runs {RUNS}: {result}")
    assert result.acknowledged == result.attempted > 0
    assert result.stored == result.acknowledged
    assert result.ok(), result
