"""The scheme model: a bureau's written rules as a validated, hashable value."""

from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, Item, Node, RatingItem, Section

__all__ = ["BonusItem", "DeductionItem", "Item", "Node", "RatingItem", "Scheme", "Section"]
