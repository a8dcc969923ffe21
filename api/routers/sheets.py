"""Spreadsheets: import facts from an uploaded .xlsx or CSV (preview, then confirm), an office's
recording template, and results exported as workbooks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile

from api.deps import ClockDep, CurrentActor, IdempotencyKey, ServiceDep, at, in_flight
from api.routers.common import json_response
from service.sheets import documents
from service.sheets.importing import Upload
from service.sheets.pdf import publication_pdf
from service.sheets.publication import Contact

router = APIRouter(tags=["spreadsheets"])
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]
YearPath = Annotated[str, Path(pattern=r"^\d{4}$", examples=["2026"])]
SubjectPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)]
SheetFile = Annotated[UploadFile, File(description=".xlsx, .xls or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030).")]
Encoding = Annotated[str | None, Form(description="A CSV file's encoding when not detected: utf-8 or gbk.",
                                      max_length=20)]
ContactOffice = Annotated[str | None, Query(description="The office that receives appeals (P2).", max_length=40)]
ContactPhone = Annotated[str | None, Query(description="Its telephone.", max_length=40, pattern=r"^[0-9()+\- ]+$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK = {200: {"content": {XLSX: {}}, "description": "An .xlsx workbook."}}


def _upload(file: UploadFile, encoding: str | None) -> Upload:
    return Upload(file.filename or "upload", file.file.read(), encoding)


@router.post("/periods/{code}/imports/preview", operation_id="preview_import")
def preview_import(
    code: PeriodPath, file: SheetFile, service: ServiceDep, actor: CurrentActor, clock: ClockDep,
    encoding: Encoding = None,
) -> Response:
    """Read a spreadsheet of facts and check it as recording would; every problem at once, nothing appended."""
    importer = documents.importer(service, actor, code, at(clock), clock().date())
    return json_response(importer.preview(_upload(file, encoding)))


@router.post("/periods/{code}/imports", status_code=201, operation_id="import_facts")
def import_facts(
    code: PeriodPath, file: SheetFile, service: ServiceDep, actor: CurrentActor, clock: ClockDep,
    encoding: Encoding = None,
    sha256: Annotated[str | None, Form(description="The file's SHA-256 from its preview: refused if it changed.",
                                       pattern=r"^[0-9a-fA-F]{64}$")] = None,
    again: Annotated[int, Form(ge=0, le=99999, description="A deliberate new import of a file imported before: "
                               "how many imports of it you know of (the `imported` count of its preview).")] = 0,
    key: IdempotencyKey = None,
) -> Response:
    """Record every fact of a spreadsheet in one transaction, or none; the recorder is the uploader. The import
    of a file is idempotent by itself (uploader, period, the file's SHA-256): sent again it answers with the
    first import (`replayed`) and records nothing, unless `again` asks for a new import explicitly."""
    importer = documents.importer(service, actor, code, at(clock), clock().date())
    with in_flight(key, actor):
        result = importer.confirm(_upload(file, encoding), sha256, again)
    service.runner.wait_for(result["position"])
    return json_response(result, 201)


@router.get("/periods/{code}/template", operation_id="get_template", response_class=Response, responses=WORKBOOK)
def template(
    code: PeriodPath, service: ServiceDep, actor: CurrentActor,
    office: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] = None,
) -> Response:
    """The recording template of an office for the period: its items, drop-down lists, instructions."""
    return xlsx_response(*documents.template(service, actor, code, office))


@router.get("/periods/{code}/exports/rankings", operation_id="export_rankings", response_class=Response,
            responses=WORKBOOK)
def export_rankings(code: PeriodPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """The period's rankings as a workbook: a sheet per group with sections, total, grade, eligibility."""
    return xlsx_response(*documents.rankings(service, actor, code))


@router.get("/periods/{code}/exports/scorecards/{subject}", operation_id="export_scorecard",
            response_class=Response, responses=WORKBOOK)
def export_scorecard(code: PeriodPath, subject: SubjectPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """A subject's scorecard with its explanation as a workbook."""
    return xlsx_response(*documents.scorecard(service, actor, code, subject))


@router.get("/periods/{code}/exports/appeals", operation_id="export_appeals", response_class=Response,
            responses=WORKBOOK)
def export_appeals(code: PeriodPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """The appeal register (申诉登记表) of the period as a workbook."""
    return xlsx_response(*documents.appeal_register(service, actor, code))


@router.get("/years/{year}/exports/summary", operation_id="export_year", response_class=Response,
            responses=WORKBOOK)
def export_year(year: YearPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """A year's summary from its quarters (G6) as a workbook."""
    return xlsx_response(*documents.year_summary(service, actor, year))


def xlsx_response(body: bytes, filename: str) -> Response:
    """An .xlsx download under a Chinese file name (RFC 6266 filename*)."""
    disposition = f"attachment; filename=\"download.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/periods/{code}/publication", operation_id="get_publication")
def publication(
    code: PeriodPath, request: Request, service: ServiceDep, actor: CurrentActor, office: ContactOffice = None,
    phone: ContactPhone = None,
) -> Response:
    """The 公示 of a published period as data: title, paragraph, list, signature and proof."""
    found = documents.publication(service, actor, code, str(request.base_url), _contact(office, phone))
    return json_response(asdict(found))


@router.get("/periods/{code}/publication.pdf", operation_id="get_publication_pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The 公示 as a PDF."}})
def publication_pdf_file(
    code: PeriodPath, request: Request, service: ServiceDep, actor: CurrentActor, office: ContactOffice = None,
    phone: ContactPhone = None,
) -> Response:
    """The 公示 of a published period as a PDF (Chinese fonts embedded)."""
    found = documents.publication(service, actor, code, str(request.base_url), _contact(office, phone))
    disposition = f"inline; filename=\"publication.pdf\"; filename*=UTF-8''{quote(found.title + '.pdf')}"
    return Response(publication_pdf(found), media_type="application/pdf", headers={"Content-Disposition": disposition})


def _contact(office: str | None, phone: str | None) -> Contact:
    return Contact(office=office, phone=phone) if office else Contact(phone=phone)
