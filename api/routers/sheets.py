"""Spreadsheets: import facts from an uploaded .xlsx or CSV (preview, then confirm), and the
recording template of an office."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile

from api.deps import ClockDep, IdempotencyKey, ServiceDep, at, in_flight, require
from api.policy import check_recording
from api.problems import Forbidden
from api.routers.common import json_response
from domain.scheme.model import Scheme
from service.bootstrap import Service
from service.errors import NotFound
from service.sheets.importing import SheetImporter, Upload, uploader_vocabulary
from service.sheets.template import recording_template
from service.sheets.texts import period_name
from service.tokens import Actor

router = APIRouter(prefix="/periods/{code}", tags=["spreadsheets"])
Recorder = Annotated[Actor, Depends(require("admin", "recorder", "rater"))]
Office = Annotated[Actor, Depends(require("admin", "recorder"))]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]
SheetFile = Annotated[UploadFile, File(description=".xlsx, .xls or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030).")]
Encoding = Annotated[str | None, Form(description="A CSV file's encoding when not detected: utf-8 or gbk.",
                                      max_length=20)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _importer(service: Service, code: str, actor: Actor, clock: ClockDep) -> SheetImporter:
    def authorize(scheme: Scheme, prepared: list[dict[str, Any]], known: dict[str, dict[str, Any]]) -> None:
        check_recording(actor, scheme, prepared, known)

    return SheetImporter(service.ledger, code, actor, at(clock), authorize, today=clock().date())


def _upload(file: UploadFile, encoding: str | None) -> Upload:
    return Upload(file.filename or "upload", file.file.read(), encoding)


@router.post("/imports/preview", operation_id="preview_import")
def preview_import(
    code: PeriodPath, file: SheetFile, service: ServiceDep, actor: Recorder, clock: ClockDep,
    encoding: Encoding = None,
) -> Response:
    """Read a spreadsheet of facts and check it as recording would; every problem at once, nothing appended."""
    return json_response(_importer(service, code, actor, clock).preview(_upload(file, encoding)))


@router.post("/imports", status_code=201, operation_id="import_facts")
def import_facts(
    code: PeriodPath, file: SheetFile, service: ServiceDep, actor: Recorder, clock: ClockDep,
    encoding: Encoding = None,
    sha256: Annotated[str | None, Form(description="The file's SHA-256 from its preview: refused if it changed.",
                                       pattern=r"^[0-9a-fA-F]{64}$")] = None,
    key: IdempotencyKey = None,
) -> Response:
    """Record every fact of a spreadsheet in one transaction, or none; the recorder is the uploader."""
    with in_flight(key):
        result = _importer(service, code, actor, clock).confirm(_upload(file, encoding), sha256, key)
    service.runner.wait_for(result["position"])
    return json_response(result, 201)


@router.get("/template", operation_id="get_template", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "The office's recording template (.xlsx)."}})
def template(
    code: PeriodPath, service: ServiceDep, actor: Office,
    office: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] = None,
) -> Response:
    """The recording template of an office for the period: its items, drop-down lists, instructions."""
    chosen = office or (actor.scope[0] if actor.role == "recorder" and actor.scope else None)
    if actor.role == "recorder" and chosen not in actor.scope:
        raise Forbidden(f"office {chosen} is not among this recorder's offices ({', '.join(actor.scope)})")
    scoped = Actor(actor.principal, "recorder", (chosen,)) if chosen else actor
    vocabulary = uploader_vocabulary(service.ledger, code, scoped)
    if chosen is not None and chosen not in vocabulary.scheme.offices:
        raise NotFound(f"the scheme has no office {chosen}")
    body = recording_template(vocabulary, code, chosen)
    name = f"{period_name(code)}{vocabulary.scheme.offices.get(chosen or '', '')}考核记录表.xlsx"
    return xlsx_response(body, name)


def xlsx_response(body: bytes, filename: str) -> Response:
    """An .xlsx download under a Chinese file name (RFC 6266 filename*)."""
    disposition = f"attachment; filename=\"download.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})
