"""The texts issue 9's reads say to people, looked up in the catalog (domain/texts: English templates in
en_errors.py and en.py, their Chinese in zh/), so that they read in Chinese where the catalog is asked to."""

from __future__ import annotations

from domain.texts import en, en_errors


def say(key: str, **values: object) -> str:
    """The English text of catalog key `key` with its values filled in (the catalog translates it back)."""
    template = en_errors.ERRORS.get(key) or en.NOTES[key]
    return template.format(**values)
