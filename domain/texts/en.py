"""English templates of what the code writes in English: each key's Chinese is in zh/.

A template's `{name}` is a value read back from the English line; `{name!r}` is a value
written with quotes ('s009'). Families (the part before the first dot) are matched
separately: note, reason, flag, incomplete, error, problem.
"""

from __future__ import annotations

NOTES = {
    # lines of a scorecard (domain/scoring/points.py, lines.py, standing.py, engine.py)
    "note.d1": "{count} × {per} (D1)",
    # a rating item's individual ratings, for those who may not see them (service/redaction.py)
    "note.ratings_summary": "{count} rating(s) counted, each confidential (民主测评): only the item's points are shown",
    "note.d6": "{count} × {value} for {by}={key} (D6)",
    "note.range": "{count} × {amount} decided within {min}–{max}",
    "note.d5": "item voided: all {max} points (D5)",
    "note.d9": "{max} × {missed} missed (D9)",
    "note.d9_steps": "{steps} steps of {step} missed × {points} (D9)",
    "note.d11": "{count} × {value} as {role} (D11)",
    "note.d10_reminder": "reminder on matter {matter} (D10)",
    "note.d10_same": "{n} reminders on matter {matter} (D10)",
    "note.d10_distinct": "reminders on {n} distinct matters (D10)",
    "note.d7": "{note} × {factor} for {by}={key} (D7)",
    "note.bonus_per": "{count} × {per}",
    "note.b1": "{count} × {value} at level {level} (B1)",
    "note.b4": "rank {rank} (B4)",
    "note.bonus_decided": "{count} × {amount} decided",
    "note.b6": "{note} × {share} as {role} (B6)",
    "note.b5_steps": "{n} × {unit} in {amount} × {points} (B5)",
    "note.b5_below": "{amount} below the threshold {threshold} (B5)",
    "note.b5_threshold": "{base} at {threshold} + {n} × {points} (B5)",
    "note.rating": "{role} {rater}: {value}",
    "note.retracted": "retracted",
    "note.corrected": "replaced by a correction",
    "note.exempted": "exempted ({grounds}) (D8)",
    "note.superseded": "superseded: situation {situation} counts once, at the highest",
    "note.quota_filled": "{n} of {total} fill the quota of {quota}, no bonus for them (D9)",
    "note.veto": "veto {code}",
    "note.affirmation": "affirmation {code}",
    "note.condition": "condition {code}",
}

REASONS = {
    # grade reasons (domain/scoring/grading.py, year.py)
    "reason.veto_ineligible": "veto {veto} {title}: not eligible for excellence (V1)",
    "reason.not_graded": "not graded: {vetoes} (V5)",
    "reason.veto_grade": "veto {veto} {title}: grade {grade} (V2)",
    "reason.affirmation_grade": "affirmation {affirmation} {title}: grade {grade} (V4)",
    "reason.affirmation_vetoed": "affirmation {affirmation} {title}: no effect under veto {veto} (V4)",
    "reason.affirmation_unmet": "affirmation {affirmation} {title}: prerequisites not met: {conditions} (V4)",
    "reason.no_rule": "no grade rule matched",
    "reason.outside_quota": "{reason}: qualified but outside the quota (G2/G3/G7)",
    "reason.quota_forced": "{reason}, quota {slots} of {size} less {held} forced",
    "reason.quota": "{reason}, quota {slots} of {size}",
    "reason.rule_when": "rule {index}: {grade} ({condition})",
    "reason.rule": "rule {index}: {grade}",
    "reason.prerequisites": "{grade}: prerequisites not met: {conditions} (G5)",
    "reason.downgraded": "downgraded {levels} level(s): {grade} → {lower} (V3)",
    "reason.veto_cap": "veto {veto} {title}: at most {cap}, not {grade} (V2)",
    "reason.year_default": "default {grade}",
    "reason.year_rule": "rule {index}: {when} → {outcome} (G6)",
    # the parts of a rule's description and of a year rule
    "condition.min": "≥ {min}",
    "condition.below": "< {below}",
    "condition.bottom": "last {bottom}",
    "condition.requires": "requires {conditions}",
    "condition.and": "{condition}, {more}",
    "when.all": "all four quarters {grade}",
    "when.at_least": "{n}+ quarters {grade}",
    "outcome.grade": "grade {grade}",
    "outcome.flag": "flag {flag}",
    "outcome.not": "not {grade}",
    "outcome.and": "{outcome}, {more}",
}

FLAGS = {
    "flag.incomplete": "incomplete:{node}",
    "flag.ineligible": "ineligible",
    "flag.priority_excellent": "priority_excellent",
    "incomplete.role": "no rating from role {role}",
}

PROBLEMS = {
    # problem titles, by the problem type's slug (api/problems.py)
    "problem.invalid-input": "The input was refused",
    "problem.not-found": "Not found",
    "problem.unauthenticated": "Authentication required",
    "problem.forbidden": "Not allowed for this role or scope",
    "problem.version-mismatch": "The resource changed (If-Match)",
    "problem.in-flight": "A request with this idempotency key is in progress",
    "problem.conflict": "Conflicting concurrent change",
    "problem.idempotency-key-reused": "Idempotency key reused with another body",
    "problem.period-state": "The period does not allow this now",
    "problem.appeal-state": "The appeal does not allow this now",
    "problem.account-state": "The account is already so",
    "problem.appeal-window-closed": "The window has closed",
    "problem.scheme-version-exists": "This scheme version exists with other content",
    "problem.calendar-not-covered": "No working-day calendar covers the date",
    "problem.too-large": "Request body too large",
    "problem.store-busy": "The store is held by another process",
    "problem.replay-busy": "Another as-of replay is running",
    "problem.writer-closed": "The service is closing",
    "problem.outcome-unknown": "Whether the request was saved cannot be told",
    "problem.saved-unanswered": "Saved, but its answer could not be made",
    "problem.not-in-log": "Not in the log at that position",
    "problem.signing-key": "The seal signing key is not available",
    "problem.log-rewritten": "The log does not extend the last signed checkpoint",
    "problem.checkpoint-anchor": "The checkpoint anchor is missing or cannot be trusted",
    "problem.scheme-unavailable": "The period's scheme cannot be loaded from the log",
    "problem.invalid-request": "The request is malformed",
    "problem.internal": "Internal error",
    "problem.refused": "Refused",
    "problem.http-404": "Not Found",
    "problem.http-405": "Method Not Allowed",
}

FINDINGS = {
    # what verification reports (replay/verify.py)
    "finding.missing": "position {position}: event missing (deleted or truncated)",
    "finding.altered": "position {position}: event altered ({topic} of stream {stream} v{version})",
    "finding.inserted": "position {position}: event inserted (never witnessed)",
    "finding.truncated": "log truncated after position {position} (witnessed up to {last})",
    "finding.merkle": "{seal}: Merkle root differs: the log up to the seal was changed",
    "finding.count": "{seal}: {n} events up to the seal, sealed {sealed}",
    "finding.not_in_log": "period {period} is not in the log",
    "seal.label": "seal at position {position} (published at {at})",
    "finding.no_verified_seal": "no seal of {period} verifies with the given key(s): the period is not published, "
    "or its publication was removed or forged",
    "finding.no_key": "no public key given: a seal is checked against the bureau's key you hold (--key)",
    "finding.unsigned": "{seal}: not signed (a seal made before signed checkpoints, or its signature was removed)",
    "finding.other_key": "{seal}: not signed by the given key(s) ({names}): re-sealed or signed with another key",
    "finding.checkpoint_differs": "{seal}: the seal differs from what its checkpoint states and signs",
    "finding.rewritten": "{seal}: does not extend the seal before it (size {size}): the log was rewritten between them",
    "finding.own_events": "{seal}: the period's own events differ from the sealed ones ({n} here, {sealed} sealed): "
    "dropped, added or changed",
    "finding.groups_differ": "{seal}: results differ from the published ones in group(s) {groups}",
    "finding.subjects_differ": "{seal}: results differ from the published ones for subject(s) {subjects}",
    "finding.set_aside": "position {position}: fact {fact} set aside: {problems}",
}
