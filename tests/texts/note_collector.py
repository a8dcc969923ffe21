"""A pytest plugin that records every explanation the scoring engine emits while tests run.

Loaded with `-p note_collector` in a child pytest (see test_note_texts.py): it wraps the
engine's public entry points, walks every result they return and appends each note, grade
reason, flag and incomplete-rating message to the file named by SLTEST_NOTES_OUT.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import domain.scoring as scoring
from domain.scoring import engine, year
from domain.scoring.results import Line, NodeResult, Result, SubjectResult, YearSubjectResult

OUT = os.environ.get("SLTEST_NOTES_OUT", "")


def texts_of(result: Any) -> Iterator[tuple[str, str]]:
    """(kind, text) for every explanation inside a result."""
    if isinstance(result, Line) and result.note is not None:
        yield "note", result.note
    if isinstance(result, NodeResult):
        yield from (("incomplete", t) for t in result.incomplete)
    if isinstance(result, SubjectResult):
        yield from (("reason", t) for t in result.grade_reasons)
        yield from (("flag", t) for t in result.flags)
    if isinstance(result, YearSubjectResult):
        yield from (("reason", t) for t in result.reasons)
        yield from (("flag", t) for t in result.flags)
    if isinstance(result, Result):
        for name in type(result).model_fields:
            yield from texts_of(getattr(result, name))
    elif isinstance(result, (list, tuple)):
        for value in result:
            yield from texts_of(value)


def recording(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        found = sorted(set(texts_of(result)))
        if OUT and found:
            with open(OUT, "a", encoding="utf-8") as out:
                out.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in found)
        return result

    return wrapper


def pytest_configure(config: Any) -> None:
    scoring.score_period = engine.score_period = recording(engine.score_period)
    scoring.score_year = year.score_year = recording(year.score_year)
