"""One results file from the runs of a round (bench/results.json): a base run of every figure at a scale, the
province at full scale (its `province` workload kept as `province (full)`) and, optionally, the PostgreSQL HTTP
figure with one server process (`http_postgres_1`), each run's command, commit and machine load in `sources`.

    python -m bench.compose --base H.json --full I.json --http1 J.json --code "main abc1234" --out bench/results.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.figures import figures


def _source(run: dict[str, Any], command: str, code: str) -> dict[str, Any]:
    kept = {key: run[key] for key in ("started", "seconds", "scale", "machine") if key in run}
    return {**kept, "command": command, "code": code}


def compose(base: dict[str, Any], full: dict[str, Any] | None, http1: dict[str, Any] | None,
            commands: dict[str, str], code: str, earlier: str) -> dict[str, Any]:
    results = dict(base)
    sources = {"base run": _source(base, commands["base"], code)}
    if full is not None:
        results["workloads"] = {**base["workloads"], "province (full)": full["workloads"]["province"]}
        results["runs"] = {**base["runs"], "province (full)": full["runs"]["province"]}
        sources["province at full scale"] = _source(full, commands["full"], code)
    if http1 is not None:
        results["http_postgres_1"] = http1["http_postgres"]
        sources["PostgreSQL HTTP with one server process"] = _source(http1, commands["http1"], code)
    results["sources"] = sources
    results["earlier"] = earlier
    results["figures"] = figures(results)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--full", type=Path)
    parser.add_argument("--http1", type=Path)
    parser.add_argument("--base-command", default="python -m bench.run --workloads bureau,city,province --scale 0.05 "
                        "--no-naive")
    parser.add_argument("--full-command", default="python -m bench.run --workloads province --stores sqlite "
                        "--only import,appeals,replay --no-naive")
    parser.add_argument("--http1-command", default="python -m bench.run --workloads bureau --stores postgres "
                        "--only http --http-workers 1")
    parser.add_argument("--code", required=True, help="the commit measured, e.g. 'main abc1234'")
    parser.add_argument("--earlier", default="bench/results-earlier.json: the previous rounds")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args()

    def load(path: Path | None) -> dict[str, Any] | None:
        return None if path is None else json.loads(path.read_text())

    base = load(args.base)
    assert base is not None
    commands = {"base": args.base_command, "full": args.full_command, "http1": args.http1_command}
    results = compose(base, load(args.full), load(args.http1), commands, args.code, args.earlier)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
