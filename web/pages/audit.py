"""The auditor's pages: before/after between any two positions, verification of a period, the log."""

from __future__ import annotations

from typing import Any

from fastapi import Path, Query, Request, Response

from domain.errors import ScoreledgerError
from domain.texts.names import scheme_glossary
from service import queries
from service.audit import keys, verification
from service.audit_reads import log_page
from service.comparison import compare_positions
from web.asof import as_of_param
from web.auth import ServiceDep, SignedIn
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")


def _names(service: ServiceDep, code: str) -> object:
    period = queries.known_period(service, code)
    return scheme_glossary(service.ledger.scheme(period.scheme, period.scheme_version))


@page(router, "/period/{code}/compare")
def compare(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
            start: str | None = Query(None, alias="from", max_length=40), end: str | None = Query(None, alias="to",
                                                                                                   max_length=40),
            page: int = Query(1, ge=1, le=10**7)) -> Response:
    """Subjects whose total, rank or grade changed between two positions (or dates), item by item, a page of them."""
    period = queries.known_period(service, code)
    default = str(period.seals[-1]["position"]) if period.seals else "0"
    model = compare_positions(service, account.actor(), code, as_of_param(start) or default, as_of_param(end), page)
    return render(request, "compare.html", model, names=_names(service, code), typed_from=start or default,
                  typed_to=end or "")


@page(router, "/period/{code}/verify")
def verify(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """Replay and check every seal (signature, Merkle roots, results) and every stored event."""
    report = verification(service, account.actor(), code)
    seals = queries.known_period(service, code).seals
    return render(request, "verify.html", report, seals=seals, keys=keys(service)["keys"])


@page(router, "/events")
def log(request: Request, account: SignedIn, service: ServiceDep,
        after: int = Query(0, ge=0, le=2**62), limit: int = Query(50, ge=1, le=500)) -> Response:
    page = log_page(service, account.actor(), after, limit)
    return render(request, "log.html", page, periods=_period_names(service, page["events"]))


def _period_names(service: ServiceDep, events: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, str]]]:
    """For each period a page's facts belong to: its items' titles and its subjects' names, so that a fact reads
    as people name it (班子测评 办公室), not by the scheme's codes."""
    codes = {e["state"]["fact"].get("period") for e in events if isinstance(e["state"].get("fact"), dict)}
    found = {str(code): _names_of(service, str(code)) for code in codes}
    return {code: names for code, names in found.items() if names is not None}


def _names_of(service: ServiceDep, code: str) -> dict[str, dict[str, str]] | None:
    try:
        period = queries.known_period(service, code)
        scheme = service.ledger.scheme(period.scheme, period.scheme_version)
    except ScoreledgerError:  # a period or scheme that cannot be read: its facts show their codes
        return None
    return {"titles": {i: n.title for i, n in scheme.nodes.items()},
            "subjects": {s: v.get("name", s) for s, v in period.subjects.items()}}
