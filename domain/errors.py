"""One hierarchy for every failure scoreledger reports to its users."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a path (and a line where known)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path or '(top)'}: {self.message}"


class ScoreledgerError(Exception):
    """Raised when scoreledger refuses an operation; the base of every kind."""


@dataclass
class InvalidInput(ScoreledgerError):
    """Raised when an input is refused; lists every problem found, not just the first."""

    title: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [self.title] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class SchemeInvalid(InvalidInput):
    """Raised when a scheme file fails parsing, its JSON Schema or a semantic check."""


class FactsInvalid(InvalidInput):
    """Raised when recorded facts do not fit the scheme, the period or each other."""
