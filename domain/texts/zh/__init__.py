"""The Simplified Chinese catalog: every key of en.py, and the labels of the pages."""

from domain.texts.zh.errors import ERRORS
from domain.texts.zh.labels import LABELS
from domain.texts.zh.notes import FINDINGS, FLAGS, NOTES, PROBLEMS, REASONS
from domain.texts.zh.words import VERBS, WORDS

TEXTS = {**NOTES, **REASONS, **FLAGS, **PROBLEMS, **FINDINGS, **ERRORS, **LABELS}

__all__ = ["TEXTS", "VERBS", "WORDS"]
