"""What the words in a sheet mean under one scheme and period: subjects by name or id, items by
id, title or article, coded values by code or by the Chinese label the scheme declares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.scheme.labels import Choice, item_choices
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scheme.offices import group_lookup, recording_office, records_for
from domain.texts.catalog import text
from domain.texts.sheets import COLUMNS
from service.sheets.cells import CellError, clean, squeezed

Item = DeductionItem | BonusItem | RatingItem
KIND_OF = {DeductionItem: "deduction", BonusItem: "bonus", RatingItem: "rating"}


@dataclass
class Names:
    """Things known by several written forms: each form (spaces removed) to the codes it names."""

    forms: dict[str, set[str]] = field(default_factory=dict)

    def add(self, code: str, *written: str | None) -> None:
        for form in written:
            if form:
                self.forms.setdefault(squeezed(form), set()).add(code)

    def find(self, value: Any) -> set[str]:
        return self.forms.get(squeezed(value), set())


@dataclass
class Vocabulary:
    """The scheme's items, decisions and labels, the period's subjects, and the uploader's offices."""

    scheme: Scheme
    subjects: dict[str, dict[str, Any]]
    offices: tuple[str, ...] | None = None  # a recording office sees only its items (S5)
    # the period's facts, for retractions: a dict (a template lists them), or a lookup by id (an import checks a
    # retraction's target: queries.PeriodFacts, which folds only the target's group)
    facts: Any = field(default_factory=dict)
    items: Names = field(default_factory=Names)
    subject_names: Names = field(default_factory=Names)
    decisions: dict[str, Names] = field(default_factory=dict)

    @classmethod
    def of(
        cls, scheme: Scheme, subjects: dict[str, dict[str, Any]], offices: Iterable[str] | None = None,
        facts: Any = None,
    ) -> Vocabulary:
        found = cls(scheme, subjects, tuple(offices) if offices is not None else None, {} if facts is None else facts)
        for item in scheme.items.values():
            found.items.add(item.id, *item_forms(item))
        for subject in subjects.values():
            found.subject_names.add(subject["id"], subject["id"], subject["name"])
        for kind, entries in (("veto", scheme.vetoes), ("affirmation", scheme.affirmations),
                              ("condition", scheme.conditions)):
            names = found.decisions[kind] = Names()
            for entry in entries:
                names.add(entry.id, entry.id, entry.title, getattr(entry, "article", None), decision_entry(entry))
        return found

    def subject(self, value: Any) -> str:
        codes = self.subject_names.find(value)
        if len(codes) > 1:
            raise CellError(text("sheets.ambiguous_subject", value=value, ids="、".join(sorted(codes))))
        if not codes:
            raise CellError(text("sheets.unknown_subject", value=value))
        return next(iter(codes))

    def item(self, value: Any) -> Item:
        codes = self.items.find(value)
        if len(codes) > 1:
            raise CellError(text("sheets.ambiguous_item", value=value, ids="、".join(sorted(codes))))
        if not codes:
            raise CellError(text("sheets.unknown_item", value=value))
        item = self.scheme.items[next(iter(codes))]
        if not self.records(item.id):
            raise CellError(self.not_recorded(item, None))
        return item

    def records(self, item_id: str, subject: str | None = None) -> bool:
        """S5: whether the uploader's offices record the item for the subject (None: for any subject of the
        period), by the subject's group where the scheme names the office per group (office_by_group)."""
        if self.offices is None:
            return True
        group_of = group_lookup(self.subjects)
        groups = [group_of(subject)] if subject is not None else [group_of(s) for s in self.subjects] or [None]
        return records_for(self.scheme, self.offices, item_id, groups)

    def not_recorded(self, item: Item, subject: str | None) -> str:
        """Why the uploader may not record the item (for the subject): the office that does, by group."""
        office = recording_office(self.scheme, item.id, group_lookup(self.subjects)(subject) if subject else None)
        owner = self.scheme.offices.get(office or "", office or "—")
        mine = "、".join(self.scheme.offices.get(o, o) for o in self.offices or ()) or "—"
        if subject is None:
            return text("sheets.not_office_item", item=item.title, owner=owner, offices=mine)
        return text("sheets.not_office_subject", item=item.title, owner=owner, offices=mine,
                    subject=self.subjects[subject]["name"])

    def decision(self, kind: str, value: Any) -> str:
        codes = self.decisions[kind].find(value)
        if len(codes) != 1:
            raise CellError(text("sheets.unknown_decision", heading=COLUMNS[kind], value=value))
        return next(iter(codes))

    def fact(self, value: Any) -> str:
        """A recorded fact of the period by its id, written alone or first in a drop-down entry (id 单位 项目 日期)."""
        written = clean(value).split(" ", 1)[0]
        if written not in self.facts:
            raise CellError(text("sheets.unknown_fact", value=clean(value)))
        return written

    def ground(self, value: Any) -> str:
        """D8: an exemption ground by its code or its name in the scheme."""
        grounds = self.scheme.exemption_grounds
        if not grounds:
            raise CellError(text("sheets.no_grounds"))
        written = squeezed(value)
        for code, name in grounds.items():
            if written in (squeezed(code), squeezed(name)):
                return code
        raise CellError(text("sheets.unknown_ground", value=clean(value), choices="、".join(grounds.values())))

    def label(self, attribute: str, code: str) -> str:
        labels = (self.scheme.labels or {}).get(attribute)
        return labels.values.get(code, code) if labels else code

    def heading(self, attribute: str) -> str:
        labels = (self.scheme.labels or {}).get(attribute)
        return labels.title if labels else COLUMNS.get(attribute, attribute)

    def coded(self, choice: Choice, value: Any) -> str:
        """A choice's code from its code or its label."""
        written = squeezed(value)
        for code in choice.codes:
            if written in (squeezed(code), squeezed(self.label(choice.attribute, code))):
                return code
        shown = "、".join(self.label(choice.attribute, c) for c in choice.codes)
        heading = self.heading(choice.attribute)
        raise CellError(text("sheets.unknown_value", value=value, heading=heading, choices=shown))

    def office_items(self) -> list[Item]:
        """The items the uploader's offices record for some subject of the period (every item for
        administrators), in tree order."""
        return [i for i in self.scheme.items.values() if self.records(i.id)]

    def office_subjects(self, items: Iterable[Item]) -> list[str]:
        """The subjects for which the uploader's offices record one of the items (S5, by group)."""
        wanted = [i.id for i in items]
        return [s for s in self.subjects if any(self.records(i, s) for i in wanted)]


def item_forms(item: Item) -> list[str]:
    """The ways people write an item: id, title, article, and the combinations a template shows."""
    forms = [item.id, item.title, item_entry(item)]
    if item.article:
        forms += [item.article, f"{item.article} {item.title}", f"{item.title}（{item.article}）"]
    return forms


def item_entry(item: Item) -> str:
    """The item as the template's drop-down list shows it: its id and title."""
    return f"{item.id} {item.title}"


def subject_entries(vocabulary: Vocabulary, only: Iterable[str] | None = None) -> tuple[str, ...]:
    """Each subject (of `only`, if given) as a template lists it: its name, or its id where two share a name."""
    names = [s["name"] for s in vocabulary.subjects.values()]
    listed = vocabulary.subjects.values() if only is None else [vocabulary.subjects[s] for s in only]
    return tuple(s["name"] if names.count(s["name"]) == 1 else s["id"] for s in listed)


def decision_entry(entry: Any) -> str:
    """A veto, affirmation or condition as a template's drop-down list shows it: its id and title."""
    return f"{entry.id} {entry.title}"


def choices(item: Item) -> list[Choice]:
    return item_choices(item)
