"""The Chinese names a period's scheme gives its codes, for translating messages about it."""

from __future__ import annotations

from typing import Any

from domain.texts.catalog import NO_GLOSSARY, Glossary
from domain.texts.names import scheme_glossary
from service.errors import NotFound


def period_glossary(service: Any, code: str | None) -> Glossary:
    """The glossary of the period's scheme; the catalog's words alone when the period is unknown."""
    if code is None:
        return NO_GLOSSARY
    try:
        period = service.ledger.period(code)
    except NotFound:
        return NO_GLOSSARY
    return scheme_glossary(service.ledger.scheme(period.scheme, period.scheme_version))
