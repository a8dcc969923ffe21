"""Looking texts up by key, and reading stored English lines back into Chinese.

An English template such as `{count} × {per} (D1)` becomes a pattern; the values a stored
line holds are read back with it and put into the Chinese template of the same key. Values
that are codes are shown by their Chinese name when the glossary has one. Placeholders
named after a family (`note`, `reason`, `condition`, `when`, `outcome`, `more`) hold a
whole line of that family and are translated in turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from domain.texts import en, en_errors, zh

ENGLISH = {**en.NOTES, **en.REASONS, **en.FLAGS, **en.PROBLEMS, **en.FINDINGS, **en_errors.ERRORS}
TEXTS: dict[str, dict[str, str]] = {"en": ENGLISH, "zh": zh.TEXTS}
_PLACEHOLDER = re.compile(r"\{(\w+)(!r)?\}")
_NUMBER = r"-?\d+(?:\.\d+)?(?:E[+-]?\d+)?"
_CODE = r"[A-Za-z0-9_.\-]+"
TYPED = {name: _NUMBER for name in ("nth0", "count", "per", "factor", "share", "n", "index", "slots", "size", "held",
                                     "version", "expected", "position", "steps", "levels")}
TYPED |= {name: _CODE for name in ("role", "by", "key", "level", "matter", "situation", "code", "veto",
                                    "affirmation", "node", "flag")}
TYPED |= {name: r"\S+?" for name in ("grade", "lower", "cap")}  # grade names hold no spaces
RECURSIVE = {"note": "note", "reason": "", "more": "", "condition": "condition", "when": "when", "outcome": "outcome",
             "suffix": "suffix", "seal": "seal"}
VERBS = {"how", "done"}  # placeholders holding an action: shown by the verb, not the status word
ITEM_NAMES = {"item", "node"}  # placeholders naming a scheme node: shown by its title


_NUMBERED = re.compile(r"^\d+(\.\d+)*[a-z]?$")  # 4.4, 2.4a: an article-like number people read with the title


def item_label(item: str, title: str | None) -> str:
    """An item as people read it: its number and title (4.4 查实被服务对象投诉), or the title alone when the
    scheme's id is a code (rating, b.1: never shown on a page); the id when there is no title."""
    if not title:
        return item
    return f"{item} {title}" if _NUMBERED.match(item) else title


def group_name(groups: Mapping[str, str] | None, group: str) -> str:
    """A 考核组 as people read it: the scheme's name for it, or 考核组g1 when the scheme names none (never the bare
    code, on a page, a sheet or a 公示)."""
    return (groups or {}).get(group) or text("rankings.group_code", group=group)


@dataclass(frozen=True)
class Glossary:
    """Chinese names for codes in messages: a scheme's own names first, then the catalog's words."""

    codes: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)

    def name(self, placeholder: str, value: str) -> str:
        if placeholder in ITEM_NAMES and value in self.items:
            title = self.items[value]
            return f"{value}（{title}）" if _NUMBERED.match(value) else f"“{title}”"
        if placeholder in VERBS and value in zh.VERBS:
            return zh.VERBS[value]
        return self.codes.get(value) or zh.WORDS.get(value) or value


NO_GLOSSARY = Glossary()


def text(key: str, lang: str = "zh", **values: object) -> str:
    """The text of a key in a language (English where a key has no text in it), filled with values."""
    template = TEXTS.get(lang, {}).get(key) or TEXTS["zh"].get(key) or ENGLISH[key]
    return template.format_map(values) if values else template


@dataclass(frozen=True)
class _Pattern:
    key: str
    regex: re.Pattern[str]
    names: tuple[tuple[str, bool], ...]  # (placeholder, written with repr)


@cache
def _patterns(family: str) -> tuple[_Pattern, ...]:
    """The family's English templates as patterns, those with most fixed text first."""
    found = []
    for key, template in ENGLISH.items():
        if key.split(".", 1)[0] != family:
            continue
        names, parts, last = [], [], 0
        for match in _PLACEHOLDER.finditer(template):
            parts.append(re.escape(template[last : match.start()]))
            name, quoted = match.group(1), bool(match.group(2))
            group = f"g{len(names)}"
            parts.append(f"(?P<{group}>'[^']*'|\"[^\"]*\")" if quoted else f"(?P<{group}>{TYPED.get(name, '.+?')})")
            names.append((name, quoted))
            last = match.end()
        parts.append(re.escape(template[last:]))
        fixed = len(_PLACEHOLDER.sub("", template))
        found.append((fixed, key, _Pattern(key, re.compile("".join(parts), re.DOTALL), tuple(names))))
    return tuple(p for _, _, p in sorted(found, key=lambda f: (-f[0], f[1])))


def _match(family: str, english: str, glossary: Glossary, lang: str) -> str | None:
    for pattern in _patterns(family):
        found = pattern.regex.fullmatch(english)
        if found is None:
            continue
        values = _values(family, pattern, found, glossary, lang)
        if values is not None:
            return TEXTS[lang][pattern.key].format_map(values)
    return None


def _values(family: str, pattern: _Pattern, found: re.Match[str], glossary: Glossary, lang: str) -> dict | None:
    values: dict[str, str] = {}
    for index, (name, quoted) in enumerate(pattern.names):
        raw = found.group(f"g{index}")
        if name in RECURSIVE:
            inner = _match(RECURSIVE[name] or family, raw, glossary, lang)
            if inner is None:
                return None
            values[name] = inner
        elif name == "nth0":  # a position counted from 0 in the English, from 1 for people
            values[name] = str(int(raw) + 1)
        else:
            values[name] = _shown(name, raw[1:-1] if quoted else raw, quoted, glossary)
    return values


def _shown(name: str, raw: str, quoted: bool, glossary: Glossary) -> str:
    if raw.startswith("[") and raw.endswith("]"):  # a list written by str(list): its items, named
        items = [i.strip().strip("'\"") for i in raw[1:-1].split(",") if i.strip()]
        return "、".join(glossary.name(name, i) for i in items) or "无"
    named = glossary.name(name, raw)
    if named == raw and ", " in raw:
        named = "、".join(glossary.name(name, part) for part in raw.split(", "))
    return f"“{named}”" if quoted else named


def translate(family: str, english: str, glossary: Glossary = NO_GLOSSARY, lang: str = "zh") -> str | None:
    """A stored English line of a family in another language; None when no template reads it.

    Notes may join several lines with "; " (a line and its status): each is translated."""
    if lang == "en":
        return english
    if family == "note":
        parts = [_match("note", part, glossary, lang) for part in english.split("; ")]
        return None if any(p is None for p in parts) else "；".join(p for p in parts if p is not None)
    if family == "flag":
        return _match("flag", english, glossary, lang) or _named_flag(english, glossary)
    return _match(family, english, glossary, lang)


def _named_flag(flag: str, glossary: Glossary) -> str | None:
    """A scheme's own flag code (G6), shown by its name when the glossary has one."""
    named = glossary.name("flag", flag)
    return named if named != flag else None


def translate_message(english: str, glossary: Glossary = NO_GLOSSARY, lang: str = "zh") -> str:
    """An error message in the language; one no template reads is shown inside a generic sentence."""
    if lang == "en":
        return english
    return translate("error", english, glossary, lang) or text("error.untranslated", lang, detail=english)


def language(accept_language: str | None, default: str = "en") -> str:
    """The catalog language an Accept-Language header prefers most (q-values honoured), else the default."""
    best, best_q = default, Decimal(0)
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = Decimal(1)
        if params.strip().startswith("q="):
            try:
                q = Decimal(params.strip()[2:])
            except ArithmeticError:
                q = Decimal(0)
        lang = tag.strip().lower().split("-")[0]
        if lang in TEXTS and q > best_q:
            best, best_q = lang, q
    return best
