"""Period bundles: what verifying one period needs, in one file, and nothing else.

A bundle carries the period's own events byte for byte (its period stream, fact streams and the
scheme versions bound to it, up to its last publication), the witness digests of those, and the
hash of every leaf of the log up to there, so the signed Merkle roots can be recomputed without
the other periods' events, the tokens or the appeals. `scoreledger verify --bundle FILE --key K`
checks it on a machine with no database, against a key the verifier holds.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from domain.errors import InvalidInput, Problem
from projections.leaves import leaf
from projections.period_input import LogFold, key_of
from projections.records import NotificationSource, Record, decode, read_log
from replay.asof import PeriodNotInLog
from replay.checkpoint import PublicKey
from replay.merkle import leaf_hash
from replay.seal import period_records
from replay.verify import Evidence, Report, verify

FORMAT = "scoreledger-bundle/2"
FORMATS = ("scoreledger-bundle/1", FORMAT)


def make_bundle(
    fold: LogFold, records: list[Record], witness: list[tuple[int, str]], period: str, bureau: str
) -> dict[str, Any]:
    """The bundle of a period, from the whole log folded (`fold`) and its records in order."""
    key = key_of(bureau, period)
    own = period_records(fold, records, key) if key in fold.periods else []
    published = [r.position for r in own if r.topic == "scoreledger:Period.Published"]
    upto = max(published) if published else (records[-1].position if records else 0)
    covered = [r for r in records if r.position <= upto]
    index = {r.position: i for i, r in enumerate(covered)}
    carried = [r for r in own if r.position <= upto]
    positions = {r.position for r in carried}
    return {
        "format": FORMAT,
        "period": period,
        "bureau": bureau,
        "upto": upto,
        "records": [
            {
                "position": r.position,
                "index": index[r.position],
                "stream": r.stream,
                "version": r.version,
                "topic": r.topic,
                "state": base64.b64encode(r.raw).decode(),
            }
            for r in carried
        ],
        "leaves": base64.b64encode(b"".join(leaf_hash(leaf(r)) for r in covered)).decode(),
        "witness": [[p, d] for p, d in witness if p in positions],
    }


def write_bundle(bundle: dict[str, Any], path: Path) -> None:
    path.write_bytes(orjson.dumps(bundle))


def bundle_chunks(
    source: NotificationSource, witness: Callable[[], Iterable[tuple[int, str]]], period: str, bureau: str
) -> Iterator[bytes]:
    """The bytes of `make_bundle`'s JSON, streamed: the log is read three times a page at a time (to
    fold it, to carry the period's events, to hash every leaf), so a province is never held whole.
    Folding happens before the first piece, so an unknown period raises before anything is sent."""
    fold = LogFold()
    for batch in read_log(source):
        for record in batch:
            fold.apply(record)
    key = key_of(bureau, period)
    if key not in fold.periods:
        raise PeriodNotInLog(f"period {period} is not in the log at position {fold.position}")
    published = [int(s["published_at"]) for s in fold.periods[key].seals]
    upto = max(published) if published else fold.position
    return _chunks(source, fold, key, witness, period, bureau, upto)


def _chunks(
    source: NotificationSource, fold: LogFold, key: str, witness: Callable[[], Iterable[tuple[int, str]]],
    period: str, bureau: str, upto: int,
) -> Iterator[bytes]:
    head = orjson.dumps({"format": FORMAT, "period": period, "bureau": bureau, "upto": upto})
    yield head[:-1] + b',"records":['
    positions: set[int] = set()
    index = 0
    for batch in read_log(source, upto=upto):
        for record in batch:
            if period_records(fold, [record], key):
                row = {"position": record.position, "index": index, "stream": record.stream,
                       "version": record.version, "topic": record.topic,
                       "state": base64.b64encode(record.raw).decode()}
                yield (b"," if positions else b"") + orjson.dumps(row)
                positions.add(record.position)
            index += 1
    yield b'],"leaves":"'
    pending = b""
    for batch in read_log(source, upto=upto):
        pending += b"".join(leaf_hash(leaf(r)) for r in batch)
        whole = len(pending) - len(pending) % 3  # base64 pieces join only at multiples of 3 bytes
        yield base64.b64encode(pending[:whole])
        pending = pending[whole:]
    yield base64.b64encode(pending) + b'","witness":['
    first = True
    for position, digest in witness():
        if position in positions:
            yield (b"" if first else b",") + orjson.dumps([position, digest])
            first = False
    yield b"]}"


def read_bundle(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read bundle {path}", [Problem("", str(exc))]) from None
    if not isinstance(data, dict) or data.get("format") not in FORMATS:
        raise InvalidInput(f"{path} is not a scoreledger bundle ({', '.join(FORMATS)})", [])
    return data


def verify_bundle(
    data: dict[str, Any], keys: Sequence[PublicKey], expect_root: str | None = None, held: Sequence[str] = ()
) -> Report:
    """Verify a bundle offline against the verifier's keys: rows against leaves and witness, seals
    against rows; a bundle that cannot be read is a finding, never a crash."""
    try:
        evidence = _evidence(data)
    except (KeyError, TypeError, ValueError) as exc:
        report = Report(period=str(data.get("period")))
        report.findings.append(f"the bundle cannot be read: {type(exc).__name__}: {exc}")
        return report
    return verify(evidence, str(data["period"]), str(data.get("bureau", "default")), keys, expect_root, held)


def _evidence(data: dict[str, Any]) -> Evidence:
    records, indexes = [], []
    for row in data["records"]:
        raw = base64.b64decode(row["state"], validate=True)
        records.append(Record(int(row["position"]), str(row["stream"]), int(row["version"]), str(row["topic"]), raw,
                              decode(raw)))
        indexes.append(int(row["index"]) if "index" in row else len(indexes))
    witness = [(int(p), str(d)) for p, d in data["witness"]]
    if data["format"] == "scoreledger-bundle/1":  # every event in full: the records are the log
        return Evidence(records, witness)
    blob = base64.b64decode(data["leaves"], validate=True)
    if len(blob) % 32:
        raise ValueError("the leaf hashes are not whole SHA-256 digests")
    leaves = [blob[i : i + 32] for i in range(0, len(blob), 32)]
    return Evidence(records, witness, leaves, indexes)
