"""Service-level failures, each a kind of ScoreledgerError the API maps to a problem detail."""

from __future__ import annotations

from domain.errors import ScoreledgerError


class NotFound(ScoreledgerError):
    """Raised when a period, scheme, subject, fact or appeal does not exist."""


class Conflict(ScoreledgerError):
    """Raised when a write lost a race too many times, or a version expectation failed."""


class IdempotencyKeyReused(ScoreledgerError):
    """Raised when an idempotency key comes back with a different request."""


class AppealLate(ScoreledgerError):
    """Raised when an appeal or a decision comes after its window closed."""

    def __init__(self, message: str, deadline: str):
        super().__init__(message)
        self.deadline = deadline


class Forbidden(ScoreledgerError):
    """Raised when the actor's role or scope does not allow the action."""


class VersionMismatch(Conflict):
    """Raised when a command's expected aggregate version (If-Match) is not the current one."""


class OutcomeUnknown(ScoreledgerError):
    """Raised when the store failed under a save and whether the save was committed cannot be told (issue 12
    review): answered 503 with Retry-After, asking to send the same request again with the same Idempotency-Key."""

    RETRY_AFTER = 5  # seconds: a pause for the store to come back before the request is sent again

    def __init__(self, message: str, retry_after: int = RETRY_AFTER):
        super().__init__(message)
        self.retry_after = retry_after


class SavedUnanswered(ScoreledgerError):
    """Raised when a request was saved but its answer (read your writes: the totals with its facts in them) could
    not be made (review, issue 12: the generic 500 said nothing was appended, which was false here): answered 500
    saying it was saved, and how to get its answer without recording it twice."""
