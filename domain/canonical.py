"""Canonical bytes: the one encoding behind every hash and every byte-identical output.

JSON with sorted keys, no whitespace, numbers as canonical decimal strings (orjson
cannot encode Decimal, so numbers are always text, in events, hashes and responses).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel

from domain.numbers import canonical_str


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return canonical_str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_none=True)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


def plain(value: Any) -> Any:
    """Turn models, Decimals and tuples into plain JSON values (numbers as strings)."""
    return orjson.loads(canonical_bytes(value))


def canonical_bytes(value: Any) -> bytes:
    """Encode a value canonically (sorted keys, decimal strings, no floats allowed)."""
    if isinstance(value, BaseModel):
        # typed models hold Decimals, never floats: no need to walk them
        value = value.model_dump(mode="python", exclude_none=True)
    else:
        _refuse_floats(value)
    return orjson.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS)


def sha256_hex(value: Any) -> str:
    """The SHA-256 of a value's canonical bytes, as hex."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("binary floats are never part of canonical output")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_floats(item)
