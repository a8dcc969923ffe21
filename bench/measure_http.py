"""Recording over HTTP: sustained events/s and p50/p99 latency with 1, 8 and 32 concurrent clients,
against the service (SQLite: one process; PostgreSQL: several server processes) and against the
floor (a minimal FastAPI endpoint), same generator.

The load generator is asyncio in this process; the server is a separate uvicorn process (or several,
`--workers`) on loopback. Each level runs for a bounded time; every request carries a fresh
idempotency key. The CPU seconds the server processes used during each level are recorded beside
the rates (per acknowledged request), which the machine's load does not move as much as the rates.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
SUBJECTS = 12


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(factory: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{factory} did not start")


def _cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds (user + system) the server processes have used, from /proc."""
    total = 0.0
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _prepare_service(data_dir: Path, store: dict[str, str] | None = None) -> dict[str, str]:
    env = {"SCORELEDGER_DATA_DIR": str(data_dir), **(store or {})}
    code = (
        "from service.bootstrap import build; from service.tokens import issue_token; s = build(); "
        "issue_token(s.ledger, 'admin', 'admin', [], 'bench', 'now', token='bench-admin'); "
        "issue_token(s.ledger, '督查科', 'recorder', ['inspection','office','personnel','guidance'], 'bench', 'now', "
        "token='bench-recorder'); s.close()"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,  # noqa: S603
        capture_output=True,
    )
    return env


def _set_up(base: str) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer bench-admin"}, timeout=60) as c:
        c.post(
            "/schemes",
            content=(ROOT / "schemes" / "zjg.yaml").read_bytes(),
            headers={"content-type": "application/yaml"},
        ).raise_for_status()
        c.post("/periods", json={"code": "2026-Q1", "scheme": "ZJG", "version": 2}).raise_for_status()
        people = [{"id": f"s{i:03d}", "name": f"科室{i}", "kind": "department"} for i in range(1, SUBJECTS + 1)]
        c.post("/periods/2026-Q1/subjects", json={"subjects": people}).raise_for_status()


class _Client:
    """A minimal HTTP/1.1 keep-alive client on one connection: a request's bytes out, its status and
    body in. httpx costs about 3 ms of this machine's CPU per request, more than a minimal endpoint
    does, so with it the floor measured the generator; this costs tens of microseconds."""

    def __init__(self, base: str, token: str):
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.token = host, int(port), token.encode()

    async def __aenter__(self) -> _Client:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()

    async def post(self, path: str, body: bytes, key: str) -> tuple[int, bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        self.writer.write(head + b"Authorization: Bearer " + self.token + b"\r\n\r\n" + body)
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


def _fact(n: int, i: int, k: int) -> dict[str, str]:
    """The k-th fact of client n's i-th request: a batch concerns one department, as an office's findings do."""
    return {"type": "deduction", "item": "3.1", "subject": f"s{(n + i) % SUBJECTS + 1:03d}"}


async def _load(bases: list[str], clients: int, seconds: float, tag: str, batch: int = 1) -> dict[str, Any]:
    """`clients` connections posting for `seconds`: one fact per request, or batches of `batch` facts;
    client n talks to server n modulo the servers (several server processes, as behind a balancer)."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    path = "/periods/2026-Q1/facts" + ("/batch" if batch > 1 else "")

    async def client(n: int) -> None:
        nonlocal errors
        async with _Client(bases[n % len(bases)], "bench-recorder") as http:
            i = 0
            while time.perf_counter() < stop_at:
                facts = [_fact(n, i, k) for k in range(batch)]
                body = orjson.dumps({"facts": facts} if batch > 1 else facts[0])
                started = time.perf_counter()
                try:
                    status, _ = await http.post(path, body, f"{tag}-{clients}-{batch}-{n}-{i}")
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    errors += 1
                    return
                if status == 201:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
                i += 1

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "batch": batch,
        "requests": len(ordered),
        "events": len(ordered) * batch,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(ordered) * batch / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2) if ordered else None,
    }


LEVELS = ((1, 1), (8, 1), (32, 1), (8, 20))  # (clients, facts per request)
Level = tuple[int, int]


def _levels(
    factory: str,
    env: dict[str, str],
    pairs: list[Level],
    seconds: float,
    tag: str,
    set_up: bool = False,
    workers: int = 1,
) -> dict[Level, dict[str, Any]]:
    """Start the server processes (the first sets the period up before the others start), load them at
    each level in turn, stop them."""
    started = [_start(factory, env)]
    runs = {}
    try:
        if set_up:
            _set_up(started[0][1])
        started += [_start(factory, env) for _ in range(workers - 1)]
        processes, bases = [p for p, _ in started], [b for _, b in started]
        for n, batch in pairs:
            used, load = _cpu_seconds(processes), os.getloadavg()[0]
            runs[n, batch] = asyncio.run(_load(bases, n, seconds, tag, batch))
            used = _cpu_seconds(processes) - used
            runs[n, batch] |= {
                "server_cpu_s": round(used, 2),
                "cpu_ms_per_request": round(used * 1000 / runs[n, batch]["requests"], 2)
                if runs[n, batch]["requests"] else None,
                "load": [round(load, 2), round(os.getloadavg()[0], 2)],
            }
            print(f"{tag}, {n} clients x {batch}: {runs[n, batch]}", file=sys.stderr)
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.wait(30)
    return runs


def measure(
    levels: tuple[Any, ...] = LEVELS, seconds: float = 5.0, store: str = "sqlite", workers: int = 1
) -> dict[str, Any]:
    """Service and floor at each level (clients, or (clients, facts per request)); the ratio is
    service / floor events per second. On PostgreSQL the service runs `workers` processes, and so
    does the floor."""
    pairs = [(n, 1) if isinstance(n, int) else (int(n[0]), int(n[1])) for n in levels]
    workers = workers if store == "postgres" else 1  # the embedded SQLite store admits one process
    out: dict[str, Any] = {"store": store, "workers": workers, "levels": {}}
    with tempfile.TemporaryDirectory() as tmp:
        schema = _postgres_schema() if store == "postgres" else None
        try:
            env = _prepare_service(Path(tmp) / "data", _postgres_env(schema) if schema else None)
            service_runs = _levels("api.app:create_app", env, pairs, seconds, "service", True, workers)
        finally:
            if schema:
                from bench.stores import drop_schema

                drop_schema(schema)
    floor_runs = _levels("bench.floor_app:create_app", {}, pairs, seconds, "floor", workers=workers)
    for level in pairs:
        served, floored = service_runs[level], floor_runs[level]
        ratio = served["events_per_s"] / floored["events_per_s"] if floored["events_per_s"] else 0
        name = str(level[0]) if level[1] == 1 else f"{level[0]}x{level[1]}"
        out["levels"][name] = {"service": served, "floor": floored, "ratio": round(ratio, 3)}
    return out


def _postgres_schema() -> str:
    from bench.stores import admin

    schema = f"bench_http_{uuid.uuid4().hex[:8]}"
    with admin() as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def _postgres_env(schema: str) -> dict[str, str]:
    from bench.stores import PG

    return {"SCORELEDGER_STORE": "postgres", "SCORELEDGER_PG_SCHEMA": schema,
            **{f"SCORELEDGER_{k.upper()}": str(v) for k, v in PG.items()}}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(seconds=float(sys.argv[1]) if len(sys.argv) > 1 else 5.0), indent=2))
