"""Working days on the mainland calendar (P6) and the appeal and decision windows (P2, P4).

A window of N working days opened on day D (publication for P2, acceptance for P4) ends at
the end of the Nth working day after D: day 1 is the first working day after D, whatever D
itself is. Working days are weekdays that are not public holidays, plus the weekend days
worked in lieu of a holiday (调休上班).

``MainlandCalendar`` answers from the ``chinesecalendar`` package for the years it carries,
and from administrator calendar files (``domain.calendar_file``) for other years or to
replace the package's answer for a year. A date that neither covers raises
``CalendarNotCovered``: a deadline is never guessed from weekends alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path as FsPath

import chinese_calendar

from domain.calendar_file import CalendarFileInvalid, CalendarYear, load_calendar_file
from domain.errors import Problem, ScoreledgerError

__all__ = [
    "CalendarNotCovered",
    "MainlandCalendar",
    "WorkingCalendar",
    "appeal_deadline",
    "decision_deadline",
    "is_within",
    "package_years",
]

_ONE_DAY = timedelta(days=1)
_PROBE = range(1900, 2201)  # years probed for the package's coverage; it covers one contiguous range


class CalendarNotCovered(ScoreledgerError):
    """Raised when a working-day question concerns a date that no calendar covers."""

    def __init__(self, day: date, package: range, files: tuple[int, ...] = ()) -> None:
        super().__init__(day, package, files)
        self.day, self.package, self.files = day, package, files

    def __str__(self) -> str:
        package = f"{self.package.start}–{self.package.stop - 1}" if self.package else "no year"
        files = ", ".join(str(y) for y in self.files) if self.files else "none"
        return (
            f"no working-day calendar covers {self.day.isoformat()}: the chinesecalendar package "
            f"({_package_version()}) covers {package}, calendar files supply {files}. "
            f"Supply a calendar file for {self.day.year} (year, holidays, workdays: the State Council's "
            f"holiday arrangement for that year; format in docs/calendar.md)."
        )


class WorkingCalendar(ABC):
    """Which days are working days; windows are counted on it."""

    @abstractmethod
    def covers(self, d: date) -> bool:
        """Whether this calendar knows if d is a working day."""

    @abstractmethod
    def is_working_day(self, d: date) -> bool:
        """Whether d is a working day; raises CalendarNotCovered for a date not covered."""

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day after start (start itself never counts); n = 0 gives start."""
        _check_date(start)
        if n < 0:
            raise ValueError(f"cannot count {n} working days: n must be at least 0")
        d = start
        while n:
            d += _ONE_DAY
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """The working days after a up to and including b; negative when b is before a.

        ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        _check_date(a)
        _check_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        count, d = 0, a
        while d < b:
            d += _ONE_DAY
            count += self.is_working_day(d)
        return count


class MainlandCalendar(WorkingCalendar):
    """The mainland calendar: the chinesecalendar package, replaced year by year by calendar files.

    A year supplied by a file is answered by the file alone (weekdays work unless listed as
    holidays, weekend days rest unless listed as workdays), whether or not the package has it.
    """

    def __init__(self, years: Iterable[CalendarYear] = ()) -> None:
        self._years: dict[int, CalendarYear] = {}
        for cal in years:
            if cal.year in self._years:
                raise CalendarFileInvalid(
                    "two calendar files supply the same year", [Problem("year", f"{cal.year} is supplied twice")]
                )
            self._years[cal.year] = cal

    @classmethod
    def from_files(cls, paths: Iterable[str | FsPath]) -> MainlandCalendar:
        """The package layered with the calendar files at paths; raises CalendarFileInvalid."""
        years: dict[int, str] = {}
        loaded = []
        for path in paths:
            cal = load_calendar_file(path)
            if cal.year in years:
                raise CalendarFileInvalid(
                    f"{path}: year {cal.year} is already supplied by {years[cal.year]}",
                    [Problem("year", f"{cal.year} is supplied twice")],
                )
            years[cal.year] = str(path)
            loaded.append(cal)
        return cls(loaded)

    @property
    def file_years(self) -> tuple[int, ...]:
        """The years supplied by calendar files, ascending."""
        return tuple(sorted(self._years))

    @property
    def package_years(self) -> range:
        """The years the chinesecalendar package covers."""
        return package_years()

    def covers(self, d: date) -> bool:
        _check_date(d)
        return d.year in self._years or d.year in package_years()

    def is_working_day(self, d: date) -> bool:
        _check_date(d)
        if d.year in self._years:
            return self._years[d.year].is_working_day(d)
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            raise CalendarNotCovered(d, package_years(), self.file_years) from None


def appeal_deadline(published_on: date, working_days: int, calendar: WorkingCalendar) -> date:
    """P2: the last day to appeal, the end of the Nth working day after publication."""
    return _window_end(published_on, working_days, calendar)


def decision_deadline(accepted_on: date, working_days: int, calendar: WorkingCalendar) -> date:
    """P4: the last day for the leading group's decision, the Nth working day after acceptance."""
    return _window_end(accepted_on, working_days, calendar)


def is_within(deadline: date, on: date) -> bool:
    """Whether something done on the given day meets the deadline (the whole deadline day counts)."""
    _check_date(deadline)
    _check_date(on)
    return on <= deadline


@cache
def package_years() -> range:
    """The contiguous range of years the installed chinesecalendar package answers for."""
    years = [y for y in _PROBE if _package_has(y)]
    return range(years[0], years[-1] + 1) if years else range(0)


def _package_has(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _package_version() -> str:
    return str(getattr(chinese_calendar, "__version__", "version unknown"))


def _window_end(opened_on: date, working_days: int, calendar: WorkingCalendar) -> date:
    if working_days < 1:
        raise ValueError(f"a window of {working_days} working days: it must be at least 1")
    return calendar.add_working_days(opened_on, working_days)


def _check_date(d: object) -> None:
    if not isinstance(d, date) or isinstance(d, datetime):
        raise TypeError(f"expected a date, got {type(d).__name__}: {d!r}")
