"""Template helpers: catalog texts, Chinese dates, numbers as the API writes them, translated lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment

from domain.numbers import canonical_str
from domain.texts.catalog import NO_GLOSSARY, Glossary, group_name, item_label, text, translate, translate_message
from domain.texts.zh import TEXTS, WORDS


def t(key: str, **values: Any) -> str:
    """A label of the Chinese catalog."""
    return text(key, "zh", **values)


def word(code: str | None) -> str:
    """A status, role or code by its Chinese word (the code itself when the catalog has none)."""
    return "" if code is None else WORDS.get(code, code)


def num(value: Any) -> str:
    """A number exactly as the API writes it (canonical decimal text)."""
    if value is None:
        return "—"
    return canonical_str(value if isinstance(value, Decimal) else Decimal(str(value)))


def zh_date(value: Any) -> str:
    """2026年4月30日."""
    if value in (None, ""):
        return "—"
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if isinstance(day, datetime):
        day = day.date()
    return f"{day.year}年{day.month}月{day.day}日"


def line(english: str | None, family: str = "note", names: Glossary = NO_GLOSSARY) -> str:
    """A stored English line in Chinese (never shown in English: the catalog test covers every line)."""
    if not english:
        return ""
    found = translate(family, english, names)
    if found is not None:
        return found
    return text("finding.untranslated", detail=english) if family == "finding" else translate_message(english, names)


def message(english: str, names: Glossary = NO_GLOSSARY) -> str:
    return translate_message(english, names)


def topic(name: str) -> str:
    """An event's topic by its Chinese name (the topic itself when the catalog has none)."""
    key = "topic." + name.split(":", 1)[-1]
    return t(key) if key in TEXTS else name


def install(env: Environment) -> None:
    env.globals.update(t=t, word=word, item_label=item_label, group_name=group_name)
    env.filters.update(num=num, zh_date=zh_date, line=line, message=message, word=word, topic=topic)
