"""Spreadsheets and prints for people, each read with the reader's rights (service.policy) from the
same queries the API and the pages use (service.queries)."""

from __future__ import annotations

from datetime import date

from domain.ledger.period import PeriodStateError
from domain.scheme.model import Scheme
from domain.texts.catalog import text
from domain.texts.sheets import period_name
from projections.schemes import scheme_for
from service import queries
from service.bootstrap import Service
from service.errors import Forbidden, NotFound
from service.policy import AUDITORS, STAFF, require
from service.public_seal import signers_of
from service.rollup import quarters_read
from service.sheets import exports
from service.sheets.importing import SheetImporter, uploader_vocabulary
from service.sheets.publication import Contact, Listing, Notice, Proof, notice, verify_address
from service.sheets.template import recording_template
from service.sheets.template_decisions import decisions_template
from service.sheets.template_rating import rating_template
from service.tokens import Actor

Download = tuple[bytes, str]  # the file and its name
NOTICE_PAGE = 200  # subject results (with their scorecards) read at a time for a 公示


def importer(service: Service, actor: Actor, code: str, at: str, today: date | None = None) -> SheetImporter:
    """Preview and confirm imports into a period for whoever may record (admin, recorder, rater)."""
    require(actor, "admin", "recorder", "rater")
    return SheetImporter(service.ledger, code, actor, at, today=today, facts=queries.PeriodFacts(service, code))


def period_scheme(service: Service, code: str) -> Scheme:
    period = service.ledger.period(code)
    return service.ledger.scheme(period.scheme, period.scheme_version)


def template(service: Service, actor: Actor, code: str, office: str | None = None) -> Download:
    """An office's recording template: a recorder gets its own offices', an administrator any office's."""
    require(actor, "admin", "recorder")
    chosen = office or (actor.scope[0] if actor.role == "recorder" and actor.scope else None)
    if actor.role == "recorder" and chosen not in actor.scope:
        raise Forbidden(f"office {chosen} is not among this recorder's offices ({', '.join(actor.scope)})")
    scoped = Actor(actor.principal, "recorder", (chosen,)) if chosen else actor
    vocabulary = uploader_vocabulary(service.ledger, code, scoped, dict(queries.folded_period(service, code).facts))
    if chosen is not None and chosen not in vocabulary.scheme.offices:
        raise NotFound(f"the scheme has no office {chosen}")
    office_name = vocabulary.scheme.offices.get(chosen or "", "")
    name = text("template.title", period=period_name(code), office=office_name) + ".xlsx"
    return recording_template(vocabulary, code, chosen), name


def rating_sheet(service: Service, actor: Actor, code: str) -> Download:
    """A rater's sheet (R1, R2): the subjects and rating items of its role, the scale on every row."""
    require(actor, "rater")
    rater, role = next(iter(actor.rater_roles().items()), ("", ""))
    vocabulary = uploader_vocabulary(service.ledger, code, actor, dict(queries.folded_period(service, code).facts))
    name = text("template.rating_title", period=period_name(code), rater=rater) + ".xlsx"
    return rating_template(vocabulary, code, rater, role), name


def decisions_sheet(service: Service, actor: Actor, code: str) -> Download:
    """The leading group's register of vetoes, affirmations and conditions met, for an administrator."""
    require(actor, "admin")
    vocabulary = uploader_vocabulary(service.ledger, code, actor)
    return decisions_template(vocabulary, code), text("template.decisions_title", period=period_name(code)) + ".xlsx"


def rankings(service: Service, actor: Actor, code: str, progress: exports.Progress | None = None) -> Download:
    require(actor, *STAFF)
    total = len(queries.known_period(service, code).subjects)
    writer = exports.RankingsWriter(period_scheme(service, code), code, total, progress)
    queries.scan(service, code, None, writer.add)  # a page at a time, a sheet per group: never the period whole
    return writer.close(), text("export.rankings_title", period=period_name(code)) + ".xlsx"


def scorecard(service: Service, actor: Actor, code: str, subject: str) -> Download:
    card = queries.scorecard(service, actor, code, subject)
    found = card["result"]
    body = exports.scorecard_workbook(period_scheme(service, code), card, found)
    return body, text("export.scorecard_title", period=period_name(code), name=found["name"]) + ".xlsx"


def appeal_register(service: Service, actor: Actor, code: str) -> Download:
    require(actor, *AUDITORS)
    service.runner.catch_up()
    appeals = [a for a in service.runner.meta.appeals.values() if a["period"] == code]
    names = {s: v["name"] for s, v in queries.known_period(service, code).subjects.items()}
    name = text("export.appeals_title", period=period_name(code)) + ".xlsx"
    return exports.appeals_workbook(code, appeals, names), name


def year_summary(service: Service, actor: Actor, year: str) -> Download:
    """G6: the year's quarters and each subject's year grade from their grades, read as the roll-up reads them
    (service.rollup: the period reads' results, the facts they set aside named)."""
    read = quarters_read(service, actor, year)
    grades = {row["subject"]: row for row in read["rows"]}
    body = exports.year_workbook(read["scheme"], year, read["quarters"], grades, read["set_aside"])
    return body, text("export.year_title", year=year) + ".xlsx"


def publication(service: Service, actor: Actor, code: str, base_url: str, contact: Contact | None = None) -> Notice:
    """The 公示 of a published period: everyone signed in reads it (subjects included), sealed as published;
    its QR code opens the public verification page of the seal (service.public_seal)."""
    require(actor, *STAFF, "subject")
    period = queries.known_period(service, code)
    if not period.seals or period.published_on is None:
        raise PeriodStateError(f"period {code} is not published: there is no 公示 yet")
    seal = period.seals[-1]
    scheme = scheme_for(service.runner.meta, seal["scheme_hash"])  # the scheme the seal was made under
    signers = signers_of(service, seal)
    base = service.settings.public_url or base_url
    proof = Proof(seal["position"], scheme.scheme, scheme.version, seal.get("event_count", 0), seal["merkle_root"],
                  signers[0].fingerprint if signers else None, verify_address(base, code, seal["position"]))
    listing = Listing(scheme)  # the results a page at a time, each kept only as the row it prints (issue 12)
    head = queries.scan(service, code, str(seal["position"]), listing.add, size=NOTICE_PAGE)
    return notice(scheme, head["period"], listing, seal, date.fromisoformat(period.published_on),
                  service.ledger.calendar, proof, contact)
