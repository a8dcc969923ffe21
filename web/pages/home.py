"""Everyone signed in: the list of periods and each period's overview."""

from __future__ import annotations

from fastapi import Path, Request, Response

from service.overview import period_overview, period_rows
from web.auth import ServiceDep, SignedIn
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")


@page(router, "/")
def periods(request: Request, account: SignedIn, service: ServiceDep) -> Response:
    return render(request, "index.html", period_rows(service))


@page(router, "/period/{code}")
def overview(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    return render(request, "period.html", period_overview(service, code), links=[])
