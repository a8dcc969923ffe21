"""Importing facts from a spreadsheet: read, preview (every problem at once), confirm.

Confirming records the whole file through the ledger's own command (Ledger.record_facts, with
the same authorization the API applies) in one transaction: all of it or nothing. The
recorder is the uploader, the period is the one uploaded to, the ids are the ledger's. A
rater's score for a subject and item it has already scored is recorded as a correction of its
earlier score (R3: one score per rater), and an unchanged score is left out, as the rater's page does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import InvalidInput
from domain.scheme.offices import Groups
from domain.texts.catalog import text, translate_message
from domain.texts.names import scheme_glossary
from domain.texts.sheets import COLUMNS
from service.commands import Ledger
from service.errors import Forbidden
from service.policy import check_recording
from service.sheets.cells import clean
from service.sheets.parsing import (
    MAX_ROWS,
    ParsedFile,
    Progress,
    SheetInvalid,
    Upload,
    parse_upload,
)
from service.sheets.rows import CellProblem
from service.sheets.vocabulary import Vocabulary
from service.tokens import Actor

__all__ = ["MAX_ROWS", "SheetImporter", "SheetInvalid", "Upload", "parse_upload", "uploader_vocabulary"]
_FACT_PATH = re.compile(r"^(?:recorded )?facts\[(\d+)\]\.?([A-Za-z_.]*)")


def uploader_vocabulary(ledger: Ledger, code: str, actor: Actor, facts: Any = None) -> Vocabulary:
    """The words of the period's scheme and subjects, narrowed to the items a recording office records."""
    period = ledger.period(code)
    scheme = ledger.scheme(period.scheme, period.scheme_version)
    offices = actor.scope if actor.role == "recorder" else None
    return Vocabulary.of(scheme, period.subjects, offices, facts)


@dataclass
class SheetImporter:
    """Preview and confirm for one uploader and one period, authorized as every recording is (service.policy)."""

    ledger: Ledger
    code: str
    actor: Actor
    at: str
    today: date | None = None
    # the period's facts as recorded so far: a dict, or queries.PeriodFacts, which folds only the groups a file's rows
    # concern while the period is folded lazily (issue 12: never the whole log's facts for an upload)
    facts: Any = field(default_factory=dict)

    def authorize(self, scheme: Any, prepared: list[dict[str, Any]], known: Mapping[str, dict[str, Any]],
                  groups: Groups) -> None:
        check_recording(self.actor, scheme, prepared, known, groups)

    def parse(self, upload: Upload, progress: Progress | None = None) -> ParsedFile:
        vocabulary = uploader_vocabulary(self.ledger, self.code, self.actor, self.facts)
        parsed = parse_upload(upload, vocabulary, self.actor, self.today, progress)
        parsed.raise_problems()
        rescored(parsed, concerning(self.facts, parsed.facts))
        return parsed

    def preview(self, upload: Upload, progress: Progress | None = None) -> dict[str, Any]:
        """What confirming would record, checked against the ledger as recording checks it; nothing is appended."""
        parsed = self.parse(upload, progress)
        prepared = Ledger.prepare_facts(self.code, parsed.facts, self.actor.principal)
        with located(parsed, self._names()):
            self.ledger.decide_facts(self.code, prepared, self.actor.principal, self.at, None, self.authorize)
        return {**summary(parsed, self.ledger, self.code), "imported": self.imports(upload.sha256)}

    def confirm(self, upload: Upload, expected_sha256: str | None = None, again: int = 0,
                progress: Progress | None = None) -> dict[str, Any]:
        """Record every fact of the file in one transaction, or none (the file must be the one previewed).

        The file's import is idempotent (F10): its key is derived from the uploader, the period and the
        file's SHA-256, so confirming it again (a double click, a retried request, another tab) answers
        with the first outcome and appends nothing. `again` = n (the imports of this file the uploader
        knows of) deliberately records it once more, and repeating that request records nothing more."""
        if expected_sha256 and expected_sha256.lower() != upload.sha256:
            changed = text("sheets.changed", expected=expected_sha256[:12], actual=upload.sha256[:12])
            raise SheetInvalid.of([CellProblem(upload.filename, 1, None, None, changed)])
        earlier = self.imports(upload.sha256)
        if again < len(earlier):
            return {**earlier[again], "replayed": True, "position": None, "file": _named(upload)}
        if again > len(earlier):
            wrong = text("sheets.again_unknown", again=again, count=len(earlier))
            raise SheetInvalid.of([CellProblem(upload.filename, 1, None, None, wrong)])
        parsed = self.parse(upload, progress)
        with located(parsed, self._names()):
            result = self.ledger.record_facts(self.code, parsed.facts, self.actor.principal, self.at,
                                              key=import_key(self.code, upload.sha256, again),
                                              authorize=self.authorize)
        return {**result, "rows": len(parsed.facts), "file": _file(parsed), "imported_at": self.at}

    def imports(self, sha256: str) -> list[dict[str, Any]]:
        """The uploader's earlier imports of the file into the period, first first: when, and what they recorded."""
        found: list[dict[str, Any]] = []
        while (record := self.ledger.earlier(self.actor.principal, Ledger.record_facts,
                                             import_key(self.code, sha256, len(found)))) is not None:
            facts = list(record.result.get("facts", []))
            found.append({"period": self.code, "facts": facts, "rows": len(facts), "imported_at": record.at})
        return found

    def _names(self) -> Any:
        period = self.ledger.period(self.code)
        return scheme_glossary(self.ledger.scheme(period.scheme, period.scheme_version))


def concerning(facts: Any, proposed: list[dict[str, Any]]) -> Mapping[str, dict[str, Any]]:
    """The recorded facts concerning the subjects of proposed facts: a lookup's (queries.PeriodFacts), or all given."""
    found = getattr(facts, "concerning", None)
    return found(proposed) if found is not None else facts  # type: ignore[no-any-return]


def rescored(parsed: ParsedFile, facts: Mapping[str, dict[str, Any]]) -> None:
    """R3: a score for what the rater already scored corrects its live score; the same score is left out."""
    replaced = {f.get("corrects") for f in facts.values()} | {f.get("target") for f in facts.values()}
    live = {(f["rater"], f["item"], f["subject"]): f for f in facts.values()
            if f.get("type") == "rating" and f["id"] not in replaced}
    kept, origins = [], []
    for fact, origin in zip(parsed.facts, parsed.origins, strict=True):
        earlier = live.get((fact.get("rater"), fact.get("item"), fact.get("subject"))) if fact["type"] == "rating" \
            else None
        if earlier is not None and Decimal(str(earlier["value"])) == Decimal(fact["value"]):
            parsed.unchanged += 1
            continue
        kept.append({**fact, "corrects": earlier["id"]} if earlier is not None else fact)
        origins.append(origin)
    parsed.facts, parsed.origins = kept, origins


@contextmanager
def located(parsed: ParsedFile, names: Any) -> Iterator[None]:
    """Ledger refusals (problems and authorization) re-told in Chinese at the sheet, row and column they come from."""
    try:
        yield
    except SheetInvalid:
        raise
    except InvalidInput as exc:
        problems = [_locate(parsed, p.path, translate_message(p.message, names)) for p in exc.problems]
        raise SheetInvalid.of(problems or [_locate(parsed, "", translate_message(exc.title, names))]) from None
    except Forbidden as exc:
        if not str(exc).startswith("facts["):
            raise
        where = str(exc).partition(": ")[0]
        reason = translate_message(str(exc), names)
        reason = reason.split("：", 1)[1] if reason.startswith("第") and "：" in reason else reason
        raise SheetInvalid.of([_locate(parsed, where, text("sheets.not_allowed", reason=reason))]) from None


def _locate(parsed: ParsedFile, path: str, message: str) -> CellProblem:
    found = _FACT_PATH.match(path)
    if found is None or int(found[1]) >= len(parsed.origins):
        sheet = parsed.sheets[0] if parsed.sheets else parsed.filename
        return CellProblem(sheet, 1, None, None, text("sheets.ledger", message=message))
    sheet, row = parsed.origins[int(found[1])]
    field_name = (found[2] or "").split(".")[0]
    header = parsed.headers.get(sheet)
    column = header.column_of(field_name) if header is not None and field_name else None
    heading = header.headings.get(column) if header is not None and column is not None else None
    return CellProblem(sheet, row, column, heading or COLUMNS.get(field_name), text("sheets.ledger", message=message))


def import_key(code: str, sha256: str, again: int = 0) -> str:
    """The idempotency key of a file's import into a period (the ledger scopes it to the uploader and the
    command); `again` = n: the deliberate (n+1)-th import of the same file."""
    return f"import:{code}:{sha256.lower()}" + (f":again:{again}" if again else "")


def _named(upload: Upload) -> dict[str, Any]:
    return {"name": upload.filename, "sha256": upload.sha256}


def _file(parsed: ParsedFile) -> dict[str, Any]:
    return {"name": parsed.filename, "sha256": parsed.sha256, "encoding": parsed.encoding, "sheets": parsed.sheets,
            "ignored_columns": parsed.ignored}


def summary(parsed: ParsedFile, ledger: Ledger, code: str, sample: int = 200) -> dict[str, Any]:
    """What a preview shows: the file, how many facts of which kind, per item and subject, and the first rows."""
    period = ledger.period(code)
    scheme = ledger.scheme(period.scheme, period.scheme_version)
    items = Counter(f.get("item") or f.get("veto") or f.get("affirmation") or f.get("condition") or f.get("type")
                    for f in parsed.facts)
    subjects = Counter(f.get("subject") for f in parsed.facts if f.get("subject"))
    first = [{"sheet": s, "row": r, "fact": f} for (s, r), f in zip(parsed.origins[:sample], parsed.facts[:sample],
                                                                     strict=True)]
    return {
        "period": code,
        "file": _file(parsed),
        "rows": len(parsed.facts),
        "blank_ratings": parsed.blank_ratings,
        "unchanged_ratings": parsed.unchanged,
        "kinds": dict(Counter(f["type"] for f in parsed.facts)),
        "items": [{"item": i, "title": getattr(scheme.items.get(i or ""), "title", clean(i)), "rows": n}
                  for i, n in items.most_common()],
        "subjects": [{"subject": s, "name": period.subjects.get(s or "", {}).get("name", s), "rows": n}
                     for s, n in subjects.most_common()],
        "sample": first,
    }
