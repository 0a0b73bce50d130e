"""Working-day arithmetic on the official Chinese calendar (public holidays and the adjusted
working weekends), from the maintained ``chinese_calendar`` package. Pure functions, no database.

Where the package has no data for a year (the State Council publishes each year's arrangement in
the preceding autumn), a day counts as a working day when it is Monday–Friday and the answer is
marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar

# China keeps one time zone without daylight saving: a fixed offset is exact.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_DAYS = 366


@dataclass(frozen=True)
class Due:
    date: date
    calendar_provisional: bool

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "calendar_provisional": self.calendar_provisional}


def covered(day: date) -> bool:
    """Whether the official calendar of ``day``'s year is known."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working day?, provisional?)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, days: int) -> Due:
    """The ``days``-th working day after ``start`` (``start`` itself never counts; counting begins
    on the next working day). ``days=0`` gives ``start``."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 0 and {MAX_DAYS}")
    day, left, provisional = start, days, False
    while left:
        day += timedelta(days=1)
        working, guessed = is_working_day(day)
        provisional |= guessed
        left -= working
    return Due(day, provisional)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: 0 when end <= start."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)[0]
    return count


def working_days_left(today: date, due_on: date) -> int:
    """Working days from ``today`` up to and including ``due_on`` (today counts when it is a
    working day); 0 once the due day has passed."""
    if today > due_on:
        return 0
    return working_days_between(today - timedelta(days=1), due_on)


def china_today(moment: datetime | None = None) -> date:
    """The calendar date in China at ``moment`` (default: now)."""
    return (moment or datetime.now(UTC)).astimezone(CHINA).date()
