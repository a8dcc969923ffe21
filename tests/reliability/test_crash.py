"""kill -9 the server at random moments under load, restart, and check what the store holds against what the
writers were told: every acknowledged fact stored exactly once, every request stored whole or not at all.

Writers post batches of 1 to 4 facts (several items, several subjects), each request with its own key and
body; an unanswered request is retried with the same key and body until answered or the run ends (its outcome
then stays unknown, and is counted, never forced). SLTEST_CRASH_RUNS sets the number of crashes (CI: 3; the
long version: 20 or more).
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


def test_crashes_under_load_lose_nothing_acknowledged_store_nothing_twice_and_no_request_in_part(
    tmp_path: Path,
) -> None:
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
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {ADMIN}"}) as client:
        assert client.post("/periods/2026-Q1/close").status_code == 200
        assert client.post("/periods/2026-Q1/publish", json={"published_on": "2026-04-01"}).status_code == 200
    server.stop()
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    try:
        result = tally(service, ledger)
    finally:
        service.close()
    print(f"crash runs {RUNS}: {result}")
    assert result.acknowledged > 0 and result.stored >= sum(len(ledger.attempted[k]) for k in ledger.acknowledged)
    assert result.ok(), result
