"""The texts the reads added for issue 9 say to people, kept together for the catalog (English for now).

Each is a `str.format` template; the keys are what the Chinese catalog will look them up by.
"""

from __future__ import annotations

MESSAGES = {
    "ratings.summary": "{count} rating(s) counted; individual ratings (民主测评) are confidential: "
    "only the item's points are published",
    "as_of.roles": "reading results as they were (as_of) is for auditors, reviewers and administrators; "
    "role {role} reads the current results",
    "replay.busy": "another as-of replay is running in this process; try again in {seconds} s",
    "cursor.bad": "the cursor is not one this service gave out; start again without it",
    "period.no_results": "period {period} does not exist or has no results yet",
    "subject.not_scored": "subject {subject} is not scored in {period}",
}


def say(key: str, **values: object) -> str:
    """The message `key` with its values filled in."""
    return MESSAGES[key].format(**values)
