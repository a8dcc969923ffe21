"""Importing a spreadsheet (表格导入): upload a file, see its preview (every problem by sheet, row and
column, or the rows to be recorded), confirm; and the templates to fill. The preview and the
confirmation run as jobs with a progress page (web.jobs); the file waits between them (web.staging)
and is confirmed only as the SHA-256 the preview showed."""

from __future__ import annotations

from typing import Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from domain.texts.catalog import text
from service import queries
from service.errors import NotFound
from service.policy import require
from service.recording import totals
from service.sheets import documents
from service.sheets.importing import MAX_ROWS, SheetInvalid, Upload
from service.sheets.parsing import MAX_BYTES as MAX_UPLOAD
from web.auth import ServiceDep, SignedIn
from web.downloads import download
from web.jobs import Job
from web.render import render
from web.routing import page, pages
from web.sheet_rows import described, problems_of

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")
Sha = Path(pattern=r"^[0-9a-f]{64}$")
ENCODINGS = ("", "utf-8", "gbk")


def _templates(account: SignedIn, service: ServiceDep, code: str) -> list[dict[str, str]]:
    """The templates this person fills: an office's, a rater's sheet, the leading group's register."""
    actor = account.actor()
    base = f"/period/{code}/template"
    if actor.role == "recorder":
        offices = documents.period_scheme(service, code).offices
        return [{"href": f"{base}.xlsx?office={o}", "label": text("import.template_office", office=offices.get(o, o))}
                for o in actor.scope]
    if actor.role == "rater":
        return [{"href": f"{base}/rating.xlsx", "label": text("import.template_rating")}]
    return [{"href": f"{base}/decisions.xlsx", "label": text("import.template_decisions")}]


@page(router, "/period/{code}/import")
def upload_form(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    require(account.actor(), "admin", "recorder", "rater")
    period = queries.known_period(service, code)
    model = {"period": code, "status": queries.period_status(period), "templates": _templates(account, service, code),
             "encodings": list(ENCODINGS), "max_bytes": MAX_UPLOAD, "max_rows": MAX_ROWS}
    return render(request, "import.html", model, errors={})


@router.post("/period/{code}/import")
async def upload(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """Keep the file for this person and start reading it; the job's page shows the progress."""
    form = await request.form()
    try:
        sent, encoding = form.get("file"), str(form.get("encoding", ""))
        named = isinstance(sent, UploadFile) and bool(sent.filename)
        data = await sent.read() if isinstance(sent, UploadFile) and named else b""
        filename = sent.filename if isinstance(sent, UploadFile) and sent.filename else ""
    finally:
        await form.close()  # the upload's temporary file
    require(account.actor(), "admin", "recorder", "rater")
    queries.known_period(service, code)
    if not data:
        return _form_error(request, account, service, code, text("import.no_file"))
    upload = Upload(filename, data, encoding if encoding in ENCODINGS and encoding else None)
    staged = request.app.state.staging.put(account.username, code, upload)
    job = _preview_job(request, account, service, code, staged)
    return RedirectResponse(f"/job/{job.id}", status_code=303)


def _form_error(request: Request, account: SignedIn, service: ServiceDep, code: str, message: str) -> Response:
    model = {"period": code, "status": queries.period_status(queries.known_period(service, code)),
             "templates": _templates(account, service, code), "encodings": list(ENCODINGS), "max_bytes": MAX_UPLOAD,
             "max_rows": MAX_ROWS}
    return render(request, "import.html", model, status=422, errors={"file": message})


def _preview_job(request: Request, account: SignedIn, service: ServiceDep, code: str, staged: Any) -> Job:
    clock, actor = request.app.state.clock, account.actor()
    upload = staged.upload

    def work(job: Job) -> None:
        now = clock()
        importer = documents.importer(service, actor, code, now.isoformat(), now.date())
        try:
            found = importer.preview(upload, job.progress)
            staged.preview = {**found, "ok": True, "problems": []}
        except SheetInvalid as exc:
            staged.preview = {"period": code, "ok": False, "rows": 0, "problems": problems_of(exc),
                              "file": {"name": upload.filename, "sha256": upload.sha256}}
        job.next = f"/period/{code}/import/{upload.sha256}"

    title = text("import.job_preview", name=upload.filename)
    return request.app.state.jobs.start(account.username, title, work)


@page(router, "/period/{code}/import/{sha256}")
def preview(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
            sha256: str = Sha) -> Response:
    """The preview of an uploaded file: its problems, or what confirming it records."""
    staged = request.app.state.staging.get(account.username, code, sha256)
    if staged.preview is None:
        job = _preview_job(request, account, service, code, staged)
        return RedirectResponse(f"/job/{job.id}", status_code=303)
    model = {**staged.preview, "sha256": sha256}
    rows = described(service, code, model.get("sample", []))
    return render(request, "import_preview.html", model, rows=rows)


@router.post("/period/{code}/import/{sha256}/confirm")
async def confirm(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
                  sha256: str = Sha) -> Response:
    """Record the previewed file (all rows or none) as a job; then the page of what changed. A second click
    (or the form sent again) follows the first confirmation; a file imported before (uploaded again, another
    tab) answers with that import and records nothing (F10), unless `again` chose a new import explicitly."""
    form = await request.form()
    again = str(form.get("again", "0"))
    again_n = int(again) if again.isdigit() and len(again) < 6 else 0
    staging = request.app.state.staging
    staged = staging.get(account.username, code, sha256)
    clock, actor, upload = request.app.state.clock, account.actor(), staged.upload

    def work(job: Job) -> None:
        recorded = False
        try:
            recorded = _record(service, actor, code, staged, clock(), job, again_n)
        finally:
            with staging.lock:  # refused, or failed: the file may be confirmed again (nothing was recorded)
                if not recorded:
                    staged.confirming.pop(again_n, None)

    with staging.lock:
        if again_n not in staged.confirming:
            title = text("import.job_confirm", name=upload.filename)
            staged.confirming[again_n] = request.app.state.jobs.start(account.username, title, work).id
        return RedirectResponse(f"/job/{staged.confirming[again_n]}", status_code=303)


def _record(service: ServiceDep, actor: Any, code: str, staged: Any, now: Any, job: Job, again: int) -> bool:
    """Confirm the staged file; False when the ledger refused it (the preview shows the problems again)."""
    importer = documents.importer(service, actor, code, now.isoformat(), now.date())
    before, upload = totals(service, code), staged.upload
    try:
        result = importer.confirm(upload, upload.sha256, again=again, progress=job.progress)
    except SheetInvalid as exc:  # the ledger changed since the preview: show the problems again
        staged.preview = {"period": code, "ok": False, "rows": 0, "problems": problems_of(exc),
                          "file": {"name": upload.filename, "sha256": upload.sha256}}
        job.next = f"/period/{code}/import/{upload.sha256}"
        return False
    service.runner.wait_for(result["position"])
    staged.result = {**result, "before": before, "after": totals(service, code)}
    job.next = f"/period/{code}/import/{upload.sha256}/done"
    return True


@page(router, "/period/{code}/import/{sha256}/done")
def done(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
         sha256: str = Sha) -> Response:
    """What the import recorded, and each subject's total before and after it."""
    staged = request.app.state.staging.get(account.username, code, sha256)
    if staged.result is None:
        raise NotFound(f"no uploaded file {sha256[:12]} is waiting for confirmation")
    result = staged.result
    names = {s: v["name"] for s, v in queries.known_period(service, code).subjects.items()}
    moves = [{"subject": s, "name": names.get(s, s), "before": result["before"].get(s), "after": after}
             for s, after in sorted(result["after"].items()) if result["before"].get(s) != after]
    model = {"period": code, "rows": result["rows"], "position": result["position"], "facts": result["facts"],
             "file": result["file"], "moves": moves, "replayed": result.get("replayed", False),
             "imported_at": result.get("imported_at")}
    return render(request, "import_done.html", model)


@router.get("/period/{code}/template.xlsx")
def office_template(account: SignedIn, service: ServiceDep, code: str = PeriodCode,
                    office: str | None = Query(None, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")) -> Response:
    return download(*documents.template(service, account.actor(), code, office))


@router.get("/period/{code}/template/rating.xlsx")
def rating_template(account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    return download(*documents.rating_sheet(service, account.actor(), code))


@router.get("/period/{code}/template/decisions.xlsx")
def decisions_template(account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    return download(*documents.decisions_sheet(service, account.actor(), code))
