"""The publication (公示) of a period's published results: what the notice says, in its usual parts
(title, paragraph, the list, signature block) and the proof that ties it to the sealed log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.calendar import WorkingCalendar, appeal_deadline
from domain.scheme.model import Scheme
from domain.texts.catalog import text
from domain.texts.sheets import chinese_date, period_name
from service.policy import published_rows
from service.sheets.exports import reason, sections

_DOCUMENT = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
_BUREAU = re.compile(r"^(.+?(局|委员会|委|办公室|办|院|中心|政府|机关))")


@dataclass
class Row:
    rank: int
    name: str
    sections: list[str]
    total: str
    grade: str
    remark: str


@dataclass
class Proof:
    position: int
    scheme: str
    version: int
    events: int
    merkle_root: str
    fingerprint: str | None  # of the bureau key that signed the seal; None: not signed (or not by that key)
    verify_url: str


@dataclass
class Notice:
    """Everything a 公示 shows; the print page and the PDF are drawn from it."""

    title: str
    paragraph: str
    annex: str
    columns: list[str]
    rows: list[Row]
    signer: str
    signed_on: str
    proof: Proof
    places: int = 2
    listed: str | None = None  # which grades are listed, when the scheme lists only some (P1)


@dataclass(frozen=True)
class Contact:
    """Where and how appeals go (P2): the office that receives them and its telephone."""

    bureau: str | None = None
    office: str = field(default_factory=lambda: text("notice.office_default"))
    phone: str | None = None


def document_number(scheme: Scheme) -> str:
    """The scheme's document number (张行审〔2020〕10号) when its source names one."""
    found = _DOCUMENT.search(f"{scheme.source or ''} {scheme.title}")
    return f"（{found.group(0)}）" if found else ""


def bureau_of(scheme: Scheme) -> str:
    found = _BUREAU.match(scheme.title)
    return found.group(1) if found else scheme.title


def verify_address(base_url: str, code: str, position: int) -> str:
    """The public verification page of a seal: what the 公示's QR code opens (no sign-in)."""
    return f"{base_url.rstrip('/')}/verify/{code}?position={position}"


class Listing:
    """The rows a notice prints, gathered one subject result at a time as a period's results are read a page at a
    time (service.queries.scan): of each result only its printed row is kept, never its scorecard (issue 12).
    The subjects of the grades the scheme lists (P1: QF lists only 好; service.policy.published_rows), or every
    subject, in group and rank order."""

    def __init__(self, scheme: Scheme):
        self.scheme, self.total = scheme, 0
        self._kept: list[tuple[tuple[str, int, str], Row]] = []

    def add(self, subject: dict[str, Any]) -> None:
        self.total += 1
        if published_rows(None, self.scheme, [subject]):  # the document as posted, whoever prints it
            self._kept.append((_ranked(subject), _row(self.scheme, subject)))

    def rows(self) -> list[Row]:
        return [row for _, row in sorted(self._kept, key=lambda kept: kept[0])]


def notice(
    scheme: Scheme, period: str, listing: Listing, seal: dict[str, Any], published_on: date,
    calendar: WorkingCalendar, proof: Proof, contact: Contact | None = None,
) -> Notice:
    """The notice of a period's published results, sealed by `seal`, listing `listing`'s rows."""
    contact = contact or Contact()
    days = scheme.publication.publicity_working_days or scheme.publication.appeal_window_working_days
    window = scheme.publication.appeal_window_working_days
    end, deadline = appeal_deadline(published_on, days, calendar), appeal_deadline(published_on, window, calendar)
    paragraph = text(
        "notice.intro", scheme=scheme.title, document=document_number(scheme),
        period=period_name(period),
        start=chinese_date(published_on), end=chinese_date(end), days=days, office=contact.office,
        phone=text("notice.phone", phone=contact.phone) if contact.phone else "", window=window,
        deadline=chinese_date(deadline))
    listed = scheme.publication.listed_grades
    rows = listing.rows()
    only = (text("notice.only_grades", grades="、".join(listed), count=len(rows), total=listing.total)
            if listed is not None else None)
    return Notice(
        title=text("notice.title", period=period_name(period)), paragraph=paragraph,
        annex=text("notice.annex"),
        columns=[text("notice.rank"), text("notice.subject"), *(t for _, t in sections(scheme)), text("notice.total"),
                 text("notice.grade"), text("notice.remark")],
        rows=rows,
        signer=text("notice.signer", bureau=contact.bureau or bureau_of(scheme)), signed_on=chinese_date(published_on),
        proof=proof, places=scheme.rounding.places, listed=only)


def _ranked(subject: dict[str, Any]) -> tuple[str, int, str]:
    return subject["group"], subject["rank"], subject["subject"]


def _row(scheme: Scheme, subject: dict[str, Any]) -> Row:
    applied = {c["id"]: c["applied"] for c in subject["card"].get("children", [])}
    places = scheme.rounding.places
    return Row(subject["rank"], subject["name"], [_fixed(applied.get(i), places) for i, _ in sections(scheme)],
               _fixed(subject["total"], places), subject.get("grade") or "—", _remark(scheme, subject))


def _remark(scheme: Scheme, subject: dict[str, Any]) -> str:
    if any((d.get("note") or "").startswith("veto ") for d in subject.get("decisions", [])):
        return text("notice.vetoed")
    return "" if subject["eligible"] else (reason(scheme, subject) or text("notice.ineligible"))


def _fixed(value: str | None, places: int) -> str:
    """A number as the notice prints it: the scheme's places, exactly (89.5 -> 89.50)."""
    if value is None:
        return ""
    return f"{Decimal(value):.{places}f}"
