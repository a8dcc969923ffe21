"""A real server on PostgreSQL: `scoreledger serve --demo` in its own process, driven over HTTP.

The server runs on 127.0.0.1 (a free port) against a fresh schema of database `test`, with
the demo bureau loaded by `--demo`; a second subject token is made with `scoreledger tokens
create` while the server runs. The walk: record -> close -> publish -> an appeal in time and
one too late -> accept -> uphold -> comparison -> replay as of the seal -> verification.

Appeal windows are counted from the server's clock (Asia/Shanghai, today): 2026-Q1 is
published today, so an appeal filed now is in time; 2025-Q4 is published with a date 30
days ago, so its window has closed. On CI (CI=true) an unreachable PostgreSQL fails the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from domain.calendar import CalendarNotCovered, MainlandCalendar, appeal_deadline, decision_deadline
from service.demo import DEMO_TOKENS
from tests.integration.conftest import PG, pg_schema  # noqa: F401 - pg_schema is a fixture, found by name
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKENS = {role: token for role, (token, _, _) in DEMO_TOKENS.items()}
PROBLEM = "application/problem+json"
START_TIMEOUT = 90  # seconds for the demo to load into PostgreSQL and the server to answer
STOP_TIMEOUT = 20


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scoreledger(*args: str) -> list[str]:
    """The installed `scoreledger` command next to this interpreter, or the same app run by it."""
    script = Path(sys.executable).with_name("scoreledger")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "import sys; from cli.main import app; sys.argv[0] = 'scoreledger'; app()", *args]


class Server:
    """`scoreledger serve --demo` as a child process; its output goes to a file shown on failure."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                scoreledger("serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the server did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self) -> int | None:
        """SIGTERM, then wait; a server that does not stop is killed (and the test fails)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            pytest.fail(f"the server did not stop within {STOP_TIMEOUT} s of SIGTERM:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


@pytest.fixture
def server_env(pg_schema: str, tmp_path: Path) -> dict[str, str]:  # noqa: F811 - the imported fixture
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORELEDGER_")}
    return {
        **env,
        "SCORELEDGER_STORE": "postgres",
        "SCORELEDGER_PG_HOST": str(PG["pg_host"]),
        "SCORELEDGER_PG_PORT": str(PG["pg_port"]),
        "SCORELEDGER_PG_USER": str(PG["pg_user"]),
        "SCORELEDGER_PG_DBNAME": str(PG["pg_dbname"]),
        "SCORELEDGER_PG_SCHEMA": pg_schema,
        "SCORELEDGER_DATA_DIR": str(tmp_path / "unused"),
        "SCORELEDGER_SIGNING_KEY": str(TEST_KEY),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    running = Server(server_env, tmp_path / "server.log")
    try:
        running.start()
        yield running
    finally:
        code = running.stop()
    # uvicorn shuts down, then re-raises the SIGTERM it caught: -15 (or 0 on older versions)
    assert code in (0, -signal.SIGTERM), f"the server exited with {code} on SIGTERM:\n{running.output()}"
    assert "Application shutdown complete" in running.output(), running.output()


def windows(today: date) -> tuple[date, date]:
    """The appeal deadline for a publication today and the decision date for an acceptance today."""
    calendar = MainlandCalendar()
    try:
        return appeal_deadline(today, 3, calendar), decision_deadline(today, 3, calendar)
    except CalendarNotCovered as exc:  # late December, before the package knows next year's holidays
        pytest.skip(f"the appeal windows from {today} reach a year no working-day calendar covers: {exc}")


class Api:
    """Requests with a demo (or given) token; each status is checked, and a refusal is a problem."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __call__(
        self, token: str, method: str, path: str, body: Any = None, status: int = 200, **headers: str
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {TOKENS.get(token, token)}", **headers}
        response = self.client.request(method, path, json=body, headers=sent)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        if status >= 400:
            assert response.headers["content-type"].startswith(PROBLEM), response.headers
            assert response.json()["status"] == status
        return response


def total(api: Api, period: str, subject: str, as_of: int | None = None) -> Decimal:
    query = f"?as_of={as_of}" if as_of is not None else ""
    return Decimal(api("auditor", "GET", f"/periods/{period}/scorecards/{subject}{query}").json()["result"]["total"])


def test_a_served_quarter_on_postgresql_is_published_appealed_in_time_and_too_late_upheld_compared_and_verified(
    server: Server, server_env: dict[str, str]
) -> None:
    today = datetime.now(SHANGHAI).date()
    with httpx.Client(base_url=server.base, timeout=30) as client:
        walk(Api(client), today, server_env)


def walk(api: Api, today: date, server_env: dict[str, str]) -> None:
    deadline, decide_by = windows(today)

    # A second representative's token, made by the CLI while the server runs (PostgreSQL is shared)
    made = subprocess.run(  # noqa: S603 - our own command
        scoreledger("tokens", "create", "党建科代表", "subject", "--scope", "s002"),
        cwd=ROOT,
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    s002_token = made.stdout.strip().splitlines()[-1].strip()
    assert s002_token and " " not in s002_token, made.stdout

    # Record: two late arrivals for s001 (ZJG 2.1, 0.5 points each) in the demo quarter
    before = total(api, "2026-Q1", "s001")
    late = {"type": "deduction", "item": "2.1", "subject": "s001", "count": 2, "evidence": "考勤记录"}
    recorded = api("recorder", "POST", "/periods/2026-Q1/facts", late, 201).json()
    fact = recorded["facts"][0]
    assert Decimal(recorded["scores"]["s001"]) == before - Decimal("1.00")
    assert total(api, "2026-Q1", "s001") == before - Decimal("1.00")

    # Publish 2026-Q1 today: close and publish with the versions seen (If-Match)
    version = api("admin", "GET", "/periods/2026-Q1").headers["ETag"]
    closed = api("admin", "POST", "/periods/2026-Q1/close", {}, **{"If-Match": version})
    published = api("admin", "POST", "/periods/2026-Q1/publish", {"published_on": today.isoformat()},
                    **{"If-Match": closed.headers["ETag"]}).json()
    seal = published["seal"]["position"]
    period = api("auditor", "GET", "/periods/2026-Q1").json()
    assert period["status"] == "published" and period["published_on"] == today.isoformat()

    # A quarter published 30 days ago: its window has closed
    long_ago = today - timedelta(days=30)
    api("admin", "POST", "/periods", {"code": "2025-Q4", "scheme": "ZJG", "version": 2}, 201)
    subjects = [{"id": s, "name": n, "group": "g1", "kind": "department"} for s, n in (("s001", "办公室"), ("s002", "党建科"))]
    api("admin", "POST", "/periods/2025-Q4/subjects", {"subjects": subjects})
    smoking = {"type": "deduction", "item": "3.6", "subject": "s002", "occurred_on": "2025-11-03"}
    old_fact = api("recorder", "POST", "/periods/2025-Q4/facts", smoking, 201).json()["facts"][0]
    api("admin", "POST", "/periods/2025-Q4/close", {})
    api("admin", "POST", "/periods/2025-Q4/publish", {"published_on": long_ago.isoformat()})
    appeal = {"subject": "s002", "contested": [old_fact], "reasons": "吸烟者非本科室人员"}
    refused = api(s002_token, "POST", "/periods/2025-Q4/appeals", appeal, 422).json()
    assert refused["type"].endswith("/appeal-window-closed")
    assert refused["deadline"] == appeal_deadline(long_ago, 3, MainlandCalendar()).isoformat()

    # The appeal in time: s001's representative contests the deduction
    appeal = {"subject": "s001", "contested": [fact], "reasons": "考勤机故障", "evidence": ["维修单"]}
    filed = api("subject", "POST", "/periods/2026-Q1/appeals", appeal, 201).json()
    assert filed["status"] == "filed" and filed["deadline"] == deadline.isoformat()
    name = filed["appeal"]
    api(s002_token, "GET", f"/appeals/{name}", status=403)  # another department's representative

    # Accept, then uphold with the version seen, retracting the contested fact
    accepted = api("reviewer", "POST", f"/appeals/{name}/accept", {})
    assert accepted.json()["decide_by"] == decide_by.isoformat()
    assert api("reviewer", "GET", f"/appeals/{name}").headers["ETag"] == accepted.headers["ETag"]
    correction = {"type": "retraction", "target": fact, "reason": "考勤机故障,迟到不成立"}
    upheld = api("reviewer", "POST", f"/appeals/{name}/uphold", {"corrections": [correction], "reasons": "属实"},
                 **{"If-Match": accepted.headers["ETag"]}).json()
    assert upheld["status"] == "upheld" and len(upheld["corrections"]) == 1
    assert api("subject", "GET", f"/appeals/{name}").json()["status"] == "upheld"

    # Now s001 has its points back; replayed as of the seal, the published numbers
    assert total(api, "2026-Q1", "s001") == before
    assert total(api, "2026-Q1", "s001", as_of=seal) == before - Decimal("1.00")
    comparison = api("auditor", "GET", f"/appeals/{name}/comparison").json()
    changes = {row["subject"]: row for row in comparison["changes"]}
    s001 = changes["s001"]
    assert Decimal(s001["before"]["total"]) == before - Decimal("1.00")
    assert Decimal(s001["after"]["total"]) == before
    assert s001["items"] == ["2.1"] and not s001["knock_on"]
    assert [e["type"] for e in s001["events"]] == ["retraction"] and s001["events"][0]["appeal"] == name
    assert all(row["knock_on"] for subject, row in changes.items() if subject != "s001")

    # Verification replays every seal and event stored in PostgreSQL
    report = api("auditor", "GET", "/periods/2026-Q1/verification").json()
    assert report["ok"], report["findings"]
    assert report["checked_seals"] == 1 and report["checked_events"] > 180


def test_the_server_refuses_to_start_without_a_reachable_store_and_says_why(tmp_path: Path) -> None:
    """A wrong PostgreSQL port: the process exits by itself, non-zero, naming the problem."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORELEDGER_")}
    env.update(
        SCORELEDGER_STORE="postgres",
        SCORELEDGER_PG_HOST="127.0.0.1",
        SCORELEDGER_PG_PORT=str(free_port()),
        SCORELEDGER_PG_DBNAME="test",
        SCORELEDGER_DATA_DIR=str(tmp_path),
    )
    done = subprocess.run(  # noqa: S603 - our own command
        scoreledger("serve", "--host", "127.0.0.1", "--port", str(free_port())),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "connection" in (done.stdout + done.stderr).lower()
