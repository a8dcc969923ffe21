"""OpenAPI customisation: bearer auth, problem-detail responses, examples and operation links.

`install_openapi(app)` wraps FastAPI's generated document once, when /openapi.json is first
served. It adds:

* a bearer security scheme (Swagger UI's Authorize button; a header parameter named
  Authorization is ignored by OpenAPI tools, so the generated one is dropped);
* the RFC 9457 problem responses each operation can give, as `application/problem+json`,
  in place of FastAPI's `HTTPValidationError` (which the service never sends);
* corrections where the generated schemas say less than the server checks: a fact's `type`
  (the discriminator) is required, `If-Match` is a version ETag, header and query parameters
  are strings (never JSON null), and pydantic's `ge`/`le` on number-or-string unions become
  `minimum`/`maximum` on the number;
* request examples for the main bodies and response examples, in the demo bureau's terms
  (ZJG scheme, subjects s001..s012, the demo tokens' offices and rater);
* `links` between operations, so a client or a stateful fuzzer can walk the journeys:
  open_period -> register_subjects / get_period -> record_fact -> get_scorecard;
  close_period -> publish_period; file_appeal -> accept_appeal / get_appeal -> uphold_appeal
  -> compare_appeal.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from api.problems import BASE, MEDIA_TYPE

Json = dict[str, Any]

# Fact and appeal ids are assigned by the server; these show their shape.
FACT = "s001:7c1e9a04d2b35f6e8a10"
APPEAL = "3f9a6c2e81b0d475"

DEDUCTION = {
    "type": "deduction",
    "item": "2.1",
    "subject": "s001",
    "count": 2,
    "evidence": "考勤记录 2026-04 第3页",
    "occurred_on": "2026-04-03",
}
RATING = {
    "type": "rating",
    "item": "rating",
    "subject": "s001",
    "role": "principal",
    "rater": "principal-1",
    "value": 92.5,
}
BONUS = {"type": "bonus", "item": "b.2", "subject": "s002", "level": "city", "evidence": "市级技能竞赛获奖通知"}
RETRACTION = {"type": "retraction", "target": FACT, "reason": "考勤机故障,迟到记录不成立"}
CORRECTED = {"type": "deduction", "item": "2.1", "subject": "s001", "count": 1, "corrects": FACT}
SUBJECTS = [
    {"id": "s001", "name": "办公室", "group": "g1", "kind": "department"},
    {"id": "s002", "name": "党建科", "group": "g1", "kind": "department"},
    {"id": "s003", "name": "督查科", "group": "g1", "kind": "department"},
]

REQUEST_EXAMPLES: dict[str, dict[str, Json]] = {
    "record_fact": {
        "deduction": {"summary": "A deduction: two late arrivals (ZJG 2.1, 0.5 each)", "value": DEDUCTION},
        "rating": {"summary": "A rating of 92.5 by the principal leader (rater token)", "value": RATING},
        "bonus": {"summary": "A bonus: a city-level award (ZJG b.2)", "value": BONUS},
        "retraction": {"summary": "A retraction of an earlier fact", "value": RETRACTION},
    },
    "record_facts": {
        "batch": {
            "summary": "A batch: appended together, or not at all",
            "value": {
                "facts": [
                    DEDUCTION,
                    {"type": "deduction", "item": "1.2.1", "subject": "s002", "evidence": "年度计划逾期报送"},
                    {"type": "deduction", "item": "3.6", "subject": "s003", "occurred_on": "2026-04-07"},
                ]
            },
        }
    },
    "open_period": {
        "quarter": {
            "summary": "Open 2026-Q2 under ZJG version 2",
            "value": {"code": "2026-Q2", "scheme": "ZJG", "version": 2},
        }
    },
    "register_subjects": {
        "subjects": {"summary": "Register departments (S2) in the new quarter", "value": {"subjects": SUBJECTS}}
    },
    "bind_scheme": {
        "amendment": {"summary": "Re-bind to an amended scheme version", "value": {"version": 2, "reason": "细则修订"}}
    },
    "publish_period": {
        "today": {"summary": "Publish today (Asia/Shanghai)", "value": {}},
        "dated": {"summary": "Publish with a given publication date", "value": {"published_on": "2026-04-07"}},
    },
    "file_appeal": {
        "appeal": {
            "summary": "A department contests a deduction (subject token)",
            "value": {
                "subject": "s001",
                "contested": [FACT],
                "reasons": "3月12日考勤机故障,迟到记录有误",
                "evidence": ["设备维修单 2026-03-12"],
            },
        }
    },
    "uphold_appeal": {
        "retraction": {
            "summary": "Uphold, retracting the contested fact",
            "value": {"corrections": [RETRACTION], "reasons": "经核实,申诉属实"},
        },
        "correction": {
            "summary": "Uphold, replacing the contested fact by a corrected one",
            "value": {"corrections": [CORRECTED], "reasons": "经核实,迟到一次属实,一次系设备故障"},
        },
    },
    "reject_appeal": {"reject": {"summary": "Reject: the values stand", "value": {"reasons": "考勤原始记录无误"}}},
    "what_if_appeal": {
        "retraction": {"summary": "What if the contested fact were retracted?", "value": {"facts": [RETRACTION]}}
    },
    "issue_token": {
        "recorder": {
            "summary": "A token for an office recording its sections (S5)",
            "value": {"principal": "督查科", "role": "recorder", "scope": ["inspection"]},
        },
        "subject": {
            "summary": "A token for a department's representative (appeals)",
            "value": {"principal": "办公室代表", "role": "subject", "scope": ["s001"]},
        },
    },
}

RESPONSE_EXAMPLES: dict[tuple[str, str], Json] = {
    ("record_fact", "201"): {"facts": [FACT], "position": 412, "replayed": False, "scores": {"s001": "96.50"}},
    ("open_period", "201"): {"period": "2026-Q2", "scheme_hash": "9b0e…"},
    ("file_appeal", "201"): {"appeal": APPEAL, "deadline": "2026-04-10", "status": "filed"},
    ("accept_appeal", "200"): {"appeal": APPEAL, "status": "accepted", "decide_by": "2026-04-13", "version": 2},
    ("uphold_appeal", "200"): {"appeal": APPEAL, "status": "upheld", "corrections": ["s001:0d5b2f7e9c1a3b4d6e8f"]},
}

# What `If-Match` accepts (api/deps.py): a version, optionally quoted, optionally weak.
IF_MATCH = r'^\s*(W/)?"?[0-9]+"?\s*$'

# operationId -> link name -> link object (merged with the links the routers declare)
LINKS: dict[str, dict[str, Json]] = {
    "open_period": {
        "RegisterSubjects": {"operationId": "register_subjects", "parameters": {"path.code": "$request.body#/code"}},
        "GetPeriod": {"operationId": "get_period", "parameters": {"path.code": "$request.body#/code"}},
    },
    "register_subjects": {
        "GetPeriod": {"operationId": "get_period", "parameters": {"path.code": "$request.path.code"}},
        "RecordFact": {"operationId": "record_fact", "parameters": {"path.code": "$request.path.code"}},
    },
    "record_fact": {
        "GetScorecard": {
            "operationId": "get_scorecard",
            "parameters": {"path.code": "$request.path.code", "path.subject": "$request.body#/subject"},
            "description": "The scorecard of the subject the fact concerns.",
        },
        "GetHistory": {
            "operationId": "get_history",
            "parameters": {"path.code": "$request.path.code", "query.subject": "$request.body#/subject"},
        },
    },
    "record_facts": {
        "GetRankings": {"operationId": "get_rankings", "parameters": {"path.code": "$request.path.code"}},
    },
    "close_period": {
        "PublishPeriod": {
            "operationId": "publish_period",
            "parameters": {"path.code": "$request.path.code", "header.If-Match": "$response.header.ETag"},
        },
    },
    "publish_period": {
        "GetPeriod": {"operationId": "get_period", "parameters": {"path.code": "$request.path.code"}},
        "VerifyPeriod": {"operationId": "verify_period", "parameters": {"path.code": "$request.path.code"}},
    },
    "file_appeal": {
        "AcceptAppeal": {"operationId": "accept_appeal", "parameters": {"path.appeal": "$response.body#/appeal"}},
        "GetAppeal": {"operationId": "get_appeal", "parameters": {"path.appeal": "$response.body#/appeal"}},
    },
    "accept_appeal": {
        "UpholdAppeal": {
            "operationId": "uphold_appeal",
            "parameters": {"path.appeal": "$request.path.appeal", "header.If-Match": "$response.header.ETag"},
        },
        "GetAppeal": {"operationId": "get_appeal", "parameters": {"path.appeal": "$request.path.appeal"}},
    },
    "get_appeal": {
        "UpholdAppeal": {
            "operationId": "uphold_appeal",
            "parameters": {"path.appeal": "$request.path.appeal", "header.If-Match": "$response.header.ETag"},
            "requestBody": {
                "corrections": [{"type": "retraction", "target": "$response.body#/contested/0", "reason": "申诉属实"}],
                "reasons": "经核实,申诉属实",
            },
            "description": "Uphold the appeal, retracting its first contested fact.",
        },
    },
    "uphold_appeal": {
        "CompareAppeal": {"operationId": "compare_appeal", "parameters": {"path.appeal": "$request.path.appeal"}},
        "GetAppeal": {"operationId": "get_appeal", "parameters": {"path.appeal": "$request.path.appeal"}},
    },
    "reject_appeal": {
        "GetAppeal": {"operationId": "get_appeal", "parameters": {"path.appeal": "$request.path.appeal"}},
    },
}

PROBLEM_SCHEMA: Json = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": [BASE + "not-found"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Every problem in the input, located (422).",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}, "line": {"type": "integer"}},
            },
        },
        "deadline": {"type": "string", "format": "date", "description": "When the appeal window closed (422)."},
    },
}

# status -> (description, example problem)
PROBLEMS: dict[str, tuple[str, Json]] = {
    "400": (
        "The body is not JSON, or the request was refused for another reason",
        {"slug": "refused", "title": "Refused"},
    ),
    "401": ("No valid bearer token", {"slug": "unauthenticated", "title": "Authentication required"}),
    "403": (
        "The token's role or scope does not allow this",
        {"slug": "forbidden", "title": "Not allowed for this role or scope"},
    ),
    "404": ("The period, scheme, subject, fact or appeal does not exist", {"slug": "not-found", "title": "Not found"}),
    "409": (
        "The period or appeal does not allow this now, or a request with the same idempotency key is in progress",
        {"slug": "period-state", "title": "The period does not allow this now"},
    ),
    "412": (
        "If-Match names a version that is no longer current",
        {"slug": "version-mismatch", "title": "The resource changed (If-Match)"},
    ),
    "413": ("The request body is over the limit", {"slug": "too-large", "title": "Request body too large"}),
    "422": (
        "The request or its content was refused; every problem is located",
        {"slug": "invalid-input", "title": "The input was refused"},
    ),
}


def install_openapi(app: FastAPI) -> None:
    """Serve the customised document from /openapi.json (and so /docs)."""
    generate: Callable[[], Json] = app.openapi

    def openapi() -> Json:
        if app.openapi_schema is None:
            app.openapi_schema = customise(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def customise(document: Json) -> Json:
    """Add auth, problems, examples and links to a generated document (returns it, changed in place)."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `scoreledger tokens create` (or the demo tokens of `scoreledger serve --demo`).",
    }
    document["security"] = [{"bearer": []}]
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                _operation(path, method, operation)
    _require_discriminators(document, schemas)
    _standard_bounds(schemas)
    _drop_unused(document)
    return document


def _operation(path: str, method: str, operation: Json) -> None:
    name = operation.get("operationId", "")
    parameters = [
        p
        for p in operation.get("parameters", [])
        if not (p.get("in") == "header" and p["name"].lower() == "authorization")
    ]
    for parameter in parameters:
        _parameter(parameter)
    operation["parameters"] = parameters
    responses = operation.setdefault("responses", {})
    for status in _problem_statuses(path, method, operation):
        responses[status] = _problem_response(status, path)
    operation["responses"] = responses = dict(sorted(responses.items()))
    for media in operation.get("requestBody", {}).get("content", {}).values():
        if name in REQUEST_EXAMPLES and "schema" in media and _is_json_media(media):
            media["examples"] = copy.deepcopy(REQUEST_EXAMPLES[name])
    for (op, status), example in RESPONSE_EXAMPLES.items():
        if op == name and status in responses:
            for media_type, media in responses[status].setdefault("content", {}).items():
                if media_type == "application/json":
                    media["example"] = copy.deepcopy(example)
    for link_name, link in LINKS.get(name, {}).items():
        success = next((s for s in ("200", "201") if s in responses), None)
        if success is not None:
            links = responses[success].setdefault("links", {})
            # The routers may declare a link of the same name (unqualified parameters); ours replaces it.
            links[link_name] = copy.deepcopy(link)


def _parameter(parameter: Json) -> None:
    """A header, path or query parameter is absent or a string, never JSON null; If-Match is a version."""
    schema = parameter.get("schema", {})
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1 and len(schema["anyOf"]) == 2:
        del schema["anyOf"]
        schema.update(options[0])
    if parameter.get("in") == "header" and parameter["name"].lower() == "if-match":
        schema["pattern"] = IF_MATCH
        parameter["description"] = 'The version (ETag) last seen, e.g. "3"; 412 when it is no longer current.'
        parameter["example"] = '"3"'
    if parameter.get("in") == "header" and parameter["name"].lower() == "idempotency-key":
        parameter["description"] = "Repeat a request safely: the same key and body give the first answer again."


def _require_discriminators(document: Json, schemas: Json) -> None:
    """A discriminator's property is required in each schema it maps to (the server refuses a fact without `type`)."""
    for found in _walk(document):
        discriminator = found.get("discriminator")
        if not isinstance(discriminator, dict):
            continue
        for ref in discriminator.get("mapping", {}).values():
            target = schemas.get(ref.rsplit("/", 1)[-1])
            if target is not None and discriminator["propertyName"] not in target.setdefault("required", []):
                target["required"].append(discriminator["propertyName"])


def _standard_bounds(schemas: Json) -> None:
    """Pydantic writes `ge`/`le` (not JSON Schema) on number-or-string unions; put them on the number."""
    for found in _walk(schemas):
        if "anyOf" not in found:
            continue
        bounds = {k: found.pop(k) for k in ("ge", "le") if k in found}
        for option in found.get("anyOf", []):
            if option.get("type") == "number":
                if "ge" in bounds:
                    option["minimum"] = bounds["ge"]
                if "le" in bounds:
                    option["maximum"] = bounds["le"]


def _walk(node: Any) -> list[Json]:
    """Every object in a JSON document (depth first)."""
    found: list[Json] = []
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found.append(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _is_json_media(media: Json) -> bool:
    schema = media.get("schema", {})
    return bool(schema) and schema != {"type": "string"}


def _problem_statuses(path: str, method: str, operation: Json) -> list[str]:
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}
    queries = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    statuses = ["401", "403", "422"]
    if "requestBody" in operation or "as_of" in queries:
        statuses.append("400")
    if "{" in path or method != "get":
        statuses.append("404")
    if method != "get":
        statuses += ["409", "413"]
    if "if-match" in headers:
        statuses.append("412")
    return sorted(statuses)


def _problem_response(status: str, path: str) -> Json:
    description, example = PROBLEMS[status]
    body = {
        "type": BASE + example["slug"],
        "title": example["title"],
        "status": int(status),
        "detail": description,
        "instance": path,
    }
    if status == "422":
        body["errors"] = [{"path": "body.subject", "message": "Field required"}]
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": body}},
    }


def _drop_unused(document: Json) -> None:
    """Drop FastAPI's validation-error schemas once nothing refers to them (the problems replace them)."""
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        kept = schemas.pop(unused, None)
        if kept is not None and f'"#/components/schemas/{unused}"' in json.dumps(document):
            schemas[unused] = kept
