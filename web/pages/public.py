"""The page the 公示's QR code opens, for anyone, without signing in: the period's seals and whether they
verify against the bureau's public key and the log (service.public_seal). It shows no results."""

from __future__ import annotations

from datetime import date

from fastapi import Path, Query, Request, Response

from domain.texts.sheets import chinese_date, period_name
from service.public_seal import public_seals
from web.auth import ServiceDep
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")


@page(router, "/verify/{code}")
def seal(request: Request, service: ServiceDep, code: str = PeriodCode,
         position: int | None = Query(None, ge=0, le=2**62)) -> Response:
    """A published period's seals, each with its proof and verdict; the one the QR code names marked."""
    model = {**public_seals(service, code), "period_name": period_name(code), "position": position}
    dates = {s["position"]: chinese_date_of(s["published_on"]) for s in model["seals"]}
    return render(request, "seal.html", model, dates=dates)


def chinese_date_of(value: str | None) -> str:
    return chinese_date(date.fromisoformat(value)) if value else "—"
