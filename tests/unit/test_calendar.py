"""Working days and the appeal and decision windows (P2, P4, P6).

A window of N working days opened on day D ends at the end of the Nth working day after D.
The holiday arrangements asserted here are the State Council's published ones, as carried
by chinesecalendar:
- 2024 May Day 5/1-5/5, worked Sun 4/28 and Sat 5/11; National Day 10/1-10/7, worked
  Sun 9/29 and Sat 10/12.
- 2025 May Day 5/1-5/5, worked Sun 4/27; National Day and Mid-Autumn 10/1-10/8, worked
  Sun 9/28 and Sat 10/11.
- 2026 May Day 5/1-5/5, worked Sat 5/9; Mid-Autumn 9/25-9/27; National Day 10/1-10/7,
  worked Sun 9/20 and Sat 10/10.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from domain.calendar import (
    CalendarNotCovered,
    MainlandCalendar,
    WorkingCalendar,
    appeal_deadline,
    decision_deadline,
    is_within,
    package_years,
)
from domain.calendar_file import CalendarFileInvalid, CalendarYear, load_calendar_file, load_calendar_text
from domain.errors import InvalidInput, ScoreledgerError

MAINLAND = MainlandCalendar()
WINDOW = 3  # P2 and P4: 3 working days

# A fictional year far beyond any package release, laid out like 2026 (1 January a Thursday).
FICTIONAL = 2099
FICTIONAL_FILE = """\
year: 2099
source: fictional arrangement for tests
holidays: [2099-01-01, 2099-01-02,
           2099-05-01, 2099-05-02, 2099-05-03, 2099-05-04, 2099-05-05,
           2099-10-01, 2099-10-02, 2099-10-03, 2099-10-04, 2099-10-05, 2099-10-06, 2099-10-07]
workdays: [2099-05-09, 2099-10-10]   # Saturdays worked in lieu
"""


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(i) for i in range((end - start).days + 1)]


def fictional() -> MainlandCalendar:
    return MainlandCalendar([load_calendar_text(FICTIONAL_FILE)])


# --- the official arrangements ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "worked"),
    [
        (date(2024, 5, 1), date(2024, 5, 5), [date(2024, 4, 28), date(2024, 5, 11)]),
        (date(2024, 10, 1), date(2024, 10, 7), [date(2024, 9, 29), date(2024, 10, 12)]),
        (date(2025, 5, 1), date(2025, 5, 5), [date(2025, 4, 27)]),
        (date(2025, 10, 1), date(2025, 10, 8), [date(2025, 9, 28), date(2025, 10, 11)]),
        (date(2026, 5, 1), date(2026, 5, 5), [date(2026, 5, 9)]),
        (date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
    ],
)
def test_the_mainland_calendar_follows_the_official_may_day_and_national_day_arrangements(
    first: date, last: date, worked: list[date]
) -> None:
    """P6: every day of the holiday rests, every weekend day worked in lieu (调休) works, the days around work."""
    assert not any(MAINLAND.is_working_day(d) for d in days(first, last))
    assert all(MAINLAND.is_working_day(d) and d.weekday() >= 5 for d in worked)
    assert MAINLAND.is_working_day(first - timedelta(1))
    assert MAINLAND.is_working_day(last + timedelta(1))


def test_the_package_covers_2004_to_at_least_2026() -> None:
    """P6: chinesecalendar carries the arrangements from 2004 to its release's last year."""
    years = package_years()
    assert years.start == 2004 and years.stop - 1 >= 2026
    assert MAINLAND.covers(date(2004, 1, 1)) and MAINLAND.covers(date(2026, 12, 31))
    assert not MAINLAND.covers(date(2003, 12, 31)) and not MAINLAND.covers(date(FICTIONAL, 1, 5))


# --- windows across May Day -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "deadline"),
    [
        (date(2024, 4, 30), date(2024, 5, 8)),  # Tue, last working day before 5/1-5/5
        (date(2025, 4, 30), date(2025, 5, 8)),  # Wed, last working day before 5/1-5/5
        (date(2026, 4, 30), date(2026, 5, 8)),  # Thu, last working day before 5/1-5/5
    ],
)
def test_a_publication_on_the_last_working_day_before_may_day_is_appealable_until_the_third_day_after(
    published: date, deadline: date
) -> None:
    """P2/P6: the five holiday days do not count; day 1 is the first working day after the holiday."""
    assert appeal_deadline(published, WINDOW, MAINLAND) == deadline


def test_the_sunday_worked_before_may_day_2025_is_day_one_of_a_window() -> None:
    """P2/P6: Sunday 27 April 2025 was worked in lieu, so a Friday publication's window ends Tuesday."""
    assert MAINLAND.is_working_day(date(2025, 4, 27))
    assert appeal_deadline(date(2025, 4, 25), WINDOW, MAINLAND) == date(2025, 4, 29)
    assert appeal_deadline(date(2025, 4, 26), WINDOW, MAINLAND) == date(2025, 4, 29)  # a Saturday publication


@pytest.mark.parametrize(
    ("published", "deadline"),
    [
        (date(2024, 5, 8), date(2024, 5, 11)),  # Wed → Thu, Fri, Sat 5/11 (worked)
        (date(2026, 5, 6), date(2026, 5, 9)),  # Wed → Thu, Fri, Sat 5/9 (worked)
    ],
)
def test_a_window_can_end_on_a_saturday_worked_in_lieu_after_may_day(published: date, deadline: date) -> None:
    """P2/P6: a make-up Saturday is a working day, and can be the deadline itself."""
    assert deadline.weekday() == 5
    assert appeal_deadline(published, WINDOW, MAINLAND) == deadline


# --- windows across National Day --------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "deadline"),
    [
        (date(2024, 9, 30), date(2024, 10, 10)),  # Mon, last working day before 10/1-10/7
        (date(2025, 9, 30), date(2025, 10, 11)),  # Tue, last before 10/1-10/8: Thu 10/9, Fri 10/10, Sat 10/11
        (date(2026, 9, 30), date(2026, 10, 10)),  # Wed, last before 10/1-10/7: Thu, Fri, Sat 10/10
    ],
)
def test_a_publication_on_the_last_working_day_before_national_day_runs_past_the_holiday(
    published: date, deadline: date
) -> None:
    """P2/P6: the National Day holiday does not count; its make-up Saturday does."""
    assert appeal_deadline(published, WINDOW, MAINLAND) == deadline


def test_the_saturday_worked_after_national_day_2024_ends_a_window_opened_the_wednesday_before() -> None:
    """P2/P6: Saturday 12 October 2024 was worked in lieu; Wed 10/9 + 3 working days is that Saturday."""
    assert MAINLAND.is_working_day(date(2024, 10, 12))
    assert appeal_deadline(date(2024, 10, 9), WINDOW, MAINLAND) == date(2024, 10, 12)


def test_the_sundays_worked_before_national_day_count_in_a_window_opened_on_the_friday() -> None:
    """P2/P6: Sun 9/29/2024 and Sun 9/28/2025 were worked; a Friday publication's window uses them."""
    assert appeal_deadline(date(2024, 9, 27), WINDOW, MAINLAND) == date(2024, 10, 8)  # Sun 9/29, Mon 9/30, Tue 10/8
    assert appeal_deadline(date(2025, 9, 26), WINDOW, MAINLAND) == date(2025, 9, 30)  # Sun 9/28, Mon 9/29, Tue 9/30


def test_a_publication_during_the_holiday_opens_its_window_after_the_holiday() -> None:
    """P2/P6: publication on a rest day (3 October 2025) — day 1 is still the first working day after it."""
    assert appeal_deadline(date(2025, 10, 3), WINDOW, MAINLAND) == date(2025, 10, 11)


def test_the_leading_groups_decision_window_is_counted_the_same_way_from_acceptance() -> None:
    """P4/P6: accepted on 30 September 2025, the decision is due by Saturday 11 October 2025 (worked)."""
    assert decision_deadline(date(2025, 9, 30), WINDOW, MAINLAND) == date(2025, 10, 11)
    assert decision_deadline(date(2024, 4, 30), WINDOW, MAINLAND) == date(2024, 5, 8)


# --- the deadline day itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "deadline"),
    [
        (date(2025, 4, 30), date(2025, 5, 8)),
        (date(2024, 10, 9), date(2024, 10, 12)),  # a make-up Saturday; the next day is a Sunday
        (date(2025, 9, 30), date(2025, 10, 11)),
    ],
)
def test_an_appeal_on_the_deadline_day_is_accepted_and_one_the_next_day_is_refused(
    published: date, deadline: date
) -> None:
    """P2: the deadline is the end of the Nth working day — filing that day is in time, the next day is late."""
    assert appeal_deadline(published, WINDOW, MAINLAND) == deadline
    assert is_within(deadline, published)
    assert is_within(deadline, deadline)
    assert not is_within(deadline, deadline + timedelta(1))


# --- uncovered years and calendar files -------------------------------------------------------


def test_a_year_the_package_does_not_cover_raises_calendar_not_covered() -> None:
    """P6: a date no calendar covers is refused — never guessed from weekends alone."""
    day = date(FICTIONAL, 3, 2)
    with pytest.raises(CalendarNotCovered) as caught:
        MAINLAND.is_working_day(day)
    message = str(caught.value)
    years = package_years()
    assert "2099-03-02" in message
    assert f"{years.start}–{years.stop - 1}" in message
    assert "calendar file for 2099" in message and "docs/calendar.md" in message
    assert isinstance(caught.value, ScoreledgerError) and caught.value.day == day


def test_a_window_running_into_an_uncovered_year_raises_rather_than_guessing() -> None:
    """P2/P6: a publication at the end of the package's last year cannot be given a deadline."""
    last = package_years()[-1]
    with pytest.raises(CalendarNotCovered, match=f"{last + 1}-01-0"):
        appeal_deadline(date(last, 12, 30), WINDOW, MAINLAND)
    with pytest.raises(CalendarNotCovered):
        MAINLAND.working_days_between(date(last, 12, 1), date(last + 1, 1, 31))


def test_a_calendar_file_supplies_a_year_the_package_does_not_cover() -> None:
    """P6: with a file for 2099, its holidays rest, its make-up Saturdays work, other days by the week."""
    cal = fictional()
    assert cal.covers(date(FICTIONAL, 6, 1)) and cal.file_years == (FICTIONAL,)
    assert not cal.is_working_day(date(FICTIONAL, 1, 2))  # a listed Friday holiday
    assert cal.is_working_day(date(FICTIONAL, 5, 9))  # a listed Saturday worked
    assert not cal.is_working_day(date(FICTIONAL, 5, 16))  # an ordinary Saturday
    assert cal.is_working_day(date(FICTIONAL, 6, 1))  # an ordinary Monday
    assert appeal_deadline(date(FICTIONAL, 4, 30), WINDOW, cal) == date(FICTIONAL, 5, 8)
    assert appeal_deadline(date(FICTIONAL, 5, 6), WINDOW, cal) == date(FICTIONAL, 5, 9)
    assert decision_deadline(date(FICTIONAL, 9, 30), WINDOW, cal) == date(FICTIONAL, 10, 10)
    with pytest.raises(CalendarNotCovered, match="calendar files supply 2099"):
        cal.is_working_day(date(FICTIONAL + 1, 1, 4))


def test_a_calendar_file_for_a_covered_year_replaces_the_package_for_that_year_only() -> None:
    """P6: an administrator corrects a year by supplying it whole; other years still come from the package."""
    corrected = CalendarYear(
        year=2025,
        holidays=[
            date(2025, 1, 1),
            *days(date(2025, 4, 30), date(2025, 5, 5)),
            *days(date(2025, 10, 1), date(2025, 10, 3)),
        ],
        workdays=[],
    )
    cal = MainlandCalendar([corrected])
    assert not cal.is_working_day(date(2025, 4, 30))  # now a holiday
    assert not cal.is_working_day(date(2025, 4, 27))  # no longer worked in lieu
    assert appeal_deadline(date(2025, 4, 29), WINDOW, cal) == date(2025, 5, 8)
    assert appeal_deadline(date(2025, 4, 29), WINDOW, MAINLAND) == date(2025, 5, 7)
    assert cal.is_working_day(date(2024, 10, 12))  # 2024 still from the package


def test_a_calendar_file_is_read_as_yaml_or_json_from_disk(tmp_path: Path) -> None:
    """P6: the loader reads a file; JSON is accepted as well as YAML."""
    (tmp_path / "2099.yaml").write_text(FICTIONAL_FILE, encoding="utf-8")
    from_yaml = load_calendar_file(tmp_path / "2099.yaml")
    as_json = {
        "year": 2099,
        "holidays": [d.isoformat() for d in from_yaml.holidays],
        "workdays": [d.isoformat() for d in from_yaml.workdays],
    }
    (tmp_path / "2099.json").write_text(json.dumps(as_json), encoding="utf-8")
    from_json = load_calendar_file(tmp_path / "2099.json")
    assert (from_json.holidays, from_json.workdays) == (from_yaml.holidays, from_yaml.workdays)
    assert from_yaml.source == "fictional arrangement for tests"
    cal = MainlandCalendar.from_files([tmp_path / "2099.json"])
    assert cal.is_working_day(date(FICTIONAL, 10, 10))


def test_the_documented_example_file_agrees_with_the_package_on_every_day_of_2026() -> None:
    """P6: docs/calendar.md's example (the official 2026 arrangement) loads and matches chinesecalendar."""
    doc = (Path(__file__).parents[2] / "docs" / "calendar.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    from_doc = MainlandCalendar([load_calendar_text(example, source="docs/calendar.md")])
    for d in days(date(2026, 1, 1), date(2026, 12, 31)):
        assert from_doc.is_working_day(d) == MAINLAND.is_working_day(d), d


def test_two_calendar_files_for_the_same_year_are_refused(tmp_path: Path) -> None:
    """P6: which of two files would apply is not guessed."""
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(FICTIONAL_FILE, encoding="utf-8")
    with pytest.raises(CalendarFileInvalid, match="2099 is already supplied by"):
        MainlandCalendar.from_files([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def _refusal(text: str) -> str:
    with pytest.raises(CalendarFileInvalid) as caught:
        load_calendar_text(text, source="2099.yaml")
    assert isinstance(caught.value, InvalidInput)
    return str(caught.value)


def test_a_date_listed_both_as_holiday_and_workday_is_refused_with_its_line() -> None:
    """P6: a day cannot both rest and work; the message names the date and the line."""
    text = FICTIONAL_FILE.replace("workdays: [2099-05-09", "workdays: [2099-05-05")
    message = _refusal(text)
    assert message.startswith("2099.yaml: the calendar file is invalid")
    assert "line 6: workdays[0]: 2099-05-05 is listed both as a holiday and as a workday" in message


def test_malformed_calendar_files_are_refused_with_every_problem_named() -> None:
    """P6: dates outside the year, weekday "workdays", impossible dates and missing keys are each reported."""
    text = """\
year: 2099
holidays: [2099-01-01, 2098-12-31, 2099-02-30, 2099-05-01, 2099-10-01, 2099-10-02, 2099-10-03]
workdays: [2099-05-06]
"""
    message = _refusal(text)
    assert "line 2: holidays[2]: '2099-02-30' is not a date of the calendar" in message
    # the structure is fixed first; the relations are checked once every date reads
    text = text.replace(" 2099-02-30,", "")
    message = _refusal(text)
    assert "line 2: holidays[1]: 2098-12-31 is not in 2099" in message
    assert "line 3: workdays[0]: 2099-05-06 is a Wednesday: list only weekend days worked in lieu" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year: 2099\nworkdays: []\n", "line 1: holidays: Field required"),
        ('year: "2099"\nholidays: []\n', "line 1: year: Input should be a valid integer"),
        ("year: 2099\nholidays: [2099-1-1]\n", "line 2: holidays[0]: '2099-1-1' is not a date written YYYY-MM-DD"),
        ("year: 2099\nholiday: []\nholidays: []\n", "line 2: holiday: Extra inputs are not permitted"),
        ("year: 2099\nholidays: [2099-01-01\n", "not valid YAML or JSON"),
        ("", "the file is empty"),
        ("year: 2099\nholidays: [2099-01-01]\n", "holidays: 2099-10-01 (国庆节) is a statutory holiday, not listed"),
        ("year: 2099\nyear: 2098\nholidays: []\n", "line 2: year: duplicate key"),
    ],
)
def test_a_malformed_calendar_file_is_refused_with_a_clear_message(text: str, expected: str) -> None:
    """P6: a calendar file that cannot be trusted is refused, saying where and why."""
    assert expected in _refusal(text)


def test_an_unreadable_calendar_file_is_refused(tmp_path: Path) -> None:
    """P6: a missing file is an input problem, not a crash."""
    with pytest.raises(CalendarFileInvalid, match="cannot read calendar file"):
        load_calendar_file(tmp_path / "missing.yaml")


def test_the_calendar_year_model_checks_itself_when_built_in_code() -> None:
    """P6: the same checks apply to a CalendarYear built without a file."""
    with pytest.raises(ValueError, match="listed both as a holiday and as a workday"):
        CalendarYear(year=2099, holidays=[date(2099, 1, 1)], workdays=[date(2099, 1, 1)])


# --- counting ---------------------------------------------------------------------------------


def test_counting_working_days_between_two_dates_inverts_adding_them() -> None:
    """P6: for every start in 2024-2026 and windows of 1 to 5, the count back equals the count forward."""
    for start in days(date(2024, 1, 1), date(2026, 12, 20)):
        for n in range(1, 6):
            end = MAINLAND.add_working_days(start, n)
            assert MAINLAND.is_working_day(end)
            assert MAINLAND.working_days_between(start, end) == n
            assert MAINLAND.working_days_between(end, start) == -n


def test_working_days_between_counts_after_the_first_date_up_to_and_including_the_second() -> None:
    """P6: National Day week 2025 — from Tue 9/30 to Sat 10/11 there are 3 working days."""
    assert MAINLAND.working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert MAINLAND.working_days_between(date(2025, 9, 30), date(2025, 9, 30)) == 0
    assert MAINLAND.add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 3)


def test_a_window_must_be_at_least_one_working_day_and_dates_must_be_dates() -> None:
    """P2/P4: a window of 0 working days is not a window; a datetime is not a day."""
    with pytest.raises(ValueError, match="at least 1"):
        appeal_deadline(date(2025, 4, 30), 0, MAINLAND)
    with pytest.raises(ValueError, match="at least 0"):
        MAINLAND.add_working_days(date(2025, 4, 30), -1)
    with pytest.raises(TypeError, match="expected a date"):
        MAINLAND.is_working_day(datetime(2025, 4, 30, 9, 0))


def test_any_working_calendar_counts_windows_the_same_way() -> None:
    """P2/P6: the counting belongs to WorkingCalendar; a five-day-week calendar gives Friday + 3 = Wednesday."""

    class FiveDayWeek(WorkingCalendar):
        def covers(self, d: date) -> bool:
            return True

        def is_working_day(self, d: date) -> bool:
            return d.weekday() < 5

    assert appeal_deadline(date(2025, 4, 25), WINDOW, FiveDayWeek()) == date(2025, 4, 30)
