"""In-process driver of the recording path without HTTP (issue 12): `clients` asyncio tasks record one plain fact
each per command through the process's group commit (service/group_commit.py) with the route's `then` (fold to the
position, the subjects' totals) and the view keeper running, as the HTTP bench's 8-client level does. Prints the CPU
seconds each thread used per request (from /proc), to compare the writer's, the answers' and the keeper's cost per
request between commits without the HTTP layer's noise.

    python -m bench.drive_group [requests] [clients] [warm-up requests]
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SUBJECTS = 12
ROOT = Path(__file__).resolve().parents[1]


def _thread_cpu() -> dict[str, float]:
    """CPU seconds of each live thread of this process, by thread name (user + system; and its system seconds
    under the name + " sys")."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = names.get(int(task.name), f"other-{task.name}")
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
        out[f"{name} sys"] = out.get(f"{name} sys", 0.0) + int(fields[12]) / tick
    return out


def main(requests: int = 3000, clients: int = 8, warm: int = 1500) -> dict[str, Any]:
    from api.app import GC_THRESHOLDS
    from api.routers.facts import _scores
    from domain.facts import Subject
    from domain.scheme.loader import load_scheme_file
    from service.bootstrap import build
    from service.keeper import ViewKeeper
    from service.policy import check_recording
    from service.settings import Settings
    from service.tokens import actor_for, issue_token

    at = "2026-04-01T09:00:00+08:00"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SCORELEDGER_DATA_DIR"] = str(Path(tmp) / "data")
        service = build(Settings.from_env())
        ledger = service.ledger
        ledger.register_scheme(load_scheme_file(ROOT / "schemes" / "zjg.yaml"), "admin", at)
        ledger.open_period("2026-Q1", "ZJG", 2, "admin", at)
        ledger.register_subjects("2026-Q1", [Subject(id=f"s{i:03d}", name=f"科室{i}", kind="department")
                                             for i in range(1, SUBJECTS + 1)], "admin", at)
        issue_token(ledger, "督查科", "recorder", ["inspection", "office", "personnel", "guidance"], "bench", at,
                    token="bench-recorder")  # noqa: S106 - the bench's token
        actor = actor_for(ledger, "bench-recorder")
        service.runner.catch_up()
        keeper = ViewKeeper(service.runner, service.settings.keeper_interval_ms / 1000).start()
        writer = service.group_writer()

        def authorize(scheme: Any, prepared: Any, known: Any, groups: Any) -> None:
            check_recording(actor, scheme, prepared, known, groups)  # as the route's

        def then(result: dict[str, Any]) -> dict[str, Any]:
            service.runner.fold_to(result["position"])
            return {**result, "scores": _scores(service, "2026-Q1", result["facts"])}

        async def client(n: int, count: int, tag: str) -> None:
            for i in range(count):
                fact = {"type": "deduction", "item": "3.1", "subject": f"s{(n + i) % SUBJECTS + 1:03d}"}
                await ledger.record_facts("2026-Q1", [fact], actor.principal, at, key=f"{tag}-{n}-{i}",
                                          authorize=authorize, submit=lambda c: writer.submit(c, then))

        async def level(total: int, tag: str) -> None:
            await asyncio.gather(*(client(n, total // clients, tag) for n in range(clients)))

        gc.collect()  # as the server process does (api/app.py collect_rarely, without its collector thread)
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        asyncio.run(level(warm, "warm"))
        time.sleep(0.5)
        before, wall = _thread_cpu(), time.perf_counter()
        asyncio.run(level(requests, "run"))
        time.sleep(0.5)  # the keeper's write of the last requests
        after, wall = _thread_cpu(), time.perf_counter() - wall
        keeper.stop()
        service.close()
    done = requests // clients * clients
    per = {k: round((after[k] - before.get(k, 0.0)) * 1e6 / done, 1) for k in after}
    out = {"requests": done, "wall_s": round(wall, 2), "us_per_request": per,
           "total_us_per_request": round(sum(v for k, v in per.items() if not k.endswith(" sys")), 1)}
    print(out)
    return out


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
