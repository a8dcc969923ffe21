"""Concurrent writers over HTTP, bounded in time: against one server (SQLite), and against two
server processes sharing PostgreSQL. Each writer posts batches of 1 to 4 facts with its own keys and bodies;
lost, duplicated, half-stored and unknown facts and version gaps must all be zero (tests/reliability/checks.py).

SLTEST_LOAD_SECONDS sets the duration (CI: 3 s; the long version: 60 s or more).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from service.bootstrap import build
from service.settings import Settings
from tests.integration.conftest import PG, postgres_or_skip
from tests.reliability.checks import tally
from tests.reliability.harness import Ledger, Server, issue_tokens, set_up_period, writer
from tests.signing import TEST_KEY

SECONDS = float(os.environ.get("SLTEST_LOAD_SECONDS", "3"))


def _run(servers: list[Server], clients: int) -> Ledger:
    ledger, stop = Ledger(), threading.Event()
    threads = [threading.Thread(target=writer, args=(servers[n % len(servers)].base, f"c{n}", ledger, stop))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(30)
    return ledger


def test_eight_clients_on_one_embedded_server_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    env = {"SCORELEDGER_DATA_DIR": str(tmp_path / "data")}
    issue_tokens(env)
    server = Server(env).start()
    try:
        set_up_period(server.base)
        ledger = _run([server], 8)
    finally:
        server.stop()
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    try:
        result = tally(service, ledger)
    finally:
        service.close()
    print(f"one server, 8 clients, {SECONDS}s: {result}")
    assert result.acknowledged > 0 and result.ok(), result


def test_two_server_processes_sharing_postgres_lose_and_duplicate_nothing(pg_schema: str, tmp_path: Path) -> None:
    postgres_or_skip()
    env = {"SCORELEDGER_STORE": "postgres", "SCORELEDGER_PG_SCHEMA": pg_schema, "SCORELEDGER_PG_DBNAME": "test",
           "SCORELEDGER_PG_HOST": str(PG["pg_host"]), "SCORELEDGER_PG_USER": str(PG["pg_user"])}
    issue_tokens(env)
    servers = [Server(env).start(), Server(env).start()]
    try:
        set_up_period(servers[0].base)
        ledger = _run(servers, 8)
    finally:
        for server in servers:
            server.stop()
    service = build(Settings(signing_key=TEST_KEY, store="postgres", pg_schema=pg_schema, data_dir=tmp_path, **PG))  # type: ignore[arg-type]
    try:
        result = tally(service, ledger)
    finally:
        service.close()
    print(f"two servers on PostgreSQL, 8 clients, {SECONDS}s: {result}")
    assert result.acknowledged > 0 and result.ok(), result


