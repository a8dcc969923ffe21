"""The scheme a folded period is bound to, from the documents registered in the log."""

from __future__ import annotations

from typing import Any

from domain.errors import ScoreledgerError
from domain.scheme.loader import validate_scheme
from domain.scheme.model import Scheme

_SCHEMES: dict[str, Scheme] = {}


class SchemeMismatch(ScoreledgerError):
    """Raised when a stored scheme document no longer hashes to the hash it was registered under."""


def scheme_for(fold: Any, content_hash: str) -> Scheme:
    """The scheme registered under a content hash (fold: a LogFold), re-validated and its hash re-checked."""
    cached = _SCHEMES.get(content_hash)
    if cached is not None:
        return cached
    document = fold.schemes.get(content_hash)
    if document is None:
        raise SchemeMismatch(f"no scheme with content hash {content_hash} is registered in the log")
    try:
        scheme = validate_scheme(document)
    except ScoreledgerError as exc:
        raise SchemeMismatch(f"the stored scheme document {content_hash} no longer validates: {exc}") from None
    if scheme.content_hash != content_hash:
        raise SchemeMismatch(f"the stored scheme document hashes to {scheme.content_hash}, not {content_hash}")
    _SCHEMES[content_hash] = scheme
    return scheme
