"""A period bound to another scheme version admits its stored facts again, in log order, under it
(projections/admission.py `readmit`): a fact that fits now but not under the new version would be set
aside, silently changing scores. Binding checks first (security review F6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.facts import Fact
from domain.scheme.model import Scheme
from domain.scoring.validate import allowed_periods
from domain.scoring.vetting import Finding, Kinds, Vetting


@dataclass(frozen=True)
class Unfit:
    """A stored fact the new version would set aside, and why."""

    fact: Fact
    findings: list[Finding]

    @property
    def subject(self) -> str:
        parties = getattr(self.fact, "parties", None) or []
        named = [p.subject for p in parties if p.subject is not None]
        return "、".join(named) or str(getattr(self.fact, "subject", None) or "-")

    @property
    def item(self) -> str:
        return str(getattr(self.fact, "item", None) or "-")


def unfit_under(current: Scheme, amended: Scheme, kind_of: Kinds, period: str, stored: Iterable[Fact]) -> list[Unfit]:
    """The stored facts (in log order) admitted under the current version that the amended one refuses."""
    now = Vetting(current, kind_of, allowed_periods(current, period))
    then = Vetting(amended, kind_of, allowed_periods(amended, period))
    out = []
    for fact in stored:
        fits_now, findings = not now.admit(fact), then.admit(fact)
        if fits_now and findings:
            out.append(Unfit(fact, findings))
    return out
