"""Who may do what: the one place the API and the pages ask.

Recording (S5): offices record in their sections, raters their own ratings, the leading group's
administrators the one-vote decisions and prerequisites. A retraction, exemption or correction
is judged by the fact it names as well as by itself: nobody sets aside a fact they could not
have recorded. Reading: each role reads what its work needs (READERS).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.scheme.model import Scheme
from domain.scheme.offices import Groups, recording_office
from service.errors import Forbidden
from service.tokens import Actor

DECISIONS = {"veto", "affirmation", "condition"}
STAFF = ("admin", "auditor", "reviewer", "recorder", "rater")
RECORDERS = ("admin", "recorder", "rater")
AUDITORS = ("auditor", "reviewer", "admin")
APPEAL_READERS = ("subject", "reviewer", "auditor", "admin")


def require(actor: Actor, *roles: str) -> Actor:
    """The actor, when its role is one of `roles`; Forbidden otherwise."""
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role} may not do this; allowed: {', '.join(roles)}")
    return actor


def require_subject(actor: Actor, subject: str | None, what: str) -> None:
    """A subject's representative reads and acts only for its own subject."""
    if actor.role == "subject" and (subject is None or subject not in actor.scope):
        raise Forbidden(f"a subject's representative {what} only for its own subject")


def published_rows(actor: Actor | None, scheme: Scheme, subjects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """P1 (QF v3 三.(二)5, `publication.listed_grades`): the rows of a 公示 a reader sees, each marked `listed`.
    Auditors, reviewers and administrators see every row (they check what was left out); everyone else, and
    the posted document itself (actor None: the notice, its PDF, whoever prints it), only the listed grades.
    Every page, route and export of the 公示 goes through here (security review F7)."""
    listed = scheme.publication.listed_grades
    rows = [{**s, "listed": listed is None or s.get("grade") in listed} for s in subjects]
    return rows if actor is not None and actor.role in AUDITORS else [r for r in rows if r["listed"]]


def check_recording(
    actor: Actor,
    scheme: Scheme,
    facts: list[dict[str, Any]],
    known: Mapping[str, dict[str, Any]],
    groups: Groups,
) -> None:
    """Raise Forbidden unless the actor may record every fact of the batch (nothing is appended);
    `groups` tells a subject's group (domain.scheme.offices.group_lookup), where an item's office depends
    on it (S5 office_by_group): there is no default, so no caller can leave it out."""
    for index, fact in enumerate(facts):
        for judged in _judged(fact, known):
            reason = _refusal(actor, scheme, judged, groups)
            if reason is not None:
                raise Forbidden(f"facts[{index}]: {reason}")


def _judged(fact: dict[str, Any], known: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The fact itself (unless it only names another) and every fact down its chain of targets: a retraction
    of an exemption is judged by the deduction the exemption set aside, whoever recorded what between."""
    judged = [] if fact["type"] in ("retraction", "exemption") else [fact]
    seen: set[str] = set()
    named = fact.get("target") or fact.get("corrects")
    while named is not None and str(named) not in seen:
        seen.add(str(named))
        earlier = known.get(str(named))
        if earlier is None:
            judged.append({"type": "unknown", "id": named})  # not recorded: validation refuses it (422)
            break
        if earlier.get("type") not in ("retraction", "exemption"):
            judged.append(earlier)
        named = earlier.get("target") or earlier.get("corrects")
    return judged


def _refusal(actor: Actor, scheme: Scheme, fact: dict[str, Any], groups: Groups) -> str | None:
    kind = fact.get("type")
    if kind == "unknown":
        return None  # not recorded at all: validation refuses it with the other problems (422)
    if actor.role == "admin":
        return None if kind in DECISIONS else f"administrators record only {', '.join(sorted(DECISIONS))}"
    if kind in DECISIONS:
        return f"only administrators (the leading group) record a {kind}"
    if actor.role == "rater":
        return _rater_refusal(actor, fact)
    if actor.role == "recorder":
        return _office_refusal(actor, scheme, fact, groups)
    return f"role {actor.role} does not record facts"


def _rater_refusal(actor: Actor, fact: dict[str, Any]) -> str | None:
    """A rater rates under the name and role its token or account is bound to (R1), nothing else."""
    bound = actor.rater_roles()
    if fact.get("type") != "rating" or fact.get("rater") not in bound:
        names = ", ".join(bound) or "none"
        return f"a rater records, corrects and retracts only its own ratings (rater {names})"
    if fact.get("role") != bound[str(fact.get("rater"))]:
        return f"rater {fact.get('rater')} rates as {bound[str(fact.get('rater'))]}, not as {fact.get('role')} (R1)"
    return None


def _office_refusal(
    actor: Actor, scheme: Scheme, fact: dict[str, Any], groups: Groups
) -> str | None:
    if fact.get("type") == "rating":
        return "ratings are recorded by their raters"
    item = str(fact.get("item"))
    if item not in scheme.items:
        return None  # not an item at all: validation refuses it with the other problems (422)
    for subject in _subjects(fact):
        office = recording_office(scheme, item, groups(subject))
        if office not in actor.scope:
            return f"item {item} is recorded by office {office}, not {', '.join(actor.scope)} (S5)"
    return None


def _subjects(fact: dict[str, Any]) -> list[str]:
    """The subjects a fact concerns: its subject, or each of its parties."""
    parties = fact.get("parties") if isinstance(fact.get("parties"), list) else []
    named = [str(p.get("subject")) for p in parties if isinstance(p, dict)]
    return named or [str(fact.get("subject"))]
