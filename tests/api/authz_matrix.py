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
Request fields may name set-up values as "{placeholder}" (fact and appeal ids the world records); where
the world recorded one per caller ("{q2_office}" is "q2_office@<caller>"), each caller acts on its own,
so that every allowed call meets the same state.

An allowed caller gets exactly the status its case names (the rules and the world's state decide it: 412
for a stale If-Match, 404 for an appeal that does not exist, 422 where ZJG has no such affirmation), and
where a rule is about what a response contains, its check says what that is: a subject's appeals and
history are its own (the world holds two subjects' of each), individual ratings (民主测评) are shown only
to administrators, auditors, reviewers and (its own) to the rater.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

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


Check = Callable[[httpx.Response, str, dict[str, str]], list[str]]  # response, caller, ids -> what is wrong
SEE_RATINGS = ("admin", "auditor", "reviewer")


@dataclass(frozen=True)
class Case:
    """One request against an endpoint, the callers that may make it, and what they get."""

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
    status: int = 200  # what an allowed caller gets (412 when stale)
    status_for: dict[str, int] = field(default_factory=dict)  # allowed callers that get another status
    check: Check | None = None  # what an allowed caller's response must contain

    def expected(self, caller: str) -> int:
        return self.status_for.get(caller, 412 if self.stale else self.status)


# What responses contain, from the rules (each returns what is wrong, nothing when right).


def _role(caller: str) -> tuple[str, list[str]]:
    return CALLERS[caller]


def appeals_of_the_callers_subjects(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
    """A subject lists only its own subject's appeals; the others list both subjects' appeals."""
    role, scope = _role(caller)
    listed = {a["subject"] for a in response.json()["appeals"]}
    expected = set(scope) if role == "subject" else {"s001", "s002"}
    return [] if listed == expected else [f"appeals of {sorted(listed)}, expected {sorted(expected)}"]


def the_appeal_of(subject: str) -> Check:
    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        body = response.json()  # filing answers the appeal's id; reading it, the appeal with its subject
        ok = body.get("subject", subject) == subject and body["appeal"] == ids[f"appeal_{subject}"]
        return [] if ok else [f"appeal {body['appeal']} of {body.get('subject')}, expected {subject}'s"]

    return check


def ratings_as_the_caller_may_see_them(facts: list[dict[str, Any]], caller: str) -> list[str]:
    """Every rating shows its rater and value to admin, auditor and reviewer, and to its own rater; to anyone
    else it shows neither rater, role, value, note nor recorder."""
    role, scope = _role(caller)
    own = {entry.split("=")[0] for entry in scope} if role == "rater" else set()
    ratings = [f for f in facts if f["type"] == "rating"]
    wrong = [] if ratings else ["no ratings to check"]
    for fact in ratings:
        shown = role in SEE_RATINGS or fact.get("rater") in own
        secret = {"rater", "role", "value", "note", "recorded_by"} & fact.keys()
        if role not in SEE_RATINGS and not shown and (secret or fact.get("redacted") is not True):
            wrong.append(f"rating {fact['id']} shows {sorted(secret)} to {caller}")
        if role in SEE_RATINGS and "value" not in fact:
            wrong.append(f"rating {fact['id']} hides its value from {caller}")
    if own and not any(f.get("rater") in own and "value" in f for f in ratings):
        wrong.append(f"{caller} does not see its own ratings")
    return wrong


def history_of(subject: str) -> Check:
    """The facts naming the subject, and nobody else's; ratings as the caller may see them."""

    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        facts = [f["fact"] for f in response.json()["facts"]]
        wrong = [] if facts else ["no facts"]
        for fact in facts:
            named = {fact.get("subject")} | {p["subject"] for p in fact.get("parties") or []}
            if subject not in named:
                wrong.append(f"fact {fact['id']} of {sorted(str(n) for n in named)} in {subject}'s history")
        return wrong + ratings_as_the_caller_may_see_them(facts, caller)

    return check


def history_of_item(item: str) -> Check:
    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        facts = [f["fact"] for f in response.json()["facts"]]
        return [f"fact {f['id']} of item {f.get('item')}" for f in facts if f.get("item") != item] or (
            [] if facts else ["no facts"]
        )

    return check


def scorecard_of(subject: str) -> Check:
    """The subject's card; its rating item shows individual lines as the caller may see them, and always
    the item's points."""

    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        result = response.json()["result"]
        if result["subject"] != subject:
            return [f"the scorecard of {result['subject']}, expected {subject}"]
        role, scope = _role(caller)
        node = next(c for c in result["card"]["children"] if c["id"] == "rating")
        individual = [line for line in node["lines"] if line["facts"]]
        summaries = [line for line in node["lines"] if not line["facts"]]
        mine = {entry.split("=")[0] for entry in scope} if role == "rater" else set()
        seen = {line["note"].split(": ")[0].split(" ")[-1] for line in individual}
        expected = {"principal-1", "supervising-1"} if role in SEE_RATINGS else mine
        wrong = [] if seen == expected else [f"{caller} sees the ratings of {sorted(seen)}, expected {sorted(expected)}"]
        if role not in SEE_RATINGS and [line["points"] for line in summaries] != [node["raw"]]:
            wrong.append(f"{caller} is not shown the rating item's points as one summary line")
        return wrong

    return check


def the_subjects(*subjects: str) -> Check:
    """Rankings, grades and the whole results name exactly these subjects."""

    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        body = response.json()
        rows = body.get("grades") or body.get("subjects") or [r for g in body.get("groups", {}).values() for r in g]
        named = sorted(r["subject"] for r in rows)
        return [] if named == sorted(subjects) else [f"subjects {named}, expected {sorted(subjects)}"]

    return check


def recorded(count: int) -> Check:
    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        facts = response.json().get("facts", [])
        return [] if len(facts) == count else [f"{len(facts)} fact(s) recorded, expected {count}"]

    return check


def refused_for(field_name: str) -> Check:
    """A 422 that is about the named field (past authorization), not about who may record."""

    def check(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
        paths = [e["path"] for e in response.json().get("errors", [])]
        return [] if any(field_name in path for path in paths) else [f"refused for {paths}, expected {field_name}"]

    return check


def no_token_secrets(response: httpx.Response, caller: str, ids: dict[str, str]) -> list[str]:
    leaked = [t for t in ("demo-admin-token", "test-recorder:office", "test-spare") if t in response.text]
    return [f"token {t} in the listing" for t in leaked] + ([] if response.json() else ["no tokens listed"])


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


RECORDED = recorded(1)

FACT_CASES = [
    Case(only("recorder", "recorder:office"), "a deduction in section 1 (办公室)", Q2, body=deduction("1.1.1"),
         status=201, check=RECORDED),
    Case(only("recorder", "recorder:office"), "a deduction in section 5 (办公室)", Q2, body=deduction("5.3"),
         status=201, check=RECORDED),
    Case(only("recorder", "recorder:personnel"), "a deduction in section 2 (人事教育科)", Q2, body=deduction("2.1"),
         status=201, check=RECORDED),
    Case(only("recorder"), "a deduction in section 3 (咨询指导科)", Q2, body=deduction("3.2"), status=201, check=RECORDED),
    Case(only("recorder"), "a deduction in section 4 (督查科)", Q2, body=deduction("4.1"), status=201, check=RECORDED),
    Case(
        only("recorder"),
        "a bonus (督查科)",
        Q2,
        body={"type": "bonus", "item": "b.1", "subject": "s003", "level": "city"},
        status=201,
        check=RECORDED,
    ),
    Case(only("rater"), "principal-1's own rating", Q2, body=rating("principal-1", "s003", "principal", 80),
         status=201, check=RECORDED),
    Case(
        only("rater:supervising-1"),
        "supervising-1's own rating",
        Q2,
        body=rating("supervising-1", "s003", "supervising", 85),
        status=201,
        check=RECORDED,
    ),
    Case(only("admin"), "a one-vote veto", Q2, body={"type": "veto", "veto": "veto.1", "subject": "s003"},
         status=201, check=RECORDED),
    # ZJG declares no affirmation and no prerequisite: the administrator is admitted, and the fact refused (422)
    Case(
        only("admin"),
        "a one-vote affirmation (ZJG has none)",
        Q2,
        body={"type": "affirmation", "affirmation": "a.1", "subject": "s003"},
        status=422,
        check=refused_for("affirmation"),
    ),
    Case(only("admin"), "a prerequisite met (ZJG has none)", Q2,
         body={"type": "condition", "condition": "c.1", "subject": "s003"}, status=422, check=refused_for("condition")),
    Case(
        only("recorder", "recorder:office"), "a retraction of an 办公室 deduction", Q2, body=retraction("{q2_office}"),
        status=201, check=RECORDED,
    ),
    Case(
        only("recorder", "recorder:personnel"),
        "a retraction of a 人事教育科 deduction",
        Q2,
        body=retraction("{q2_personnel}"),
        status=201,
        check=RECORDED,
    ),
    # ZJG declares no exemption grounds: admitted, then refused for the ground
    Case(
        only("recorder", "recorder:personnel"),
        "an exemption of a 人事教育科 deduction (ZJG has no grounds)",
        Q2,
        body={"type": "exemption", "target": "{q2_personnel_x}", "ground": "force_majeure"},
        status=422,
        check=refused_for("ground"),
    ),
    Case(
        only("recorder", "recorder:office"),
        "an 办公室 deduction correcting an 办公室 deduction",
        Q2,
        body=deduction("1.1.2", "s001", corrects="{q2_office_b}"),
        status=201,
        check=RECORDED,
    ),
    # a correction replaces the fact it names: the office of that fact must be the caller's too
    Case(
        only("recorder"),
        "an 办公室 deduction correcting a 人事教育科 deduction",
        Q2,
        body=deduction("1.1.1", "s001", corrects="{q2_personnel_b}"),
        status=201,
        check=RECORDED,
    ),
    Case(
        only("recorder"),
        "a 人事教育科 deduction correcting an 办公室 deduction",
        Q2,
        body=deduction("2.2", "s001", corrects="{q2_office_c}"),
        status=201,
        check=RECORDED,
    ),
    Case(only("rater"), "a retraction of principal-1's rating", Q2, body=retraction("{q2_rating_p1}"),
         status=201, check=RECORDED),
    Case(
        only("rater"),
        "principal-1 correcting its own rating",
        Q2,
        body=rating("principal-1", "s002", "principal", 70, corrects="{q2_rating_p1_s002}"),
        status=201,
        check=RECORDED,
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
        status=201,
        check=recorded(2),
    ),
    Case(
        only("recorder"),
        "sections 1 (办公室) and 2 (人事教育科)",
        Q2,
        body={"facts": [deduction("1.1.4"), deduction("2.2")]},
        status=201,
        check=recorded(2),
    ),
    Case(
        only("rater"),
        "principal-1's ratings",
        Q2,
        body={"facts": [rating("principal-1", "s004", "principal", 75, corrects="{q2_rating_p1_s004}")]},
        status=201,
        check=RECORDED,
    ),
    Case(only("admin"), "a veto", Q2, body={"facts": [{"type": "veto", "veto": "veto.2", "subject": "s003"}]},
         status=201, check=RECORDED),
]

SHEET = ("督查科.csv", "被考核单位,考核项目,次数\r\n督查科,4.1,1\r\n".encode("gbk"))
UPLOADERS = roles("admin", "recorder", "rater")  # who may upload; each row is then judged as recording judges it
# 督查科's section 4 row: only a recorder for 督查科 may record it; the other uploaders get it refused by row (422)
SHEET_REFUSED = {c: 422 for c in UPLOADERS - only("recorder")}

UPHOLD = {"corrections": [retraction("{q1_s001}")], "reasons": "复核属实"}
AUDITORS = roles("auditor", "reviewer", "admin")
BOTH = the_subjects("s001", "s002")

MATRIX: dict[tuple[str, str], list[Case]] = {
    ("POST", "/schemes"): [Case(only("admin"), yaml=True, status=201)],
    ("GET", "/schemes"): [Case(STAFF)],
    ("POST", "/periods"): [Case(only("admin"), body={"code": "2026-Q3", "scheme": "ZJG", "version": 2}, status=201)],
    ("GET", "/periods/{code}"): [Case(STAFF)],
    ("POST", "/periods/{code}/subjects"): [
        Case(only("admin"), body={"subjects": [{"id": "s009", "name": "市场准入科", "kind": "department"}]}, stale=True)
    ],
    ("POST", "/periods/{code}/scheme"): [Case(only("admin"), body={"version": 1, "reason": "修订"}, stale=True)],
    ("POST", "/periods/{code}/close"): [Case(only("admin"), stale=True)],
    ("POST", "/periods/{code}/publish"): [Case(only("admin"), body={"published_on": "2026-03-30"}, stale=True)],
    ("POST", "/periods/{code}/facts"): FACT_CASES,
    ("POST", "/periods/{code}/facts/batch"): BATCH_CASES,
    ("POST", "/periods/{code}/imports/preview"): [
        Case(UPLOADERS, "a GBK CSV of one deduction", Q2, upload=SHEET, status_for=SHEET_REFUSED)
    ],
    ("POST", "/periods/{code}/imports"): [
        Case(UPLOADERS, "a GBK CSV of one deduction", Q2, upload=SHEET, status=201, status_for=SHEET_REFUSED)
    ],
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
        Case(STAFF | only("subject"), "s001's scorecard", {"subject": "s001"}, check=scorecard_of("s001")),
        Case(STAFF | only("subject:s002"), "s002's scorecard", {"subject": "s002"}, check=scorecard_of("s002")),
        # reading results as they were (as_of) is for those who audit (issue 9)
        Case(AUDITORS, "s001's scorecard as of the seal", {"subject": "s001"}, query={"as_of": "{q1_seal}"},
             check=scorecard_of("s001")),
    ],
    ("GET", "/periods/{code}/rankings"): [
        Case(STAFF, check=BOTH),
        Case(AUDITORS, "as of the seal", query={"as_of": "{q1_seal}"}, check=BOTH),
    ],
    ("GET", "/periods/{code}/grades"): [Case(STAFF, check=BOTH)],
    ("GET", "/periods/{code}/results"): [Case(AUDITORS, check=BOTH)],
    # ZJG has no year rules (G6): staff are admitted, and told so (422)
    ("GET", "/periods/{code}/rollup"): [
        Case(STAFF, "the year 2026 from its quarters (ZJG has no year rules)", {"code": "2026"}, status=422,
             check=refused_for("code"))
    ],
    ("GET", "/periods/{code}/history"): [
        Case(STAFF | only("subject"), "s001's history", query={"subject": "s001"}, check=history_of("s001")),
        Case(STAFF | only("subject:s002"), "s002's history", query={"subject": "s002"}, check=history_of("s002")),
        Case(STAFF, "an item's history, every subject", query={"item": "1.1.1"}, check=history_of_item("1.1.1")),
    ],
    ("POST", "/periods/{code}/appeals"): [
        Case(
            only("subject"),
            "an appeal for s001 (its key again: the appeal filed, nothing appended)",
            key="appeal-s001",
            body={"subject": "s001", "contested": ["{q1_s001}"], "reasons": "该项扣分依据不足"},
            status=201,
            check=the_appeal_of("s001"),
        ),
        Case(
            only("subject:s002"),
            "an appeal for s002 (its key again)",
            key="appeal-s002",
            body={"subject": "s002", "contested": ["{q1_s002}"], "reasons": "迟到人次统计有误"},
            status=201,
            check=the_appeal_of("s002"),
        ),
    ],
    # a subject lists only its own appeals (filtered), so every subject caller is admitted
    ("GET", "/appeals"): [Case(APPEAL_READERS | roles("subject"), check=appeals_of_the_callers_subjects)],
    ("GET", "/appeals/{appeal}"): [
        Case(APPEAL_READERS | only("subject"), "s001's appeal", {"appeal": "{appeal_s001}"}, check=the_appeal_of("s001")),
        Case(APPEAL_READERS | only("subject:s002"), "s002's appeal", {"appeal": "{appeal_s002}"},
             check=the_appeal_of("s002")),
        # roles that read no appeal are refused whether or not it exists; subjects learn it does not
        Case(APPEAL_READERS | roles("subject"), "an appeal that does not exist", {"appeal": "0123456789abcdef"},
             status=404),
    ],
    ("POST", "/appeals/{appeal}/accept"): [Case(only("reviewer"), stale=True)],
    ("POST", "/appeals/{appeal}/uphold"): [Case(only("reviewer"), body=UPHOLD, stale=True)],
    ("POST", "/appeals/{appeal}/reject"): [Case(only("reviewer"), body={"reasons": "扣分依据充分"}, stale=True)],
    ("GET", "/appeals/{appeal}/comparison"): [Case(APPEAL_READERS)],
    ("POST", "/appeals/{appeal}/what-if"): [Case(only("reviewer"), body={"facts": [retraction("{q1_s001}")]})],
    ("GET", "/periods/{code}/verification"): [Case(AUDITORS)],
    ("GET", "/periods/{code}/bundle"): [Case(AUDITORS)],
    ("GET", "/log"): [Case(roles("auditor", "admin"), query={"limit": "5"})],
    ("POST", "/tokens"): [
        Case(only("admin"), body={"principal": "咨询指导科", "role": "recorder", "scope": ["guidance"]}, status=201)
    ],
    ("GET", "/tokens"): [Case(only("admin"), check=no_token_secrets)],
    # the bureau's public key is public: anyone may check a 公示 (unauthenticated callers too)
    ("GET", "/keys"): [Case(frozenset(CALLERS), public=True)],
    ("GET", "/checkpoints"): [Case(frozenset(CALLERS), public=True)],
    ("GET", "/checkpoints/consistency"): [Case(frozenset(CALLERS), public=True, query={"from": "1", "to": "2"})],
    ("POST", "/tokens/{token_id}/revoke"): [Case(only("admin"), params={"token_id": "{spare_token}"})],
}
