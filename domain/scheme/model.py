"""The scheme root: one bureau's rules, versioned, hashable and indexed."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from pydantic import Field

from domain.canonical import sha256_hex
from domain.scheme.base import Code, Fraction, Strict, Text, Whole
from domain.scheme.grading import Affirmation, Condition, Grading, Outcome, Ranking, Veto, YearGrading
from domain.scheme.labels import ValueLabels
from domain.scheme.nodes import Item, Node, Section
from domain.scheme.periods import PeriodSpec, Publication, Rounding


class Scheme(Strict):
    """A versioned scheme file: the score tree and every rule that turns facts into results."""

    scheme: Code = Field(description="The scheme's code, e.g. ZJG.")
    version: Whole = Field(ge=1)
    title: Text
    source: Text | None = Field(None, description="The source document.")
    note: str | None = None
    period: PeriodSpec
    subject_kinds: dict[Code, Text] = Field(min_length=1, description="S2/S3: kinds of scored subject.")
    groups: dict[Code, Text] | None = Field(None, description="S2: groups ranked separately, if fixed.")
    offices: dict[Code, Text] = Field(default_factory=dict, description="S5: recording offices.")
    rounding: Rounding = Field(default_factory=Rounding)
    joint_credit: dict[Code, Fraction] | None = Field(None, description="B6: share of a joint bonus by role.")
    exemption_grounds: dict[Code, Text] = Field(default_factory=dict, description="D8: grounds for exemption.")
    tree: Section
    vetoes: list[Veto] = Field(default_factory=list)
    affirmations: list[Affirmation] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)
    grading: Grading | None = None
    outcomes: list[Outcome] | None = Field(None, description="G5: further outcomes beside the grade, each published.")
    year: YearGrading | None = Field(None, description="G6: year grade from the quarters.")
    publication: Publication = Field(default_factory=Publication)
    labels: dict[Code, ValueLabels] | None = Field(
        None, description="Chinese names of coded fact attributes and their values (level: 级别, city: 市级).")

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the scheme's canonical bytes: comments and layout do not change it."""
        return sha256_hex(self.model_dump(mode="python", exclude_none=True))

    @cached_property
    def nodes(self) -> dict[str, Node]:
        """Every node by id, in tree order."""
        return {node.id: node for node, _ in walk(self.tree)}

    @cached_property
    def items(self) -> dict[str, Item]:
        """Every item (leaf) by id."""
        return {k: v for k, v in self.nodes.items() if not isinstance(v, Section)}

    @cached_property
    def offices_of(self) -> dict[str, str | None]:
        """S5: the office responsible for each node (inherited from the nearest ancestor)."""
        result: dict[str, str | None] = {}

        def visit(node: Node, inherited: str | None) -> None:
            office = node.office or inherited
            result[node.id] = office
            for child in node.children if isinstance(node, Section) else []:
                visit(child, office)

        visit(self.tree, None)
        return result

    @cached_property
    def recording(self) -> dict[str, Any]:
        """S5: each node's recording offices, by group where the scheme says (domain.scheme.offices)."""
        from domain.scheme.offices import recording_offices  # the offices module reads this model

        return recording_offices(self)

    @cached_property
    def grades_across_groups(self) -> bool:
        """G3/G4: some grade rule ranks over the whole period, so one group's results depend on the others'."""
        gradings = [self.grading, *(o.grading for o in self.outcomes or [])]
        return any(rule.scope == "period" for g in gradings if g is not None for rule in g.rules)

    @cached_property
    def vetoes_by_id(self) -> dict[str, Veto]:
        return {v.id: v for v in self.vetoes}

    @cached_property
    def affirmations_by_id(self) -> dict[str, Affirmation]:
        return {a.id: a for a in self.affirmations}


def walk(node: Node, path: tuple[str | int, ...] = ("tree",)) -> Iterator[tuple[Node, tuple[str | int, ...]]]:
    """Every node under (and including) node, with its path in the scheme file."""
    yield node, path
    if isinstance(node, Section):
        for index, child in enumerate(node.children):
            yield from walk(child, (*path, "children", index))
