"""Copies of aggregates for the repository's cache: new containers, shared immutable contents.

The library's cache hands out deep copies, so a decision that fails to save never dirties the
cached aggregate. The records an aggregate keeps (facts, subjects, seals) are never changed once
applied, so a copy needs new containers only: O(n) pointers, not O(n) dicts copied key by key
(a province period holds 200,000 subjects).
"""

from __future__ import annotations

import copy
from typing import Any


class SharedContents:
    """Mixin: `copy.deepcopy` copies the containers named in `copied` (and the pending events) shallowly."""

    copied: tuple[str, ...] = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        for name in (*self.copied, "_pending_events"):
            clone.__dict__[name] = copy.copy(self.__dict__[name])
        return clone
