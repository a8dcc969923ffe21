"""A year rolled up from its parts, nothing entered again (G6, C4), read as the period reads are read.

G6 (QF 四): a quarterly scheme with year rules grades the year from the quarters' published grades;
the quarters are read as they stand (each under the scheme version bound to it). C4 (IND 五 半年考核
扣分累计列为年度考核扣分): a year scheme with `parts` scores the year from its own facts and those
recorded in its part periods (2026-H1, 2026-H2), for the subjects registered in any of them.

Security review F2: the roll-up shows nothing the period reads would not. The quarters are the period
reads' own results (service.queries.results) with the facts they set aside named per quarter; the C4
year is scored from its parts' stored facts admitted again as folding admits them (projections:
`rolled_up`, scored by `whole`), so a fact that does not fit is set aside, named and never counted; and
individual ratings are redacted by the period reads' one function (queries.shown_subjects).
"""

from __future__ import annotations

from typing import Any

from domain.canonical import plain
from domain.errors import FactsInvalid, Problem
from domain.scheme.model import Scheme
from domain.scheme.periods import period_kind, period_parts
from domain.scoring.year import year_of_quarters
from projections.groups import whole
from projections.period_input import key_of, rolled_up
from projections.scoring import scheme_for
from service import queries
from service.bootstrap import Service
from service.errors import NotFound
from service.policy import STAFF, require
from service.tokens import Actor

SHOWN = ("subject", "name", "group", "kind", "total", "rank", "grade", "eligible")  # a quarter's row in a year


def year_rollup(service: Service, actor: Actor, year: str) -> dict[str, Any]:
    """The year from its quarters' grades (G6) or from its own and its parts' facts (C4)."""
    require(actor, *STAFF)
    if period_kind(year) != "year":
        raise FactsInvalid("a roll-up is of a year", [Problem("code", f"{year} is not a year: give e.g. {year[:4]}")])
    service.runner.catch_up()
    fold, bureau = service.runner.fold, service.settings.bureau
    if key_of(bureau, year) not in fold.periods:
        read = quarters_read(service, actor, year)
        scheme = read.pop("scheme")
        if scheme.year is None:
            raise FactsInvalid(
                f"scheme {scheme.scheme} v{scheme.version} has no year rules", [Problem("code", "no G6 rules to apply")]
            )
        rows = read.pop("rows")
        return {"year": year, "rule": "G6", "parts": [q["period"] for q in read["quarters"]],
                "result": {"scheme": scheme.scheme, "scheme_hash": scheme.content_hash, "subjects": rows}, **read}
    return _from_parts(service, actor, year)


def quarters_read(service: Service, actor: Actor, year: str) -> dict[str, Any]:
    """The year's quarters as the period reads give them (each one's set-aside facts named) and, when the scheme
    has year rules, each subject's year grade (G6): what the roll-up and the year's summary workbook show."""
    require(actor, *STAFF)
    service.runner.catch_up()
    fold, bureau = service.runner.fold, service.settings.bureau
    codes = [q for q in period_parts(year, "quarter") if key_of(bureau, q) in fold.periods]
    if not codes:
        raise NotFound(f"neither the year {year} nor any of its quarters is a period")
    read = [queries.results(service, code, None) for code in codes]
    scheme = scheme_for(fold, fold.periods[key_of(bureau, codes[-1])].scheme_hash)
    graded = {r["period"]: {s["subject"]: s.get("grade") for s in r["subjects"]} for r in read}
    rows = plain(year_of_quarters(scheme, graded)) if scheme.year is not None else []
    return {"scheme": scheme, "rows": rows,
            "quarters": [{"period": r["period"], "subjects": [{k: s.get(k) for k in SHOWN} for s in r["subjects"]]}
                         for r in read],
            "set_aside": [{"period": r["period"], **entry} for r in read for entry in r.get("set_aside") or []]}


def _from_parts(service: Service, actor: Actor, year: str) -> dict[str, Any]:
    """C4: the year's and its parts' stored facts admitted together and scored as one period, redacted."""
    runner, bureau = service.runner, service.settings.bureau
    with runner.lock:  # the fold as of one position
        own = runner.fold.periods[key_of(bureau, year)]
        scheme = scheme_for(runner.fold, own.scheme_hash)
        parts = _parts(scheme, year, lambda code: key_of(bureau, code) in runner.fold.periods)
        combined = rolled_up(runner.fold, year, [own, *(runner.fold.periods[key_of(bureau, p)] for p in parts)])
    result = plain(whole(scheme, combined))
    result["subjects"] = queries.shown_subjects(actor, scheme, result["subjects"], combined.facts)
    return {"year": year, "rule": "C4", "parts": parts, "result": result}


def _parts(scheme: Scheme, year: str, opened: Any) -> list[str]:
    if scheme.period.parts is None:
        raise FactsInvalid(
            f"scheme {scheme.scheme} v{scheme.version} rolls nothing up into its year",
            [Problem("code", "it has neither year rules over quarters (G6) nor parts (C4)")],
        )
    return [p for p in period_parts(year, scheme.period.parts) if opened(p)]
