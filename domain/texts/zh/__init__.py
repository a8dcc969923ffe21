"""The Simplified Chinese catalog: every key of en.py, the labels of the pages, and the wording of
spreadsheets and the printed 公示."""

from domain.texts.zh.errors import ERRORS
from domain.texts.zh.labels import LABELS
from domain.texts.zh.notes import FINDINGS, FLAGS, NOTES, PROBLEMS, REASONS
from domain.texts.zh.sheets import SHEETS
from domain.texts.zh.words import VERBS, WORDS

TEXTS = {**NOTES, **REASONS, **FLAGS, **PROBLEMS, **FINDINGS, **ERRORS, **LABELS, **SHEETS}

__all__ = ["TEXTS", "VERBS", "WORDS"]
