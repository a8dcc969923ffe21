"""The authorization matrix: for every endpoint, the requests that exercise it and who may make them.

Written from the issue's role rules, not from the code:

- admin: schemes, periods, subjects, tokens, and the one-vote decisions (veto, affirmation, condition);
- recorder: deductions and bonuses, and their exemptions and retractions, only in the sections the
  scheme assigns to its offices (S5; ZJG: 办公室 office 1 and 5, 人事教育科 personnel 2, 咨询指导科
  guidance 3, 督查科 inspection 4, rating and bonus);
- rater: its own ratings only (the rater name is its scope);
- auditor: reads everything, replays, verifies, exports, reads the log;
- reviewer: accepts, upholds, rejects, what-if, comparison; reads;
- subject: its own scorecard (with the explanation) and history, appeals for its own subject,
  its own appeals.

Where the issue is silent the table follows the implementation's choice (staff, i.e. every role but
subject, read periods, schemes, rankings and grades; admin and reviewer also verify and export).

A caller is a token of a role with a scope; "none", "unknown" and "revoked" carry no valid token.
Request fields may name set-up values as "{placeholder}" (fact and appeal ids the world records).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OFFICES = ["inspection", "office", "personnel", "guidance"]

# caller -> (role, scope) of its token; "recorder", "rater" and "subject" are the demo tokens
CALLERS: dict[str, tuple[str, list[str]]] = {
    "admin": ("admin", []),
    "recorder": ("recorder", OFFICES),  # 督查科 demo token: every office, so every section but ratings
    "recorder:office": ("recorder", ["office"]),  # 办公室: sections 1 and 5
    "recorder:personnel": ("recorder", ["personnel"]),  # 人事教育科: section 2
    "rater": ("rater", ["principal-1=principal"]),
    "rater:supervising-1": ("rater", ["supervising-1=supervising"]),
    "auditor": ("auditor", []),
    "reviewer": ("reviewer", []),
    "subject": ("subject", ["s001"]),
    "subject:s002": ("subject", ["s002"]),
}
UNAUTHENTICATED = ("none", "unknown", "revoked")


def roles(*names: str) -> frozenset[str]:
    """Every caller holding one of the roles, whatever its scope."""
    return frozenset(c for c, (role, _) in CALLERS.items() if role in names)


def only(*callers: str) -> frozenset[str]:
    assert set(callers) <= set(CALLERS), set(callers) - set(CALLERS)
    return frozenset(callers)


NOBODY: frozenset[str] = frozenset()
STAFF = roles("admin", "auditor", "reviewer", "recorder", "rater")
APPEAL_READERS = roles("admin", "auditor", "reviewer")


@dataclass(frozen=True)
class Case:
    """One request against an endpoint, and the callers that may make it."""

    allowed: frozenset[str]
    what: str = ""
    params: dict[str, str] = field(default_factory=dict)  # path parameters beyond the defaults
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON
    yaml: bool = False  # the body is the ZJG scheme as YAML
    stale: bool = False  # send If-Match with a version that is not current: allowed callers get 412
    key: str | None = None  # Idempotency-Key
    public: bool = False  # no token needed: unauthenticated callers are admitted too
    upload: tuple[str, bytes] | None = None  # a file sent as multipart form field "file"


DEFAULT_PARAMS = {"code": "2026-Q1", "appeal": "{appeal_s001}", "subject": "s001"}
Q2 = {"code": "2026-Q2"}  # the period kept open, where facts are recorded


def deduction(item: str, subject: str = "s003", **more: Any) -> dict[str, Any]:
    return {"type": "deduction", "item": item, "subject": subject, "count": 1, **more}


def rating(rater: str, subject: str, role: str, value: int, **more: Any) -> dict[str, Any]:
    return {
        "type": "rating",
        "item": "rating",
        "subject": subject,
        "rater": rater,
        "role": role,
        "value": value,
        **more,
    }


def retraction(target: str) -> dict[str, Any]:
    return {"type": "retraction", "target": target, "reason": "重复记录"}


FACT_CASES = [
    Case(only("recorder", "recorder:office"), "a deduction in section 1 (办公室)", Q2, body=deduction("1.1.1")),
    Case(only("recorder", "recorder:office"), "a deduction in section 5 (办公室)", Q2, body=deduction("5.3")),
    Case(only("recorder", "recorder:personnel"), "a deduction in section 2 (人事教育科)", Q2, body=deduction("2.1")),
    Case(only("recorder"), "a deduction in section 3 (咨询指导科)", Q2, body=deduction("3.2")),
    Case(only("recorder"), "a deduction in section 4 (督查科)", Q2, body=deduction("4.1")),
    Case(
        only("recorder"),
        "a bonus (督查科)",
        Q2,
        body={"type": "bonus", "item": "b.1", "subject": "s003", "level": "city"},
    ),
    Case(only("rater"), "principal-1's own rating", Q2, body=rating("principal-1", "s003", "principal", 80)),
    Case(
        only("rater:supervising-1"),
        "supervising-1's own rating",
        Q2,
        body=rating("supervising-1", "s003", "supervising", 85),
    ),
    Case(only("admin"), "a one-vote veto", Q2, body={"type": "veto", "veto": "veto.1", "subject": "s003"}),
    Case(
        only("admin"),
        "a one-vote affirmation",
        Q2,
        body={"type": "affirmation", "affirmation": "a.1", "subject": "s003"},
    ),
    Case(only("admin"), "a prerequisite met", Q2, body={"type": "condition", "condition": "c.1", "subject": "s003"}),
    Case(
        only("recorder", "recorder:office"), "a retraction of an 办公室 deduction", Q2, body=retraction("{q2_office}")
    ),
    Case(
        only("recorder", "recorder:personnel"),
        "a retraction of a 人事教育科 deduction",
        Q2,
        body=retraction("{q2_personnel}"),
    ),
    Case(
        only("recorder", "recorder:personnel"),
        "an exemption of a 人事教育科 deduction",
        Q2,
        body={"type": "exemption", "target": "{q2_personnel}", "ground": "force_majeure"},
    ),
    Case(
        only("recorder", "recorder:office"),
        "an 办公室 deduction correcting an 办公室 deduction",
        Q2,
        body=deduction("1.1.2", "s001", corrects="{q2_office_b}"),
    ),
    # a correction replaces the fact it names: the office of that fact must be the caller's too
    Case(
        only("recorder"),
        "an 办公室 deduction correcting a 人事教育科 deduction",
        Q2,
        body=deduction("1.1.1", "s001", corrects="{q2_personnel_b}"),
    ),
    Case(
        only("recorder"),
        "a 人事教育科 deduction correcting an 办公室 deduction",
        Q2,
        body=deduction("2.2", "s001", corrects="{q2_office_b}"),
    ),
    Case(only("rater"), "a retraction of principal-1's rating", Q2, body=retraction("{q2_rating_p1}")),
    Case(
        only("rater"),
        "principal-1 correcting its own rating",
        Q2,
        body=rating("principal-1", "s002", "principal", 70, corrects="{q2_rating_p1_s002}"),
    ),
    # a rating by supervising-1 that replaces principal-1's: not its own rating
    Case(
        NOBODY,
        "supervising-1's rating correcting principal-1's rating",
        Q2,
        body=rating("supervising-1", "s002", "supervising", 60, corrects="{q2_rating_p1_s002}"),
    ),
]

BATCH_CASES = [
    Case(
        only("recorder", "recorder:office"),
        "sections 1 and 5 (both 办公室)",
        Q2,
        body={"facts": [deduction("1.1.3"), deduction("5.5")]},
    ),
    Case(
        only("recorder"),
        "sections 1 (办公室) and 2 (人事教育科)",
        Q2,
        body={"facts": [deduction("1.1.4"), deduction("2.2")]},
    ),
    Case(
        only("rater"),
        "principal-1's ratings",
        Q2,
        body={"facts": [rating("principal-1", "s001", "principal", 75, corrects="{q2_rating_p1}")]},
    ),
    Case(only("admin"), "a veto", Q2, body={"facts": [{"type": "veto", "veto": "veto.2", "subject": "s003"}]}),
]

SHEET = ("督查科.csv", "被考核单位,考核项目,次数\r\n督查科,4.1,1\r\n".encode("gbk"))
UPLOADERS = roles("admin", "recorder", "rater")  # who may upload; each row is then judged as recording judges it

UPHOLD = {"corrections": [retraction("{q1_s001}")], "reasons": "复核属实"}

MATRIX: dict[tuple[str, str], list[Case]] = {
    ("POST", "/schemes"): [Case(only("admin"), yaml=True)],
    ("GET", "/schemes"): [Case(STAFF)],
    ("POST", "/periods"): [Case(only("admin"), body={"code": "2026-Q1", "scheme": "ZJG", "version": 2})],
    ("GET", "/periods/{code}"): [Case(STAFF)],
    ("POST", "/periods/{code}/subjects"): [
        Case(only("admin"), body={"subjects": [{"id": "s009", "name": "市场准入科", "kind": "department"}]}, stale=True)
    ],
    ("POST", "/periods/{code}/scheme"): [Case(only("admin"), body={"version": 1, "reason": "修订"}, stale=True)],
    ("POST", "/periods/{code}/close"): [Case(only("admin"), stale=True)],
    ("POST", "/periods/{code}/publish"): [Case(only("admin"), body={"published_on": "2026-03-30"}, stale=True)],
    ("POST", "/periods/{code}/facts"): FACT_CASES,
    ("POST", "/periods/{code}/facts/batch"): BATCH_CASES,
    ("POST", "/periods/{code}/imports/preview"): [Case(UPLOADERS, "a GBK CSV of one deduction", Q2, upload=SHEET)],
    ("POST", "/periods/{code}/imports"): [Case(UPLOADERS, "a GBK CSV of one deduction", Q2, upload=SHEET)],
    ("GET", "/periods/{code}/template"): [
        Case(roles("admin", "recorder"), "the caller's own office's template", Q2),
        Case(only("admin", "recorder"), "督查科's template", Q2, query={"office": "inspection"}),
    ],
    ("GET", "/periods/{code}/exports/rankings"): [Case(STAFF)],
    ("GET", "/periods/{code}/exports/scorecards/{subject}"): [
        Case(STAFF | only("subject"), "s001's scorecard", {"subject": "s001"}),
        Case(STAFF | only("subject:s002"), "s002's scorecard", {"subject": "s002"}),
    ],
    ("GET", "/periods/{code}/exports/appeals"): [Case(APPEAL_READERS)],
    ("GET", "/years/{year}/exports/summary"): [Case(STAFF, params={"year": "2026"})],
    # the 公示 is posted for everyone: every signed-in role reads it once the period is published
    ("GET", "/periods/{code}/publication"): [Case(STAFF | roles("subject"))],
    ("GET", "/periods/{code}/publication.pdf"): [Case(STAFF | roles("subject"))],
    ("GET", "/periods/{code}/scorecards/{subject}"): [
        Case(STAFF | only("subject"), "s001's scorecard", {"subject": "s001"}),
        Case(STAFF | only("subject:s002"), "s002's scorecard", {"subject": "s002"}),
    ],
    ("GET", "/periods/{code}/rankings"): [Case(STAFF)],
    ("GET", "/periods/{code}/grades"): [Case(STAFF)],
    ("GET", "/periods/{code}/rollup"): [Case(STAFF, "the year 2026 from its quarters", {"code": "2026"})],
    ("GET", "/periods/{code}/history"): [
        Case(STAFF | only("subject"), "s001's history", query={"subject": "s001"}),
        Case(STAFF | only("subject:s002"), "s002's history", query={"subject": "s002"}),
        Case(STAFF, "an item's history, every subject", query={"item": "1.1.1"}),
    ],
    ("POST", "/periods/{code}/appeals"): [
        Case(
            only("subject"),
            "an appeal for s001",
            key="appeal-s001",
            body={"subject": "s001", "contested": ["{q1_s001}"], "reasons": "该项扣分依据不足"},
        ),
        Case(
            only("subject:s002"),
            "an appeal for s002",
            key="appeal-s002",
            body={"subject": "s002", "contested": ["{q1_s002}"], "reasons": "迟到人次统计有误"},
        ),
    ],
    # a subject lists only its own appeals (filtered), so every subject caller is admitted
    ("GET", "/appeals"): [Case(APPEAL_READERS | roles("subject"))],
    ("GET", "/appeals/{appeal}"): [
        Case(APPEAL_READERS | only("subject"), "s001's appeal", {"appeal": "{appeal_s001}"}),
        Case(APPEAL_READERS | only("subject:s002"), "s002's appeal", {"appeal": "{appeal_s002}"}),
        # roles that read no appeal are refused whether or not it exists; subjects learn it does not
        Case(APPEAL_READERS | roles("subject"), "an appeal that does not exist", {"appeal": "0123456789abcdef"}),
    ],
    ("POST", "/appeals/{appeal}/accept"): [Case(only("reviewer"), stale=True)],
    ("POST", "/appeals/{appeal}/uphold"): [Case(only("reviewer"), body=UPHOLD, stale=True)],
    ("POST", "/appeals/{appeal}/reject"): [Case(only("reviewer"), body={"reasons": "扣分依据充分"}, stale=True)],
    ("GET", "/appeals/{appeal}/comparison"): [Case(APPEAL_READERS)],
    ("POST", "/appeals/{appeal}/what-if"): [Case(only("reviewer"), body={"facts": [retraction("{q1_s001}")]})],
    ("GET", "/periods/{code}/verification"): [Case(roles("auditor", "reviewer", "admin"))],
    ("GET", "/periods/{code}/bundle"): [Case(roles("auditor", "reviewer", "admin"))],
    ("GET", "/log"): [Case(roles("auditor", "admin"), query={"limit": "5"})],
    ("POST", "/tokens"): [
        Case(only("admin"), body={"principal": "咨询指导科", "role": "recorder", "scope": ["guidance"]})
    ],
    ("GET", "/tokens"): [Case(only("admin"))],
    # the bureau's public key is public: anyone may check a 公示 (unauthenticated callers too)
    ("GET", "/keys"): [Case(frozenset(CALLERS), public=True)],
    ("GET", "/checkpoints"): [Case(frozenset(CALLERS), public=True)],
    ("GET", "/checkpoints/consistency"): [Case(frozenset(CALLERS), public=True, query={"from": "1", "to": "2"})],
    ("POST", "/tokens/{token_id}/revoke"): [Case(only("admin"), params={"token_id": "{spare_token}"})],
}
