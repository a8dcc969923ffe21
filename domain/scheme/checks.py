"""Semantic checks a JSON Schema cannot express: references, uniqueness, consistent maxima."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from domain.scheme.grading import Grading, Outcome, YearGrading
from domain.scheme.labels import attribute_codes
from domain.scheme.model import Scheme, walk
from domain.scheme.nodes import Basis, DeductionItem, RatingItem, Section
from domain.yamltext import dotted

Path = tuple[str | int, ...]


def semantic_problems(scheme: Scheme) -> list[tuple[Path, str]]:
    """Every cross-reference problem in a structurally valid scheme."""
    problems: list[tuple[Path, str]] = []
    problems += _node_problems(scheme)
    problems += _grading_problems(scheme)
    problems += _label_problems(scheme)
    problems += _listed_grade_problems(scheme)
    return problems


def _listed_grade_problems(scheme: Scheme) -> list[tuple[Path, str]]:
    """The grades a 公示 lists are grades the scheme gives."""
    listed = scheme.publication.listed_grades or []
    grades = scheme.grading.grades if scheme.grading is not None else []
    return [(("publication", "listed_grades", i), f"{g!r} is not a grade of the scheme: {grades}")
            for i, g in enumerate(listed) if g not in grades]


def _label_problems(scheme: Scheme) -> list[tuple[Path, str]]:
    """Labels name attributes and codes the scheme uses, and no two codes of one attribute share a label."""
    out: list[tuple[Path, str]] = []
    known = attribute_codes(list(scheme.items.values()))
    for attribute, labels in (scheme.labels or {}).items():
        where: Path = ("labels", attribute)
        if attribute not in known:
            out.append((where, f"no item takes an attribute {attribute!r}; attributes: {sorted(known) or 'none'}"))
            continue
        for code in labels.values:
            if code not in known[attribute]:
                wanted = sorted(known[attribute])
                out.append(((*where, "values", code), f"{code!r} is not a value of {attribute}: {wanted}"))
        twice = sorted(label for label, n in Counter(labels.values.values()).items() if n > 1)
        if twice:
            out.append(((*where, "values"), f"labels used for more than one code: {', '.join(twice)}"))
    return out


def _node_problems(scheme: Scheme) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    counts = Counter(node.id for node, _ in walk(scheme.tree))
    for node, path in walk(scheme.tree):
        if counts[node.id] > 1:
            out.append(((*path, "id"), f"node id {node.id!r} is used {counts[node.id]} times"))
        if node.office is not None and node.office not in scheme.offices:
            out.append(((*path, "office"), f"office {node.office!r} is not declared under offices"))
        for group, office in (node.office_by_group or {}).items():
            if scheme.groups is None or group not in scheme.groups:
                out.append(((*path, "office_by_group"), f"group {group!r} is not declared under groups"))
            if office not in scheme.offices:
                out.append(((*path, "office_by_group"), f"office {office!r} is not declared under offices"))
        for kind in node.applies_to or []:
            if kind not in scheme.subject_kinds:
                out.append(((*path, "applies_to"), f"subject kind {kind!r} is not declared"))
        if isinstance(node, Section) and node.basis is Basis.sum and node.max is not None:
            out += _max_mismatches(scheme, node, path)
        worked = node.deduct.in_proportion if isinstance(node, DeductionItem) else None
        source = worked.item if worked is not None else None
        if source is not None and source not in scheme.items:
            out.append(((*path, "deduct", "in_proportion", "item"), f"item {source!r} does not exist"))
        if isinstance(node, RatingItem) and node.cap is not None:
            out.append(((*path, "cap"), "a rating item is bounded by its max; cap does not apply"))
    return out


def _max_mismatches(scheme: Scheme, section: Section, path: Path) -> list[tuple[Path, str]]:
    """A sum section's declared max must equal its children's (weighted) maxima, per subject kind."""
    out = []
    for kind in section.applies_to or scheme.subject_kinds:
        children = [c for c in section.children if not c.applies_to or kind in c.applies_to]
        maxima = [getattr(c, "max", None) for c in children]
        if not children or any(m is None for m in maxima):
            continue
        total = sum((m * (c.weight or 1) for c, m in zip(children, maxima, strict=True)), Decimal(0))
        if total != section.max:
            out.append(((*path, "max"), f"max {section.max} but the children add up to {total} for kind {kind!r}"))
            break
    return out


def _grading_problems(scheme: Scheme) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    grades = set(scheme.grading.grades) if scheme.grading else set()
    conditions = {c.id for c in scheme.conditions}
    for index, veto in enumerate(scheme.vetoes):
        for key in ("grade", "at_most"):
            value = getattr(veto, key)
            if value is not None and value not in grades:
                out.append((("vetoes", index, key), f"grade {value!r} is not one of grading.grades"))
    for index, aff in enumerate(scheme.affirmations):
        if aff.grade not in grades:
            out.append((("affirmations", index, "grade"), f"grade {aff.grade!r} is not one of grading.grades"))
        for cond in aff.requires or []:
            if cond not in conditions:
                where: Path = ("affirmations", index, "requires")
                out.append((where, f"condition {cond!r} is not declared under conditions"))
    if scheme.grading is not None:
        out += _rules_problems(scheme, scheme.grading, ("grading",), conditions)
    for index, outcome in enumerate(scheme.outcomes or []):
        out += _outcome_problems(scheme, outcome, ("outcomes", index), conditions)
    for index, node_id in enumerate(scheme.ranking.tiebreak):
        if node_id not in scheme.nodes:
            out.append((("ranking", "tiebreak", index), f"node {node_id!r} does not exist"))
    if scheme.year is not None:
        out += _year_problems(scheme.year, grades)
    return out


def _rules_problems(scheme: Scheme, grading: Grading, at: Path, conditions: set[str]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    grades = set(grading.grades)
    for index, rule in enumerate(grading.rules):
        where: Path = (*at, "rules", index)
        if rule.grade not in grades:
            out.append(((*where, "grade"), f"grade {rule.grade!r} is not one of {dotted(at)}.grades"))
        for cond in rule.requires:
            if cond not in conditions:
                out.append(((*where, "requires"), f"condition {cond!r} is not declared under conditions"))
        by_group = rule.quota.n_by_group if rule.quota else None
        for group in by_group or {}:
            if scheme.groups is None or group not in scheme.groups:
                out.append(((*where, "quota", "n_by_group"), f"group {group!r} is not declared under groups"))
    return out


def _outcome_problems(scheme: Scheme, outcome: Outcome, at: Path, conditions: set[str]) -> list[tuple[Path, str]]:
    out = _rules_problems(scheme, outcome.grading, (*at, "grading"), conditions)
    if outcome.id == "grade" or [o.id for o in scheme.outcomes or []].count(outcome.id) > 1:
        out.append(((*at, "id"), f"outcome id {outcome.id!r} is taken (by the grade or another outcome)"))
    for key, one, known in (("vetoes", "veto", scheme.vetoes_by_id),
                            ("affirmations", "affirmation", scheme.affirmations_by_id)):
        for code in getattr(outcome, key) or []:
            if code not in known:
                out.append(((*at, key), f"{one} {code!r} is not declared under {key}"))
    grades = set(outcome.grading.grades)
    for code in outcome.affirmations if outcome.affirmations is not None else scheme.affirmations_by_id:
        aff = scheme.affirmations_by_id.get(code)
        if aff is not None and aff.grade not in grades:
            out.append(((*at, "affirmations"), f"affirmation {code!r} sets {aff.grade!r}, not one of its grades"))
    for code in outcome.vetoes if outcome.vetoes is not None else scheme.vetoes_by_id:
        veto = scheme.vetoes_by_id.get(code)
        for value in (veto.grade, veto.at_most) if veto is not None else ():
            if value is not None and value not in grades:
                out.append(((*at, "vetoes"), f"veto {code!r} sets {value!r}, not one of its grades"))
    return out


def _year_problems(year: YearGrading, grades: set[str]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    year_grades = set(year.grades)
    if year.default not in year_grades:
        out.append((("year", "default"), f"grade {year.default!r} is not one of year.grades"))
    for index, rule in enumerate(year.rules):
        if rule.count not in grades:
            out.append((("year", "rules", index, "count"), f"{rule.count!r} is not a quarter grade"))
        for key in ("grade", "not_grade"):
            value = getattr(rule, key)
            if value is not None and value not in year_grades:
                out.append((("year", "rules", index, key), f"{value!r} is not one of year.grades"))
    return out
