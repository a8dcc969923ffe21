"""The leading group's register (领导小组决定事项登记表): a sheet each for the vetoes (V1-V3, V5), the
affirmations (V4) and the conditions met (G5) the scheme declares, each decision picked from a list with
its article on the 事项 sheet. Recorded by an administrator, who records only decisions (service.policy)."""

from __future__ import annotations

from domain.texts.catalog import text
from domain.texts.sheets import COLUMNS, period_name
from service.sheets.template_book import Column, TemplateBook
from service.sheets.vocabulary import Vocabulary, decision_entry, subject_entries

KINDS = ("veto", "affirmation", "condition")


def decisions_template(vocabulary: Vocabulary, period: str) -> bytes:
    """One sheet per kind of decision the scheme has."""
    scheme = vocabulary.scheme
    declared = {"veto": scheme.vetoes, "affirmation": scheme.affirmations, "condition": scheme.conditions}
    title = text("template.decisions_title", period=period_name(period))
    book = TemplateBook()
    subjects = subject_entries(vocabulary)
    first = True
    for kind in KINDS:
        entries = declared[kind]
        if not entries:
            continue
        columns = [Column("seq", COLUMNS["seq"], 6), Column("subject", COLUMNS["subject"], 18, True, subjects,
                                                          "template.prompt_subject"),
                   Column(kind, COLUMNS[kind], 50, True, tuple(decision_entry(e) for e in entries)),
                   Column("occurred_on", COLUMNS["decided_on"], 12), Column("evidence", COLUMNS["evidence"], 30),
                   Column("note", COLUMNS["note"], 16)]
        sheet = book.entry_sheet(text(f"kind.{kind}"), title, columns, rows=200)
        if first:
            sheet.activate()
            first = False
    rows = [[decision_entry(e), text(f"kind.{kind}"), e.title, getattr(e, "article", None) or ""]
            for kind in KINDS for e in declared[kind]]
    book.table(text("template.decisions_sheet"), [text("template.col_entry"), COLUMNS["type"],
                                                  text("template.decision_title"), text("template.decision_article")],
               rows, [44, 10, 40, 28])
    book.instructions(title, [scheme.title, text("template.period_line", name=period_name(period), code=period), "",
                              *text("template.decisions_instructions").splitlines()])
    return book.close()
