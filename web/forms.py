"""Form problems by field, in Chinese: a refused command's Problems shown next to their fields."""

from __future__ import annotations

import re

from domain.errors import InvalidInput
from domain.texts.catalog import NO_GLOSSARY, Glossary, translate_message


def field_errors(exc: InvalidInput, names: Glossary = NO_GLOSSARY) -> dict[str, str]:
    """Each problem under its field (`facts[0].attributes.rank (id)` -> `attributes.rank`), in Chinese."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        field = re.sub(r"^(recorded )?facts\[\d+\]\.?", "", problem.path).split(" (")[0] or "form"
        message = translate_message(problem.message, names)
        errors[field] = f"{errors[field]}；{message}" if field in errors else message
    return errors
