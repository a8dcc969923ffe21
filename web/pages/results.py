"""Results for the roles that read them: rankings per group (with the chart), a scorecard as a tree.

Both take `as_of` (a log position, a date or a timestamp): then the page is a replay, said in a
banner. The numbers come from service.queries, validated into the API's own read models.
"""

from __future__ import annotations

from math import ceil

from fastapi import Path, Query, Request, Response

from domain.texts.catalog import group_name, text
from domain.texts.names import scheme_glossary
from service import queries
from service.errors import Forbidden, NotFound
from service.read_models import Rankings, Scorecard
from web.asof import as_of_param
from web.auth import ServiceDep, SignedIn
from web.charts import distribution, over_time, sections
from web.filters import zh_date
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")
SubjectId = Path(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)
GROUPS_PER_PAGE = 20
CHART_ROWS = 60  # a longer group is listed, not drawn


@page(router, "/period/{code}/rankings")
def rankings(
    request: Request,
    account: SignedIn,
    service: ServiceDep,
    code: str = PeriodCode,
    as_of: str | None = Query(None, max_length=40),
    page_no: int = Query(1, alias="page", ge=1, le=100_000),
) -> Response:
    """Rankings per group (S2), with grades, eligibility and flags; groups paginated for a province."""
    data = Rankings.model_validate(queries.rankings(service, account.actor(), code, as_of_param(as_of)))
    scheme = service.ledger.scheme(data.scheme, data.scheme_version)
    names = {g: group_name(scheme.groups, g) for g in data.groups}
    listed = sorted(data.groups.items())
    pages_total = max(1, ceil(len(listed) / GROUPS_PER_PAGE))
    shown = listed[(page_no - 1) * GROUPS_PER_PAGE : page_no * GROUPS_PER_PAGE]
    model = {**data.model_dump(exclude={"groups"}), "page": page_no, "pages": pages_total, "groups_total": len(listed),
             "groups": [{"group": g, "name": names[g], "rows": rows} for g, rows in shown]}
    charts = {g: distribution(text("chart.distribution", group=names[g]), rows, scheme)
              for g, rows in shown if len(rows) <= CHART_ROWS}
    return render(request, "rankings.html", model, charts=charts, names=scheme_glossary(scheme),
                  typed_as_of=as_of or "", sealed_note=sealed_note(service, code, data.as_of))


@page(router, "/period/{code}/scorecard/{subject}")
def scorecard(
    request: Request,
    account: SignedIn,
    service: ServiceDep,
    code: str = PeriodCode,
    subject: str = SubjectId,
    as_of: str | None = Query(None, max_length=40),
) -> Response:
    """One subject's scorecard: every number opens to its rule, article, facts, recorders and log positions."""
    actor = account.actor()
    data = Scorecard.model_validate(queries.scorecard(service, actor, code, subject, as_of_param(as_of)))
    scheme = service.ledger.scheme(data.scheme, data.scheme_version)
    recorded = queries.history(service, actor, code, subject, limit=queries.PAGE_MAX)["facts"]
    positions = {r["fact"]["id"]: r["position"] for r in recorded}
    charts = [sections(text("chart.sections"), data.result.card),
              over_time(text("chart.over_time"), _totals(service, actor, subject))]
    return render(request, "scorecard.html", data, positions=positions, names=scheme_glossary(scheme),
                  charts=charts, typed_as_of=as_of or "", sealed_note=sealed_note(service, code, data.as_of))


def sealed_note(service: ServiceDep, code: str, position: int) -> str:
    """"As published on …" when the position is a seal's: the replay shows what was posted."""
    period = queries.known_period(service, code)
    for seal in period.seals:
        if int(seal["position"]) == position:
            return text("asof.sealed", published=zh_date(period.published_on))
    return ""


def _totals(service: ServiceDep, actor: object, subject: str) -> list[tuple[str, object]]:
    """The subject's totals in every period it is scored in, oldest first."""
    found = []
    for period in sorted({p.code for p in service.runner.meta.periods.values() if subject in p.subjects}):
        try:
            card = queries.scorecard(service, actor, period, subject)  # type: ignore[arg-type]
        except (NotFound, Forbidden):
            continue
        found.append((period, Scorecard.model_validate(card).result.total))
    return found
