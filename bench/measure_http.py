"""Recording over HTTP: sustained events/s and p50/p99 latency with 1, 8 and 32 concurrent clients,
against the service (SQLite) and against the floor (a minimal FastAPI endpoint), same generator.

The load generator is asyncio + httpx in this process; the server is a separate uvicorn process
on loopback. Each level runs for a bounded time; every request carries a fresh idempotency key.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

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


def _prepare_service(data_dir: Path) -> dict[str, str]:
    env = {"SCORELEDGER_DATA_DIR": str(data_dir)}
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
        c.post("/periods", json={"code": "2026-Q1", "scheme": "ZJG", "version": 1}).raise_for_status()
        people = [{"id": f"s{i:03d}", "name": f"科室{i}", "kind": "department"} for i in range(1, SUBJECTS + 1)]
        c.post("/periods/2026-Q1/subjects", json={"subjects": people}).raise_for_status()


async def _load(base: str, clients: int, seconds: float, tag: str) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    headers = {"Authorization": "Bearer bench-recorder"}

    async def client(n: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            i = 0
            while time.perf_counter() < stop_at:
                body = {"type": "deduction", "item": "3.1", "subject": f"s{(n + i) % SUBJECTS + 1:03d}"}
                started = time.perf_counter()
                try:
                    response = await http.post(
                        "/periods/2026-Q1/facts", json=body, headers={"Idempotency-Key": f"{tag}-{clients}-{n}-{i}"}
                    )
                except httpx.HTTPError:
                    errors += 1
                    i += 1
                    continue
                if response.status_code == 201:
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
        "events": len(ordered),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2) if ordered else None,
    }


def measure(levels: tuple[int, ...] = (1, 8, 32), seconds: float = 5.0) -> dict[str, Any]:
    """Service and floor at each concurrency level; the ratio is service / floor events per second."""
    out: dict[str, Any] = {"levels": {}}
    with tempfile.TemporaryDirectory() as tmp:
        env = _prepare_service(Path(tmp) / "data")
        service, base = _start("api.app:create_app", env)
        try:
            _set_up(base)
            service_runs = {}
            for n in levels:
                service_runs[n] = asyncio.run(_load(base, n, seconds, "svc"))
                print(f"service, {n} clients: {service_runs[n]}", file=sys.stderr)
        finally:
            service.terminate()
            service.wait(30)
    floor, floor_base = _start("bench.floor_app:create_app", {})
    try:
        floor_runs = {}
        for n in levels:
            floor_runs[n] = asyncio.run(_load(floor_base, n, seconds, "floor"))
            print(f"floor, {n} clients: {floor_runs[n]}", file=sys.stderr)
    finally:
        floor.terminate()
        floor.wait(30)
    for n in levels:
        ratio = service_runs[n]["events_per_s"] / floor_runs[n]["events_per_s"] if floor_runs[n]["events_per_s"] else 0
        out["levels"][str(n)] = {"service": service_runs[n], "floor": floor_runs[n], "ratio": round(ratio, 3)}
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(measure(seconds=float(sys.argv[1]) if len(sys.argv) > 1 else 5.0), indent=2))
