"""What a forger can do with a bundle: everything but sign with the bureau's key.

`reseal` recomputes every seal of a bundle from its (changed) events, in log order, exactly as the
service would: results hash, subject hashes, Merkle root from the leaf hashes, the period's own
root, the consistency proof, then the leaf of the rewritten publication event, and signs the
checkpoint with whatever key the forger has (or none). Only the bureau's private key is missing.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

import orjson

from projections.leaves import leaf, leaf_digest
from projections.period_input import LogFold, key_of
from projections.records import Record, decode
from projections.scoring import result_hashes
from replay.merkle import MerkleAccumulator, consistency_proof, leaf_hash
from replay.seal import checkpoint_of, merkle_root_hex, period_records

Bundle = dict[str, Any]
Sign = Callable[[str], str] | None


def records_of(bundle: Bundle) -> list[Record]:
    out = []
    for row in bundle["records"]:
        raw = base64.b64decode(row["state"])
        out.append(Record(row["position"], row["stream"], row["version"], row["topic"], raw, decode(raw)))
    return out


def leaves_of(bundle: Bundle) -> list[bytes]:
    blob = base64.b64decode(bundle["leaves"])
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


def write(bundle: Bundle, records: list[Record], leaves: list[bytes], witness: bool = True) -> Bundle:
    """The bundle with these records and leaves (and, as a forger would, witness digests to match)."""
    forged = copy.deepcopy(bundle)
    for row, record in zip(forged["records"], records, strict=True):
        row.update(position=record.position, stream=record.stream, version=record.version, topic=record.topic,
                   state=base64.b64encode(record.raw).decode())
    forged["leaves"] = base64.b64encode(b"".join(leaves)).decode()
    if witness:
        forged["witness"] = [[r.position, leaf_digest(r)] for r in records]
    return forged


def edited(record: Record, change: Callable[[dict[str, Any]], None]) -> Record:
    state = orjson.loads(record.raw)
    change(state)
    raw = orjson.dumps(state)
    return record._replace(raw=raw, state=decode(raw))


def reseal(bundle: Bundle, records: list[Record], leaves: list[bytes], sign: Sign) -> Bundle:
    """Every seal of the bundle recomputed from `records` (their leaves updated first), signed by `sign`."""
    index = {row["position"]: row["index"] for row in bundle["records"]}
    leaves = list(leaves)
    for record in records:
        leaves[index[record.position]] = leaf_hash(leaf(record))
    records = list(records)
    for i, record in enumerate(records):
        if record.topic != "scoreledger:Period.Published":
            continue
        state = orjson.loads(record.raw)
        state["seal"] = _sealed(bundle, records, leaves, state["seal"], sign)
        raw = orjson.dumps(state)
        records[i] = record._replace(raw=raw, state=decode(raw))
        leaves[index[record.position]] = leaf_hash(leaf(records[i]))
    return write(bundle, records, leaves)


def _sealed(bundle: Bundle, records: list[Record], leaves: list[bytes], seal: dict[str, Any], sign: Sign) -> dict:
    upto, size = seal["position"], seal["event_count"]
    prefix = [r for r in records if r.position <= upto]
    fold = LogFold()
    for record in prefix:
        fold.apply(record)
    key = key_of(bundle["bureau"], bundle["period"])
    hashes = result_hashes(fold, fold.periods[key])
    accumulator = MerkleAccumulator()
    for digest in leaves[:size]:
        accumulator.add_leaf_hash(digest)
    own = period_records(fold, prefix, key)
    seal = {**seal, "results_hash": hashes.results, "subject_hashes": hashes.subjects,
            "merkle_root": accumulator.root().hex(), "period_events": len(own), "period_root": merkle_root_hex(own)}
    if "consistency" in seal:
        old = seal["consistency"]["from_size"]
        seal["consistency"] = {"from_size": old, "from_root": _root(leaves[:old]).hex(),
                               "proof": [base64.b64encode(p).decode() for p in
                                         consistency_proof(leaves[:size], old, hashed=True)]}
    seal.pop("checkpoint", None)
    if sign is not None:
        seal["checkpoint"] = sign(checkpoint_of(seal, bundle["bureau"]).body())
    return seal


def _root(leaves: list[bytes]) -> bytes:
    accumulator = MerkleAccumulator()
    for digest in leaves:
        accumulator.add_leaf_hash(digest)
    return accumulator.root()
