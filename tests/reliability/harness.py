"""A real server process and writers that log every acknowledged id: for load, crash and concurrency runs."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ADMIN, RECORDER = "rel-admin-token", "rel-recorder-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A `uvicorn` process serving the app on loopback with a given store configuration."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {**os.environ, **self.env}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/openapi.json", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush beyond what the store already committed."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None


def issue_tokens(env: dict[str, str]) -> None:
    """Create the admin and recorder tokens with the CLI, before the server holds the store."""
    for principal, role, token in (("管理员", "admin", ADMIN), ("督查科", "recorder", RECORDER)):
        code = ("from service.bootstrap import build; from service.tokens import issue_token; s = build(); "
                f"issue_token(s.ledger, {principal!r}, {role!r}, ['inspection', 'office', 'personnel', 'guidance'], "
                f"'test', 'now', token={token!r}); s.close()")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, check=True,  # noqa: S603
                       capture_output=True, timeout=60)


def set_up_period(base: str, subjects: int = 12) -> None:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        client.post("/schemes", content=(ROOT / "schemes" / "zjg.yaml").read_bytes(),
                    headers={"content-type": "application/yaml"}).raise_for_status()
        client.post("/periods", json={"code": "2026-Q1", "scheme": "ZJG", "version": 2}).raise_for_status()
        people = [{"id": f"s{i:03d}", "name": f"科室{i}", "kind": "department"} for i in range(1, subjects + 1)]
        client.post("/periods/2026-Q1/subjects", json={"subjects": people}).raise_for_status()


ITEMS = [  # ZJG items the 督查科 token records (every office): (item, extra fields)
    ("3.1", {}),
    ("4.4", {}),
    ("2.1", {"count": 2}),
    ("1.1.1", {}),
    ("3.6", {}),
]


@dataclass
class Ledger:
    """What the clients saw: each request's key and the evidence of each fact it sent (every fact's evidence is
    unique), the fact ids acknowledged for a key, and the keys whose last outcome is unknown."""

    attempted: dict[str, list[str]] = field(default_factory=dict)
    acknowledged: dict[str, list[str]] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)  # answered 4xx: nothing of theirs may be stored
    lock: threading.Lock = field(default_factory=threading.Lock)

    def evidence(self) -> set[str]:
        return {e for batch in self.attempted.values() for e in batch}


def batch_for(name: str, n: int, rng: random.Random, subjects: int) -> list[dict[str, object]]:
    """The n-th request of a writer: 1 to 4 facts of different items and subjects, each with its own evidence."""
    facts = []
    for i in range(rng.randint(1, 4)):
        item, extra = ITEMS[rng.randrange(len(ITEMS))]
        subject = f"s{rng.randrange(subjects) + 1:03d}"
        facts.append({"type": "deduction", "item": item, "subject": subject, "evidence": f"{name}-{n}/{i}", **extra})
    return facts


def writer(base: str, name: str, ledger: Ledger, stop: threading.Event, subjects: int = 12) -> None:
    """Post batches with a fresh idempotency key each; a request that failed or got no answer is retried with the
    same key and body until it is answered or the run stops (then its outcome stays unknown: pending)."""
    rng = random.Random(name)
    n = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {RECORDER}"}, timeout=10) as client:
        while not stop.is_set():
            key, facts = f"{name}-{n}", batch_for(name, n, rng, subjects)
            n += 1
            with ledger.lock:
                ledger.attempted[key] = [str(f["evidence"]) for f in facts]
                ledger.pending.add(key)
            while not stop.is_set():
                try:
                    response = client.post("/periods/2026-Q1/facts/batch", json={"facts": facts},
                                           headers={"Idempotency-Key": key})
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                if response.status_code == 201:
                    with ledger.lock:
                        ledger.acknowledged[key] = list(response.json()["facts"])
                        ledger.pending.discard(key)
                    break
                if 400 <= response.status_code < 500 and response.status_code != 409:  # 409: still in flight
                    with ledger.lock:
                        ledger.refused.add(key)
                        ledger.pending.discard(key)
                    break
                time.sleep(0.05)
