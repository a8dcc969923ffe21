"""The JSON Schema of scheme files, generated from the model and shipped in schemes/."""

from __future__ import annotations

import json
from typing import Any

from domain.scheme.model import Scheme


def scheme_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) that scheme files validate against."""
    schema = Scheme.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://scoreledger.invalid/scheme.schema.json"
    return schema


def scheme_json_schema_text() -> str:
    """The schema as stable text (sorted keys), as shipped in schemes/scheme.schema.json."""
    return json.dumps(scheme_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
