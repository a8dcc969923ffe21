"""Which reminders are due on a day, from what the log said (P2, P4, P6): pure, no store, no clock.

A reminder has a stable id, so however often the schedule is evaluated it is sent once:
- `appeal-filed:<appeal>`: an appeal waits to be accepted;
- `appeal-window:<bureau>/<period>`: two working days before the appeal window closes (P2);
- `decision-window:<appeal>`: two working days before the decision window of an accepted appeal closes (P4);
- `decision-overdue:<appeal>`: the decision window of an accepted appeal closed with no decision.
Windows already closed are not reminded of (a notifier started on an old log does not send history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.calendar import WorkingCalendar, appeal_deadline

AHEAD = 2  # working days before a window closes


@dataclass(frozen=True)
class Reminder:
    """One message to send, with what a person needs to act on it."""

    id: str
    kind: str
    facts: dict[str, str]


def reminder_day(opened_on: date, deadline: date, calendar: WorkingCalendar) -> date:
    """The working day two working days before the deadline (P6), not before the window opened."""
    day = deadline
    while calendar.working_days_between(day, deadline) < AHEAD and day > opened_on:
        day -= timedelta(days=1)
    while not calendar.is_working_day(day) and day > opened_on:
        day -= timedelta(days=1)
    return max(day, opened_on)


def due(state: dict[str, dict[str, Any]], bureau: str, today: date, calendar: WorkingCalendar) -> list[Reminder]:
    """Every reminder due on `today` for one bureau, from the folded state (periods, schemes, appeals)."""
    found: list[Reminder] = []
    for key, period in sorted(state.items()):
        if key.startswith("period:") and period.get("bureau") == bureau and period.get("published_on"):
            found += _appeal_window(period, state, today, calendar)
    for key, appeal in sorted(state.items()):
        if key.startswith("appeal:") and appeal.get("bureau") == bureau:
            found += _appeal(appeal, today, calendar)
    return found


def _appeal_window(
    period: dict[str, Any], state: dict[str, Any], today: date, calendar: WorkingCalendar
) -> list[Reminder]:
    windows = state.get(f"scheme:{period['scheme']}:{period['version']}", {})
    published = date.fromisoformat(period["published_on"])
    deadline = appeal_deadline(published, int(windows.get("appeal", 3)), calendar)
    if not reminder_day(published, deadline, calendar) <= today <= deadline:
        return []
    facts = {"period": period["code"], "published_on": period["published_on"], "deadline": deadline.isoformat()}
    return [Reminder(f"appeal-window:{period['bureau']}/{period['code']}", "appeal_window", facts)]


def _appeal(appeal: dict[str, Any], today: date, calendar: WorkingCalendar) -> list[Reminder]:
    facts = {k: str(appeal[k]) for k in ("appeal", "period", "subject", "filed_on", "deadline", "decide_by")
             if appeal.get(k)}
    name = appeal["appeal"]
    if appeal["status"] == "filed":
        return [Reminder(f"appeal-filed:{name}", "appeal_filed", facts)]
    if appeal["status"] != "accepted":
        return []
    decide_by, accepted = date.fromisoformat(appeal["decide_by"]), date.fromisoformat(appeal["accepted_on"])
    if today > decide_by:
        return [Reminder(f"decision-overdue:{name}", "decision_overdue", facts)]
    if reminder_day(accepted, decide_by, calendar) <= today:
        return [Reminder(f"decision-window:{name}", "decision_window", facts)]
    return []
