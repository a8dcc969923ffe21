"""The score tree (S1): sections made of sections and items, each with its maximum."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, model_validator

from domain.scheme.base import Code, NonNegative, Points, Strict, Text
from domain.scheme.rules import BonusRule, DeductRule, RatingRule


class Basis(str, Enum):
    """How a section turns its children into a score."""

    sum = "sum"  # C1/C2: the (weighted) sum of the children's scores
    deduct = "deduct"  # D2: starts at max, deductions subtract, floor at `floor`
    add = "add"  # B3: starts at 0, points add up to `max` (no max: no cap)


class NodeBase(Strict):
    """What every node carries: its code, Chinese title, the article it comes from."""

    id: Code
    title: Text
    article: Text | None = Field(None, description="The document's article, e.g. 第二章第一条 二.1.")
    office: Code | None = Field(None, description="S5: the office that records it (inherited).")
    office_by_group: dict[Code, Code] | None = Field(
        None, description="S5: the office that records it for subjects of each group named (inherited)."
    )
    applies_to: list[Code] | None = Field(None, description="S3: subject kinds it applies to.")
    weight: Points | None = Field(None, gt=0, description="C2: weight of this node in a sum section.")
    note: str | None = Field(None, description="A remark shown with explanations.")


class ItemBase(NodeBase):
    """A leaf: facts are recorded against items."""

    max: NonNegative | None = Field(None, description="The item's own maximum (D5, ratings).")
    cap: NonNegative | None = Field(None, description="B3: bound on the item's total points.")


class DeductionItem(ItemBase):
    """An item whose findings take points off (D1, D5, D6, D7, D9, D10, D11)."""

    deduct: DeductRule
    exemptible: bool = Field(True, description="D8: whether exemptions may be granted.")

    @model_validator(mode="after")
    def _needs_max(self) -> Self:
        rule = self.deduct
        needs = rule.zero_item or (rule.shortfall and rule.shortfall.proportional) or rule.in_proportion
        if (needs or rule.void_at) and self.max is None:
            raise ValueError("zero_item, void_at, in_proportion and proportional shortfall need the item's max")
        if rule.void_at and rule.way not in ("per", "graded"):
            raise ValueError("void_at counts occurrences: give it with per or graded")
        return self


class BonusItem(ItemBase):
    """An item whose facts add points (B1, B4, B5, with caps B3)."""

    bonus: BonusRule


class RatingItem(ItemBase):
    """An item scored by raters (R1, R2, R3); its max is the converted maximum."""

    rating: RatingRule
    max: NonNegative


class Section(NodeBase):
    """A section: children, a maximum, how the children combine, what a floor does."""

    basis: Basis = Basis.sum
    max: NonNegative | None = None
    floor: Points | None = Field(None, description="D2: lowest score (deduct default 0).")
    overflow: Literal["cut", "total"] = Field("cut", description="D3: where points below the floor go.")
    highest_only: bool = Field(False, description="D4/B2: one situation counts once, the largest.")
    children: list[Node] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.basis is Basis.deduct and self.max is None:
            raise ValueError("a deduct section needs a max to deduct from")
        if self.overflow == "total" and self.basis is not Basis.deduct:
            raise ValueError("overflow: total applies to deduct sections only")
        if self.basis is not Basis.sum:
            for child in self.children:
                if isinstance(child, Section) and child.basis is not Basis.add:
                    raise ValueError(
                        f"child {child.id!r}: inside a {self.basis.value} section, sub-sections must be add groups"
                    )
        return self

    def effective_floor(self) -> Points | None:
        if self.floor is not None:
            return self.floor
        return NonNegative(0) if self.basis is Basis.deduct else None  # type: ignore[call-arg]


def _node_tag(value: Any) -> str | None:
    if not isinstance(value, dict):
        return TAGS["children"] if isinstance(value, Section) else _model_tag(value)
    for key in ("children", "deduct", "bonus", "rating"):
        if key in value:
            return TAGS[key]
    return None


def _model_tag(value: Any) -> str | None:
    return {DeductionItem: TAGS["deduct"], BonusItem: TAGS["bonus"], RatingItem: TAGS["rating"]}.get(type(value))


#: Union tags, named unlike any field so that error paths can drop them.
TAGS = {"children": "section-node", "deduct": "deduction-item", "bonus": "bonus-item", "rating": "rating-item"}


Node = Annotated[
    Annotated[Section, Tag("section-node")]
    | Annotated[DeductionItem, Tag("deduction-item")]
    | Annotated[BonusItem, Tag("bonus-item")]
    | Annotated[RatingItem, Tag("rating-item")],
    Discriminator(
        _node_tag,
        custom_error_type="node_kind",
        custom_error_message="a node needs children (section), deduct, bonus or rating",
    ),
]
Item = DeductionItem | BonusItem | RatingItem

Section.model_rebuild()
