"""Period bundles: the log up to the last seal, the witness digests and the seals, in one file.

`scoreledger verify BUNDLE` checks a bundle on a machine with no database: the stored
rows are carried byte for byte (base64), so the Merkle roots can be recomputed.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import orjson

from domain.errors import InvalidInput, Problem
from projections.records import Record, decode
from replay.verify import Report, verify_records

FORMAT = "scoreledger-bundle/1"


def make_bundle(records: list[Record], witness: list[tuple[int, str]], period: str, bureau: str) -> dict[str, Any]:
    upto = max((r.position for r in records), default=0)
    return {
        "format": FORMAT,
        "period": period,
        "bureau": bureau,
        "upto": upto,
        "records": [
            {
                "position": r.position,
                "stream": r.stream,
                "version": r.version,
                "topic": r.topic,
                "state": base64.b64encode(r.raw).decode(),
            }
            for r in records
        ],
        "witness": [[p, d] for p, d in witness if p <= upto],
    }


def write_bundle(bundle: dict[str, Any], path: Path) -> None:
    path.write_bytes(orjson.dumps(bundle, option=orjson.OPT_INDENT_2))


def read_bundle(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read bundle {path}", [Problem("", str(exc))]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a {FORMAT} file", [])
    return data


def verify_bundle(data: dict[str, Any]) -> Report:
    """Verify a bundle offline: rows against witness, seals against rows."""
    records = []
    for row in data["records"]:
        raw = base64.b64decode(row["state"])
        records.append(Record(row["position"], row["stream"], row["version"], row["topic"], raw, decode(raw)))
    witness = [(int(p), str(d)) for p, d in data["witness"]]
    return verify_records(records, witness, data["period"], data.get("bureau", "default"))
