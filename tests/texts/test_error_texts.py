"""Every error message the code raises has a Chinese template; every English key has its Chinese."""

from __future__ import annotations

import re

from domain.texts import en, en_errors, zh
from domain.texts.catalog import ENGLISH, Glossary, translate_message
from tests.texts.messages import every_shape

PLACEHOLDER = re.compile(r"\{(\w+)(!r)?\}")


def template_shape(template: str) -> str:
    return PLACEHOLDER.sub(lambda m: "{!r}" if m.group(2) else "{}", template)


def test_every_message_in_the_source_has_a_template() -> None:
    shapes = {template_shape(t) for t in en_errors.ERRORS.values()}
    found = every_shape()
    assert len(found) > 80  # the walker finds the messages (validate.py alone raises thirty)
    missing = {s: where for s, where in found.items() if s not in shapes}
    assert not missing, "messages without a catalog template (add them to domain/texts/en_errors.py " \
        f"and zh/errors.py): {missing}"


def test_every_english_key_has_chinese_with_the_same_values() -> None:
    for key, english in ENGLISH.items():
        assert key in zh.TEXTS, f"{key} has no Chinese"
        wanted = {m.group(1) for m in PLACEHOLDER.finditer(english)}
        used = {m.group(1) for m in PLACEHOLDER.finditer(zh.TEXTS[key])}
        assert used <= wanted, f"{key}: the Chinese uses {used - wanted}, which the English does not hold"


def test_no_two_english_templates_read_the_same_shape() -> None:
    families: dict[str, list[str]] = {}
    for key, template in {**en.NOTES, **en.REASONS, **en.FLAGS, **en_errors.ERRORS}.items():
        families.setdefault(key.split(".")[0], []).append(template_shape(template))
    for family, shapes in families.items():
        assert len(shapes) == len(set(shapes)), family


def test_a_refusal_reads_in_chinese_with_the_schemes_names() -> None:
    names = Glossary(codes={"inspection": "督查科", "personnel": "人事教育科"})
    english = "facts[0]: item 4.5 is recorded by office inspection, not personnel (S5)"
    assert translate_message(english, names) == "第1条记录：项目4.5由督查科负责录入，不是人事教育科（S5）"
    late = "the appeal window for 2026-Q1 closed on 2026-04-03 (3 working days after publication on 2026-03-31)"
    assert translate_message(late) == "2026-Q1的申诉期已于2026-04-03截止（公示日2026-03-31后3个工作日）"
    listed = "item 2.3 needs attribute 'severity': one of ['conflict', 'petition']"
    assert translate_message(listed) == "项目2.3须填写“情形”：可选引发矛盾、引发上访或负面影响"


def test_an_unknown_message_is_still_shown_in_a_chinese_sentence() -> None:
    assert translate_message("something new went wrong") == "操作未完成：something new went wrong"


def test_every_kind_of_problem_has_a_chinese_title() -> None:
    from api.problems import KINDS

    missing = [slug for _, slug, _ in KINDS.values() if f"problem.{slug}" not in zh.TEXTS]
    assert not missing
