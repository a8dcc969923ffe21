"""Where one fast replay's CPU goes, step by step, in one process (no workers, no cProfile overhead):
`python -m bench.profile_replay DATA_DIR META [rounds]` on a store kept by `python -m bench.run --keep`
(DATA_DIR: e.g. /tmp/scoreledger-bench-xxxx/sqlite-province; META: .../province.meta.json).

Each step's process time is summed over the run and shown per event; the first round runs with cold
caches, the later ones show the steady cost. Never part of the unit tests.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEPS = [  # (module, attribute, label)
    ("projections.fast.reading", "SQLiteReader.facts_of", "read the stream's rows by its index (SQL)"),
    ("projections.fast.reading", "SQLiteReader.facts_between", "read the stream's rows by position (SQL)"),
    ("projections.fast.ratings", "PlainLane._read", "plain lane: decode and check each row"),
    ("projections.fast.ratings", "plain_items", "plain lane: rows together, items"),
    ("projections.fast.ratings", "PlainLane._others", "mixed: other facts typed and admitted"),
    ("domain.scoring.fast.subject", "FastScorer.score_plain", "card of a plain subject"),
    ("domain.scoring.fast.subject", "FastScorer.score_mixed", "card of a mixed subject"),
    ("projections.fast.runs", "_admitted", "general path: admission"),
    ("projections.fast.runs", "_card", "general path: card"),
    ("projections.fast.runs", "ranked", "rank and grade"),
]


def _timed(spent: dict[str, float], label: str, found: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return found(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    return timed


def main(argv: list[str]) -> None:
    import importlib

    from bench.measure_replay import _ledger
    from bench.stores import Store
    from projections.fast.replay import plan_replay

    data_dir, meta_path = argv[0], argv[1]
    rounds = int(argv[2]) if len(argv) > 2 else 3
    meta = json.loads(Path(meta_path).read_text())
    ledger = _ledger(Store(kind="sqlite", data_dir=data_dir))
    spent: dict[str, float] = defaultdict(float)
    for module_name, attribute, label in STEPS:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, _timed(spent, label, getattr(owner, name)))
    events = ledger.recorder.max_notification_id() or 1
    for round_ in range(rounds):
        spent.clear()
        started = time.process_time()
        replay = plan_replay(ledger.recorder, meta["period"], None, "default", 1)
        spent["first pass (index, plan)"] = time.process_time() - started
        size = sum(len(piece) for piece in replay.chunks())
        replay.close()
        total = time.process_time() - started
        print(f"round {round_}: {total:.3f} s CPU, {total / events * 1e6:.2f} us/event, {size:,} bytes")
        for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            print(f"  {label:42s} {seconds:7.3f} s {seconds / events * 1e6:6.2f} us/event")
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1:])
