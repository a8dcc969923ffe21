"""Results out of the service: exports as workbooks (rankings, scorecard, appeal register, year summary),
each made by a job whose page shows its progress; the 公示 as a print page (A4) and as a PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from domain.texts.catalog import text
from domain.texts.sheets import period_name
from service.policy import AUDITORS, STAFF, require, require_subject
from service.sheets import documents
from service.sheets.pdf import font_path, proof_lines, publication_pdf, qr_svg
from service.sheets.publication import Contact
from web.auth import ServiceDep, SignedIn
from web.downloads import download
from web.jobs import File, Job
from web.render import render
from web.routing import page, pages, refused

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")
SubjectId = Path(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)
JobId = Path(pattern=r"^[A-Za-z0-9_\-]{8,40}$")
Office = Query(None, max_length=40)
Phone = Query(None, max_length=40, pattern=r"^[0-9()+\- ]+$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@page(router, "/job/{job_id}")
def job_page(request: Request, account: SignedIn, job_id: str = JobId) -> Response:
    """A job's progress; once done, the page it leads to (or its file to download); a refusal as the message."""
    job = request.app.state.jobs.get(account.username, job_id)
    if job.state == "failed" and job.error is not None:
        return refused(request, job.error)
    if job.state == "done" and job.next and not request.url.path.endswith(".json"):
        return RedirectResponse(job.next, status_code=303)
    return render(request, "job.html", job.view())


@router.get("/job/{job_id}/progress")
def job_progress(request: Request, account: SignedIn, job_id: str = JobId) -> Response:
    """The progress bar alone, for htmx to poll; when the job ends, htmx is sent on to its page."""
    job = request.app.state.jobs.get(account.username, job_id)
    if job.state == "failed" or (job.state == "done" and job.next):
        return Response(status_code=200, headers={"HX-Redirect": job.next or f"/job/{job.id}"})
    return render(request, "_job.html", job.view())


@router.get("/job/{job_id}/file")
def job_file(request: Request, account: SignedIn, job_id: str = JobId) -> Response:
    job = request.app.state.jobs.get(account.username, job_id)
    if job.file is None:
        return RedirectResponse(f"/job/{job.id}", status_code=303)
    return download(job.file.body, job.file.name)


def _export(request: Request, account: SignedIn, make: Callable[[Any], tuple[bytes, str]], title: str) -> Response:
    """Start making a workbook; its job page follows the progress and offers the file."""

    def work(job: Job) -> None:
        body, name = make(job.progress)
        job.file = File(body, name, XLSX)

    job = request.app.state.jobs.start(account.username, text("export.job", name=title), work)
    return RedirectResponse(f"/job/{job.id}", status_code=303)


@router.post("/period/{code}/export/rankings")
def export_rankings(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    actor = require(account.actor(), *STAFF)
    return _export(request, account, lambda progress: documents.rankings(service, actor, code, progress),
                   text("export.rankings_title", period=period_name(code)))


@router.post("/period/{code}/export/appeals")
def export_appeals(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    actor = require(account.actor(), *AUDITORS)
    return _export(request, account, lambda _: documents.appeal_register(service, actor, code),
                   text("export.appeals_title", period=period_name(code)))


@router.post("/period/{code}/export/scorecard/{subject}")
def export_scorecard(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
                     subject: str = SubjectId) -> Response:
    actor = account.actor()
    if actor.role == "subject":
        require_subject(actor, subject, "reads the scorecard")
    else:
        require(actor, *STAFF)
    return _export(request, account, lambda _: documents.scorecard(service, actor, code, subject),
                   text("export.scorecard_title", period=period_name(code), name=subject))


@router.post("/year/{year}/export/summary")
def export_year(request: Request, account: SignedIn, service: ServiceDep,
                year: str = Path(pattern=r"^\d{4}$")) -> Response:
    actor = require(account.actor(), *STAFF)
    return _export(request, account, lambda _: documents.year_summary(service, actor, year),
                   text("export.year_title", year=year))


@page(router, "/period/{code}/notice")
def notice_page(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
                office: str | None = Office, phone: str | None = Phone) -> Response:
    """The 公示 as it is posted: A4, printed from the browser, the same notice as the PDF."""
    found = documents.publication(service, account.actor(), code, str(request.base_url), _contact(office, phone))
    query = request.url.query
    return render(request, "notice.html", asdict(found), code=code, qr=qr_svg(found.proof.verify_url),
                  proof=proof_lines(found), office=office or "", phone=phone or "",
                  pdf=f"/period/{code}/notice.pdf" + (f"?{query}" if query else ""))


@router.get("/period/{code}/notice.pdf")
def notice_pdf(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
               office: str | None = Office, phone: str | None = Phone) -> Response:
    found = documents.publication(service, account.actor(), code, str(request.base_url), _contact(office, phone))
    return download(publication_pdf(found), found.title + ".pdf", inline=True)


@router.get("/fonts/notice-serif.otf")
def notice_font() -> FileResponse:
    """The serif face of the printed 公示 (the PDF's own), for browsers without SimSun or Noto Serif CJK."""
    return FileResponse(font_path(), media_type="font/otf", headers={"Cache-Control": "public, max-age=604800"})


@router.get("/fonts/sans.otf")
def page_font() -> FileResponse:
    """Noto Sans SC from the same wheel: the last face the pages' style sheet names, so a browser fetches it
    only on a machine without a Chinese font of its own (a bare Linux desktop), then keeps it."""
    return FileResponse(font_path().with_name("NotoSansSC-Regular.otf"), media_type="font/otf",
                        headers={"Cache-Control": "public, max-age=604800"})


def _contact(office: str | None, phone: str | None) -> Contact:
    return Contact(office=office, phone=phone) if office else Contact(phone=phone)
