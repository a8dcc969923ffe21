"""Canonical bytes: the one encoding behind every hash and every byte-identical output.

JSON with sorted keys, no whitespace, numbers as canonical decimal strings (orjson
cannot encode Decimal, so numbers are always text, in events, hashes and responses).
"""

from __future__ import annotations

import gc
import hashlib
import threading
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel

from domain.numbers import canonical_str

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, BaseModel):
        return dump(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


def plain(value: Any) -> Any:
    """Turn models, Decimals and tuples into plain JSON values (numbers as strings)."""
    return orjson.loads(canonical_bytes(value))


def plain_sha256_hex(value: Any) -> str:
    """`sha256_hex(plain(value))`. A value of plain JSON already (strings, whole numbers of at most 63 bits, booleans,
    None, lists and string-keyed objects of those: a recording's request as the API hands it over) is its own plain
    form, so its canonical bytes are hashed at once, without encoding it, decoding it and encoding it again
    (issue 12: a tenth of deciding a recording); anything else takes the round trip."""
    if is_plain(value):
        return hashlib.sha256(orjson.dumps(value, option=_OPTIONS)).hexdigest()
    return sha256_hex(plain(value))


def is_plain(value: Any) -> bool:
    """Whether a value is plain JSON already (strings, whole numbers of at most 63 bits, booleans, None, lists and
    string-keyed objects of those, by exact type): one orjson encodes as the standard library's JSON encoder does."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_INT63 < value < _INT63
    if kind is list:
        return all(is_plain(item) for item in value)
    if kind is dict:
        return all(type(key) is str and is_plain(item) for key, item in value.items())
    return False


_INT63 = 2**63


def canonical_bytes(value: Any) -> bytes:
    """Encode a value canonically (sorted keys, decimal strings, no floats allowed)."""
    with paused_gc():  # a large result is millions of fresh containers, none of them in a cycle
        return _encode(value)


def _encode(value: Any) -> bytes:
    # the plain values die with this frame, before the collector resumes
    if isinstance(value, BaseModel):
        # typed models hold Decimals, never floats: no need to walk them
        value = dump(value)
    else:
        _refuse_floats(value)
    return orjson.dumps(value, default=_default, option=_OPTIONS)


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


# -- models -----------------------------------------------------------------------------------------
#
# `dump(model)` is `model.model_dump(mode="python", exclude_none=True)` with every Decimal already in
# its canonical text. Models registered with `walked` (plain frozen models: no aliases, extras,
# computed fields or custom serializers) are read field by field from their __dict__, which is many
# times faster than pydantic's serializer on scorecards of tens of thousands of nodes and lines.
# Anything the walk leaves alone (a Decimal in a dict, an unregistered model) is still encoded by
# `_default` exactly as before.

_VALUE, _MODEL, _MODELS = 0, 1, 2
_WALKED: dict[type, tuple[tuple[str, int], ...]] = {}


def walked(*classes: type[BaseModel]) -> None:
    """Register models whose fields `dump` reads directly (tests pin it to model_dump's bytes)."""
    for cls in classes:
        fields = []
        for name, info in cls.model_fields.items():
            if info.alias is not None or info.exclude or info.serialization_alias is not None:
                raise TypeError(f"{cls.__name__}.{name}: only plain fields can be walked")
            fields.append((name, _kind(info.annotation)))
        if cls.model_computed_fields or cls.model_config.get("extra") == "allow":
            raise TypeError(f"{cls.__name__}: only plain models can be walked")
        _WALKED[cls] = tuple(fields)


def _kind(annotation: Any) -> int:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _MODEL
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return _MODELS
    return _VALUE


def dump(model: BaseModel) -> dict[str, Any]:
    """A model as plain values, None fields left out, Decimals as canonical text."""
    fields = _WALKED.get(type(model))
    if fields is None:
        return model.model_dump(mode="python", exclude_none=True)
    values = model.__dict__
    out: dict[str, Any] = {}
    for name, kind in fields:
        value = values[name]
        if value is None:
            continue
        if kind == _VALUE:
            if type(value) is Decimal:
                value = _number(value)
        elif kind == _MODELS:
            value = [dump(item) if isinstance(item, BaseModel) else item for item in value]
        elif isinstance(value, BaseModel):
            value = dump(value)
        out[name] = value
    return out


_TEXT: dict[Decimal, str] = {}
_TEXT_KEEP = 8192


def _number(value: Decimal) -> str:
    """canonical_str, remembered: a result repeats the same few numbers many thousand times.

    Equal Decimals ("1.50", "1.5") have one canonical text, so keying by value is exact."""
    try:
        return _TEXT[value]
    except KeyError:
        pass
    except TypeError:  # a signalling NaN cannot be hashed: canonical_str refuses it
        return canonical_str(value)
    text = canonical_str(value)
    if len(_TEXT) >= _TEXT_KEEP:
        _TEXT.clear()
    _TEXT[value] = text
    return text


# -- the cyclic garbage collector -------------------------------------------------------------------

_PAUSE_LOCK = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold off the cyclic collector while building or encoding a large result.

    Scoring and encoding make no reference cycles; they only allocate a great many containers,
    and each full collection would walk every one of them again (most of the time, before).
    Nested and concurrent pauses are counted: the last one out restores the collector,
    which stays off if it was off before the first."""
    global _pauses, _resume
    with _PAUSE_LOCK:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
