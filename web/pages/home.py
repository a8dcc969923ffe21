"""Everyone signed in: the list of periods and each period's overview."""

from __future__ import annotations

from fastapi import Path, Request, Response

from domain.texts.catalog import text
from service.accounts import AccountView
from service.overview import PeriodOverview, period_overview, period_rows
from service.policy import AUDITORS, STAFF
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
    model = period_overview(service, code)
    return render(request, "period.html", model, links=links(account, model), exports=exports(account, model))


def exports(account: AccountView, period: PeriodOverview) -> list[tuple[str, str]]:
    """The workbooks this person may export from the period's page (each a POST that starts a job)."""
    found = []
    if account.role in AUDITORS:
        found.append((f"/period/{period.period}/export/appeals", text("export.button_appeals")))
    if account.role in STAFF:
        year = period.period[:4]
        found.append((f"/year/{year}/export/summary", text("export.button_year", year=year)))
    return found


def links(account: AccountView, period: PeriodOverview) -> list[tuple[str, str]]:
    """What this person can do with the period, by role and the period's status."""
    base, role, status = f"/period/{period.period}", account.role, period.status
    found = []
    if role in STAFF:
        found.append((f"{base}/rankings", "links.rankings"))
    if role == "recorder" and status == "open":
        found.append((f"{base}/record", "links.record"))
    if role == "rater" and status == "open":
        found.append((f"{base}/rate", "links.rate"))
    if role in ("recorder", "rater", "admin") and status == "open":
        found.append((f"{base}/import", "links.import"))
    if role == "admin":
        found += [(f"{base}/subjects", "links.subjects"), (f"{base}/publish", "links.publish")]
    if role == "subject" and account.scope:
        found.append((f"{base}/scorecard/{account.scope[0]}", "links.scorecard"))
    if status == "published":
        found += [(f"{base}/publication", "links.publication"), (f"{base}/notice", "links.notice")]
    if role in AUDITORS and period.publications:
        found.append((f"{base}/compare", "links.compare"))
    if role in AUDITORS:
        found.append((f"{base}/verify", "links.verify"))
    return [(href, text(key)) for href, key in found]
